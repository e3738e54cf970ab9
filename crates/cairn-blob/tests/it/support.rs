//! Test backends (a temporary directory, a fresh bucket on a local S3 server) and data helpers.

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use bytes::Bytes;
use cairn_blob::{BlobKey, BlobLocation, BlobStore, S3Settings};
use futures_util::stream::{self, Stream, StreamExt};
use sha2::{Digest, Sha256};

/// Variable naming the S3-compatible server for the S3 tests.
pub const S3_ENDPOINT_VARIABLE: &str = "CAIRN_TEST_S3_ENDPOINT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Directory,
    S3,
}

/// A store on a fresh, empty backend. Keeps the temporary directory alive while the test runs.
pub struct TestStore {
    pub store: BlobStore,
    /// The directory backend's root, `None` for S3.
    pub root: Option<PathBuf>,
    /// The S3 backend's endpoint and bucket, `None` for a directory.
    pub s3_bucket: Option<(String, String)>,
    _directory: Option<tempfile::TempDir>,
}

impl TestStore {
    /// A store on `backend`, or `None` when that backend is not configured (S3 without endpoint).
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Directory => {
                let directory = tempfile::tempdir().expect("temporary directory");
                let root = directory.path().join("blobs");
                let store = BlobStore::open_directory(&root)
                    .await
                    .expect("open directory store");
                Some(Self {
                    store,
                    root: Some(root),
                    s3_bucket: None,
                    _directory: Some(directory),
                })
            }
            Backend::S3 => {
                let endpoint = s3_endpoint()?;
                let bucket = fresh_bucket(&endpoint).await;
                let store = open_s3_store(&endpoint, &bucket, "").await;

                Some(Self {
                    store,
                    root: None,
                    s3_bucket: Some((endpoint, bucket)),
                    _directory: None,
                })
            }
        }
    }
}

/// Runs `test` on a fresh store of `backend`, or says why it did not run.
pub async fn run_on<F, Fut>(test: F, backend: Backend)
where
    F: FnOnce(TestStore) -> Fut,
    Fut: Future<Output = ()>,
{
    match TestStore::create(backend).await {
        Some(store) => test(store).await,
        None => eprintln!("{backend:?} not configured ({S3_ENDPOINT_VARIABLE} unset); not run"),
    }
}

/// Generates one test per backend for each named `async fn(TestStore)`.
macro_rules! every_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn directory() {
                    $crate::support::run_on(super::$name, $crate::support::Backend::Directory).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn s3() {
                    $crate::support::run_on(super::$name, $crate::support::Backend::S3).await;
                }
            }
        )*
    };
}
pub(crate) use every_backend;

pub fn s3_endpoint() -> Option<String> {
    std::env::var(S3_ENDPOINT_VARIABLE)
        .ok()
        .filter(|endpoint| !endpoint.trim().is_empty())
}

pub fn s3_settings(endpoint: &str) -> S3Settings {
    S3Settings {
        endpoint: Some(endpoint.to_owned()),
        region: Some("us-east-1".to_owned()),
        access_key_id: Some("cairn-test".to_owned()),
        secret_access_key: Some("cairn-test-secret".to_owned()),
        session_token: None,
        path_style: Some(true),
    }
}

pub async fn open_s3_store(endpoint: &str, bucket: &str, prefix: &str) -> BlobStore {
    let location = BlobLocation::S3 {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
    };
    BlobStore::open(location, &s3_settings(endpoint))
        .await
        .expect("open S3 store")
}

/// Creates a bucket with a unique name and returns the name.
pub async fn fresh_bucket(endpoint: &str) -> String {
    static NEXT_BUCKET: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let bucket = format!(
        "cairn-test-{}-{}-{nanos}",
        std::process::id(),
        NEXT_BUCKET.fetch_add(1, Ordering::Relaxed)
    );
    let endpoint = endpoint.to_owned();
    let bucket_for_request = bucket.clone();
    tokio::task::spawn_blocking(move || create_bucket(&endpoint, &bucket_for_request))
        .await
        .expect("bucket creation task")
        .expect("create bucket");
    bucket
}

/// Unfinished multipart uploads in `bucket` (`GET /bucket?uploads`), as `key` names.
pub async fn unfinished_uploads(endpoint: &str, bucket: &str) -> Vec<String> {
    let endpoint = endpoint.to_owned();
    let path = format!("/{bucket}?uploads");
    let body = tokio::task::spawn_blocking(move || plain_request(&endpoint, "GET", &path))
        .await
        .expect("listing task")
        .expect("list multipart uploads");
    body.split("<Key>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
        .collect()
}

/// `PUT /bucket` on the test server. moto accepts unsigned requests, so plain HTTP is enough.
fn create_bucket(endpoint: &str, bucket: &str) -> anyhow::Result<()> {
    plain_request(endpoint, "PUT", &format!("/{bucket}"))?;
    Ok(())
}

/// One unsigned HTTP/1.1 request without a body; returns the response body of a 200 answer.
fn plain_request(endpoint: &str, method: &str, path: &str) -> anyhow::Result<String> {
    let authority = endpoint
        .strip_prefix("http://")
        .context("the test S3 endpoint must be http://host:port")?
        .trim_end_matches('/');
    let mut connection = TcpStream::connect(authority)
        .with_context(|| format!("connect to the S3 test server at {authority}"))?;
    connection.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        connection,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    connection.read_to_string(&mut response)?;
    let status_line = response.lines().next().unwrap_or_default();
    ensure!(
        status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200"),
        "{method} {path} failed: {status_line}"
    );
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok(body.to_owned())
}

pub fn key(key: &str) -> BlobKey {
    BlobKey::new(key).expect("valid test key")
}

/// Byte `index` of the deterministic test pattern: cheap, not periodic at any part size.
fn pattern_byte(index: u64) -> u8 {
    let mixed = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (index >> 13);
    (mixed >> 24) as u8
}

fn pattern_chunk(start: u64, length: usize) -> Bytes {
    (start..start + length as u64)
        .map(pattern_byte)
        .collect::<Vec<u8>>()
        .into()
}

/// A lazily generated stream of `total` pattern bytes in chunks of `chunk_size`: only one chunk
/// exists at a time on the producing side.
pub fn pattern_stream(
    total: u64,
    chunk_size: usize,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    stream::unfold(0u64, move |offset| async move {
        if offset >= total {
            return None;
        }
        let length = (total - offset).min(chunk_size as u64) as usize;
        Some((Ok(pattern_chunk(offset, length)), offset + length as u64))
    })
}

/// The pattern bytes `range` (for checking small reads).
pub fn pattern_bytes(range: std::ops::Range<u64>) -> Vec<u8> {
    range.map(pattern_byte).collect()
}

/// SHA-256 (lowercase hex) of the first `total` pattern bytes.
pub fn pattern_sha256(total: u64) -> String {
    let mut hasher = Sha256::new();
    let mut offset = 0;
    while offset < total {
        let length = (total - offset).min(1 << 20) as usize;
        hasher.update(pattern_chunk(offset, length));
        offset += length as u64;
    }
    hex(&hasher.finalize())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `bytes_before_failure` pattern bytes, then an I/O error instead of the rest.
pub fn failing_stream(
    bytes_before_failure: u64,
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    pattern_stream(bytes_before_failure, 64 * 1024).chain(stream::once(async {
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "client went away",
        ))
    }))
}

/// One chunk stream of `bytes`.
pub fn one_chunk(
    bytes: &'static [u8],
) -> impl Stream<Item = Result<Bytes, io::Error>> + Send + 'static {
    stream::once(async move { Ok(Bytes::from_static(bytes)) })
}

/// Reads a whole blob by streaming it, hashing as it goes; returns (size, sha256).
pub async fn streamed_size_and_sha256(store: &BlobStore, key: &BlobKey) -> (u64, String) {
    let read = store.get(key, None).await.expect("get");
    let mut stream = read.stream;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        size += chunk.len() as u64;
        hasher.update(&chunk);
    }
    (size, hex(&hasher.finalize()))
}

/// Files under `root` whose names look like staged uploads (`name#digits`).
pub fn staged_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if entry.file_name().to_string_lossy().contains('#') {
                found.push(path);
            }
        }
    }
    found
}

/// Sets a file's modification time `age` into the past.
pub fn age_file(path: &Path, age: Duration) {
    let file = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open file to age");
    file.set_modified(SystemTime::now() - age)
        .expect("set modification time");
}

/// Waits until the clock has passed the next whole second and returns that second.
///
/// S3 reports modification times in whole seconds: blobs written before this call are older
/// than the returned instant, blobs written after it are not.
pub async fn next_whole_second_boundary() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970");
    let boundary = UNIX_EPOCH + Duration::from_secs(now.as_secs() + 1);
    // A margin for filesystems whose timestamps come from a coarse clock.
    let wait_until = boundary + Duration::from_millis(50);
    if let Ok(remaining) = wait_until.duration_since(SystemTime::now()) {
        tokio::time::sleep(remaining).await;
    }
    boundary
}
