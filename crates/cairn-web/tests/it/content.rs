use std::collections::HashSet;

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(
    page_lifecycle_create_update_conflict,
    children_page_through_next_links,
    versions_history_and_historical_reads,
    trash_and_purge_through_the_api,
    twenty_concurrent_puts_one_winner,
    bad_content_requests_get_clear_errors,
    representations_convert_and_render_safely,
    drafts_are_private_until_published,
    blog_posts_by_posting_day_and_link_forms,
);

async fn setup(app: &TestApp) {
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

fn update_body(title: &str, number: i64, body: &str) -> Value {
    json!({
        "id": "ignored", "type": "page", "title": title,
        "version": {"number": number, "minorEdit": false, "message": format!("to v{number}")},
        "body": {"storage": {"value": body, "representation": "storage"}},
    })
}

async fn page_lifecycle_create_update_conflict(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (status, page) = call(
        admin
            .post(app.url("/rest/api/content/"))
            .json(&new_page("DEV", "Root A", None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let id = page["id"]
        .as_str()
        .expect("content ids are strings")
        .to_string();
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(page["version"]["number"], 1);
    assert_eq!(page["version"]["message"], "");
    assert_eq!(page["space"]["key"], "DEV");
    assert_eq!(
        page["ancestors"],
        json!([]),
        "no ancestors: created at the space root"
    );
    assert_eq!(page["body"]["storage"]["value"], "<p>Root A</p>");
    assert_eq!(page["metadata"]["labels"]["results"], json!([]));
    assert_eq!(page["_links"]["webui"], "/display/DEV/Root+A");
    assert_eq!(page["_links"]["base"], app.base_url);
    assert!(
        page["_links"]["tinyui"]
            .as_str()
            .expect("tinyui")
            .starts_with("/x/")
    );

    // Default expansion of a single GET: history, space, version.
    let (status, fetched) = call(admin.get(app.url(&format!("/rest/api/content/{id}")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["history"]["createdBy"]["username"], "admin");
    assert_eq!(fetched["history"]["lastUpdated"]["number"], 1);
    assert_eq!(fetched["space"]["key"], "DEV");
    assert_eq!(fetched["version"]["number"], 1);
    assert!(fetched.get("body").is_none());
    assert_eq!(fetched["_expandable"]["space"], "/rest/api/space/DEV");

    let (status, updated) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}?status=current")))
            .json(&update_body("Root A", 2, "<p>hello v2</p>")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["version"]["number"], 2);
    assert_eq!(updated["version"]["message"], "to v2");
    assert_eq!(updated["body"]["storage"]["value"], "<p>hello v2</p>");
    assert!(
        updated["metadata"]["labels"]["results"].is_array(),
        "clients read labels right after a PUT"
    );

    let (status, conflict) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&update_body("Root A", 2, "<p>stale</p>")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        conflict["message"],
        "Version must be incremented on update. Current version is: 2"
    );
    let (_, after) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?expand=body.storage,version"
    ))))
    .await;
    assert_eq!(
        after["body"]["storage"]["value"], "<p>hello v2</p>",
        "the stale update changed nothing"
    );

    let (status, missing) = call(admin.get(app.url("/rest/api/content/999999999"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing["message"],
        "No content found with id: ContentId{id=999999999}"
    );

    let (status, by_title) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&title=Root+A&expand=version")))
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_title["results"][0]["id"], json!(id));
    assert_eq!(by_title["results"][0]["version"]["number"], 2);
    let (status, none) =
        call(admin.get(app.url("/rest/api/content?spaceKey=DEV&title=Nothing"))).await;
    assert_eq!(
        (status, none["results"].clone()),
        (StatusCode::OK, json!([])),
        "title lookup never 404s"
    );
    app.stop().await;
}

async fn children_page_through_next_links(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (_, parent) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Parent", None)),
    )
    .await;
    let parent_id = parent["id"].as_str().expect("id").to_string();
    let mut created = Vec::new();
    for index in 0..7 {
        // md2cf sends ancestor ids as numbers.
        let mut body = new_page("DEV", &format!("Child {index}"), None);
        body["ancestors"] = json!([{"id": parent_id.parse::<i64>().expect("numeric")}]);
        let (status, child) = call(admin.post(app.url("/rest/api/content")).json(&body)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(child["ancestors"][0]["id"], json!(parent_id));
        created.push(child["id"].as_str().expect("id").to_string());
    }
    let mut seen = Vec::new();
    let mut next = Some(format!(
        "/rest/api/content/{parent_id}/child/page?limit=3&expand=version"
    ));
    let mut pages = 0;
    while let Some(path) = next {
        let (status, page) = call(admin.get(app.url(&path))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["limit"], 3);
        for child in page["results"].as_array().expect("results") {
            assert_eq!(
                child["version"]["number"], 1,
                "expand carried through next links"
            );
            seen.push(child["id"].as_str().expect("id").to_string());
        }
        next = page["_links"]
            .get("next")
            .and_then(Value::as_str)
            .map(str::to_string);
        pages += 1;
        assert!(pages <= 3, "next must disappear at the end");
    }
    assert_eq!(
        seen, created,
        "children in position order, none missing or repeated"
    );
    assert_eq!(pages, 3);
    app.stop().await;
}

async fn versions_history_and_historical_reads(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (_, page) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Doc", None)),
    )
    .await;
    let id = page["id"].as_str().expect("id").to_string();
    for number in 2..=3 {
        let (status, _) = call(
            admin
                .put(app.url(&format!("/rest/api/content/{id}")))
                .json(&update_body("Doc", number, &format!("<p>v{number}</p>"))),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, history) =
        call(admin.get(app.url(&format!("/rest/api/content/{id}/history")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history["latest"], true);
    assert_eq!(history["lastUpdated"]["number"], 3);
    assert_eq!(history["previousVersion"]["number"], 2);
    assert_eq!(history["createdBy"]["username"], "admin");
    assert!(
        history["createdDate"]
            .as_str()
            .expect("date")
            .ends_with('Z')
    );

    let (status, old) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?status=historical&version=1&expand=body.storage,version"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old["status"], "historical");
    assert_eq!(old["version"]["number"], 1);
    assert_eq!(old["body"]["storage"]["value"], "<p>Doc</p>");
    let (status, _) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?status=historical&version=9"
    ))))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn trash_and_purge_through_the_api(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (_, page) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Temp", None)),
    )
    .await;
    let id = page["id"].as_str().expect("id").to_string();
    let url = app.url(&format!("/rest/api/content/{id}"));
    let response = admin.delete(&url).send().await.expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.get(&url)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "trashed content is not found by default"
    );
    let (status, trashed) = call(admin.get(format!("{url}?status=trashed"))).await;
    assert_eq!(
        (status, trashed["status"].clone()),
        (StatusCode::OK, json!("trashed"))
    );
    // The title is free again while the page is in the trash.
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Temp", None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response = admin
        .delete(format!("{url}?status=trashed"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.get(format!("{url}?status=any"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "purged for good");
    let (status, _) = call(admin.delete(&url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn twenty_concurrent_puts_one_winner(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (_, page) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Hot", None)),
    )
    .await;
    let id = page["id"].as_str().expect("id").to_string();
    let mut writers = Vec::new();
    for writer in 0..20 {
        let client = admin.clone();
        let url = app.url(&format!("/rest/api/content/{id}"));
        writers.push(tokio::spawn(async move {
            let body = format!("<p>writer {writer}</p>");
            let response = client
                .put(url)
                .json(&update_body("Hot", 2, &body))
                .send()
                .await
                .expect("sent");
            (response.status(), body)
        }));
    }
    let mut winners = Vec::new();
    let mut statuses = HashSet::new();
    for writer in writers {
        let (status, body) = writer.await.expect("task");
        statuses.insert(status);
        if status == StatusCode::OK {
            winners.push(body);
        } else {
            assert_eq!(status, StatusCode::CONFLICT);
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one PUT wins; statuses seen: {statuses:?}"
    );
    let (_, versions) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?expand=body.storage,version"
    ))))
    .await;
    assert_eq!(versions["version"]["number"], 2);
    assert_eq!(versions["body"]["storage"]["value"], json!(winners[0]));
    let (_, v1) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?status=historical&version=1&expand=body.storage"
    ))))
    .await;
    assert_eq!(v1["body"]["storage"]["value"], "<p>Hot</p>");
    app.stop().await;
}

async fn bad_content_requests_get_clear_errors(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let (_, page) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Taken", None)),
    )
    .await;
    let id = page["id"].as_str().expect("id").to_string();
    let (status, error) = call(admin.post(app.url("/rest/api/content")).json(&json!({
        "type": "comment", "container": {"id": id, "type": "page"},
        "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}},
        "extensions": {"location": "sideways"}
    })))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(
        error["message"],
        "comment location sideways is not footer or inline"
    );
    let (status, error) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Taken", None)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error["message"],
        "A page with this title already exists: A page already exists with the title Taken in the space with key DEV"
    );
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("NOPE", "X", None)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&json!({"type": "page", "space": {"key": "DEV"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "title required");
    let (status, _) = call(admin.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Orphan",
        Some("999999"),
    )))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "missing parent");
    let no_version = json!({"type": "page", "title": "Taken", "body": {"storage": {"value": "<p/>", "representation": "storage"}}});
    let (status, error) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&no_version),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error["message"],
        "Must supply an incremented version when updating Content. No version supplied."
    );
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&json!({"title": "x", "version": {"number": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "type required");
    let (status, _) = call(admin.get(app.url("/rest/api/content/not-a-number"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(admin.get(app.url("/rest/api/content?limit=abc"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, listed) = call(admin.get(app.url("/rest/api/content?spaceKey=DEV"))).await;
    assert_eq!(
        listed["size"], 2,
        "home page and Taken; nothing half-written"
    );
    app.stop().await;
}

async fn representations_convert_and_render_safely(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let mut malformed = new_page("DEV", "Broken", None);
    malformed["body"]["storage"]["value"] = json!("<p><strong>bold</p>");
    let (status, error) = call(admin.post(app.url("/rest/api/content")).json(&malformed)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = error["message"].as_str().expect("message");
    assert!(message.starts_with("Error parsing xhtml"), "{message}");
    assert!(message.contains("line 1"), "{message}");

    let wiki = json!({
        "type": "page", "title": "From wiki", "space": {"key": "DEV"},
        "body": {"wiki": {"value": "h1. Title\n\n*bold* text", "representation": "wiki"}},
    });
    let (status, page) = call(admin.post(app.url("/rest/api/content")).json(&wiki)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let storage = page["body"]["storage"]["value"].as_str().expect("storage");
    assert!(
        storage.contains("<h1>Title</h1>") && storage.contains("<strong>bold</strong>"),
        "{storage}"
    );

    let mut hostile = new_page("DEV", "Hostile", None);
    hostile["body"]["storage"]["value"] = json!(
        "<p onclick=\"steal()\">hi<a href=\"javascript:alert(1)\">x</a></p><ac:structured-macro ac:name=\"info\"><ac:rich-text-body><p>note</p></ac:rich-text-body></ac:structured-macro>"
    );
    let (status, page) = call(admin.post(app.url("/rest/api/content")).json(&hostile)).await;
    assert_eq!(status, StatusCode::OK);
    let id = page["id"].as_str().expect("id");
    let (_, viewed) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}?expand=body.view,body.storage"
    ))))
    .await;
    let view = viewed["body"]["view"]["value"].as_str().expect("view");
    assert!(
        !view.contains("onclick") && !view.contains("javascript:"),
        "{view}"
    );
    assert!(view.contains("confluence-information-macro"), "{view}");
    assert!(
        viewed["body"]["storage"]["value"]
            .as_str()
            .expect("storage")
            .contains("onclick"),
        "storage is kept verbatim"
    );
    app.stop().await;
}

async fn drafts_are_private_until_published(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    app.create_user("frank", "frank-password-1").await;
    let frank = app.client_as("frank", "frank-password-1");
    let mut draft_body = new_page("DEV", "Plan", None);
    draft_body["status"] = json!("draft");
    let (status, draft) = call(admin.post(app.url("/rest/api/content")).json(&draft_body)).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"]["number"], 1);
    let id = draft["id"].as_str().expect("id").to_string();

    // Only with status=draft, and only for its creator; never in the space's listings.
    let (status, _) = call(admin.get(app.url(&format!("/rest/api/content/{id}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, fetched) =
        call(admin.get(app.url(&format!("/rest/api/content/{id}?status=draft")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["title"], "Plan");
    let (status, _) =
        call(frank.get(app.url(&format!("/rest/api/content/{id}?status=draft")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listing) = call(admin.get(app.url("/rest/api/content?spaceKey=DEV&limit=50"))).await;
    assert!(!listing.to_string().contains("\"Plan\""), "{listing}");
    let (_, own) = call(admin.get(app.url("/rest/api/content?spaceKey=DEV&status=draft"))).await;
    assert_eq!(own["size"], 1);
    let (_, others) = call(frank.get(app.url("/rest/api/content?spaceKey=DEV&status=draft"))).await;
    assert_eq!(others["size"], 0);
    let (_, found) = call(
        admin
            .get(app.url("/rest/api/search"))
            .query(&[("cql", "title ~ Plan")]),
    )
    .await;
    assert_eq!(found["totalSize"], 0, "drafts are not searched");

    // A draft claims no title: a page may take it, and publishing the draft then clashes.
    let mut clash_body = draft_body.clone();
    clash_body["title"] = json!("Taken");
    let (_, clash) = call(admin.post(app.url("/rest/api/content")).json(&clash_body)).await;
    let clash_id = clash["id"].as_str().expect("id").to_string();
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Taken", None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut publish = update_body("Taken", 1, "<p>mine</p>");
    publish["status"] = json!("current");
    let (status, error) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{clash_id}")))
            .json(&publish),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, still) =
        call(admin.get(app.url(&format!("/rest/api/content/{clash_id}?status=draft")))).await;
    assert_eq!(status, StatusCode::OK, "the draft is kept");
    assert_eq!(still["status"], "draft");

    // Saving a draft keeps it a draft; publishing makes it version 1 of a current page.
    let mut save = update_body("Plan v2", 1, "<p>more</p>");
    save["status"] = json!("draft");
    let (status, saved) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&save),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["status"], "draft");
    let (status, _) = call(
        frank
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&save),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "others cannot touch it");
    let mut publish = update_body("Plan v2", 2, "<p>final</p>");
    publish["status"] = json!("current");
    let (status, published) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{id}")))
            .json(&publish),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{published}");
    assert_eq!(published["status"], "current");
    assert_eq!(published["version"]["number"], 1);
    assert_eq!(published["body"]["storage"]["value"], "<p>final</p>");
    let (status, _) = call(frank.get(app.url(&format!("/rest/api/content/{id}")))).await;
    assert_eq!(status, StatusCode::OK, "published: everyone sees it");

    // Deleting a draft removes it at once.
    let (status, _) =
        call(admin.delete(app.url(&format!("/rest/api/content/{clash_id}?status=draft")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        call(admin.get(app.url(&format!("/rest/api/content/{clash_id}?status=any")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn blog_posts_by_posting_day_and_link_forms(db: TestDb) {
    let app = TestApp::start(db).await;
    setup(&app).await;
    let admin = app.admin();
    let mut post = new_page("DEV", "Weekly news", None);
    post["type"] = json!("blogpost");
    let (status, created) = call(admin.post(app.url("/rest/api/content")).json(&post)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let day = created["history"]["createdDate"].as_str().expect("date")[..10].to_string();
    let (_, that_day) = call(admin.get(app.url(&format!(
        "/rest/api/content?type=blogpost&spaceKey=DEV&postingDay={day}"
    ))))
    .await;
    assert_eq!(that_day["size"], 1, "{that_day}");
    let (_, other_day) = call(
        admin.get(app.url("/rest/api/content?type=blogpost&spaceKey=DEV&postingDay=2001-01-01")),
    )
    .await;
    assert_eq!(other_day["size"], 0);
    let (status, _) =
        call(admin.get(app.url("/rest/api/content?type=blogpost&postingDay=2001-13-01"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // /spaces/KEY/pages/ID/Title links lead to the page.
    let id = created["id"].as_str().expect("id");
    let browser = app.browser();
    let response = browser
        .get(app.url(&format!("/spaces/DEV/pages/{id}/Weekly+news")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        format!("/pages/viewpage.action?pageId={id}").as_str()
    );
    app.stop().await;
}
