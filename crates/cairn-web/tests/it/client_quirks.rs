//! Behaviour the real clients depend on, found by driving Cairn with them (tests/clients).

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, new_page, new_space};

every_dialect!(
    busy_callers_are_told_when_to_retry,
    root_depth_target_less_moves_and_label_replacement,
    title_lookups_match_like_uniqueness,
    lists_and_errors_suit_the_clients,
    display_links_decode_plus_signs,
    every_confluence_status_can_be_listed,
    a_space_takes_a_new_home_page_and_description,
);

async fn title_lookups_match_like_uniqueness(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (_, readme) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "README", None)),
    )
    .await;
    let (_, padded) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "  Padded title  ",
        None,
    )))
    .await;
    assert_eq!(padded["title"], "Padded title");
    // A script asks whether "readme" exists before creating it: it must hear yes, as creating says.
    let (_, found) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&title=readme&type=page"))).await;
    assert_eq!(found["results"][0]["id"], readme["id"]);
    assert_eq!(
        found["results"][0]["title"], "README",
        "the stored title comes back"
    );
    let (_, found) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&title=++Padded+title++"))).await;
    assert_eq!(found["results"][0]["id"], padded["id"]);
    // Space keys: created upper-case, found in any case.
    let (status, space) = call(admin.get(app.url("/rest/api/space/dev"))).await;
    assert_eq!(
        (status, space["key"].clone()),
        (StatusCode::OK, json!("DEV"))
    );
    app.stop().await;
}

async fn lists_and_errors_suit_the_clients(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (_, parent) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Parent", None)),
    )
    .await;
    let parent_id = parent["id"].as_str().expect("id").to_string();
    for index in 0..30 {
        let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
            "DEV",
            &format!("Kid {index}"),
            Some(&parent_id),
        )))
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    // Without a limit every child of a normal page comes in one answer (clients delete while paging).
    let (_, children) =
        call(admin.get(app.url(&format!("/rest/api/content/{parent_id}/child/page")))).await;
    assert_eq!(
        (children["size"].clone(), children["limit"].clone()),
        (json!(30), json!(200))
    );
    assert!(children["_links"].get("next").is_none());
    let (_, expanded) = call(admin.get(app.url(&format!(
        "/rest/api/content/{parent_id}?expand=children.page"
    ))))
    .await;
    assert_eq!(
        expanded["children"]["page"]["size"], 30,
        "child counts read from the expansion are right"
    );

    // A page body of 3 MiB is fine; beyond the limit the answer is a JSON 413. (The server closes
    // that connection without reading the rest of the body, so the oversized request gets a client
    // of its own.)
    let mut big = new_page("DEV", "Big", None);
    big["body"]["storage"]["value"] = json!(format!("<p>{}</p>", "x".repeat(3 * 1024 * 1024)));
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&big)).await;
    assert_eq!(status, StatusCode::OK);
    let mut too_big = new_page("DEV", "Too big", None);
    too_big["body"]["storage"]["value"] = json!(format!("<p>{}</p>", "x".repeat(33 * 1024 * 1024)));
    // The server may close the connection while the client is still writing the rest of the body;
    // then the client sees a broken pipe instead of the answer, depending on timing. Such an
    // attempt is repeated (a few times at most); the answer, once read, must be the JSON 413.
    let mut answer = None;
    for _ in 0..5 {
        let sent = app
            .admin()
            .post(app.url("/rest/api/content"))
            .json(&too_big)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status();
                let body: serde_json::Value = response.json().await.expect("a JSON error");
                answer = Some((status, body));
                break;
            }
            Err(error) if error.is_request() || error.is_body() => continue,
            Err(error) => panic!("the oversized request failed otherwise: {error}"),
        }
    }
    let (status, error) = answer.expect("the server answered one of the attempts");
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error["statusCode"], 413);

    // Unknown endpoints and wrong methods answer in Confluence's JSON shape too.
    let (status, error) =
        call(admin.get(app.url(&format!("/rest/api/content/{parent_id}/child/folder")))).await;
    assert_eq!(
        (status, error["statusCode"].clone()),
        (StatusCode::NOT_FOUND, json!(404))
    );
    let response = admin
        .patch(app.url("/rest/api/space/DEV"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert!(response.headers().get("allow").is_some());
    // Outside the API an unknown path is a page, not JSON.
    let page = app
        .client_as(ADMIN_USERNAME, ADMIN_PASSWORD)
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    app.stop().await;
}

async fn display_links_decode_plus_signs(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let mut body = new_page("DEV", "C++ tips & tricks", None);
    body["body"]["storage"]["value"] = json!("<p>tips</p>");
    let (_, page) = call(admin.post(app.url("/rest/api/content")).json(&body)).await;
    let webui = page["_links"]["webui"].as_str().expect("webui").to_string();
    assert_eq!(webui, "/display/DEV/C%2B%2B+tips+%26+tricks");
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
    let view = browser.get(app.url(&webui)).send().await.expect("sent");
    assert_eq!(view.status(), StatusCode::OK);
    assert!(
        view.text()
            .await
            .expect("body")
            .contains("C++ tips &amp; tricks")
    );
    app.stop().await;
}

async fn root_depth_target_less_moves_and_label_replacement(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    for key in ["DEV", "OPS"] {
        call(admin.post(app.url("/rest/api/space")).json(&new_space(key))).await;
    }
    let (_, top) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Top", None)),
    )
    .await;
    let top_id = top["id"].as_str().expect("id").to_string();
    let (_, below) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Below",
        Some(&top_id),
    )))
    .await;
    let below_id = below["id"].as_str().expect("id").to_string();

    // atlassian-python-api 5.x: root pages of a space through /rest/api/content?depth=root.
    let (_, roots) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&depth=root&limit=50"))).await;
    let titles: Vec<&str> = roots["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|p| p["title"].as_str().expect("t"))
        .collect();
    assert_eq!(titles, ["DEV space Home", "Top"]);

    // mcp-atlassian: `append` with a space and no target moves to that space's root.
    let response = admin
        .post(app.url(&format!(
            "/pages/movepage.action?spaceKey=OPS&pageId={below_id}&position=append"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, moved) = call(admin.get(app.url(&format!(
        "/rest/api/content/{below_id}?expand=space,ancestors"
    ))))
    .await;
    assert_eq!(
        (moved["space"]["key"].clone(), moved["ancestors"].clone()),
        (json!("OPS"), json!([]))
    );

    // md2cf --replace-all-labels: metadata.labels on an update is the complete set.
    let mut labelled = new_page("DEV", "Labelled", None);
    labelled["metadata"] = json!({"labels": [{"name": "alpha"}, {"name": "beta"}]});
    let (_, page) = call(admin.post(app.url("/rest/api/content")).json(&labelled)).await;
    let id = page["id"].as_str().expect("id").to_string();
    let update = json!({"type": "page", "title": "Labelled", "version": {"number": 2},
                        "metadata": {"labels": [{"name": "beta", "prefix": "global"}, {"name": "gamma", "prefix": "global"}]}});
    let (_, updated) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&update),
    )
    .await;
    let names: Vec<&str> = updated["metadata"]["labels"]["results"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l["name"].as_str().expect("n"))
        .collect();
    assert_eq!(names, ["beta", "gamma"]);
    let untouched = json!({"type": "page", "title": "Labelled", "version": {"number": 3}, "metadata": {"properties": {"editor": {"value": "v2"}}}});
    let (_, after) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&untouched),
    )
    .await;
    assert_eq!(
        after["metadata"]["labels"]["size"], 2,
        "an update without metadata.labels keeps the labels"
    );
    app.stop().await;
}

async fn busy_callers_are_told_when_to_retry(db: TestDb) {
    let settings = cairn_web::WebSettings {
        rate_limit_per_minute: 5,
        ..cairn_web::WebSettings::default()
    };
    let app = TestApp::start_with_web_settings(db, settings).await;
    let admin = app.admin();
    for _ in 0..5 {
        let (status, _) = call(admin.get(app.url("/rest/api/space"))).await;
        assert_eq!(status, StatusCode::OK);
    }
    let response = admin
        .get(app.url("/rest/api/space"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("integer seconds");
    assert!((1..=12).contains(&retry_after), "{retry_after}");
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    // Another caller has a bucket of its own; pages outside the API are not limited.
    app.create_user("other", "other-password").await;
    let (status, _) = call(
        app.client_as("other", "other-password")
            .get(app.url("/rest/api/space")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let status_page = cairn_testkit::anonymous_client()
        .get(app.url("/status"))
        .send()
        .await
        .expect("sent");
    assert_eq!(status_page.status(), StatusCode::OK);
    app.stop().await;
}

/// A publisher looks a title up under each status Confluence knows before it creates the page.
async fn every_confluence_status_can_be_listed(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Published",
        None,
    )))
    .await;
    assert_eq!(status, StatusCode::OK);
    for (wanted, found) in [
        ("current", 1),
        ("trashed", 0),
        ("draft", 0),
        ("historical", 0),
        ("archived", 0),
        ("any", 1),
    ] {
        let (status, list) = call(admin.get(app.url(&format!(
            "/rest/api/content?spaceKey=DEV&title=Published&status={wanted}&expand=version"
        ))))
        .await;
        assert_eq!(status, StatusCode::OK, "{wanted}: {list}");
        assert_eq!(list["size"], found, "{wanted}: {list}");
    }
    let (status, _) = call(admin.get(app.url("/rest/api/content?status=nonsense"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// Publishers point a space at the page they made its home, as a whole content object or an id.
async fn a_space_takes_a_new_home_page_and_description(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("OTHER")),
    )
    .await;
    let mut pages = Vec::new();
    for (space, title) in [
        ("DEV", "New home"),
        ("DEV", "Newer home"),
        ("OTHER", "Elsewhere"),
    ] {
        let (status, page) = call(
            admin
                .post(app.url("/rest/api/content"))
                .json(&new_page(space, title, None)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages.push(page);
    }
    let home_of = || async {
        let (_, space) =
            call(admin.get(app.url("/rest/api/space/DEV?expand=homepage,description.plain"))).await;
        space
    };
    let (status, updated) = call(admin.put(app.url("/rest/api/space/DEV")).json(&json!({
        "key": "DEV", "name": "Development",
        "description": {"plain": {"value": "what we build", "representation": "plain"}},
        "homepage": pages[0],
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let space = home_of().await;
    assert_eq!(space["homepage"]["id"], pages[0]["id"], "{space}");
    assert_eq!(space["description"]["plain"]["value"], "what we build");
    let (status, _) = call(admin.put(app.url("/rest/api/space/DEV")).json(&json!({
        "homepage": {"id": pages[1]["id"]},
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(home_of().await["homepage"]["id"], pages[1]["id"]);
    // A page of another space cannot be this one's home.
    let (status, error) = call(admin.put(app.url("/rest/api/space/DEV")).json(&json!({
        "homepage": {"id": pages[2]["id"]},
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(home_of().await["homepage"]["id"], pages[1]["id"]);
}
