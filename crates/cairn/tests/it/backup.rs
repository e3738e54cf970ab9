//! Site backup and restore (`cairn_app::backup`, `cairn backup`, `cairn restore`): a filled site
//! restored into every dialect equals its source row for row and byte for byte, and a node on it
//! serves and finds the content; a backup taken under writes is consistent; damaged files,
//! foreign files and sites in the target are refused with the target left as it was.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use cairn_app::backup::{BackupError, RestoreOptions};
use cairn_blob::{BlobKey, BlobStore};
use cairn_store::{BACKUP_TABLES, Cell, Store, TablePolicy};
use cairn_testkit::{TestApp, TestDb, TestDialect, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{cairn, run};

const ATTACHMENT_LIMIT: u64 = 256 * 1024 * 1024;

fn quiet(_: cairn_app::backup::Progress) {}

async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A site on `db` with a node serving it; attachment bytes in the returned directory.
async fn start_site(db: TestDb) -> (TestApp, tempfile::TempDir) {
    let directory = tempfile::tempdir().expect("blob directory");
    let blobs = BlobStore::open_directory(directory.path())
        .await
        .expect("blob store");
    let app = TestApp::start_with_blobs(db, Some(blobs), ATTACHMENT_LIMIT).await;
    (app, directory)
}

async fn create_page(
    app: &TestApp,
    space: &str,
    title: &str,
    body: &str,
    parent: Option<&str>,
) -> String {
    let mut request = json!({
        "type": "page",
        "title": title,
        "space": {"key": space},
        "body": {"storage": {"value": body, "representation": "storage"}},
    });
    if let Some(parent) = parent {
        request["ancestors"] = json!([{"id": parent}]);
    }
    let (status, page) = call(
        app.admin()
            .post(app.url("/rest/api/content"))
            .json(&request),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["id"].as_str().expect("id").to_string()
}

async fn upload(app: &TestApp, page: &str, name: &str, bytes: Vec<u8>) -> String {
    let (status, uploaded) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page}/child/attachment")))
            .header("X-Atlassian-Token", "no-check")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    // Attachment ids read `att<number>`, as Confluence's do.
    let id = uploaded["results"][0]["id"].as_str().expect("id");
    id.strip_prefix("att").unwrap_or(id).to_string()
}

/// What the tests look for after a restore.
struct Filled {
    page: String,
    page_title: String,
    search_word: String,
}

/// Spaces, pages with versions, a child, a blog post, comments, labels, properties, attachments
/// with several versions, users, groups and members, space permissions, restrictions, a draft,
/// watches, settings, a deleted space (a long task) and the audit records all of it wrote.
async fn fill(app: &TestApp) -> Filled {
    let admin = app.admin();
    app.create_user("writer", "writer-password").await;
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "DOC", "name": "Documentation"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "OPS", "name": "Operations"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/admin/group"))
            .json(&json!({"name": "editors"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(admin.put(app.url("/rest/api/user/writer/group/editors"))).await;
    assert!(status.is_success(), "{status}");
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space/DOC/permission"))
            .json(&json!({
                "subject": {"type": "group", "identifier": "editors"},
                "operation": {"key": "read", "target": "space"}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let search_word = "quarzfeldspat";
    let page_title = "Runbook: restoring Ünïcode";
    let page = create_page(
        app,
        "DOC",
        page_title,
        &format!("<p>First {search_word} draft</p>"),
        None,
    )
    .await;
    for version in 2..=3 {
        let (status, updated) = call(admin.put(app.url(&format!("/rest/api/content/{page}"))).json(&json!({
            "type": "page",
            "title": page_title,
            "version": {"number": version},
            "body": {"storage": {"value": format!("<p>Version {version} of the {search_word} runbook</p>"), "representation": "storage"}},
        }))).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
    }
    let child = create_page(app, "DOC", "A child page", "<p>below</p>", Some(&page)).await;
    let (status, blog) = call(admin.post(app.url("/rest/api/content")).json(&json!({
        "type": "blogpost", "title": "News", "space": {"key": "OPS"},
        "body": {"storage": {"value": "<p>news</p>", "representation": "storage"}},
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{blog}");
    for text in ["<p>first comment</p>", "<p>second comment</p>"] {
        let (status, comment) = call(admin.post(app.url("/rest/api/content")).json(&json!({
            "type": "comment", "container": {"id": page, "type": "page"},
            "body": {"storage": {"value": text, "representation": "storage"}},
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{comment}");
    }
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/label")))
            .json(&json!([
                {"prefix": "global", "name": "runbook"}, {"prefix": "global", "name": "ops"}
            ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{page}/property")))
            .json(&json!({
                "key": "review", "value": {"state": "done", "by": ["admin"]}
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(admin.put(app.url(&format!("/rest/api/content/{child}/restriction"))).json(&json!([
        {"operation": "update", "restrictions": {"user": [{"type": "known", "username": cairn_testkit::ADMIN_USERNAME}], "group": []}}
    ]))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) =
        call(admin.post(app.url(&format!("/rest/api/user/watch/content/{page}")))).await;
    assert!(status.is_success(), "{status}");

    // Attachments: binary bytes of every value, a second version, a larger file.
    let every_byte: Vec<u8> = (0..=255_u8).cycle().take(70_000).collect();
    let bytes_file = upload(app, &page, "bytes.bin", every_byte.clone()).await;
    let (status, second) = call(
        admin
            .post(app.url(&format!(
                "/rest/api/content/{page}/child/attachment/{bytes_file}/data"
            )))
            .header("X-Atlassian-Token", "no-check")
            .multipart(
                reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(
                        every_byte.iter().rev().copied().collect::<Vec<u8>>(),
                    )
                    .file_name("bytes.bin"),
                ),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    upload(
        app,
        &page,
        "notes.txt",
        format!("{search_word} notes").into_bytes(),
    )
    .await;
    upload(app, &child, "big.bin", vec![7_u8; 3 * 1024 * 1024 + 17]).await;

    // A space deleted: a long task, and its attachment bytes gone with its rows.
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "GONE", "name": "Gone"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let gone = create_page(app, "GONE", "Doomed", "<p>x</p>", None).await;
    upload(app, &gone, "doomed.txt", b"doomed".to_vec()).await;
    let (status, _) = call(admin.delete(app.url("/rest/api/space/GONE"))).await;
    assert!(status.is_success(), "{status}");

    let store = &app.store;
    let page_id = cairn_core::ContentId(page.parse().expect("numeric id"));
    let admin_user = store
        .find_user_by_username(cairn_testkit::ADMIN_USERNAME)
        .await
        .expect("read")
        .expect("admin");
    store
        .save_page_draft(&cairn_store::PageDraft {
            content_id: page_id,
            user_id: admin_user.id,
            base_version: 3,
            title: page_title.into(),
            body: "<p>an unpublished edit</p>".into(),
            saved_ms: 1_700_000_000_123,
        })
        .await
        .expect("draft saved");
    store
        .set_site_setting("backup_test", "kept", 1_700_000_000_456)
        .await
        .expect("setting");
    Filled {
        page,
        page_title: page_title.into(),
        search_word: search_word.into(),
    }
}

/// Every backed-up table's rows, columns in name order and rows sorted, so that databases of
/// different dialects compare equal.
async fn dump(store: &Store) -> BTreeMap<String, Vec<Vec<Cell>>> {
    let mut snapshot = store.open_snapshot().await.expect("snapshot");
    let mut tables = BTreeMap::new();
    for table in BACKUP_TABLES
        .iter()
        .filter(|table| table.policy == TablePolicy::Copy)
    {
        let mut columns = snapshot.columns(table.name).await.expect("columns");
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let key: Vec<usize> = table
            .key
            .iter()
            .map(|key| {
                columns
                    .iter()
                    .position(|column| column.name == *key)
                    .expect("key column")
            })
            .collect();
        let mut rows = Vec::new();
        let mut after: Option<Vec<Cell>> = None;
        loop {
            let page = snapshot
                .rows_after(table, &columns, after.as_deref(), 50)
                .await
                .expect("rows");
            let Some(last) = page.last() else { break };
            after = Some(key.iter().map(|at| last[*at].clone()).collect());
            let done = page.len() < 50;
            rows.extend(page);
            if done {
                break;
            }
        }
        rows.sort();
        tables.insert(table.name.to_string(), rows);
    }
    snapshot.close().await.expect("closed");
    tables
}

/// The blob keys the site's attachment versions name.
fn blob_keys(dump: &BTreeMap<String, Vec<Vec<Cell>>>, store_columns: &[String]) -> Vec<String> {
    let at = store_columns
        .iter()
        .position(|name| name == "blob_key")
        .expect("blob_key column");
    dump["attachment_version"]
        .iter()
        .map(|row| match &row[at] {
            Cell::Text(key) => key.clone(),
            other => panic!("blob key {other:?}"),
        })
        .collect()
}

async fn sorted_columns(store: &Store, table: &str) -> Vec<String> {
    let mut names: Vec<String> = store
        .table_columns(table)
        .await
        .expect("columns")
        .into_iter()
        .map(|column| column.name)
        .collect();
    names.sort();
    names
}

async fn assert_same_site(
    source: &Store,
    source_blobs: &BlobStore,
    target: &Store,
    target_blobs: &BlobStore,
) {
    let expected = dump(source).await;
    let restored = dump(target).await;
    for (table, rows) in &expected {
        assert_eq!(
            &restored[table], rows,
            "table {table} differs after the restore"
        );
    }
    let columns = sorted_columns(source, "attachment_version").await;
    let keys = blob_keys(&expected, &columns);
    assert!(!keys.is_empty());
    for key in keys {
        let key = BlobKey::new(key).expect("key");
        let original = source_blobs.get_bytes(&key).await.expect("source bytes");
        let copy = target_blobs.get_bytes(&key).await.expect("restored bytes");
        assert!(original == copy, "blob {key} differs after the restore");
    }
}

fn dialects() -> [TestDialect; 3] {
    [
        TestDialect::Sqlite,
        TestDialect::Postgres,
        TestDialect::Mysql,
    ]
}

every_dialect!(a_site_restores_into_every_dialect);

async fn a_site_restores_into_every_dialect(db: TestDb) {
    let source_dialect = db.dialect;
    let (app, source_blob_dir) = start_site(db).await;
    let filled = fill(&app).await;
    let work = tempfile::tempdir().expect("work dir");
    let file = work.path().join("site.zip");
    let started = std::time::Instant::now();
    let summary =
        cairn_app::backup::create(&app.store, &app.state.node.blobs, &file, "test", &quiet)
            .await
            .expect("backup written");
    eprintln!(
        "backup of {source_dialect:?}: {} bytes in {:?}",
        summary.file_bytes,
        started.elapsed()
    );
    assert!(
        file.exists() && summary.manifest.blobs.count >= 4,
        "{:?}",
        summary.manifest.blobs
    );
    let leftovers: Vec<_> = std::fs::read_dir(work.path()).expect("list").collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file is left beside the backup"
    );
    let source_blobs = BlobStore::open_directory(source_blob_dir.path())
        .await
        .expect("blobs");

    for target_dialect in dialects() {
        let Some(target_db) = TestDb::create(target_dialect).await else {
            continue;
        };
        let target_store = Store::connect(&cairn_store::StoreOptions::new(target_db.url.clone()))
            .await
            .expect("target connects");
        let target_blob_dir = tempfile::tempdir().expect("target blobs");
        let target_blobs = BlobStore::open_directory(target_blob_dir.path())
            .await
            .expect("blobs");
        let started = std::time::Instant::now();
        let restored = cairn_app::backup::restore(
            &target_store,
            &target_blobs,
            &file,
            RestoreOptions::default(),
            &quiet,
        )
        .await
        .unwrap_or_else(|error| panic!("{source_dialect:?} -> {target_dialect:?}: {error}"));
        eprintln!(
            "restore {source_dialect:?} -> {target_dialect:?}: {:?}",
            started.elapsed()
        );
        assert_eq!(restored.blobs_written, summary.manifest.blobs.count);
        assert_same_site(&app.store, &source_blobs, &target_store, &target_blobs).await;

        // A node on the restored site serves the page, finds it, and makes new ids past the old.
        target_store.close().await;
        let node = TestApp::start_with_blobs(target_db, Some(target_blobs), ATTACHMENT_LIMIT).await;
        let (status, page) = call(node.admin().get(node.url(&format!(
            "/rest/api/content/{}?expand=body.storage,version",
            filled.page
        ))))
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["title"], filled.page_title.as_str());
        assert_eq!(page["version"]["number"], 3);
        let (status, found) = call(
            node.admin()
                .get(node.url("/rest/api/content/search"))
                .query(&[(
                    "cql",
                    format!("text ~ \"{}\" and type = page", filled.search_word),
                )]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{found}");
        let ids: Vec<&str> = found["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|hit| hit["id"].as_str())
            .collect();
        assert!(
            ids.contains(&filled.page.as_str()),
            "{source_dialect:?} -> {target_dialect:?}: {found}"
        );
        let (status, logged_in) = call(
            node.client_as("writer", "writer-password")
                .get(node.url("/rest/api/user/current")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{logged_in}");
        let content_columns = sorted_columns(&app.store, "content").await;
        let newest_before: i64 = dump(&app.store).await["content"]
            .iter()
            .filter_map(|row| integer(row, &content_columns, "id"))
            .max()
            .expect("content");
        let (status, _) = call(
            node.admin()
                .post(node.url("/rest/api/space"))
                .json(&json!({"key": "NEW", "name": "After the restore"})),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a space (with its audit record) is created after the restore"
        );
        let fresh = create_page(
            &node,
            "DOC",
            "Written after the restore",
            "<p>new</p>",
            None,
        )
        .await;
        assert!(
            fresh.parse::<i64>().expect("id") > newest_before,
            "new ids come after the restored ones"
        );
        node.stop().await;
    }
    app.stop().await;
}

every_dialect!(a_backup_taken_while_nodes_write_is_consistent);

async fn a_backup_taken_while_nodes_write_is_consistent(db: TestDb) {
    let dialect = db.dialect;
    let (app, _blob_dir) = start_site(db).await;
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "BUSY", "name": "Busy"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let home = create_page(&app, "BUSY", "Busy start", "<p>start</p>", None).await;
    for index in 0..6 {
        upload(
            &app,
            &home,
            &format!("seed-{index}.bin"),
            vec![index as u8; 512 * 1024],
        )
        .await;
    }
    let stop = tokio_util::sync::CancellationToken::new();
    let writer = {
        let stop = stop.clone();
        let admin = app.admin();
        let base = app.url("");
        let home = home.clone();
        tokio::spawn(async move {
            let mut written = 0_u32;
            while !stop.is_cancelled() {
                written += 1;
                let created: Value = admin.post(format!("{base}/rest/api/content")).json(&json!({
                    "type": "page", "title": format!("Busy {written}"), "space": {"key": "BUSY"},
                    "ancestors": [{"id": home}],
                    "body": {"storage": {"value": "<p>v1</p>", "representation": "storage"}},
                })).send().await.expect("sent").json().await.expect("json");
                let id = created["id"].as_str().expect("id").to_string();
                let _ = admin.put(format!("{base}/rest/api/content/{id}")).json(&json!({
                    "type": "page", "title": format!("Busy {written}"), "version": {"number": 2},
                    "body": {"storage": {"value": "<p>v2</p>", "representation": "storage"}},
                })).send().await.expect("sent");
                let uploaded: Value = admin
                    .post(format!("{base}/rest/api/content/{id}/child/attachment"))
                    .header("X-Atlassian-Token", "no-check")
                    .multipart(reqwest::multipart::Form::new().part(
                        "file",
                        reqwest::multipart::Part::bytes(vec![1_u8; 200_000]).file_name("f.bin"),
                    ))
                    .send()
                    .await
                    .expect("sent")
                    .json()
                    .await
                    .expect("json");
                // Purge every other attachment: its bytes are deleted right after its rows.
                if written.is_multiple_of(2)
                    && let Some(attachment) = uploaded["results"][0]["id"].as_str()
                {
                    let _ = admin
                        .delete(format!("{base}/rest/api/content/{attachment}"))
                        .send()
                        .await;
                    let _ = admin
                        .delete(format!(
                            "{base}/rest/api/content/{attachment}?status=trashed"
                        ))
                        .send()
                        .await;
                }
            }
            written
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let work = tempfile::tempdir().expect("work dir");
    let mut files = Vec::new();
    for round in 0..3 {
        let file = work.path().join(format!("busy-{round}.zip"));
        cairn_app::backup::create(&app.store, &app.state.node.blobs, &file, "test", &quiet)
            .await
            .expect("a backup under writes succeeds");
        files.push(file);
    }
    stop.cancel();
    let written = writer.await.expect("writer");
    assert!(
        written > 2,
        "the writer wrote while the backups ran ({written})"
    );
    for file in &files {
        let target_db = TestDb::create(dialect).await.expect("same dialect");
        let target = Store::connect(&cairn_store::StoreOptions::new(target_db.url.clone()))
            .await
            .expect("connect");
        let target_dir = tempfile::tempdir().expect("blobs");
        let target_blobs = BlobStore::open_directory(target_dir.path())
            .await
            .expect("blobs");
        cairn_app::backup::restore(
            &target,
            &target_blobs,
            file,
            RestoreOptions::default(),
            &quiet,
        )
        .await
        .expect("restored");
        assert_consistent(&target, &target_blobs).await;
        target.close().await;
    }
    app.stop().await;
}

fn integer(row: &[Cell], columns: &[String], name: &str) -> Option<i64> {
    let at = columns
        .iter()
        .position(|column| column == name)
        .expect("column");
    match &row[at] {
        Cell::Integer(value) => Some(*value),
        _ => None,
    }
}

/// Every content row has exactly its versions, every attachment its current version, every
/// version its bytes, every comment its container, every label link its label.
async fn assert_consistent(store: &Store, blobs: &BlobStore) {
    let site = dump(store).await;
    let content_columns = sorted_columns(store, "content").await;
    let version_columns = sorted_columns(store, "content_version").await;
    let mut versions: BTreeMap<i64, i64> = BTreeMap::new();
    for row in &site["content_version"] {
        *versions
            .entry(integer(row, &version_columns, "content_id").expect("id"))
            .or_default() += 1;
    }
    let mut content_ids = std::collections::BTreeSet::new();
    for row in &site["content"] {
        let id = integer(row, &content_columns, "id").expect("id");
        content_ids.insert(id);
        let version = integer(row, &content_columns, "version").expect("version");
        assert_eq!(
            versions.get(&id).copied().unwrap_or(0),
            version,
            "content {id} has all its versions and no more"
        );
    }
    assert!(
        versions.keys().all(|id| content_ids.contains(id)),
        "no version without its content"
    );
    let attachment_columns = sorted_columns(store, "attachment").await;
    let attachment_version_columns = sorted_columns(store, "attachment_version").await;
    let mut attachment_versions = std::collections::BTreeSet::new();
    for row in &site["attachment_version"] {
        attachment_versions.insert((
            integer(row, &attachment_version_columns, "attachment_id").expect("id"),
            integer(row, &attachment_version_columns, "number").expect("number"),
        ));
    }
    let mut attachment_ids = std::collections::BTreeSet::new();
    for row in &site["attachment"] {
        let id = integer(row, &attachment_columns, "id").expect("id");
        attachment_ids.insert(id);
        let version = integer(row, &attachment_columns, "version").expect("version");
        assert!(
            attachment_versions.contains(&(id, version)),
            "attachment {id} has its current version"
        );
        assert!(
            content_ids
                .contains(&integer(row, &attachment_columns, "container_id").expect("container")),
            "attachment {id} has its page"
        );
    }
    assert!(
        attachment_versions
            .iter()
            .all(|(id, _)| attachment_ids.contains(id)),
        "no attachment version without its attachment"
    );
    for key in blob_keys(&site, &attachment_version_columns) {
        let key = BlobKey::new(key).expect("key");
        assert!(
            blobs.head(&key).await.expect("head").is_some(),
            "bytes of {key} are restored"
        );
    }
    let comment_columns = sorted_columns(store, "comment_meta").await;
    for row in &site["comment_meta"] {
        assert!(
            content_ids
                .contains(&integer(row, &comment_columns, "container_id").expect("container"))
        );
    }
}

every_dialect!(bytes_deleted_after_the_snapshot_leave_their_attachment_out);

/// An attachment purged after the snapshot was taken, before its bytes were copied: the backup
/// succeeds and holds the site as if the purge had come first.
async fn bytes_deleted_after_the_snapshot_leave_their_attachment_out(db: TestDb) {
    let dialect = db.dialect;
    let (app, _blob_dir) = start_site(db).await;
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "PUR", "name": "Purge"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = create_page(&app, "PUR", "Files", "<p>files</p>", None).await;
    let kept = upload(&app, &page, "kept.txt", b"kept".to_vec()).await;
    let doomed = upload(&app, &page, "doomed.txt", b"doomed".to_vec()).await;
    let (status, _) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{doomed}/label")))
            .json(&json!([{"prefix": "global", "name": "doomed"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let node = app.state.node.clone();
    let doomed_id = cairn_core::ContentId(doomed.parse().expect("id"));
    let purge_once = std::sync::Once::new();
    let purge_after_snapshot = move |event: cairn_app::backup::Progress| {
        if matches!(
            event,
            cairn_app::backup::Progress::Step("copying attachment bytes")
        ) {
            purge_once.call_once(|| {
                let node = node.clone();
                // The backup's snapshot is open: purge on another thread, as another node would.
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async {
                        let keys = node
                            .store
                            .purge_attachment(doomed_id)
                            .await
                            .expect("purged");
                        for key in keys {
                            node.blobs
                                .delete(&BlobKey::new(key).expect("key"))
                                .await
                                .expect("deleted");
                        }
                    });
                })
                .join()
                .expect("purge thread");
            });
        }
    };
    let work = tempfile::tempdir().expect("work dir");
    let file = work.path().join("purged.zip");
    let summary = cairn_app::backup::create(
        &app.store,
        &app.state.node.blobs,
        &file,
        "test",
        &purge_after_snapshot,
    )
    .await
    .expect("the backup succeeds");
    assert_eq!(
        summary.manifest.left_out.attachments, 1,
        "{:?}",
        summary.manifest.left_out
    );

    let target_db = TestDb::create(dialect).await.expect("dialect");
    let target = Store::connect(&cairn_store::StoreOptions::new(target_db.url.clone()))
        .await
        .expect("connect");
    let target_dir = tempfile::tempdir().expect("blobs");
    let target_blobs = BlobStore::open_directory(target_dir.path())
        .await
        .expect("blobs");
    cairn_app::backup::restore(
        &target,
        &target_blobs,
        &file,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect("restored");
    assert_consistent(&target, &target_blobs).await;
    let restored = dump(&target).await;
    let label_columns = sorted_columns(&target, "content_label").await;
    let attachment_columns = sorted_columns(&target, "attachment").await;
    let attachments: Vec<i64> = restored["attachment"]
        .iter()
        .filter_map(|row| integer(row, &attachment_columns, "id"))
        .collect();
    assert_eq!(attachments, vec![kept.parse::<i64>().expect("id")]);
    assert!(
        restored["content_label"]
            .iter()
            .all(|row| integer(row, &label_columns, "content_id") != Some(doomed_id.0))
    );
    target.close().await;
    app.stop().await;
}

/// A backup of a small site on SQLite, for the refusal tests.
async fn small_backup(work: &Path) -> PathBuf {
    let db = TestDb::create(TestDialect::Sqlite).await.expect("sqlite");
    let (app, _blob_dir) = start_site(db).await;
    let (status, _) = call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&json!({"key": "SML", "name": "Small"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = create_page(&app, "SML", "Small page", "<p>small</p>", None).await;
    upload(&app, &page, "a.txt", vec![b'a'; 10_000]).await;
    let file = work.join("small.zip");
    cairn_app::backup::create(&app.store, &app.state.node.blobs, &file, "test", &quiet)
        .await
        .expect("backup");
    app.stop().await;
    file
}

/// Copies the zip at `from` to `to`, passing each entry's bytes through `change`.
fn rewrite(from: &Path, to: &Path, change: impl Fn(&str, Vec<u8>) -> Vec<u8>) {
    let mut reader = zip::ZipArchive::new(std::fs::File::open(from).expect("open")).expect("zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).expect("create"));
    for index in 0..reader.len() {
        let mut entry = reader.by_index(index).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        writer.write_all(&change(&name, bytes)).expect("write");
    }
    writer.finish().expect("finish");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

every_dialect!(damaged_foreign_and_mismatched_files_and_sites_in_the_target_are_refused);

async fn damaged_foreign_and_mismatched_files_and_sites_in_the_target_are_refused(db: TestDb) {
    let work = tempfile::tempdir().expect("work dir");
    let good = small_backup(work.path()).await;
    let target = Store::connect(&cairn_store::StoreOptions::new(db.url.clone()))
        .await
        .expect("connect");
    let target_dir = tempfile::tempdir().expect("blobs");
    let target_blobs = BlobStore::open_directory(target_dir.path())
        .await
        .expect("blobs");
    let untouched = |store: Store, directory: PathBuf| async move {
        assert!(
            store
                .first_table_with_site_content()
                .await
                .expect("read")
                .is_none(),
            "no rows were written"
        );
        let files = walk(&directory);
        assert!(files.is_empty(), "no blob is left behind: {files:?}");
    };

    // Cut off: the zip's directory at the end is missing.
    let bytes = std::fs::read(&good).expect("read");
    let truncated = work.path().join("truncated.zip");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &truncated,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(matches!(error, BackupError::Foreign { .. }), "{error}");
    assert!(
        target.database_tables().await.expect("tables").is_empty(),
        "the database was not even migrated"
    );

    // A byte changed inside a blob: its checksum does not match.
    let corrupt = work.path().join("corrupt.zip");
    rewrite(&good, &corrupt, |name, mut bytes| {
        if name.starts_with("blobs/attachments") {
            bytes[100] ^= 0xff;
        }
        bytes
    });
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &corrupt,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(error, BackupError::Damaged { .. }) && error.to_string().contains("checksum"),
        "{error}"
    );
    untouched(target.clone(), target_dir.path().to_path_buf()).await;

    // Some other zip file.
    let foreign = work.path().join("foreign.zip");
    rewrite(&good, &foreign, |name, bytes| {
        if name == "manifest.json" {
            br#"{"format": "something-else"}"#.to_vec()
        } else {
            bytes
        }
    });
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &foreign,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(matches!(error, BackupError::Foreign { .. }), "{error}");

    // A backup of another schema version.
    let newer = work.path().join("newer.zip");
    rewrite(&good, &newer, |name, bytes| {
        if name != "manifest.json" {
            return bytes;
        }
        let mut manifest: Value = serde_json::from_slice(&bytes).expect("manifest");
        manifest["migrations"]
            .as_array_mut()
            .expect("migrations")
            .push(json!(9999));
        serde_json::to_vec(&manifest).expect("json")
    });
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &newer,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(error, BackupError::SchemaMismatch { .. }) && error.to_string().contains("9999"),
        "{error}"
    );

    // Rows that check out but cannot be inserted (a label twice): the transaction rolls back
    // and the blobs already copied are removed.
    let clashing = work.path().join("clashing.zip");
    let manifest: Value = {
        let mut archive =
            zip::ZipArchive::new(std::fs::File::open(&good).expect("open")).expect("zip");
        let mut text = String::new();
        archive
            .by_name("manifest.json")
            .expect("manifest")
            .read_to_string(&mut text)
            .expect("read");
        serde_json::from_str(&text).expect("json")
    };
    let doubled = |bytes: &[u8]| -> Vec<u8> {
        let first_line = bytes
            .split_inclusive(|byte| *byte == b'\n')
            .next()
            .expect("a row")
            .to_vec();
        [bytes.to_vec(), first_line].concat()
    };
    let users = {
        let mut archive =
            zip::ZipArchive::new(std::fs::File::open(&good).expect("open")).expect("zip");
        let mut bytes = Vec::new();
        archive
            .by_name("tables/app_user.jsonl")
            .expect("users")
            .read_to_end(&mut bytes)
            .expect("read");
        doubled(&bytes)
    };
    let mut changed_manifest = manifest.clone();
    for table in changed_manifest["tables"].as_array_mut().expect("tables") {
        if table["name"] == "app_user" {
            table["rows"] = json!(table["rows"].as_u64().expect("rows") + 1);
            table["bytes"] = json!(users.len());
            table["sha256"] = json!(sha256_hex(&users));
        }
    }
    rewrite(&good, &clashing, |name, bytes| match name {
        "tables/app_user.jsonl" => users.clone(),
        "manifest.json" => serde_json::to_vec(&changed_manifest).expect("json"),
        _ => bytes,
    });
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &clashing,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(matches!(error, BackupError::Store(_)), "{error}");
    untouched(target.clone(), target_dir.path().to_path_buf()).await;

    // The good file restores; a second time the target holds a site and is refused, unchanged.
    cairn_app::backup::restore(
        &target,
        &target_blobs,
        &good,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect("restored");
    let before = dump(&target).await;
    target
        .set_site_setting("changed_after_restore", "yes", 1)
        .await
        .expect("setting");
    let with_change = dump(&target).await;
    let error = cairn_app::backup::restore(
        &target,
        &target_blobs,
        &good,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(error, BackupError::TargetNotEmpty { .. }),
        "{error}"
    );
    assert_eq!(
        dump(&target).await,
        with_change,
        "a refused restore changes nothing"
    );
    // Replacing it is asked for explicitly, and brings back the backup's site exactly.
    cairn_app::backup::restore(
        &target,
        &target_blobs,
        &good,
        RestoreOptions { replace: true },
        &quiet,
    )
    .await
    .expect("replaced");
    assert_eq!(dump(&target).await, before);
    target.close().await;
}

fn walk(directory: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(directory) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

every_dialect!(every_table_of_the_schema_is_backed_up_or_skipped_on_purpose);

/// A table a migration adds must be named in `BACKUP_TABLES`, or backups would miss it.
async fn every_table_of_the_schema_is_backed_up_or_skipped_on_purpose(db: TestDb) {
    let store = db.store().await;
    let tables = store.database_tables().await.expect("tables");
    let mut listed: Vec<String> = BACKUP_TABLES
        .iter()
        .map(|table| table.name.to_string())
        .collect();
    listed.sort();
    assert_eq!(
        tables, listed,
        "every table of the schema is listed in cairn-store's backup.rs"
    );
    for table in BACKUP_TABLES {
        let columns = store
            .table_columns(table.name)
            .await
            .expect("columns of every table have kinds backup knows");
        for key in table.key {
            assert!(
                columns.iter().any(|column| column.name == *key),
                "{}.{key} exists",
                table.name
            );
        }
    }
    store.close().await;
}

/// The shipped binary: `cairn backup` of a SQLite home, `cairn restore` into another home's
/// database (PostgreSQL when configured: the way off the embedded database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commands_back_up_and_restore_a_home() {
    let source = tempfile::tempdir().expect("home");
    let (ok, text) = run(cairn()
        .args([
            "admin",
            "create-user",
            "--username",
            "admin",
            "--password",
            "admin-password",
            "--admin",
            "--home",
        ])
        .arg(source.path()));
    assert!(ok, "{text}");
    let work = tempfile::tempdir().expect("work");
    let file = work.path().join("home.zip");
    let (ok, text) = run(cairn()
        .arg("backup")
        .arg("--home")
        .arg(source.path())
        .arg(&file));
    assert!(ok, "{text}");
    assert!(
        text.contains("backup written to") && text.contains("app_user: 1 rows"),
        "{text}"
    );
    let (ok, text) = run(cairn()
        .arg("backup")
        .arg("--home")
        .arg(source.path())
        .arg(&file));
    assert!(!ok && text.contains("exists already"), "{text}");

    let target_db = match TestDb::create(TestDialect::Postgres).await {
        Some(db) => db,
        None => TestDb::create(TestDialect::Sqlite).await.expect("sqlite"),
    };
    let target = tempfile::tempdir().expect("home");
    let (ok, text) = run(cairn()
        .arg("restore")
        .arg("--home")
        .arg(target.path())
        .arg(&file)
        .env("CAIRN_DATABASE_URL", &target_db.url));
    assert!(ok, "{text}");
    assert!(
        text.contains("restored") && text.contains("sqlite"),
        "{text}"
    );
    let (ok, text) = run(cairn()
        .arg("restore")
        .arg("--home")
        .arg(target.path())
        .arg(&file)
        .env("CAIRN_DATABASE_URL", &target_db.url));
    assert!(
        !ok && text.contains("already holds a site") && text.contains("as they were"),
        "{text}"
    );
    let store = target_db.store().await;
    assert!(
        store
            .find_user_by_username("admin")
            .await
            .expect("read")
            .is_some()
    );
    store.close().await;
}
