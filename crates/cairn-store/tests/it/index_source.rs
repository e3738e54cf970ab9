//! What the search index is built from: paging through content and attachments skips drafts and
//! trashed content, reaches the end, and carries each document's place in the tree.

use cairn_core::{ContentId, SearchKind};
use cairn_store::{ParentMap, Store};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{NOW, new_page, space, user};

every_dialect!(rebuild_paging_skips_what_is_not_current_and_reaches_the_end);

/// Every source `search_sources_after` yields, in batches of `limit`.
async fn all_sources(store: &Store, limit: i64) -> (Vec<(ContentId, Vec<ContentId>)>, usize) {
    let mut parents = ParentMap::default();
    let mut after = ContentId(0);
    let mut found = Vec::new();
    let mut batches = 0;
    loop {
        let (sources, last) = store
            .search_sources_after(after, limit, &mut parents)
            .await
            .expect("sources");
        let Some(last) = last else {
            return (found, batches);
        };
        batches += 1;
        assert!(last > after, "paging moves forward");
        after = last;
        for source in sources {
            assert!(matches!(source.document.kind, SearchKind::Content(_)));
            found.push((source.document.id, source.document.ancestors));
        }
    }
}

async fn rebuild_paging_skips_what_is_not_current_and_reaches_the_end(db: TestDb) {
    let store = db.store().await;
    let writer = user(&store, "writer").await;
    let dev = space(&store, "DEV", &writer).await;
    let home = dev.homepage_id.expect("home page");
    let parent = store
        .create_content(new_page(&dev, Some(home), "Parent", &writer))
        .await
        .expect("parent");
    let child = store
        .create_content(new_page(&dev, Some(parent.id), "Child", &writer))
        .await
        .expect("child");
    let trashed = store
        .create_content(new_page(&dev, Some(home), "Trashed", &writer))
        .await
        .expect("trashed");
    store.trash_content(trashed.id, NOW).await.expect("trash");
    let draft = store
        .create_draft(new_page(&dev, Some(home), "Draft", &writer))
        .await
        .expect("draft");
    let last = store
        .create_content(new_page(&dev, Some(home), "Last", &writer))
        .await
        .expect("last");

    for limit in [1, 2, 500] {
        let (found, batches) = all_sources(&store, limit).await;
        let ids: Vec<ContentId> = found.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            ids,
            vec![home, parent.id, child.id, last.id],
            "limit {limit}: current content only, in id order"
        );
        assert!(!ids.contains(&trashed.id) && !ids.contains(&draft.id));
        if limit == 1 {
            assert_eq!(batches, 6, "one batch per id, drafts and trash included");
        }
        let child_ancestors = &found[2].1;
        assert_eq!(child_ancestors, &vec![parent.id, home], "nearest first");
    }
    let (attachments, end) = store
        .search_attachment_sources_after(ContentId(0), 10, &mut ParentMap::default())
        .await
        .expect("attachments");
    assert!(
        attachments.is_empty() && end.is_none(),
        "no attachments: at the end at once"
    );
}
