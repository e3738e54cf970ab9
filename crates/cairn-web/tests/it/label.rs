//! Labels and content properties over HTTP, as the clients send them.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, new_page, new_space};

every_dialect!(
    labels_through_the_api,
    properties_through_the_api,
    metadata_on_create_and_update
);

async fn page_id(app: &TestApp, title: &str) -> String {
    let (_, page) = call(
        app.admin()
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", title, None)),
    )
    .await;
    page["id"].as_str().expect("id").to_string()
}

async fn labels_through_the_api(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let id = page_id(&app, "Labelled").await;
    let url = app.url(&format!("/rest/api/content/{id}/label"));

    // A single object (atlassian-python-api 4.x) and an array (other clients) are both accepted.
    let (status, one) = call(
        admin
            .post(&url)
            .json(&json!({"prefix": "global", "name": "Alpha"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        one["results"],
        json!([{"prefix": "global", "name": "alpha", "id": one["results"][0]["id"], "label": "alpha"}])
    );
    let (status, all) = call(
        admin
            .post(&url)
            .json(&json!([{"name": "beta"}, {"prefix": "global", "name": "gamma"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["size"], 3);

    let (_, listed) = call(admin.get(&url)).await;
    let names: Vec<&str> = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    let (_, first) = call(admin.get(format!("{url}?limit=2"))).await;
    assert_eq!(first["size"], 2);
    assert!(
        first["_links"]["next"]
            .as_str()
            .expect("next")
            .contains("start=2")
    );

    let response = admin
        .delete(format!("{url}?name=alpha&id={id}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = admin
        .delete(format!("{url}/beta"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.delete(format!("{url}?name=alpha"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "label not on the content");

    let (_, page) =
        call(admin.get(app.url(&format!("/rest/api/content/{id}?expand=metadata.labels")))).await;
    assert_eq!(page["metadata"]["labels"]["results"][0]["name"], "gamma");
    let (_, tagged) = call(admin.get(app.url("/rest/api/content?label=gamma&type=page"))).await;
    assert_eq!(tagged["results"][0]["id"], json!(id));

    let (status, _) = call(admin.post(&url).json(&json!({"name": "two words"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        admin
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=type"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "form-encoded label posts are refused clearly"
    );
    let (status, _) = call(admin.get(app.url("/rest/api/content/999999/label"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn properties_through_the_api(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let id = page_id(&app, "Props").await;
    let url = app.url(&format!("/rest/api/content/{id}/property"));

    let (status, _) = call(admin.get(format!("{url}/sync"))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "absent properties are 404 (clients test existence this way)"
    );
    let (status, created) = call(
        admin
            .post(&url)
            .json(&json!({"key": "sync", "value": {"hash": "abc"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(created["version"]["number"], 1);
    assert_eq!(created["value"], json!({"hash": "abc"}));
    let (status, _) = call(admin.post(&url).json(&json!({"key": "sync", "value": 1}))).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, updated) = call(
        admin
            .put(format!("{url}/sync"))
            .json(&json!({"key": "sync", "value": "v2", "version": {"number": 2}})),
    )
    .await;
    assert_eq!(
        (
            status,
            updated["value"].clone(),
            updated["version"]["number"].clone()
        ),
        (StatusCode::OK, json!("v2"), json!(2))
    );
    let (status, _) = call(
        admin
            .put(format!("{url}/sync"))
            .json(&json!({"key": "sync", "value": "stale", "version": {"number": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, fresh) = call(
        admin
            .put(format!("{url}/new-key"))
            .json(&json!({"key": "new-key", "value": [1, 2], "version": {"number": 1}})),
    )
    .await;
    assert_eq!(
        (status, fresh["version"]["number"].clone()),
        (StatusCode::OK, json!(1)),
        "PUT creates an absent key"
    );

    let (_, listed) = call(admin.get(&url)).await;
    assert_eq!(listed["size"], 2);
    let huge = "x".repeat(40 * 1024);
    let (status, _) = call(
        admin
            .post(&url)
            .json(&json!({"key": "huge", "value": huge})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let response = admin
        .delete(format!("{url}/sync"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.delete(format!("{url}/sync"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn metadata_on_create_and_update(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let mut body = new_page("DEV", "With metadata", None);
    body["metadata"] = json!({
        "labels": [{"name": "docs", "prefix": "global"}],
        "properties": {"content-appearance-published": {"value": "fixed-width"}, "editor": {"value": "v2"}},
    });
    let (status, page) = call(admin.post(app.url("/rest/api/content")).json(&body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["metadata"]["labels"]["results"][0]["name"], "docs");
    let id = page["id"].as_str().expect("id").to_string();
    let (_, appearance) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}/property/content-appearance-published"
    ))))
    .await;
    assert_eq!(appearance["value"], "fixed-width");

    let update = json!({
        "type": "page", "title": "With metadata", "version": {"number": 2},
        "metadata": {"labels": [{"name": "more"}], "properties": {"content-appearance-published": {"value": "full-width"}}},
    });
    let (status, updated) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&update),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = updated["metadata"]["labels"]["results"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["more"],
        "the labels of an update are the complete set"
    );
    let (_, expanded) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?expand=metadata.properties"
    ))))
    .await;
    assert_eq!(
        expanded["metadata"]["properties"]["content-appearance-published"]["value"],
        "full-width"
    );
    assert_eq!(
        expanded["metadata"]["properties"]["content-appearance-published"]["version"]["number"],
        2
    );

    let mut bad = new_page("DEV", "Bad label", None);
    bad["metadata"] = json!({"labels": [{"name": "bad label"}]});
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, none) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&title=Bad+label"))).await;
    assert_eq!(
        none["results"],
        json!([]),
        "a bad label is refused before anything is written"
    );
    app.stop().await;
}
