//! What only the S3 backend has: a prefix inside the bucket, errors from the server.

use cairn_blob::{BlobError, BlobLocation};
use futures_util::TryStreamExt;

use crate::support::{fresh_bucket, key, one_chunk, open_s3_store, s3_endpoint};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefix_keeps_blobs_below_it() {
    let Some(endpoint) = s3_endpoint() else {
        eprintln!("S3 not configured (CAIRN_TEST_S3_ENDPOINT unset); not run");
        return;
    };
    let bucket = fresh_bucket(&endpoint).await;
    let prefixed = open_s3_store(&endpoint, &bucket, "wiki/main").await;
    let whole_bucket = open_s3_store(&endpoint, &bucket, "").await;
    assert_eq!(
        prefixed.location(),
        &BlobLocation::S3 {
            bucket: bucket.clone(),
            prefix: "wiki/main".to_owned()
        }
    );

    prefixed
        .put_stream(&key("attachments/1/2/v1"), one_chunk(b"prefixed"), None)
        .await
        .unwrap();
    whole_bucket
        .put_stream(&key("elsewhere/x"), one_chunk(b"other"), None)
        .await
        .unwrap();

    assert_eq!(
        whole_bucket
            .get_bytes(&key("wiki/main/attachments/1/2/v1"))
            .await
            .unwrap(),
        "prefixed".as_bytes()
    );
    let seen_through_prefix: Vec<String> = prefixed
        .list(None)
        .map_ok(|meta| meta.key.to_string())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(seen_through_prefix, ["attachments/1/2/v1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_an_error_naming_the_key() {
    let Some(endpoint) = s3_endpoint() else {
        eprintln!("S3 not configured (CAIRN_TEST_S3_ENDPOINT unset); not run");
        return;
    };
    let store = open_s3_store(&endpoint, "cairn-no-such-bucket", "").await;
    let error = store
        .put_stream(&key("attachments/1/1/v1"), one_chunk(b"x"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            BlobError::Backend { key, .. } | BlobError::NotFound { key }
                if key == "attachments/1/1/v1"
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("attachments/1/1/v1"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_aws_needs_no_network_and_builds_a_tls_client() {
    // No endpoint: AWS over HTTPS. Building the client installs ring as the TLS provider; a
    // missing provider would panic here.
    let location = BlobLocation::parse("s3://cairn-example-bucket/wiki").unwrap();
    let store = cairn_blob::BlobStore::open(location, &cairn_blob::S3Settings::default())
        .await
        .unwrap();
    assert_eq!(
        store.location(),
        &BlobLocation::S3 {
            bucket: "cairn-example-bucket".to_owned(),
            prefix: "wiki".to_owned()
        }
    );
}
