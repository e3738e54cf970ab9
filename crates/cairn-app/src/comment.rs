//! Comments on pages and blog posts, from the REST API and the UI alike: whoever may view the page
//! and comment in its space may add one (a reply stays on its parent's page).

use cairn_core::{CommentLocation, CommentMeta, Content, ContentId, NewVersion};

use crate::access::{self, ContentAction};
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// A new comment. The body is storage format, already checked by the adapter.
#[derive(Debug, Clone)]
pub struct AddComment {
    /// The page or blog post the comment is on.
    pub container_id: ContentId,
    /// The comment this one replies to.
    pub reply_to: Option<ContentId>,
    pub body: String,
    pub location: CommentLocation,
    /// Inline comments: the client's JSON describing the highlighted passage.
    pub inline_properties: Option<String>,
    pub message: String,
    pub minor_edit: bool,
}

/// Adds `command` for `caller`.
pub async fn add(
    node: &Node,
    caller: &Caller,
    command: AddComment,
) -> Result<(Content, CommentMeta), Error> {
    let user = caller.user.id;
    let container = access::viewable_content(node, user, command.container_id).await?;
    access::require(node, user, &container, ContentAction::Comment).await?;
    let added = node
        .store
        .create_comment(cairn_store::NewComment {
            container_id: command.container_id,
            parent_comment_id: command.reply_to,
            body: command.body,
            location: command.location,
            inline_properties: command.inline_properties,
            version: NewVersion {
                author_id: user,
                now_ms: now_ms(),
                message: command.message,
                minor_edit: command.minor_edit,
            },
        })
        .await?;
    tracing::info!(content_id = %added.0.id, container = %command.container_id, user = %caller.user.username, "comment added");
    Ok(added)
}
