//! Starting a site with a Confluence export: the setup wizard's content step (the export uploaded
//! with the form, imported as a long task once the site runs) and `cairn setup --content
//! import:FILE`, on every database, with the binary as shipped.

use std::time::{Duration, Instant};

use cairn_core::SpaceKey;
use cairn_testkit::{TestDb, every_dialect};
use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::import::write_export;
use crate::{Node, cairn, run};

every_dialect!(
    the_wizard_starts_the_site_with_an_uploaded_export,
    unattended_setup_imports_an_export
);

/// The value of the hidden field `name` in a wizard page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name}: {page}"))
        + marker.len();
    page[start..].split('"').next().expect("value").to_string()
}

async fn the_wizard_starts_the_site_with_an_uploaded_export(db: TestDb) {
    let home = tempfile::tempdir().expect("home");
    let export = home.path().join("upload.zip");
    write_export(&export, true);
    // Started on its database, as a cluster's node is: the wizard has no database step.
    let mut node = Node::start(
        cairn()
            .arg("serve")
            .arg("--home")
            .arg(home.path())
            .env("CAIRN_DATABASE_URL", &db.url),
    );
    let base = node.wait_until_serving();
    // Said once the token is written.
    node.wait_for_line("Cairn is not set up yet");
    let token = std::fs::read_to_string(home.path().join("setup-token"))
        .expect("token")
        .trim()
        .to_string();
    cairn_blob::install_ring_as_tls_provider();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let content_step = client
        .post(format!("{base}/setup"))
        .form(&[
            ("step", "cluster"),
            ("token", token.as_str()),
            ("clusterName", "Migrated"),
        ])
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(
        content_step.contains("A Confluence space or site export"),
        "{content_step}"
    );
    let upload = |token: &str| {
        reqwest::multipart::Form::new()
            .text("token", token.to_string())
            .text("clusterName", "Migrated")
            .text("step", "content")
            .text("content", "import")
            .part(
                "file",
                reqwest::multipart::Part::bytes(std::fs::read(&export).expect("export"))
                    .file_name("DEMO-space-export.zip"),
            )
    };
    let refused = client
        .post(format!("{base}/setup/content"))
        .multipart(upload("not-the-token"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let folder = home.path().join("import");
    let kept = || {
        std::fs::read_dir(&folder)
            .map(|entries| entries.count())
            .unwrap_or(0)
    };
    assert_eq!(
        kept(),
        0,
        "nothing is kept from a request without the token"
    );

    let answered = client
        .post(format!("{base}/setup/content"))
        .multipart(upload(&token))
        .send()
        .await
        .expect("sent");
    assert_eq!(answered.status(), StatusCode::OK);
    let users_step = answered.text().await.expect("page");
    assert!(users_step.contains("User management"), "{users_step}");
    let file = hidden(&users_step, "importFile");
    assert!(file.starts_with(".setup-upload-"), "{file}");
    assert!(
        folder.join(&file).is_file(),
        "the upload waits in the import folder"
    );
    assert_eq!(hidden(&users_step, "importName"), "DEMO-space-export.zip");

    let finished = client
        .post(format!("{base}/setup"))
        .form(&[
            ("step", "finish"),
            ("token", token.as_str()),
            ("clusterName", "Migrated"),
            ("content", "import"),
            ("importFile", file.as_str()),
            ("importName", "DEMO-space-export.zip"),
            ("adminUsername", "boss"),
            ("adminPassword", "boss-password"),
            ("adminPasswordAgain", "boss-password"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(finished.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        finished.headers()[LOCATION],
        "/admin/importspace.action",
        "the administrator is taken to the import's progress"
    );
    node.wait_for_line("the setup wizard's import started");

    let deadline = Instant::now() + Duration::from_secs(60);
    let task = loop {
        let tasks: serde_json::Value = client
            .get(format!("{base}/rest/api/longtask"))
            .basic_auth("boss", Some("boss-password"))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        let task = tasks["results"][0].clone();
        if task["finished"] == true {
            break task;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish: {tasks}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(task["successful"], true, "{task}");
    assert!(
        task["name"]["key"]
            .as_str()
            .expect("name")
            .contains("DEMO-space-export.zip"),
        "{task}"
    );
    let space = client
        .get(format!("{base}/rest/api/space/DEMO"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent");
    assert_eq!(space.status(), StatusCode::OK);
    let screen = client
        .get(format!(
            "{base}/admin/importspace.action?taskId={}",
            task["id"].as_str().expect("id")
        ))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(screen.contains("imported:"), "{screen}");
    assert!(
        !folder.join(&file).exists(),
        "the wizard's upload is removed once imported"
    );
    node.stop();
}

async fn unattended_setup_imports_an_export(db: TestDb) {
    let home = tempfile::tempdir().expect("home");
    let export = home.path().join("demo.zip");
    write_export(&export, true);
    let setup = |content: String| {
        let mut command = cairn();
        command
            .arg("setup")
            .arg("--home")
            .arg(home.path())
            .args(["--database-url", db.url.as_str()])
            .args(["--admin-user", "boss", "--admin-password", "boss-password"])
            .arg("--content")
            .arg(content);
        run(&mut command)
    };
    let (ok, text) = setup(format!(
        "import:{}",
        home.path().join("missing.zip").display()
    ));
    assert!(!ok, "{text}");
    assert!(text.contains("there is no export at"), "{text}");

    let (ok, text) = setup(format!("import:{}", export.display()));
    assert!(ok, "{text}");
    assert!(text.contains("imported:"), "the report is printed: {text}");
    assert!(text.contains("Cairn is set up"), "{text}");
    let store = db.store().await;
    assert!(
        store
            .find_space_by_key(&SpaceKey::from_stored("DEMO"))
            .await
            .expect("read")
            .is_some()
    );
    assert!(
        store
            .find_user_by_username("boss")
            .await
            .expect("read")
            .is_some(),
        "the administrator exists"
    );
}
