//! Comments under a page in the UI: the thread, and a form to add a comment or a reply.

use cairn_store::{Listed, Window};
use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{CommentMeta, Content, ContentId};
use cairn_store::CommentListing;
use maud::{Markup, PreEscaped, html};

use super::{UiError, UiUser};
use crate::AppState;
use crate::links::view_path;
use crate::render::{escape_html, storage_to_view_of_page};
use crate::request::parse_query;
use crate::time_format::human_from_ms;

/// Most comments shown under a page.
const SHOWN_COMMENTS: i64 = 500;

/// Plain text typed into the comment box, as storage format: one paragraph per line.
fn text_to_storage(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| format!("<p>{}</p>", escape_html(line)))
        .collect()
}

/// The comment thread of `container` (footer comments, replies nested) and the form to add one.
pub async fn thread(
    state: &AppState,
    container: &Content,
    space_key: &str,
) -> Result<Markup, UiError> {
    let listing = CommentListing {
        container_id: container.id,
        include_replies: true,
        location: None,
        window: Window::first(SHOWN_COMMENTS),
    };
    let Listed {
        items: comments,
        has_more: more,
    } = state.store.list_comments(listing).await?;
    let mut authors = HashMap::new();
    for (comment, _) in &comments {
        if let std::collections::hash_map::Entry::Vacant(slot) = authors.entry(comment.creator_id) {
            let name = state
                .store
                .find_user(comment.creator_id)
                .await?
                .map(|user| user.display_name);
            slot.insert(name.unwrap_or_else(|| "Unknown user".to_string()));
        }
    }
    let mut replies: HashMap<Option<ContentId>, Vec<&(Content, CommentMeta)>> = HashMap::new();
    for entry in &comments {
        replies.entry(entry.0.parent_id).or_default().push(entry);
    }
    let render = |comment: &Content| {
        let author = authors
            .get(&comment.creator_id)
            .map(String::as_str)
            .unwrap_or("");
        // A comment renders in its page's context: the space and the page's current title.
        let context = format!("{space_key}\u{0}{}", container.title);
        let html = state.rendered_pages.get_or_render(
            comment.id,
            comment.version,
            comment.last_modified_ms,
            &context,
            || {
                storage_to_view_of_page(
                    &comment.body,
                    Some(space_key),
                    Some(&container.title),
                    Some(container.id),
                )
            },
        );
        (author.to_string(), html.to_string())
    };
    Ok(html! {
        section.card.comments id="comments" {
            h2 { "Comments (" (comments.len()) @if more { "+" } ")" }
            (comment_list(None, &replies, &render, container.id))
            form.write-action method="post" action={ "/pages/doaddcomment.action?pageId=" (container.id) } {
                label for="comment" { "Add a comment" }
                textarea id="comment" name="comment" rows="3" required {}
                p { button.button type="submit" { "Comment" } }
            }
        }
    })
}

fn comment_list(
    parent: Option<ContentId>,
    replies: &HashMap<Option<ContentId>, Vec<&(Content, CommentMeta)>>,
    render: &dyn Fn(&Content) -> (String, String),
    container: ContentId,
) -> Markup {
    let Some(children) = replies.get(&parent) else {
        return html! {};
    };
    html! {
        ol.comment-thread {
            @for (comment, meta) in children {
                li.comment id={ "comment-" (comment.id) } {
                    @let (author, body) = render(comment);
                    div.byline {
                        strong { (author) } " · " (human_from_ms(comment.created_ms))
                        @if meta.location == cairn_core::CommentLocation::Inline { " · inline comment" }
                        @if comment.version > 1 { " · edited" }
                    }
                    div.wiki-content { (PreEscaped(body)) }
                    details.reply {
                        summary { "Reply" }
                        form.write-action method="post" action={ "/pages/doaddcomment.action?pageId=" (container) "&parentId=" (comment.id) } {
                            label for={ "reply-" (comment.id) } { "Your reply" }
                            textarea id={ "reply-" (comment.id) } name="comment" rows="2" required {}
                            p { button.button type="submit" { "Reply" } }
                        }
                    }
                    (comment_list(Some(comment.id), replies, render, container))
                }
            }
        }
    }
}

/// `POST /pages/doaddcomment.action?pageId=N[&parentId=C]` with the typed text.
pub async fn add(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: crate::request::QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let container_id = query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "pageId must be a content id"))?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let storage = text_to_storage(form.get("comment").unwrap_or(""));
    if storage.is_empty() {
        return Err(UiError::new(
            StatusCode::BAD_REQUEST,
            "a comment needs some text",
        ));
    }
    let command = cairn_app::comment::AddComment {
        container_id,
        reply_to: query.get("parentId").and_then(ContentId::parse),
        body: storage,
        location: cairn_core::CommentLocation::Footer,
        inline_properties: None,
        message: String::new(),
        minor_edit: false,
    };
    let (comment, _) = cairn_app::comment::add(&state, &user.as_caller(), command).await?;
    Ok(Redirect::to(&format!(
        "{}#comment-{}",
        view_path(container_id),
        comment.id
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::text_to_storage;

    #[test]
    fn typed_text_becomes_escaped_paragraphs() {
        assert_eq!(
            text_to_storage("hello <b>\n\n second "),
            "<p>hello &lt;b&gt;</p><p>second</p>"
        );
        assert_eq!(text_to_storage("   \n"), "");
    }
}
