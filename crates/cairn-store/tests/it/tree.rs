//! Moving pages.

use cairn_store::{MovePosition, StoreError};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures;

every_dialect!(
    pages_move_within_a_space,
    pages_move_to_another_space_with_their_subtree
);

async fn order(store: &cairn_store::Store, parent: cairn_core::ContentId) -> Vec<String> {
    // Nobody in particular (id 0): no restriction is involved in these tests.
    let cairn_store::Listed {
        items: children, ..
    } = store
        .list_children(
            cairn_core::UserId(0),
            parent,
            cairn_store::Window::new(0, 100),
        )
        .await
        .expect("children");
    children.into_iter().map(|child| child.title).collect()
}

async fn pages_move_within_a_space(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let parent = store
        .create_content(fixtures::new_page(&space, None, "Parent", &alice))
        .await
        .expect("page");
    let mut ids = Vec::new();
    for title in ["A", "B", "C"] {
        ids.push(
            store
                .create_content(fixtures::new_page(&space, Some(parent.id), title, &alice))
                .await
                .expect("page")
                .id,
        );
    }
    let loose = store
        .create_content(fixtures::new_page(&space, None, "Loose", &alice))
        .await
        .expect("page");

    store
        .move_page(loose.id, ids[1], MovePosition::Before)
        .await
        .expect("before B");
    assert_eq!(order(&store, parent.id).await, ["A", "Loose", "B", "C"]);
    store
        .move_page(ids[0], ids[2], MovePosition::After)
        .await
        .expect("A after C");
    assert_eq!(order(&store, parent.id).await, ["Loose", "B", "C", "A"]);
    store
        .move_page(ids[2], ids[1], MovePosition::Append)
        .await
        .expect("C under B");
    assert_eq!(order(&store, parent.id).await, ["Loose", "B", "A"]);
    assert_eq!(order(&store, ids[1]).await, ["C"]);
    let moved = store
        .move_page(ids[1], parent.id, MovePosition::TopLevel)
        .await
        .expect("B to the root");
    assert_eq!(moved.parent_id, None);
    let version = store
        .find_content(ids[1])
        .await
        .expect("find")
        .expect("page")
        .version;
    assert_eq!(version, 1, "moving makes no new version");

    let cycle = store.move_page(ids[1], ids[2], MovePosition::Append).await;
    assert!(
        matches!(cycle, Err(StoreError::Invalid(_))),
        "B cannot go under its child C: {cycle:?}"
    );
    let itself = store
        .move_page(parent.id, parent.id, MovePosition::Append)
        .await;
    assert!(matches!(itself, Err(StoreError::Invalid(_))));
}

async fn pages_move_to_another_space_with_their_subtree(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let dev = fixtures::space(&store, "DEV", &alice).await;
    let ops = fixtures::space(&store, "OPS", &alice).await;
    let top = store
        .create_content(fixtures::new_page(&dev, None, "Runbooks", &alice))
        .await
        .expect("page");
    let child = store
        .create_content(fixtures::new_page(&dev, Some(top.id), "Restart", &alice))
        .await
        .expect("page");
    let ops_home = ops.homepage_id.expect("home");
    store
        .move_page(top.id, ops_home, MovePosition::Append)
        .await
        .expect("move to OPS");
    let moved_child = store
        .find_content(child.id)
        .await
        .expect("find")
        .expect("child");
    assert_eq!(moved_child.space_id, ops.id, "descendants follow");
    assert_eq!(moved_child.parent_id, Some(top.id));

    store
        .create_content(fixtures::new_page(&dev, None, "Restart", &alice))
        .await
        .expect("title free in DEV again");
    let clash_source = store
        .create_content(fixtures::new_page(&dev, None, "Clash", &alice))
        .await
        .expect("page");
    store
        .create_content(fixtures::new_page(&ops, None, "Clash", &alice))
        .await
        .expect("page");
    let clash = store
        .move_page(clash_source.id, ops_home, MovePosition::Append)
        .await;
    assert!(
        matches!(clash, Err(StoreError::TitleTaken { .. })),
        "{clash:?}"
    );
    let unchanged = store
        .find_content(clash_source.id)
        .await
        .expect("find")
        .expect("page");
    assert_eq!(unchanged.space_id, dev.id, "a refused move changes nothing");
}
