//! Exporting a space over HTTP: `POST /rest/cairn/1/export/confluence/{spaceKey}` answers a long
//! task whose zip `GET /rest/cairn/1/export/confluence/{spaceKey}/{taskId}` serves, and the
//! "Export space" screen. A space built through the API survives the export and an import, into a
//! fresh wiki and under another key, unchanged.

use std::time::{Duration, Instant};

use cairn_core::SpaceKey;
use cairn_import::{Export, ImportOptions, import};
use cairn_testkit::{TestApp, TestDb, dump_space, every_dialect};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space, new_page};

every_dialect!(
    a_space_built_through_the_api_survives_an_export_and_an_import,
    only_space_and_site_administrators_export_a_space,
    an_export_is_kept_for_a_week_then_removed,
);

fn file_form(name: &str, bytes: &[u8], comment: &str) -> Form {
    Form::new()
        .part(
            "file",
            Part::bytes(bytes.to_vec())
                .file_name(name.to_string())
                .mime_str("text/plain")
                .expect("media type"),
        )
        .text("comment", comment.to_string())
}

async fn finished_export(app: &TestApp, key: &str) -> (Value, Vec<u8>) {
    let (status, started) = call(
        app.admin()
            .post(app.url(&format!("/rest/cairn/1/export/confluence/{key}"))),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let status_link = started["links"]["status"].as_str().expect("status link");
    let download = started["links"]["download"]
        .as_str()
        .expect("download link");
    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        let (_, task) = call(app.admin().get(app.url(status_link))).await;
        if task["finished"] == true {
            break task;
        }
        assert!(Instant::now() < deadline, "the export finishes: {task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(task["successful"], true, "{task}");
    let response = app
        .admin()
        .get(app.url(download))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/zip"
    );
    let bytes = response.bytes().await.expect("the zip").to_vec();
    (task, bytes)
}

async fn a_space_built_through_the_api_survives_an_export_and_an_import(db: TestDb) {
    let dialect = db.dialect;
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("writer", "writer-password").await;
    create_space(&app, "EXP").await;
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "reviewers"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    call(admin.put(app.url("/rest/api/user/writer/group/reviewers"))).await;
    let (status, answer) = call(admin.post(app.url("/rest/api/space/EXP/permission")).json(
        &json!({
            "subject": {"type": "user", "identifier": "writer"},
            "operation": {"key": "read", "target": "space"}
        }),
    ))
    .await;
    assert!(status.is_success(), "{answer}");

    // A tree, a page with three versions (one minor) whose body holds `]]>`, a blog post.
    let parent = create_page(&app, "EXP", "Parent", None).await;
    let child = create_page(&app, "EXP", "Child", Some(&parent)).await;
    let second = create_page(&app, "EXP", "Second child", Some(&parent)).await;
    for (number, body, minor) in [
        (
            2,
            "<p>two &amp; more</p><ac:structured-macro ac:name=\"code\"><ac:plain-text-body><![CDATA[a ]]]]><![CDATA[> b]]></ac:plain-text-body></ac:structured-macro>",
            false,
        ),
        (3, "<p>three</p>", true),
    ] {
        let (status, saved) = call(admin.put(app.url(&format!("/rest/api/content/{child}"))).json(&json!({
            "type": "page", "title": format!("Child v{number}"),
            "version": {"number": number, "message": format!("edit {number}"), "minorEdit": minor},
            "body": {"storage": {"value": body, "representation": "storage"}},
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
    let mut post = new_page("EXP", "News", None);
    post["type"] = json!("blogpost");
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&post)).await;
    assert_eq!(status, StatusCode::OK);
    // The trash.
    let trashed = create_page(&app, "EXP", "Old page", None).await;
    let status = admin
        .delete(app.url(&format!("/rest/api/content/{trashed}")))
        .send()
        .await
        .expect("sent")
        .status();
    assert!(status.is_success());

    // Comments: a footer comment with a reply, an inline one, and a resolved one.
    let comment = |body: &str| {
        json!({"type": "comment", "container": {"id": child, "type": "page"},
        "body": {"storage": {"value": body, "representation": "storage"}}})
    };
    let (_, first) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&comment("<p>first</p>")),
    )
    .await;
    let first = first["id"].as_str().expect("id").to_string();
    let mut reply = comment("<p>a reply</p>");
    reply["ancestors"] = json!([{"id": first}]);
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&reply)).await;
    assert_eq!(status, StatusCode::OK);
    let mut inline = comment("<p>inline</p>");
    inline["extensions"] = json!({"location": "inline", "inlineProperties": {"markerRef": "m-1", "originalSelection": "three"}});
    let (status, inline) = call(admin.post(app.url("/rest/api/content")).json(&inline)).await;
    assert_eq!(status, StatusCode::OK, "{inline}");
    let inline = inline["id"].as_str().expect("id").to_string();
    let (status, answer) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{inline}/property")))
            .json(&json!({"key": "status", "value": "resolved"})),
    )
    .await;
    assert!(status.is_success(), "{answer}");

    // Labels, properties, restrictions, a watch.
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{child}/label")))
            .json(
                &json!([{"prefix": "global", "name": "alpha"}, {"prefix": "my", "name": "mine"}]),
            ),
    )
    .await;
    assert!(status.is_success());
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{child}/property")))
            .json(&json!({"key": "owner", "value": {"team": "sre", "n": [1, 2]}})),
    )
    .await;
    assert!(status.is_success());
    let (status, answer) = call(admin.put(app.url(&format!("/rest/api/content/{second}/restriction"))).json(&json!([
        {"operation": "read", "restrictions": {"user": [{"type": "known", "username": "admin"}, {"type": "known", "username": "writer"}], "group": [{"type": "group", "name": "reviewers"}]}},
        {"operation": "update", "restrictions": {"user": [{"type": "known", "username": "admin"}], "group": [{"type": "group", "name": "reviewers"}]}}
    ]))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let status = admin
        .post(app.url(&format!("/rest/api/user/watch/content/{child}")))
        .header("X-Atlassian-Token", "no-check")
        .send()
        .await
        .expect("sent")
        .status();
    assert!(status.is_success());

    // An attachment with two versions.
    let (status, uploaded) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{child}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(file_form("notes.txt", b"first bytes", "v1")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    let attachment = uploaded["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, answer) = call(
        admin
            .post(app.url(&format!(
                "/rest/api/content/{child}/child/attachment/{attachment}/data"
            )))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(file_form("notes.txt", b"second, longer bytes", "v2")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    let (task, zip) = finished_export(&app, "EXP").await;
    let scratch = tempfile::tempdir().expect("scratch");
    let path = scratch.path().join("EXP.zip");
    std::fs::write(&path, &zip).expect("the zip written");
    let key = SpaceKey::from_stored("EXP");
    let original = dump_space(&app.store, &app.state.blobs, &key).await;
    assert_eq!(
        original
            .attachments
            .values()
            .next()
            .expect("attachment")
            .versions
            .len(),
        2
    );
    assert!(task["messages"].to_string().contains("download"), "{task}");

    // Into a fresh wiki: every id kept, everything the same.
    let fresh_db = TestDb::create(dialect).await.expect("a second database");
    let fresh = fresh_db.store().await;
    let fresh_blobs = cairn_blob::BlobStore::open_directory(scratch.path().join("fresh"))
        .await
        .expect("blob store");
    let mut export = Export::read(&path).await.expect("the zip reads");
    let report = import(&fresh, &fresh_blobs, &mut export, &ImportOptions::default())
        .await
        .expect("the zip imports");
    assert_eq!(report.ids_mapped, 0, "{report}");
    assert_eq!(dump_space(&fresh, &fresh_blobs, &key).await, original);
    fresh.close().await;

    // Into the same wiki under another key: ids mapped, everything else the same.
    let mut options = ImportOptions::default();
    options.add_key_mapping("EXP=EXPCOPY").expect("a mapping");
    let mut export = Export::read(&path).await.expect("the zip reads");
    let report = import(&app.store, &app.state.blobs, &mut export, &options)
        .await
        .expect("the zip imports under another key");
    assert!(report.ids_mapped > 0, "{report}");
    assert_eq!(
        dump_space(
            &app.store,
            &app.state.blobs,
            &SpaceKey::from_stored("EXPCOPY")
        )
        .await,
        original
    );
}

async fn only_space_and_site_administrators_export_a_space(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "EXP").await;
    app.create_user("reader", "reader-password").await;
    let reader = app.client_as("reader", "reader-password");
    let url = app.url("/rest/cairn/1/export/confluence/EXP");

    let anonymous = cairn_testkit::anonymous_client()
        .post(&url)
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Reader sees EXP (every user does) but does not administer it.
    let (status, error) = call(reader.post(&url)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (status, error) = call(
        app.admin()
            .post(app.url("/rest/cairn/1/export/confluence/NOPE")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");

    let (task, zip) = finished_export(&app, "EXP").await;
    assert!(zip.starts_with(b"PK"), "a zip");
    let id = task["id"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| task["id"].to_string());
    let download = app.url(&format!("/rest/cairn/1/export/confluence/EXP/{id}"));
    let (status, _) = call(reader.get(&download)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for missing in [
        "/rest/cairn/1/export/confluence/EXP/999999",
        "/rest/cairn/1/export/confluence/EXP/x",
    ] {
        let (status, _) = call(app.admin().get(app.url(missing))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }

    // The screen: a space administrator starts an export and is shown its task.
    let browser = app.admin();
    let screen = browser
        .get(app.url("/spaces/exportspacexml.action?key=EXP"))
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    let started = browser
        .post(app.url("/spaces/exportspacexml.action?key=EXP"))
        .header("origin", app.url(""))
        .form(&[("go", "1")])
        .send()
        .await
        .expect("sent");
    assert!(started.status().is_success(), "{}", started.status());
    let text = started.text().await.expect("html");
    assert!(text.contains("export-task"), "{text}");
}

async fn an_export_is_kept_for_a_week_then_removed(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "OLD").await;
    let (task, _) = finished_export(&app, "OLD").await;
    let download = format!(
        "/rest/cairn/1/export/confluence/OLD/{}",
        task["id"].as_str().expect("id")
    );
    let blobs = app.state.node.blobs.clone();
    let now = std::time::SystemTime::now();
    let report = cairn_app::maintenance::sweep_old_exports_once(
        &blobs,
        now - cairn_app::maintenance::EXPORT_KEEP_FOR,
    )
    .await
    .expect("sweep");
    assert_eq!(report.orphans_removed, 0, "a fresh export is kept");
    let kept = app
        .admin()
        .get(app.url(&download))
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.status(), StatusCode::OK);

    // A week later.
    let report = cairn_app::maintenance::sweep_old_exports_once(
        &blobs,
        now + std::time::Duration::from_secs(60),
    )
    .await
    .expect("sweep");
    assert_eq!(report.orphans_removed, 1);
    let (status, body) = call(app.admin().get(app.url(&download))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
