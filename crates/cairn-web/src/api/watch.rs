//! `/rest/api/user/watch/{content,space,label}/…`: watching pages, spaces and labels, as Confluence
//! Server has it. `GET` answers `{"watching": bool}`, `POST` watches and `DELETE` stops (204 both).
//! `username` or `key` name another user, which only site administrators may.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_core::{ContentId, SpaceKey, UserId};
use cairn_store::WatchTarget;
use serde_json::json;

use super::json::QueryPairs;
use crate::AppState;
use crate::access;
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::time_format::now_ms;

/// The user a watch request is about: the caller, or (for administrators) `username` / `key`.
async fn watcher(
    state: &AppState,
    caller: &Principal,
    query: &QueryPairs,
) -> Result<UserId, ApiError> {
    let named = match (
        query.get("username").filter(|name| !name.is_empty()),
        query.get("key").filter(|key| !key.is_empty()),
    ) {
        (Some(username), _) => Some(state.store.find_user_by_username(username).await?),
        (None, Some(key)) => Some(state.store.find_user_by_key(key).await?),
        (None, None) => None,
    };
    let Some(found) = named else {
        return Ok(caller.user.id);
    };
    let user = found.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::UserNotFound,
            "No user found with the given username or key",
        )
    })?;
    if user.id != caller.user.id && !caller.administrator {
        return Err(ApiError::forbidden(
            "only site administrators may read or change another user's watches",
        ));
    }
    Ok(user.id)
}

/// The watched thing of a path, checked to be visible to the caller (404 otherwise).
async fn target(
    state: &AppState,
    caller: &Principal,
    kind: &str,
    name: &str,
) -> Result<WatchTarget, ApiError> {
    match kind {
        "content" => {
            let id = ContentId::parse(name).ok_or_else(|| ApiError::content_not_found(name))?;
            access::require_view_target(state, caller.user.id, id).await?;
            Ok(WatchTarget::Content(id))
        }
        "space" => {
            let space = state
                .store
                .space_by_key(&SpaceKey::from_stored(name))
                .await?;
            access::require_view_space(state, caller.user.id, &space).await?;
            Ok(WatchTarget::Space(space.key))
        }
        _ => {
            cairn_core::validate_label_name(name)
                .map_err(|error| ApiError::bad_request(error.message))?;
            Ok(WatchTarget::Label(name.to_string()))
        }
    }
}

macro_rules! watch_handlers {
    ($kind:literal, $get:ident, $post:ident, $delete:ident) => {
        pub async fn $get(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<ApiJson, ApiError> {
            let user = watcher(&state, &caller, &query).await?;
            let target = target(&state, &caller, $kind, &name).await?;
            let watching = state.store.is_watching(user, &target).await?;
            Ok(ApiJson(json!({"watching": watching})))
        }

        pub async fn $post(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<Response, ApiError> {
            let user = watcher(&state, &caller, &query).await?;
            let target = target(&state, &caller, $kind, &name).await?;
            state.store.watch(user, &target, now_ms()).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }

        pub async fn $delete(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<Response, ApiError> {
            let user = watcher(&state, &caller, &query).await?;
            let target = target(&state, &caller, $kind, &name).await?;
            state.store.unwatch(user, &target).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    };
}

watch_handlers!(
    "content",
    is_watching_content,
    watch_content,
    unwatch_content
);
watch_handlers!("space", is_watching_space, watch_space, unwatch_space);
watch_handlers!("label", is_watching_label, watch_label, unwatch_label);
