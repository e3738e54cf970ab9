//! Exporting pages and spaces as documents over HTTP: a page as Word-compatible HTML
//! (`/exportword?pageId=N`) and as Markdown (`/rest/cairn/1/export/markdown/{id}`), a space as a
//! static HTML site (a long task, `POST /rest/cairn/1/export/html/{key}`, and its screen) and as
//! one PDF (`/rest/cairn/1/export/pdf/{key}`, and its screen). Each holds only what the caller
//! may see.

use std::io::Read;
use std::time::{Duration, Instant};

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space};

every_dialect!(
    a_space_exports_as_a_static_site_of_what_the_user_may_see,
    a_page_exports_as_word_and_as_markdown,
    a_space_exports_as_one_pdf_in_tree_order,
);

const READER: &str = "reader";
const READER_PASSWORD: &str = "reader-password-1";
const IMAGE_BYTES: &[u8] = b"\x89PNG\r\n\x1a\n not really an image, but bytes to find";

/// Sets the body of page `id` (at version 1) to `body`.
async fn set_body(app: &TestApp, id: &str, title: &str, body: &str) {
    let (status, saved) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&json!({
                "type": "page", "title": title, "version": {"number": 2},
                "body": {"storage": {"value": body, "representation": "storage"}},
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
}

/// A page only the administrator may read, with a child below it; answers both ids.
async fn restricted_pages(app: &TestApp, space: &str) -> (String, String) {
    let secret = create_page(app, space, "Secret plans", None).await;
    let below = create_page(app, space, "Below the secret", Some(&secret)).await;
    let (status, answer) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{secret}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [{"type": "known", "username": "admin"}]}}])),
    )
    .await;
    assert!(status.is_success(), "{answer}");
    (secret, below)
}

async fn attach(app: &TestApp, page: &str, name: &str, bytes: &[u8]) {
    let form = Form::new().part(
        "file",
        Part::bytes(bytes.to_vec())
            .file_name(name.to_string())
            .mime_str("image/png")
            .expect("media type"),
    );
    let (status, uploaded) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
}

/// Every entry of a zip, by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut entries = std::collections::BTreeMap::new();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("an entry");
        let name = file.name().expect("a file name").to_string();
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("read");
        entries.insert(name, content);
    }
    entries
}

fn text(entries: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> String {
    let bytes = entries
        .get(name)
        .unwrap_or_else(|| panic!("{name} in {:?}", entries.keys().collect::<Vec<_>>()));
    String::from_utf8(bytes.clone()).expect("utf-8")
}

/// Starts a site export as `client`, waits for it, and downloads the zip.
async fn exported_site(app: &TestApp, client: &reqwest::Client, key: &str) -> (Value, Vec<u8>) {
    let (status, started) =
        call(client.post(app.url(&format!("/rest/cairn/1/export/html/{key}")))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let status_link = started["links"]["status"].as_str().expect("status link");
    let download = started["links"]["download"]
        .as_str()
        .expect("download link")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        let (_, task) = call(client.get(app.url(status_link))).await;
        if task["finished"] == true {
            break task;
        }
        assert!(Instant::now() < deadline, "the export finishes: {task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(task["successful"], true, "{task}");
    let response = client.get(app.url(&download)).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/zip"
    );
    // The administrator may export the space too, but this export is the reader's.
    let (status, _) = call(app.admin().get(app.url(&download))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another user's site export");
    (task, response.bytes().await.expect("the zip").to_vec())
}

async fn a_space_exports_as_a_static_site_of_what_the_user_may_see(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user(READER, READER_PASSWORD).await;
    create_space(&app, "SITE").await;
    let guide = create_page(&app, "SITE", "Guide", None).await;
    let install = create_page(&app, "SITE", "Install, then run", Some(&guide)).await;
    attach(&app, &guide, "diagram one.png", IMAGE_BYTES).await;
    set_body(
        &app,
        &guide,
        "Guide",
        "<p>Start with <ac:link><ri:page ri:content-title=\"Install, then run\" /></ac:link>.</p>\
         <p><ac:image><ri:attachment ri:filename=\"diagram one.png\" /></ac:image></p>\
         <p><ac:link><ri:attachment ri:filename=\"diagram one.png\" /></ac:link></p>",
    )
    .await;
    let (secret, below) = restricted_pages(&app, "SITE").await;

    let reader = app.client_as(READER, READER_PASSWORD);
    let (task, zip) = exported_site(&app, &reader, "SITE").await;
    let entries = unzip(&zip);

    let index = text(&entries, "index.html");
    assert!(index.contains("<meta charset=\"utf-8\">"), "{index}");
    assert!(
        index.contains(&format!(
            "<a href=\"{guide}.html\">Guide</a><ul>\n<li><a href=\"{install}.html\">Install, then run</a>"
        )),
        "the tree nests the child below its parent: {index}"
    );
    assert!(entries.contains_key("style.css"));
    let guide_html = text(&entries, &format!("{guide}.html"));
    assert!(
        guide_html.contains(&format!("href=\"{install}.html\"")),
        "a link to a page of the space is relative: {guide_html}"
    );
    assert!(
        guide_html.contains(&format!("src=\"attachments/{guide}/diagram%20one.png\"")),
        "an image of the page's attachment points into the zip: {guide_html}"
    );
    assert!(guide_html.contains("href=\"style.css\""));
    let install_html = text(&entries, &format!("{install}.html"));
    assert!(
        install_html.contains(&format!("<a href=\"{guide}.html\">Guide</a>")),
        "the breadcrumbs lead back to the parent: {install_html}"
    );
    assert_eq!(
        entries
            .get(&format!("attachments/{guide}/diagram one.png"))
            .map(Vec::as_slice),
        Some(IMAGE_BYTES),
        "the attachment's bytes are in the zip"
    );
    // What the reader may not see is not in their site, not even by name.
    for hidden in [&secret, &below] {
        assert!(!entries.contains_key(&format!("{hidden}.html")), "{hidden}");
    }
    assert!(!index.contains("Secret plans") && !index.contains("Below the secret"));
    assert!(task.to_string().contains("attachments: 1"), "{task}");

    // The administrator's site holds the restricted pages.
    let (_, started) = call(app.admin().post(app.url("/rest/cairn/1/export/html/SITE"))).await;
    let admin_task = started["id"].as_str().expect("task").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, task) = call(
            app.admin()
                .get(app.url(&format!("/rest/api/longtask/{admin_task}"))),
        )
        .await;
        if task["finished"] == true {
            assert_eq!(task["successful"], true, "{task}");
            break;
        }
        assert!(Instant::now() < deadline, "the export finishes: {task}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = app
        .admin()
        .get(app.url(&format!("/rest/cairn/1/export/html/SITE/{admin_task}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let entries = unzip(&response.bytes().await.expect("zip"));
    assert!(entries.contains_key(&format!("{secret}.html")));
    assert!(text(&entries, "index.html").contains(&format!(
        "<a href=\"{secret}.html\">Secret plans</a><ul>\n<li><a href=\"{below}.html\">"
    )));

    // The XML export screen leads to the other formats.
    let xml_screen = app
        .admin()
        .get(app.url("/spaces/exportspacexml.action?key=SITE"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(xml_screen.contains("href=\"/spaces/exportspacehtml.action?key=SITE\""));
    assert!(xml_screen.contains("href=\"/spaces/flyingpdf/flyingpdf.action?key=SITE\""));

    // The screen starts an export and shows it; bad input gets a clear answer.
    let task_id = task["id"].as_str().expect("task id");
    let screen = reader
        .get(app.url(&format!(
            "/spaces/exportspacehtml.action?key=SITE&taskId={task_id}"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    let screen = screen.text().await.expect("html");
    assert!(screen.contains("Export space to HTML"), "{screen}");
    assert!(
        screen.contains(&format!(
            "href=\"/rest/cairn/1/export/html/SITE/{task_id}\""
        )),
        "the reader's finished export offers its download: {screen}"
    );
    let started = reader
        .post(app.url("/spaces/exportspacehtml.action?key=SITE"))
        .header("origin", app.url(""))
        .form(&[("go", "1")])
        .send()
        .await
        .expect("sent");
    assert!(started.status().is_success(), "{}", started.status());
    assert!(
        started.url().as_str().contains("taskId="),
        "the form shows the task it started: {}",
        started.url()
    );
    let status = reader
        .get(app.url("/spaces/exportspacehtml.action"))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(reader.post(app.url("/rest/cairn/1/export/html/NOPE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(reader.get(app.url("/rest/cairn/1/export/html/SITE/x1"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn a_page_exports_as_word_and_as_markdown(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user(READER, READER_PASSWORD).await;
    create_space(&app, "DOCS").await;
    let page = create_page(&app, "DOCS", "Release notes", None).await;
    let body = "<h2>Steps</h2><p>Run <strong>cairn</strong> now</p><ul><li>one</li></ul>";
    set_body(&app, &page, "Release notes", body).await;
    let (secret, _) = restricted_pages(&app, "DOCS").await;
    let reader = app.client_as(READER, READER_PASSWORD);

    let response = reader
        .get(app.url(&format!("/exportword?pageId={page}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/msword"
    );
    assert_eq!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("disposition"),
        "attachment; filename*=UTF-8''Release%20notes.doc"
    );
    let word = response.text().await.expect("html");
    assert!(word.contains("<meta charset=\"utf-8\">"), "{word}");
    assert!(word.contains("<h1>Release notes</h1>"), "{word}");
    assert!(word.contains("<h2"), "{word}");
    assert!(word.contains("<strong>cairn</strong> now"), "{word}");

    let response = reader
        .get(app.url(&format!("/rest/cairn/1/export/markdown/{page}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "text/markdown; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("disposition")
            .ends_with("Release%20notes.md")
    );
    let markdown = response.text().await.expect("markdown");
    let document = cairn_format::parse(body).expect("parses");
    let expected = format!(
        "# Release notes\n\n{}",
        cairn_format::storage_to_markdown(&document, &cairn_format::NoContext).trim_start()
    );
    assert_eq!(markdown, expected);
    assert!(markdown.contains("**cairn**"), "{markdown}");

    // Bad input and pages the reader may not see.
    for (path, wanted) in [
        ("/exportword".to_string(), StatusCode::BAD_REQUEST),
        (
            "/exportword?pageId=abc".to_string(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/exportword?pageId=99999999".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/exportword?pageId={secret}"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/rest/cairn/1/export/markdown/abc".to_string(),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/rest/cairn/1/export/markdown/{secret}"),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = call(reader.get(app.url(&path))).await;
        assert_eq!(status, wanted, "{path}: {answer}");
    }
    let anonymous = cairn_testkit::anonymous_client();
    let (status, _) = call(anonymous.get(app.url(&format!("/exportword?pageId={page}")))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The page view offers the three exports.
    let view = reader
        .get(app.url(&format!("/pages/viewpage.action?pageId={page}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    for link in [
        format!("/exportword?pageId={page}"),
        format!("/rest/cairn/1/export/markdown/{page}"),
        format!("/spaces/flyingpdf/pdfpageexport.action?pageId={page}"),
        // The reader holds EXPORTSPACE (new spaces give it to every signed-in user): the sidebar
        // offers the space's exports too.
        "/spaces/exportspacehtml.action?key=DOCS".to_string(),
        "/spaces/flyingpdf/flyingpdf.action?key=DOCS".to_string(),
    ] {
        assert!(view.contains(&link), "{link} on the page view");
    }
    app.stop().await;
}

async fn a_space_exports_as_one_pdf_in_tree_order(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user(READER, READER_PASSWORD).await;
    create_space(&app, "BOOK").await;
    let first = create_page(&app, "BOOK", "Alpha chapter", None).await;
    create_page(&app, "BOOK", "Alpha section", Some(&first)).await;
    let second = create_page(&app, "BOOK", "Beta chapter", None).await;
    set_body(&app, &second, "Beta chapter", "<p>Beta body text</p>").await;
    restricted_pages(&app, "BOOK").await;
    let reader = app.client_as(READER, READER_PASSWORD);

    let response = reader
        .get(app.url("/rest/cairn/1/export/pdf/BOOK"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    let pdf = response.bytes().await.expect("pdf");
    let shown = cairn_format::pdf_text(&pdf);
    assert!(shown.contains("Contents"), "{shown}");
    assert!(shown.contains("Beta body text"), "{shown}");
    // After the contents, each page in tree order: a parent, its child, then the next root.
    // The first mention of a title is its contents line; the pages follow the contents.
    let body_start = shown
        .match_indices("Alpha chapter")
        .nth(1)
        .map(|(at, _)| at)
        .expect("the page after the contents");
    let order: Vec<Option<usize>> = ["Alpha chapter", "Alpha section", "Beta chapter"]
        .iter()
        .map(|title| shown[body_start..].find(title))
        .collect();
    assert!(
        order.iter().all(Option::is_some) && order.windows(2).all(|pair| pair[0] < pair[1]),
        "{order:?} in {shown}"
    );
    assert!(!shown.contains("Secret plans") && !shown.contains("Below the secret"));
    let admin_pdf = app
        .admin()
        .get(app.url("/rest/cairn/1/export/pdf/BOOK"))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("pdf");
    assert!(cairn_format::pdf_text(&admin_pdf).contains("Secret plans"));

    let (status, _) = call(reader.get(app.url("/rest/cairn/1/export/pdf/NOPE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let screen = reader
        .get(app.url("/spaces/flyingpdf/flyingpdf.action?key=BOOK"))
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    assert!(
        screen
            .text()
            .await
            .expect("html")
            .contains("href=\"/rest/cairn/1/export/pdf/BOOK\"")
    );
    let status = reader
        .get(app.url("/spaces/flyingpdf/flyingpdf.action"))
        .send()
        .await
        .expect("sent")
        .status();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
