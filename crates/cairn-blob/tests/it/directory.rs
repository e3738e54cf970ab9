//! What only the directory backend has: files on disk, staged uploads, file URLs.

use std::time::Duration;

use cairn_blob::{BlobLocation, BlobStore, S3Settings};

use crate::support::{Backend, TestStore, age_file, key, one_chunk, staged_files};

async fn directory_store() -> (TestStore, std::path::PathBuf) {
    let test = TestStore::create(Backend::Directory)
        .await
        .expect("the directory backend is always available");
    let root = test.root.clone().expect("directory store has a root");
    (test, root)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blobs_are_plain_files_under_the_root() {
    let (test, root) = directory_store().await;
    test.store
        .put_stream(&key("attachments/65/65539/v1"), one_chunk(b"on disk"), None)
        .await
        .unwrap();
    let on_disk = std::fs::read(root.join("attachments/65/65539/v1")).unwrap();
    assert_eq!(on_disk, b"on disk");
    assert!(staged_files(&root).is_empty());

    test.store
        .delete(&key("attachments/65/65539/v1"))
        .await
        .unwrap();
    assert!(!root.join("attachments/65/65539/v1").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweeper_removes_stale_staged_uploads_and_keeps_fresh_ones() {
    let (test, root) = directory_store().await;
    let directory = root.join("attachments/70/700");
    std::fs::create_dir_all(&directory).unwrap();
    // What a node that crashed mid-upload leaves behind, and an upload still in progress.
    let stale = directory.join("v1#1");
    let in_progress = directory.join("v2#1");
    std::fs::write(&stale, b"half an upload").unwrap();
    std::fs::write(&in_progress, b"still arriving").unwrap();
    age_file(&stale, Duration::from_secs(3 * 3600));

    // Staged files are never served or listed as blobs.
    assert!(
        test.store
            .get(&key("attachments/70/700/v1"), None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        test.store
            .head(&key("attachments/70/700/v1"))
            .await
            .unwrap()
            .is_none()
    );
    let listed: Vec<_> = futures_util::TryStreamExt::try_collect::<Vec<_>>(test.store.list(None))
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");

    let report = test
        .store
        .sweep_orphans(None, Duration::from_secs(3600), |_| async {
            Ok::<_, std::io::Error>(false)
        })
        .await
        .unwrap();
    assert_eq!(report.temporaries_removed, 1, "{report:?}");
    assert!(!stale.exists());
    assert!(in_progress.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_orphans_are_found_by_age() {
    let (test, root) = directory_store().await;
    test.store
        .put_stream(&key("attachments/71/1/v1"), one_chunk(b"old"), None)
        .await
        .unwrap();
    test.store
        .put_stream(&key("attachments/71/2/v1"), one_chunk(b"new"), None)
        .await
        .unwrap();
    age_file(
        &root.join("attachments/71/1/v1"),
        Duration::from_secs(2 * 86_400),
    );

    let old: Vec<_> = futures_util::TryStreamExt::try_collect::<Vec<_>>(
        test.store
            .list_older_than(Some(&key("attachments")), Duration::from_secs(86_400)),
    )
    .await
    .unwrap();
    let old_keys: Vec<_> = old.iter().map(|meta| meta.key.to_string()).collect();
    assert_eq!(old_keys, ["attachments/71/1/v1"]);
    assert_eq!(old[0].size_bytes, 3);

    let report = test
        .store
        .sweep_orphans(None, Duration::from_secs(86_400), |_| async {
            Ok::<_, std::io::Error>(false)
        })
        .await
        .unwrap();
    assert_eq!(report.orphans_removed, 1);
    assert_eq!(
        test.store.head(&key("attachments/71/1/v1")).await.unwrap(),
        None
    );
    assert_eq!(
        test.store.head(&key("attachments/71/2/v1")).await.unwrap(),
        Some(3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_are_not_blob_keys_are_ignored() {
    let (test, root) = directory_store().await;
    std::fs::create_dir_all(root.join("attachments")).unwrap();
    std::fs::write(root.join("attachments/notes from the admin.txt"), b"x").unwrap();
    age_file(
        &root.join("attachments/notes from the admin.txt"),
        Duration::from_secs(86_400),
    );

    let report = test
        .store
        .sweep_orphans(None, Duration::from_secs(3600), |_| async {
            Ok::<_, std::io::Error>(false)
        })
        .await
        .unwrap();
    assert_eq!(report.orphans_removed, 0);
    assert!(root.join("attachments/notes from the admin.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_file_url_creates_the_directory() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("shared/blobs");
    let location = BlobLocation::parse(&format!("file://{}", root.display())).unwrap();
    let store = BlobStore::open(location, &S3Settings::default())
        .await
        .unwrap();
    assert!(root.is_dir());
    store
        .put_stream(&key("a/b"), one_chunk(b"1"), None)
        .await
        .unwrap();
    assert_eq!(std::fs::read(root.join("a/b")).unwrap(), b"1");
    assert_eq!(
        store.location(),
        &BlobLocation::Directory { root: root.clone() }
    );
}
