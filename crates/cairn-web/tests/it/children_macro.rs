//! The `children` macro lists a page's children as they are now and as the reader may see them, in
//! the page view and in REST's `body.view`, to the depth the macro asks for.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, create_page, create_space};

every_dialect!(the_children_macro_lists_what_the_reader_may_see);

const ALL_LEVELS: &str = r#"<ac:structured-macro ac:name="children" ac:schema-version="2"><ac:parameter ac:name="all">true</ac:parameter></ac:structured-macro>"#;
const ONE_LEVEL: &str = r#"<ac:structured-macro ac:name="children" ac:schema-version="2" />"#;

async fn set_body(app: &TestApp, id: &str, title: &str, version: i64, body: &str) {
    let (status, saved) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&json!({
                "type": "page", "title": title, "version": {"number": version},
                "body": {"storage": {"value": body, "representation": "storage"}},
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

async fn view_as(app: &TestApp, client: &reqwest::Client, id: &str) -> String {
    let (status, read) =
        call(client.get(app.url(&format!("/rest/api/content/{id}?expand=body.view")))).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    read["body"]["view"]["value"]
        .as_str()
        .expect("view")
        .to_string()
}

async fn the_children_macro_lists_what_the_reader_may_see(db: TestDb) {
    let app = TestApp::start(db).await;
    create_space(&app, "KIDS").await;
    app.create_user("reader", "reader-password").await;
    let reader = app.client_as("reader", "reader-password");
    let parent = create_page(&app, "KIDS", "Handbook", None).await;
    let first = create_page(&app, "KIDS", "Onboarding", Some(&parent)).await;
    create_page(&app, "KIDS", "Offboarding", Some(&parent)).await;
    create_page(&app, "KIDS", "First day", Some(&first)).await;
    let secret = create_page(&app, "KIDS", "Salaries", Some(&parent)).await;
    let (status, _) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{secret}/restriction")))
            .json(
                &json!([{"operation": "read", "restrictions": {"user": [{"username": "admin"}]}}]),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    set_body(&app, &parent, "Handbook", 2, ALL_LEVELS).await;
    let seen = view_as(&app, &reader, &parent).await;
    for title in ["Onboarding", "Offboarding", "First day"] {
        assert!(seen.contains(title), "{title} is listed: {seen}");
    }
    assert!(
        !seen.contains("Salaries"),
        "a page the reader may not see stays out: {seen}"
    );
    assert!(seen.contains("/display/KIDS/Onboarding"), "{seen}");
    assert!(
        view_as(&app, &app.admin(), &parent)
            .await
            .contains("Salaries")
    );

    // The page view, twice (the second from the cache), then after a new child: it shows up.
    let page_view = |client: reqwest::Client| {
        let url = app.url(&format!("/pages/viewpage.action?pageId={parent}"));
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("sent")
                .text()
                .await
                .expect("text")
        }
    };
    assert!(page_view(reader.clone()).await.contains("Offboarding"));
    assert!(!page_view(reader.clone()).await.contains("Salaries"));
    create_page(&app, "KIDS", "Parental leave", Some(&parent)).await;
    assert!(page_view(reader.clone()).await.contains("Parental leave"));

    // Without `all`, one level.
    set_body(&app, &parent, "Handbook", 3, ONE_LEVEL).await;
    let seen = view_as(&app, &reader, &parent).await;
    assert!(
        seen.contains("Onboarding") && !seen.contains("First day"),
        "{seen}"
    );
    app.stop().await;
}
