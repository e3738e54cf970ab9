//! Read-only mode: with it on, every write route of the router (the permission matrix's rows, so
//! a new route is covered the day it lands) is refused with 503 and the reason, on this node and
//! on another within a second; reads go on; turning it off from the administration screen lets
//! writes through again.

use std::time::{Duration, Instant};

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::matrix::{self, Body, Caller};
use crate::support::call;

every_dialect!(read_only_mode_refuses_every_write_route);

/// Writes that stay possible in read-only mode.
const ALLOWED: [&str; 4] = [
    "/login.action",
    "/logout.action",
    "/rest/cairn/1/accessmode",
    "/admin/accessmode.action",
];

fn request(client: &reqwest::Client, app: &TestApp, row: &matrix::Row) -> reqwest::RequestBuilder {
    let request = client.request(row.method.clone(), app.url(&row.url));
    match &row.body {
        Body::None => request,
        Body::Json(value) => request.json(value),
        Body::Form(pairs) => request.form(pairs),
        Body::File => {
            request.multipart(reqwest::multipart::Form::new().part("file", matrix::file_part()))
        }
    }
}

async fn read_only_mode_refuses_every_write_route(db: TestDb) {
    let second = db.share();
    let app = TestApp::start(db).await;
    let other = TestApp::start(second).await;
    let fixture = matrix::fixture(&app).await;
    let admin = matrix::client_for(Caller::SiteAdmin);

    let (status, answer) = call(
        admin
            .put(app.url("/rest/cairn/1/accessmode"))
            .json(&json!({"mode": "READ_ONLY"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["mode"], "READ_ONLY");
    let (_, mode) = call(admin.get(app.url("/rest/api/accessmode"))).await;
    assert_eq!(mode, json!("READ_ONLY"));

    let mut refused = 0;
    for row in matrix::rows(&fixture) {
        if matches!(row.method, Method::GET | Method::HEAD) || ALLOWED.contains(&row.template) {
            continue;
        }
        let response = request(&admin, &app, &row).send().await.expect("sent");
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{} {}: {text}",
            row.method,
            row.template
        );
        assert!(
            text.contains("read-only"),
            "{} {}: {text}",
            row.method,
            row.template
        );
        if row.template.starts_with("/rest/") {
            let error: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(error["code"], "read_only");
        }
        refused += 1;
    }
    assert!(refused > 60, "every write route was tried ({refused})");

    // Reading goes on, and pages say why nothing can be changed.
    let (status, _) = call(admin.get(app.url("/rest/api/space"))).await;
    assert_eq!(status, StatusCode::OK);
    let dashboard = admin.get(app.url("/")).send().await.expect("sent");
    assert!(
        dashboard
            .text()
            .await
            .expect("text")
            .contains("read-only-banner")
    );

    // The other node learns it from the journal within a second.
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let (status, _) = call(
            admin
                .post(other.url("/rest/api/space"))
                .json(&json!({"key": "LATE", "name": "Late"})),
        )
        .await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other node still writes: {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Turned off from the screen on the other node; writes go through again on both.
    let screen = admin
        .post(other.url("/admin/accessmode.action"))
        .header("origin", other.url(""))
        .form(&[("mode", "READ_WRITE")])
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    assert!(screen.text().await.expect("text").contains("read-write"));
    let (status, created) = call(
        admin
            .post(other.url("/rest/api/space"))
            .json(&json!({"key": "AGAIN", "name": "Again"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let (_, mode) = call(admin.get(app.url("/rest/api/accessmode"))).await;
        if mode == json!("READ_WRITE") {
            break;
        }
        assert!(Instant::now() < deadline, "the first node stays read-only");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    other.stop().await;
    app.stop().await;
}
