//! A space's trash, as its administrators manage it from the trash screen: restoring a trashed page
//! or blog post to where it was, or purging it for good with its versions. (Deleting through the
//! REST API is [`crate::lifecycle::remove`], which follows Confluence's REST rules instead.)

use cairn_core::{Content, ContentId, ContentStatus, Space, SpacePermission};

use crate::access;
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// The trashed content `id` and its space, for a caller who administers that space.
async fn trashed_in_administered_space(
    node: &Node,
    caller: &Caller,
    id: ContentId,
) -> Result<(Content, Space), Error> {
    let not_in_trash = || {
        Error::new(
            ErrorCode::ContentNotFound,
            format!("page {id} is not in the trash"),
        )
    };
    let content = node
        .store
        .find_content(id)
        .await?
        .filter(|content| content.status == ContentStatus::Trashed)
        .ok_or_else(not_in_trash)?;
    let space = node
        .store
        .find_space_by_id(content.space_id)
        .await?
        .ok_or_else(not_in_trash)?;
    access::require_space_permission(
        node,
        caller.user.id,
        &space,
        SpacePermission::SetSpacePermissions,
    )
    .await?;
    Ok((content, space))
}

/// Restores trashed content `id`; returns it as it is now.
pub async fn restore(node: &Node, caller: &Caller, id: ContentId) -> Result<Content, Error> {
    trashed_in_administered_space(node, caller, id).await?;
    let restored = node.store.restore_content(id).await?;
    tracing::info!(content_id = %id, user = %caller.user.username, "content restored from the trash");
    let event =
        crate::audit::content_event(node, "Content restored from the trash", &restored).await;
    crate::audit::record(node, caller, event).await;
    Ok(restored)
}

/// Purges trashed content `id` with all its versions; returns the space it was in.
pub async fn purge(node: &Node, caller: &Caller, id: ContentId) -> Result<Space, Error> {
    let (content, space) = trashed_in_administered_space(node, caller, id).await?;
    node.store.purge_content(id).await?;
    tracing::info!(content_id = %id, user = %caller.user.username, "content purged from the trash");
    let event = crate::audit::content_event(node, "Content purged from the trash", &content).await;
    crate::audit::record(node, caller, event).await;
    Ok(space)
}
