//! The page editor's forms: the bundle they load, the editor's document posted back and converted
//! against the version the edit started from, and errors that keep what was typed.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::{Client, StatusCode};
use serde_json::Value;

every_dialect!(
    the_editor_document_saves_and_keeps_unknown_macros_byte_for_byte,
    the_create_form_places_and_labels_a_new_page,
    the_editor_bundle_is_served_fingerprinted_and_cacheable
);

/// Two macros the editor does not model, around a paragraph it does.
const MACROS: &str = "<ac:structured-macro ac:name=\"jira\" ac:schema-version=\"1\"><ac:parameter \
     ac:name=\"key\">DEV-1</ac:parameter></ac:structured-macro>";
const GADGET: &str = "<ac:structured-macro ac:name=\"gadget\"><ac:parameter ac:name=\"url\">x\
     </ac:parameter><ac:rich-text-body><p>keep  me</p></ac:rich-text-body></ac:structured-macro>";

async fn logged_in(app: &TestApp) -> Client {
    let browser = app.browser();
    let login = browser
        .post(app.url("/login.action"))
        .form(&[
            ("os_username", ADMIN_USERNAME),
            ("os_password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    browser
}

async fn create_space(app: &TestApp, browser: &Client, key: &str) {
    let created = browser
        .post(app.url("/spaces/createspace.action"))
        .form(&[("name", key), ("key", key)])
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
}

async fn post_form(
    app: &TestApp,
    browser: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let response = browser
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().expect("ascii").to_string())
        .unwrap_or_default();
    (status, location, response.text().await.expect("body"))
}

async fn stored_body(app: &TestApp, id: &str) -> String {
    let content: Value = app
        .admin()
        .get(app.url(&format!(
            "/rest/api/content/{id}?expand=body.storage,version"
        )))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    content["body"]["storage"]["value"]
        .as_str()
        .expect("storage")
        .to_string()
}

/// The editor's document in the form (its JSON script block).
fn editor_document_of(form_html: &str) -> Value {
    let marker = "id=\"cairn-editor-document\">";
    let start = form_html.find(marker).expect("an editor mount") + marker.len();
    let end = start + form_html[start..].find("</script>").expect("script end");
    serde_json::from_str(&form_html[start..end]).expect("the editor document is JSON")
}

async fn the_editor_document_saves_and_keeps_unknown_macros_byte_for_byte(db: TestDb) {
    let app = TestApp::start(db).await;
    let browser = logged_in(&app).await;
    create_space(&app, &browser, "ED").await;
    let original = format!("{MACROS}<p>edit me</p>{GADGET}");
    let (status, location, _) = post_form(
        &app,
        &browser,
        "/pages/createpage.action",
        &[
            ("spaceKey", "ED"),
            ("type", "page"),
            ("title", "Macros"),
            ("body", &original),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location.rsplit('=').next().expect("id").to_string();

    let form_html = browser
        .get(app.url(&format!("/pages/editpage.action?pageId={id}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        form_html.contains("data-cairn-editor"),
        "the editor mounts on the form"
    );
    assert!(form_html.contains("/assets/editor/editor.js?v="));
    assert!(
        form_html.contains("name=\"body_format\" value=\"storage\""),
        "without script the textarea posts storage"
    );
    let noscript = form_html
        .split_once("<noscript>")
        .and_then(|(_, rest)| rest.split_once("</noscript>"))
        .map(|(inside, _)| inside)
        .expect("the storage textarea is inside noscript");
    assert!(noscript.contains("<textarea") && noscript.contains("edit me"));
    assert!(
        form_html.contains(r#"<input type="hidden" name="body" value="" disabled>"#),
        "with script the editor posts through a field it enables"
    );
    let mut document = editor_document_of(&form_html);
    let blocks = document["content"].as_array_mut().expect("blocks");
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[1]["type"], "paragraph");
    blocks[1]["content"] = serde_json::json!([{"type": "text", "text": "edited"}]);
    let edited = document.to_string();

    let (status, _, _) = post_form(
        &app,
        &browser,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Macros"),
            ("body_format", "editor-json"),
            ("body", &edited),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        stored_body(&app, &id).await,
        format!("{MACROS}<p>edited</p>{GADGET}")
    );

    // A document the editor could not have sent: a sentence, and the document comes back.
    let invalid = r#"{"type":"doc","content":[{"type":"paragraph"},{"type":"mystery"}]}"#;
    let (status, _, page) = post_form(
        &app,
        &browser,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "2"),
            ("title", "Macros"),
            ("body_format", "editor-json"),
            ("body", invalid),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Your changes were not saved") && page.contains("block 2 of the page"),
        "{page}"
    );
    assert!(page.contains("mystery"), "the document sent is shown again");
    assert!(
        !page.contains("not valid JSON") && !page.contains("expected"),
        "no parser words"
    );

    // Storage that does not parse: line and column, in words; the text stays.
    let (status, _, page) = post_form(
        &app,
        &browser,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "2"),
            ("title", "Macros"),
            ("body", "<p>one</p>\n<p>two <em>three</p>"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("line 2, column 17") && page.contains("&lt;em&gt; must be closed first"),
        "{page}"
    );
    assert!(
        page.contains("two &lt;em&gt;three"),
        "the typed storage comes back"
    );

    // A stale editor save converts against the version it started from and is merged with the
    // newer version (here they made the same change), never published over it: it comes back as
    // a conflict carrying what the merge was built from, and saves on a second, deliberate, try.
    let (status, _, conflict) = post_form(
        &app,
        &browser,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Macros"),
            ("body_format", "editor-json"),
            ("body", &edited),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(conflict.contains("published version 2"), "{conflict}");
    assert!(conflict.contains("name=\"originalVersion\" value=\"2\""));
    assert!(conflict.contains("name=\"editor_original\""));
    let again = editor_document_of(&conflict).to_string();
    let (status, _, _) = post_form(
        &app,
        &browser,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "2"),
            ("title", "Macros"),
            ("body_format", "editor-json"),
            ("body", &again),
            ("editor_original", &format!("{MACROS}<p>edited</p>{GADGET}")),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        stored_body(&app, &id).await,
        format!("{MACROS}<p>edited</p>{GADGET}")
    );

    // The source mode is the textarea alone.
    let source = browser
        .get(app.url(&format!("/pages/editpage.action?pageId={id}&source=true")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(!source.contains("data-cairn-editor") && source.contains("Use the visual editor"));
    app.stop().await;
}

async fn the_create_form_places_and_labels_a_new_page(db: TestDb) {
    let app = TestApp::start(db).await;
    let browser = logged_in(&app).await;
    create_space(&app, &browser, "ONE").await;
    create_space(&app, &browser, "TWO").await;
    let (_, location, _) = post_form(
        &app,
        &browser,
        "/pages/createpage.action",
        &[
            ("spaceKey", "ONE"),
            ("type", "page"),
            ("title", "Parent"),
            ("body", "<p>p</p>"),
        ],
    )
    .await;
    let parent = location.rsplit('=').next().expect("id").to_string();
    let form_html = browser
        .get(app.url(&format!(
            "/pages/createpage.action?spaceKey=ONE&fromPageId={parent}"
        )))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(
        form_html.contains(&format!(
            "<option value=\"{parent}\" selected>Parent</option>"
        )),
        "{form_html}"
    );
    assert!(
        form_html.contains("<option value=\"TWO\">"),
        "other spaces are offered"
    );
    assert!(form_html.contains("data-cairn-editor"));

    let document = r#"{"type":"doc","content":[{"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Hi"}]}]}"#;
    let (status, location, _) = post_form(
        &app,
        &browser,
        "/pages/createpage.action",
        &[
            ("spaceKey", "ONE"),
            ("type", "page"),
            ("parentId", &parent),
            ("title", "Child"),
            ("labels", "ops, release"),
            ("body_format", "editor-json"),
            ("body", document),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let child = location.rsplit('=').next().expect("id").to_string();
    assert_eq!(stored_body(&app, &child).await, "<h2>Hi</h2>");
    let content: Value = app
        .admin()
        .get(app.url(&format!(
            "/rest/api/content/{child}?expand=ancestors,metadata.labels"
        )))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        content["ancestors"][0]["id"].as_str(),
        Some(parent.as_str())
    );
    let labels: Vec<&str> = content["metadata"]["labels"]["results"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|label| label["name"].as_str())
        .collect();
    assert_eq!(labels.len(), 2, "{labels:?}");

    // A parent in another space than the one chosen: the form comes back for that space.
    let (status, _, page) = post_form(
        &app,
        &browser,
        "/pages/createpage.action",
        &[
            ("spaceKey", "TWO"),
            ("type", "page"),
            ("parentId", &parent),
            ("title", "Lost"),
            ("body", "<p>kept text</p>"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("is in another space"), "{page}");
    assert!(page.contains("kept text") && page.contains("value=\"Lost\""));
    app.stop().await;
}

async fn the_editor_bundle_is_served_fingerprinted_and_cacheable(db: TestDb) {
    let app = TestApp::start(db).await;
    let browser = logged_in(&app).await;
    for (path, content_type) in [
        ("/assets/editor/editor.js", "text/javascript; charset=utf-8"),
        ("/assets/editor/editor.css", "text/css; charset=utf-8"),
    ] {
        let response = browser.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], content_type);
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "a session cookie does not make the bundle private"
        );
        let etag = response.headers()["etag"]
            .to_str()
            .expect("ascii")
            .to_string();
        let again = browser
            .get(app.url(path))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    app.stop().await;
}
