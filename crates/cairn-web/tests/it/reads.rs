//! Version lists, descendants, space content, users and groups: the read side clients page through.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(
    versions_can_be_listed_read_and_removed,
    trees_and_spaces_list_their_content,
    users_and_groups_are_visible,
    pages_move_by_rest_and_by_action,
);

async fn create(app: &TestApp, title: &str, parent: Option<&str>) -> String {
    let (status, page) = call(
        app.admin()
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", title, parent)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["id"].as_str().expect("id").to_string()
}

fn titles(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|item| item["title"].as_str().expect("title").to_string())
        .collect()
}

async fn versions_can_be_listed_read_and_removed(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let id = create(&app, "Versioned", None).await;
    for number in 2..=3 {
        let body = json!({"type": "page", "title": "Versioned", "version": {"number": number, "message": format!("m{number}")},
                          "body": {"storage": {"value": format!("<p>v{number}</p>"), "representation": "storage"}}});
        let (status, _) = call(
            admin
                .put(app.url(&format!("/rest/api/content/{id}")))
                .json(&body),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    for prefix in ["/rest/experimental", "/rest/api"] {
        let (status, list) =
            call(admin.get(app.url(&format!("{prefix}/content/{id}/version?limit=2")))).await;
        assert_eq!(status, StatusCode::OK);
        let numbers: Vec<i64> = list["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|v| v["number"].as_i64().expect("n"))
            .collect();
        assert_eq!(numbers, [3, 2], "newest first");
        assert_eq!(list["results"][0]["message"], "m3");
        assert!(
            list["_links"]["next"]
                .as_str()
                .expect("next")
                .starts_with(&format!("{prefix}/content/{id}/version?"))
        );
    }
    let (status, one) = call(admin.get(app.url(&format!(
        "/rest/api/content/{id}/version/1?expand=content.body.storage,collaborators"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["number"], 1);
    assert_eq!(
        one["content"]["body"]["storage"]["value"],
        "<p>Versioned</p>"
    );
    assert_eq!(one["collaborators"]["users"][0]["username"], "admin");

    let (status, error) =
        call(admin.delete(app.url(&format!("/rest/experimental/content/{id}/version/3")))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the current version stays: {error}"
    );
    let response = admin
        .delete(app.url(&format!("/rest/experimental/content/{id}/version/2")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.get(app.url(&format!("/rest/api/content/{id}/version/2")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, after) = call(admin.get(app.url(&format!("/rest/api/content/{id}/version")))).await;
    assert_eq!(after["size"], 2);
    app.stop().await;
}

async fn trees_and_spaces_list_their_content(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let top = create(&app, "Top", None).await;
    let a = create(&app, "A", Some(&top)).await;
    create(&app, "B", Some(&top)).await;
    create(&app, "A1", Some(&a)).await;
    let blog = json!({"type": "blogpost", "title": "News", "space": {"key": "DEV"}, "body": {"storage": {"value": "<p>n</p>", "representation": "storage"}}});
    call(admin.post(app.url("/rest/api/content")).json(&blog)).await;

    let (status, descendants) =
        call(admin.get(app.url(&format!("/rest/api/content/{top}/descendant/page")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        titles(&descendants),
        ["A", "B", "A1"],
        "children first, then grandchildren"
    );
    let (_, window) = call(admin.get(app.url(&format!(
        "/rest/api/content/{top}/descendant/page?start=1&limit=1"
    ))))
    .await;
    assert_eq!(titles(&window), ["B"]);
    assert!(window["_links"].get("next").is_some());

    let (status, children) =
        call(admin.get(app.url(&format!("/rest/api/content/{top}/child?expand=page")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(&children["page"]), ["A", "B"]);

    let (status, content) =
        call(admin.get(app.url("/rest/api/space/DEV/content?depth=root&limit=50"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(titles(&content["page"]), ["DEV space Home", "Top"]);
    assert_eq!(titles(&content["blogpost"]), ["News"]);
    let (_, pages) = call(admin.get(app.url("/rest/api/space/DEV/content/page?limit=50"))).await;
    assert_eq!(pages["size"], 5, "home, Top, A, B, A1");
    let (status, _) = call(admin.get(app.url("/rest/api/space/NOPE/content"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn users_and_groups_are_visible(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("writer", "writer-password").await;
    let admin = app.admin();
    let (status, user) =
        call(admin.get(app.url("/rest/api/user?username=writer&expand=status"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (user["username"].clone(), user["status"].clone()),
        (json!("writer"), json!("Active"))
    );
    let key = user["userKey"].as_str().expect("key").to_string();
    let (_, by_key) = call(admin.get(app.url(&format!("/rest/api/user?key={key}")))).await;
    assert_eq!(by_key["username"], "writer");
    let (status, _) = call(admin.get(app.url("/rest/api/user?username=ghost"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, groups) = call(admin.get(app.url("/rest/api/group?limit=1000&start=0"))).await;
    let names: Vec<&str> = groups["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|g| g["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["confluence-administrators", "confluence-users"]);
    let (_, members) =
        call(admin.get(app.url("/rest/api/group/confluence-users/member?expand=None"))).await;
    let usernames: Vec<&str> = members["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|u| u["username"].as_str().expect("name"))
        .collect();
    assert_eq!(usernames, ["admin", "writer"]);
    let (_, admins) =
        call(admin.get(app.url("/rest/api/group/confluence-administrators/member"))).await;
    assert_eq!(admins["size"], 1);
    let (status, _) = call(admin.get(app.url("/rest/api/group/nobody/member"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, anonymous) = call(admin.get(app.url("/rest/api/user/anonymous"))).await;
    assert_eq!(anonymous["type"], "anonymous");
    let (_, mode) = call(admin.get(app.url("/rest/api/accessmode"))).await;
    assert_eq!(mode, json!("READ_WRITE"));
    app.stop().await;
}

async fn pages_move_by_rest_and_by_action(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let parent = create(&app, "Parent", None).await;
    let a = create(&app, "A", Some(&parent)).await;
    let b = create(&app, "B", Some(&parent)).await;
    let loose = create(&app, "Loose", None).await;

    let (status, moved) =
        call(admin.put(app.url(&format!("/rest/api/content/{loose}/move/before/{a}")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (moved["pageId"].clone(), moved["id"].clone()),
        (json!(loose), json!(loose))
    );
    let (_, children) =
        call(admin.get(app.url(&format!("/rest/api/content/{parent}/child/page")))).await;
    assert_eq!(titles(&children), ["Loose", "A", "B"]);

    let response = admin
        .post(app.url(&format!(
            "/pages/movepage.action?spaceKey=DEV&pageId={b}&targetTitle=A&position=append"
        )))
        .header("X-Atlassian-Token", "no-check")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, under_a) = call(admin.get(app.url(&format!("/rest/api/content/{a}/child/page")))).await;
    assert_eq!(titles(&under_a), ["B"]);
    let (_, b_page) =
        call(admin.get(app.url(&format!("/rest/api/content/{b}?expand=ancestors")))).await;
    let ancestors: Vec<&str> = b_page["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(ancestors, ["Parent", "A"]);

    let response = admin
        .post(app.url(&format!(
            "/pages/movepage.action?spaceKey=DEV&pageId={b}&position=topLevel"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, b_page) =
        call(admin.get(app.url(&format!("/rest/api/content/{b}?expand=ancestors")))).await;
    assert_eq!(b_page["ancestors"], json!([]));

    let (status, _) =
        call(admin.put(app.url(&format!("/rest/api/content/{parent}/move/append/{a}")))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a page cannot go under its own child"
    );
    let (status, _) =
        call(admin.put(app.url(&format!("/rest/api/content/{a}/move/sideways/{b}")))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}
