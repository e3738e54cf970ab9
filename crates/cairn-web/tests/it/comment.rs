//! Comments over HTTP, in the shapes atlassian-python-api and mcp-atlassian use.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(comments_through_the_api);

fn comment(container: &str, body: &str) -> Value {
    json!({
        "type": "comment",
        "container": {"id": container, "type": "page", "status": "current"},
        "body": {"storage": {"value": body, "representation": "storage"}},
    })
}

async fn comments_through_the_api(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (_, page) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Discussed",
        None,
    )))
    .await;
    let page_id = page["id"].as_str().expect("id").to_string();

    let (status, first) = call(
        admin
            .post(app.url("/rest/api/content/"))
            .json(&comment(&page_id, "<p>nice</p>")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["type"], "comment");
    assert_eq!(first["title"], "Re: Discussed");
    assert_eq!(first["container"]["id"], json!(page_id));
    assert_eq!(first["extensions"]["location"], "footer");
    let first_id = first["id"].as_str().expect("id").to_string();
    assert_eq!(
        first["_links"]["webui"],
        json!(format!(
            "/pages/viewpage.action?pageId={page_id}&focusedCommentId={first_id}#comment-{first_id}"
        ))
    );

    let mut reply = comment(&page_id, "<p>agreed</p>");
    reply["ancestors"] = json!([{"id": first_id}]);
    let (status, reply) = call(admin.post(app.url("/rest/api/content")).json(&reply)).await;
    assert_eq!(status, StatusCode::OK);
    let mut inline = comment(&page_id, "<p>typo here</p>");
    inline["extensions"] = json!({"location": "inline", "inlineProperties": {"originalSelection": "alpha", "numMatches": 1, "matchIndex": 0}});
    let (status, inline) = call(admin.post(app.url("/rest/api/content")).json(&inline)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        inline["extensions"]["inlineProperties"]["originalSelection"],
        "alpha"
    );

    let list_url = app.url(&format!("/rest/api/content/{page_id}/child/comment"));
    let (status, top) = call(admin.get(format!("{list_url}?start=0&limit=25&id={page_id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(top["size"], 2, "top-level only without depth");
    let (_, all) = call(admin.get(format!(
        "{list_url}?depth=all&expand=body.view,version,extensions.inlineProperties"
    )))
    .await;
    let ids: Vec<&str> = all["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [
            first_id.as_str(),
            reply["id"].as_str().expect("id"),
            inline["id"].as_str().expect("id")
        ]
    );
    assert!(
        all["results"][0]["body"]["view"]["value"]
            .as_str()
            .expect("view")
            .contains("nice")
    );
    assert_eq!(all["results"][0]["version"]["by"]["username"], "admin");
    let (_, inline_only) = call(admin.get(format!("{list_url}?location=inline&depth=all"))).await;
    assert_eq!(inline_only["size"], 1);

    let edit = json!({"type": "comment", "version": {"number": 2}, "body": {"storage": {"value": "<p>very nice</p>", "representation": "storage"}}});
    let (status, edited) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{first_id}")))
            .json(&edit),
    )
    .await;
    assert_eq!(
        (status, edited["version"]["number"].clone()),
        (StatusCode::OK, json!(2))
    );
    assert_eq!(edited["title"], "Re: Discussed");

    let response = admin
        .delete(app.url(&format!("/rest/api/content/{first_id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.get(app.url(&format!("/rest/api/content/{first_id}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, remaining) = call(admin.get(format!("{list_url}?depth=all"))).await;
    assert_eq!(remaining["size"], 2);

    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&comment("999999", "<p>x</p>")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let no_container = json!({"type": "comment", "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}});
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&no_container)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
