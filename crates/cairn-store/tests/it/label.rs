//! Labels and content properties.

use cairn_core::{ContentId, ContentStatus, ContentType};
use cairn_store::{ContentListing, StoreError};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, NOW};

every_dialect!(
    labels_are_normalised_shared_and_removable,
    properties_are_versioned,
    purge_takes_labels_and_properties
);

fn label(name: &str) -> (String, String) {
    ("global".to_string(), name.to_string())
}

async fn labels_are_normalised_shared_and_removable(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let first = store
        .create_content(fixtures::new_page(&space, None, "First", &alice))
        .await
        .expect("page");
    let second = store
        .create_content(fixtures::new_page(&space, None, "Second", &alice))
        .await
        .expect("page");

    let labels = store
        .add_labels(
            first.id,
            &[
                label("Docs"),
                label("release"),
                label("docs"),
                ("team".into(), "ops".into()),
            ],
            NOW,
        )
        .await
        .expect("add");
    let names: Vec<(String, String)> = labels
        .iter()
        .map(|l| (l.prefix.clone(), l.name.clone()))
        .collect();
    assert_eq!(
        names,
        [
            label("docs"),
            label("release"),
            ("team".into(), "ops".into())
        ],
        "lower-cased, deduplicated, ordered"
    );
    let again = store
        .add_labels(first.id, &[label("DOCS")], NOW)
        .await
        .expect("re-add");
    assert_eq!(again.len(), 3, "adding a present label changes nothing");
    let shared = store
        .add_labels(second.id, &[label("docs")], NOW)
        .await
        .expect("add");
    assert_eq!(
        shared[0].id, labels[0].id,
        "one label row shared by all content"
    );

    let listing = ContentListing {
        content_type: ContentType::Page,
        space_id: Some(space.id),
        title: None,
        status: Some(ContentStatus::Current),
        label: Some("docs".into()),
        root_only: false,
        viewer: alice.id,
        created_between: None,
        window: cairn_store::Window::first(10),
    };
    let cairn_store::Listed { items: tagged, .. } =
        store.list_content(&listing).await.expect("list");
    assert_eq!(
        tagged.iter().map(|c| c.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );

    assert!(
        store
            .remove_label(first.id, "Docs", None)
            .await
            .expect("remove")
    );
    assert!(
        !store
            .remove_label(first.id, "docs", None)
            .await
            .expect("remove twice")
    );
    assert_eq!(store.labels_of(first.id).await.expect("labels").len(), 2);
    assert_eq!(
        store.labels_of(second.id).await.expect("labels").len(),
        1,
        "other content keeps it"
    );

    let bad = store.add_labels(first.id, &[label("two words")], NOW).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
    let missing = store
        .add_labels(ContentId(987_654), &[label("x")], NOW)
        .await;
    assert!(matches!(missing, Err(StoreError::ContentNotFound(_))));
}

async fn properties_are_versioned(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Props", &alice))
        .await
        .expect("page");

    let created = store
        .create_property(page.id, "sync", r#"{"hash":"abc"}"#, alice.id, NOW)
        .await
        .expect("create");
    assert_eq!(created.version, 1);
    let taken = store
        .create_property(page.id, "sync", "1", alice.id, NOW)
        .await;
    assert!(matches!(taken, Err(StoreError::PropertyKeyTaken(_))));
    let updated = store
        .update_property(page.id, "sync", r#"{"hash":"def"}"#, 2, alice.id, NOW)
        .await
        .expect("update");
    assert_eq!(
        (updated.version, updated.value_json.as_str()),
        (2, r#"{"hash":"def"}"#)
    );
    let stale = store
        .update_property(page.id, "sync", "0", 2, alice.id, NOW)
        .await;
    assert!(
        matches!(stale, Err(StoreError::PropertyStale { current: 2, .. })),
        "{stale:?}"
    );
    let upserted = store
        .update_property(page.id, "fresh", "\"x\"", 1, alice.id, NOW)
        .await
        .expect("absent key is created");
    assert_eq!(upserted.version, 1);
    let cairn_store::Listed {
        items: all,
        has_more: more,
    } = store
        .list_properties(page.id, cairn_store::Window::new(0, 10))
        .await
        .expect("list");
    assert!(!more);
    assert_eq!(
        all.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
        ["fresh", "sync"]
    );
    assert!(
        store
            .delete_property(page.id, "sync")
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_property(page.id, "sync")
            .await
            .expect("delete twice")
    );
    assert_eq!(
        store.find_property(page.id, "sync").await.expect("find"),
        None
    );
}

async fn purge_takes_labels_and_properties(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Gone", &alice))
        .await
        .expect("page");
    store
        .add_labels(page.id, &[label("old")], NOW)
        .await
        .expect("label");
    store
        .create_property(page.id, "k", "1", alice.id, NOW)
        .await
        .expect("property");
    store.trash_content(page.id, NOW).await.expect("trash");
    assert!(
        matches!(
            store.add_labels(page.id, &[label("x")], NOW).await,
            Err(StoreError::ContentNotFound(_))
        ),
        "trashed content takes no labels"
    );
    store.purge_content(page.id).await.expect("purge");
    assert!(store.labels_of(page.id).await.expect("labels").is_empty());
    assert_eq!(store.find_property(page.id, "k").await.expect("find"), None);
}
