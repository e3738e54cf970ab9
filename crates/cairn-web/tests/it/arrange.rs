//! Moving and copying pages from their page in the browser, with the forms' own fields: under
//! another page, to the top of another space, and a copy that carries its attachment.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

use crate::support::{call, create_page, create_space};

every_dialect!(pages_are_moved_and_copied_through_their_forms);

async fn pages_are_moved_and_copied_through_their_forms(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "OPS").await;
    create_space(&app, "ARC").await;
    let parent = create_page(&app, "OPS", "Runbooks", None).await;
    let page = create_page(&app, "OPS", "Restart the queue", None).await;
    // A browser that shows each answer instead of following its redirect.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form_post = |path: String, fields: Vec<(&'static str, String)>| {
        browser
            .post(app.url(&path))
            .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
            .header("origin", app.url(""))
            .form(&fields)
            .send()
    };

    // The move form offers the space's pages; moving under one of them.
    let shown = app
        .admin()
        .get(app.url(&format!("/pages/movepagedialog.action?pageId={page}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(shown.contains("Runbooks"), "the parent is offered");
    let moved = form_post(
        format!("/pages/movepagedialog.action?pageId={page}&spaceKey=OPS"),
        vec![("parentId", parent.clone())],
    )
    .await
    .expect("sent");
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let (_, read) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{page}?expand=ancestors,space"))),
    )
    .await;
    assert_eq!(read["ancestors"][0]["id"], parent.as_str(), "{read}");

    // To the top of another space.
    let moved = form_post(
        format!("/pages/movepagedialog.action?pageId={page}&spaceKey=ARC"),
        vec![("parentId", String::new())],
    )
    .await
    .expect("sent");
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let (_, read) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{page}?expand=ancestors,space"))),
    )
    .await;
    assert_eq!(read["space"]["key"], "ARC", "{read}");
    assert_eq!(read["ancestors"], json!([]));

    // A copy under the runbooks, with its attachment.
    let part = reqwest::multipart::Part::bytes(b"queue restart steps".to_vec())
        .file_name("steps.txt")
        .mime_str("text/plain")
        .expect("media type");
    let (status, _) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(reqwest::multipart::Form::new().part("file", part)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let copied = form_post(
        format!("/pages/copypage.action?idOfPageToCopy={page}&spaceKey=OPS"),
        vec![
            ("title", "Restart the queue (old way)".into()),
            ("parentId", parent.clone()),
            ("copyAttachments", "true".into()),
        ],
    )
    .await
    .expect("sent");
    assert_eq!(copied.status(), StatusCode::SEE_OTHER);
    let location = copied.headers()[LOCATION]
        .to_str()
        .expect("ascii")
        .to_string();
    let copy_id = location.rsplit('=').next().expect("id").to_string();
    let (_, read) = call(app.admin().get(app.url(&format!(
        "/rest/api/content/{copy_id}?expand=ancestors,space,children.attachment"
    ))))
    .await;
    assert_eq!(read["title"], "Restart the queue (old way)", "{read}");
    assert_eq!(read["space"]["key"], "OPS");
    assert_eq!(read["ancestors"][0]["id"], parent.as_str());
    assert_eq!(
        read["children"]["attachment"]["results"][0]["title"],
        "steps.txt"
    );

    // The same title twice is explained on the form, with nothing created.
    let again = form_post(
        format!("/pages/copypage.action?idOfPageToCopy={page}&spaceKey=OPS"),
        vec![
            ("title", "Restart the queue (old way)".into()),
            ("parentId", String::new()),
        ],
    )
    .await
    .expect("sent");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.expect("text").contains("already exists"));
    app.stop().await;
}
