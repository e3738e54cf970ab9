//! Comments and replies on pages.

use cairn_core::{ContentId, ContentType};
use cairn_store::{CommentListing, NewComment, StoreError, UpdateContent};
use cairn_testkit::{TestDb, every_dialect};

use crate::fixtures::{self, version_by};

every_dialect!(
    comments_and_replies_list_in_order,
    comments_version_delete_and_go_with_their_page
);

fn comment_on(
    container: ContentId,
    parent: Option<ContentId>,
    body: &str,
    location: &str,
    author: &cairn_core::User,
) -> NewComment {
    NewComment {
        container_id: container,
        parent_comment_id: parent,
        body: body.to_string(),
        location: cairn_core::CommentLocation::parse(location).expect("footer or inline"),
        inline_properties: (location == "inline")
            .then(|| r#"{"originalSelection":"alpha"}"#.to_string()),
        version: version_by(author, ""),
    }
}

fn listing(
    container: ContentId,
    include_replies: bool,
    location: Option<cairn_core::CommentLocation>,
) -> CommentListing {
    CommentListing {
        container_id: container,
        include_replies,
        location,
        window: cairn_store::Window::first(50),
    }
}

async fn comments_and_replies_list_in_order(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Discussed", &alice))
        .await
        .expect("page");
    let (first, meta) = store
        .create_comment(comment_on(page.id, None, "<p>first</p>", "footer", &alice))
        .await
        .expect("comment");
    assert_eq!(first.content_type, ContentType::Comment);
    assert_eq!(first.title, "Re: Discussed");
    assert_eq!(
        (meta.container_id, meta.location.as_str()),
        (page.id, "footer")
    );
    let (reply, _) = store
        .create_comment(comment_on(
            page.id,
            Some(first.id),
            "<p>reply</p>",
            "footer",
            &alice,
        ))
        .await
        .expect("reply");
    assert_eq!(reply.parent_id, Some(first.id));
    let (inline, inline_meta) = store
        .create_comment(comment_on(page.id, None, "<p>inline</p>", "inline", &alice))
        .await
        .expect("inline");
    assert_eq!(
        inline_meta.inline_properties.as_deref(),
        Some(r#"{"originalSelection":"alpha"}"#)
    );

    let ids = |comments: Vec<(cairn_core::Content, cairn_core::CommentMeta)>| {
        comments.into_iter().map(|(c, _)| c.id).collect::<Vec<_>>()
    };
    let cairn_store::Listed { items: top, .. } = store
        .list_comments(listing(page.id, false, None))
        .await
        .expect("list");
    assert_eq!(ids(top), [first.id, inline.id], "top level only");
    let cairn_store::Listed { items: all, .. } = store
        .list_comments(listing(page.id, true, None))
        .await
        .expect("list");
    assert_eq!(
        ids(all),
        [first.id, reply.id, inline.id],
        "depth=all, oldest first"
    );
    let cairn_store::Listed {
        items: inline_only, ..
    } = store
        .list_comments(listing(
            page.id,
            true,
            Some(cairn_core::CommentLocation::Inline),
        ))
        .await
        .expect("list");
    assert_eq!(ids(inline_only), [inline.id]);

    let on_comment = store
        .create_comment(comment_on(first.id, None, "<p>x</p>", "footer", &alice))
        .await;
    assert!(
        matches!(on_comment, Err(StoreError::ContentNotFound(_))),
        "comments are on pages, not on comments"
    );
    let other = store
        .create_content(fixtures::new_page(&space, None, "Other", &alice))
        .await
        .expect("page");
    let cross = store
        .create_comment(comment_on(
            other.id,
            Some(first.id),
            "<p>x</p>",
            "footer",
            &alice,
        ))
        .await;
    assert!(
        matches!(cross, Err(StoreError::Invalid(_))),
        "a reply stays on its parent's page"
    );
    // Many comments may share the title "Re: Discussed".
    store
        .create_comment(comment_on(page.id, None, "<p>more</p>", "footer", &alice))
        .await
        .expect("same title is fine");
}

async fn comments_version_delete_and_go_with_their_page(db: TestDb) {
    let store = db.store().await;
    let alice = fixtures::user(&store, "alice").await;
    let space = fixtures::space(&store, "DEV", &alice).await;
    let page = store
        .create_content(fixtures::new_page(&space, None, "Temp", &alice))
        .await
        .expect("page");
    let (comment, _) = store
        .create_comment(comment_on(page.id, None, "<p>v1</p>", "footer", &alice))
        .await
        .expect("comment");
    let (reply, _) = store
        .create_comment(comment_on(
            page.id,
            Some(comment.id),
            "<p>r</p>",
            "footer",
            &alice,
        ))
        .await
        .expect("reply");
    let edited = store
        .update_content(UpdateContent {
            id: comment.id,
            new_version_number: 2,
            title: None,
            body: Some("<p>v2</p>".into()),
            new_parent_id: None,
            version: version_by(&alice, "fix typo"),
        })
        .await
        .expect("edit comment");
    assert_eq!((edited.version, edited.body.as_str()), (2, "<p>v2</p>"));

    store.delete_comment(comment.id).await.expect("delete");
    assert_eq!(store.find_content(comment.id).await.expect("find"), None);
    let moved = store
        .find_content(reply.id)
        .await
        .expect("find")
        .expect("reply survives");
    assert_eq!(moved.parent_id, None, "replies move up");
    assert!(
        matches!(
            store.delete_comment(page.id).await,
            Err(StoreError::ContentNotFound(_))
        ),
        "pages are not deleted as comments"
    );

    store
        .trash_content(page.id, fixtures::NOW)
        .await
        .expect("trash");
    store.purge_content(page.id).await.expect("purge");
    assert_eq!(
        store.find_content(reply.id).await.expect("find"),
        None,
        "comments go with their page"
    );
    assert_eq!(store.comment_meta(reply.id).await.expect("meta"), None);
}
