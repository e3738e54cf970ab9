//! Space permissions and page restrictions over HTTP: what an outsider may not see is not found
//! anywhere (reads, listings, search, totals, excerpts), what they may see but not change is 403.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(
    read_restrictions_hide_a_subtree_everywhere,
    update_restrictions_and_lock_out_guard,
    space_permissions_decide_view_edit_and_administration,
    groups_carry_restrictions_and_permissions,
);

const PASSWORD: &str = "secret-pass-1";

async fn create_page(
    client: &reqwest::Client,
    app: &TestApp,
    title: &str,
    parent: Option<&str>,
) -> String {
    let (status, page) = call(
        client
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", title, parent)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["id"].as_str().expect("id").to_string()
}

fn restrict_read_to(users: &[&str]) -> Value {
    let users: Vec<Value> = users
        .iter()
        .map(|name| json!({"type": "known", "username": name}))
        .collect();
    json!([{"operation": "read", "restrictions": {"user": users, "group": []}}])
}

fn usernames(operation: &Value) -> Vec<String> {
    operation["restrictions"]["user"]["results"]
        .as_array()
        .expect("users")
        .iter()
        .map(|user| user["username"].as_str().expect("username").to_string())
        .collect()
}

async fn status_of(request: reqwest::RequestBuilder) -> StatusCode {
    request.send().await.expect("sent").status()
}

async fn read_restrictions_hide_a_subtree_everywhere(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("alice", PASSWORD).await;
    app.create_user("bob", PASSWORD).await;
    let alice = app.client_as("alice", PASSWORD);
    let bob = app.client_as("bob", PASSWORD);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let secret = create_page(&admin, &app, "Secret plans", None).await;
    let below = create_page(&admin, &app, "Below the secret", Some(&secret)).await;
    let open = create_page(&admin, &app, "Open notes", None).await;
    call(
        admin
            .post(app.url(&format!("/rest/api/content/{secret}/label")))
            .json(&json!({"name": "hush"})),
    )
    .await;
    // A file below the secret page, whose text is indexed.
    let file = reqwest::multipart::Part::bytes(b"the secret figures".to_vec())
        .file_name("figures.txt")
        .mime_str("text/plain")
        .expect("media type");
    let (status, uploaded) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{below}/child/attachment")))
            .header("X-Atlassian-Token", "nocheck")
            .multipart(reqwest::multipart::Form::new().part("file", file)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");

    let (status, list) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{secret}/restriction")))
            .json(&restrict_read_to(&["admin", "alice"])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let (status, by_operation) = call(admin.get(app.url(&format!(
        "/rest/api/content/{secret}/restriction/byOperation"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(usernames(&by_operation["read"]), ["admin", "alice"]);
    assert_eq!(by_operation["read"]["restrictions"]["user"]["size"], 2);
    assert_eq!(usernames(&by_operation["update"]), Vec::<String>::new());

    // Bob: the restricted page and the page below it do not exist, by any path.
    for id in [&secret, &below] {
        let (status, error) = call(bob.get(app.url(&format!("/rest/api/content/{id}")))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
        assert_eq!(
            error["message"],
            format!("No content found with id: ContentId{{id={id}}}")
        );
        for path in [
            "child/page",
            "child/comment",
            "child/attachment",
            "descendant/page",
            "label",
            "property",
            "history",
            "version",
            "restriction/byOperation",
        ] {
            let status =
                status_of(bob.get(app.url(&format!("/rest/api/content/{id}/{path}")))).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path} of {id}");
        }
    }
    assert_eq!(
        status_of(bob.get(app.url(&format!(
            "/spaces/flyingpdf/pdfpageexport.action?pageId={secret}"
        ))))
        .await,
        StatusCode::NOT_FOUND
    );
    let (status, _) = call(bob.post(app.url("/rest/api/content")).json(&json!({
        "type": "comment", "container": {"id": secret},
        "body": {"storage": {"value": "<p>psst</p>", "representation": "storage"}}
    })))
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        bob.put(app.url(&format!("/rest/api/content/{below}")))
            .json(&json!({"type": "page", "title": "Taken", "version": {"number": 2}})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no 403 that would reveal it");

    // Listings, search results, totals and excerpts leave them out.
    let (_, listing) = call(bob.get(app.url("/rest/api/content?spaceKey=DEV&limit=100"))).await;
    let titles: Vec<&str> = listing["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|page| page["title"].as_str().expect("title"))
        .collect();
    assert!(titles.contains(&"Open notes"), "{titles:?}");
    assert!(
        !titles.iter().any(|title| title.contains("ecret")),
        "{titles:?}"
    );
    let (_, by_title) =
        call(bob.get(app.url("/rest/api/content?spaceKey=DEV&title=Secret+plans"))).await;
    assert_eq!(by_title["size"], 0);
    for cql in [
        "text ~ \"secret\"",
        "label = \"hush\"",
        &format!("ancestor = {secret}"),
        "type = attachment",
        "text ~ figures",
    ] {
        let (status, found) =
            call(bob.get(app.url("/rest/api/search")).query(&[("cql", cql)])).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["totalSize"], 0, "{cql}: {found}");
        assert_eq!(found["results"], json!([]), "{cql}");
    }
    let (_, alice_found) = call(
        alice
            .get(app.url("/rest/api/search"))
            .query(&[("cql", "text ~ \"secret\"")]),
    )
    .await;
    assert_eq!(
        alice_found["totalSize"], 3,
        "the two pages and the file: {alice_found}"
    );
    let (_, everything) = call(
        bob.get(app.url("/rest/api/content/search"))
            .query(&[("cql", "space = DEV and type = page")]),
    )
    .await;
    assert_eq!(
        everything["totalSize"], 2,
        "home and Open notes: {everything}"
    );
    let (_, space_pages) =
        call(bob.get(app.url("/rest/api/space/DEV/content/page?limit=50"))).await;
    assert_eq!(space_pages["size"], 2, "{space_pages}");

    // The UI too: a 404 page, and no trace in the tree of a visible page.
    let status =
        status_of(bob.get(app.url(&format!("/pages/viewpage.action?pageId={secret}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let tree = bob
        .get(app.url(&format!("/pages/viewpage.action?pageId={open}")))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("body");
    assert!(tree.contains("Open notes"));
    assert!(!tree.contains("Secret plans"), "the tree leaves it out");

    // Alice is named: she reads both, and the page below inherits nothing she lacks.
    for id in [&secret, &below] {
        let (status, _) = call(alice.get(app.url(&format!("/rest/api/content/{id}")))).await;
        assert_eq!(status, StatusCode::OK);
    }
    // A restricted home page is not expanded into the space for Bob.
    let (_, space) = call(admin.get(app.url("/rest/api/space/DEV"))).await;
    let home = space["_expandable"]["homepage"]
        .as_str()
        .expect("homepage link")
        .rsplit('/')
        .next()
        .expect("id")
        .to_string();
    call(
        admin
            .put(app.url(&format!("/rest/api/content/{home}/restriction")))
            .json(&restrict_read_to(&["admin"])),
    )
    .await;
    let (_, for_bob) = call(bob.get(app.url("/rest/api/space/DEV?expand=homepage"))).await;
    assert!(for_bob.get("homepage").is_none(), "{for_bob}");
    let (_, for_admin) = call(admin.get(app.url("/rest/api/space/DEV?expand=homepage"))).await;
    assert_eq!(for_admin["homepage"]["id"], home.as_str());

    // Lifting the restriction shows everything to Bob again.
    let (status, _) =
        call(admin.delete(app.url(&format!("/rest/api/content/{secret}/restriction")))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(bob.get(app.url(&format!("/rest/api/content/{below}")))).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn update_restrictions_and_lock_out_guard(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("alice", PASSWORD).await;
    let alice = app.client_as("alice", PASSWORD);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let page = create_page(&admin, &app, "Guarded", None).await;
    let restriction_url = app.url(&format!("/rest/api/content/{page}/restriction"));

    // Unknown names and shapes are refused, and nothing changes.
    for bad in [
        json!([{"operation": "update", "restrictions": {"user": [{"type": "known", "username": "nobody"}]}}]),
        json!([{"operation": "delete", "restrictions": {"user": []}}]),
        json!([{"operation": "read", "restrictions": {"group": [{"type": "group", "name": "no-such-group"}]}}]),
        json!("update"),
    ] {
        let (status, error) = call(admin.put(&restriction_url).json(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {error}");
    }
    // A restriction that would shut the caller out is refused.
    let (status, error) = call(admin.put(&restriction_url).json(&json!([
        {"operation": "update", "restrictions": {"user": [{"type": "known", "username": "alice"}]}}
    ])))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("lock you out"),
        "{error}"
    );
    let (_, unchanged) = call(admin.get(format!("{restriction_url}/byOperation"))).await;
    assert_eq!(usernames(&unchanged["update"]), Vec::<String>::new());

    // Update restricted to the admin: Alice still reads but may not change anything (403).
    let (status, _) = call(admin.put(&restriction_url).json(&json!([
        {"operation": "update", "restrictions": {"user": {"results": [{"type": "known", "username": "admin"}]}}}
    ])))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(alice.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::OK);
    let edit = json!({"type": "page", "title": "Guarded", "version": {"number": 2},
        "body": {"storage": {"value": "<p>mine now</p>", "representation": "storage"}}});
    let (status, error) = call(
        alice
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(&edit),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(
        error["message"],
        format!("Not permitted to edit content with id: ContentId{{id={page}}}")
    );
    let (status, _) = call(
        alice
            .post(app.url(&format!("/rest/api/content/{page}/label")))
            .json(&json!({"name": "graffiti"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        alice
            .post(app.url(&format!("/rest/api/content/{page}/property")))
            .json(&json!({"key": "k", "value": 1})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(alice.put(&restriction_url).json(&json!([]))).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "an empty body names nothing"
    );
    let (status, _) = call(alice.delete(&restriction_url)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "she cannot lift it either");
    // Commenting needs only the right to view.
    let (status, _) = call(alice.post(app.url("/rest/api/content")).json(&json!({
        "type": "comment", "container": {"id": page},
        "body": {"storage": {"value": "<p>may I?</p>", "representation": "storage"}}
    })))
    .await;
    assert_eq!(status, StatusCode::OK);
    // Nothing Alice tried landed; the admin still edits.
    let (_, current) = call(admin.get(app.url(&format!(
        "/rest/api/content/{page}?expand=version,body.storage,metadata.labels"
    ))))
    .await;
    assert_eq!(current["version"]["number"], 1);
    assert_eq!(current["metadata"]["labels"]["size"], 0);
    let (status, _) = call(
        admin
            .put(app.url(&format!("/rest/api/content/{page}")))
            .json(&edit),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn rpc(client: &reqwest::Client, app: &TestApp, method: &str, params: Value) -> Value {
    let (status, answer) = call(
        client
            .post(app.url("/rpc/json-rpc/confluenceservice-v2"))
            .json(&json!({"jsonrpc": "2.0", "method": method, "id": 1, "params": params})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    answer
}

async fn space_permissions_decide_view_edit_and_administration(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("bob", PASSWORD).await;
    let bob = app.client_as("bob", PASSWORD);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let page = create_page(&admin, &app, "Team page", None).await;

    // New spaces: the creator holds everything, every user the defaults.
    let (status, grants) = call(admin.get(app.url("/rest/api/space/DEV/permissions"))).await;
    assert_eq!(status, StatusCode::OK);
    let grants = grants.as_array().expect("array").clone();
    let has = |kind: &str, name: &str, operation: &str, target: &str| {
        grants.iter().any(|grant| {
            grant["subject"]["type"] == kind
                && grant["subject"]["displayName"] == name
                && grant["operation"]["operationKey"] == operation
                && grant["operation"]["targetType"] == target
                && grant["spaceKey"] == "DEV"
        })
    };
    assert!(has("group", "confluence-users", "read", "space"));
    assert!(has("group", "confluence-users", "create", "page"));
    assert!(!has("group", "confluence-users", "administer", "space"));
    assert!(has("user", "admin", "administer", "space"));
    let (_, singular) = call(admin.get(app.url("/rest/api/space/DEV/permission"))).await;
    assert_eq!(singular["size"], grants.len());

    // Bob may not administer the space.
    let answer = rpc(
        &bob,
        &app,
        "removePermissionFromSpace",
        json!(["VIEWSPACE", "confluence-users", "DEV"]),
    )
    .await;
    assert!(
        answer["error"]["message"]
            .as_str()
            .expect("error")
            .contains("SETSPACEPERMISSIONS"),
        "{answer}"
    );
    let (status, _) = call(
        bob.put(app.url("/rest/api/space/DEV"))
            .json(&json!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(bob.delete(app.url("/rest/api/space/DEV"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        bob.post(app.url("/rest/api/space/DEV/permission"))
            .json(&json!({
                "subject": {"type": "user", "identifier": "bob"},
                "operation": {"key": "administer", "target": "space"}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Deleting others' pages needs REMOVEPAGE, which users do not hold by default.
    let (status, _) = call(bob.delete(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own = create_page(&bob, &app, "Bob's own", None).await;
    let (status, _) = call(bob.delete(app.url(&format!("/rest/api/content/{own}")))).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "his own he may remove");

    // Without EDITSPACE Bob reads but cannot write.
    let answer = rpc(
        &admin,
        &app,
        "removePermissionFromSpace",
        json!(["EDITSPACE", "confluence-users", "DEV"]),
    )
    .await;
    assert_eq!(answer["result"], true, "{answer}");
    let (status, _) = call(bob.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = call(
        bob.post(app.url("/rest/api/content"))
            .json(&new_page("DEV", "Nope", None)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    let (status, _) = call(
        bob.put(app.url(&format!("/rest/api/content/{page}")))
            .json(&json!({
                "type": "page", "title": "Team page", "version": {"number": 2}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Without VIEWSPACE the space is gone for him: 404 with the missing-space message, no listing.
    let answer = rpc(
        &admin,
        &app,
        "removePermissionFromSpace",
        json!(["VIEWSPACE", "confluence-users", "DEV"]),
    )
    .await;
    assert_eq!(answer["result"], true);
    let (status, error) = call(bob.get(app.url("/rest/api/space/DEV"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error["message"], "No space with key : DEV");
    let (_, spaces) = call(bob.get(app.url("/rest/api/space"))).await;
    assert_eq!(spaces["size"], 0, "{spaces}");
    let (status, _) = call(bob.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, found) = call(
        bob.get(app.url("/rest/api/search"))
            .query(&[("cql", "type = page")]),
    )
    .await;
    assert_eq!(found["totalSize"], 0);
    let sets = rpc(&admin, &app, "getSpacePermissionSets", json!(["DEV"])).await;
    let view_holders = sets["result"]
        .as_array()
        .expect("sets")
        .iter()
        .find(|set| set["type"] == "VIEWSPACE")
        .expect("VIEWSPACE set")["spacePermissions"]
        .clone();
    assert_eq!(
        view_holders,
        json!([{"type": "VIEWSPACE", "userName": "admin", "groupName": null}])
    );

    // Granting VIEWSPACE to Bob alone by REST brings it back for him.
    let (status, granted) = call(admin.post(app.url("/rest/api/space/DEV/permission")).json(
        &json!({
            "subject": {"type": "user", "identifier": "bob"},
            "operation": {"key": "read", "target": "space"}
        }),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    let (status, _) = call(bob.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

async fn groups_carry_restrictions_and_permissions(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    app.create_user("carol", PASSWORD).await;
    app.create_user("dave", PASSWORD).await;
    let carol = app.client_as("carol", PASSWORD);
    let dave = app.client_as("dave", PASSWORD);
    call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let page = create_page(&admin, &app, "Board minutes", None).await;

    // Only site administrators manage groups.
    let (status, _) = call(
        carol
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "board"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, group) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "Board"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{group}");
    assert_eq!(group["name"], "board");
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "board"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "names are unique");
    let status = status_of(admin.put(app.url("/rest/api/user/carol/group/board"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let status = status_of(admin.put(app.url("/rest/api/user/admin/group/board"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, members) = call(admin.get(app.url("/rest/api/group/board/member"))).await;
    assert_eq!(members["size"], 2);

    let (status, _) = call(admin.put(app.url(&format!("/rest/api/content/{page}/restriction"))).json(&json!([
        {"operation": "read", "restrictions": {"user": [], "group": [{"type": "group", "name": "board"}]}}
    ])))
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, by_operation) = call(admin.get(app.url(&format!(
        "/rest/api/content/{page}/restriction/byOperation/read"
    ))))
    .await;
    assert_eq!(
        by_operation["restrictions"]["group"]["results"][0]["name"],
        "board"
    );
    let (status, _) = call(carol.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::OK, "a member reads");
    let (status, _) = call(dave.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a non-member does not");

    // Leaving the group takes the access with it.
    let status = status_of(admin.delete(app.url("/rest/api/user/carol/group/board"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(carol.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Removing the group takes it out of the restriction, which then names no account: the page
    // stays shut rather than opening to every user.
    let (status, _) = call(admin.delete(app.url("/rest/api/admin/group/confluence-users"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "built-in groups stay");
    let status = status_of(admin.delete(app.url("/rest/api/admin/group/board"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(dave.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, by_operation) = call(admin.get(app.url(&format!(
        "/rest/api/content/{page}/restriction/byOperation/read"
    ))))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "space administrators see the restrictions"
    );
    assert_eq!(
        by_operation["restrictions"]["group"]["size"], 0,
        "{by_operation}"
    );
    // And they can open it again.
    let status =
        status_of(admin.delete(app.url(&format!("/rest/api/content/{page}/restriction")))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(dave.get(app.url(&format!("/rest/api/content/{page}")))).await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}
