//! Watching pages, spaces and labels through `/rest/api/user/watch/…`, as publishing tools do
//! (they unwatch every page and attachment they store).

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, create_page, create_space};

every_dialect!(watches_are_set_read_and_cleared);

const PASSWORD: &str = "watch-pass-1";

async fn watches_are_set_read_and_cleared(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let admin = app.admin();
    let bob = app.client_as("bob", PASSWORD);
    create_space(&app, "DEV").await;
    let page = create_page(&app, "DEV", "Watched", None).await;
    let send = |method: reqwest::Method, client: &reqwest::Client, path: String| {
        client
            .request(method, app.url(&path))
            .header("X-Atlassian-Token", "nocheck")
    };
    for path in [
        format!("/rest/api/user/watch/content/{page}"),
        "/rest/api/user/watch/space/DEV".to_string(),
        "/rest/api/user/watch/label/Release".to_string(),
    ] {
        let (status, watching) = call(send(reqwest::Method::GET, &bob, path.clone())).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(watching, json!({"watching": false}), "{path}");
        for _ in 0..2 {
            let (status, _) = call(send(reqwest::Method::POST, &bob, path.clone())).await;
            assert_eq!(
                status,
                StatusCode::NO_CONTENT,
                "watching twice is watching: {path}"
            );
        }
        let (_, watching) = call(send(reqwest::Method::GET, &bob, path.clone())).await;
        assert_eq!(watching["watching"], true, "{path}");
        // The administrator looks at Bob's watch by username; Bob may not look at the admin's.
        let (_, his) = call(send(
            reqwest::Method::GET,
            &admin,
            format!("{path}?username=bob"),
        ))
        .await;
        assert_eq!(his["watching"], true, "{path}");
        let (_, own) = call(send(reqwest::Method::GET, &admin, path.clone())).await;
        assert_eq!(own["watching"], false, "{path}");
        let (status, _) = call(send(
            reqwest::Method::GET,
            &bob,
            format!("{path}?username=admin"),
        ))
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let (status, _) = call(send(reqwest::Method::DELETE, &bob, path.clone())).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
        let (_, watching) = call(send(reqwest::Method::GET, &bob, path.clone())).await;
        assert_eq!(watching["watching"], false, "{path}");
        let (status, _) = call(send(reqwest::Method::DELETE, &bob, path.clone())).await;
        assert_eq!(
            status,
            StatusCode::NO_CONTENT,
            "unwatching twice is fine: {path}"
        );
    }
    // What Bob cannot see, he cannot watch: it does not exist for him.
    let (status, _) = call(admin.put(app.url(&format!("/rest/api/content/{page}/restriction"))).json(
        &json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": "admin"}], "group": []}}]),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(send(
        reqwest::Method::POST,
        &bob,
        format!("/rest/api/user/watch/content/{page}"),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(send(
        reqwest::Method::GET,
        &bob,
        "/rest/api/user/watch/space/NOSUCH".to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(send(
        reqwest::Method::GET,
        &bob,
        "/rest/api/user/watch/content/1?username=nobody-at-all".to_string(),
    ))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
