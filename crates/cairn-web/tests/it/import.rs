//! Importing a Confluence export over HTTP: `POST /rest/cairn/1/import/confluence` and the
//! "Import space" screen, each answering a long task that `/rest/api/longtask/{id}` follows.

use std::io::Write;
use std::time::{Duration, Instant};

use cairn_app::NodeSettings;
use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::Value;

every_dialect!(
    an_administrator_imports_an_export_as_a_long_task,
    a_broken_export_fails_its_task_and_changes_nothing,
    an_export_over_the_limit_is_refused_with_413,
    the_import_screen_uploads_and_shows_the_report,
    key_mappings_and_dry_runs_come_with_the_upload,
    an_export_in_the_import_folder_is_imported_and_kept,
);

/// A space export with one space (`imp`, imported as `IMP`) and its home page.
fn export_zip() -> Vec<u8> {
    let entities = r#"<?xml version="1.0" encoding="UTF-8"?>
<hibernate-generic datetime="2024-01-01 10:00:00">
<object class="Space" package="com.atlassian.confluence.spaces">
<id name="id">100</id>
<property name="name"><![CDATA[Imported]]></property>
<property name="key"><![CDATA[imp]]></property>
<property name="homePage" class="Page" package="com.atlassian.confluence.pages"><id name="id">1000</id></property>
<property name="creatorName"><![CDATA[olduser]]></property>
</object>
<object class="Page" package="com.atlassian.confluence.pages">
<id name="id">1000</id>
<property name="title"><![CDATA[Imported home]]></property>
<property name="space" class="Space" package="com.atlassian.confluence.spaces"><id name="id">100</id></property>
<property name="version">1</property>
<property name="creatorName"><![CDATA[olduser]]></property>
<property name="contentStatus"><![CDATA[current]]></property>
<collection name="bodyContents" class="java.util.Collection"><element class="BodyContent" package="com.atlassian.confluence.core"><id name="id">5000</id></element></collection>
</object>
<object class="BodyContent" package="com.atlassian.confluence.core">
<id name="id">5000</id>
<property name="body"><![CDATA[<p>Hello from Confluence</p>]]></property>
<property name="bodyType">2</property>
</object>
</hibernate-generic>
"#;
    let mut bytes = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut bytes);
        zip.start_file("entities.xml", zip::write::SimpleFileOptions::default())
            .expect("zip entry");
        zip.write_all(entities.as_bytes()).expect("zip write");
        zip.finish().expect("zip finish");
    }
    bytes.into_inner()
}

fn form(bytes: Vec<u8>, name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

/// The task once it has finished (within a deadline).
async fn finished_task(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let task: Value = app
            .admin()
            .get(app.url(&format!("/rest/api/longtask/{id}")))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        if task["finished"] == true {
            return task;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish: {task}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn an_administrator_imports_an_export_as_a_long_task(db: TestDb) {
    let app = TestApp::start(db).await;
    let response = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence"))
        .multipart(form(export_zip(), "IMP-export.zip"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let started: Value = response.json().await.expect("json");
    let id = started["id"].as_str().expect("task id").to_string();
    assert_eq!(
        started["links"]["status"],
        format!("/rest/api/longtask/{id}")
    );
    let task = finished_task(&app, &id).await;
    assert_eq!(task["successful"], true, "{task}");
    assert_eq!(task["percentageComplete"], 100);
    let report = task["messages"][0]["translation"].as_str().expect("report");
    assert!(report.contains("imported:"), "{report}");
    assert!(
        task["name"]["key"]
            .as_str()
            .expect("name")
            .contains("IMP-export.zip")
    );

    let space: Value = app
        .admin()
        .get(app.url("/rest/api/space/IMP?expand=homepage"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(space["name"], "Imported");
    assert_eq!(space["homepage"]["title"], "Imported home");
}

async fn a_broken_export_fails_its_task_and_changes_nothing(db: TestDb) {
    let app = TestApp::start(db).await;
    let response = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence"))
        .multipart(form(b"this is not a zip".to_vec(), "broken.zip"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let started: Value = response.json().await.expect("json");
    let task = finished_task(&app, started["id"].as_str().expect("id")).await;
    assert_eq!(task["successful"], false, "{task}");
    let message = task["messages"][0]["translation"]
        .as_str()
        .expect("message");
    assert!(
        message.starts_with("broken.zip was not imported, nothing was changed")
            && message.contains("not a readable zip"),
        "the message names the upload, not the server's temporary file: {message}"
    );
    let spaces: Value = app
        .admin()
        .get(app.url("/rest/api/space"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(spaces["size"], 0, "{spaces}");
}

async fn an_export_over_the_limit_is_refused_with_413(db: TestDb) {
    let app = TestApp::start_with_settings(
        db,
        None,
        NodeSettings {
            import_max_bytes: 1024,
            ..NodeSettings::default()
        },
    )
    .await;
    let response = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence"))
        .multipart(form(vec![b'x'; 4096], "big.zip"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "request_too_large");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("import_max_mb"),
        "{body}"
    );
    let tasks: Value = app
        .admin()
        .get(app.url("/rest/api/longtask"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(tasks["size"], 0, "no task was started: {tasks}");
}

async fn the_import_screen_uploads_and_shows_the_report(db: TestDb) {
    let app = TestApp::start(db).await;
    let screen = app
        .admin()
        .get(app.url("/admin/importspace.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(screen.status(), StatusCode::OK);
    let html = screen.text().await.expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("type=\"file\" name=\"file\""), "{html}");

    let answer = app
        .admin()
        .post(app.url("/admin/importspace.action"))
        .header("origin", app.url(""))
        .multipart(form(export_zip(), "IMP-export.zip"))
        .send()
        .await
        .expect("sent");
    // The redirect to the task was followed.
    assert_eq!(answer.status(), StatusCode::OK);
    let shown = answer.url().clone();
    let task_id = shown
        .query_pairs()
        .find(|(name, _)| name == "taskId")
        .map(|(_, value)| value.to_string())
        .expect("the screen shows the task");
    let task = finished_task(&app, &task_id).await;
    assert_eq!(task["successful"], true, "{task}");
    let html = app
        .admin()
        .get(shown)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(html.contains("id=\"import-report\""), "{html}");
    assert!(html.contains("imported:"), "{html}");
    assert!(html.contains("Recent imports"), "{html}");
}

async fn space(app: &TestApp, key: &str) -> StatusCode {
    app.admin()
        .get(app.url(&format!("/rest/api/space/{key}")))
        .send()
        .await
        .expect("sent")
        .status()
}

async fn key_mappings_and_dry_runs_come_with_the_upload(db: TestDb) {
    let app = TestApp::start(db).await;
    let started: Value = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence?dryRun=true"))
        .multipart(form(export_zip(), "IMP-export.zip"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let task = finished_task(&app, started["id"].as_str().expect("id")).await;
    assert_eq!(task["successful"], true, "{task}");
    let report = task["messages"][0]["translation"].as_str().expect("report");
    assert!(report.contains("dry run"), "{report}");
    assert_eq!(
        space(&app, "IMP").await,
        StatusCode::NOT_FOUND,
        "a dry run writes nothing"
    );

    let mapped = form(export_zip(), "IMP-export.zip").text("spaceKeyMap", "imp=NEWKEY");
    let started: Value = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence"))
        .multipart(mapped)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let task = finished_task(&app, started["id"].as_str().expect("id")).await;
    assert_eq!(task["successful"], true, "{task}");
    assert_eq!(space(&app, "NEWKEY").await, StatusCode::OK);
    assert_eq!(space(&app, "IMP").await, StatusCode::NOT_FOUND);

    let refused = app
        .admin()
        .post(app.url("/rest/cairn/1/import/confluence?spaceKeyMap=nonsense"))
        .multipart(form(export_zip(), "IMP-export.zip"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body: Value = refused.json().await.expect("json");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("OLD=NEW"),
        "{body}"
    );
}

async fn an_export_in_the_import_folder_is_imported_and_kept(db: TestDb) {
    let folder = tempfile::tempdir().expect("import folder");
    std::fs::write(folder.path().join("IMP-export.zip"), export_zip()).expect("export");
    std::fs::write(folder.path().join("notes.txt"), "not an export").expect("other file");
    let app = TestApp::start_with_settings(
        db,
        None,
        NodeSettings {
            import_directory: Some(folder.path().to_path_buf()),
            ..NodeSettings::default()
        },
    )
    .await;
    let html = app
        .admin()
        .get(app.url("/admin/importspace.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("<option value=\"IMP-export.zip\">"),
        "the screen lists the folder's export: {html}"
    );
    assert!(!html.contains("notes.txt"), "only exports are listed");

    for outside in ["../IMP-export.zip", "missing.zip", "notes.txt"] {
        let refused = app
            .admin()
            .post(app.url("/rest/cairn/1/import/confluence"))
            .multipart(reqwest::multipart::Form::new().text("serverFile", outside))
            .send()
            .await
            .expect("sent");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{outside}");
    }

    let answer = app
        .admin()
        .post(app.url("/admin/importspace.action"))
        .header("origin", app.url(""))
        .multipart(
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
                )
                .text("serverFile", "IMP-export.zip")
                .text("spaceKeyMap", ""),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(answer.status(), StatusCode::OK);
    let task_id = answer
        .url()
        .query_pairs()
        .find(|(name, _)| name == "taskId")
        .map(|(_, value)| value.to_string())
        .expect("the screen shows the task");
    let task = finished_task(&app, &task_id).await;
    assert_eq!(task["successful"], true, "{task}");
    assert_eq!(space(&app, "IMP").await, StatusCode::OK);
    assert!(
        folder.path().join("IMP-export.zip").is_file(),
        "an administrator's file in the folder stays there"
    );
}
