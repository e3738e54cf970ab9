//! Site backup and restore (`cairn_app::backup`): a filled site restored into every dialect equals
//! its source row for row and byte for byte, and a node on it serves and finds the content. The
//! helpers here serve `backup_consistency` (backups under writes) and `backup_refusals` (damaged,
//! foreign and mismatched files, sites in the target, the table list, the commands).

use std::collections::BTreeMap;

use cairn_app::backup::RestoreOptions;
use cairn_blob::{BlobKey, BlobStore};
use cairn_store::{BACKUP_TABLES, Cell, Store, TablePolicy};
use cairn_testkit::{TestApp, TestDb, TestDialect, every_dialect};
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub(super) const ATTACHMENT_LIMIT: u64 = 256 * 1024 * 1024;

pub(super) fn quiet(_: cairn_app::backup::Progress) {}

pub(super) async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A site on `db` with a node serving it; attachment bytes in the returned directory.
pub(super) async fn start_site(db: TestDb) -> (TestApp, tempfile::TempDir) {
    let directory = tempfile::tempdir().expect("blob directory");
    let blobs = BlobStore::open_directory(directory.path())
        .await
        .expect("blob store");
    let app = TestApp::start_with_blobs(db, Some(blobs), ATTACHMENT_LIMIT).await;
    (app, directory)
}

pub(super) async fn create_page(
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

pub(super) async fn upload(app: &TestApp, page: &str, name: &str, bytes: Vec<u8>) -> String {
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
pub(super) async fn dump(store: &Store) -> BTreeMap<String, Vec<Vec<Cell>>> {
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
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        let mut after: Option<Vec<Cell>> = None;
        loop {
            let page: Vec<Vec<Cell>> = snapshot
                .rows_after(table, &columns, after.as_deref(), 50)
                .expect("statement")
                .map(|row| row.expect("row"))
                .collect()
                .await;
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
pub(super) fn blob_keys(
    dump: &BTreeMap<String, Vec<Vec<Cell>>>,
    store_columns: &[String],
) -> Vec<String> {
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

pub(super) async fn sorted_columns(store: &Store, table: &str) -> Vec<String> {
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

/// A site whose attachment bytes live in S3 is backed up and restored into another bucket, byte
/// for byte (CI's S3-compatible server on 127.0.0.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_with_its_bytes_in_s3_restores_into_another_bucket() {
    let Some(source_blobs) = cairn_testkit::s3_blob_store("backup-source").await else {
        return;
    };
    let Some(target_blobs) = cairn_testkit::s3_blob_store("backup-target").await else {
        return;
    };
    let db = TestDb::create(TestDialect::Sqlite).await.expect("sqlite");
    let app = TestApp::start_with_blobs(db, Some(source_blobs.clone()), ATTACHMENT_LIMIT).await;
    let filled = fill(&app).await;
    let work = tempfile::tempdir().expect("work dir");
    let file = work.path().join("site.zip");
    let summary = cairn_app::backup::create(&app.store, &source_blobs, &file, "test", &quiet)
        .await
        .expect("backup written");
    assert!(
        summary.manifest.blobs.count >= 4,
        "{:?}",
        summary.manifest.blobs
    );

    let target_db = TestDb::create(TestDialect::Sqlite).await.expect("sqlite");
    let target_store = Store::connect(&cairn_store::StoreOptions::new(target_db.url.clone()))
        .await
        .expect("target connects");
    let restored = cairn_app::backup::restore(
        &target_store,
        &target_blobs,
        &file,
        RestoreOptions::default(),
        &quiet,
    )
    .await
    .expect("restored into S3");
    assert_eq!(restored.blobs_written, summary.manifest.blobs.count);
    assert_same_site(&app.store, &source_blobs, &target_store, &target_blobs).await;
    target_store.close().await;
    let node = TestApp::start_with_blobs(target_db, Some(target_blobs), ATTACHMENT_LIMIT).await;
    let (status, page) = call(
        node.admin()
            .get(node.url(&format!("/rest/api/content/{}", filled.page))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
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

pub(super) fn integer(row: &[Cell], columns: &[String], name: &str) -> Option<i64> {
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
pub(super) async fn assert_consistent(store: &Store, blobs: &BlobStore) {
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
