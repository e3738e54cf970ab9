//! Request helpers.

use cairn_testkit::TestApp;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Sends a request and returns its status and JSON body, checking Confluence's exact content type.
pub async fn call(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().expect("ascii").to_string())
        .unwrap_or_default();
    let text = response.text().await.expect("body read");
    if text.is_empty() {
        return (status, Value::Null);
    }
    assert_eq!(
        content_type, "application/json;charset=UTF-8",
        "{status} {text}"
    );
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}")),
    )
}

pub fn new_space(key: &str) -> Value {
    json!({"key": key, "name": format!("{key} space"), "description": {"plain": {"value": "about", "representation": "plain"}}})
}

pub fn new_page(space_key: &str, title: &str, parent: Option<&str>) -> Value {
    let mut page = json!({
        "type": "page",
        "title": title,
        "space": {"key": space_key},
        "body": {"storage": {"value": format!("<p>{title}</p>"), "representation": "storage"}},
    });
    if let Some(parent) = parent {
        page["ancestors"] = json!([{"type": "page", "id": parent}]);
    }
    page
}

/// Creates space `key` as the administrator.
pub async fn create_space(app: &TestApp, key: &str) {
    let (status, space) = call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&new_space(key)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{space}");
}

/// Creates a page as the administrator and returns its id.
pub async fn create_page(app: &TestApp, space: &str, title: &str, parent: Option<&str>) -> String {
    let (status, page) = call(
        app.admin()
            .post(app.url("/rest/api/content"))
            .json(&new_page(space, title, parent)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["id"].as_str().expect("id").to_string()
}

/// Attachment files in the blob directory. Search index snapshots share the directory (under
/// `search-index/`) and are written whenever the snapshot job finds the index current, so they
/// are not counted.
pub fn attachment_files_in(directory: &std::path::Path) -> usize {
    let mut count = 0;
    let mut pending = vec![directory.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(folder).expect("readable").flatten() {
            if entry.file_name() == "search-index" {
                continue;
            }
            if entry.path().is_dir() {
                pending.push(entry.path());
            } else {
                count += 1;
            }
        }
    }
    count
}
