//! The general configuration as an administrator changes it while the cluster runs: the site's
//! title in every page, the base URL in REST links, the attachment size limit on uploads and the
//! REST rate limit, each checked before anything is stored, audited, and seen by another node
//! within a moment.

use std::time::{Duration, Instant};

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, create_page, create_space};

every_dialect!(the_general_configuration_applies_on_every_node);

async fn upload(app: &TestApp, page: &str, name: &str, bytes: usize) -> StatusCode {
    app.admin()
        .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
        .header("X-Atlassian-Token", "no-check")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(vec![b'x'; bytes]).file_name(name.to_string()),
        ))
        .send()
        .await
        .expect("sent")
        .status()
}

async fn the_general_configuration_applies_on_every_node(db: TestDb) {
    let second = db.share();
    let app = TestApp::start(db).await;
    let other = TestApp::start(second).await;
    let admin = app.admin();
    let (status, initial) = call(admin.get(app.url("/rest/cairn/1/configuration"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        initial,
        json!({"siteTitle": "Cairn", "baseUrl": null, "attachmentMaxMb": null, "rateLimitPerMinute": null, "timeZone": null})
    );

    // Every value is checked before any is stored.
    for bad in [
        json!({"siteTitle": "x".repeat(101)}),
        json!({"siteTitle": "two\nlines"}),
        json!({"baseUrl": "wiki.example.test"}),
        json!({"baseUrl": "https://wiki.example.test/confluence"}),
        json!({"attachmentMaxMb": 0}),
        json!({"attachmentMaxMb": "lots"}),
        json!({"siteTitle": "Fine", "rateLimitPerMinute": -1}),
        json!({"siteTitle": "Fine", "timeZone": "Mars/Olympus"}),
    ] {
        let (status, error) =
            call(admin.put(app.url("/rest/cairn/1/configuration")).json(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
    }
    let (_, unchanged) = call(admin.get(app.url("/rest/cairn/1/configuration"))).await;
    assert_eq!(unchanged, initial);

    let (status, changed) = call(
        admin
            .put(app.url("/rest/cairn/1/configuration"))
            .json(&json!({
                "siteTitle": "Team wiki", "baseUrl": "https://wiki.example.test/",
                "attachmentMaxMb": 1, "rateLimitPerMinute": "0", "timeZone": "Europe/Berlin"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        changed,
        json!({"siteTitle": "Team wiki", "baseUrl": "https://wiki.example.test", "attachmentMaxMb": 1, "rateLimitPerMinute": 0, "timeZone": "Europe/Berlin"})
    );

    // The title on every page, on this node and, within a moment, on the other.
    let title_on = |node: &TestApp| {
        let client = node.admin();
        let url = node.url("/admin/viewgeneralconfig.action");
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("html")
        }
    };
    let html = title_on(&app).await;
    assert!(
        html.contains("<title>General configuration - Team wiki</title>"),
        "{html}"
    );
    assert!(
        html.contains("<a class=\"brand\" href=\"/\">Team wiki</a>"),
        "{html}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if title_on(&other).await.contains("- Team wiki</title>") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the other node never showed the new title"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Times shown to people are in the site's time zone; REST answers stay in UTC.
    let audit_page = admin
        .get(app.url("/admin/auditlog.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        audit_page.contains(" CET<") || audit_page.contains(" CEST<"),
        "{audit_page}"
    );

    // REST links are built on the base URL.
    let (_, spaces) = call(admin.get(app.url("/rest/api/space"))).await;
    assert_eq!(spaces["_links"]["base"], "https://wiki.example.test");

    // Uploads over the limit are refused and leave nothing.
    create_space(&app, "CFG").await;
    let page = create_page(&app, "CFG", "Limits", None).await;
    assert_eq!(
        upload(&app, &page, "small.bin", 512 * 1024).await,
        StatusCode::OK
    );
    assert_eq!(
        upload(&app, &page, "large.bin", 2 * 1024 * 1024).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let (_, files) =
        call(admin.get(app.url(&format!("/rest/api/content/{page}/child/attachment")))).await;
    assert_eq!(files["size"], 1, "{files}");

    // The rate limit, then cleared back to the node's setting (none).
    let (status, _) = call(
        admin
            .put(app.url("/rest/cairn/1/configuration"))
            .json(&json!({"rateLimitPerMinute": 3})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, _) = call(admin.get(app.url("/rest/api/space"))).await;
        statuses.push(status);
    }
    assert_eq!(
        statuses.last(),
        Some(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // The limit is on /rest/: the administrator, limited there, clears it on the screen.
    let form = app
        .admin()
        .post(app.url("/admin/viewgeneralconfig.action"))
        .header("origin", app.url(""))
        .form(&[("rateLimit", ""), ("siteTitle", "Team wiki")])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), StatusCode::OK);
    assert!(form.text().await.expect("html").contains("Saved."));
    let (status, _) = call(admin.get(app.url("/rest/api/space"))).await;
    assert_eq!(status, StatusCode::OK);

    // Audited, with what changed; only site administrators.
    let (_, audit) =
        call(admin.get(app.url("/rest/api/audit?searchString=general%20configuration%20changed")))
            .await;
    let first = &audit["results"]
        .as_array()
        .expect("results")
        .last()
        .expect("an entry")["changedValues"];
    assert!(
        first
            .as_array()
            .expect("changes")
            .contains(&json!({"name": "site title", "oldValue": "", "newValue": "Team wiki"})),
        "{first}"
    );
    app.create_user("reader", "reader-password").await;
    let (status, _) = call(
        app.client_as("reader", "reader-password")
            .put(app.url("/rest/cairn/1/configuration"))
            .json(&json!({"siteTitle": "Mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    other.stop().await;
    app.stop().await;
}
