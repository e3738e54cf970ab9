//! What a hostile signed-in user tried, and must not get: restricted content through listings and
//! expansions, a dead node through huge queries and offsets, content created where they may not
//! write, and restricted pages opened up by trash, restore, purge or a move.

use base64::Engine;
use cairn_core::{SpaceKey, SpacePermission, Subject};
use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, create_page, create_space, new_page, new_space};

every_dialect!(
    comments_on_restricted_pages_stay_hidden_in_listings,
    hostile_queries_and_offsets_are_refused_and_the_node_serves_on,
    the_create_form_checks_permissions,
    trash_restore_and_purge_keep_read_restrictions,
    moves_keep_restrictions_and_need_the_right_permissions,
    deleting_a_group_keeps_its_pages_shut,
    a_page_moved_to_another_space_takes_its_comments_and_files,
    a_failed_update_rolls_its_restore_back,
);

const PASSWORD: &str = "secret-pass-1";

/// A client with `username`'s Basic credentials that does not follow redirects (UI forms answer
/// with them).
fn ui_client(username: &str) -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{PASSWORD}"));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Basic {credentials}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Leaves the users group only `kept` of its default permissions in space `key`.
async fn limit_users_group(app: &TestApp, key: &str, kept: &[SpacePermission]) {
    let space = app
        .store
        .find_space_by_key(&SpaceKey::from_stored(key))
        .await
        .expect("space read")
        .expect("space");
    let users = app
        .store
        .group_id_by_name(cairn_core::USERS_GROUP)
        .await
        .expect("group read")
        .expect("users group");
    for permission in SpacePermission::DEFAULT_FOR_USERS {
        if !kept.contains(&permission) {
            app.store
                .revoke_space_permission(space.id, permission, Subject::Group(users))
                .await
                .expect("revoke");
        }
    }
}

async fn comment_on(app: &TestApp, page: &str, text: &str) -> String {
    let (status, comment) = call(app.admin().post(app.url("/rest/api/content")).json(&json!({
        "type": "comment",
        "container": {"id": page, "type": "page"},
        "body": {"storage": {"value": format!("<p>{text}</p>"), "representation": "storage"}},
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{comment}");
    comment["id"].as_str().expect("id").to_string()
}

async fn restrict_read_to_admin(app: &TestApp, page: &str) {
    let (status, answer) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{page}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {
                "user": [{"type": "known", "username": "admin"}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

async fn status_of(request: reqwest::RequestBuilder) -> StatusCode {
    request.send().await.expect("sent").status()
}

fn ids(list: &Value) -> Vec<String> {
    list["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_string())
        .collect()
}

async fn comments_on_restricted_pages_stay_hidden_in_listings(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    create_space(&app, "DEV").await;
    let secret = create_page(&app, "DEV", "Secret plans", None).await;
    let below = create_page(&app, "DEV", "Below the secret", Some(&secret)).await;
    let open = create_page(&app, "DEV", "Open notes", None).await;
    let on_secret = comment_on(&app, &secret, "the secret figure is 42").await;
    let on_below = comment_on(&app, &below, "more secrets").await;
    let on_open = comment_on(&app, &open, "anyone may read this").await;
    restrict_read_to_admin(&app, &secret).await;

    let listing = "/rest/api/content?type=comment&spaceKey=DEV&expand=body.storage,container.body.storage,container.metadata.labels,container.history";
    let (status, seen) = call(bob.get(app.url(listing))).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(ids(&seen), vec![on_open.clone()], "{seen}");
    let text = seen.to_string();
    for secret_text in [
        "Secret plans",
        "Below the secret",
        "secret figure",
        "more secrets",
    ] {
        assert!(!text.contains(secret_text), "{secret_text} leaked: {text}");
    }
    assert_eq!(seen["results"][0]["container"]["id"], json!(open));

    // Without a space filter, and by every other listing of comments.
    let (_, everywhere) = call(bob.get(app.url("/rest/api/content?type=comment&limit=100"))).await;
    assert_eq!(ids(&everywhere), vec![on_open.clone()], "{everywhere}");
    for id in [&on_secret, &on_below] {
        let (status, _) = call(bob.get(app.url(&format!(
            "/rest/api/content/{id}?expand=container.body.storage"
        ))))
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    // The administrator, whom the restriction names, sees all three with their containers.
    let (_, all) = call(app.admin().get(app.url(listing))).await;
    let mut expected = vec![on_secret, on_below, on_open];
    expected.sort();
    let mut listed = ids(&all);
    listed.sort();
    assert_eq!(listed, expected);
    assert!(all.to_string().contains("Secret plans"));
}

async fn hostile_queries_and_offsets_are_refused_and_the_node_serves_on(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    create_space(&app, "DEV").await;
    create_page(&app, "DEV", "Findable page", None).await;

    let many_terms = (0..700)
        .map(|n| format!("title = t{n}"))
        .collect::<Vec<_>>()
        .join(" and ");
    let many_ors = (0..700)
        .map(|n| format!("title = t{n}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let chained_nots = format!("{}type = page", "not ".repeat(500));
    let far_past = r#"created > now("-99999999999999d")"#.to_string();
    for cql in [&many_terms, &many_ors, &chained_nots, &far_past] {
        for path in ["/rest/api/search", "/rest/api/content/search"] {
            let (status, error) =
                call(bob.get(app.url(path)).query(&[("cql", cql.as_str())])).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
            assert!(error["message"].as_str().expect("message").len() > 10);
        }
    }
    // The most clauses allowed still run.
    let allowed = (0..cairn_search::cql::MAX_CLAUSES)
        .map(|n| format!("title ~ t{n}"))
        .collect::<Vec<_>>()
        .join(" or ");
    let (status, found) = call(
        bob.get(app.url("/rest/api/search"))
            .query(&[("cql", allowed.as_str())]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");

    for path in [
        "/rest/api/search?cql=type=page&start=100000000000000",
        "/rest/api/content/search?cql=type=page&start=100000000000000",
        "/rest/api/content/search?cql=type=page&start=9999&limit=2",
        "/rest/api/content?type=page&start=4611686018427387903",
        "/rest/api/content?type=page&start=100000000000000",
        "/rest/api/space?start=9223372036854775807",
    ] {
        let (status, error) = call(bob.get(app.url(path))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
    }
    // The UI search answers with a page, planted in an image or not.
    let status = status_of(
        bob.get(app.url("/dosearchsite.action?queryString=x&startIndex=100000000000000")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The node is alive and answers normally.
    let (status, found) = call(bob.get(app.url("/rest/api/search?cql=title~Findable"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["size"], 1, "{found}");
}

async fn the_create_form_checks_permissions(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let bob = ui_client("bob");
    create_space(&app, "HIDDEN").await;
    limit_users_group(&app, "HIDDEN", &[]).await;
    create_space(&app, "VIEWONLY").await;
    limit_users_group(&app, "VIEWONLY", &[SpacePermission::ViewSpace]).await;
    create_space(&app, "DEV").await;
    let secret = create_page(&app, "DEV", "Secret parent", None).await;
    restrict_read_to_admin(&app, &secret).await;

    // The form of a space Bob cannot see does not exist; its name does not show.
    let answer = bob
        .get(app.url("/pages/createpage.action?spaceKey=HIDDEN"))
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    assert!(!answer.text().await.expect("body").contains("HIDDEN space"));
    let status = status_of(bob.get(app.url("/pages/createpage.action?spaceKey=VIEWONLY"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = status_of(bob.get(app.url(&format!(
        "/pages/createpage.action?spaceKey=DEV&fromPageId={secret}"
    ))))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let post = |form: Vec<(&'static str, String)>| {
        bob.post(app.url("/pages/createpage.action")).form(&form)
    };
    let attempts = [
        ("HIDDEN", None, StatusCode::NOT_FOUND),
        ("VIEWONLY", None, StatusCode::FORBIDDEN),
        ("DEV", Some(secret.clone()), StatusCode::NOT_FOUND),
    ];
    for (space, parent, expected) in attempts {
        let mut form = vec![
            ("spaceKey", space.to_string()),
            ("title", format!("Planted in {space}")),
            ("body", "<p>planted</p>".to_string()),
        ];
        if let Some(parent) = parent {
            form.push(("parentId", parent));
        }
        let answer = post(form).send().await.expect("sent");
        assert_eq!(answer.status(), expected, "{space}");
        let page = answer.text().await.expect("body");
        assert!(
            !page.contains("Secret parent"),
            "the hidden parent's title shows"
        );
    }
    let blog = bob
        .post(app.url("/pages/createblogpost.action"))
        .form(&[
            ("spaceKey", "VIEWONLY"),
            ("type", "blogpost"),
            ("title", "Planted post"),
            ("body", "<p>x</p>"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(blog.status(), StatusCode::FORBIDDEN);
    // Nothing was created anywhere.
    let (_, pages) = call(
        app.admin()
            .get(app.url("/rest/api/content/search?cql=title~Planted")),
    )
    .await;
    assert_eq!(pages["size"], 0, "{pages}");

    // Where he may write, the form works.
    let answer = post(vec![
        ("spaceKey", "DEV".to_string()),
        ("title", "Bob's page".to_string()),
        ("body", "<p>fine</p>".to_string()),
    ])
    .send()
    .await
    .expect("sent");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
}

async fn trash_restore_and_purge_keep_read_restrictions(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    create_space(&app, "DEV").await;
    let secret = create_page(&app, "DEV", "Secret parent", None).await;
    let child = create_page(&app, "DEV", "Inherits the secret", Some(&secret)).await;
    let grandchild = create_page(&app, "DEV", "Deeper secret", Some(&child)).await;
    restrict_read_to_admin(&app, &secret).await;
    let hidden = |id: String| {
        let bob = bob.clone();
        let url = app.url(&format!("/rest/api/content/{id}?expand=body.storage"));
        async move { status_of(bob.get(url)).await == StatusCode::NOT_FOUND }
    };
    assert!(hidden(child.clone()).await);

    // Trashing the parent moves the child to the root; it stays shut to Bob.
    let status = status_of(
        app.admin()
            .delete(app.url(&format!("/rest/api/content/{secret}"))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(hidden(child.clone()).await, "the child opened up");
    assert!(hidden(grandchild.clone()).await, "the grandchild opened up");
    let (_, listing) = call(bob.get(app.url("/rest/api/content?type=page&spaceKey=DEV"))).await;
    let listed = ids(&listing);
    assert!(
        !listed.contains(&child) && !listed.contains(&grandchild),
        "{listing}"
    );
    let (_, found) = call(bob.get(app.url("/rest/api/search?cql=title~secret"))).await;
    assert_eq!(found["size"], 0, "{found}");
    // The administrator still reads it.
    let (status, _) = call(
        app.admin()
            .get(app.url(&format!("/rest/api/content/{child}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A trashed page restored after its restricted parent is purged stays shut too.
    let parent = create_page(&app, "DEV", "Second secret", None).await;
    let leaf = create_page(&app, "DEV", "Leaf under it", Some(&parent)).await;
    restrict_read_to_admin(&app, &parent).await;
    for id in [&leaf, &parent] {
        let status = status_of(
            app.admin()
                .delete(app.url(&format!("/rest/api/content/{id}"))),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let status = status_of(
        app.admin()
            .delete(app.url(&format!("/rest/api/content/{parent}?status=trashed"))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, restored) = call(app.admin().put(app.url(&format!("/rest/api/content/{leaf}"))).json(
        &json!({"type": "page", "title": "Leaf under it", "status": "current", "version": {"number": 2}}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(hidden(leaf.clone()).await, "the restored leaf opened up");

    // Restored to the root because its parent is in the trash: still shut.
    let third = create_page(&app, "DEV", "Third secret", None).await;
    let under = create_page(&app, "DEV", "Under the third", Some(&third)).await;
    restrict_read_to_admin(&app, &third).await;
    for id in [&under, &third] {
        let status = status_of(
            app.admin()
                .delete(app.url(&format!("/rest/api/content/{id}"))),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, restored) = call(app.admin().put(app.url(&format!("/rest/api/content/{under}"))).json(
        &json!({"type": "page", "title": "Under the third", "status": "current", "version": {"number": 2}}),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(
        hidden(under).await,
        "the page restored to the root opened up"
    );
}

async fn moves_keep_restrictions_and_need_the_right_permissions(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    app.create_user("carol", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    create_space(&app, "DEV").await;
    create_space(&app, "VIEWONLY").await;
    limit_users_group(&app, "VIEWONLY", &[SpacePermission::ViewSpace]).await;
    let viewonly_home = create_page(&app, "VIEWONLY", "View only home", None).await;

    // Admin moves a page out from under a restricted parent: it stays shut to Bob.
    let secret = create_page(&app, "DEV", "Secret parent", None).await;
    let child = create_page(&app, "DEV", "Moved out", Some(&secret)).await;
    let open = create_page(&app, "DEV", "Open target", None).await;
    restrict_read_to_admin(&app, &secret).await;
    let (status, moved) = call(
        app.admin()
            .put(app.url(&format!("/rest/api/content/{child}/move/append/{open}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let status = status_of(bob.get(app.url(&format!("/rest/api/content/{child}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the moved page opened up");

    // Bob may not move into a space where he may only view.
    let own = {
        let (status, page) = call(bob.post(app.url("/rest/api/content")).json(&new_page(
            "DEV",
            "Bob's page",
            None,
        )))
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["id"].as_str().expect("id").to_string()
    };
    let status = status_of(bob.put(app.url(&format!(
        "/rest/api/content/{own}/move/append/{viewonly_home}"
    ))))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Carol's page with a child restricted to Carol: Bob cannot carry it into his own space.
    let carol = app.client_as("carol", PASSWORD);
    let (_, carols) = call(carol.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Carol's page",
        None,
    )))
    .await;
    let carols = carols["id"].as_str().expect("id").to_string();
    let (_, private) = call(carol.post(app.url("/rest/api/content")).json(&new_page(
        "DEV",
        "Carol's private child",
        Some(&carols),
    )))
    .await;
    let private = private["id"].as_str().expect("id").to_string();
    let (status, answer) = call(
        carol
            .put(app.url(&format!("/rest/api/content/{private}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {
                "user": [{"type": "known", "username": "carol"}], "group": []}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, bobs_space) =
        call(bob.post(app.url("/rest/api/space")).json(&new_space("BOB"))).await;
    assert_eq!(status, StatusCode::OK, "{bobs_space}");
    let status = status_of(bob.post(app.url(&format!(
        "/pages/movepage.action?pageId={carols}&position=topLevel&spaceKey=BOB"
    ))))
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, page) =
        call(carol.get(app.url(&format!("/rest/api/content/{carols}?expand=space")))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["space"]["key"], "DEV", "the page stayed where it was");
}

async fn deleting_a_group_keeps_its_pages_shut(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("bob", PASSWORD).await;
    app.create_user("carol", PASSWORD).await;
    let admin = app.admin();
    create_space(&app, "DEV").await;
    let page = create_page(&app, "DEV", "Team only", None).await;
    let (status, group) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "team"})),
    )
    .await;
    assert!(status.is_success(), "{group}");
    let status = status_of(admin.put(app.url("/rest/api/user/bob/group/team"))).await;
    assert!(status.is_success(), "{status}");
    // Bob, a member, restricts it to the group (the lock-out guard wants the setter inside).
    let (status, answer) = call(
        app.client_as("bob", PASSWORD)
            .put(app.url(&format!("/rest/api/content/{page}/restriction")))
            .json(&json!([{"operation": "read", "restrictions": {"user": [],
                "group": [{"type": "group", "name": "team"}]}}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let read_as = |username: &'static str| {
        let client = app.client_as(username, PASSWORD);
        let url = app.url(&format!("/rest/api/content/{page}"));
        async move { status_of(client.get(url)).await }
    };
    assert_eq!(read_as("bob").await, StatusCode::OK);
    assert_eq!(read_as("carol").await, StatusCode::NOT_FOUND);
    let status = status_of(admin.delete(app.url("/rest/api/admin/group/team"))).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        read_as("carol").await,
        StatusCode::NOT_FOUND,
        "the page opened up"
    );
    assert_eq!(read_as("bob").await, StatusCode::NOT_FOUND);
    let (_, found) = call(
        app.client_as("carol", PASSWORD)
            .get(app.url("/rest/api/search?cql=title~team")),
    )
    .await;
    assert_eq!(found["size"], 0, "{found}");
}

async fn a_page_moved_to_another_space_takes_its_comments_and_files(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    create_space(&app, "OLD").await;
    create_space(&app, "NEW").await;
    let parent = create_page(&app, "OLD", "Moving parent", None).await;
    let child = create_page(&app, "OLD", "Moving child", Some(&parent)).await;
    let on_parent = comment_on(&app, &parent, "on the parent").await;
    let on_child = comment_on(&app, &child, "on the child").await;
    for page in [&parent, &child] {
        let file = reqwest::multipart::Part::bytes(b"bytes".to_vec())
            .file_name("kept.txt")
            .mime_str("text/plain")
            .expect("media type");
        let (status, uploaded) = call(
            admin
                .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
                .header("X-Atlassian-Token", "nocheck")
                .multipart(reqwest::multipart::Form::new().part("file", file)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{uploaded}");
    }
    let (status, moved) = call(admin.post(app.url(&format!(
        "/pages/movepage.action?pageId={parent}&position=topLevel&spaceKey=NEW"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, in_new) = call(admin.get(app.url("/rest/api/content?type=comment&spaceKey=NEW"))).await;
    let mut listed = ids(&in_new);
    listed.sort();
    let mut expected = vec![on_parent, on_child];
    expected.sort();
    assert_eq!(listed, expected, "{in_new}");
    // Deleting the old space takes nothing of what moved away.
    let status = status_of(admin.delete(app.url("/rest/api/space/OLD"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    for page in [&parent, &child] {
        let (status, files) =
            call(admin.get(app.url(&format!("/rest/api/content/{page}/child/attachment")))).await;
        assert_eq!(status, StatusCode::OK, "{files}");
        assert_eq!(
            files["size"], 1,
            "the file of {page} went with the old space: {files}"
        );
        let (_, comments) =
            call(admin.get(app.url(&format!("/rest/api/content/{page}/child/comment")))).await;
        assert_eq!(comments["size"], 1, "{comments}");
    }
}

/// Restoring through `PUT` with `status: current` is one write with the update: when the update
/// fails, the page is still in the trash.
async fn a_failed_update_rolls_its_restore_back(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    create_space(&app, "DEV").await;
    let page = create_page(&app, "DEV", "Comes back", None).await;
    create_page(&app, "DEV", "Taken title", None).await;
    let status = status_of(admin.delete(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let restore = |title: &str, number: i64| {
        admin
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(&json!({"type": "page", "title": title, "status": "current",
                "version": {"number": number},
                "body": {"storage": {"value": "<p>back</p>", "representation": "storage"}},
                "metadata": {"labels": [{"prefix": "global", "name": "restored"}],
                    "properties": {"restored-by": {"value": {"who": "admin"}}}}}))
    };
    let in_trash = || async {
        let (status, trashed) =
            call(admin.get(app.url(&format!("/rest/api/content/{page}?status=trashed")))).await;
        status == StatusCode::OK && trashed["status"] == "trashed"
    };
    let (status, error) = call(restore("Taken title", 2)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(in_trash().await, "a taken title left the page restored");
    let (status, error) = call(restore("Comes back", 7)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert!(in_trash().await, "a stale version left the page restored");
    let (status, restored) = call(restore("Comes back", 2)).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["status"], "current");
    assert_eq!(restored["version"]["number"], 2);
    // The labels and properties of the request came with the one save that succeeded.
    let (_, labels) = call(admin.get(app.url(&format!("/rest/api/content/{page}/label")))).await;
    assert_eq!(labels["size"], 1, "{labels}");
    assert_eq!(labels["results"][0]["name"], "restored");
    let (status, property) =
        call(admin.get(app.url(&format!("/rest/api/content/{page}/property/restored-by")))).await;
    assert_eq!(status, StatusCode::OK, "{property}");
    assert_eq!(property["value"], json!({"who": "admin"}));
    assert_eq!(
        property["version"]["number"], 1,
        "written once, by the save that committed"
    );

    // A stale save of current content changes nothing, labels included.
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(
                &json!({"type": "page", "title": "Comes back", "version": {"number": 2},
                "metadata": {"labels": []}}),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, labels) = call(admin.get(app.url(&format!("/rest/api/content/{page}/label")))).await;
    assert_eq!(labels["size"], 1, "{labels}");
}
