//! Deleting content as Confluence's `DELETE /rest/api/content/{id}` does, for the REST API and the
//! UI's "Remove": current content goes to the trash, trashed content and drafts are purged with
//! their versions, comments (which have no trash) are removed. Whoever may delete the content may.

use cairn_core::{Content, ContentStatus, ContentType};

use crate::access::{self, ContentAction};
use crate::audit;
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// What a deletion did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    CommentDeleted,
    DraftDeleted,
    Trashed,
    Purged,
}

/// Deletes `content` for `caller`. `status` is the status the request names (`current`,
/// `trashed`, `draft`), when it names one: it must be the content's, or the content is not found.
pub async fn remove(
    node: &Node,
    caller: &Caller,
    content: &Content,
    status: Option<&str>,
) -> Result<Removed, Error> {
    access::require(node, caller.user.id, content, ContentAction::Delete).await?;
    let id = content.id;
    let removed = if content.content_type == ContentType::Comment {
        node.store.delete_comment(id).await?;
        Removed::CommentDeleted
    } else {
        match (status, content.status) {
            (Some("draft") | None, ContentStatus::Draft) => {
                node.store.purge_content(id).await?;
                Removed::DraftDeleted
            }
            (Some("trashed") | None, ContentStatus::Trashed) => {
                node.store.purge_content(id).await?;
                Removed::Purged
            }
            (None | Some("current"), ContentStatus::Current) => {
                node.store.trash_content(id, now_ms()).await?;
                Removed::Trashed
            }
            _ => return Err(Error::content_not_found(id)),
        }
    };
    tracing::info!(content_id = %id, ?removed, user = %caller.user.username, "content removed");
    let summary = match removed {
        Removed::CommentDeleted => "Comment removed",
        Removed::DraftDeleted => "Draft removed",
        Removed::Trashed => "Content moved to the trash",
        Removed::Purged => "Content purged from the trash",
    };
    audit::record(
        node,
        caller,
        audit::content_event(node, summary, content).await,
    )
    .await;
    Ok(removed)
}

/// Deletes stored version `number` of `content` (not the current one); removing history is deleting
/// part of the page, so it takes the right to delete it. Not found when there is no such version.
pub async fn delete_version(
    node: &Node,
    caller: &Caller,
    content: &Content,
    number: i32,
) -> Result<(), Error> {
    access::require(node, caller.user.id, content, ContentAction::Delete).await?;
    if !node.store.delete_version(content.id, number).await? {
        return Err(Error::new(
            crate::error::ErrorCode::VersionNotFound,
            format!("Content {} has no version {number}", content.id),
        ));
    }
    tracing::info!(content_id = %content.id, version = number, user = %caller.user.username, "version removed");
    let event = audit::content_event(node, "Content version removed", content)
        .await
        .changed("version", number.to_string(), "");
    audit::record(node, caller, event).await;
    Ok(())
}
