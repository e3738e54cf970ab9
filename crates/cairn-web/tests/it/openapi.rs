//! The OpenAPI document: served to anyone, describing exactly the API routes the router serves
//! (every path and every method), and pinned by `snapshots/openapi.json`. After a deliberate change
//! to a request or response type, rewrite the snapshot with `CAIRN_UPDATE_SNAPSHOTS=1` and review
//! the diff.

use std::collections::{BTreeMap, BTreeSet};

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::Value;

use crate::matrix::served_methods;

every_dialect!(the_openapi_document_describes_every_api_route);

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/snapshots/openapi.json"
);

/// `path` with every `{parameter}` filled in, for a request.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "1"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn the_openapi_document_describes_every_api_route(db: TestDb) {
    let app = TestApp::start(db).await;
    let response = cairn_testkit::anonymous_client()
        .get(app.url("/rest/cairn/1/openapi.json"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "anyone may read it");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json")),
    );
    let document: Value = response.json().await.expect("JSON");
    assert_eq!(document["openapi"], "3.0.3");

    let pretty = serde_json::to_string_pretty(&document).expect("printable") + "\n";
    if std::env::var_os("CAIRN_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &pretty).expect("snapshot written");
    }
    let pinned = std::fs::read_to_string(SNAPSHOT).expect("snapshots/openapi.json");
    assert!(
        pinned == pretty,
        "the OpenAPI document changed; review it and rewrite the snapshot with CAIRN_UPDATE_SNAPSHOTS=1"
    );

    let documented: BTreeMap<&str, BTreeSet<String>> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, operations)| {
            let methods = operations
                .as_object()
                .expect("operations")
                .keys()
                .map(|method| method.to_uppercase())
                .collect();
            (path.as_str(), methods)
        })
        .collect();
    let api_routes = cairn_web::api::routes();
    let served: BTreeSet<&str> = api_routes.paths().iter().copied().collect();
    let documented_paths: BTreeSet<&str> = documented.keys().copied().collect();
    assert_eq!(
        served, documented_paths,
        "every API route is documented, and nothing else"
    );
    for (path, methods) in &documented {
        let allowed = served_methods(&app, &concrete(path)).await;
        assert_eq!(&allowed, methods, "methods of {path}");
    }
    app.stop().await;
}
