//! The synthetic export of `cairn bench confluence-export` imports completely, on every database,
//! so the benchmark's input cannot drift from what the importer reads.

use cairn_blob::BlobStore;
use cairn_core::SpaceKey;
use cairn_import::synthetic::{SyntheticOptions, write_synthetic_export};
use cairn_import::{Export, ImportOptions, import};
use cairn_testkit::{TestDb, every_dialect};

every_dialect!(a_small_synthetic_export_imports_whole);

fn options() -> SyntheticOptions {
    SyntheticOptions {
        size_bytes: 2 * 1024 * 1024,
        seed: 7,
        space_key: "SYN".into(),
    }
}

async fn a_small_synthetic_export_imports_whole(db: TestDb) {
    let directory = tempfile::tempdir().expect("directory");
    let path = directory.path().join("synthetic.zip");
    let summary = write_synthetic_export(&path, &options()).expect("written");
    assert!(
        (1_500_000..3_000_000).contains(&summary.zip_bytes),
        "about 2 MiB: {summary}"
    );
    assert!(
        summary.attachment_bytes * 2 > summary.zip_bytes,
        "attachments make up most of the bytes: {summary}"
    );

    let blob_directory = tempfile::tempdir().expect("blob directory");
    let blobs = BlobStore::open_directory(blob_directory.path())
        .await
        .expect("blob store");
    let store = db.store().await;
    let mut export = Export::read(&path).await.expect("read");
    let report = import(&store, &blobs, &mut export, &ImportOptions::default())
        .await
        .expect("imported");

    assert_eq!(report.spaces, 1);
    assert_eq!(report.pages as u64, summary.pages, "{report}");
    assert_eq!(report.blog_posts as u64, summary.blog_posts);
    assert_eq!(report.versions as u64, summary.versions);
    assert_eq!(report.comments as u64, summary.comments);
    assert_eq!(report.labels as u64, summary.labellings);
    assert_eq!(report.restrictions as u64, summary.restrictions);
    assert_eq!(report.attachments as u64, summary.attachments);
    assert_eq!(
        report.attachment_versions as u64,
        summary.attachment_versions
    );
    assert_eq!(report.attachment_bytes, summary.attachment_bytes);
    assert!(report.trashed > 0, "some pages are in the trash: {report}");
    assert!(report.skipped.is_empty(), "{report}");
    assert!(report.notes.is_empty(), "{report}");
    let space = store
        .find_space_by_key(&SpaceKey::from_stored("SYN"))
        .await
        .expect("read")
        .expect("the space");
    assert!(space.homepage_id.is_some());
}

#[test]
fn the_same_size_and_seed_write_the_same_zip() {
    let directory = tempfile::tempdir().expect("directory");
    let first = directory.path().join("first.zip");
    let second = directory.path().join("second.zip");
    write_synthetic_export(&first, &options()).expect("written");
    write_synthetic_export(&second, &options()).expect("written");
    assert_eq!(
        std::fs::read(&first).expect("first"),
        std::fs::read(&second).expect("second")
    );
}
