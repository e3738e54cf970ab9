//! CQL search over HTTP, on the database.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(
    cql_finds_what_clients_ask_for,
    search_results_have_the_wrapper_shape,
    bad_cql_is_a_400,
    quick_navigation_suggests_titles_as_they_are_typed,
    text_search_stems_ranks_titles_first_and_highlights,
    attachments_are_found_by_name_and_by_the_text_of_their_files,
    mentions_are_found_by_username_and_by_user_key,
    every_operator_and_time_function_over_http,
    spaces_are_found_when_asked_for
);

async fn create(
    app: &TestApp,
    space: &str,
    title: &str,
    body: &str,
    parent: Option<&str>,
) -> String {
    let mut page = new_page(space, title, parent);
    page["body"]["storage"]["value"] = json!(body);
    let (status, created) = call(app.admin().post(app.url("/rest/api/content")).json(&page)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created["id"].as_str().expect("id").to_string()
}

async fn titles(app: &TestApp, cql: &str) -> Vec<String> {
    let (status, found) = call(
        app.admin()
            .get(app.url("/rest/api/content/search"))
            .query(&[("cql", cql), ("limit", "100")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cql}: {found}");
    let mut titles: Vec<String> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["title"].as_str().expect("title").to_string())
        .collect();
    titles.sort();
    titles
}

async fn cql_finds_what_clients_ask_for(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    for key in ["DEV", "OPS"] {
        call(admin.post(app.url("/rest/api/space")).json(&new_space(key))).await;
    }
    let guide = create(
        &app,
        "DEV",
        "Deploy Guide",
        "<p>How to deploy the release train.</p>",
        None,
    )
    .await;
    let child = create(
        &app,
        "DEV",
        "Rollback",
        "<p>Undo a release quickly.</p>",
        Some(&guide),
    )
    .await;
    create(
        &app,
        "DEV",
        "Grandchild",
        "<p>Deep inside.</p>",
        Some(&child),
    )
    .await;
    create(
        &app,
        "OPS",
        "Pager Duty",
        "<p>Who answers the pager.</p>",
        None,
    )
    .await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{guide}/label")))
            .json(&json!({"name": "howto"})),
    )
    .await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{child}/label")))
            .json(&json!([{"name": "howto"}, {"name": "urgent"}])),
    )
    .await;
    let blog = json!({"type": "blogpost", "title": "Release party", "space": {"key": "OPS"}, "body": {"storage": {"value": "<p>cake</p>", "representation": "storage"}}});
    call(admin.post(app.url("/rest/api/content")).json(&blog)).await;

    assert_eq!(
        titles(&app, r#"type=page AND label="howto""#).await,
        ["Deploy Guide", "Rollback"]
    );
    assert_eq!(titles(&app, "label = urgent").await, ["Rollback"]);
    assert_eq!(
        titles(&app, &format!("parent={guide} AND space=\"DEV\"")).await,
        ["Rollback"]
    );
    assert_eq!(
        titles(&app, &format!("ancestor = {guide}")).await,
        ["Grandchild", "Rollback"]
    );
    assert_eq!(
        titles(&app, r#"text ~ "release""#).await,
        ["Deploy Guide", "Release party", "Rollback"]
    );
    assert_eq!(
        titles(&app, r#"siteSearch ~ "release train""#).await,
        ["Deploy Guide"],
        "every word must occur"
    );
    assert_eq!(
        titles(&app, r#"text ~ "\"undo a release\"""#).await,
        ["Rollback"],
        "quoted phrase"
    );
    assert_eq!(titles(&app, r#"title ~ "Roll*""#).await, ["Rollback"]);
    assert_eq!(
        titles(&app, r#"title = "pager duty""#).await,
        ["Pager Duty"]
    );
    assert_eq!(titles(&app, "type = blogpost").await, ["Release party"]);
    assert_eq!(
        titles(&app, "space = ops AND type = page").await,
        ["OPS space Home", "Pager Duty"]
    );
    assert_eq!(
        titles(&app, "space IN (OPS) AND NOT type = blogpost").await,
        ["OPS space Home", "Pager Duty"]
    );
    assert_eq!(
        titles(&app, "type = page AND space NOT IN (DEV)").await,
        ["OPS space Home", "Pager Duty"]
    );
    assert_eq!(
        titles(&app, "creator = currentUser() AND title ~ grand").await,
        ["Grandchild"]
    );
    assert_eq!(
        titles(&app, "contributor = nobody").await,
        Vec::<String>::new()
    );
    assert_eq!(
        titles(
            &app,
            "lastModified > startOfYear(\"-1y\") AND title ~ pager"
        )
        .await,
        ["Pager Duty"]
    );
    assert_eq!(
        titles(&app, "created < \"2000-01-01\"").await,
        Vec::<String>::new()
    );
    assert_eq!(titles(&app, "watcher = admin").await, Vec::<String>::new());

    let (_, ordered) = call(
        admin
            .get(app.url("/rest/api/content/search"))
            .query(&[("cql", "space = DEV AND type = page ORDER BY title DESC")]),
    )
    .await;
    let order: Vec<&str> = ordered["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["title"].as_str().expect("t"))
        .collect();
    // Titles sort case-insensitively ("dev space home" after "deploy guide").
    assert_eq!(
        order,
        ["Rollback", "Grandchild", "DEV space Home", "Deploy Guide"]
    );
    app.stop().await;
}

async fn search_results_have_the_wrapper_shape(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    for index in 0..3 {
        create(
            &app,
            "DEV",
            &format!("Minutes {index}"),
            "<p>We agreed to <strong>ship</strong> on Friday.</p>",
            None,
        )
        .await;
    }
    let (status, page) = call(admin.get(app.url("/rest/api/search")).query(&[
        ("cql", r#"text ~ "ship""#),
        ("limit", "2"),
        ("expand", "content.space,content.version"),
    ]))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (
            page["size"].clone(),
            page["totalSize"].clone(),
            page["limit"].clone()
        ),
        (json!(2), json!(3), json!(2))
    );
    assert_eq!(page["cqlQuery"], r#"text ~ "ship""#);
    assert!(page["searchDuration"].is_number());
    let first: &Value = &page["results"][0];
    assert_eq!(first["content"]["type"], "page");
    assert_eq!(
        first["content"]["space"]["key"], "DEV",
        "content.* expansions apply to each result's content"
    );
    assert_eq!(first["content"]["version"]["number"], 1);
    assert_eq!(
        first["content"]["_expandable"]["space"],
        "/rest/api/space/DEV"
    );
    assert!(
        first["excerpt"]
            .as_str()
            .expect("excerpt")
            .contains("@@@hl@@@ship@@@endhl@@@"),
        "{first}"
    );
    assert_eq!(first["resultGlobalContainer"]["title"], "DEV space");
    assert_eq!(first["resultGlobalContainer"]["displayUrl"], "/display/DEV");
    assert!(
        first["url"]
            .as_str()
            .expect("url")
            .starts_with("/display/DEV/Minutes+")
    );
    let next = page["_links"]["next"].as_str().expect("next");
    let (_, rest) = call(admin.get(app.url(next))).await;
    assert_eq!(rest["size"], 1);
    assert!(rest["_links"].get("next").is_none());
    let (_, plain) = call(
        admin
            .get(app.url("/rest/api/search"))
            .query(&[("cql", "text ~ ship"), ("excerpt", "none")]),
    )
    .await;
    assert_eq!(plain["results"][0]["excerpt"], "");
    app.stop().await;
}

async fn bad_cql_is_a_400(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    for cql in [
        "space=spaceKey=KEY and status=draft",
        "type = ",
        "colour = red",
        "(type = page",
    ] {
        let (status, error) = call(
            admin
                .get(app.url("/rest/api/search"))
                .query(&[("cql", cql)]),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{cql}");
        assert!(
            error["message"]
                .as_str()
                .expect("message")
                .starts_with("Could not parse cql"),
            "{error}"
        );
    }
    let (status, _) = call(admin.get(app.url("/rest/api/search"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "cql is required");
    app.stop().await;
}

async fn quick_navigation_suggests_titles_as_they_are_typed(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let wanted = create(&app, "DEV", "Release checklist", "<p>x</p>", None).await;
    create(
        &app,
        "DEV",
        "Holiday rota",
        "<p>release mentioned in the body only</p>",
        None,
    )
    .await;
    let suggest = |typed: &'static str| {
        let request = admin
            .get(app.url("/rest/quicknav/1/search"))
            .query(&[("query", typed)]);
        async move {
            let (status, found) = call(request).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            found
        }
    };
    for typed in ["rel", "Release che", "checklist"] {
        let found = suggest(typed).await;
        let matches = found["contentNameMatches"][0].as_array().expect("matches");
        let names: Vec<&str> = matches
            .iter()
            .map(|m| m["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["Release checklist"], "{typed}: {found}");
        assert_eq!(matches[0]["id"], json!(wanted));
        assert_eq!(matches[0]["spaceKey"], "DEV");
        assert!(
            matches[0]["href"]
                .as_str()
                .expect("href")
                .starts_with("/display/DEV/")
        );
    }
    let nothing = suggest("zzz").await;
    assert_eq!(nothing["contentNameMatches"][0], json!([]));
    let empty = suggest("  ").await;
    assert_eq!(empty["totalSize"], 0);
    app.stop().await;
}

async fn text_search_stems_ranks_titles_first_and_highlights(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    create(
        &app,
        "DEV",
        "Notes",
        "<p>We talked about deployments, deployments and more deployments.</p>",
        None,
    )
    .await;
    create(&app, "DEV", "Deployment runbook", "<p>Steps.</p>", None).await;
    create(&app, "DEV", "Lunch", "<p>Nothing here.</p>", None).await;
    let (status, found) = call(
        admin
            .get(app.url("/rest/api/search"))
            .query(&[("cql", "text ~ deploying")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let titles: Vec<&str> = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        ["Deployment runbook", "Notes"],
        "stemmed matches, the title match first"
    );
    let notes = &found["results"][1];
    assert!(
        notes["excerpt"]
            .as_str()
            .expect("excerpt")
            .contains("@@@hl@@@deployments@@@endhl@@@"),
        "{notes}"
    );
    assert!(notes["score"].as_f64().expect("score") > 0.0);
    app.stop().await;
}

async fn upload(app: &TestApp, page_id: &str, name: &str, media_type: &str, bytes: Vec<u8>) {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(media_type)
        .expect("media type");
    let form = reqwest::multipart::Form::new().part("file", part);
    let (status, uploaded) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
}

async fn found(app: &TestApp, cql: &str) -> Vec<(String, String)> {
    let (status, page) = call(
        app.admin()
            .get(app.url("/rest/api/search"))
            .query(&[("cql", cql), ("limit", "50")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cql}: {page}");
    let mut results: Vec<(String, String)> = page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            (
                result["content"]["type"]
                    .as_str()
                    .expect("type")
                    .to_string(),
                result["title"].as_str().expect("title").to_string(),
            )
        })
        .collect();
    results.sort();
    results
}

async fn attachments_are_found_by_name_and_by_the_text_of_their_files(db: TestDb) {
    let app = TestApp::start(db).await;
    call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let page_id = create(&app, "DEV", "Files", "<p>The page itself.</p>", None).await;
    upload(
        &app,
        &page_id,
        "notes.txt",
        "text/plain",
        b"Remember the heliotrope meeting.".to_vec(),
    )
    .await;
    upload(
        &app,
        &page_id,
        "guide.md",
        "text/markdown",
        b"# Guide\n\nPlant **heliotrope** in spring.".to_vec(),
    )
    .await;
    let document = cairn_format::parse("<p>Quarterly heliotrope figures.</p>").expect("parse");
    let pdf = cairn_format::storage_to_pdf("Report", "by admin", &document);
    upload(&app, &page_id, "report.pdf", "application/pdf", pdf).await;
    upload(
        &app,
        &page_id,
        "photo.png",
        "image/png",
        b"\x89PNG heliotrope-not-text".to_vec(),
    )
    .await;

    let attachment = |title: &str| ("attachment".to_string(), title.to_string());
    assert_eq!(
        found(&app, "text ~ heliotrope").await,
        [
            attachment("guide.md"),
            attachment("notes.txt"),
            attachment("report.pdf")
        ],
        "text, Markdown and PDF files are searched; images are not read"
    );
    assert_eq!(
        found(&app, "type = attachment").await,
        [
            attachment("guide.md"),
            attachment("notes.txt"),
            attachment("photo.png"),
            attachment("report.pdf")
        ]
    );
    assert_eq!(
        found(&app, "title ~ photo").await,
        [attachment("photo.png")]
    );
    assert_eq!(
        found(
            &app,
            &format!("container = {page_id} AND type = attachment AND text ~ meeting")
        )
        .await,
        [attachment("notes.txt")]
    );
    assert_eq!(
        found(&app, "type = page AND text ~ heliotrope").await,
        Vec::<(String, String)>::new()
    );

    // Trashing the page takes its attachments out of the results.
    let (status, _) = call(
        app.admin()
            .delete(app.url(&format!("/rest/api/content/{page_id}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(found(&app, "type = attachment").await.is_empty());
    app.stop().await;
}

async fn mentions_are_found_by_username_and_by_user_key(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("alice", "alice-password").await;
    app.create_user("bob", "bob-password").await;
    call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (status, bob) = call(
        app.admin()
            .get(app.url("/rest/api/user"))
            .query(&[("username", "bob")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{bob}");
    let bob_key = bob["userKey"].as_str().expect("user key").to_string();
    let by_name = create(
        &app,
        "DEV",
        "Ask Alice",
        r#"<p>Ask <ac:link><ri:user ri:username="alice" /></ac:link>.</p>"#,
        None,
    )
    .await;
    let by_key = create(
        &app,
        "DEV",
        "Ask Bob",
        &format!(r#"<p>Ask <ac:link><ri:user ri:userkey="{bob_key}" /></ac:link>.</p>"#),
        None,
    )
    .await;
    let ids = |cql: &'static str| {
        let request = app
            .admin()
            .get(app.url("/rest/api/content/search"))
            .query(&[("cql", cql)]);
        async move {
            let (status, found) = call(request).await;
            assert_eq!(status, StatusCode::OK, "{cql}: {found}");
            found["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|result| result["id"].as_str().expect("id").to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("mention = alice").await, std::slice::from_ref(&by_name));
    assert_eq!(ids("mention = bob").await, std::slice::from_ref(&by_key));
    let mut both = ids("mention IN (alice, bob)").await;
    both.sort();
    let mut expected = vec![by_name, by_key];
    expected.sort();
    assert_eq!(both, expected);
    assert!(ids("mention = admin").await.is_empty());
    app.stop().await;
}

/// Titles in the order the server gave them.
async fn ordered_titles(app: &TestApp, cql: &str) -> Vec<String> {
    let (status, found) = call(
        app.admin()
            .get(app.url("/rest/api/content/search"))
            .query(&[("cql", cql), ("limit", "100")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cql}: {found}");
    found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["title"].as_str().expect("title").to_string())
        .collect()
}

async fn every_operator_and_time_function_over_http(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("OPS")),
    )
    .await;
    let alpha = create(&app, "OPS", "Alpha", "<p>first</p>", None).await;
    let beta = create(&app, "OPS", "Beta", "<p>second</p>", None).await;
    create(&app, "OPS", "Gamma", "<p>third</p>", None).await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{alpha}/label")))
            .json(&json!({"name": "red"})),
    )
    .await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{beta}/label")))
            .json(&json!({"name": "blue"})),
    )
    .await;
    let pages = "space = OPS AND type = page AND title !~ home";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("{pages} AND title != \"Alpha\""),
            vec!["Beta", "Gamma"],
        ),
        (format!("{pages} AND title !~ alp"), vec!["Beta", "Gamma"]),
        (format!("{pages} AND title = 'Alpha'"), vec!["Alpha"]),
        (format!("{pages} AND id = {beta}"), vec!["Beta"]),
        (
            format!("{pages} AND content IN ({alpha}, {beta})"),
            vec!["Alpha", "Beta"],
        ),
        (
            format!("{pages} AND content NOT IN ({alpha}, {beta})"),
            vec!["Gamma"],
        ),
        (
            format!("{pages} AND NOT label = red"),
            vec!["Beta", "Gamma"],
        ),
        (
            format!("{pages} AND (label = red OR label = blue)"),
            vec!["Alpha", "Beta"],
        ),
        (
            format!("{pages} AND label IN (red, blue) AND NOT title ~ beta"),
            vec!["Alpha"],
        ),
        (
            format!("{pages} AND type != blogpost AND label != red"),
            vec!["Beta", "Gamma"],
        ),
        (
            format!("{pages} and contributor = currentUser() and label = blue"),
            vec!["Beta"],
        ),
        (
            format!("{pages} AND created >= startOfDay() AND created <= endOfDay()"),
            vec!["Alpha", "Beta", "Gamma"],
        ),
        (format!("{pages} AND created < startOfDay()"), vec![]),
        (format!("{pages} AND created > endOfDay()"), vec![]),
        (
            format!("{pages} AND lastModified >= startOfWeek() AND lastModified <= endOfWeek()"),
            vec!["Alpha", "Beta", "Gamma"],
        ),
        (
            format!("{pages} AND lastmodified >= startOfMonth() AND lastmodified <= endOfMonth()"),
            vec!["Alpha", "Beta", "Gamma"],
        ),
        (
            format!("{pages} AND created >= startOfYear() AND created <= endOfYear()"),
            vec!["Alpha", "Beta", "Gamma"],
        ),
        (
            format!("{pages} AND created > now(\"-1h\") AND created <= now()"),
            vec!["Alpha", "Beta", "Gamma"],
        ),
        (format!("{pages} AND created < now(\"-1h\")"), vec![]),
        (
            format!("{pages} AND created > startOfMonth(\"+1M\")"),
            vec![],
        ),
    ];
    for (cql, expected) in &cases {
        let mut found = ordered_titles(&app, cql).await;
        found.sort();
        assert_eq!(&found, expected, "{cql}");
    }
    assert_eq!(
        ordered_titles(&app, &format!("{pages} ORDER BY title DESC")).await,
        ["Gamma", "Beta", "Alpha"]
    );
    assert_eq!(
        ordered_titles(&app, &format!("{pages} order by created asc, id desc")).await,
        ["Alpha", "Beta", "Gamma"]
    );
    assert_eq!(
        ordered_titles(&app, &format!("{pages} ORDER BY id DESC")).await,
        ["Gamma", "Beta", "Alpha"]
    );
    assert_eq!(
        ordered_titles(&app, &format!("{pages} ORDER BY lastmodified")).await,
        ["Alpha", "Beta", "Gamma"]
    );
    app.stop().await;
}

async fn spaces_are_found_when_asked_for(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let (status, created) = call(admin.post(app.url("/rest/api/space")).json(&json!({
        "key": "PLAT",
        "name": "Platform Engineering",
        "description": {"plain": {"value": "Runbooks for the heliotrope cluster", "representation": "plain"}},
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    create(&app, "PLAT", "Heliotrope notes", "<p>heliotrope</p>", None).await;
    let search = |cql: &'static str| {
        let request = admin
            .get(app.url("/rest/api/search"))
            .query(&[("cql", cql)]);
        async move {
            let (status, found) = call(request).await;
            assert_eq!(status, StatusCode::OK, "{cql}: {found}");
            found
        }
    };
    for cql in [
        "type = space AND text ~ heliotrope",
        "type = space AND title ~ platform",
    ] {
        let found = search(cql).await;
        assert_eq!(found["totalSize"], 1, "{cql}: {found}");
        let result = &found["results"][0];
        assert_eq!(result["entityType"], "space", "{cql}: {found}");
        assert_eq!(result["space"]["key"], "PLAT");
        assert_eq!(result["title"], "Platform Engineering");
    }
    let mixed = search("type IN (space, page) AND space = PLAT AND title ~ engineering").await;
    let mut kinds: Vec<&str> = mixed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["entityType"].as_str().expect("entity type"))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        ["content", "space"],
        "the space and its home page: {mixed}"
    );
    let words = search("text ~ heliotrope").await;
    let types: Vec<&str> = words["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["entityType"].as_str().expect("entity type"))
        .collect();
    assert_eq!(
        types,
        ["content"],
        "without type = space, spaces stay out: {words}"
    );
    let (status, content_only) = call(
        admin
            .get(app.url("/rest/api/content/search"))
            .query(&[("cql", "type = space")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_only["results"], json!([]), "spaces are not content");
    app.stop().await;
}
