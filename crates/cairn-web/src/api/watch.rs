//! `/rest/api/user/watch/{content,space,label}/…`: watching pages, spaces and labels, as Confluence
//! Server has it. `GET` answers `{"watching": bool}`, `POST` watches and `DELETE` stops (204 both).
//! `username` or `key` name another user, which only site administrators may.

use super::view::Watching;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::watch::{self, WatchKind, Watcher};

use super::json::QueryPairs;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};

/// The user a watch request names: `username` or `key`, else the caller.
fn named_watcher(query: &QueryPairs) -> Watcher<'_> {
    match (
        query.get("username").filter(|name| !name.is_empty()),
        query.get("key").filter(|key| !key.is_empty()),
    ) {
        (Some(username), _) => Watcher::Username(username),
        (None, Some(key)) => Watcher::UserKey(key),
        (None, None) => Watcher::Caller,
    }
}

macro_rules! watch_handlers {
    ($kind:expr, $get:ident, $post:ident, $delete:ident) => {
        pub async fn $get(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<ApiJson<Watching>, ApiError> {
            let caller = caller.as_caller();
            let user = watch::watcher(&state, &caller, named_watcher(&query)).await?;
            let target = watch::target(&state, &caller, $kind, &name).await?;
            let watching = watch::is_watching(&state, user, &target).await?;
            Ok(ApiJson(Watching { watching }))
        }

        pub async fn $post(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<Response, ApiError> {
            let caller = caller.as_caller();
            let user = watch::watcher(&state, &caller, named_watcher(&query)).await?;
            let target = watch::target(&state, &caller, $kind, &name).await?;
            watch::set_watching(&state, &caller, user, &target, true).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }

        pub async fn $delete(
            State(state): State<AppState>,
            ApiUser(caller): ApiUser,
            Path(name): Path<String>,
            query: QueryPairs,
        ) -> Result<Response, ApiError> {
            let caller = caller.as_caller();
            let user = watch::watcher(&state, &caller, named_watcher(&query)).await?;
            let target = watch::target(&state, &caller, $kind, &name).await?;
            watch::set_watching(&state, &caller, user, &target, false).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    };
}

watch_handlers!(
    WatchKind::Content,
    is_watching_content,
    watch_content,
    unwatch_content
);
watch_handlers!(
    WatchKind::Space,
    is_watching_space,
    watch_space,
    unwatch_space
);
watch_handlers!(
    WatchKind::Label,
    is_watching_label,
    watch_label,
    unwatch_label
);
