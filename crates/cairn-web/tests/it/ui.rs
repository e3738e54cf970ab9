//! The server-rendered UI, driven with forms and a cookie jar as a browser would.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::{Client, StatusCode};

every_dialect!(
    write_and_read_pages_through_the_ui,
    restrictions_and_space_permissions_through_the_ui,
    only_what_the_viewer_may_do_is_offered_and_the_trash_asks_first,
    restoring_an_old_version_asks_first
);

async fn logged_in(app: &TestApp) -> Client {
    logged_in_as(app, ADMIN_USERNAME, ADMIN_PASSWORD).await
}

async fn logged_in_as(app: &TestApp, username: &str, password: &str) -> Client {
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

async fn page_text(client: &Client, url: String) -> (StatusCode, String) {
    let response = client.get(url).send().await.expect("sent");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string()
}

async fn write_and_read_pages_through_the_ui(db: TestDb) {
    let app = TestApp::start(db).await;
    let browser = logged_in(&app).await;

    let created = browser
        .post(app.url("/spaces/createspace.action"))
        .form(&[
            ("name", "Team Space"),
            ("key", "team"),
            ("description", "Our <team>"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&created), "/display/TEAM");
    let (status, home) = page_text(&browser, app.url("/display/TEAM")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.starts_with("<!DOCTYPE html>"));
    assert!(home.contains("Team Space Home"));

    let (status, dashboard) = page_text(&browser, app.url("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        dashboard.contains("Team Space") && dashboard.contains("Our &lt;team&gt;"),
        "escaped: {dashboard}"
    );

    let new_page = browser
        .post(app.url("/pages/createpage.action"))
        .form(&[
            ("spaceKey", "TEAM"),
            ("type", "page"),
            ("title", "Release Notes"),
            ("body", "<p>first <strong>draft</strong></p>"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(new_page.status(), StatusCode::SEE_OTHER);
    let view_path = location(&new_page);
    assert!(
        view_path.starts_with("/pages/viewpage.action?pageId="),
        "{view_path}"
    );
    let page_id = view_path.rsplit('=').next().expect("id").to_string();
    let (status, view) = page_text(&browser, app.url(&view_path)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(view.contains("Release Notes"));
    let (status, by_title) = page_text(&browser, app.url("/display/TEAM/Release+Notes")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(by_title.contains(&format!("pageId={page_id}")));

    let (status, form) = page_text(
        &browser,
        app.url(&format!("/pages/editpage.action?pageId={page_id}")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("name=\"originalVersion\" value=\"1\""));
    let saved = browser
        .post(app.url("/pages/editpage.action"))
        .form(&[
            ("pageId", page_id.as_str()),
            ("originalVersion", "1"),
            ("title", "Release Notes"),
            ("body", "<p>second</p>"),
            ("message", "tidy up"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    // A second editor who started from version 1 changed the same paragraph: nothing is
    // overwritten; they are asked to choose, and their text is there to choose.
    let stale = browser
        .post(app.url("/pages/editpage.action"))
        .form(&[
            ("pageId", page_id.as_str()),
            ("originalVersion", "1"),
            ("title", "Release Notes"),
            ("body", "<p>my precious edit</p>"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let stale_text = stale.text().await.expect("body");
    assert!(
        stale_text.contains("my precious edit"),
        "the author's text comes back"
    );
    assert!(
        stale_text.contains("published version 2") && stale_text.contains("Merge your changes"),
        "{stale_text}"
    );

    let (status, history) = page_text(
        &browser,
        app.url(&format!(
            "/pages/viewpreviousversions.action?pageId={page_id}"
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        history.contains("tidy up") && history.contains("v1") && history.contains("v2 (current)")
            || history.contains("v2</a> (current)")
    );
    let (status, old) = page_text(
        &browser,
        app.url(&format!(
            "/pages/viewpage.action?pageId={page_id}&pageVersion=1"
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(old.contains("old version") && old.contains("draft"));

    let restore = browser
        .post(app.url(&format!(
            "/pages/revertpagebacktoversion.action?pageId={page_id}&version=1"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(restore.status(), StatusCode::SEE_OTHER);
    let (_, restored) = page_text(
        &browser,
        app.url(&format!("/pages/viewpage.action?pageId={page_id}")),
    )
    .await;
    assert!(
        restored.contains("Version 3"),
        "restoring makes a new version"
    );

    let (status, found) =
        page_text(&browser, app.url("/dosearchsite.action?queryString=draft")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found.contains("1 result for") && found.contains(&format!("pageId={page_id}")),
        "the restored draft is found"
    );
    assert!(
        found.contains("<mark>"),
        "matched words are highlighted in the excerpt"
    );
    let (_, filtered_out) = page_text(
        &browser,
        app.url("/dosearchsite.action?queryString=draft&type=blogpost"),
    )
    .await;
    assert!(
        filtered_out.contains("0 results"),
        "the type filter applies"
    );
    let (_, filtered_in) = page_text(
        &browser,
        app.url("/dosearchsite.action?queryString=draft&type=page&lastModified=day"),
    )
    .await;
    assert!(
        filtered_in.contains("1 result for"),
        "page type and modified today keep the page"
    );
    let (_, nothing) = page_text(
        &browser,
        app.url("/dosearchsite.action?queryString=zyzzyva"),
    )
    .await;
    assert!(nothing.contains("0 results"));

    let tiny = browser.get(app.url("/x/AQAB")).send().await.expect("sent");
    assert_eq!(tiny.status(), StatusCode::SEE_OTHER);
    let css = browser
        .get(app.url("/static/cairn.css"))
        .send()
        .await
        .expect("sent");
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    let (status, missing) =
        page_text(&browser, app.url("/pages/viewpage.action?pageId=424242")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("does not exist"));
    app.stop().await;
}

async fn restrictions_and_space_permissions_through_the_ui(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("erin", "erin-password-1").await;
    let admin = logged_in(&app).await;
    let erin = logged_in_as(&app, "erin", "erin-password-1").await;
    let created = admin
        .post(app.url("/spaces/createspace.action"))
        .form(&[("name", "Ops"), ("key", "OPS"), ("description", "")])
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let new_page = admin
        .post(app.url("/pages/createpage.action"))
        .form(&[
            ("spaceKey", "OPS"),
            ("type", "page"),
            ("title", "Runbook"),
            ("body", "<p>steps</p>"),
        ])
        .send()
        .await
        .expect("sent");
    let view_path = location(&new_page);
    let id = view_path.rsplit('=').next().expect("id").to_string();
    let form_url = app.url(&format!("/pages/restrictions.action?pageId={id}"));

    let (status, form) = page_text(&admin, form_url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Who can view"));
    let (_, view) = page_text(&admin, app.url(&view_path)).await;
    assert!(view.contains(&format!("/pages/restrictions.action?pageId={id}")));

    // An unknown name: the form comes back with the message and nothing changes.
    let refused = admin
        .post(&form_url)
        .form(&[("readUsers", "admin, nobody-here"), ("readGroups", "")])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(
        refused
            .text()
            .await
            .expect("body")
            .contains("no user nobody-here")
    );
    let (status, _) = page_text(&erin, app.url(&view_path)).await;
    assert_eq!(status, StatusCode::OK);

    // Locking oneself out is refused too.
    let refused = admin
        .post(&form_url)
        .form(&[("readUsers", "erin")])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);

    let saved = admin
        .post(&form_url)
        .form(&[("readUsers", "admin"), ("editUsers", "admin")])
        .send()
        .await
        .expect("sent");
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, form) = page_text(&admin, form_url.clone()).await;
    assert!(form.contains("value=\"admin\""), "{form}");
    let (status, _) = page_text(&erin, app.url(&view_path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page_text(&erin, form_url.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Space permissions: the creator administers, Erin may not even look.
    let permissions_url = app.url("/spaces/spacepermissions.action?key=OPS");
    let (status, grid) = page_text(&admin, permissions_url.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(grid.contains("confluence-users (group)"), "{grid}");
    let (status, _) = page_text(&erin, permissions_url.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = page_text(&admin, app.url("/display/OPS")).await;
    assert!(home.contains("/spaces/spacepermissions.action?key=OPS"));
    let (_, erin_home) = page_text(&erin, app.url("/display/OPS")).await;
    assert!(
        !erin_home.contains("spacepermissions"),
        "no link for non-administrators"
    );

    // Revoking VIEWSPACE from everyone hides the space from Erin; granting it to her brings it back.
    for (change, kind, name) in [
        ("revoke", "group", "confluence-users"),
        ("grant", "user", "erin"),
    ] {
        let changed = admin
            .post(&permissions_url)
            .form(&[
                ("subjectType", kind),
                ("subjectName", name),
                ("permission", "VIEWSPACE"),
                ("change", change),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        let (status, _) = page_text(&erin, app.url("/display/OPS")).await;
        let expected = if change == "revoke" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "after {change}");
    }
    let unknown = admin
        .post(&permissions_url)
        .form(&[
            ("subjectType", "user"),
            ("subjectName", "ghost"),
            ("permission", "VIEWSPACE"),
            ("change", "grant"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}

async fn only_what_the_viewer_may_do_is_offered_and_the_trash_asks_first(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("erin", "erin-password-1").await;
    let admin = logged_in(&app).await;
    let erin = logged_in_as(&app, "erin", "erin-password-1").await;
    let created = admin
        .post(app.url("/spaces/createspace.action"))
        .form(&[("name", "Docs"), ("key", "DOCS"), ("description", "")])
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let mut ids = Vec::new();
    for (title, parent) in [("Runbook", None), ("Step one", Some(0))] {
        let parent_id: String = parent
            .map(|index: usize| ids[index])
            .map_or(String::new(), |id: u64| id.to_string());
        let created = admin
            .post(app.url("/pages/createpage.action"))
            .form(&[
                ("spaceKey", "DOCS"),
                ("type", "page"),
                ("title", title),
                ("parentId", parent_id.as_str()),
                ("body", "<p>steps</p>"),
            ])
            .send()
            .await
            .expect("sent");
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let id: u64 = location(&created)
            .rsplit('=')
            .next()
            .and_then(|id| id.parse().ok())
            .expect("page id");
        ids.push(id);
    }
    let runbook = ids[0];
    let view = app.url(&format!("/pages/viewpage.action?pageId={runbook}"));
    let edit_link = format!("/pages/editpage.action?pageId={runbook}");
    let trash_link = format!("/pages/removepage.action?pageId={runbook}");

    // The skip link comes first, to the content.
    let (status, page) = page_text(&admin, view.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let body = &page[page.find("<body").expect("body")..];
    let first_link = &body[body.find("<a ").expect("a link")..];
    assert!(
        first_link.starts_with("<a class=\"skip-link\" href=\"#content\">"),
        "{first_link}"
    );
    assert!(page.contains("<main class=\"content\" id=\"content\""));
    assert!(page.contains(&edit_link) && page.contains(&trash_link));
    assert!(
        !page.contains("id=\"padlock\""),
        "no padlock on an open page"
    );
    let (_, theirs) = page_text(&erin, view.clone()).await;
    assert!(
        theirs.contains(&edit_link),
        "Erin may edit the space's pages"
    );

    // Only the administrator may edit: Erin no longer sees Edit (nor Restrictions, nor Move).
    let restricted = admin
        .post(app.url(&format!("/pages/restrictions.action?pageId={runbook}")))
        .form(&[("readUsers", ""), ("editUsers", "admin")])
        .send()
        .await
        .expect("sent");
    assert_eq!(restricted.status(), StatusCode::SEE_OTHER);
    let (status, theirs) = page_text(&erin, view.clone()).await;
    assert_eq!(status, StatusCode::OK, "she may still read it");
    assert!(
        !theirs.contains(&edit_link),
        "no Edit for whom may not edit"
    );
    assert!(!theirs.contains(&format!("/pages/restrictions.action?pageId={runbook}")));
    assert!(!theirs.contains(&format!("/pages/movepagedialog.action?pageId={runbook}")));
    let (_, mine) = page_text(&admin, view.clone()).await;
    assert!(mine.contains(&edit_link));
    assert!(
        mine.contains("aria-label=\"Restricted: only some people can edit this page\""),
        "a padlock says the page is restricted: {mine}"
    );
    let child_view = app.url(&format!("/pages/viewpage.action?pageId={}", ids[1]));
    let (_, child) = page_text(&admin, child_view.clone()).await;
    assert!(
        !child.contains("id=\"padlock\""),
        "an edit restriction holds for its page only"
    );
    let restricted = admin
        .post(app.url(&format!("/pages/restrictions.action?pageId={runbook}")))
        .form(&[("readUsers", "admin,erin"), ("editUsers", "admin")])
        .send()
        .await
        .expect("sent");
    assert_eq!(restricted.status(), StatusCode::SEE_OTHER);
    let (_, child) = page_text(&admin, child_view).await;
    assert!(
        child.contains("aria-label=\"Restricted: only some people can view this page\""),
        "a view restriction above holds for the child: {child}"
    );

    // "Move to trash" asks first, saying what happens to the child page; asking changes nothing.
    let (status, confirm) = page_text(&admin, app.url(&trash_link)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        confirm.contains("Move \u{201c}Runbook\u{201d} to the trash?"),
        "{confirm}"
    );
    assert!(confirm.contains("Its child page moves up"), "{confirm}");
    assert!(
        confirm.contains(&format!("action=\"{trash_link}\"")),
        "{confirm}"
    );
    let (status, _) = page_text(&admin, view.clone()).await;
    assert_eq!(status, StatusCode::OK, "still there until confirmed");
    let removed = admin.post(app.url(&trash_link)).send().await.expect("sent");
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    let (status, _) = page_text(&admin, view).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page_text(&admin, app.url(&trash_link)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to ask about");
    app.stop().await;
}

async fn restoring_an_old_version_asks_first(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = logged_in(&app).await;
    let api = app.admin();
    let created = api
        .post(app.url("/rest/api/space"))
        .json(&serde_json::json!({"key": "VER", "name": "Versions"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::OK);
    let page: serde_json::Value = api
        .post(app.url("/rest/api/content"))
        .json(&serde_json::json!({
            "type": "page", "title": "Plan", "space": {"key": "VER"},
            "body": {"storage": {"value": "<p>first plan</p>", "representation": "storage"}}
        }))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let id = page["id"].as_str().expect("id").to_string();
    let updated = api
        .put(app.url(&format!("/rest/api/content/{id}")))
        .json(&serde_json::json!({
            "type": "page", "title": "Plan", "version": {"number": 2},
            "body": {"storage": {"value": "<p>second plan</p>", "representation": "storage"}}
        }))
        .send()
        .await
        .expect("sent");
    assert_eq!(updated.status(), StatusCode::OK);

    let restore = format!("/pages/revertpagebacktoversion.action?pageId={id}&version=1");
    let (_, history) = page_text(
        &admin,
        app.url(&format!("/pages/viewpreviousversions.action?pageId={id}")),
    )
    .await;
    assert!(
        history.contains(&format!("href=\"{}\"", restore.replace('&', "&amp;"))),
        "the history links to the question, not straight to the restore: {history}"
    );
    let (status, question) = page_text(&admin, app.url(&restore)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        question.contains("Restore version 1 of \u{201c}Plan\u{201d}?"),
        "{question}"
    );
    assert!(
        question.contains("becomes the current version, v3")
            && question.contains("the current version, v2, stays in the page history"),
        "{question}"
    );
    let current = |app: &TestApp| {
        let api = app.admin();
        let url = app.url(&format!(
            "/rest/api/content/{id}?expand=body.storage,version"
        ));
        async move {
            let page: serde_json::Value = api
                .get(url)
                .send()
                .await
                .expect("sent")
                .json()
                .await
                .expect("json");
            (
                page["version"]["number"].as_i64().expect("number"),
                page["body"]["storage"]["value"]
                    .as_str()
                    .expect("body")
                    .to_string(),
            )
        }
    };
    assert_eq!(
        current(&app).await,
        (2, "<p>second plan</p>".to_string()),
        "asking changes nothing"
    );
    let restored = admin.post(app.url(&restore)).send().await.expect("sent");
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    assert_eq!(current(&app).await, (3, "<p>first plan</p>".to_string()));
    let (status, _) = page_text(
        &admin,
        app.url(&format!(
            "/pages/revertpagebacktoversion.action?pageId={id}&version=9"
        )),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
