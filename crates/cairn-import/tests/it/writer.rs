//! Importing into a real database (SQLite, PostgreSQL, MySQL) and blob directory.

use cairn_blob::BlobStore;
use cairn_core::{ContentId, ContentStatus, ContentType, SpaceKey};
use cairn_import::{Export, ImportError, ImportOptions, ImportReport, import};
use cairn_store::{CommentListing, Store, Window};
use cairn_testkit::{TestDb, every_dialect};

use crate::builder::{ExportBuilder, collection, modern_space, plain, reference, text};

struct Target {
    store: Store,
    blobs: BlobStore,
    blob_directory: tempfile::TempDir,
    exports: tempfile::TempDir,
}

async fn target(db: &TestDb) -> Target {
    let blob_directory = tempfile::tempdir().expect("blob directory");
    Target {
        store: db.store().await,
        blobs: BlobStore::open_directory(blob_directory.path())
            .await
            .expect("blob store"),
        blob_directory,
        exports: tempfile::tempdir().expect("export directory"),
    }
}

impl Target {
    async fn import(
        &self,
        builder: &ExportBuilder,
        options: &ImportOptions,
    ) -> Result<ImportReport, ImportError> {
        let path = builder.write(self.exports.path(), "export.zip");
        let mut export = Export::read(&path).await?;
        import(&self.store, &self.blobs, &mut export, options).await
    }

    fn blob_files(&self) -> usize {
        fn count(path: &std::path::Path) -> usize {
            std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|entry| {
                            let path = entry.path();
                            if path.is_dir() { count(&path) } else { 1 }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        count(self.blob_directory.path())
    }
}

every_dialect!(
    a_space_export_is_imported_with_history_comments_labels_and_files,
    a_taken_space_key_is_refused_before_anything_is_written,
    a_failure_while_writing_leaves_the_wiki_as_it_was,
    a_dry_run_writes_nothing,
    space_keys_are_mapped_on_request,
    links_into_a_mapped_space_name_its_new_key,
);

async fn a_space_export_is_imported_with_history_comments_labels_and_files(db: TestDb) {
    let target = target(&db).await;
    let report = target
        .import(&modern_space(), &ImportOptions::default())
        .await
        .expect("the import succeeds");
    let store = &target.store;
    let id = |confluence: i64| ContentId(report.content_ids[&confluence]);
    assert_eq!((report.spaces, report.pages, report.blog_posts), (1, 4, 1));
    assert_eq!(report.trashed, 1);
    assert_eq!(
        (report.comments, report.inline_comments),
        (4, 1),
        "{report}"
    );
    assert_eq!(
        report.users_created, 4,
        "alice, bob, carol, and anonymous for the comment on the file, which names nobody: {report}"
    );
    // The builder's ids are below the ids Cairn starts at, so they were taken and mapped.
    assert_eq!(report.ids_kept, 0);

    let space = store
        .find_space_by_key(&SpaceKey::from_stored("DEV"))
        .await
        .expect("read")
        .expect("the space, its key upper-cased");
    assert_eq!(space.name, "Development");
    assert_eq!(space.description, "The developers' space");
    assert_eq!(space.homepage_id, Some(id(1000)));

    let design = store
        .find_content(id(1001))
        .await
        .expect("read")
        .expect("the page");
    assert_eq!(design.title, "Design");
    assert_eq!(design.version, 3);
    assert_eq!(design.parent_id, Some(id(1000)));
    assert_eq!(design.version_message, "third");
    assert!(design.body.contains("<![CDATA[a]]>b]]>"), "{}", design.body);
    let versions = store
        .list_versions(id(1001), Window::new(0, 10))
        .await
        .expect("versions");
    let mut numbers: Vec<(i32, String)> = versions
        .items
        .iter()
        .map(|version| (version.number, version.title.clone()))
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        [
            (1, "Draft design".to_string()),
            (2, "Design".to_string()),
            (3, "Design".to_string())
        ]
    );
    let bob = store
        .find_user_by_username("bob")
        .await
        .expect("read")
        .expect("bob was created");
    assert!(!bob.active, "users the wiki lacked are created deactivated");
    assert_eq!(design.last_modifier_id, bob.id);

    let notes = store
        .find_content(id(1002))
        .await
        .expect("read")
        .expect("page");
    assert_eq!(notes.parent_id, Some(id(1000)));
    assert_eq!(notes.status, ContentStatus::Current);
    let trashed = store
        .find_content(id(1003))
        .await
        .expect("read")
        .expect("page");
    assert_eq!(trashed.status, ContentStatus::Trashed);
    let blog = store
        .find_content(id(1500))
        .await
        .expect("read")
        .expect("blog post");
    assert_eq!(blog.content_type, ContentType::BlogPost);

    let comments = store
        .list_comments(CommentListing {
            container_id: id(1001),
            include_replies: true,
            location: None,
            window: Window::new(0, 10),
        })
        .await
        .expect("comments");
    assert_eq!(comments.items.len(), 3);
    let reply = comments
        .items
        .iter()
        .find(|(comment, _)| comment.id == id(2001))
        .expect("the reply");
    assert_eq!(reply.0.parent_id, Some(id(2000)));

    let labels: Vec<String> = store
        .labels_of(id(1001))
        .await
        .expect("labels")
        .into_iter()
        .map(|label| label.name)
        .collect();
    assert_eq!(labels, ["architecture"]);

    let attachment = store
        .find_attachment_by_title(id(1001), "diagram.png")
        .await
        .expect("read")
        .expect("the attachment");
    assert_eq!(attachment.id, id(3000));
    assert_eq!(attachment.version, 3);
    assert_eq!(
        attachment.size_bytes, 6,
        "the bytes win over the declared size"
    );
    let versions = store
        .attachment_versions(attachment.id)
        .await
        .expect("versions");
    assert_eq!(versions.len(), 1, "version 1 has no file in the export");
    let bytes = target
        .blobs
        .get_bytes(&cairn_blob::BlobKey::new(versions[0].blob_key.clone()).expect("key"))
        .await
        .expect("bytes");
    assert_eq!(&bytes[..], b"PNG-3!");
    assert!(
        report.notes.iter().any(|note| note.contains("5 declared")),
        "{report}"
    );
    let inline = store
        .comment_meta(id(2002))
        .await
        .expect("read")
        .expect("the inline comment");
    assert_eq!(inline.location, cairn_core::CommentLocation::Inline);
    let status = store
        .find_property(id(2002), "status")
        .await
        .expect("read")
        .expect("its resolution, as Confluence keeps it");
    assert_eq!(status.value_json, r#""resolved""#);
    // The comment on the attachment is the attachment's.
    let on_file = store
        .list_comments(CommentListing {
            container_id: id(3000),
            include_replies: true,
            location: None,
            window: Window::new(0, 10),
        })
        .await
        .expect("comments on the attachment");
    let on_file: Vec<ContentId> = on_file
        .items
        .iter()
        .map(|(comment, _)| comment.id)
        .collect();
    assert_eq!(on_file, [id(2003)]);
    assert_eq!(report.attachment_comments, 1, "{report}");

    // The id sequence moved past every imported id: new content gets a fresh one.
    let fresh = store.allocate_content_id().await.expect("an id");
    assert!(
        report
            .content_ids
            .values()
            .all(|imported| *imported < fresh.0)
    );
}

async fn a_taken_space_key_is_refused_before_anything_is_written(db: TestDb) {
    let target = target(&db).await;
    target
        .import(&modern_space(), &ImportOptions::default())
        .await
        .expect("the first import");
    let head = target.store.journal_head().await.expect("journal head");
    let files = target.blob_files();
    let error = target
        .import(&modern_space(), &ImportOptions::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(error, ImportError::SpaceKeyTaken(ref key) if key == "DEV"),
        "{error}"
    );
    assert_eq!(error.to_string(), "space key DEV exists already");
    assert_eq!(target.store.journal_head().await.expect("head"), head);
    assert_eq!(target.blob_files(), files);
}

async fn a_failure_while_writing_leaves_the_wiki_as_it_was(db: TestDb) {
    let target = target(&db).await;
    // A comment carrying the id of a page: the database refuses the second row with that id,
    // after the attachment bytes were stored and rows written in the transaction.
    let mut builder = modern_space();
    builder.object(
        "Comment",
        "1000",
        &[
            reference("containerContent", "Page", "1001"),
            plain("version", "1"),
            text("contentStatus", "current"),
        ],
    );
    let head = target.store.journal_head().await.expect("journal head");
    let error = target
        .import(&builder, &ImportOptions::default())
        .await
        .expect_err("the import fails");
    assert!(matches!(error, ImportError::Store(_)), "{error}");
    assert_eq!(target.store.journal_head().await.expect("head"), head);
    assert!(
        target
            .store
            .find_space_by_key(&SpaceKey::from_stored("DEV"))
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        target
            .store
            .find_user_by_username("alice")
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(target.blob_files(), 0, "the stored bytes were deleted");
}

async fn a_dry_run_writes_nothing(db: TestDb) {
    let target = target(&db).await;
    let head = target.store.journal_head().await.expect("journal head");
    let report = target
        .import(
            &modern_space(),
            &ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            },
        )
        .await
        .expect("the dry run");
    assert!(report.dry_run);
    assert_eq!((report.pages, report.attachments), (4, 1));
    assert!(report.to_string().contains("dry run"));
    assert_eq!(target.store.journal_head().await.expect("head"), head);
    assert_eq!(target.blob_files(), 0);
    assert!(
        target
            .store
            .find_space_by_key(&SpaceKey::from_stored("DEV"))
            .await
            .expect("read")
            .is_none()
    );
}

async fn space_keys_are_mapped_on_request(db: TestDb) {
    let target = target(&db).await;
    target
        .import(&modern_space(), &ImportOptions::default())
        .await
        .expect("the first import");
    let mut options = ImportOptions::default();
    options.add_key_mapping("DEV=DEV2").expect("a mapping");
    options.add_key_mapping("OPS=OPS2").expect("a mapping");
    assert!(options.add_key_mapping("nonsense").is_err());
    let report = target
        .import(&modern_space(), &options)
        .await
        .expect("the same export again, under another key");
    let space = target
        .store
        .find_space_by_key(&SpaceKey::from_stored("DEV2"))
        .await
        .expect("read")
        .expect("the second space");
    assert_eq!(
        space.homepage_id,
        Some(ContentId(report.content_ids[&1000]))
    );
    assert_eq!(report.users_created, 0, "the users exist now");
    assert!(
        report
            .to_string()
            .contains("the space key mapping OPS=OPS2 was not used: the export has no space OPS"),
        "a mapping the export has no space for is reported: {report}"
    );
}

async fn links_into_a_mapped_space_name_its_new_key(db: TestDb) {
    let target = target(&db).await;
    let mut export = modern_space();
    let links = concat!(
        "<p><ac:link><ri:page ri:space-key=\"dev\" ri:content-title=\"Design\"/></ac:link> ",
        "<ac:link><ri:page ri:space-key=\"OPS\" ri:content-title=\"Runbook\"/></ac:link></p>",
        "<ac:structured-macro ac:name=\"children\"><ac:parameter ac:name=\"spaceKey\">DEV</ac:parameter></ac:structured-macro>"
    );
    export
        .object(
            "Page",
            "1900",
            &[
                text("title", "Links"),
                reference("space", "Space", "100"),
                plain("version", "1"),
                plain("creationDate", "2024-01-05 10:00:00.000"),
                plain("lastModificationDate", "2024-01-05 10:00:00.000"),
                text("contentStatus", "current"),
                collection("bodyContents", "BodyContent", &["5900"]),
            ],
        )
        .object(
            "BodyContent",
            "5900",
            &[
                text("body", links),
                reference("content", "Page", "1900"),
                plain("bodyType", "2"),
            ],
        );
    let mut options = ImportOptions::default();
    options.add_key_mapping("dev=DEV2").expect("a mapping");
    let report = target
        .import(&export, &options)
        .await
        .expect("the import under another key");
    let page = target
        .store
        .find_content(ContentId(report.content_ids[&1900]))
        .await
        .expect("read")
        .expect("the page with links");
    assert_eq!(
        page.body,
        links
            .replace("ri:space-key=\"dev\"", "ri:space-key=\"DEV2\"")
            .replace(">DEV<", ">DEV2<"),
        "links into the mapped space name its new key; others stay"
    );
    assert!(
        report.to_string().contains("dev to DEV2"),
        "the report says which links were rewritten: {report}"
    );
}
