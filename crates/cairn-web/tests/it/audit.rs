//! The audit log as an administrator reads it: one entry per action of each kind (sign-ins that
//! worked and that failed, tokens, users and groups, spaces, space permissions, restrictions,
//! content trashed, restored and purged, settings), each naming who, from where and the object;
//! `/rest/api/audit` with its date and word filters, the CSV export, the retention setting, and
//! the screen. Nobody else reads it.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space};

every_dialect!(
    every_kind_of_action_leaves_an_entry,
    the_log_is_filtered_exported_and_kept_for_its_retention
);

/// The entries whose summary is `summary`, newest first.
async fn entries(app: &TestApp, summary: &str) -> Vec<Value> {
    let (status, listed) = call(app.admin().get(app.url("/rest/api/audit?limit=1000"))).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|entry| entry["summary"] == summary)
        .cloned()
        .collect()
}

/// The newest entry whose summary is `summary`; fails when there is none.
async fn entry(app: &TestApp, summary: &str) -> Value {
    entries(app, summary)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("an audit entry {summary:?}"))
}

async fn form_login(app: &TestApp, username: &str, password: &str) -> StatusCode {
    app.browser()
        .post(app.url("/login.action"))
        .header("origin", app.url(""))
        .form(&[
            ("os_username", username),
            ("os_password", password),
            ("os_destination", "/"),
        ])
        .send()
        .await
        .expect("sent")
        .status()
}

async fn every_kind_of_action_leaves_an_entry(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();

    // Sign-ins: a session started from the form, a wrong password there and over Basic.
    assert_eq!(
        form_login(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        form_login(&app, ADMIN_USERNAME, "not-the-password").await,
        StatusCode::OK
    );
    let (status, _) = call(
        cairn_testkit::anonymous_client()
            .get(app.url("/rest/api/user/current"))
            .basic_auth("mallory", Some("guessing")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let signed_in = entry(&app, "User signed in").await;
    assert_eq!(signed_in["category"], "Security");
    assert_eq!(signed_in["author"]["username"], ADMIN_USERNAME);
    assert_eq!(signed_in["remoteAddress"], "127.0.0.1");
    assert_eq!(signed_in["affectedObject"]["objectType"], "User");
    let failures = entries(&app, "Failed sign-in attempt").await;
    let failed_names: Vec<&str> = failures
        .iter()
        .filter_map(|failure| failure["affectedObject"]["name"].as_str())
        .collect();
    assert!(failed_names.contains(&ADMIN_USERNAME), "{failures:?}");
    assert!(failed_names.contains(&"mallory"), "{failures:?}");
    assert!(
        failures
            .iter()
            .all(|failure| failure["remoteAddress"] == "127.0.0.1"),
        "{failures:?}"
    );

    // Tokens.
    let (status, token) = call(
        admin
            .post(app.url("/rest/pat/latest/tokens"))
            .json(&json!({"name": "ci robot"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let token_id = token["id"].as_i64().expect("token id");
    let (status, _) =
        call(admin.delete(app.url(&format!("/rest/pat/latest/tokens/{token_id}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        entry(&app, "Personal access token created").await["affectedObject"]["name"],
        "ci robot"
    );
    entry(&app, "Personal access token revoked").await;

    // Users and groups.
    let (status, _) = call(admin.post(app.url("/rest/api/admin/user")).json(&json!({
        "userName": "auditee", "fullName": "Audi Tee", "email": "auditee@example.test",
        "password": "auditee-password",
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/admin/user/auditee/password"))
            .json(&json!({"password": "another-password"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for action in ["disable", "enable"] {
        let (status, _) =
            call(admin.put(app.url(&format!("/rest/api/admin/user/auditee/{action}")))).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "auditors"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(admin.put(app.url("/rest/api/user/auditee/group/auditors"))).await;
    assert!(status.is_success(), "{status}");
    let (status, _) = call(admin.delete(app.url("/rest/api/user/auditee/group/auditors"))).await;
    assert!(status.is_success(), "{status}");
    let (status, _) = call(admin.delete(app.url("/rest/api/admin/group/auditors"))).await;
    assert!(status.is_success(), "{status}");
    let created = entry(&app, "User created").await;
    assert_eq!(created["category"], "Users and groups");
    assert_eq!(created["affectedObject"]["name"], "auditee");
    assert_eq!(created["sysAdmin"], true);
    assert_eq!(
        created["author"]["userKey"].as_str().map(str::len),
        Some(32)
    );
    for summary in [
        "User password changed by an administrator",
        "User deactivated",
        "User reactivated",
        "Group created",
        "Group removed",
    ] {
        let found = entry(&app, summary).await;
        assert_eq!(found["author"]["username"], ADMIN_USERNAME, "{found}");
    }
    let added = entry(&app, "User added to group").await;
    assert_eq!(
        added["associatedObjects"],
        json!([{"name": "auditors", "objectType": "Group"}])
    );
    entry(&app, "User removed from group").await;

    // Spaces, their permissions, restrictions and content.
    create_space(&app, "AUD").await;
    let page = create_page(&app, "AUD", "Audited page", None).await;
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space/AUD/permission"))
            .json(&json!({
                "subject": {"type": "user", "identifier": "auditee"},
                "operation": {"key": "read", "target": "space"}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let granted = entry(&app, "Space permission granted").await;
    assert_eq!(granted["category"], "Permissions");
    assert_eq!(
        granted["associatedObjects"],
        json!([{"name": "auditee", "objectType": "User"}])
    );
    assert_eq!(granted["changedValues"][0]["newValue"], "VIEWSPACE");
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": ADMIN_USERNAME}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let restricted = entry(&app, "Content restrictions changed").await;
    assert_eq!(restricted["affectedObject"]["name"], "Audited page");
    assert_eq!(restricted["changedValues"][0]["oldValue"], "");
    assert_eq!(
        restricted["changedValues"][0]["newValue"],
        format!("read: user {ADMIN_USERNAME}")
    );
    let (status, uploaded) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "no-check")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"minutes".to_vec()).file_name("minutes.txt"),
            )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    let file = uploaded["results"][0]["id"]
        .as_str()
        .expect("attachment id")
        .to_string();
    let (status, _) = call(admin.delete(app.url(&format!("/rest/api/content/{file}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        call(admin.delete(app.url(&format!("/rest/api/content/{file}?status=trashed")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let file_trashed = entry(&app, "Attachment moved to the trash").await;
    assert_eq!(file_trashed["affectedObject"]["name"], "minutes.txt");
    assert_eq!(
        file_trashed["associatedObjects"],
        json!([{"name": "AUD", "objectType": "Space"}])
    );
    entry(&app, "Attachment purged").await;
    let (status, _) = call(admin.delete(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let trashed = entry(&app, "Content moved to the trash").await;
    assert_eq!(trashed["category"], "Pages");
    assert_eq!(
        trashed["associatedObjects"],
        json!([{"name": "AUD", "objectType": "Space"}])
    );
    let (status, restored) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(&json!({"type": "page", "title": "Audited page", "status": "current", "version": {"number": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    entry(&app, "Content restored from the trash").await;
    let (status, _) = call(admin.delete(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        call(admin.delete(app.url(&format!("/rest/api/content/{page}?status=trashed")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        entry(&app, "Content purged from the trash").await["affectedObject"]["name"],
        "Audited page"
    );
    let (status, _) = call(admin.delete(app.url("/rest/api/space/AUD"))).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        entry(&app, "Space created").await["affectedObject"]["name"],
        "AUD space"
    );
    entry(&app, "Space deleted").await;

    // Settings.
    for mode in ["READ_ONLY", "READ_WRITE"] {
        let (status, _) = call(
            admin
                .put(app.url("/rest/cairn/1/accessmode"))
                .json(&json!({"mode": mode})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let mode = entry(&app, "Access mode set").await;
    assert_eq!(mode["category"], "Global configuration");
    assert_eq!(
        mode["changedValues"],
        json!([{"name": "access mode", "oldValue": "READ_ONLY", "newValue": "READ_WRITE"}])
    );

    // Nobody but site administrators reads the log.
    app.create_user("reader", "reader-password").await;
    let reader = app.client_as("reader", "reader-password");
    for path in [
        "/rest/api/audit",
        "/rest/api/audit/export",
        "/rest/api/audit/retention",
        "/admin/auditlog.action",
    ] {
        let status = reader
            .get(app.url(path))
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _) = call(cairn_testkit::anonymous_client().get(app.url("/rest/api/audit"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn the_log_is_filtered_exported_and_kept_for_its_retention(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    for name in ["alpha-team", "beta-team", "gamma,\"quoted\""] {
        let (status, _) = call(
            admin
                .post(app.url("/rest/api/admin/group"))
                .json(&json!({"name": name})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
    let names = |listed: &Value| -> Vec<String> {
        listed["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|entry| {
                entry["affectedObject"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };

    // Words, case-insensitively; LIKE's wildcards are taken literally.
    let (status, listed) = call(admin.get(app.url("/rest/api/audit?searchString=BETA"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&listed), ["beta-team"]);
    let (_, listed) = call(admin.get(app.url("/rest/api/audit?searchString=%25team"))).await;
    assert_eq!(names(&listed), Vec::<String>::new());
    // Newest first, paged with a next link.
    let (_, listed) = call(admin.get(app.url("/rest/api/audit?searchString=-team&limit=1"))).await;
    assert_eq!(names(&listed), ["beta-team"]);
    assert_eq!(listed["size"], 1);
    let next = listed["_links"]["next"].as_str().expect("a next link");
    let (_, listed) = call(admin.get(app.url(next))).await;
    assert_eq!(names(&listed), ["alpha-team"]);

    // Dates: a day (UTC) or epoch milliseconds.
    let (_, listed) = call(admin.get(app.url("/rest/api/audit?endDate=2000-01-01"))).await;
    assert_eq!(listed["size"], 0);
    let (_, listed) =
        call(admin.get(app.url("/rest/api/audit?startDate=2000-01-01&searchString=alpha"))).await;
    assert_eq!(names(&listed), ["alpha-team"]);
    let (_, listed) = call(admin.get(app.url("/rest/api/audit?startDate=4102444800000"))).await;
    assert_eq!(listed["size"], 0);
    for bad in ["startDate=yesterday", "endDate=2024-13-40", "limit=many"] {
        let (status, error) = call(admin.get(app.url(&format!("/rest/api/audit?{bad}")))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
    }
    let long = "x".repeat(201);
    let (status, _) =
        call(admin.get(app.url(&format!("/rest/api/audit?searchString={long}")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The CSV export carries what the filter selects, quoted where needed.
    let response = admin
        .get(app.url("/rest/api/audit/export?format=csv&searchString=team"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    let csv = response.text().await.expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("Date,Author,Username,Remote address,Category,Summary"),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].contains(",Group created,") && lines[1].contains("beta-team"),
        "{csv}"
    );
    let (status, _) = call(admin.get(app.url("/rest/api/audit/export?format=xml"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let quoted = admin
        .get(app.url("/rest/api/audit/export?searchString=gamma"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("csv");
    assert!(quoted.contains("\"gamma,\"\"quoted\"\"\""), "{quoted}");

    // Retention: three years until changed; bounded; the change is itself audited.
    let (status, retention) = call(admin.get(app.url("/rest/api/audit/retention"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(retention, json!({"number": 3, "units": "YEARS"}));
    let (status, retention) = call(
        admin
            .put(app.url("/rest/api/audit/retention"))
            .json(&json!({"number": "90", "units": "days"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retention}");
    assert_eq!(retention, json!({"number": 90, "units": "DAYS"}));
    for bad in [
        json!({"number": 0, "units": "DAYS"}),
        json!({"number": 21, "units": "YEARS"}),
        json!({"number": 3, "units": "FORTNIGHTS"}),
        json!({"units": "DAYS"}),
        json!([1]),
    ] {
        let (status, error) =
            call(admin.put(app.url("/rest/api/audit/retention")).json(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
    }
    let (_, retention) = call(admin.get(app.url("/rest/api/audit/retention"))).await;
    assert_eq!(retention, json!({"number": 90, "units": "DAYS"}));
    let changed = entry(&app, "Audit log retention changed").await;
    assert_eq!(
        changed["changedValues"],
        json!([{"name": "retention", "oldValue": "3 YEARS", "newValue": "90 DAYS"}])
    );
    // Entries older than the retention go at the next pruning; newer ones stay.
    let pruned = cairn_app::audit::prune(&app.state).await.expect("pruned");
    assert_eq!(pruned, 0);
    assert!(!entries(&app, "Group created").await.is_empty());

    // The screen lists, filters and pages the same entries.
    let page = admin
        .get(app.url("/admin/auditlog.action?searchString=alpha"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("<h1 class=\"title\">Audit log</h1>"),
        "{page}"
    );
    assert!(page.contains("alpha-team"), "{page}");
    assert!(!page.contains("beta-team"), "{page}");
    assert!(
        page.contains("/rest/api/audit/export?format=csv&amp;searchString=alpha"),
        "{page}"
    );
    let refused = admin
        .get(app.url("/admin/auditlog.action?startDate=soon"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("startDate must be a date")
    );

    // Pruning deletes what was written before the cut-off.
    let later = cairn_app::clock::now_ms() + 60_000;
    let deleted = app.store.prune_audit_records(later).await.expect("pruned");
    assert!(deleted >= 4, "{deleted}");
    assert!(entries(&app, "Group created").await.is_empty());
    app.stop().await;
}
