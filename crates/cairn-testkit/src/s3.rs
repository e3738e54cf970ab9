//! A blob store in a fresh bucket of the S3-compatible server CI runs on 127.0.0.1 (named by
//! `CAIRN_TEST_S3_ENDPOINT`), for tests that must see the S3 backend.

/// The variable naming the S3-compatible test server.
pub const S3_ENDPOINT_VARIABLE: &str = "CAIRN_TEST_S3_ENDPOINT";

/// A blob store in a new bucket named after `purpose`, under the prefix `wiki`; `None` (with a
/// line on the test's output) when no S3 test server is configured.
pub async fn s3_blob_store(purpose: &str) -> Option<cairn_blob::BlobStore> {
    let Some(endpoint) = std::env::var(S3_ENDPOINT_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("{S3_ENDPOINT_VARIABLE} not set; not run");
        return None;
    };
    let bucket = format!(
        "cairn-{purpose}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .subsec_nanos()
    );
    let created = crate::anonymous_client()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(
        created.status().is_success(),
        "bucket: {}",
        created.status()
    );
    let settings = cairn_blob::S3Settings {
        endpoint: Some(endpoint),
        region: Some("us-east-1".into()),
        access_key_id: Some("cairn-test".into()),
        secret_access_key: Some("cairn-test-secret".into()),
        session_token: None,
        path_style: Some(true),
    };
    let location = cairn_blob::BlobLocation::S3 {
        bucket,
        prefix: "wiki".into(),
    };
    Some(
        cairn_blob::BlobStore::open(location, &settings)
            .await
            .expect("open S3"),
    )
}
