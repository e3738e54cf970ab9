//! Permission checks of the use cases and of every read, answered as Confluence answers them: what
//! the caller may not see is not found (the same answer as for content that does not exist); what
//! they may see but not change is forbidden.
//!
//! The decisions themselves are pure functions in `cairn_core::access`; this module gathers their
//! inputs (permissions held, restrictions) from the store and turns a refusal into an [`Error`].
//! Listings never come here: the store leaves out what the viewer may not see in the same statement.

use cairn_core::access::{self as rules, HeldPermissions};
pub use cairn_core::access::{ContentAction, permission_to_add};
use cairn_core::{Attachment, Content, ContentType, Space, SpaceId, SpacePermission, UserId};

use crate::Node;
use crate::error::{Error, ErrorCode};

/// The content whose restrictions govern `content`: a comment follows the page it is on (for a
/// comment on an attachment, the attachment's page).
async fn governing_id(state: &Node, content: &Content) -> Result<cairn_core::ContentId, Error> {
    if content.content_type != ContentType::Comment {
        return Ok(content.id);
    }
    state
        .store
        .comment_page_id(content.id)
        .await?
        .ok_or_else(|| Error::content_not_found(content.id))
}

/// Whether `viewer` may view space `space_id`.
pub async fn can_view_space(
    state: &Node,
    viewer: UserId,
    space_id: SpaceId,
) -> Result<bool, Error> {
    Ok(state
        .store
        .space_permissions_of(viewer, space_id)
        .await?
        .contains(&SpacePermission::ViewSpace))
}

/// The space permissions `viewer` holds in `space_id`.
pub async fn held_permissions(
    state: &Node,
    viewer: UserId,
    space_id: SpaceId,
) -> Result<HeldPermissions, Error> {
    Ok(state.store.space_permissions_of(viewer, space_id).await?)
}

/// Whether `viewer` may view `content` (a page, blog post or comment).
pub async fn can_view(state: &Node, viewer: UserId, content: &Content) -> Result<bool, Error> {
    // Each fact is gathered only when the rule still needs it: a draft of someone else's, or a
    // space the viewer may not see, ends the question before the restriction query.
    if !rules::draft_visible_to(content.status, content.creator_id, viewer) {
        return Ok(false);
    }
    let held = held_permissions(state, viewer, content.space_id).await?;
    if !held.contains(&SpacePermission::ViewSpace) {
        return Ok(false);
    }
    let governing = governing_id(state, content).await?;
    let read_restrictions_allow = state
        .store
        .read_restrictions_allow(viewer, governing)
        .await?;
    Ok(rules::may_view(
        content.status,
        content.creator_id,
        viewer,
        &held,
        read_restrictions_allow,
    ))
}

/// 404 unless `viewer` may view `content`.
pub async fn require_view(state: &Node, viewer: UserId, content: &Content) -> Result<(), Error> {
    if can_view(state, viewer, content).await? {
        Ok(())
    } else {
        Err(Error::content_not_found(content.id))
    }
}

/// 404 unless `viewer` may view the content `attachment` is on.
pub async fn require_view_attachment(
    state: &Node,
    viewer: UserId,
    attachment: &Attachment,
) -> Result<Content, Error> {
    let container = state
        .store
        .find_content(attachment.container_id)
        .await?
        .ok_or_else(|| Error::content_not_found(attachment.id))?;
    if can_view(state, viewer, &container).await? {
        Ok(container)
    } else {
        Err(Error::content_not_found(attachment.id))
    }
}

/// 404 unless `viewer` may view `space`, with Confluence's message for a missing space.
pub async fn require_view_space(state: &Node, viewer: UserId, space: &Space) -> Result<(), Error> {
    if can_view_space(state, viewer, space.id).await? {
        Ok(())
    } else {
        Err(Error::not_found(
            ErrorCode::SpaceNotFound,
            format!("No space with key : {}", space.key.as_str()),
        ))
    }
}

/// 404 unless `viewer` may view `space`, then 403 unless they hold `permission` in it.
pub async fn require_space_permission(
    state: &Node,
    viewer: UserId,
    space: &Space,
    permission: SpacePermission,
) -> Result<(), Error> {
    let held = state.store.space_permissions_of(viewer, space.id).await?;
    if !held.contains(&SpacePermission::ViewSpace) {
        return Err(Error::not_found(
            ErrorCode::SpaceNotFound,
            format!("No space with key : {}", space.key.as_str()),
        ));
    }
    if held.contains(&permission) {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "not permitted: {} in space {} is needed",
            permission.as_str(),
            space.key.as_str()
        )))
    }
}

/// The check before a page or blog post is added to `space`, for the REST API and the UI alike: 404
/// unless `viewer` may view the space, 403 unless they may add that type there; a parent must be a
/// page `viewer` may view (404 otherwise, as if it did not exist). Returns the parent.
pub async fn require_create(
    state: &Node,
    viewer: UserId,
    space: &Space,
    content_type: ContentType,
    parent_id: Option<cairn_core::ContentId>,
) -> Result<Option<Content>, Error> {
    require_space_permission(state, viewer, space, permission_to_add(content_type)).await?;
    match parent_id {
        Some(parent_id) => Ok(Some(viewable_content(state, viewer, parent_id).await?)),
        None => Ok(None),
    }
}

/// Whether `viewer`, who can view `content`, may also do `action` with it.
pub async fn can_do(
    state: &Node,
    viewer: UserId,
    content: &Content,
    action: ContentAction,
) -> Result<bool, Error> {
    let held = held_permissions(state, viewer, content.space_id).await?;
    let own = content.creator_id == viewer;
    if !rules::space_allows(action, content.content_type, &held, own) {
        return Ok(false);
    }
    let update_restrictions_allow =
        if rules::update_restrictions_govern(action, content.content_type) {
            state
                .store
                .update_restrictions_allow(viewer, content.id)
                .await?
        } else {
            true
        };
    Ok(rules::may_act(
        action,
        content.content_type,
        &held,
        own,
        update_restrictions_allow,
    ))
}

/// 404 unless `viewer` may view `content`, then 403 unless they may do `action` with it.
pub async fn require(
    state: &Node,
    viewer: UserId,
    content: &Content,
    action: ContentAction,
) -> Result<(), Error> {
    require_view(state, viewer, content).await?;
    if can_do(state, viewer, content, action).await? {
        return Ok(());
    }
    let verb = action.verb();
    Err(Error::forbidden(format!(
        "Not permitted to {verb} content with id: ContentId{{id={}}}",
        content.id
    )))
}

/// 404 unless `viewer` may view `container`, then 403 unless they may remove `attachment` (a file or
/// one of its versions) from it: REMOVEATTACHMENT in the space, or REMOVEOWNCONTENT for a file they
/// added, as Confluence has it; the page's update restrictions apply too.
pub async fn require_remove_attachment(
    state: &Node,
    viewer: UserId,
    container: &Content,
    attachment: &Attachment,
) -> Result<(), Error> {
    require_view(state, viewer, container).await?;
    let held = held_permissions(state, viewer, container.space_id).await?;
    let own = attachment.creator_id == viewer;
    let update_restrictions_allow = state
        .store
        .update_restrictions_allow(viewer, container.id)
        .await?;
    if rules::may_remove_attachment(&held, own, update_restrictions_allow) {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "Not permitted to remove attachment {} from content with id: ContentId{{id={}}}",
        attachment.id, container.id
    )))
}

/// Loads content by id for a read: 404 when it does not exist or `viewer` may not view it.
pub async fn viewable_content(
    state: &Node,
    viewer: UserId,
    id: cairn_core::ContentId,
) -> Result<Content, Error> {
    let content = state
        .store
        .find_content(id)
        .await?
        .ok_or_else(|| Error::content_not_found(id))?;
    require_view(state, viewer, &content).await?;
    Ok(content)
}

/// What labels and properties hang on: current content, or a current attachment.
enum Target {
    Content(Content),
    Attachment(Content),
}

async fn current_target(state: &Node, id: cairn_core::ContentId) -> Result<Target, Error> {
    if let Some(content) = state.store.find_content(id).await? {
        if content.status != cairn_core::ContentStatus::Current {
            return Err(Error::content_not_found(id));
        }
        return Ok(Target::Content(content));
    }
    let attachment = state
        .store
        .find_attachment(id)
        .await?
        .filter(|attachment| attachment.status == cairn_core::ContentStatus::Current)
        .ok_or_else(|| Error::content_not_found(id))?;
    let container = state
        .store
        .find_content(attachment.container_id)
        .await?
        .ok_or_else(|| Error::content_not_found(id))?;
    Ok(Target::Attachment(container))
}

/// 404 unless `id` is current content or a current attachment that `viewer` may view.
pub async fn require_view_target(
    state: &Node,
    viewer: UserId,
    id: cairn_core::ContentId,
) -> Result<(), Error> {
    let visible = match current_target(state, id).await? {
        Target::Content(content) | Target::Attachment(content) => {
            can_view(state, viewer, &content).await?
        }
    };
    if visible {
        Ok(())
    } else {
        Err(Error::content_not_found(id))
    }
}

/// 404 unless `viewer` may view `id` (content or attachment), then 403 unless they may edit it (an
/// attachment is edited by those who may attach files to its page).
pub async fn require_edit_target(
    state: &Node,
    viewer: UserId,
    id: cairn_core::ContentId,
) -> Result<(), Error> {
    match current_target(state, id).await? {
        Target::Content(content) => require(state, viewer, &content, ContentAction::Edit).await,
        Target::Attachment(container) => {
            if !can_view(state, viewer, &container).await? {
                return Err(Error::content_not_found(id));
            }
            require(state, viewer, &container, ContentAction::Attach).await
        }
    }
}

/// 403 unless `caller` is a site administrator (a member of confluence-administrators); `what`
/// says what they tried (`manage users`).
pub fn require_site_administrator(caller: &crate::Caller, what: &str) -> Result<(), Error> {
    if caller.site_administrator {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "only members of confluence-administrators may {what}"
        )))
    }
}
