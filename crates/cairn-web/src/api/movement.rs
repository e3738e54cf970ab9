//! Moving pages: `PUT /rest/api/content/{id}/move/{position}/{targetId}` and Confluence's
//! `POST /pages/movepage.action` that atlassian-python-api and mcp-atlassian call on Server.

use super::view::Moved;
use axum::extract::{Path, State};
use cairn_app::movement::{self, MovePage};
use cairn_core::{ContentId, ContentStatus, ContentType, SpaceKey};
use cairn_store::{ContentListing, MovePosition};
use cairn_store::{Listed, Window};

use super::json::QueryPairs;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};

fn moved(id: ContentId) -> ApiJson<Moved> {
    // md2conf reads `id`, other clients `pageId`.
    ApiJson(Moved {
        page_id: id.to_string(),
        id: id.to_string(),
    })
}

pub async fn move_by_rest(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id_text, position_text, target_text)): Path<(String, String, String)>,
) -> Result<ApiJson<Moved>, ApiError> {
    let id = ContentId::parse(&id_text).ok_or_else(|| ApiError::content_not_found(&id_text))?;
    let target =
        ContentId::parse(&target_text).ok_or_else(|| ApiError::content_not_found(&target_text))?;
    let position = match position_text.as_str() {
        "append" => MovePosition::Append,
        "before" => MovePosition::Before,
        "after" => MovePosition::After,
        other => {
            return Err(ApiError::bad_request(format!(
                "position {other} is not append, before or after"
            )));
        }
    };
    let command = MovePage {
        page: id,
        target,
        position,
    };
    movement::move_page(&state, &caller.as_caller(), command).await?;
    Ok(moved(id))
}

/// `pageId`, `position` (`append` | `above` | `below` | `topLevel`), and `targetId` or `targetTitle`
/// (with `spaceKey`). `topLevel` needs only `spaceKey` (or a target in the destination space).
pub async fn move_by_action(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<ApiJson<Moved>, ApiError> {
    let id = query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| ApiError::bad_request("pageId must be a content id"))?;
    let has_target = query.get("targetId").is_some_and(|id| !id.is_empty())
        || query.get("targetTitle").is_some();
    let position = match query.get("position").unwrap_or("append") {
        // mcp-atlassian moves to the root of another space with `append` and no target.
        "append" if !has_target => MovePosition::TopLevel,
        "append" => MovePosition::Append,
        "above" => MovePosition::Before,
        "below" => MovePosition::After,
        "topLevel" | "toplevel" => MovePosition::TopLevel,
        other => {
            return Err(ApiError::bad_request(format!(
                "position {other} is not append, above, below or topLevel"
            )));
        }
    };
    let space = match query.get("spaceKey").filter(|key| !key.is_empty()) {
        Some(key) => Some(
            state
                .store
                .space_by_key(&SpaceKey::from_stored(key))
                .await?,
        ),
        None => None,
    };
    let target = match (
        query.get("targetId").and_then(ContentId::parse),
        query.get("targetTitle"),
    ) {
        (Some(target), _) => target,
        (None, Some(title)) => {
            let space = space
                .as_ref()
                .ok_or_else(|| ApiError::bad_request("targetTitle needs spaceKey"))?;
            let listing = ContentListing {
                content_type: ContentType::Page,
                space_id: Some(space.id),
                title: Some(title.to_string()),
                status: Some(ContentStatus::Current),
                label: None,
                root_only: false,
                viewer: caller.user.id,
                created_between: None,
                window: Window::first(1),
            };
            let Listed { items: found, .. } = state.store.list_content(&listing).await?;
            found
                .first()
                .map(|page| page.id)
                .ok_or_else(|| ApiError::content_not_found(title))?
        }
        (None, None) if position == MovePosition::TopLevel => space
            .as_ref()
            .and_then(|space| space.homepage_id)
            .ok_or_else(|| ApiError::bad_request("topLevel needs spaceKey or targetId"))?,
        (None, None) => return Err(ApiError::bad_request("give targetId or targetTitle")),
    };
    let command = MovePage {
        page: id,
        target,
        position,
    };
    movement::move_page(&state, &caller.as_caller(), command).await?;
    Ok(moved(id))
}
