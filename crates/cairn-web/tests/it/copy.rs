//! Copying pages through `POST /rest/api/content/{id}/copy` with the request shapes Confluence's
//! clients send: what a copy carries (labels, properties, restrictions, attachment bytes), where
//! it goes, and what it refuses.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{attachment_files_in, call, create_page, create_space};

every_dialect!(
    a_copy_carries_what_was_asked_and_nothing_else,
    copies_go_below_pages_and_onto_existing_ones,
    bad_copies_are_refused_and_leave_nothing
);

async fn upload(app: &TestApp, page: &str, name: &str, bytes: &[u8]) {
    let part = Part::bytes(bytes.to_vec())
        .file_name(name.to_string())
        .mime_str("text/plain")
        .expect("media type");
    let (status, body) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(Form::new().part("file", part)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn copy(app: &TestApp, page: &str, request: Value) -> (StatusCode, Value) {
    call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page}/copy")))
            .json(&request),
    )
    .await
}

async fn get(app: &TestApp, path: &str) -> Value {
    let (status, body) = call(app.admin().get(app.url(path))).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

async fn a_copy_carries_what_was_asked_and_nothing_else(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "SRC").await;
    create_space(&app, "DST").await;
    let source = create_page(&app, "SRC", "Runbook", None).await;
    let (status, _) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{source}/label")))
            .json(&json!([{"prefix": "global", "name": "ops"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{source}/property")))
            .json(&json!({"key": "owner", "value": {"team": "sre"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{source}/restriction")))
            .json(&json!([{"operation": "update", "restrictions": {"user": [{"username": "admin"}]}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    upload(&app, &source, "steps.txt", b"1. page the on-call").await;

    let (status, copied) = copy(
        &app,
        &source,
        json!({"destination": {"type": "space", "value": "DST"}, "copyAttachments": true,
               "copyPermissions": "true", "copyProperties": true, "copyLabels": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{copied}");
    let copy_id = copied["id"].as_str().expect("id").to_string();
    assert_ne!(copy_id, source);
    assert_eq!(copied["title"], "Runbook");
    assert_eq!(copied["space"]["key"], "DST");
    assert_eq!(copied["version"]["number"], 1);

    let read = get(&app, &format!("/rest/api/content/{copy_id}?expand=body.storage,metadata.labels,metadata.properties,ancestors")).await;
    assert_eq!(read["body"]["storage"]["value"], "<p>Runbook</p>");
    assert_eq!(read["metadata"]["labels"]["results"][0]["name"], "ops");
    assert_eq!(
        read["metadata"]["properties"]["owner"]["value"]["team"],
        "sre"
    );
    assert_eq!(read["ancestors"], json!([]), "at the root of DST");
    let restrictions = get(
        &app,
        &format!("/rest/api/content/{copy_id}/restriction/byOperation"),
    )
    .await;
    assert_eq!(
        restrictions["update"]["restrictions"]["user"]["results"][0]["username"],
        "admin"
    );

    // The attachment's bytes were copied: the copy's file downloads the same content, and
    // removing the source's file for good leaves the copy's intact.
    let files = get(
        &app,
        &format!("/rest/api/content/{copy_id}/child/attachment"),
    )
    .await;
    assert_eq!(files["size"], 1);
    let download = files["results"][0]["_links"]["download"]
        .as_str()
        .expect("link")
        .to_string();
    let bytes = app
        .admin()
        .get(app.url(&download))
        .send()
        .await
        .expect("sent");
    assert_eq!(bytes.status(), StatusCode::OK);
    assert_eq!(
        bytes.bytes().await.expect("bytes").as_ref(),
        b"1. page the on-call"
    );
    let source_files = get(
        &app,
        &format!("/rest/api/content/{source}/child/attachment"),
    )
    .await;
    let source_file = source_files["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, _) = call(
        app.admin()
            .delete(app.url(&format!("/rest/api/content/{source_file}?status=current"))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        app.admin()
            .delete(app.url(&format!("/rest/api/content/{source_file}?status=trashed"))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let again = app
        .admin()
        .get(app.url(&download))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the copy's bytes are its own"
    );

    // Without the flags a copy carries the body and title only.
    let (status, bare) = copy(
        &app,
        &source,
        json!({"destination": {"type": "space", "value": "DST"}, "pageTitle": "Runbook (bare)"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bare}");
    let bare_id = bare["id"].as_str().expect("id");
    let read = get(&app, &format!("/rest/api/content/{bare_id}?expand=metadata.labels,metadata.properties,children.attachment")).await;
    assert_eq!(read["metadata"]["labels"]["size"], 0);
    assert_eq!(read["metadata"]["properties"], json!({}));
    assert_eq!(read["children"]["attachment"]["size"], 0);
    let restrictions = get(
        &app,
        &format!("/rest/api/content/{bare_id}/restriction/byOperation"),
    )
    .await;
    assert_eq!(restrictions["update"]["restrictions"]["user"]["size"], 0);
    app.stop().await;
}

async fn copies_go_below_pages_and_onto_existing_ones(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "DOC").await;
    let parent = create_page(&app, "DOC", "Guides", None).await;
    let source = create_page(&app, "DOC", "Install", None).await;

    let (status, below) = copy(
        &app,
        &source,
        json!({"destination": {"type": "parent_page", "value": parent.parse::<i64>().expect("number")},
               "pageTitle": "Install (copy)",
               "body": {"storage": {"value": "<p>changed on the way</p>", "representation": "storage"}}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{below}");
    let below_id = below["id"].as_str().expect("id");
    let read = get(
        &app,
        &format!("/rest/api/content/{below_id}?expand=ancestors,body.storage"),
    )
    .await;
    assert_eq!(read["ancestors"][0]["id"], parent.as_str());
    assert_eq!(
        read["body"]["storage"]["value"],
        "<p>changed on the way</p>"
    );

    // Onto an existing page: the source's body becomes its next version.
    let (status, onto) = copy(
        &app,
        &source,
        json!({"destination": {"type": "existing_page", "value": parent}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{onto}");
    assert_eq!(onto["id"], parent.as_str());
    assert_eq!(onto["version"]["number"], 2);
    let read = get(
        &app,
        &format!("/rest/api/content/{parent}?expand=body.storage"),
    )
    .await;
    assert_eq!(read["title"], "Guides", "the title stays");
    assert_eq!(read["body"]["storage"]["value"], "<p>Install</p>");
    app.stop().await;
}

async fn bad_copies_are_refused_and_leave_nothing(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "BAD").await;
    let source = create_page(&app, "BAD", "Only once", None).await;
    upload(&app, &source, "a.txt", b"bytes").await;
    let files_before = attachment_files_in(app.blob_directory());

    // Same space, same title: the title is taken, and no copied bytes stay behind.
    let (status, error) = copy(
        &app,
        &source,
        json!({"destination": {"type": "space", "value": "BAD"}, "copyAttachments": true}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["code"], "duplicate_title");
    assert_eq!(attachment_files_in(app.blob_directory()), files_before);

    for (request, code) in [
        (json!({"pageTitle": "x"}), StatusCode::BAD_REQUEST),
        (
            json!({"destination": {"type": "galaxy", "value": "x"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"destination": {"type": "parent_page", "value": "not-an-id"}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"destination": {"type": "parent_page", "value": "999999"}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"destination": {"type": "space", "value": "NOPE"}}),
            StatusCode::NOT_FOUND,
        ),
        (json!([1, 2]), StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = copy(&app, &source, request.clone()).await;
        assert_eq!(status, code, "{request}: {body}");
    }
    let (status, _) = copy(
        &app,
        "999999",
        json!({"destination": {"type": "space", "value": "BAD"}}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
