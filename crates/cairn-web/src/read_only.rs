//! Read-only mode at the edge: while the site is read-only (`cairn_app::access_mode`), every
//! request that could write (any method but GET, HEAD and OPTIONS) is refused with 503 and the
//! reason, before a handler runs, except signing in and out and turning the mode off. Pages know
//! the mode for the request (a task-local) and show a banner; the general configuration (site
//! title, base URL) is known to the request the same way.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cairn_app::access_mode::{self, AccessMode};

use crate::AppState;
use crate::error::ApiError;

tokio::task_local! {
    /// Whether the site was read-only when this request arrived.
    static READ_ONLY: bool;
    /// The general configuration when this request arrived.
    static CONFIGURATION: std::sync::Arc<cairn_app::configuration::Configuration>;
}

/// The site's title for the request being served.
pub fn site_title() -> String {
    CONFIGURATION
        .try_with(|configuration| configuration.title().to_string())
        .unwrap_or_else(|_| cairn_app::configuration::DEFAULT_TITLE.to_string())
}

/// The time zone an administrator chose for times shown to people, for the request being served.
pub fn site_time_zone() -> Option<String> {
    CONFIGURATION
        .try_with(|configuration| configuration.time_zone.clone())
        .ok()
        .flatten()
}

/// The base URL an administrator configured, for the request being served.
pub fn configured_base_url() -> Option<String> {
    CONFIGURATION
        .try_with(|configuration| configuration.base_url.clone())
        .ok()
        .flatten()
}

/// Whether the site is read-only for the request being served (false outside a request).
pub fn is_read_only() -> bool {
    READ_ONLY.try_with(|read_only| *read_only).unwrap_or(false)
}

/// The message every refused write carries.
pub const MESSAGE: &str = "This site is read-only for now: an administrator turned on read-only mode. Reading works; changes can be made again once it is turned off.";

/// Writes that stay possible in read-only mode: signing in and out, and turning the mode off.
fn allowed_while_read_only(path: &str) -> bool {
    matches!(
        path,
        "/login.action"
            | "/dologin.action"
            | "/logout.action"
            | "/rest/cairn/1/accessmode"
            | "/admin/accessmode.action"
    )
}

pub async fn refuse_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mode = access_mode::current(&state).await;
    let read_only = mode == AccessMode::ReadOnly;
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if read_only && writes && !allowed_while_read_only(request.uri().path()) {
        if request.uri().path().starts_with("/rest/") || request.uri().path().starts_with("/rpc/") {
            return ApiError::new(cairn_app::ErrorCode::ReadOnly, MESSAGE).into_response();
        }
        return crate::ui::UiError::new(StatusCode::SERVICE_UNAVAILABLE, MESSAGE).into_response();
    }
    let configuration = cairn_app::configuration::current(&state).await;
    CONFIGURATION
        .scope(configuration, READ_ONLY.scope(read_only, next.run(request)))
        .await
}
