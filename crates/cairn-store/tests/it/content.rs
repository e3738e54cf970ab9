//! Pages and blog posts: versions, optimistic updates, the tree, the trash.

use cairn_core::{ContentStatus, ContentType, SpaceKey};
use cairn_store::{ContentListing, NewContent, StoreError, UpdateContent};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, version_by};

every_dialect!(
    every_edit_keeps_a_full_version,
    stale_and_missing_updates_are_refused,
    titles_are_unique_per_space_and_type,
    children_keep_position_order_and_page,
    ancestors_and_moves_respect_the_tree,
    trash_restore_and_purge,
    listings_filter_by_space_title_and_status,
    bodies_round_trip_byte_for_byte,
);

fn update(
    id: cairn_core::ContentId,
    number: i32,
    body: &str,
    author: &cairn_core::User,
) -> UpdateContent {
    UpdateContent {
        id,
        new_version_number: number,
        title: None,
        body: Some(body.to_string()),
        new_parent_id: None,
        version: version_by(author, &format!("edit to v{number}")),
    }
}

async fn every_edit_keeps_a_full_version(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let bob = fixtures::user(&store, "bob").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Plan", &alice))
        .await
        .expect("create");
    assert_eq!(page.version, 1);
    let v2 = store
        .update_content(update(page.id, 2, "<p>two</p>", &bob))
        .await
        .expect("v2");
    assert_eq!(
        (v2.version, v2.body.as_str(), v2.title.as_str()),
        (2, "<p>two</p>", "Plan")
    );
    assert_eq!(v2.last_modifier_id, bob.id);
    assert_eq!(v2.creator_id, alice.id);
    let mut renamed = update(page.id, 3, "<p>three</p>", &alice);
    renamed.title = Some("Plan B".into());
    renamed.version.minor_edit = true;
    store.update_content(renamed).await.expect("v3");

    let cairn_store::Listed {
        items: versions,
        has_more: more,
    } = store
        .list_versions(page.id, cairn_store::Window::new(0, 10))
        .await
        .expect("versions");
    assert!(!more);
    let numbers: Vec<i32> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [3, 2, 1], "newest first");
    assert_eq!(versions[2].title, "Plan");
    assert_eq!(versions[2].body, "<p>Plan</p>");
    assert_eq!(versions[1].body, "<p>two</p>");
    assert_eq!(versions[1].author_id, bob.id);
    assert_eq!(versions[1].message, "edit to v2");
    assert_eq!(versions[0].title, "Plan B");
    assert!(versions[0].minor_edit);
    let v1 = store
        .find_version(page.id, 1)
        .await
        .expect("query")
        .expect("v1");
    assert_eq!(v1.body, "<p>Plan</p>");
    let current = store
        .find_content(page.id)
        .await
        .expect("query")
        .expect("page");
    assert_eq!((current.version, current.title.as_str()), (3, "Plan B"));
}

async fn stale_and_missing_updates_are_refused(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Doc", &alice))
        .await
        .expect("create");
    store
        .update_content(update(page.id, 2, "<p>b</p>", &alice))
        .await
        .expect("v2");
    for stale_number in [2, 1, 4] {
        let stale = store
            .update_content(update(page.id, stale_number, "<p>lost?</p>", &alice))
            .await;
        assert!(
            matches!(stale, Err(StoreError::StaleVersion { current: 2, .. })),
            "{stale_number}: {stale:?}"
        );
    }
    let current = store
        .find_content(page.id)
        .await
        .expect("query")
        .expect("page");
    assert_eq!((current.version, current.body.as_str()), (2, "<p>b</p>"));
    let missing = store
        .update_content(update(cairn_core::ContentId(999_999), 2, "x", &alice))
        .await;
    assert!(matches!(missing, Err(StoreError::ContentNotFound(_))));
    let mut blank = update(page.id, 3, "x", &alice);
    blank.title = Some("   ".into());
    assert!(matches!(
        store.update_content(blank).await,
        Err(StoreError::Invalid(_))
    ));
}

async fn titles_are_unique_per_space_and_type(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let dev = fixtures::space(&store, "DEV", &alice).await;
    let ops = fixtures::space(&store, "OPS", &alice).await;
    store
        .create_content(fixtures::new_page(&dev, None, "Runbook", &alice))
        .await
        .expect("first");
    let duplicate = store
        .create_content(fixtures::new_page(&dev, None, "runbook", &alice))
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::TitleTaken { .. })),
        "{duplicate:?}"
    );
    store
        .create_content(fixtures::new_page(&ops, None, "Runbook", &alice))
        .await
        .expect("other space is fine");
    let blog = NewContent {
        content_type: ContentType::BlogPost,
        ..fixtures::new_page(&dev, None, "Runbook", &alice)
    };
    store
        .create_content(blog)
        .await
        .expect("a blog post may share a page's title");
    let other = store
        .create_content(fixtures::new_page(&dev, None, "Other", &alice))
        .await
        .expect("other");
    let mut rename = update(other.id, 2, "<p/>", &alice);
    rename.title = Some("RUNBOOK".into());
    assert!(matches!(
        store.update_content(rename).await,
        Err(StoreError::TitleTaken { .. })
    ));
    let unchanged = store
        .find_content(other.id)
        .await
        .expect("query")
        .expect("page");
    assert_eq!(
        (unchanged.version, unchanged.title.as_str()),
        (1, "Other"),
        "failed rename leaves no trace"
    );
    let missing_space = NewContent {
        space_key: SpaceKey::from_stored("NONE"),
        ..fixtures::new_page(&dev, None, "X", &alice)
    };
    assert!(matches!(
        store.create_content(missing_space).await,
        Err(StoreError::SpaceNotFound(_))
    ));
}

async fn children_keep_position_order_and_page(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let parent = store
        .create_content(fixtures::new_page(&space, None, "Parent", &alice))
        .await
        .expect("parent");
    let mut ids = Vec::new();
    for index in 0..7 {
        let child = store
            .create_content(fixtures::new_page(
                &space,
                Some(parent.id),
                &format!("Child {index}"),
                &alice,
            ))
            .await
            .expect("child");
        assert_eq!(child.position, Some(index));
        ids.push(child.id);
    }
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let cairn_store::Listed {
            items: page,
            has_more: more,
        } = store
            .list_children(alice.id, parent.id, cairn_store::Window::new(start, 3))
            .await
            .expect("children");
        seen.extend(page.iter().map(|c| c.id));
        if !more {
            break;
        }
        start += 3;
    }
    assert_eq!(seen, ids);
    let cairn_store::Listed { items: roots, .. } = store
        .list_root_pages(alice.id, space.id, cairn_store::Window::new(0, 10))
        .await
        .expect("roots");
    assert_eq!(
        roots[0].id,
        space.homepage_id.expect("home"),
        "home page first"
    );
    assert_eq!(roots[1].id, parent.id);
}

async fn ancestors_and_moves_respect_the_tree(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let other = fixtures::space(&store, "OPS", &alice).await;
    let a = store
        .create_content(fixtures::new_page(&space, None, "A", &alice))
        .await
        .expect("a");
    let b = store
        .create_content(fixtures::new_page(&space, Some(a.id), "B", &alice))
        .await
        .expect("b");
    let c = store
        .create_content(fixtures::new_page(&space, Some(b.id), "C", &alice))
        .await
        .expect("c");
    let ancestors: Vec<_> = store
        .ancestors(&c)
        .await
        .expect("ancestors")
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(ancestors, [a.id, b.id], "root first, parent last");

    let mut cycle = update(a.id, 2, "<p/>", &alice);
    cycle.new_parent_id = Some(c.id);
    assert!(matches!(
        store.update_content(cycle).await,
        Err(StoreError::Invalid(_))
    ));
    let mut onto_itself = update(a.id, 2, "<p/>", &alice);
    onto_itself.new_parent_id = Some(a.id);
    assert!(matches!(
        store.update_content(onto_itself).await,
        Err(StoreError::Invalid(_))
    ));

    let foreign = store
        .create_content(fixtures::new_page(&other, None, "Foreign", &alice))
        .await
        .expect("foreign");
    let cross_space = store
        .create_content(fixtures::new_page(&space, Some(foreign.id), "D", &alice))
        .await;
    assert!(matches!(cross_space, Err(StoreError::Invalid(_))));

    let mut move_c = update(c.id, 2, "<p>moved</p>", &alice);
    move_c.new_parent_id = Some(a.id);
    let moved = store.update_content(move_c).await.expect("move");
    assert_eq!(moved.parent_id, Some(a.id));
    let cairn_store::Listed {
        items: children, ..
    } = store
        .list_children(alice.id, a.id, cairn_store::Window::new(0, 10))
        .await
        .expect("children");
    assert_eq!(
        children.iter().map(|p| p.id).collect::<Vec<_>>(),
        [b.id, c.id]
    );
}

async fn trash_restore_and_purge(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let parent = store
        .create_content(fixtures::new_page(&space, None, "Parent", &alice))
        .await
        .expect("parent");
    let doomed = store
        .create_content(fixtures::new_page(
            &space,
            Some(parent.id),
            "Doomed",
            &alice,
        ))
        .await
        .expect("doomed");
    let orphan = store
        .create_content(fixtures::new_page(
            &space,
            Some(doomed.id),
            "Orphan",
            &alice,
        ))
        .await
        .expect("child");

    store
        .trash_content(doomed.id, fixtures::NOW)
        .await
        .expect("trash");
    let trashed = store
        .find_content(doomed.id)
        .await
        .expect("query")
        .expect("still stored");
    assert_eq!(trashed.status, ContentStatus::Trashed);
    let moved_up = store
        .find_content(orphan.id)
        .await
        .expect("query")
        .expect("child");
    assert_eq!(
        moved_up.parent_id,
        Some(parent.id),
        "children move up to the trashed page's parent"
    );
    assert!(matches!(
        store.trash_content(doomed.id, fixtures::NOW).await,
        Err(StoreError::ContentNotFound(_))
    ));
    assert!(matches!(
        store
            .update_content(update(doomed.id, 2, "x", &alice))
            .await,
        Err(StoreError::ContentNotFound(_))
    ));

    // The title is free while the page is in the trash; restoring then conflicts.
    let squatter = store
        .create_content(fixtures::new_page(&space, None, "Doomed", &alice))
        .await
        .expect("reuse title");
    assert!(matches!(
        store.restore_content(doomed.id).await,
        Err(StoreError::TitleTaken { .. })
    ));
    store
        .trash_content(squatter.id, fixtures::NOW)
        .await
        .expect("trash squatter");
    store
        .purge_content(squatter.id)
        .await
        .expect("purge squatter");
    assert_eq!(store.find_content(squatter.id).await.expect("query"), None);
    assert_eq!(
        store.find_version(squatter.id, 1).await.expect("query"),
        None,
        "versions purged too"
    );

    let restored = store.restore_content(doomed.id).await.expect("restore");
    assert_eq!(restored.status, ContentStatus::Current);
    assert_eq!(restored.parent_id, Some(parent.id));
    assert!(
        matches!(
            store.purge_content(doomed.id).await,
            Err(StoreError::ContentNotFound(_))
        ),
        "only trashed content is purged"
    );
    assert_eq!(
        store.list_trash(space.id, 10).await.expect("trash").len(),
        0
    );
}

async fn listings_filter_by_space_title_and_status(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let dev = fixtures::space(&store, "DEV", &alice).await;
    let ops = fixtures::space(&store, "OPS", &alice).await;
    let dev_page = store
        .create_content(fixtures::new_page(&dev, None, "Same", &alice))
        .await
        .expect("dev");
    store
        .create_content(fixtures::new_page(&ops, None, "Same", &alice))
        .await
        .expect("ops");
    let gone = store
        .create_content(fixtures::new_page(&dev, None, "Gone", &alice))
        .await
        .expect("gone");
    store
        .trash_content(gone.id, fixtures::NOW)
        .await
        .expect("trash");
    let listing = |space_id, title: Option<&str>, status| ContentListing {
        content_type: ContentType::Page,
        space_id,
        title: title.map(str::to_string),
        status,
        label: None,
        root_only: false,
        viewer: alice.id,
        created_between: None,
        window: cairn_store::Window::first(50),
    };
    let cairn_store::Listed { items: found, .. } = store
        .list_content(&listing(
            Some(dev.id),
            Some("Same"),
            Some(ContentStatus::Current),
        ))
        .await
        .expect("list");
    assert_eq!(
        found.iter().map(|c| c.id).collect::<Vec<_>>(),
        [dev_page.id]
    );
    let cairn_store::Listed {
        items: other_case, ..
    } = store
        .list_content(&listing(
            Some(dev.id),
            Some("  same "),
            Some(ContentStatus::Current),
        ))
        .await
        .expect("list");
    assert_eq!(
        other_case
            .iter()
            .map(|c| c.title.as_str())
            .collect::<Vec<_>>(),
        ["Same"],
        "titles match trimmed and case-insensitively, as uniqueness is decided"
    );
    let cairn_store::Listed { items: none, .. } = store
        .list_content(&listing(
            Some(dev.id),
            Some("Sam"),
            Some(ContentStatus::Current),
        ))
        .await
        .expect("list");
    assert!(none.is_empty(), "no prefix matching");
    let cairn_store::Listed {
        items: all_same, ..
    } = store
        .list_content(&listing(None, Some("Same"), Some(ContentStatus::Current)))
        .await
        .expect("list");
    assert_eq!(all_same.len(), 2);
    let cairn_store::Listed { items: trashed, .. } = store
        .list_content(&listing(Some(dev.id), None, Some(ContentStatus::Trashed)))
        .await
        .expect("list");
    assert_eq!(trashed.iter().map(|c| c.id).collect::<Vec<_>>(), [gone.id]);
    let cairn_store::Listed { items: any, .. } = store
        .list_content(&listing(Some(dev.id), None, None))
        .await
        .expect("list");
    assert_eq!(any.len(), 3, "home, Same, Gone");
    let recent = store.recently_updated(alice.id, 10).await.expect("recent");
    assert!(recent.iter().all(|c| c.status == ContentStatus::Current));
}

async fn bodies_round_trip_byte_for_byte(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let body = "<p>Ünïcödé ✓ 𝄞 emoji 🚀 &nbsp; &amp; <ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a < b && c]]></ac:plain-text-body></ac:structured-macro></p>\r\n\t  ".to_string()
        + &"x".repeat(300_000);
    let page = store
        .create_content(NewContent {
            body: body.clone(),
            ..fixtures::new_page(&space, None, "Tïtle ✓ 🚀", &alice)
        })
        .await
        .expect("create");
    let stored = store
        .find_content(page.id)
        .await
        .expect("query")
        .expect("page");
    assert_eq!(stored.body, body);
    assert_eq!(stored.title, "Tïtle ✓ 🚀");
}
