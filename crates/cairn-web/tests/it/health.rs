use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::call;

every_dialect!(health_endpoints_answer);

async fn health_endpoints_answer(db: TestDb) {
    let app = TestApp::start(db).await;
    let client = cairn_testkit::anonymous_client();
    let (status, body) = call(client.get(app.url("/status"))).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"state": "RUNNING"}))
    );
    let (status, _) = call(client.get(app.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(client.get(app.url("/readyz"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["ready"], true);
    assert_eq!(body["checks"]["migrations"], "current");

    // With the database gone, the node says it is not ready (and stays alive).
    app.store.close().await;
    let (status, body) = call(client.get(app.url("/readyz"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["ready"], false);
    let (status, _) = call(client.get(app.url("/healthz"))).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}
