//! Health endpoints: `/status` (Confluence's), `/healthz` (the process is alive) and `/readyz` (the
//! database answers within two seconds, the schema is current, the journal tailer is not stalled,
//! the search index is current within a bounded lag, and the node is not draining: send traffic here).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::error::json_body;

pub fn routes() -> crate::routes::RouteTable {
    crate::routes::RouteTable::new()
        .route("/status", get(status))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn status() -> Response {
    json_body(&json!({"state": "RUNNING"}))
}

async fn healthz() -> Response {
    json_body(&json!({"status": "alive"}))
}

/// Longest a readiness check waits for the database: a probe must answer even while the database
/// is away (connection attempts there can take the pool's whole acquire timeout).
const DATABASE_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn readyz(State(state): State<AppState>) -> Response {
    let database = tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.store.ping())
        .await
        .map_err(|_| ())
        .and_then(|pinged| pinged.map_err(|_| ()));
    let migrations = match &database {
        Ok(()) => tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.store.migration_status())
            .await
            .map_err(|_| ())
            .and_then(|status| status.map_err(|_| ()))
            .map(|status| status.is_current()),
        Err(()) => Ok(false),
    };
    let database_ok = database.is_ok();
    let migrations_ok = matches!(migrations, Ok(true));
    // A stalled tailer means this node's caches may miss invalidations: it vouches for nothing.
    let journal_ok = !state.cluster.journal_stalled();
    // Searches must find what the cluster wrote: the index is current and close to the journal head.
    let journal_head = state
        .cluster
        .journal
        .head
        .load(std::sync::atomic::Ordering::Relaxed);
    let search_ok = state.search.ready(journal_head);

    // A node shutting down finishes its requests but should get no new ones.
    let draining = state.cluster.is_draining();
    let ready = database_ok && migrations_ok && journal_ok && search_ok && !draining;
    let body = json!({
        "ready": ready,
        "node": state.cluster.node_id,
        "state": state.cluster.serving_state().as_str(),
        "checks": {
            "database": if database_ok { "ok" } else { "unreachable" },
            "migrations": if migrations_ok { "current" } else if database_ok { "pending" } else { "unknown" },
            "journal": crate::cluster::journal_json(&state),
            "search": cairn_app::search::status_json(&state),
        },
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, json_body(&body)).into_response()
}
