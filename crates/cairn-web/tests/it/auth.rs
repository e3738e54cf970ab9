use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::call;

every_dialect!(
    missing_or_wrong_credentials_get_401,
    bearer_tokens_work_until_revoked,
    login_sessions_start_and_end
);

async fn missing_or_wrong_credentials_get_401(db: TestDb) {
    let app = TestApp::start(db).await;
    let anonymous = cairn_testkit::anonymous_client();
    let response = anonymous
        .get(app.url("/rest/api/space"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        "Basic realm=\"Cairn\""
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["statusCode"], 401);

    let (status, _) = call(
        app.client_as(ADMIN_USERNAME, "wrong-password")
            .get(app.url("/rest/api/space")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        app.client_as("nobody", "whatever")
            .get(app.url("/rest/api/space")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        anonymous
            .get(app.url("/rest/api/space"))
            .header("authorization", "Bearer not-a-token"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        anonymous
            .get(app.url("/rest/api/space"))
            .header("authorization", "Basic !!!"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, me) = call(app.admin().get(app.url("/rest/api/user/current"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], ADMIN_USERNAME);
    assert_eq!(me["type"], "known");
    app.stop().await;
}

async fn bearer_tokens_work_until_revoked(db: TestDb) {
    let app = TestApp::start(db).await;
    let (status, token) = call(
        app.admin()
            .post(app.url("/rest/pat/latest/tokens"))
            .json(&json!({"name": "ci", "expirationDuration": 30})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = token["rawToken"].as_str().expect("raw token").to_string();
    let bearer = cairn_testkit::anonymous_client();
    let (status, me) = call(
        bearer
            .get(app.url("/rest/api/user/current"))
            .bearer_auth(&secret),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], ADMIN_USERNAME);
    let (status, listed) = call(app.admin().get(app.url("/rest/pat/latest/tokens"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed[0]["name"], "ci");
    assert!(
        listed[0].get("rawToken").is_none(),
        "the secret is shown only once"
    );
    let id = token["id"].as_i64().expect("id");
    let response = app
        .admin()
        .delete(app.url(&format!("/rest/pat/latest/tokens/{id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(
        bearer
            .get(app.url("/rest/api/user/current"))
            .bearer_auth(&secret),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/pat/latest/tokens"))
            .json(&json!({"name": " "})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn login_sessions_start_and_end(db: TestDb) {
    let app = TestApp::start(db).await;
    let browser = app.browser();
    let response = browser.get(app.url("/")).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login.action?os_destination=%2F"
    );

    let wrong = browser
        .post(app.url("/login.action"))
        .form(&[
            ("os_username", ADMIN_USERNAME),
            ("os_password", "nope"),
            ("os_destination", "/"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status(), StatusCode::OK);
    assert!(
        wrong.headers().get("set-cookie").is_none(),
        "no session for a wrong password"
    );
    assert!(wrong.text().await.expect("body").contains("incorrect"));

    let login = browser
        .post(app.url("/login.action"))
        .form(&[
            ("os_username", ADMIN_USERNAME),
            ("os_password", ADMIN_PASSWORD),
            ("os_destination", "/dashboard.action"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    assert_eq!(login.headers()["location"], "/dashboard.action");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let dashboard = browser
        .get(app.url("/dashboard.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(dashboard.status(), StatusCode::OK);
    // The session also authenticates API reads made from the browser.
    let (status, me) = call(browser.get(app.url("/rest/api/user/current"))).await;
    assert_eq!(
        (status, me["username"].clone()),
        (StatusCode::OK, json!(ADMIN_USERNAME))
    );
    // A cross-site write riding on the cookie is refused.
    let (status, _) = call(
        browser
            .post(app.url("/rest/api/space"))
            .header("origin", "https://evil.example")
            .json(&json!({"key": "EVIL", "name": "Evil"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let logout = browser
        .post(app.url("/logout.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    let after = browser
        .get(app.url("/dashboard.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "the cookie is cleared"
    );
    // The old cookie value no longer works either: the session was deleted on the server.
    let old_cookie = cookie.split(';').next().expect("name=value").to_string();
    let replay = app
        .browser()
        .get(app.url("/dashboard.action"))
        .header("cookie", old_cookie)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "the session is gone"
    );
    app.stop().await;
}
