//! Global permissions and anonymous access, as Confluence Data Center's administrators set them
//! (`/rest/api/permissions/…`, the Global permissions screen): anonymous visitors read exactly what
//! the global grant and each space's grant allow (pages, attachments, search, in REST and the UI)
//! and nothing else; "can use" and "create space" decide what signed-in users may do; an
//! administration grant makes a group's members site administrators.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space};

every_dialect!(
    anonymous_visitors_read_exactly_what_is_granted,
    global_permissions_decide_who_uses_creates_and_administers
);

const USE: &str = r#"[{"operationKey": "use", "targetType": "application"}]"#;

fn use_body() -> Value {
    serde_json::from_str(USE).expect("json")
}

/// A request without credentials whose redirects are seen, not followed.
async fn anonymous_status(app: &TestApp, path: &str) -> StatusCode {
    app.browser()
        .get(app.url(path))
        .send()
        .await
        .expect("sent")
        .status()
}

async fn anonymous_text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.browser().get(app.url(path)).send().await.expect("sent");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

async fn anonymous_visitors_read_exactly_what_is_granted(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    create_space(&app, "PUB").await;
    create_space(&app, "PRIV").await;
    let public = create_page(&app, "PUB", "Open handbook", None).await;
    let restricted = create_page(&app, "PUB", "Board minutes", None).await;
    let private = create_page(&app, "PRIV", "Salaries", None).await;
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{public}/child/attachment")))
            .header("X-Atlassian-Token", "no-check")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"opening hours".to_vec()).file_name("hours.txt"),
            )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{restricted}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": "admin"}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The space grant alone does nothing while anonymous access is off.
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space/PUB/permission"))
            .json(&json!({
                "subject": {"type": "anonymous", "identifier": ""},
                "operation": {"key": "read", "target": "space"}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page_path = format!("/rest/api/content/{public}");
    assert_eq!(
        anonymous_status(&app, &page_path).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        anonymous_status(&app, &format!("/pages/viewpage.action?pageId={public}")).await,
        StatusCode::SEE_OTHER
    );

    // Anonymous access on: what PUB grants to anonymous answers without credentials.
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/anonymous/grant"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, anonymous) = call(admin.get(app.url("/rest/api/permissions/anonymous"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(anonymous[0]["operation"]["operationKey"], "use");
    assert_eq!(anonymous[0]["subject"]["type"], "anonymous");

    let (status, body) = anonymous_text(&app, &format!("{page_path}?expand=body.storage")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Open handbook"), "{body}");
    let (status, spaces) = anonymous_text(&app, "/rest/api/space").await;
    assert_eq!(status, StatusCode::OK);
    let spaces: Value = serde_json::from_str(&spaces).expect("json");
    let keys: Vec<&str> = spaces["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|space| space["key"].as_str())
        .collect();
    assert_eq!(keys, ["PUB"]);
    let (status, bytes) =
        anonymous_text(&app, &format!("/download/attachments/{public}/hours.txt")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, "opening hours");
    let (status, found) =
        anonymous_text(&app, "/rest/api/content/search?cql=type%3Dpage&limit=100").await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert!(found.contains("Open handbook"), "{found}");
    assert!(
        !found.contains("Salaries") && !found.contains("Board minutes"),
        "{found}"
    );
    // Not granted or restricted: not there at all.
    for hidden in [&private, &restricted] {
        assert_eq!(
            anonymous_status(&app, &format!("/rest/api/content/{hidden}")).await,
            StatusCode::NOT_FOUND
        );
    }

    // The UI reads the same, offers to log in, and offers nothing to write.
    let (status, html) =
        anonymous_text(&app, &format!("/pages/viewpage.action?pageId={public}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Open handbook"), "{html}");
    assert!(html.contains("href=\"/login.action\""), "{html}");
    assert!(html.contains("class=\"reading-only\""), "{html}");
    let (status, html) = anonymous_text(&app, "/dosearchsite.action?queryString=handbook").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Open handbook"), "{html}");
    let (status, html) = anonymous_text(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("PUB space") && !html.contains("PRIV space"),
        "{html}"
    );
    assert_eq!(
        anonymous_status(&app, &format!("/pages/viewpage.action?pageId={private}")).await,
        StatusCode::NOT_FOUND
    );

    // Nothing else answers: writes, people, administration, the editor.
    let anonymous = app.browser();
    let (status, _) = call(anonymous.post(app.url("/rest/api/content")).json(&json!({
        "type": "page", "title": "Graffiti", "space": {"key": "PUB"},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}
    })))
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    for path in [
        "/rest/api/audit",
        "/rest/api/permissions",
        "/rest/pat/latest/tokens",
        "/rest/api/group",
        "/rest/api/user/current",
    ] {
        assert_eq!(
            anonymous_status(&app, path).await,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    for path in [
        format!("/pages/editpage.action?pageId={public}"),
        "/admin/users/browseusers.action".to_string(),
        "/plugins/personalaccesstokens/usertokens.action".to_string(),
    ] {
        assert_eq!(
            anonymous_status(&app, &path).await,
            StatusCode::SEE_OTHER,
            "{path}"
        );
    }
    let (status, _) = call(
        anonymous
            .post(app.url(&format!("/pages/doaddcomment.action?pageId={public}")))
            .header("origin", app.url(""))
            .form(&[("comment", "spam")]),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Wrong credentials are still refused, never read as anonymous.
    let (status, _) = call(
        cairn_testkit::anonymous_client()
            .get(app.url(&page_path))
            .basic_auth("admin", Some("wrong")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Anonymous access off again: nothing answers without credentials.
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/anonymous/revoke"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        anonymous_status(&app, &page_path).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(anonymous_status(&app, "/").await, StatusCode::SEE_OTHER);
    app.stop().await;
}

async fn global_permissions_decide_who_uses_creates_and_administers(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("bob", "bob-password").await;
    app.create_user("carol", "carol-password").await;
    let bob = app.client_as("bob", "bob-password");
    let carol = app.client_as("carol", "carol-password");

    let (status, all) = call(admin.get(app.url("/rest/api/permissions"))).await;
    assert_eq!(status, StatusCode::OK);
    let held = |subject: &str, permission: &str| {
        all.as_array().expect("grants").iter().any(|grant| {
            grant["subject"]["identifier"] == subject
                && grant["operation"]["permission"] == permission
        })
    };
    assert!(held("confluence-users", "USECONFLUENCE"));
    assert!(held("confluence-users", "CREATESPACE"));
    assert!(held("confluence-administrators", "SYSTEMADMINISTRATOR"));
    assert!(
        !held("", "USECONFLUENCE"),
        "anonymous access is off by default"
    );

    // Create space: confluence-users may, until it is revoked; a user grant brings it back.
    let new_space = |key: &str| json!({"key": key, "name": format!("{key} space")});
    let (status, _) = call(bob.post(app.url("/rest/api/space")).json(&new_space("BOB"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/group/confluence-users/revoke"))
            .json(&json!([{"operationKey": "create", "targetType": "space"}])),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = call(
        bob.post(app.url("/rest/api/space"))
            .json(&new_space("BOB2")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or("")
            .contains("Create space"),
        "{refused}"
    );
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/user/bob/grant"))
            .json(&json!(["CREATESPACE"])),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        bob.post(app.url("/rest/api/space"))
            .json(&new_space("BOB2")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Can use: without it a user's credentials are right but they are turned away.
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/group/confluence-users/revoke"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = call(carol.get(app.url("/rest/api/user/current"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/user/carol/grant"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(carol.get(app.url("/rest/api/user/current"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/group/confluence-users/grant"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // An administration grant to a group makes its members site administrators.
    let (status, _) = call(admin.get(app.url("/rest/api/audit"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(carol.get(app.url("/rest/api/audit"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "ops"})),
    )
    .await;
    call(admin.put(app.url("/rest/api/user/carol/group/ops"))).await;
    let (status, _) = call(
        admin
            .put(app.url("/rest/api/permissions/group/ops/grant"))
            .json(&json!([{"operation": {"operationKey": "administer", "targetType": "application"}}])),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(carol.get(app.url("/rest/api/audit"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, ops) = call(admin.get(app.url("/rest/api/permissions/group/ops"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ops[0]["operation"]["permission"], "ADMINISTRATECONFLUENCE");

    // Refusals: the administrators' own grants, anonymous beyond reading, bad bodies, non-admins.
    for (path, body, words) in [
        (
            "/rest/api/permissions/group/confluence-administrators/revoke",
            json!(["SYSTEMADMINISTRATOR"]),
            "keeps its administration",
        ),
        (
            "/rest/api/permissions/anonymous/grant",
            json!(["CREATESPACE"]),
            "anonymous visitors can only",
        ),
        (
            "/rest/api/permissions/anonymous/grant",
            json!([]),
            "name the permissions",
        ),
        (
            "/rest/api/permissions/anonymous/grant",
            json!([{"operationKey": "fly", "targetType": "moon"}]),
            "not a global permission",
        ),
        (
            "/rest/api/permissions/group/nobody-here/grant",
            use_body(),
            "no group",
        ),
    ] {
        let (status, error) = call(admin.put(app.url(path)).json(&body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {error}");
        assert!(
            error["message"].as_str().unwrap_or("").contains(words),
            "{path}: {error}"
        );
    }
    let (status, _) = call(
        bob.put(app.url("/rest/api/permissions/anonymous/grant"))
            .json(&use_body()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(bob.get(app.url("/rest/api/permissions"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Each change is in the audit log.
    let (_, audit) =
        call(admin.get(app.url("/rest/api/audit?searchString=global%20permission"))).await;
    let summaries: Vec<&str> = audit["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|entry| entry["summary"].as_str())
        .collect();
    assert_eq!(
        summaries
            .iter()
            .filter(|summary| **summary == "Global permission granted")
            .count(),
        4,
        "{audit}"
    );
    assert_eq!(
        summaries
            .iter()
            .filter(|summary| **summary == "Global permission revoked")
            .count(),
        2,
        "{audit}"
    );

    // The screen turns anonymous access on and off.
    let screen = "/admin/permissions/globalpermissions.action";
    let html = admin
        .get(app.url(screen))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"global-permissions\""), "{html}");
    assert!(html.contains("USECONFLUENCE|anonymous|"), "{html}");
    let saved = admin
        .post(app.url(screen))
        .header("origin", app.url(""))
        .form(&[
            ("action", "save"),
            ("subject", "anonymous|"),
            ("grant", "USECONFLUENCE|anonymous|"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(
        saved
            .text()
            .await
            .expect("html")
            .contains("Global permissions saved.")
    );
    let (_, anonymous) = call(admin.get(app.url("/rest/api/permissions/anonymous"))).await;
    assert_eq!(anonymous.as_array().map(Vec::len), Some(1), "{anonymous}");
    let added = admin
        .post(app.url(screen))
        .header("origin", app.url(""))
        .form(&[
            ("action", "add"),
            ("kind", "user"),
            ("name", "bob"),
            ("permission", "PERSONALSPACE"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(added.status(), StatusCode::OK);
    let (_, bobs) = call(admin.get(app.url("/rest/api/permissions/user/bob"))).await;
    let bob_holds: Vec<&str> = bobs
        .as_array()
        .expect("grants")
        .iter()
        .filter_map(|grant| grant["operation"]["permission"].as_str())
        .collect();
    assert_eq!(bob_holds, ["CREATESPACE", "PERSONALSPACE"]);
    app.stop().await;
}
