//! Likes, space labels and comments on attachments: imported from an export built in code, kept
//! out of sight with the attachment's page, and written back by the exporter without loss.

use cairn_blob::BlobStore;
use cairn_core::{ContentId, ContentType, SpaceKey};
use cairn_import::{Export, ImportOptions, ImportReport, export_space, import};
use cairn_store::{CommentListing, ContentListing, Store, Window};
use cairn_testkit::{TestDb, dump_space, every_dialect};

use crate::builder::{ExportBuilder, annotate, annotated_space};

every_dialect!(
    likes_space_labels_and_comments_on_files_are_imported,
    a_comment_on_a_file_is_hidden_with_the_files_page,
    likes_space_labels_and_comments_on_files_survive_an_export,
);

async fn import_into(store: &Store, blobs: &BlobStore, builder: &ExportBuilder) -> ImportReport {
    let directory = tempfile::tempdir().expect("directory");
    let path = builder.write(directory.path(), "export.zip");
    let mut export = Export::read(&path).await.expect("the export reads");
    import(store, blobs, &mut export, &ImportOptions::default())
        .await
        .expect("the import succeeds")
}

async fn blob_store(directory: &tempfile::TempDir) -> BlobStore {
    BlobStore::open_directory(directory.path())
        .await
        .expect("blob store")
}

async fn likes_space_labels_and_comments_on_files_are_imported(db: TestDb) {
    let store = db.store().await;
    let directory = tempfile::tempdir().expect("directory");
    let report = import_into(&store, &blob_store(&directory).await, &annotated_space()).await;
    let id = |confluence: i64| ContentId(report.content_ids[&confluence]);
    let user = |name: &'static str| {
        let store = &store;
        async move {
            store
                .find_user_by_username(name)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{name}"))
                .id
        }
    };
    let (alice, bob) = (user("alice").await, user("bob").await);

    // Likes: of the page by Bob, of a comment by alice; the withdrawn one left out.
    let page = store
        .like_summary(id(1001), Some(bob))
        .await
        .expect("likes");
    assert_eq!((page.count, page.by_viewer), (1, true));
    let seen_by_alice = store
        .like_summary(id(1001), Some(alice))
        .await
        .expect("likes");
    assert_eq!((seen_by_alice.count, seen_by_alice.by_viewer), (1, false));
    let comment = store.like_summary(id(2000), None).await.expect("likes");
    assert_eq!((comment.count, comment.by_viewer), (1, false));
    let blog_post = store
        .like_summary(id(1500), Some(alice))
        .await
        .expect("likes");
    assert_eq!(blog_post.count, 0, "Cloud's withdrawn like");
    assert_eq!(report.likes, 2, "{report}");

    // The space's labels: a category, a global label, a favourite.
    let space = store
        .find_space_by_key(&SpaceKey::from_stored("DEV"))
        .await
        .expect("read")
        .expect("the space");
    let labels: Vec<String> = store
        .space_labels(space.id)
        .await
        .expect("space labels")
        .into_iter()
        .map(|space_label| format!("{}:{}", space_label.label.prefix, space_label.label.name))
        .collect();
    assert_eq!(
        labels,
        ["global:handbook", "my:favourite", "team:engineering"]
    );
    assert_eq!(report.space_labels, 3, "{report}");

    // The comments on the attachment, with the reply, in the space of the attachment's page.
    let on_file = store
        .list_comments(CommentListing {
            container_id: id(3000),
            include_replies: true,
            location: None,
            window: Window::new(0, 10),
        })
        .await
        .expect("comments");
    let on_file: Vec<(ContentId, Option<ContentId>)> = on_file
        .items
        .iter()
        .map(|(comment, _)| (comment.id, comment.parent_id))
        .collect();
    assert_eq!(on_file, [(id(2003), None), (id(2004), Some(id(2003)))]);
    let reply = store
        .find_content(id(2004))
        .await
        .expect("read")
        .expect("the reply");
    assert_eq!(reply.space_id, space.id);
    assert_eq!(reply.title, "Re: diagram.png");
    assert_eq!(
        store.comment_page_id(id(2004)).await.expect("read"),
        Some(id(1001)),
        "a comment on a file is governed by the file's page"
    );
    assert_eq!(report.attachment_comments, 2, "{report}");
}

async fn a_comment_on_a_file_is_hidden_with_the_files_page(db: TestDb) {
    // The governed space restricts reading page 1001 to alice and the developers; Bob may see the
    // space (anonymous visitors may) but not the page, so neither its file's comments.
    let store = db.store().await;
    let directory = tempfile::tempdir().expect("directory");
    let mut builder = crate::grants::governed_space();
    annotate(&mut builder);
    let report = import_into(&store, &blob_store(&directory).await, &builder).await;
    let id = |confluence: i64| ContentId(report.content_ids[&confluence]);
    let comments_seen_by = |name: &'static str| {
        let store = &store;
        async move {
            let viewer = store
                .find_user_by_username(name)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{name}"))
                .id;
            let listed = store
                .list_content(&ContentListing {
                    content_type: ContentType::Comment,
                    space_id: None,
                    title: None,
                    status: None,
                    label: None,
                    root_only: false,
                    viewer,
                    created_between: None,
                    window: Window::new(0, 100),
                })
                .await
                .expect("comments");
            listed
                .items
                .iter()
                .map(|comment| comment.id)
                .collect::<Vec<ContentId>>()
        }
    };
    let alice_sees = comments_seen_by("alice").await;
    assert!(alice_sees.contains(&id(2003)) && alice_sees.contains(&id(2004)));
    let bob_sees = comments_seen_by("bob").await;
    assert!(
        !bob_sees.contains(&id(2003)) && !bob_sees.contains(&id(2004)),
        "comments on a file of a page Bob may not read: {bob_sees:?}"
    );
    assert!(!bob_sees.contains(&id(2000)), "nor the page's own comments");

    // The search index hides it with the page too: the page is in its lineage.
    let sources = store
        .search_sources(&[id(2004)])
        .await
        .expect("search sources");
    let lineage = &sources
        .first()
        .expect("the reply's document")
        .document
        .lineage;
    assert!(
        lineage.contains(&id(3000)) && lineage.contains(&id(1001)),
        "{lineage:?}"
    );
}

async fn likes_space_labels_and_comments_on_files_survive_an_export(db: TestDb) {
    let store = db.store().await;
    let directory = tempfile::tempdir().expect("directory");
    let blobs = blob_store(&directory).await;
    import_into(&store, &blobs, &annotated_space()).await;
    let key = SpaceKey::from_stored("DEV");
    let original = dump_space(&store, &blobs, &key).await;
    assert_eq!(original.labels.len(), 3);
    assert_eq!(
        original
            .contents
            .values()
            .map(|content| content.likers.len())
            .sum::<usize>(),
        2
    );

    let zip = directory.path().join("DEV-export.zip");
    let summary = export_space(&store, &blobs, &key, &zip)
        .await
        .expect("the export");
    assert_eq!((summary.likes, summary.space_labels), (2, 3), "{summary}");

    let fresh_db = TestDb::create(db.dialect).await.expect("a second database");
    let fresh = fresh_db.store().await;
    let fresh_directory = tempfile::tempdir().expect("directory");
    let fresh_blobs = blob_store(&fresh_directory).await;
    let mut exported = Export::read(&zip).await.expect("the export reads back");
    let report = import(
        &fresh,
        &fresh_blobs,
        &mut exported,
        &ImportOptions::default(),
    )
    .await
    .expect("the export imports");
    assert_eq!(report.attachment_comments, 2, "{report}");
    assert_eq!(dump_space(&fresh, &fresh_blobs, &key).await, original);
    fresh.close().await;
}
