//! Spaces and their home pages.

use cairn_core::{ContentStatus, SpaceKey};
use cairn_store::{NewSpace, StoreError};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, NOW};

every_dialect!(
    space_comes_with_a_home_page,
    space_keys_are_unique,
    spaces_list_in_key_order
);

async fn space_comes_with_a_home_page(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let found = store
        .space_by_key(&SpaceKey::from_stored("DEV"))
        .await
        .expect("space found");
    assert_eq!(found, space);
    let home_id = space.homepage_id.expect("home page id");
    let home = store
        .find_content(home_id)
        .await
        .expect("query")
        .expect("home page exists");
    assert_eq!(home.title, "DEV space Home");
    assert_eq!(home.parent_id, None);
    assert_eq!(home.position, None);
    assert_eq!(home.status, ContentStatus::Current);
    assert_eq!(home.version, 1);
    let missing = store.space_by_key(&SpaceKey::from_stored("NOPE")).await;
    assert!(matches!(missing, Err(StoreError::SpaceNotFound(_))));
}

async fn space_keys_are_unique(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    fixtures::space(&store, "DEV", &alice).await;
    let again = store
        .create_space(NewSpace {
            space_type: cairn_core::SpaceType::Global,
            key: SpaceKey::new_global("dev").expect("valid"),
            name: "Another".into(),
            description: String::new(),
            creator_id: alice.id,
            now_ms: NOW,
        })
        .await;
    assert!(
        matches!(again, Err(StoreError::SpaceKeyTaken(_))),
        "{again:?}"
    );
    // Nothing of the failed attempt is left behind: still one space, one home page.
    let cairn_store::Listed { items: spaces, .. } = store
        .list_spaces(alice.id, cairn_store::Window::new(0, 10))
        .await
        .expect("list");
    assert_eq!(spaces.len(), 1);
    let cairn_store::Listed { items: roots, .. } = store
        .list_root_pages(alice.id, spaces[0].id, cairn_store::Window::new(0, 10))
        .await
        .expect("roots");
    assert_eq!(roots.len(), 1);
}

async fn spaces_list_in_key_order(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    for key in ["ZED", "ALPHA", "MID"] {
        fixtures::space(&store, key, &alice).await;
    }
    let cairn_store::Listed {
        items: first,
        has_more: more,
    } = store
        .list_spaces(alice.id, cairn_store::Window::new(0, 2))
        .await
        .expect("list");
    assert_eq!(
        first.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["ALPHA", "MID"]
    );
    assert!(more);
    let cairn_store::Listed {
        items: rest,
        has_more: more,
    } = store
        .list_spaces(alice.id, cairn_store::Window::new(2, 2))
        .await
        .expect("list");
    assert_eq!(
        rest.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["ZED"]
    );
    assert!(!more);
    let by_keys = store
        .spaces_by_keys(&[
            SpaceKey::from_stored("MID"),
            SpaceKey::from_stored("NONE"),
            SpaceKey::from_stored("ALPHA"),
        ])
        .await
        .expect("by keys");
    assert_eq!(
        by_keys.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
        ["ALPHA", "MID"]
    );
}
