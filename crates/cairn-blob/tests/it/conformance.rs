//! The behaviour every backend must show, run against each of them.

use std::collections::HashSet;
use std::time::Duration;

use cairn_blob::{BlobError, BlobStore, ByteRange};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio::task::JoinSet;

use crate::support::{
    TestStore, every_backend, failing_stream, key, next_whole_second_boundary, one_chunk,
    pattern_bytes, pattern_sha256, pattern_stream, sha256_hex, streamed_size_and_sha256,
};

const MIB: u64 = 1024 * 1024;

every_backend!(
    small_blob_round_trip,
    empty_blob_round_trip,
    fifty_megabytes_streamed_round_trip,
    ranges_read_the_requested_bytes,
    ranges_past_the_end_are_errors,
    size_limit_aborts_and_leaves_nothing,
    size_limit_is_inclusive,
    failing_stream_leaves_nothing,
    failing_overwrite_keeps_the_previous_bytes,
    overwrite_replaces_the_bytes,
    delete_is_idempotent,
    missing_blob_is_not_found,
    concurrent_puts_of_different_keys,
    listing_matches_whole_segments,
    sweeper_removes_old_orphans_and_keeps_referenced_and_young_blobs,
    sweeper_stops_when_the_reference_check_fails,
    dropped_upload_leaves_nothing,
);

async fn small_blob_round_trip(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/65/65539/v1");
    let stored = store
        .put_stream(&blob_key, one_chunk(b"hello, cairn"), None)
        .await
        .unwrap();
    assert_eq!(stored.size_bytes, 12);
    assert_eq!(stored.sha256_hex, sha256_hex(b"hello, cairn"));

    assert_eq!(store.head(&blob_key).await.unwrap(), Some(12));
    let read = store.get(&blob_key, None).await.unwrap();
    assert_eq!(read.size_bytes, 12);
    assert_eq!(read.range, 0..12);
    assert_eq!(
        store.get_bytes(&blob_key).await.unwrap(),
        "hello, cairn".as_bytes()
    );
}

async fn empty_blob_round_trip(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/1/2/v1");
    let stored = store
        .put_stream(&blob_key, stream::empty(), None)
        .await
        .unwrap();
    assert_eq!(stored.size_bytes, 0);
    assert_eq!(stored.sha256_hex, sha256_hex(b""));
    assert_eq!(store.head(&blob_key).await.unwrap(), Some(0));
    assert!(store.get_bytes(&blob_key).await.unwrap().is_empty());
}

async fn fifty_megabytes_streamed_round_trip(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/7/70001/v3");
    let total = 50 * MIB + 12_345;
    // 64 KiB chunks, as an HTTP body arrives: the producer never holds more than one chunk.
    let stored = store
        .put_stream(&blob_key, pattern_stream(total, 64 * 1024), Some(60 * MIB))
        .await
        .unwrap();
    let expected_sha256 = pattern_sha256(total);
    assert_eq!(stored.size_bytes, total);
    assert_eq!(stored.sha256_hex, expected_sha256);

    assert_eq!(store.head(&blob_key).await.unwrap(), Some(total));
    let (read_size, read_sha256) = streamed_size_and_sha256(store, &blob_key).await;
    assert_eq!(read_size, total);
    assert_eq!(read_sha256, expected_sha256);

    // A range across a part boundary (parts are 8 MiB) reads the right bytes.
    let start = 8 * MIB - 100;
    let read = store
        .get(&blob_key, Some(ByteRange::inclusive(start, start + 199)))
        .await
        .unwrap();
    assert_eq!(read.size_bytes, total);
    let chunks: Vec<bytes::Bytes> = read.stream.try_collect().await.unwrap();
    assert_eq!(chunks.concat(), pattern_bytes(start..start + 200));
}

async fn ranges_read_the_requested_bytes(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/9/9/v1");
    store
        .put_stream(&blob_key, pattern_stream(1000, 300), None)
        .await
        .unwrap();

    let cases = [
        (ByteRange::from_start(0), 0..1000),
        (ByteRange::from_start(990), 990..1000),
        (ByteRange::from_start(999), 999..1000),
        (ByteRange::inclusive(10, 19), 10..20),
        (ByteRange::inclusive(0, 0), 0..1),
        (ByteRange::inclusive(999, 999), 999..1000),
        // An end past the blob is clamped, as HTTP ranges are.
        (ByteRange::inclusive(995, 5000), 995..1000),
    ];
    for (range, expected) in cases {
        let read = store.get(&blob_key, Some(range)).await.unwrap();
        assert_eq!(read.size_bytes, 1000, "{range:?}");
        assert_eq!(read.range, expected, "{range:?}");
        let chunks: Vec<bytes::Bytes> = read.stream.try_collect().await.unwrap();
        assert_eq!(chunks.concat(), pattern_bytes(expected), "{range:?}");
    }
}

async fn ranges_past_the_end_are_errors(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/9/10/v1");
    store
        .put_stream(&blob_key, pattern_stream(1000, 1000), None)
        .await
        .unwrap();

    for range in [
        ByteRange::from_start(1000),
        ByteRange::from_start(5000),
        ByteRange::inclusive(1000, 1010),
    ] {
        match store.get(&blob_key, Some(range)).await {
            Err(BlobError::RangeNotSatisfiable {
                key: error_key,
                start,
                size_bytes,
            }) => {
                assert_eq!(error_key, "attachments/9/10/v1");
                assert_eq!(start, range.start);
                assert_eq!(size_bytes, 1000);
            }
            other => panic!("{range:?} gave {other:?}"),
        }
    }
    let error = store
        .get(&blob_key, Some(ByteRange::inclusive(20, 10)))
        .await
        .unwrap_err();
    assert!(matches!(error, BlobError::InvalidRange { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "invalid range 20-10 for blob attachments/9/10/v1"
    );

    let missing = store
        .get(&key("attachments/9/11/v1"), Some(ByteRange::from_start(5)))
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
}

async fn size_limit_aborts_and_leaves_nothing(test: TestStore) {
    let store = &test.store;
    // Larger than one part: the limit strikes during a multipart upload.
    let large_key = key("attachments/3/1/v1");
    let error = store
        .put_stream(
            &large_key,
            pattern_stream(20 * MIB, 64 * 1024),
            Some(10 * MIB),
        )
        .await
        .unwrap_err();
    match &error {
        BlobError::TooLarge { key, limit } => {
            assert_eq!(key, "attachments/3/1/v1");
            assert_eq!(*limit, 10 * MIB);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "blob attachments/3/1/v1 is larger than the limit of 10485760 bytes"
    );
    assert_eq!(store.head(&large_key).await.unwrap(), None);
    assert!(
        store
            .get(&large_key, None)
            .await
            .unwrap_err()
            .is_not_found()
    );

    // Smaller than one part: the limit strikes before anything was sent.
    let small_key = key("attachments/3/2/v1");
    let error = store
        .put_stream(&small_key, pattern_stream(101, 10), Some(100))
        .await
        .unwrap_err();
    assert!(
        matches!(error, BlobError::TooLarge { limit: 100, .. }),
        "{error:?}"
    );
    assert_eq!(store.head(&small_key).await.unwrap(), None);
    assert_no_leftovers(&test).await;
}

async fn size_limit_is_inclusive(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/3/3/v1");
    let stored = store
        .put_stream(&blob_key, pattern_stream(100, 7), Some(100))
        .await
        .unwrap();
    assert_eq!(stored.size_bytes, 100);
    assert_eq!(store.head(&blob_key).await.unwrap(), Some(100));
}

async fn failing_stream_leaves_nothing(test: TestStore) {
    let store = &test.store;
    for (blob_key, bytes_before_failure) in [
        (key("attachments/4/1/v1"), 12 * MIB), // after a part was uploaded
        (key("attachments/4/2/v1"), 1000),     // before any part was full
        (key("attachments/4/3/v1"), 0),        // at once
    ] {
        let error = store
            .put_stream(&blob_key, failing_stream(bytes_before_failure), None)
            .await
            .unwrap_err();
        match &error {
            BlobError::Upload { key, source } => {
                assert_eq!(key, blob_key.as_str());
                assert_eq!(source.kind(), std::io::ErrorKind::ConnectionReset);
            }
            other => panic!("expected Upload, got {other:?}"),
        }
        assert_eq!(store.head(&blob_key).await.unwrap(), None, "{blob_key}");
    }
    assert_no_leftovers(&test).await;
}

async fn failing_overwrite_keeps_the_previous_bytes(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/5/1/v1");
    let original = store
        .put_stream(&blob_key, pattern_stream(3 * MIB, 64 * 1024), None)
        .await
        .unwrap();

    store
        .put_stream(&blob_key, failing_stream(12 * MIB), None)
        .await
        .unwrap_err();
    store
        .put_stream(
            &blob_key,
            pattern_stream(20 * MIB, 64 * 1024),
            Some(10 * MIB),
        )
        .await
        .unwrap_err();

    let (size, sha256) = streamed_size_and_sha256(store, &blob_key).await;
    assert_eq!(size, original.size_bytes);
    assert_eq!(sha256, original.sha256_hex);
    assert_no_leftovers(&test).await;
}

async fn overwrite_replaces_the_bytes(test: TestStore) {
    let store = &test.store;
    let blob_key = key("index-snapshots/latest");
    store
        .put_stream(&blob_key, pattern_stream(9 * MIB, 1 << 20), None)
        .await
        .unwrap();
    store
        .put_stream(&blob_key, one_chunk(b"shorter"), None)
        .await
        .unwrap();
    assert_eq!(
        store.get_bytes(&blob_key).await.unwrap(),
        "shorter".as_bytes()
    );
    assert_eq!(store.head(&blob_key).await.unwrap(), Some(7));
}

async fn delete_is_idempotent(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/6/1/v1");
    store.delete(&blob_key).await.unwrap();

    store
        .put_stream(&blob_key, one_chunk(b"bytes"), None)
        .await
        .unwrap();
    store.delete(&blob_key).await.unwrap();
    assert_eq!(store.head(&blob_key).await.unwrap(), None);
    assert!(store.get(&blob_key, None).await.unwrap_err().is_not_found());
    store.delete(&blob_key).await.unwrap();

    // The store is empty again and still usable (the directory backend prunes empty folders).
    assert!(list_names(store, None).await.is_empty());
    store
        .put_stream(&blob_key, one_chunk(b"again"), None)
        .await
        .unwrap();
    assert_eq!(
        store.get_bytes(&blob_key).await.unwrap(),
        "again".as_bytes()
    );
}

async fn missing_blob_is_not_found(test: TestStore) {
    let error = test
        .store
        .get(&key("attachments/404/404/v1"), None)
        .await
        .unwrap_err();
    assert!(matches!(&error, BlobError::NotFound { key } if key == "attachments/404/404/v1"));
    assert_eq!(error.to_string(), "blob attachments/404/404/v1 not found");
    assert_eq!(
        test.store
            .head(&key("attachments/404/404/v1"))
            .await
            .unwrap(),
        None
    );
}

async fn concurrent_puts_of_different_keys(test: TestStore) {
    let mut uploads = JoinSet::new();
    for index in 0..12u64 {
        let store: BlobStore = test.store.clone();
        uploads.spawn(async move {
            let blob_key = key(&format!("attachments/8/{index}/v1"));
            // Sizes on both sides of the part size, so both write paths run at once.
            let size = 1 + index * MIB;
            let stored = store
                .put_stream(&blob_key, pattern_stream(size, 64 * 1024), None)
                .await
                .unwrap();
            (blob_key, size, stored)
        });
    }
    let results = uploads.join_all().await;
    assert_eq!(results.len(), 12);
    for (blob_key, size, stored) in results {
        assert_eq!(stored.size_bytes, size);
        assert_eq!(stored.sha256_hex, pattern_sha256(size));
        let (read_size, read_sha256) = streamed_size_and_sha256(&test.store, &blob_key).await;
        assert_eq!(read_size, size, "{blob_key}");
        assert_eq!(read_sha256, stored.sha256_hex, "{blob_key}");
    }
}

async fn listing_matches_whole_segments(test: TestStore) {
    let store = &test.store;
    for name in [
        "attachments/65/1/v1",
        "attachments/65/2/v1",
        "attachments/650/3/v1",
        "index-snapshots/1",
    ] {
        store
            .put_stream(&key(name), one_chunk(b"x"), None)
            .await
            .unwrap();
    }
    let listed = list_names(store, Some("attachments/65")).await;
    assert_eq!(listed, ["attachments/65/1/v1", "attachments/65/2/v1"]);

    assert!(list_names(store, Some("no/such/prefix")).await.is_empty());
    let everything = list_names(store, None).await;
    assert_eq!(everything.len(), 4, "{everything:?}");

    let old: Vec<_> = store
        .list_older_than(None, Duration::from_secs(3600))
        .try_collect()
        .await
        .unwrap();
    assert!(old.is_empty(), "nothing is an hour old: {old:?}");
}

async fn sweeper_removes_old_orphans_and_keeps_referenced_and_young_blobs(test: TestStore) {
    let store = &test.store;
    let put = |name: &'static str| async move {
        store
            .put_stream(&key(name), one_chunk(b"bytes"), None)
            .await
            .unwrap();
    };
    put("attachments/1/10/v1").await; // referenced
    put("attachments/1/11/v1").await; // orphan
    put("attachments/2/12/v1").await; // orphan
    put("index-snapshots/old").await; // outside the swept prefix
    let cutoff = next_whole_second_boundary().await;
    put("attachments/1/13/v1").await; // orphan, but young: its row may be about to commit

    let referenced: HashSet<&str> = ["attachments/1/10/v1"].into();
    let mut checked = Vec::new();
    let report = store
        .sweep_orphans_modified_before(Some(&key("attachments")), cutoff, |blob_key| {
            checked.push(blob_key.to_string());
            let is_referenced = referenced.contains(blob_key.as_str());
            async move { Ok::<_, std::io::Error>(is_referenced) }
        })
        .await
        .unwrap();

    assert_eq!(report.orphans_removed, 2, "{report:?}");
    assert_eq!(report.referenced_kept, 1, "{report:?}");
    checked.sort();
    assert_eq!(
        checked,
        [
            "attachments/1/10/v1",
            "attachments/1/11/v1",
            "attachments/2/12/v1"
        ],
        "only old blobs under the prefix are checked"
    );
    assert_eq!(
        store.head(&key("attachments/1/10/v1")).await.unwrap(),
        Some(5)
    );
    assert_eq!(store.head(&key("attachments/1/11/v1")).await.unwrap(), None);
    assert_eq!(store.head(&key("attachments/2/12/v1")).await.unwrap(), None);
    assert_eq!(
        store.head(&key("attachments/1/13/v1")).await.unwrap(),
        Some(5)
    );
    assert_eq!(
        store.head(&key("index-snapshots/old")).await.unwrap(),
        Some(5)
    );

    // With a grace period of an hour nothing here is old enough.
    let report = store
        .sweep_orphans(None, Duration::from_secs(3600), |_| async {
            Ok::<_, std::io::Error>(false)
        })
        .await
        .unwrap();
    assert_eq!(report.orphans_removed, 0);
    assert_eq!(
        store.head(&key("attachments/1/13/v1")).await.unwrap(),
        Some(5)
    );
}

async fn sweeper_stops_when_the_reference_check_fails(test: TestStore) {
    let store = &test.store;
    store
        .put_stream(&key("attachments/1/20/v1"), one_chunk(b"bytes"), None)
        .await
        .unwrap();
    let cutoff = next_whole_second_boundary().await;
    let error = store
        .sweep_orphans_modified_before(None, cutoff, |_| async {
            Err::<bool, _>(std::io::Error::other("database unreachable"))
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, BlobError::ReferenceCheck { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "checking whether blob attachments/1/20/v1 is referenced failed"
    );
    assert_eq!(
        store.head(&key("attachments/1/20/v1")).await.unwrap(),
        Some(5)
    );
}

async fn dropped_upload_leaves_nothing(test: TestStore) {
    let store = &test.store;
    let blob_key = key("attachments/11/1/v1");
    // 10 MiB arrive, then the client stalls forever; the request handler gives up.
    let stalled = pattern_stream(10 * MIB, 64 * 1024).chain(stream::pending());
    let outcome = tokio::time::timeout(
        Duration::from_secs(5),
        store.put_stream(&blob_key, stalled, None),
    )
    .await;
    assert!(outcome.is_err(), "the put cannot finish: {outcome:?}");
    assert_eq!(store.head(&blob_key).await.unwrap(), None);
    assert_no_leftovers(&test).await;
}

async fn list_names(store: &BlobStore, prefix: Option<&str>) -> Vec<String> {
    let prefix_key = prefix.map(key);
    let mut names: Vec<String> = store
        .list(prefix_key.as_ref())
        .map_ok(|meta| meta.key.to_string())
        .try_collect()
        .await
        .unwrap();
    names.sort();
    names
}

/// Failed or abandoned uploads leave nothing behind: no staged file in a directory, no
/// unfinished multipart upload in a bucket. Aborting an upload whose future was dropped runs in
/// a spawned task, hence the deadline.
async fn assert_no_leftovers(test: &TestStore) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let leftovers = match (&test.root, &test.s3_bucket) {
            (Some(root), _) => crate::support::staged_files(root)
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            (None, Some((endpoint, bucket))) => {
                crate::support::unfinished_uploads(endpoint, bucket).await
            }
            (None, None) => unreachable!("a test store is a directory or a bucket"),
        };
        if leftovers.is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "unfinished uploads left behind: {leftovers:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
