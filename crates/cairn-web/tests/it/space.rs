use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{attachment_files_in, call, new_space};

every_dialect!(
    spaces_are_updated_and_deleted_with_everything_in_them,
    spaces_are_created_listed_and_found,
    bad_space_requests_get_clear_errors,
    everyone_permitted_has_one_personal_space
);

async fn spaces_are_created_listed_and_found(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let (status, space) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("dev")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(space["key"], "DEV", "keys are upper-cased");
    assert!(space["id"].is_number(), "space ids are numbers");
    assert_eq!(space["description"]["plain"]["value"], "about");
    assert_eq!(space["_links"]["webui"], "/display/DEV");
    assert_eq!(space["_links"]["base"], app.base_url);
    let homepage_link = space["_expandable"]["homepage"]
        .as_str()
        .expect("homepage link")
        .to_string();

    let (status, found) =
        call(admin.get(app.url("/rest/api/space/DEV?expand=homepage,description.plain"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["homepage"]["title"], "dev space Home");
    assert_eq!(
        format!(
            "/rest/api/content/{}",
            found["homepage"]["id"].as_str().expect("id")
        ),
        homepage_link
    );
    assert_eq!(found["homepage"]["extensions"]["position"], "none");

    for key in ["OPS", "QA"] {
        let (status, _) = call(
            admin
                .post(app.url("/rest/api/space/"))
                .json(&new_space(key)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "trailing slash accepted");
    }
    let (status, first) = call(admin.get(app.url("/rest/api/space?limit=2"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["size"], 2);
    let next = first["_links"]["next"].as_str().expect("next link");
    let (_, second) = call(admin.get(app.url(next))).await;
    assert_eq!(second["results"][0]["key"], "QA");
    assert!(second["_links"].get("next").is_none());
    let (_, filtered) = call(admin.get(app.url("/rest/api/space?spaceKey=QA&spaceKey=DEV"))).await;
    let keys: Vec<&str> = filtered["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|s| s["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys, ["DEV", "QA"]);
    let (status, latest) = call(admin.get(app.url("/rest/api/latest/space/OPS"))).await;
    assert_eq!(
        (status, latest["key"].clone()),
        (StatusCode::OK, json!("OPS"))
    );
    app.stop().await;
}

async fn bad_space_requests_get_clear_errors(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let (status, error) = call(admin.get(app.url("/rest/api/space/NOPE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["message"], "No space with key : NOPE");
    assert_eq!(error["statusCode"], 404);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (status, error) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().expect("message").contains("DEV"));
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "has space", "name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"name": "no key"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, error) = call(
        admin
            .post(app.url("/rest/api/space"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error["message"].as_str().expect("message").contains("JSON"));
    let (_, listed) = call(admin.get(app.url("/rest/api/space"))).await;
    assert_eq!(listed["size"], 1, "failed creates left nothing behind");
    app.stop().await;
}

async fn spaces_are_updated_and_deleted_with_everything_in_them(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("GONE")),
    )
    .await;
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("KEPT")),
    )
    .await;
    let (status, updated) = call(admin.put(app.url("/rest/api/space/GONE")).json(&json!({
        "name": "Renamed", "description": {"plain": {"value": "new words", "representation": "plain"}}
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            updated["name"].clone(),
            updated["description"]["plain"]["value"].clone()
        ),
        (json!("Renamed"), json!("new words"))
    );

    let page = json!({"type": "page", "title": "Doomed", "space": {"key": "GONE"}, "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}});
    let (_, created) = call(admin.post(app.url("/rest/api/content")).json(&page)).await;
    let page_id = created["id"].as_str().expect("id").to_string();
    let file = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"bytes".to_vec()).file_name("f.txt"),
    );
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))
            .multipart(file),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kept = json!({"type": "page", "title": "Survivor", "space": {"key": "KEPT"}, "body": {"storage": {"value": "<p>y</p>", "representation": "storage"}}});
    let (_, survivor) = call(admin.post(app.url("/rest/api/content")).json(&kept)).await;

    let (status, task) = call(admin.delete(app.url("/rest/api/space/GONE"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let status_link = task["links"]["status"]
        .as_str()
        .expect("status link")
        .to_string();
    let (status, progress) = call(admin.get(app.url(&status_link))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            progress["finished"].clone(),
            progress["successful"].clone(),
            progress["percentageComplete"].clone()
        ),
        (json!(true), json!(true), json!(100))
    );
    let (status, _) = call(admin.get(app.url("/rest/api/space/GONE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        call(admin.get(app.url(&format!("/rest/api/content/{page_id}?status=any")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the space's pages are gone");
    assert_eq!(
        attachment_files_in(app.blob_directory()),
        0,
        "attachment bytes are deleted with the space"
    );
    let (status, _) = call(admin.get(app.url(&format!(
        "/rest/api/content/{}",
        survivor["id"].as_str().expect("id")
    ))))
    .await;
    assert_eq!(status, StatusCode::OK, "other spaces are untouched");
    let (_, tasks) = call(admin.get(app.url("/rest/api/longtask"))).await;
    assert_eq!(tasks["size"], 1);
    let (status, _) = call(admin.delete(app.url("/rest/api/space/GONE"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn everyone_permitted_has_one_personal_space(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("dana", "dana-password").await;
    app.create_user("eve", "eve-password").await;
    app.create_user("fred", "fred-password").await;
    let dana = app.client_as("dana", "dana-password");
    let eve = app.client_as("eve", "eve-password");

    // Dana makes hers over REST; a key sent along is not hers to choose.
    let (status, space) = call(
        dana.post(app.url("/rest/api/space"))
            .json(&json!({"type": "personal", "key": "BOSS"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{space}");
    assert_eq!(space["key"], "~dana");
    assert_eq!(space["type"], "personal");
    assert_eq!(space["name"], "dana user");
    let (status, again) = call(
        dana.post(app.url("/rest/api/space"))
            .json(&json!({"type": "personal"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap_or("")
            .contains("already has a personal space"),
        "{again}"
    );
    let (_, personal) = call(eve.get(app.url("/rest/api/space?type=personal"))).await;
    assert_eq!(personal["results"][0]["key"], "~dana", "{personal}");

    // Everyone reads it and may comment; only Dana writes pages there.
    let page = |title: &str| {
        json!({"type": "page", "title": title, "space": {"key": "~dana"},
        "body": {"storage": {"value": "<p>notes</p>", "representation": "storage"}}})
    };
    let (status, created) =
        call(dana.post(app.url("/rest/api/content")).json(&page("Notes"))).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let notes = created["id"].as_str().expect("id").to_string();
    let (status, _) = call(eve.get(app.url(&format!("/rest/api/content/{notes}")))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        eve.post(app.url("/rest/api/content"))
            .json(&page("Eve was here")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(eve.post(app.url("/rest/api/content")).json(&json!({
        "type": "comment", "container": {"id": notes, "type": "page"},
        "body": {"storage": {"value": "<p>Nice notes</p>", "representation": "storage"}}
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    let html = dana
        .get(app.url("/display/~dana"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(html.contains("dana user Home"), "{html}");

    // Eve makes hers from her profile.
    let profile = eve
        .get(app.url("/users/editmyprofile.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(profile.contains("Create your personal space"), "{profile}");
    let created = eve
        .post(app.url("/users/editmyprofile.action"))
        .header("origin", app.url(""))
        .form(&[("action", "personal-space")])
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), StatusCode::OK);
    let html = created.text().await.expect("html");
    assert!(
        html.contains("Your personal space ~eve is ready."),
        "{html}"
    );
    assert!(html.contains("href=\"/display/~eve\""), "{html}");

    // Without the global permission, nobody gets one.
    let (status, _) = call(
        app.admin()
            .put(app.url("/rest/api/permissions/group/confluence-users/revoke"))
            .json(&json!(["PERSONALSPACE"])),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, refused) = call(
        app.client_as("fred", "fred-password")
            .post(app.url("/rest/api/space"))
            .json(&json!({"type": "personal"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (_, audit) = call(
        app.admin()
            .get(app.url("/rest/api/audit?searchString=personal%20space%20created")),
    )
    .await;
    assert_eq!(audit["size"], 2, "{audit}");
    app.stop().await;
}
