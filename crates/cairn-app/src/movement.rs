//! Moving a page with its subtree: before or after a sibling, below a page, or to the top of a
//! space, within a space or into another, as Confluence allows it (`cairn_core::access::may_move`).

use cairn_core::access::{MoveFacts, MoveRefusal};
use cairn_core::{Content, ContentId, ContentType};
use cairn_store::MovePosition;

use crate::access::{self, ContentAction};
use crate::error::Error;
use crate::{Caller, Node};

/// A move: `page` goes to `position` relative to `target`.
#[derive(Debug, Clone, Copy)]
pub struct MovePage {
    pub page: ContentId,
    pub target: ContentId,
    pub position: MovePosition,
}

/// Moves the page (with everything below it) for `caller`. Returns the page as it is now.
pub async fn move_page(node: &Node, caller: &Caller, command: MovePage) -> Result<Content, Error> {
    let viewer = caller.user.id;
    let page = access::viewable_content(node, viewer, command.page).await?;
    let id = page.id;
    // The facts are gathered in the order Confluence reports refusals: a page the caller may not
    // edit is refused before the target is even looked at.
    let may_edit_page = access::can_do(node, viewer, &page, ContentAction::Edit).await?;
    if !may_edit_page {
        return Err(refusal(MoveRefusal::MayNotEdit, id, ""));
    }
    let target_page = access::viewable_content(node, viewer, command.target).await?;
    let target_space = node
        .store
        .find_space_by_id(target_page.space_id)
        .await?
        .ok_or_else(|| Error::content_not_found(command.target))?;
    // Not being able to see the target's space makes the target not found.
    access::require_view_space(node, viewer, &target_space).await?;
    let target_held = access::held_permissions(node, viewer, target_space.id).await?;
    let leaves_its_space = target_page.space_id != page.space_id;
    let facts = MoveFacts {
        may_edit_page,
        may_add_in_target_space: target_held
            .contains(&access::permission_to_add(ContentType::Page)),
        leaves_its_space,
        may_delete_page: leaves_its_space
            && access::can_do(node, viewer, &page, ContentAction::Delete).await?,
        pages_below_hidden: node.store.pages_below_hidden_from(viewer, page.id).await?,
    };
    cairn_core::access::may_move(facts)
        .map_err(|refused| refusal(refused, id, target_space.key.as_str()))?;
    let moved = node
        .store
        .move_page(id, command.target, command.position)
        .await?;
    tracing::info!(content_id = %id, target = %command.target, position = ?command.position, user = %caller.user.username, "page moved");
    Ok(moved)
}

/// The 403 of a refused move, in Confluence's words.
fn refusal(refused: MoveRefusal, id: ContentId, target_space: &str) -> Error {
    let message = match refused {
        MoveRefusal::MayNotEdit => {
            format!("Not permitted to edit content with id: ContentId{{id={id}}}")
        }
        MoveRefusal::MayNotAddThere => format!(
            "not permitted: {} in space {target_space} is needed",
            access::permission_to_add(ContentType::Page).as_str()
        ),
        MoveRefusal::MayNotRemoveFromSpace => format!(
            "Not permitted to move content with id: ContentId{{id={id}}} out of its space (deleting it there is needed)"
        ),
        MoveRefusal::HiddenPagesBelow => format!(
            "Not permitted to move content with id: ContentId{{id={id}}}: pages below it are restricted"
        ),
    };
    Error::forbidden(message)
}
