//! User administration as Confluence Data Center 8.4 clients drive it (`/rest/api/admin/user…`) and
//! as an administrator uses the Users screen: accounts created, passwords set and changed, and a
//! deactivation that stops the user's password, token and session at once on every node.

use std::time::{Duration, Instant};

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::call;

every_dialect!(
    deactivation_stops_every_credential_on_every_node,
    users_are_created_and_passwords_changed,
    groups_are_managed_on_their_screens,
    details_are_edited_by_their_owner_and_administrators
);

async fn status_as(app: &TestApp, username: &str, password: &str) -> StatusCode {
    cairn_testkit::anonymous_client()
        .get(app.url("/rest/api/user/current"))
        .basic_auth(username, Some(password))
        .send()
        .await
        .expect("sent")
        .status()
}

async fn users_are_created_and_passwords_changed(db: TestDb) {
    let app = TestApp::start(db).await;
    let (status, created) = call(
        app.admin()
            .post(app.url("/rest/api/admin/user"))
            .json(&json!({
                "userName": "newcomer", "fullName": "New Comer", "email": "newcomer@example.test",
                "password": "newcomer-password", "notifyViaEmail": false,
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["username"], "newcomer");
    assert_eq!(created["displayName"], "New Comer");
    assert_eq!(
        status_as(&app, "newcomer", "newcomer-password").await,
        StatusCode::OK
    );

    for (body, code, words) in [
        (
            json!({"userName": "newcomer", "password": "newcomer-password"}),
            "username_taken",
            "already exists",
        ),
        (
            json!({"userName": "short", "password": "short"}),
            "bad_request",
            "at least 8",
        ),
        (
            json!({"password": "no-username-here"}),
            "bad_request",
            "userName",
        ),
    ] {
        let (status, error) = call(
            app.admin()
                .post(app.url("/rest/api/admin/user"))
                .json(&body),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {error}");
        assert_eq!(error["code"], code, "{error}");
        assert!(
            error["message"].as_str().unwrap_or("").contains(words),
            "{error}"
        );
    }
    // Only site administrators create users or set passwords.
    let newcomer = cairn_testkit::anonymous_client();
    let (status, _) = call(
        newcomer
            .post(app.url("/rest/api/admin/user"))
            .basic_auth("newcomer", Some("newcomer-password"))
            .json(&json!({"userName": "sneaky", "password": "sneaky-password"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An administrator sets the password; the old one stops working.
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/admin/user/newcomer/password"))
            .json(&json!({"password": "set-by-admin"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        status_as(&app, "newcomer", "newcomer-password").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status_as(&app, "newcomer", "set-by-admin").await,
        StatusCode::OK
    );

    // The user changes their own password, given the current one.
    let change = |old: &str, new: &str| {
        newcomer
            .post(app.url("/rest/api/user/current/password"))
            .basic_auth("newcomer", Some("set-by-admin"))
            .json(&json!({"oldPassword": old, "newPassword": new}))
    };
    let (status, _) = call(change("wrong-password", "mine-now-123")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(change("set-by-admin", "mine-now-123")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        status_as(&app, "newcomer", "mine-now-123").await,
        StatusCode::OK
    );

    let (status, missing) = call(
        app.admin()
            .put(app.url("/rest/api/admin/user/nobody/disable")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    let (status, yourself) = call(
        app.admin()
            .put(app.url("/rest/api/admin/user/admin/disable")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{yourself}");
    app.stop().await;
}

async fn deactivation_stops_every_credential_on_every_node(db: TestDb) {
    let second = db.share();
    let app = TestApp::start(db).await;
    let other = TestApp::start(second).await;
    app.create_user("leaver", "leaver-password").await;
    // A token and a session of the user, both used once so every node has them cached.
    let (status, token) = call(
        cairn_testkit::anonymous_client()
            .post(app.url("/rest/pat/latest/tokens"))
            .basic_auth("leaver", Some("leaver-password"))
            .json(&json!({"name": "laptop"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{token}");
    let token = token["rawToken"].as_str().expect("token").to_string();
    let with_token = |node: &TestApp| {
        cairn_testkit::anonymous_client()
            .get(node.url("/rest/api/user/current"))
            .bearer_auth(&token)
            .send()
    };
    for node in [&app, &other] {
        assert_eq!(
            with_token(node).await.expect("sent").status(),
            StatusCode::OK
        );
        assert_eq!(
            status_as(node, "leaver", "leaver-password").await,
            StatusCode::OK
        );
    }

    // Deactivated through the Users screen on the first node.
    let screen = app
        .admin()
        .post(app.url("/admin/users/browseusers.action"))
        .header("origin", app.url(""))
        .form(&[("action", "deactivate"), ("username", "leaver")])
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    assert!(
        screen
            .text()
            .await
            .expect("text")
            .contains("leaver is deactivated")
    );

    // Within a second, neither node accepts the password or the token.
    let deadline = Instant::now() + Duration::from_secs(1);
    for node in [&app, &other] {
        loop {
            let password = status_as(node, "leaver", "leaver-password").await;
            let token = with_token(node).await.expect("sent").status();
            if password == StatusCode::UNAUTHORIZED && token == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "still accepted on a node: {password} {token}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let listed = app
        .admin()
        .get(app.url("/admin/users/browseusers.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        listed.contains("Deactivated"),
        "the screen shows the status"
    );

    let (status, _) = call(
        app.admin()
            .put(app.url("/rest/api/admin/user/leaver/enable")),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        status_as(&app, "leaver", "leaver-password").await,
        StatusCode::OK
    );
    other.stop().await;
    app.stop().await;
}

async fn groups_are_managed_on_their_screens(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("member", "member-password").await;
    let post = |path: &str, form: &[(&str, &str)]| {
        app.admin()
            .post(app.url(path))
            .header("origin", app.url(""))
            .form(form)
            .send()
    };
    let created = post(
        "/admin/users/browsegroups.action",
        &[("action", "create"), ("name", "Writers")],
    )
    .await
    .expect("sent");
    assert_eq!(created.status(), StatusCode::OK);
    assert!(
        created
            .text()
            .await
            .expect("text")
            .contains("Group writers created")
    );
    let members = "/admin/users/viewmembersofgroup.action?membersOfGroupTerm=writers";
    let added = post(members, &[("action", "add"), ("username", "member")])
        .await
        .expect("sent");
    assert_eq!(added.status(), StatusCode::OK);
    assert!(
        added
            .text()
            .await
            .expect("text")
            .contains("member is a member of writers now")
    );
    let (status, listed) = call(app.admin().get(app.url("/rest/api/group/writers/member"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["results"][0]["username"], "member", "{listed}");
    let missing = post(members, &[("action", "add"), ("username", "nobody")])
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let removed = post(members, &[("action", "remove"), ("username", "member")])
        .await
        .expect("sent");
    assert!(
        removed
            .text()
            .await
            .expect("text")
            .contains("no longer a member")
    );
    // The built-in groups stay, whatever a form says.
    let built_in = post(
        "/admin/users/browsegroups.action",
        &[("action", "remove"), ("name", "confluence-users")],
    )
    .await
    .expect("sent");
    assert_eq!(built_in.status(), StatusCode::BAD_REQUEST);
    let gone = post(
        "/admin/users/browsegroups.action",
        &[("action", "remove"), ("name", "writers")],
    )
    .await
    .expect("sent");
    assert!(
        gone.text()
            .await
            .expect("text")
            .contains("Group writers removed")
    );
    let (status, _) = call(app.admin().get(app.url("/rest/api/group/writers/member"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn post_form(
    app: &TestApp,
    path: &str,
    username: &str,
    password: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = app
        .client_as(username, password)
        .post(app.url(path))
        .header("origin", app.url(""))
        .form(form)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.text().await.expect("html"))
}

async fn details_are_edited_by_their_owner_and_administrators(db: TestDb) {
    let app = TestApp::start(db).await;
    app.create_user("dana", "dana-password").await;
    app.create_user("eve", "eve-password").await;

    // Dana edits her own details and password on her profile.
    let (status, html) = post_form(
        &app,
        "/users/editmyprofile.action",
        "dana",
        "dana-password",
        &[
            ("action", "details"),
            ("fullName", "Dana Scully"),
            ("email", "dana@example.test"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Details saved."), "{html}");
    let (_, dana) = call(app.admin().get(app.url("/rest/api/user?username=dana"))).await;
    assert_eq!(dana["displayName"], "Dana Scully");
    for (form, words) in [
        (
            vec![("action", "details"), ("fullName", " "), ("email", "")],
            "needs a full name",
        ),
        (
            vec![
                ("action", "details"),
                ("fullName", "Dana"),
                ("email", "not an address"),
            ],
            "not an email address",
        ),
        (
            vec![
                ("action", "password"),
                ("oldPassword", "wrong-one"),
                ("newPassword", "another-password"),
            ],
            "current password",
        ),
    ] {
        let (status, html) = post_form(
            &app,
            "/users/editmyprofile.action",
            "dana",
            "dana-password",
            &form,
        )
        .await;
        assert!(status.is_client_error(), "{form:?}: {status}");
        assert!(html.contains(words), "{form:?}: {html}");
    }
    let (status, _) = post_form(
        &app,
        "/users/editmyprofile.action",
        "dana",
        "dana-password",
        &[
            ("action", "password"),
            ("oldPassword", "dana-password"),
            ("newPassword", "dana-new-password"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        status_as(&app, "dana", "dana-new-password").await,
        StatusCode::OK
    );

    // An administrator edits anyone's; nobody else can.
    let (status, html) = post_form(
        &app,
        "/admin/users/edituser.action?username=eve",
        cairn_testkit::ADMIN_USERNAME,
        cairn_testkit::ADMIN_PASSWORD,
        &[
            ("action", "details"),
            ("fullName", "Eve Moneypenny"),
            ("email", "eve@example.test"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, _) = post_form(
        &app,
        "/admin/users/edituser.action?username=eve",
        cairn_testkit::ADMIN_USERNAME,
        cairn_testkit::ADMIN_PASSWORD,
        &[("action", "password"), ("newPassword", "eve-set-by-admin")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        status_as(&app, "eve", "eve-set-by-admin").await,
        StatusCode::OK
    );
    let (status, _) = post_form(
        &app,
        "/admin/users/edituser.action?username=eve",
        "dana",
        "dana-new-password",
        &[("action", "details"), ("fullName", "Hacked")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, eve) = call(app.admin().get(app.url("/rest/api/user?username=eve"))).await;
    assert_eq!(eve["displayName"], "Eve Moneypenny");
    let (_, audit) = call(
        app.admin()
            .get(app.url("/rest/api/audit?searchString=details%20changed")),
    )
    .await;
    assert_eq!(audit["size"], 2, "{audit}");
    assert_eq!(
        audit["results"][0]["changedValues"],
        json!([{"name": "full name", "oldValue": "eve user", "newValue": "Eve Moneypenny"}])
    );
    app.stop().await;
}
