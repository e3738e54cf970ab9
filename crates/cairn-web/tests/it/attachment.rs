//! Attachments over HTTP: multipart uploads streamed to the blob store, versions, downloads, ranges.

use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{attachment_files_in, call, new_page, new_space};

every_dialect!(
    attachments_upload_version_and_download,
    orphaned_bytes_are_swept_and_recorded_ones_kept,
    failed_uploads_leave_nothing,
    large_uploads_stream_through,
    attachment_labels_properties_versions_and_removal,
    attachments_are_renamed_by_json_put
);

async fn page(app: &TestApp, title: &str) -> String {
    call(
        app.admin()
            .post(app.url("/rest/api/space"))
            .json(&new_space("DEV")),
    )
    .await;
    let (_, created) = call(
        app.admin()
            .post(app.url("/rest/api/content"))
            .json(&new_page("DEV", title, None)),
    )
    .await;
    created["id"].as_str().expect("id").to_string()
}

fn file_form(name: &str, bytes: Vec<u8>, media_type: &str, comment: &str) -> Form {
    let part = Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str(media_type)
        .expect("media type");
    // md2cf sends the comment as a file part named `comment`.
    let comment_part = Part::text(comment.to_string()).file_name("comment");
    Form::new()
        .part("file", part)
        .part("comment", comment_part)
        .text("minorEdit", "true")
}

async fn attachments_upload_version_and_download(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let page_id = page(&app, "With files").await;
    let url = app.url(&format!("/rest/api/content/{page_id}/child/attachment"));

    let (status, uploaded) = call(
        admin
            .post(&url)
            .header("X-Atlassian-Token", "nocheck")
            .multipart(file_form(
                "notes.txt",
                b"first version".to_vec(),
                "text/plain",
                "v1 note",
            )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    let attachment: &Value = &uploaded["results"][0];
    assert_eq!(uploaded["size"], 1);
    assert_eq!(attachment["title"], "notes.txt");
    assert_eq!(
        attachment["version"]["number"], 1,
        "uploads answer with the version"
    );
    assert_eq!(attachment["extensions"]["fileSize"], 13);
    assert_eq!(attachment["metadata"]["mediaType"], "text/plain");
    assert_eq!(attachment["metadata"]["comment"], "v1 note");
    let attachment_id = attachment["id"].as_str().expect("id").to_string();
    assert!(attachment_id.starts_with("att"));
    let download = attachment["_links"]["download"]
        .as_str()
        .expect("download")
        .to_string();
    assert!(download.starts_with(&format!(
        "/download/attachments/{page_id}/notes.txt?version=1"
    )));

    // Same name again: Confluence's 400 (mcp-atlassian looks for "same file name").
    let (status, error) = call(admin.post(&url).multipart(file_form(
        "notes.txt",
        b"x".to_vec(),
        "text/plain",
        "",
    )))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"]
            .as_str()
            .expect("message")
            .contains("same file name")
    );
    // md2cf asks for allowDuplicated: a new version of the same attachment.
    let (status, again) = call(admin.post(format!("{url}?allowDuplicated=true")).multipart(
        file_form(
            "notes.txt",
            b"second version!".to_vec(),
            "application/binary",
            "v2",
        ),
    ))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            again["results"][0]["id"].clone(),
            again["results"][0]["version"]["number"].clone()
        ),
        (json!(attachment_id), json!(2))
    );
    assert_eq!(
        again["results"][0]["metadata"]["mediaType"], "text/plain",
        "generic binary types are guessed from the name"
    );
    // /data: version 3 by id (with or without the att prefix).
    let numeric = attachment_id.trim_start_matches("att");
    let (status, third) = call(
        admin
            .post(format!("{url}/{numeric}/data"))
            .multipart(file_form(
                "ignored.txt",
                b"third".to_vec(),
                "text/plain",
                "v3",
            )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(
        (third["version"]["number"].clone(), third["title"].clone()),
        (json!(3), json!("notes.txt")),
        "new versions keep the title"
    );

    let latest = admin
        .get(app.url(&format!("/download/attachments/{page_id}/notes.txt")))
        .send()
        .await
        .expect("sent");
    assert_eq!(latest.status(), StatusCode::OK);
    assert_eq!(latest.headers()["content-type"], "text/plain");
    assert_eq!(latest.headers()["content-length"], "5");
    assert!(
        latest.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("notes.txt")
    );
    assert_eq!(latest.bytes().await.expect("body").as_ref(), b"third");
    let first = admin
        .get(app.url(&format!(
            "/download/attachments/{page_id}/notes.txt?version=1&modificationDate=1&api=v2"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        first.bytes().await.expect("body").as_ref(),
        b"first version"
    );
    let ranged = admin
        .get(app.url(&format!(
            "/rest/api/content/{page_id}/child/attachment/{attachment_id}/download?version=2"
        )))
        .header("Range", "bytes=7-13")
        .send()
        .await
        .expect("sent");
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-range"], "bytes 7-13/15");
    assert_eq!(ranged.bytes().await.expect("body").as_ref(), b"version");

    // Listing, with the filename filter and a correct size; the page's children.attachment too.
    let second = Form::new().part(
        "file",
        Part::bytes(b"PNG".to_vec())
            .file_name("pic.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    call(admin.post(&url).multipart(second)).await;
    let (_, listed) = call(admin.get(format!("{url}?expand=version"))).await;
    assert_eq!(listed["size"], 2);
    let (_, filtered) = call(admin.get(format!("{url}?filename=pic.png"))).await;
    assert_eq!(
        (
            filtered["size"].clone(),
            filtered["results"][0]["title"].clone()
        ),
        (json!(1), json!("pic.png"))
    );
    let (_, with_children) = call(admin.get(app.url(&format!(
        "/rest/api/content/{page_id}?expand=children.attachment"
    ))))
    .await;
    assert_eq!(with_children["children"]["attachment"]["size"], 2);

    // The attachment is content too: GET, then DELETE to the trash, then purge.
    let (status, fetched) = call(admin.get(app.url(&format!(
        "/rest/api/content/{attachment_id}?expand=version,container"
    ))))
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (fetched["type"].clone(), fetched["container"]["id"].clone()),
        (json!("attachment"), json!(page_id))
    );
    let response = admin
        .delete(app.url(&format!("/rest/api/content/{attachment_id}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(admin.get(app.url(&format!("/rest/api/content/{attachment_id}")))).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "trashed attachments are not found by default"
    );
    let (status, _) =
        call(admin.get(app.url(&format!("/download/attachments/{page_id}/notes.txt")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let files_before = attachment_files_in(app.blob_directory());
    let response = admin
        .delete(app.url(&format!("/rest/api/content/{attachment_id}?status=trashed")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        attachment_files_in(app.blob_directory()),
        files_before - 3,
        "purging removes every version's bytes"
    );
    app.stop().await;
}

async fn failed_uploads_leave_nothing(db: TestDb) {
    let app = TestApp::start_with_attachment_limit(db, 1024).await;
    let admin = app.admin();
    let page_id = page(&app, "Limits").await;
    let url = app.url(&format!("/rest/api/content/{page_id}/child/attachment"));
    let (status, error) = call(app.admin().post(&url).multipart(file_form(
        "big.bin",
        vec![7u8; 4096],
        "application/octet-stream",
        "",
    )))
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{error}");
    assert_eq!(error["statusCode"], 413);
    let (_, listed) = call(admin.get(&url)).await;
    assert_eq!(listed["size"], 0, "no row");
    assert_eq!(
        attachment_files_in(app.blob_directory()),
        0,
        "no bytes left behind"
    );
    let (status, _) = call(
        admin
            .post(&url)
            .multipart(Form::new().text("comment", "no file")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(admin.post(&url).json(&json!({"not": "multipart"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        admin
            .post(app.url("/rest/api/content/999999/child/attachment"))
            .multipart(file_form("a.txt", b"a".to_vec(), "text/plain", "")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(attachment_files_in(app.blob_directory()), 0);
    app.stop().await;
}

async fn large_uploads_stream_through(db: TestDb) {
    // Bigger than the blob store's part size, so the upload goes through several parts. (Memory use of
    // a 200 MB upload is checked against a separate server process in the binary's tests.)
    let app = TestApp::start(db).await;
    let page_id = page(&app, "Big file").await;
    const SIZE: u64 = 24 * 1024 * 1024;
    const CHUNK: usize = 256 * 1024;
    let chunks = futures_util::stream::iter((0..SIZE / CHUNK as u64).map(|index| {
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![(index % 251) as u8; CHUNK]))
    }));
    let part = Part::stream_with_length(reqwest::Body::wrap_stream(chunks), SIZE)
        .file_name("big.bin")
        .mime_str("application/octet-stream")
        .expect("mime");
    let (status, uploaded) = call(
        app.admin()
            .post(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))
            .multipart(Form::new().part("file", part)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    assert_eq!(uploaded["results"][0]["extensions"]["fileSize"], SIZE);
    let response = app
        .admin()
        .get(app.url(&format!("/download/attachments/{page_id}/big.bin")))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.headers()["content-length"],
        SIZE.to_string().as_str()
    );
    let mut received: u64 = 0;
    let mut mismatches = 0;
    let mut stream = response.bytes_stream();
    use futures_util::StreamExt;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        for (offset, byte) in chunk.iter().enumerate() {
            let position = received + offset as u64;
            if *byte != ((position / CHUNK as u64) % 251) as u8 {
                mismatches += 1;
            }
        }
        received += chunk.len() as u64;
    }
    assert_eq!(
        (received, mismatches),
        (SIZE, 0),
        "every byte comes back in place"
    );
    app.stop().await;
}

/// The same upload, download and purge with the bytes in S3 (a real S3-compatible server on
/// 127.0.0.1; `CAIRN_TEST_S3_ENDPOINT`, which CI sets).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_live_in_s3_when_configured() {
    let Some(blobs) = cairn_testkit::s3_blob_store("web").await else {
        return;
    };
    let db = TestDb::create(cairn_testkit::TestDialect::Sqlite)
        .await
        .expect("sqlite");
    let app = TestApp::start_with_blobs(db, Some(blobs.clone()), 64 * 1024 * 1024).await;
    let admin = app.admin();
    let page_id = page(&app, "On S3").await;
    let url = app.url(&format!("/rest/api/content/{page_id}/child/attachment"));
    let payload: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|index| (index % 253) as u8)
        .collect();
    let (status, uploaded) = call(admin.post(&url).multipart(file_form(
        "data.bin",
        payload.clone(),
        "application/octet-stream",
        "to S3",
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{uploaded}");
    let stored: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(blobs.list(None)).await;
    assert_eq!(stored.len(), 1, "one object in the bucket");

    let whole = admin
        .get(app.url(&format!("/download/attachments/{page_id}/data.bin")))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        whole.bytes().await.expect("body").as_ref(),
        payload.as_slice()
    );
    let ranged = admin
        .get(app.url(&format!("/download/attachments/{page_id}/data.bin")))
        .header("Range", "bytes=1000-1999")
        .send()
        .await
        .expect("sent");
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        ranged.bytes().await.expect("body").as_ref(),
        &payload[1000..2000]
    );

    let id = uploaded["results"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let response = admin
        .delete(app.url(&format!("/rest/api/content/{id}?status=trashed")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let left: Vec<_> = futures_util::StreamExt::collect::<Vec<_>>(blobs.list(None)).await;
    assert!(left.is_empty(), "purging removes the object");
    app.stop().await;
}

async fn orphaned_bytes_are_swept_and_recorded_ones_kept(db: TestDb) {
    let app = TestApp::start(db).await;
    let page_id = page(&app, "Sweep").await;
    let url = app.url(&format!("/rest/api/content/{page_id}/child/attachment"));
    let (status, _) = call(app.admin().post(&url).multipart(file_form(
        "kept.txt",
        b"kept".to_vec(),
        "text/plain",
        "",
    )))
    .await;
    assert_eq!(status, StatusCode::OK);
    // Bytes whose row never committed, as a crash between the two steps would leave them.
    let blobs = cairn_blob::BlobStore::open_directory(app.blob_directory())
        .await
        .expect("blob store");
    let orphan =
        cairn_blob::BlobKey::new(format!("attachments/{page_id}/999/v1-orphan")).expect("key");
    let chunk =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"lost"))]);
    blobs
        .put_stream(&orphan, chunk, None)
        .await
        .expect("orphan stored");
    assert_eq!(attachment_files_in(app.blob_directory()), 2);

    // Young bytes are left alone (an upload may still be committing)...
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let report = cairn_app::maintenance::sweep_orphaned_blobs_once(&app.store, &blobs, an_hour_ago)
        .await
        .expect("sweep");
    assert_eq!(report.orphans_removed, 0);
    // ...older ones without a row go; recorded ones stay.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    let report = cairn_app::maintenance::sweep_orphaned_blobs_once(&app.store, &blobs, later)
        .await
        .expect("sweep");
    assert_eq!((report.orphans_removed, report.referenced_kept), (1, 1));
    assert_eq!(attachment_files_in(app.blob_directory()), 1);
    let kept = app
        .admin()
        .get(app.url(&format!("/download/attachments/{page_id}/kept.txt")))
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.bytes().await.expect("body").as_ref(), b"kept");
    app.stop().await;
}

async fn upload_named(app: &TestApp, page_id: &str, name: &str, bytes: &[u8]) -> Value {
    let url = app.url(&format!("/rest/api/content/{page_id}/child/attachment"));
    let (status, listed) = call(app.admin().post(&url).multipart(file_form(
        name,
        bytes.to_vec(),
        "text/plain",
        "",
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    listed["results"][0].clone()
}

async fn attachment_labels_properties_versions_and_removal(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let page_id = page(&app, "With files").await;
    let first = upload_named(&app, &page_id, "notes.txt", b"one").await;
    let attachment_id = first["id"].as_str().expect("id").to_string();
    for round in [b"two".as_slice(), b"three".as_slice()] {
        let data_url = app.url(&format!(
            "/rest/api/content/{page_id}/child/attachment/{attachment_id}/data"
        ));
        let (status, _) = call(admin.post(&data_url).multipart(file_form(
            "notes.txt",
            round.to_vec(),
            "text/plain",
            "",
        )))
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    // Labels and properties hang on attachments as on pages.
    let (status, labels) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{attachment_id}/label")))
            .json(&json!([{"prefix": "global", "name": "draft"}])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{labels}");
    assert_eq!(labels["results"][0]["name"], "draft");
    let (status, property) = call(
        admin
            .post(app.url(&format!("/rest/api/content/{attachment_id}/property")))
            .json(&json!({"key": "reviewed", "value": {"by": "admin"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{property}");
    let (_, fetched) = call(admin.get(app.url(&format!(
        "/rest/api/content/{attachment_id}/property/reviewed"
    ))))
    .await;
    assert_eq!(fetched["value"], json!({"by": "admin"}));

    // Versions of the attachment: listed newest first; an old one can go, the current cannot.
    let versions_url = app.url(&format!(
        "/rest/experimental/content/{attachment_id}/version"
    ));
    let (_, versions) = call(admin.get(&versions_url)).await;
    let numbers: Vec<i64> = versions["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|version| version["number"].as_i64().expect("number"))
        .collect();
    assert_eq!(numbers, [3, 2, 1]);
    let (status, _) = call(admin.delete(format!("{versions_url}/1"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, error) = call(admin.delete(format!("{versions_url}/3"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = call(admin.delete(format!("{versions_url}/1"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "already gone");
    let old = admin
        .get(app.url(&format!(
            "/download/attachments/{page_id}/notes.txt?version=1"
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(old.status(), StatusCode::NOT_FOUND);

    // /json/removeattachment.action: a version, then the whole attachment with its labels.
    let remove = |query: String| {
        admin
            .post(app.url(&format!("/json/removeattachment.action?{query}")))
            .header("X-Atlassian-Token", "no-check")
            .send()
    };
    let response = remove(format!("pageId={page_id}&fileName=notes.txt&version=2"))
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, versions) = call(admin.get(&versions_url)).await;
    assert_eq!(versions["size"], 1);
    let response = remove(format!("pageId={page_id}&fileName=missing.txt"))
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = remove(format!("pageId={page_id}&fileName=notes.txt"))
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    let (_, listed) =
        call(admin.get(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))).await;
    assert_eq!(listed["size"], 0);
    let (status, _) =
        call(admin.get(app.url(&format!("/rest/api/content/{attachment_id}/label")))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        attachment_files_in(app.blob_directory()),
        0,
        "no bytes left behind"
    );
    app.stop().await;
}

async fn attachments_are_renamed_by_json_put(db: TestDb) {
    let app = TestApp::start(db).await;
    let admin = app.admin();
    let page_id = page(&app, "Renames").await;
    let first = upload_named(&app, &page_id, "a.txt", b"aaa").await;
    upload_named(&app, &page_id, "b.txt", b"bbb").await;
    let id = first["id"].as_str().expect("id").to_string();
    let url = app.url(&format!(
        "/rest/api/content/{page_id}/child/attachment/{id}"
    ));
    let (status, renamed) = call(admin.put(&url).json(&json!({
        "id": id, "type": "attachment", "status": "current", "title": "notes.md",
        "metadata": {"mediaType": "text/markdown"}, "version": {"number": 2, "minorEdit": true}
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["title"], "notes.md");
    assert_eq!(renamed["metadata"]["mediaType"], "text/markdown");
    assert_eq!(renamed["version"]["number"], 1, "the bytes did not change");
    let download = admin
        .get(app.url(&format!("/download/attachments/{page_id}/notes.md")))
        .send()
        .await
        .expect("sent");
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.expect("bytes").as_ref(), b"aaa");
    // Another attachment's name is refused, and a far-off version number is a conflict.
    let (status, error) = call(
        admin
            .put(&url)
            .json(&json!({"title": "b.txt", "version": {"number": 1}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = call(
        admin
            .put(&url)
            .json(&json!({"title": "c.txt", "version": {"number": 7}})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, listed) =
        call(admin.get(app.url(&format!("/rest/api/content/{page_id}/child/attachment")))).await;
    let mut names: Vec<&str> = listed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|item| item["title"].as_str().expect("title"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["b.txt", "notes.md"]);
    app.stop().await;
}
