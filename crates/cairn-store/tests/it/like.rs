//! Likes: counted per content with the viewer's own, written in a transaction with their journal
//! entry, and gone with the content they are on.

use cairn_core::CommentLocation;
use std::time::Duration;

use cairn_store::{ChangeKind, JournalCursor, NewComment};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, version_by};

every_dialect!(likes_are_counted_and_go_with_their_content);

async fn likes_are_counted_and_go_with_their_content(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let bob = fixtures::user(&store, "bob").await;
    let space = fixtures::space(&store, "LIKES", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Liked", &alice))
        .await
        .expect("page");
    let (comment, _) = store
        .create_comment(NewComment {
            container_id: page.id,
            parent_comment_id: None,
            body: "<p>nice</p>".into(),
            location: CommentLocation::Footer,
            inline_properties: None,
            version: version_by(&bob, ""),
        })
        .await
        .expect("comment");

    let head = store.journal_head().await.expect("head");
    let mut transaction = store.begin_write().await.expect("transaction");
    for (content, user) in [
        (page.id, bob.id),
        (page.id, alice.id),
        (comment.id, alice.id),
    ] {
        store
            .import_like_in(&mut transaction, content, user, fixtures::NOW)
            .await
            .expect("like");
    }
    // Liking twice is liking once.
    store
        .import_like_in(&mut transaction, page.id, bob.id, fixtures::NOW)
        .await
        .expect("like again");
    transaction.commit().await.expect("commit");
    let mut cursor = JournalCursor::starting_after(head, Duration::from_secs(10));
    let (entries, _) = store.poll_journal(&mut cursor).await.expect("journal");
    assert_eq!(
        entries
            .iter()
            .filter(|entry| entry.change_kind() == Some(ChangeKind::LikesChanged))
            .count(),
        3,
        "one entry per like"
    );

    let by_bob = store
        .like_summary(page.id, Some(bob.id))
        .await
        .expect("likes");
    assert_eq!((by_bob.count, by_bob.by_viewer), (2, true));
    let anonymous = store.like_summary(comment.id, None).await.expect("likes");
    assert_eq!((anonymous.count, anonymous.by_viewer), (1, false));
    assert_eq!(
        store
            .export_likes(&[page.id, comment.id])
            .await
            .expect("likes")
            .len(),
        3
    );

    store
        .trash_content(page.id, fixtures::NOW)
        .await
        .expect("trash");
    store.purge_content(page.id).await.expect("purge");
    assert!(
        store
            .export_likes(&[page.id, comment.id])
            .await
            .expect("likes")
            .is_empty(),
        "the likes of the page and of its comment go with it"
    );
}
