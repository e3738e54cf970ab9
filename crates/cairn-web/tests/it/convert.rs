//! Body conversion and the JSON-RPC permission sets.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, new_space};

every_dialect!(
    pages_export_as_pdf,
    bodies_convert_between_representations,
    json_rpc_answers_space_permission_sets
);

async fn bodies_convert_between_representations(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let convert = |to: &str| app.url(&format!("/rest/api/contentbody/convert/{to}"));

    let (status, storage) = call(
        admin
            .post(convert("storage"))
            .json(&json!({"value": "h1. Title\n\n*bold* and {{mono}}", "representation": "wiki"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(storage["representation"], "storage");
    let value = storage["value"].as_str().expect("value");
    assert!(
        value.contains("<h1>Title</h1>")
            && value.contains("<strong>bold</strong>")
            && value.contains("<code>mono</code>"),
        "{value}"
    );
    assert_eq!(storage["_links"]["base"], app.base_url);

    let (_, from_markdown) = call(admin.post(convert("storage")).json(
        &json!({"value": "# Hi\n\n```rust\nfn main() {}\n```", "representation": "markdown"}),
    ))
    .await;
    assert!(
        from_markdown["value"]
            .as_str()
            .expect("value")
            .contains(r#"ac:name="code""#)
    );

    let (status, view) = call(admin.post(convert("view")).json(&json!({
        "value": "<p onclick=\"x()\">hi</p><ac:structured-macro ac:name=\"warning\"><ac:rich-text-body><p>careful</p></ac:rich-text-body></ac:structured-macro>",
        "representation": "storage",
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let html = view["value"].as_str().expect("html");
    assert!(
        html.contains("confluence-information-macro-warning") && !html.contains("onclick"),
        "{html}"
    );

    let (status, error) = call(
        admin
            .post(convert("view"))
            .json(&json!({"value": "<p><b>x</p>", "representation": "storage"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .starts_with("Error parsing xhtml")
    );
    let (status, _) = call(
        admin
            .post(convert("pdf"))
            .json(&json!({"value": "<p/>", "representation": "storage"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn json_rpc_answers_space_permission_sets(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let url = app.url("/rpc/json-rpc/confluenceservice-v2");
    let (status, answer) = call(admin.post(&url).json(
        &json!({"jsonrpc": "2.0", "method": "getSpacePermissionSets", "id": 7, "params": ["DEV"]}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["id"], 7);
    let kinds: Vec<&str> = answer["result"]
        .as_array()
        .expect("result")
        .iter()
        .map(|set| set["type"].as_str().expect("type"))
        .collect();
    assert!(
        kinds.contains(&"VIEWSPACE") && kinds.contains(&"EDITSPACE"),
        "{kinds:?}"
    );
    assert!(
        answer["result"][0]["spacePermissions"]
            .as_array()
            .expect("holders")
            .iter()
            .any(|holder| holder["groupName"] == "confluence-users"),
        "{answer}"
    );
    let (_, unknown) = call(
        admin
            .post(&url)
            .json(&json!({"jsonrpc": "2.0", "method": "addUser", "id": 8, "params": []})),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32601);
    app.stop().await;
}

async fn pages_export_as_pdf(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let page = json!({"type": "page", "title": "Handbook", "space": {"key": "DEV"},
                      "body": {"storage": {"value": "<h1>Welcome</h1><p>Read this first.</p>", "representation": "storage"}}});
    let (_, created) = call(admin.post(app.url("/rest/api/content")).json(&page)).await;
    let id = created["id"].as_str().expect("id").to_string();
    // atlassian-python-api sends a form content type on this GET, and the XSRF opt-out header.
    let response = admin
        .get(app.url(&format!(
            "/spaces/flyingpdf/pdfpageexport.action?pageId={id}"
        )))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Atlassian-Token", "no-check")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("Handbook.pdf")
    );
    let bytes = response.bytes().await.expect("body");
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("(Welcome)") && text.contains("(Read this first.)"),
        "the page's text is in the PDF"
    );
    let (status, _) =
        call(admin.get(app.url("/spaces/flyingpdf/pdfpageexport.action?pageId=999999"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
