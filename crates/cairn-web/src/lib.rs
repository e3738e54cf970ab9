//! Cairn's HTTP layer, and the only crate that knows HTTP.
//!
//! - [`api`]: the Confluence REST API v1 surface (`/rest/api/...`), JSON shapes as real clients expect.
//! - [`ui`]: the server-rendered web UI, at Confluence's own URLs (`/display/KEY/Title`,
//!   `/pages/viewpage.action?pageId=N`), so old bookmarks keep working.
//! - [`auth`]: HTTP Basic, Bearer personal access tokens and cookie sessions stored in the database.
//! - [`health`]: `/status`, `/healthz`, `/readyz`.
//! - [`cluster`]: what an operator sees of the cluster (`/rest/cairn/1/cluster`, `/metrics`).
//!
//! Main types: [`AppState`] (a [`cairn_app::Node`] plus what HTTP needs, shared by every handler),
//! [`WebSettings`], and [`serve`], which runs the server on a bound listener until a cancellation
//! token fires.
//!
//! Must not: hold SQL (that is `cairn-store`), own a use case's rules or transaction (that is
//! `cairn-app`), or keep state a second node could not see; per-node caches are only accelerators.

use cairn_app::access;
pub mod api;
pub mod auth;
mod child_pages;
pub mod cluster;
mod edge;
mod error;
pub mod health;
mod links;
pub mod metrics;
pub mod people;
mod rate_limit;
mod read_only;
mod render;
mod request;
mod request_context;
pub mod routes;
pub mod setup;
mod time_format;
pub mod ui;
mod upload;

use cairn_app::ErrorCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use cairn_app::Node;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::Layer;

pub use error::ApiError;

/// When the session cookie gets the `Secure` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSecurity {
    /// When the request arrived over HTTPS (directly or per `X-Forwarded-Proto`), or the base URL is https.
    Auto,
    Always,
    Never,
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The public base URL (`https://wiki.example.com`), used in `_links.base`. `None` derives it from
    /// each request's `Host` and `X-Forwarded-Proto`.
    pub base_url: Option<String>,
    pub cookie_security: CookieSecurity,
    /// REST requests a minute per credential on this node; 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// Longest a stopping node keeps accepting requests, reporting not ready, while it waits for
    /// those in flight to finish; then it stops accepting and completes what it has.
    pub drain_timeout: Duration,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            base_url: None,
            cookie_security: CookieSecurity::Auto,
            rate_limit_per_minute: 0,
            drain_timeout: Duration::from_secs(30),
        }
    }
}

/// What every handler shares: the node, and what only HTTP needs. Cheap to clone.
///
/// It dereferences to the [`Node`], so handlers reach the store, caches and search as
/// `state.store`, `state.search`; `state.settings` are the HTTP settings, `state.node.settings`
/// the node's.
#[derive(Clone)]
pub struct AppState {
    pub node: Node,
    pub settings: Arc<WebSettings>,
    /// Per-node request rate buckets.
    pub rate_limiter: Arc<rate_limit::RateLimiter>,
    /// Request counters and latencies of this node (the in-flight count is the node's load).
    pub http_metrics: Arc<metrics::HttpMetrics>,
}

impl AppState {
    pub fn new(node: Node, settings: WebSettings) -> AppState {
        AppState {
            http_metrics: Arc::new(metrics::HttpMetrics::new(node.load.clone())),
            node,
            settings: Arc::new(settings),
            rate_limiter: Arc::new(rate_limit::RateLimiter::default()),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Node;

    fn deref(&self) -> &Node {
        &self.node
    }
}

/// Largest request body accepted (JSON and forms); pages with big generated tables fit easily.
pub const MAX_REQUEST_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Every route of a node.
pub fn router(state: AppState) -> Router {
    routes::every_route()
        .into_router()
        .fallback(fallback)
        // Innermost, so a panic becomes a 500 that the layers outside still count and dress.
        .layer(axum::middleware::from_fn(edge::catch_panics))
        .layer(axum::middleware::from_fn(edge::refuse_bad_input))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            read_only::refuse_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_rest_requests,
        ))
        .layer(axum::middleware::from_fn(error::json_errors_under_rest))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(edge::security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
        .with_state(state)
}

/// Unknown paths: a Confluence JSON 404 under `/rest/`, a page elsewhere.
async fn fallback(method: axum::http::Method, uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/rest/") {
        ApiError::not_found(
            ErrorCode::NoSuchEndpoint,
            format!("No REST endpoint at {method} {}", uri.path()),
        )
        .into_response()
    } else {
        ui::UiError::not_found(format!("There is nothing at {}", uri.path())).into_response()
    }
}

/// Serves `state` on `listener` until `shutdown` is cancelled, then drains: the node reports
/// `draining` (in `cluster_node` and on `/readyz`, which answers 503) and goes on serving until no
/// request is in flight or `drain_timeout` has passed; then it stops accepting connections,
/// completes the requests it has, and returns. Stop the cluster tasks after this returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // Clients post to `/rest/api/content/` as well as `/rest/api/content`, and some address
    // `/rest/api/latest/...`: paths are normalised before routing, so every route answers all forms.
    let app = tower::util::MapRequestLayer::new(normalise_path).layer(router(state.clone()));
    axum::serve(
        listener,
        // The peer address feeds the login throttle (`throttle.rs`).
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(
            app,
        ),
    )
    .with_graceful_shutdown(async move {
        shutdown.cancelled().await;
        drain(&state).await;
    })
    .await
}

/// How often a draining node looks at its requests in flight.
const DRAIN_CHECK_INTERVAL: Duration = Duration::from_millis(20);

/// Marks the node draining and waits until it has no request in flight (or the drain timeout).
/// The listener stays open meanwhile, so balancers still reach `/readyz` and learn to stop
/// sending requests, and a request that arrives anyway is served rather than refused.
async fn drain(state: &AppState) {
    state.cluster.begin_draining();
    let started = std::time::Instant::now();
    let timeout = state.settings.drain_timeout;
    tracing::info!(
        in_flight = state.http_metrics.in_flight(),
        "draining: not ready, finishing requests in flight"
    );
    loop {
        let in_flight = state.http_metrics.in_flight();
        if in_flight <= 0 {
            break;
        }
        if started.elapsed() >= timeout {
            tracing::warn!(
                in_flight,
                "drain timeout passed; closing the listener and completing what is in flight"
            );
            break;
        }
        tokio::time::sleep(DRAIN_CHECK_INTERVAL).await;
    }
    tracing::info!(drained_in = ?started.elapsed(), "drained; no longer accepting connections");
}

/// Removes trailing slashes and maps `/rest/api/latest/...` to `/rest/api/...`.
fn normalise_path(mut request: Request) -> Request {
    let path = request.uri().path();
    let mut normalised = path.trim_end_matches('/');
    if normalised.is_empty() {
        normalised = "/";
    }
    let normalised = match normalised.strip_prefix("/rest/api/latest") {
        Some(rest) => format!("/rest/api{rest}"),
        None => normalised.to_string(),
    };
    if normalised != path {
        let rebuilt = match request.uri().query() {
            Some(query) => format!("{normalised}?{query}"),
            None => normalised,
        };
        if let Ok(uri) = rebuilt.parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}
