//! What a restore refuses, leaving the target as it was: truncated, damaged, foreign and
//! mismatched files, rows that cannot be inserted, a target that holds a site (unless replacing);
//! every table of the schema is listed for backup; the commands as a user runs them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use cairn_app::backup::{BackupError, RestoreOptions};
use cairn_blob::BlobStore;
use cairn_store::{BACKUP_TABLES, Store};
use cairn_testkit::{TestDb, TestDialect, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::backup::{call, create_page, dump, quiet, start_site, upload};
use super::{cairn, run};

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

/// Copies the zip at `from` to `to`, passing each entry's bytes through `change` (`None` leaves
/// the entry out).
fn rewrite(from: &Path, to: &Path, change: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>) {
    let mut reader = zip::ZipArchive::new(std::fs::File::open(from).expect("open")).expect("zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(to).expect("create"));
    for index in 0..reader.len() {
        let mut entry = reader.by_index(index).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        let Some(changed) = change(&name, bytes) else {
            continue;
        };
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .expect("start");
        writer.write_all(&changed).expect("write");
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
        Some(bytes)
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
            Some(br#"{"format": "something-else"}"#.to_vec())
        } else {
            Some(bytes)
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
            return Some(bytes);
        }
        let mut manifest: Value = serde_json::from_slice(&bytes).expect("manifest");
        manifest["migrations"]
            .as_array_mut()
            .expect("migrations")
            .push(json!(9999));
        Some(serde_json::to_vec(&manifest).expect("json"))
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
        "tables/app_user.jsonl" => Some(users.clone()),
        "manifest.json" => Some(serde_json::to_vec(&changed_manifest).expect("json")),
        _ => Some(bytes),
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

every_dialect!(a_backup_of_an_older_schema_is_restored_and_migrated_forward);

/// A backup taken before the latest migrations (here: before `content_like` and `space_label`
/// existed and before long tasks named their node) is restored at its own schema and migrated
/// forward, as an upgrade would; a target already past that schema is refused.
async fn a_backup_of_an_older_schema_is_restored_and_migrated_forward(db: TestDb) {
    let work = tempfile::tempdir().expect("work dir");
    let good = small_backup(work.path()).await;
    let older = work.path().join("older.zip");
    rewrite(&good, &older, |name, bytes| match name {
        "tables/content_like.jsonl" | "tables/space_label.jsonl" => None,
        "manifest.json" => {
            let mut manifest: Value = serde_json::from_slice(&bytes).expect("manifest");
            let migrations = manifest["migrations"].as_array_mut().expect("migrations");
            assert_eq!(
                (migrations.pop(), migrations.pop()),
                (Some(json!(14)), Some(json!(13))),
                "the long tasks' node and the likes migrations are the latest"
            );
            let tables = manifest["tables"].as_array_mut().expect("tables");
            tables
                .retain(|table| table["name"] != "content_like" && table["name"] != "space_label");
            // Before 0014 long tasks had no node column; this backup has no task rows to change.
            let long_task = tables
                .iter_mut()
                .find(|table| table["name"] == "long_task")
                .expect("long_task");
            assert_eq!(long_task["rows"], 0, "no task rows to rewrite");
            long_task["columns"]
                .as_array_mut()
                .expect("columns")
                .retain(|column| column["name"] != "node_id");
            Some(serde_json::to_vec(&manifest).expect("json"))
        }
        _ => Some(bytes),
    });

    let migrated_db = TestDb::create(db.dialect).await.expect("same dialect");
    let migrated = migrated_db.store().await;
    let blob_dir = tempfile::tempdir().expect("blobs");
    let blobs = BlobStore::open_directory(blob_dir.path())
        .await
        .expect("blobs");
    let error =
        cairn_app::backup::restore(&migrated, &blobs, &older, RestoreOptions::default(), &quiet)
            .await
            .expect_err("refused");
    assert!(
        matches!(
            error,
            BackupError::TargetSchemaNewer {
                target: 14,
                backup: 12
            }
        ),
        "{error}"
    );
    migrated.close().await;

    let target = Store::connect(&cairn_store::StoreOptions::new(db.url.clone()))
        .await
        .expect("connect");
    cairn_app::backup::restore(&target, &blobs, &older, RestoreOptions::default(), &quiet)
        .await
        .expect("an older backup restores");
    assert!(
        target
            .migration_status()
            .await
            .expect("status")
            .is_current()
    );
    let reference_db = TestDb::create(db.dialect).await.expect("same dialect");
    let reference = Store::connect(&cairn_store::StoreOptions::new(reference_db.url.clone()))
        .await
        .expect("connect");
    cairn_app::backup::restore(&reference, &blobs, &good, RestoreOptions::default(), &quiet)
        .await
        .expect("the current backup restores");
    assert_eq!(
        dump(&target).await,
        dump(&reference).await,
        "the same site either way"
    );
    target.close().await;
    reference.close().await;
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
