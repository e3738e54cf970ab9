//! Twenty editors save the same page at once, all from the same version: exactly one wins.

use std::collections::HashSet;

use cairn_store::{StoreError, UpdateContent};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, version_by};

every_dialect!(
    twenty_concurrent_updates_one_winner,
    concurrent_creates_get_distinct_ids
);

async fn twenty_concurrent_updates_one_winner(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Contested", &alice))
        .await
        .expect("create");

    let mut editors = Vec::new();
    for editor in 0..20 {
        let store = store.clone();
        let version = version_by(&alice, &format!("editor {editor}"));
        editors.push(tokio::spawn(async move {
            let body = format!("<p>written by editor {editor}</p>");
            let outcome = store
                .update_content(UpdateContent {
                    id: page.id,
                    new_version_number: 2,
                    title: None,
                    body: Some(body.clone()),
                    new_parent_id: None,
                    version,
                })
                .await;
            (body, outcome)
        }));
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for editor in editors {
        let (body, outcome) = editor.await.expect("editor task");
        match outcome {
            Ok(saved) => winners.push((body, saved)),
            Err(StoreError::StaleVersion { current, .. }) => {
                assert_eq!(current, 2, "a loser is told the version that won");
                conflicts += 1;
            }
            Err(other) => panic!("unexpected failure: {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one update succeeds");
    assert_eq!(conflicts, 19);
    let (winning_body, saved) = &winners[0];
    assert_eq!(saved.version, 2);

    let cairn_store::Listed {
        items: versions, ..
    } = store
        .list_versions(page.id, cairn_store::Window::new(0, 100))
        .await
        .expect("versions");
    let numbers: Vec<i32> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [2, 1], "no gap, no extra version");
    assert_eq!(
        &versions[0].body, winning_body,
        "the winner's body is the one stored"
    );
    assert_eq!(versions[1].body, "<p>Contested</p>", "version 1 is intact");
    let current = store
        .find_content(page.id)
        .await
        .expect("query")
        .expect("page");
    assert_eq!(&current.body, winning_body);
}

async fn concurrent_creates_get_distinct_ids(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let mut creators = Vec::new();
    for index in 0..20 {
        let store = store.clone();
        let new_page = fixtures::new_page(&space, None, &format!("Page {index}"), &alice);
        creators.push(tokio::spawn(
            async move { store.create_content(new_page).await },
        ));
    }
    let mut ids = HashSet::new();
    for creator in creators {
        let page = creator.await.expect("task").expect("create");
        assert!(page.id.0 < (1 << 53), "ids stay exact in JavaScript");
        assert!(ids.insert(page.id), "duplicate id {}", page.id);
    }
    // A second process (another node) reserves its own block: no collisions with the first.
    let other_node = db.store().await;
    let page = other_node
        .create_content(fixtures::new_page(&space, None, "From node B", &alice))
        .await
        .expect("create");
    assert!(!ids.contains(&page.id));
}
