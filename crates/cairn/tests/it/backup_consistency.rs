//! Backups taken while nodes write: consistent (every content row with exactly its versions,
//! every attachment with its current version and bytes), and bytes purged after the snapshot leave
//! their attachment out instead of failing the backup.

use cairn_app::backup::RestoreOptions;
use cairn_blob::{BlobKey, BlobStore};
use cairn_store::Store;
use cairn_testkit::{TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::backup::{
    assert_consistent, call, create_page, dump, integer, quiet, sorted_columns, start_site, upload,
};

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
