//! What keeps an edit from being lost: drafts saved while typing and offered again, edits that
//! crossed a newer version merged instead of published over it, and the editor's helper routes
//! (people to @mention, pasted content cleaned).

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

every_dialect!(
    a_draft_is_kept_offered_again_and_discarded,
    a_new_page_draft_is_unpublished_until_published,
    a_mention_shows_the_name_and_leads_to_the_profile,
    edits_of_different_parts_merge_and_publish_both,
    edits_of_the_same_part_ask_and_apply_the_choice,
    the_editor_finds_people_and_cleans_pasted_content
);

const PAGE: &str = "<h1>Plan</h1><p>First part.</p><p>Second part.</p><p>Third part.</p>";

async fn signed_in(app: &TestApp, username: &str, password: &str) -> Client {
    let browser = app.browser();
    let login = browser
        .post(app.url("/login.action"))
        .form(&[("os_username", username), ("os_password", password)])
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    browser
}

/// A space DR with one page holding [`PAGE`]; its id.
async fn page(app: &TestApp) -> String {
    let (status, space) = call(app.admin().post(app.url("/rest/api/space")).json(&json!({
        "key": "DR", "name": "Drafts"
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{space}");
    let (status, page) = call(app.admin().post(app.url("/rest/api/content")).json(&json!({
        "type": "page", "title": "Plan", "space": {"key": "DR"},
        "body": {"storage": {"value": PAGE, "representation": "storage"}}
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["id"].as_str().expect("id").to_string()
}

async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post(
    browser: &Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = browser
        .post(app.url(path))
        .header("origin", app.url(""))
        .form(form)
        .send()
        .await
        .expect("sent");
    (response.status(), response.text().await.expect("body"))
}

async fn get(browser: &Client, app: &TestApp, path: &str) -> String {
    let response = browser.get(app.url(path)).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("body")
}

async fn stored(app: &TestApp, id: &str) -> (String, i64) {
    let (_, content) = call(app.admin().get(app.url(&format!(
        "/rest/api/content/{id}?expand=body.storage,version"
    ))))
    .await;
    (
        content["body"]["storage"]["value"]
            .as_str()
            .expect("storage")
            .to_string(),
        content["version"]["number"].as_i64().expect("number"),
    )
}

/// Someone publishes `body` as the next version through REST, as a script or another editor would.
async fn publish_through_rest(app: &TestApp, id: &str, body: &str) {
    let (_, version) = stored(app, id).await;
    let (status, answer) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&json!({
                "type": "page", "title": "Plan", "version": {"number": version + 1},
                "body": {"storage": {"value": body, "representation": "storage"}}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

/// The value of the hidden input `name` in a form.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = start + html[start..].find('"').expect("attribute end");
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The editor's document in a form (its JSON script block), as posted back unchanged.
fn editor_document(html: &str) -> String {
    let marker = "id=\"cairn-editor-document\">";
    let start = html.find(marker).expect("an editor") + marker.len();
    let end = start + html[start..].find("</script>").expect("script end");
    html[start..end].to_string()
}

async fn a_draft_is_kept_offered_again_and_discarded(db: TestDb) {
    let app = TestApp::start(db).await;
    let id = page(&app).await;
    let browser = signed_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    assert!(form.contains("data-draft-url=\"/pages/savedraft.action\""));
    assert!(!form.contains("Discard draft"), "no draft yet");

    // The autosave posts the form as it is; the answer says when it was kept.
    let typed = PAGE.replace("Second part.", "Second part, half typed");
    let (status, answer) = post(
        &browser,
        &app,
        "/pages/savedraft.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan (draft)"),
            ("body", &typed),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer: Value = serde_json::from_str(&answer).expect("json");
    assert!(
        answer["savedAt"].as_str().is_some_and(|at| !at.is_empty()),
        "{answer}"
    );
    assert_eq!(
        answer["contentId"].as_i64().map(|n| n.to_string()),
        Some(id.clone())
    );

    // Broken storage is refused in words and keeps the last good draft.
    let (status, refused) = post(
        &browser,
        &app,
        "/pages/savedraft.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan"),
            ("body", "<p>open"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("message"), "{refused}");

    // The page itself did not change; the editor opens on the draft, from the version it began.
    assert_eq!(stored(&app, &id).await, (PAGE.to_string(), 1));
    // Through REST, as Confluence: `status=draft` on the published page gives the caller's draft
    // under the page's id; a page without a draft of theirs has none.
    let (status, draft) = call(app.admin().get(app.url(&format!(
        "/rest/api/content/{id}?status=draft&expand=body.storage,version"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["id"].as_str(), Some(id.as_str()), "{draft}");
    assert_eq!(draft["status"], "draft", "{draft}");
    assert_eq!(draft["title"], "Plan (draft)", "{draft}");
    assert_eq!(
        draft["body"]["storage"]["value"].as_str(),
        Some(typed.as_str())
    );
    let (status, current) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{id}?expand=body.storage"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(current["status"], "current");
    assert_eq!(current["body"]["storage"]["value"].as_str(), Some(PAGE));
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    assert!(
        form.contains("your unpublished draft") && form.contains("Discard draft"),
        "{form}"
    );
    assert!(form.contains("half typed") && form.contains("Plan (draft)"));
    assert_eq!(hidden(&form, "originalVersion"), "1");

    // Nobody else sees it.
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/admin/user"))
            .json(&json!({
                "userName": "other", "fullName": "Other Editor", "email": "other@example.test",
                "password": "other-password"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (key, target) in [("read", "space"), ("create", "page")] {
        let (status, granted) = call(
            app.admin()
                .post(app.url("/rest/api/space/DR/permission"))
                .json(&json!({
                    "subject": {"type": "user", "identifier": "other"},
                    "operation": {"key": key, "target": target}
                })),
        )
        .await;
        assert!(status.is_success(), "{granted}");
    }
    let other = signed_in(&app, "other", "other-password").await;
    let theirs = get(&other, &app, &format!("/pages/editpage.action?pageId={id}")).await;
    assert!(!theirs.contains("half typed") && !theirs.contains("Discard draft"));
    let draft_path = format!("/rest/api/content/{id}?status=draft");
    let (status, _) = call(other.get(app.url(&draft_path))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another person's draft is not theirs to read"
    );

    // Discarding it opens the editor on the published page.
    let (status, _) = post(
        &browser,
        &app,
        "/pages/discarddraft.action",
        &[("pageId", &id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    assert!(!form.contains("half typed") && !form.contains("Discard draft"));
    let (status, _) = call(app.admin().get(app.url(&draft_path))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a discarded draft is gone from REST too"
    );

    // Publishing removes the draft it came from.
    let (status, _) = post(
        &browser,
        &app,
        "/pages/savedraft.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan"),
            ("body", &typed),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &browser,
        &app,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan"),
            ("body", &typed),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, &id).await, (typed.clone(), 2));
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    assert!(!form.contains("Discard draft"));
    app.stop().await;
}

async fn edits_of_different_parts_merge_and_publish_both(db: TestDb) {
    let app = TestApp::start(db).await;
    let id = page(&app).await;
    let browser = signed_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    let mut document: Value = serde_json::from_str(&editor_document(&form)).expect("json");
    // I change the third part in the editor while a script changes the first.
    document["content"][3]["content"] = json!([{"type": "text", "text": "Third part, mine."}]);
    publish_through_rest(
        &app,
        &id,
        &PAGE.replace("First part.", "First part, theirs."),
    )
    .await;

    let (status, merged) = post(
        &browser,
        &app,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan"),
            ("body_format", "editor-json"),
            ("body", &document.to_string()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing is published yet");
    assert!(
        merged.contains("published version 2") && merged.contains("merged below"),
        "{merged}"
    );
    assert_eq!(stored(&app, &id).await.1, 2);
    assert_eq!(hidden(&merged, "originalVersion"), "2");
    let original = hidden(&merged, "editor_original");
    assert_eq!(
        original,
        "<h1>Plan</h1><p>First part, theirs.</p><p>Second part.</p><p>Third part, mine.</p>"
    );

    // Saving the merged page as shown publishes it as version 3.
    let (status, _) = post(
        &browser,
        &app,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "2"),
            ("title", "Plan"),
            ("body_format", "editor-json"),
            ("body", &editor_document(&merged)),
            ("editor_original", &original),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, &id).await, (original, 3));
    app.stop().await;
}

async fn edits_of_the_same_part_ask_and_apply_the_choice(db: TestDb) {
    let app = TestApp::start(db).await;
    let id = page(&app).await;
    let browser = signed_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    publish_through_rest(
        &app,
        &id,
        &PAGE
            .replace("Second part.", "Second part, theirs.")
            .replace("<h1>Plan</h1>", "<h1>Their plan</h1>"),
    )
    .await;
    let mine = PAGE
        .replace("Second part.", "Second part, mine.")
        .replace("Third part.", "Third part, mine.");
    let (status, asked) = post(
        &browser,
        &app,
        "/pages/editpage.action",
        &[
            ("pageId", &id),
            ("originalVersion", "1"),
            ("title", "Plan"),
            ("body", &mine),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        asked.contains("Merge your changes") && asked.contains("Change 1 of 1"),
        "{asked}"
    );
    assert!(asked.contains("Second part, theirs.") && asked.contains("Second part, mine."));
    assert!(!asked.contains("name=\"choice_1\""), "one conflict only");
    assert_eq!(stored(&app, &id).await.1, 2, "nothing was published");

    for (choice, expected) in [
        (
            "theirs",
            "<h1>Their plan</h1><p>First part.</p><p>Second part, theirs.</p><p>Third part, mine.</p>",
        ),
        (
            "both",
            "<h1>Their plan</h1><p>First part.</p><p>Second part, theirs.</p><p>Second part, mine.</p><p>Third part, mine.</p>",
        ),
    ] {
        let (status, review) = post(
            &browser,
            &app,
            "/pages/resolveconflict.action",
            &[
                ("pageId", &id),
                ("baseVersion", &hidden(&asked, "baseVersion")),
                ("theirVersion", &hidden(&asked, "theirVersion")),
                ("mine", &hidden(&asked, "mine")),
                ("title", "Plan"),
                ("choice_0", choice),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(review.contains("Your choices are applied"));
        assert_eq!(hidden(&review, "editor_original"), expected, "{choice}");
        assert_eq!(hidden(&review, "originalVersion"), "2");
        assert_eq!(hidden(&review, "title"), "Plan", "nobody renamed the page");
    }
    app.stop().await;
}

async fn the_editor_finds_people_and_cleans_pasted_content(db: TestDb) {
    let app = TestApp::start(db).await;
    for (username, name) in [
        ("zoe", "Zoë Example"),
        ("zoltan", "Zoltan Other"),
        ("ann", "Ann Zed"),
    ] {
        let (status, _) = call(app.admin().post(app.url("/rest/api/admin/user")).json(&json!({
            "userName": username, "fullName": name, "email": format!("{username}@example.test"),
            "password": "a-long-password"
        })))
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = call(
        app.admin()
            .put(app.url("/rest/api/admin/user/zoltan/disable")),
    )
    .await;
    assert!(status.is_success());
    let (status, found) = call(
        app.admin()
            .get(app.url("/rest/cairn/1/editor/users?query=ZO")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|user| user["username"].as_str().expect("username"))
        .collect();
    assert_eq!(names, ["zoe"], "active users only, by name: {found}");
    assert_eq!(found["results"][0]["displayName"], "Zoë Example");
    assert_eq!(
        found["results"][0]["userKey"].as_str().map(str::len),
        Some(32)
    );
    assert!(found["results"][0].get("email").is_none());
    let (_, by_display) = call(
        app.admin()
            .get(app.url("/rest/cairn/1/editor/users?query=zed")),
    )
    .await;
    assert_eq!(by_display["results"][0]["username"], "ann");
    let (_, pattern) = call(
        app.admin()
            .get(app.url("/rest/cairn/1/editor/users?query=%25")),
    )
    .await;
    assert_eq!(
        pattern["results"],
        json!([]),
        "% is a character, not a wildcard"
    );
    for bad in [
        "limit=0",
        "limit=21",
        "limit=x",
        &format!("query={}", "a".repeat(101)),
    ] {
        let (status, _) = call(
            app.admin()
                .get(app.url(&format!("/rest/cairn/1/editor/users?{bad}"))),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    let word = "<html><body><p class=\"MsoTitle\" style=\"mso-line-height: 12pt\"><o:p></o:p>Report</p>\
        <h2 style=\"mso-bidi-font-weight:normal\">Results</h2><p onclick=\"evil()\">Done <b>well</b></p>\
        <script>alert(1)</script></body></html>";
    let (status, pasted) = call(
        app.admin()
            .post(app.url("/rest/cairn/1/editor/paste"))
            .json(&json!({
                "format": "html", "value": word
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pasted}");
    let storage = pasted["storage"].as_str().expect("storage");
    assert!(
        storage.contains("<h2>Results</h2>") && storage.contains("<strong>well</strong>"),
        "{storage}"
    );
    for gone in ["mso", "script", "onclick", "o:p", "alert"] {
        assert!(!storage.contains(gone), "{gone} in {storage}");
    }
    assert_eq!(pasted["document"]["type"], "doc");

    let (status, markdown) = call(
        app.admin()
            .post(app.url("/rest/cairn/1/editor/paste"))
            .json(&json!({
                "format": "markdown", "value": "## Steps\n\n- one\n- **two**\n"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let types: Vec<&str> = markdown["document"]["content"]
        .as_array()
        .expect("blocks")
        .iter()
        .map(|block| block["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, ["heading", "bulletList"], "{markdown}");

    let (status, refused) = call(
        app.admin()
            .post(app.url("/rest/cairn/1/editor/paste"))
            .json(&json!({
                "format": "rtf", "value": "{\\rtf1}"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("html or markdown"))
    );
    let (status, _) =
        call(cairn_testkit::anonymous_client().get(app.url("/rest/cairn/1/editor/users?query=zo")))
            .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}

async fn a_new_page_draft_is_unpublished_until_published(db: TestDb) {
    let app = TestApp::start(db).await;
    page(&app).await;
    let browser = signed_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let form = get(&browser, &app, "/pages/createpage.action?spaceKey=DR").await;
    assert_eq!(
        hidden(&form, "draftId"),
        "",
        "no draft before the first autosave"
    );

    let draft_form = |draft_id: &str, title: &str, body: &str| {
        vec![
            ("spaceKey".to_string(), "DR".to_string()),
            ("type".to_string(), "page".to_string()),
            ("draftId".to_string(), draft_id.to_string()),
            ("title".to_string(), title.to_string()),
            ("body".to_string(), body.to_string()),
        ]
    };
    let send = |fields: Vec<(String, String)>, path: &'static str| {
        let browser = browser.clone();
        let url = app.url(path);
        let origin = app.url("");
        async move {
            let response = browser
                .post(url)
                .header("origin", origin)
                .form(&fields)
                .send()
                .await
                .expect("sent");
            (response.status(), response.text().await.expect("body"))
        }
    };
    let (status, untitled) = send(draft_form("", "", "<p>x</p>"), "/pages/savedraft.action").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(untitled.contains("title first"), "{untitled}");

    let (status, first) = send(
        draft_form("", "Ideas", "<p>one</p>"),
        "/pages/savedraft.action",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let first: Value = serde_json::from_str(&first).expect("json");
    let draft_id = first["draftId"].as_i64().expect("draftId").to_string();
    // The editor attaches images to the draft before it is published: its author may, nobody else.
    let upload = |client: Client| {
        let url = app.url(&format!("/rest/api/content/{draft_id}/child/attachment"));
        async move {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(b"png bytes".to_vec()).file_name("early.png"),
            );
            client
                .post(url)
                .header("X-Atlassian-Token", "no-check")
                .multipart(form)
                .send()
                .await
                .expect("sent")
                .status()
        }
    };
    assert_eq!(upload(app.admin()).await, StatusCode::OK);
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/admin/user"))
            .json(&json!({
                "userName": "other", "fullName": "Other", "email": "other@example.test",
                "password": "other-password"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let other = reqwest::Client::builder().build().expect("client");
    let other_upload = other
        .post(app.url(&format!("/rest/api/content/{draft_id}/child/attachment")))
        .basic_auth("other", Some("other-password"))
        .header("X-Atlassian-Token", "no-check")
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("theirs.png"),
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        other_upload.status(),
        StatusCode::NOT_FOUND,
        "someone else's draft is not there"
    );
    let (status, _) = send(
        draft_form(&draft_id, "Ideas", "<p>one</p><p>two</p>"),
        "/pages/savedraft.action",
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // Unpublished: not in the space, not readable by REST for others; the dashboard lists it for its author.
    let (_, listed) = call(
        app.admin()
            .get(app.url("/rest/api/content?spaceKey=DR&type=page")),
    )
    .await;
    assert!(
        !listed.to_string().contains("Ideas") && listed["size"] == 2,
        "the home page and Plan only: {listed}"
    );
    let dashboard = get(&browser, &app, "/dashboard.action").await;
    assert!(
        dashboard.contains("Your drafts")
            && dashboard.contains(&format!("resumedraft.action?draftId={draft_id}"))
    );

    // Resumed: the create form on the draft, with its text; publishing makes it the page.
    let resumed = get(
        &browser,
        &app,
        &format!("/pages/resumedraft.action?draftId={draft_id}"),
    )
    .await;
    assert_eq!(hidden(&resumed, "draftId"), draft_id);
    assert!(
        resumed.contains("unpublished draft") && resumed.contains("two"),
        "{resumed}"
    );
    let mut publish = draft_form(&draft_id, "Ideas", "<p>one</p><p>two</p><p>three</p>");
    publish.push(("labels".to_string(), "brainstorm".to_string()));
    let (status, _) = send(publish, "/pages/createpage.action").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (body, version) = stored(&app, &draft_id).await;
    assert_eq!(
        (body.as_str(), version),
        ("<p>one</p><p>two</p><p>three</p>", 1)
    );
    let (_, labels) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{draft_id}/label"))),
    )
    .await;
    assert_eq!(labels["results"][0]["name"], "brainstorm");
    let dashboard = get(&browser, &app, "/dashboard.action").await;
    assert!(!dashboard.contains("Your drafts"));

    // A second draft, discarded, is gone.
    let (_, second) = send(
        draft_form("", "Scratch", "<p>s</p>"),
        "/pages/savedraft.action",
    )
    .await;
    let second: Value = serde_json::from_str(&second).expect("json");
    let second_id = second["draftId"].as_i64().expect("draftId").to_string();
    let (status, _) = send(
        vec![("draftId".to_string(), second_id.clone())],
        "/pages/discarddraft.action",
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let response = browser
        .get(app.url(&format!("/pages/resumedraft.action?draftId={second_id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn a_mention_shows_the_name_and_leads_to_the_profile(db: TestDb) {
    let app = TestApp::start(db).await;
    let (status, zoe) = call(
        app.admin()
            .post(app.url("/rest/api/admin/user"))
            .json(&json!({
                "userName": "zoe", "fullName": "Zoë Example", "email": "zoe@example.test",
                "password": "a-long-password"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{zoe}");
    let key = zoe["userKey"].as_str().expect("userKey").to_string();
    let id = page(&app).await;
    let body = format!(
        "<p>Ask <ac:link><ri:user ri:userkey=\"{key}\"/></ac:link> or <ac:link><ri:user ri:username=\"Admin\"/></ac:link>.</p>"
    );
    publish_through_rest(&app, &id, &body).await;

    let browser = signed_in(&app, ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let view = get(
        &browser,
        &app,
        &format!("/pages/viewpage.action?pageId={id}"),
    )
    .await;
    assert!(
        view.contains("Zoë Example") && view.contains("href=\"/display/~zoe\""),
        "{view}"
    );
    assert!(!view.contains("unknown user"));
    let (_, rest) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{id}?expand=body.view"))),
    )
    .await;
    assert!(
        rest["body"]["view"]["value"]
            .as_str()
            .is_some_and(|html| html.contains("Zoë Example"))
    );

    // The editor names the person too (display only; the key is what is saved).
    let form = get(
        &browser,
        &app,
        &format!("/pages/editpage.action?pageId={id}"),
    )
    .await;
    assert!(
        editor_document(&form).contains("\"label\":\"Zoë Example\""),
        "{form}"
    );

    // The profile, at the mention's address and Confluence's: the email only for its owner and administrators.
    let profile = get(&browser, &app, "/display/~zoe").await;
    assert!(profile.contains("Zoë Example") && profile.contains("zoe@example.test"));
    let zoe_browser = signed_in(&app, "zoe", "a-long-password").await;
    let seen_by_zoe = get(
        &zoe_browser,
        &app,
        "/users/viewuserprofile.action?username=admin",
    )
    .await;
    assert!(seen_by_zoe.contains("@admin") && !seen_by_zoe.contains("Edit this user"));
    assert!(
        !seen_by_zoe.contains("admin@"),
        "someone else's email is not shown"
    );
    let missing = browser
        .get(app.url("/display/~nobody"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
