//! Comparing two versions of a page in the browser, at Confluence's URL: what changed is marked,
//! what stayed is shown once, and what does not exist is a clear 404 or 400.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, create_page, create_space};

every_dialect!(two_versions_of_a_page_are_compared);

async fn two_versions_of_a_page_are_compared(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "DIF").await;
    let page = create_page(&app, "DIF", "Release steps", None).await;
    let (status, saved) = call(app.admin().put(app.url(&format!("/rest/api/content/{page}"))).json(&json!({
        "type": "page", "title": "Release steps", "version": {"number": 2},
        "body": {"storage": {"value": "<h2>Steps</h2><ol><li>Tag</li><li>Build</li><li>Ship</li></ol>", "representation": "storage"}},
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, saved) = call(app.admin().put(app.url(&format!("/rest/api/content/{page}"))).json(&json!({
        "type": "page", "title": "Release checklist", "version": {"number": 3},
        "body": {"storage": {"value": "<h2>Steps</h2><ol><li>Tag</li><li>Build and sign</li><li>Ship</li></ol>", "representation": "storage"}},
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    let compare = |query: String| {
        let url = app.url(&format!(
            "/pages/diffpagesbyversion.action?pageId={page}{query}"
        ));
        let client = app.admin();
        async move {
            let response = client.get(url).send().await.expect("sent");
            (response.status(), response.text().await.expect("text"))
        }
    };
    let (status, shown) = compare("&selectedPageVersions=3&selectedPageVersions=2".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("Version <a"), "{shown}");
    assert!(
        shown.contains("<del class=\"diff-removed\">2. Build"),
        "{shown}"
    );
    assert!(
        shown.contains("<ins class=\"diff-added\">2. Build and sign"),
        "{shown}"
    );
    assert!(
        shown.contains("1. Tag"),
        "unchanged lines around the change are shown"
    );
    assert!(
        shown.contains("id=\"title-change\""),
        "the new title is marked"
    );
    assert!(shown.contains("2 changed lines"), "{shown}");

    // One version: compared with the current one.
    let (status, shown) = compare("&selectedPageVersions=2".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("Build and sign"));

    let (status, _) = compare("&selectedPageVersions=2&selectedPageVersions=9".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = compare("&selectedPageVersions=two".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = compare(String::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The history links to it.
    let history = app
        .admin()
        .get(app.url(&format!("/pages/viewpreviousversions.action?pageId={page}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(history.contains("Compare with current"));
    app.stop().await;
}
