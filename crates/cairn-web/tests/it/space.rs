use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, new_space};

every_dialect!(
    spaces_are_created_listed_and_found,
    bad_space_requests_get_clear_errors
);

async fn spaces_are_created_listed_and_found(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let (status, space) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("dev")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(space["key"], "DEV", "keys are upper-cased");
    assert!(space["id"].is_number(), "space ids are numbers");
    assert_eq!(space["description"]["plain"]["value"], "about");
    assert_eq!(space["_links"]["webui"], "/display/DEV");
    assert_eq!(space["_links"]["base"], app.base_url);
    let homepage_link = space["_expandable"]["homepage"]
        .as_str()
        .expect("homepage link")
        .to_string();

    let (status, found) =
        call(admin.get(app.url("/rest/api/space/DEV?expand=homepage,description.plain"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["homepage"]["title"], "dev space Home");
    assert_eq!(
        format!(
            "/rest/api/content/{}",
            found["homepage"]["id"].as_str().expect("id")
        ),
        homepage_link
    );
    assert_eq!(found["homepage"]["extensions"]["position"], "none");

    for key in ["OPS", "QA"] {
        let (status, _) = call(
            admin
                .post(app.url("/rest/api/space/"))
                .json(&new_space(key)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "trailing slash accepted");
    }
    let (status, first) = call(admin.get(app.url("/rest/api/space?limit=2"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["size"], 2);
    let next = first["_links"]["next"].as_str().expect("next link");
    let (_, second) = call(admin.get(app.url(next))).await;
    assert_eq!(second["results"][0]["key"], "QA");
    assert!(second["_links"].get("next").is_none());
    let (_, filtered) = call(admin.get(app.url("/rest/api/space?spaceKey=QA&spaceKey=DEV"))).await;
    let keys: Vec<&str> = filtered["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|s| s["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["DEV", "QA"]);
    let (status, latest) = call(admin.get(app.url("/rest/api/latest/space/OPS"))).await;
    assert_eq!(
        (status, latest["key"].clone()),
        (StatusCode::OK, json!("OPS"))
    );
    app.stop().await;
}

async fn bad_space_requests_get_clear_errors(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let (status, error) = call(admin.get(app.url("/rest/api/space/NOPE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["message"], "No space with key : NOPE");
    assert_eq!(error["statusCode"], 404);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (status, error) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().expect("message").contains("DEV"));
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "has space", "name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"name": "no key"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, error) = call(
        admin
            .post(app.url("/rest/api/space"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().expect("message").contains("JSON"));
    let (_, listed) = call(admin.get(app.url("/rest/api/space"))).await;
    assert_eq!(listed["size"], 1, "failed creates left nothing behind");
    app.stop().await;
}
