//! The real Confluence exports of the fixtures directory (see its README.md), read in place.
//!
//! `CAIRN_CONFLUENCE_FIXTURES` names the directory; without it, `../shared/fixtures/confluence`
//! beside the workspace is used when it exists. A directory named by the variable that does not
//! exist fails the test; no directory at all is said out loud, and the test then checks nothing.

use std::path::PathBuf;

use cairn_import::{BodyType, Export, ExportStatus};

/// The fixtures directory, or `None` (announced) when this checkout has none.
pub fn fixtures_directory() -> Option<PathBuf> {
    if let Ok(named) = std::env::var("CAIRN_CONFLUENCE_FIXTURES") {
        let path = PathBuf::from(named);
        assert!(
            path.is_dir(),
            "CAIRN_CONFLUENCE_FIXTURES names {}, which is not a directory",
            path.display()
        );
        return Some(path);
    }
    let default = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/confluence"
    ));
    if default.is_dir() {
        return Some(default);
    }
    eprintln!(
        "\n*** NO CONFLUENCE FIXTURES: {} does not exist and CAIRN_CONFLUENCE_FIXTURES is not set; \
         the real exports were NOT read ***\n",
        default.display()
    );
    None
}

async fn read_fixture(name: &str) -> Option<Export> {
    let directory = fixtures_directory()?;
    let path = directory.join(name);
    assert!(path.is_file(), "fixture {} is missing", path.display());
    Some(
        Export::read(&path)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error}")),
    )
}

#[tokio::test]
async fn confluence_3_site_export() {
    let Some(export) = read_fixture("confluence-3.4.7-site.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.spaces.len(), 1);
    assert_eq!(model.spaces[0].key, "TestDemo");
    assert_eq!(model.contents.len(), 2);
    for content in &model.contents {
        let body = content.current().body.as_ref().expect("a body");
        assert_eq!(
            body.body_type,
            BodyType::WikiMarkup,
            "no bodyType: wiki markup"
        );
    }
    let child = model
        .contents
        .iter()
        .find(|content| content.parent_id.is_some())
        .expect("a child page");
    assert_eq!(child.parent_id, model.spaces[0].home_page_id);
    assert!(
        model
            .users
            .iter()
            .any(|user| user.username == "admin"
                && user.email.as_deref() == Some("admin@example.com"))
    );
}

#[tokio::test]
async fn confluence_4_site_export() {
    let Some(export) = read_fixture("confluence-4.3.2-site.zip").await else {
        return;
    };
    let model = &export.model;
    let mut keys: Vec<&str> = model
        .spaces
        .iter()
        .map(|space| space.key.as_str())
        .collect();
    keys.sort();
    assert_eq!(keys, ["PRIV", "SPACE1", "SPACE2"]);
    assert_eq!(model.contents.len(), 6);
    let old_versions: usize = model
        .contents
        .iter()
        .map(|content| content.versions.len() - 1)
        .sum();
    assert_eq!(old_versions, 7);
    assert_eq!(model.comments.len(), 7);
    assert_eq!(
        model
            .comments
            .iter()
            .filter(|comment| comment.parent_id.is_some())
            .count(),
        1
    );
    assert_eq!(model.attachments.len(), 4);
    assert!(
        model
            .attachments
            .iter()
            .all(|attachment| attachment.current().file.is_some())
    );
    assert!(
        model
            .labellings
            .iter()
            .any(|labelling| labelling.prefix == "my")
    );
    assert!(model.users.len() >= 3);
}

#[tokio::test]
async fn confluence_5_9_site_export() {
    let Some(export) = read_fixture("confluence-5.9-site.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.spaces.len(), 1);
    assert_eq!(model.spaces[0].key, "ds");
    assert_eq!(
        model
            .contents
            .iter()
            .filter(|content| content.status == ExportStatus::Current)
            .count(),
        11
    );
    let live = model
        .attachments
        .iter()
        .filter(|attachment| attachment.status == ExportStatus::Current)
        .count();
    let trashed = model.attachments.len() - live;
    assert_eq!((live, trashed), (22, 5));
    assert!(model.attachments.iter().all(|attachment| {
        let current = attachment.current();
        current.declared_size.is_some() && current.media_type != "application/octet-stream"
    }));
}

#[tokio::test]
async fn confluence_8_export() {
    let Some(export) = read_fixture("confluence-8.5.6.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.spaces[0].key, "HT");
    assert_eq!(model.contents.len(), 3);
    // Bodies are linked from BodyContent only (the third page has none in the export).
    assert_eq!(
        model
            .contents
            .iter()
            .filter(|content| content.current().body.is_some())
            .count(),
        2
    );
    assert_eq!(model.attachments.len(), 11);
    assert!(
        model
            .attachments
            .iter()
            .all(|attachment| attachment.current().file.is_none())
    );
    // The comment on an attachment is read, on the attachment (whose file the export lacks, so
    // the import leaves both out).
    assert_eq!(model.comments.len(), 2);
    assert!(
        model
            .comments
            .iter()
            .any(|comment| comment.container_id == 98365)
    );
    assert_eq!(model.space_labels.len(), 1, "{:?}", model.space_labels);
}

#[tokio::test]
async fn cloud_attachment_history() {
    let Some(export) = read_fixture("confluence-cloud-attachhist.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.contents.len(), 2);
    assert_eq!(
        model
            .contents
            .iter()
            .map(|content| content.versions.len())
            .sum::<usize>(),
        4,
        "2 pages, 2 older versions, the draft left out"
    );
    let with_history = model
        .attachments
        .iter()
        .find(|attachment| attachment.versions.len() == 3)
        .expect("an attachment with 3 versions");
    assert!(
        with_history
            .versions
            .iter()
            .all(|version| version.file.is_some())
    );
    let named_alike: Vec<&cairn_import::ExportAttachment> = model
        .attachments
        .iter()
        .filter(|attachment| attachment.title == "attachment2.txt")
        .collect();
    assert_eq!(named_alike.len(), 2);
    assert!(
        named_alike
            .iter()
            .any(|attachment| attachment.status == ExportStatus::Trashed)
    );
}

#[tokio::test]
async fn cloud_inline_comments() {
    let Some(export) = read_fixture("confluence-cloud-inlinecomments.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.comments.len(), 13);
    assert_eq!(
        model
            .comments
            .iter()
            .filter(|comment| comment.inline)
            .count(),
        11
    );
    assert_eq!(
        model
            .comments
            .iter()
            .filter(|comment| comment.parent_id.is_some())
            .count(),
        7
    );
}

#[tokio::test]
async fn cloud_nested_pages() {
    let Some(export) = read_fixture("confluence-cloud-nested.zip").await else {
        return;
    };
    let model = &export.model;
    let pages: Vec<_> = model
        .contents
        .iter()
        .filter(|content| content.status == ExportStatus::Current)
        .collect();
    assert_eq!(pages.len(), 5);
    let home = model.spaces[0].home_page_id.expect("a home page");
    let depth = |mut id: i64| {
        let mut depth = 0;
        while let Some(parent) = pages
            .iter()
            .find(|page| page.id == id)
            .and_then(|page| page.parent_id)
        {
            depth += 1;
            id = parent;
        }
        depth
    };
    assert_eq!(
        pages.iter().map(|page| depth(page.id)).max(),
        Some(2),
        "three levels"
    );
    assert!(
        pages
            .iter()
            .all(|page| page.id == home || page.parent_id.is_some())
    );
    assert_eq!(
        pages
            .iter()
            .map(|page| page.versions.len() - 1)
            .sum::<usize>(),
        2
    );
}

#[tokio::test]
async fn server_comment_order_and_a_high_version() {
    let Some(export) = read_fixture("confluence-server-commentorder.zip").await else {
        return;
    };
    let model = &export.model;
    assert_eq!(model.contents.len(), 1);
    let page = &model.contents[0];
    assert_eq!(page.current().number, 139);
    assert_eq!(page.versions.len(), 1);
    assert_eq!(model.comments.len(), 7);
}

mod into_the_store {
    //! Every real export imports into every database, Confluence's ids kept.

    use cairn_blob::BlobStore;
    use cairn_core::ContentId;
    use cairn_import::{Export, ImportOptions, import};
    use cairn_testkit::{TestDb, every_dialect};

    every_dialect!(every_fixture_imports);

    async fn every_fixture_imports(db: TestDb) {
        let Some(directory) = super::fixtures_directory() else {
            return;
        };
        let store = db.store().await;
        let blob_directory = tempfile::tempdir().expect("blob directory");
        let blobs = BlobStore::open_directory(blob_directory.path())
            .await
            .expect("blob store");
        let mut names: Vec<_> = std::fs::read_dir(&directory)
            .expect("fixtures")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".zip"))
            .collect();
        names.sort();
        assert_eq!(names.len(), 8, "{names:?}");
        for name in names {
            let mut export = Export::read(&directory.join(&name))
                .await
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            let report = import(&store, &blobs, &mut export, &ImportOptions::default())
                .await
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert!(report.spaces >= 1, "{name}: {report}");
            if name == "confluence-4.3.2-site.zip" {
                // Ids above where Cairn's sequence stood are kept, so old links still resolve.
                let page = store
                    .find_content(ContentId(753692))
                    .await
                    .expect("read")
                    .expect("page 753692 under its Confluence id");
                assert_eq!(page.title, "Private page 1");
                assert!(
                    report.notes.iter().any(|note| note.contains("declared")),
                    "attachment files smaller than declared: {report}"
                );
            }
            if name == "confluence-server-commentorder.zip" {
                assert!(
                    report
                        .notes
                        .iter()
                        .any(|note| note.contains("1 of its 139 versions")),
                    "{report}"
                );
            }
        }
    }
}
