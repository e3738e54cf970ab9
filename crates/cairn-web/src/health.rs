//! Health endpoints: `/status` (Confluence's), `/healthz` (the process is alive) and `/readyz` (the
//! database answers and the schema is current: send traffic here).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::error::json_body;

pub fn routes() -> Router<AppState> {
    Router::new()
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

async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.store.ping().await;
    let migrations = match &database {
        Ok(()) => state
            .store
            .migration_status()
            .await
            .map(|status| status.is_current()),
        Err(_) => Ok(false),
    };
    let database_ok = database.is_ok();
    let migrations_ok = matches!(migrations, Ok(true));
    let body = json!({
        "ready": database_ok && migrations_ok,
        "checks": {
            "database": if database_ok { "ok" } else { "unreachable" },
            "migrations": if migrations_ok { "current" } else if database_ok { "pending" } else { "unknown" },
        },
    });
    let status = if database_ok && migrations_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, json_body(&body)).into_response()
}
