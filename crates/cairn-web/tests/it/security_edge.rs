//! Hostile input at the edge: redirects off-site, cross-site login and logout, password guessing,
//! control characters and overlong names, half-stored uploads, tokens minting tokens, other users'
//! long tasks, comments shown as pages, and the security headers of every response.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space, new_page, new_space};

every_dialect!(
    login_redirects_stay_on_this_site_and_refuse_cross_site_posts,
    password_guessing_is_throttled,
    control_characters_and_overlong_names_are_refused,
    uploads_are_all_or_nothing,
    tokens_cannot_mint_tokens_and_tasks_stay_private,
    the_dashboard_lists_pages_only_and_comments_are_not_pages,
    every_response_carries_the_security_headers,
);

const PASSWORD: &str = "secret-pass-1";

fn no_redirects() -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn login_form(
    client: &reqwest::Client,
    app: &TestApp,
    username: &str,
    password: &str,
    destination: &str,
) -> reqwest::Response {
    client
        .post(app.url("/login.action"))
        .form(&[
            ("os_username", username),
            ("os_password", password),
            ("os_destination", destination),
        ])
        .send()
        .await
        .expect("sent")
}

async fn login_redirects_stay_on_this_site_and_refuse_cross_site_posts(db: TestDb) {
    let app = TestApp::start(db).await;
    let client = no_redirects();
    for hostile in [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\n/evil.example/",
        "/x\u{7f}",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "/caf\u{e9}",
    ] {
        let answer = login_form(&client, &app, ADMIN_USERNAME, ADMIN_PASSWORD, hostile).await;
        assert_eq!(answer.status(), StatusCode::SEE_OTHER, "{hostile:?}");
        assert_eq!(answer.headers()["location"], "/", "{hostile:?}");
    }
    let answer = login_form(
        &client,
        &app,
        ADMIN_USERNAME,
        ADMIN_PASSWORD,
        "/display/DEV",
    )
    .await;
    assert_eq!(answer.headers()["location"], "/display/DEV");

    // Another site may not sign a browser in or out.
    let cross_site = client
        .post(app.url("/login.action"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("os_username", ADMIN_USERNAME),
            ("os_password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(cross_site.headers().get("set-cookie").is_none());
    let logout = client
        .post(app.url("/logout.action"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    // The same posts from this site work.
    let origin = app.base_url.clone();
    let same_site = client
        .post(app.url("/logout.action"))
        .header("Origin", origin)
        .send()
        .await
        .expect("sent");
    assert_eq!(same_site.status(), StatusCode::SEE_OTHER);
}

async fn password_guessing_is_throttled(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("alice", PASSWORD).await;
    let guesser = app.client_as("alice", "guess");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let answer = guesser
            .get(app.url("/rest/api/user/current"))
            .send()
            .await
            .expect("sent");
        statuses.push(answer.status());
        if answer.status() == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = answer.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!(wait >= 1, "{wait}");
        }
    }
    let free = cairn_app::throttle::FREE_FAILURES_PER_USERNAME_AND_ADDRESS as usize;
    assert!(
        statuses[..free]
            .iter()
            .all(|status| *status == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[free],
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
    // While the wait lasts even the right password is refused, on Basic and on the login form.
    let (status, error) = call(
        app.client_as("alice", PASSWORD)
            .get(app.url("/rest/api/user/current")),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{error}");
    assert_eq!(error["code"], "too_many_login_failures");
    let form = login_form(&no_redirects(), &app, "alice", PASSWORD, "/").await;
    assert_eq!(form.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(form.headers().contains_key("retry-after"));
    // Other users are not held up.
    let (status, _) = call(app.admin().get(app.url("/rest/api/user/current"))).await;
    assert_eq!(status, StatusCode::OK);
    // Wrong tokens count against the address like wrong passwords.
    let mut token_statuses = Vec::new();
    for _ in 0..cairn_app::throttle::FREE_FAILURES_PER_ADDRESS + 1 {
        let answer = cairn_testkit::anonymous_client()
            .get(app.url("/rest/api/space"))
            .bearer_auth("not-a-token")
            .send()
            .await
            .expect("sent");
        token_statuses.push(answer.status());
    }
    assert_eq!(
        token_statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{token_statuses:?}"
    );
}

async fn control_characters_and_overlong_names_are_refused(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    create_space(&app, "DEV").await;
    let page_id = create_page(&app, "DEV", "Home of files", None).await;

    let nul = "a\u{0}b";
    let label_path = format!("/rest/api/content/{page_id}/label");
    let posts: Vec<(&str, Value)> = vec![
        ("/rest/api/content", new_page("DEV", nul, None)),
        ("/rest/api/space", json!({"key": "N\u{0}UL", "name": "x"})),
        ("/rest/api/space", json!({"key": "NUL", "name": nul})),
        (
            "/rest/api/content",
            json!({"type": "comment", "container": {"id": page_id}, "body": {"storage": {"value": "<p>a\u{0}b</p>", "representation": "storage"}}}),
        ),
        (&label_path, json!({"name": nul})),
        ("/rest/pat/latest/tokens", json!({"name": nul})),
        ("/rest/api/admin/group", json!({"name": nul})),
    ];
    for (path, body) in &posts {
        let (status, error) = call(admin.post(app.url(path)).json(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
    }
    let (status, error) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page_id}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": nul}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    for path in [
        "/rest/api/content?title=a%00b&spaceKey=DEV",
        "/rest/api/space/N%00UL",
        "/rest/api/user?username=a%00b",
        "/rest/api/content/search?cql=title%3D%22a%00b%22",
        "/rest/api/group/a%00b/member",
    ] {
        let (status, error) = call(admin.get(app.url(path))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
    }
    let form = admin
        .post(app.url("/spaces/createspace.action"))
        .form(&[("key", "FORM"), ("name", nul)])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);

    // A file name of 1,000 characters: a clear 400, nothing stored.
    let long_name = format!("{}.txt", "n".repeat(1000));
    let part = reqwest::multipart::Part::bytes(b"bytes".to_vec())
        .file_name(long_name)
        .mime_str("text/plain")
        .expect("media type");
    let (status, error) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(reqwest::multipart::Form::new().part("file", part)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(error["message"].as_str().expect("message").contains("255"));
    let (_, files) =
        call(admin.get(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))).await;
    assert_eq!(files["size"], 0, "{files}");
    // JSON nested past the limit.
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .header("Content-Type", "application/json")
            .body(deep),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn uploads_are_all_or_nothing(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    create_space(&app, "DEV").await;
    let page_id = create_page(&app, "DEV", "Files", None).await;
    let part = |bytes: &'static [u8], name: &str| {
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("text/plain")
            .expect("media type")
    };
    let form = reqwest::multipart::Form::new()
        .part("file", part(b"first", "same.txt"))
        .part("file", part(b"second", "same.txt"));
    let (status, error) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let attachments = format!("/rest/api/content/{page_id}/child/attachment");
    let (_, files) = call(admin.get(app.url(&attachments))).await;
    assert_eq!(files["size"], 0, "nothing stored: {files}");
    // A file already there and a new one: the clash refuses both.
    let (status, _) = call(
        admin
            .post(app.url(&attachments))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(reqwest::multipart::Form::new().part("file", part(b"v1", "taken.txt"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let form = reqwest::multipart::Form::new()
        .part("file", part(b"fresh", "fresh.txt"))
        .part("file", part(b"again", "taken.txt"));
    let (status, error) = call(
        admin
            .post(app.url(&attachments))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (_, files) = call(admin.get(app.url(&attachments))).await;
    assert_eq!(files["size"], 1, "only the earlier file: {files}");
    assert_eq!(files["results"][0]["title"], "taken.txt");
}

async fn tokens_cannot_mint_tokens_and_tasks_stay_private(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    let (status, token) = call(
        bob.post(app.url("/rest/pat/latest/tokens"))
            .json(&json!({"name": "bob's token"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let secret = token["rawToken"].as_str().expect("token").to_string();
    let (status, error) = call(
        cairn_testkit::anonymous_client()
            .post(app.url("/rest/pat/latest/tokens"))
            .bearer_auth(&secret)
            .json(&json!({"name": "permanent"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (_, listed) = call(bob.get(app.url("/rest/pat/latest/tokens"))).await;
    assert_eq!(listed.as_array().expect("tokens").len(), 1, "{listed}");

    // The administrator deletes a space; Bob does not see that task, by list or by id.
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("PRIVATE")),
    )
    .await;
    let answer = admin
        .delete(app.url("/rest/api/space/PRIVATE"))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), StatusCode::ACCEPTED);
    let task: Value = answer.json().await.expect("json");
    let task_id = task["id"].as_str().expect("task id").to_string();
    let (_, bobs) = call(bob.get(app.url("/rest/api/longtask"))).await;
    assert!(!bobs.to_string().contains("PRIVATE"), "{bobs}");
    assert_eq!(bobs["size"], 0, "{bobs}");
    let (status, _) = call(bob.get(app.url(&format!("/rest/api/longtask/{task_id}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = call(admin.get(app.url("/rest/api/longtask"))).await;
    assert!(all.to_string().contains("PRIVATE"), "{all}");
}

async fn the_dashboard_lists_pages_only_and_comments_are_not_pages(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let admin = app.admin();
    create_space(&app, "DEV").await;
    let secret = create_page(&app, "DEV", "Hidden roadmap", None).await;
    let (_, comment) = call(admin.post(app.url("/rest/api/content")).json(&json!({
        "type": "comment", "container": {"id": secret},
        "body": {"storage": {"value": "<p>note</p>", "representation": "storage"}},
    })))
    .await;
    let comment = comment["id"].as_str().expect("id").to_string();
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{secret}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": "admin"}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let dashboard = app
        .client_as("bob", PASSWORD)
        .get(app.url("/dashboard.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(!dashboard.contains("Hidden roadmap"), "{dashboard}");
    let mine = admin
        .get(app.url("/dashboard.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(mine.contains("Hidden roadmap"));
    assert!(
        !mine.contains("Re: Hidden roadmap"),
        "comments are not listed as pages"
    );
    let as_page = admin
        .get(app.url(&format!("/pages/viewpage.action?pageId={comment}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(as_page.status(), StatusCode::NOT_FOUND);
}

async fn every_response_carries_the_security_headers(db: TestDb) {
    let app = TestApp::start(db).await;
    let anonymous = no_redirects();
    let admin = app.admin();
    let responses = vec![
        anonymous
            .get(app.url("/login.action"))
            .send()
            .await
            .expect("sent"),
        anonymous
            .get(app.url("/rest/api/space"))
            .send()
            .await
            .expect("sent"),
        admin
            .get(app.url("/rest/api/space"))
            .send()
            .await
            .expect("sent"),
        admin
            .get(app.url("/dashboard.action"))
            .send()
            .await
            .expect("sent"),
        admin.get(app.url("/nowhere")).send().await.expect("sent"),
    ];
    for response in &responses {
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().expect("ascii");
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline'; img") || policy.contains("style-src"));
        assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "same-origin");
        assert!(headers.get("strict-transport-security").is_none());
    }
    assert!(
        responses[0]
            .headers()
            .get("cache-control")
            .is_none_or(|value| value != "no-store")
    );
    assert_eq!(responses[2].headers()["cache-control"], "no-store");
    assert_eq!(responses[3].headers()["cache-control"], "no-store");
    let over_tls = admin
        .get(app.url("/rest/api/space"))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        over_tls.headers()["strict-transport-security"],
        "max-age=31536000"
    );
}
