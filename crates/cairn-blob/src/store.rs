//! `BlobStore`: streaming put, ranged get, head, delete and listing over one backend.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{
    GetOptions, GetRange, GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart,
};
use sha2::{Digest, Sha256};

use crate::{BlobError, BlobKey, BlobLocation, S3Settings};

/// Size of each part of a multipart upload. S3 needs at least 5 MiB for every part but the last;
/// 8 MiB parts allow objects up to 80 GB (10,000 parts).
const PART_SIZE_BYTES: usize = 8 * 1024 * 1024;

/// Parts of one upload sent at the same time. With the part being filled, one upload holds at
/// most `(PARTS_IN_FLIGHT + 1) * PART_SIZE_BYTES` in memory, whatever the blob's size.
const PARTS_IN_FLIGHT: usize = 2;

/// Chunks larger than this are hashed on the blocking pool: SHA-256 runs at roughly 0.5-2 GB/s,
/// so 256 KiB stays under the ~500 µs an async task may block.
const HASH_INLINE_MAX_BYTES: usize = 256 * 1024;

/// Chunk size when streaming a blob out of a directory: one blocking read per chunk.
const READ_CHUNK_BYTES: u64 = 256 * 1024;

/// The blob store: a directory (shared by all nodes) or an S3 bucket, holding attachment bytes and
/// search index snapshots under [`BlobKey`]s.
///
/// Cheap to clone; clones share the same client. Safe to use from many tasks at once: writes to
/// different keys are independent, and a put to an existing key replaces it atomically (readers
/// see the old bytes or the new ones, never a mix).
#[derive(Clone)]
pub struct BlobStore {
    shared: Arc<Shared>,
}

/// State shared by the clones of one [`BlobStore`]. Immutable after opening.
pub(crate) struct Shared {
    /// The object store client; `LocalFileSystem` for directories (with fsync), `AmazonS3`
    /// (below a `PrefixStore` when the location has a prefix) for S3.
    pub(crate) objects: Arc<dyn ObjectStore>,
    /// Where the blobs live, as configured.
    pub(crate) location: BlobLocation,
}

/// What [`BlobStore::put_stream`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub size_bytes: u64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256_hex: String,
}

/// A byte range to read: from `start` to `end_inclusive` (to the end of the blob when `None`),
/// as in HTTP's `Range: bytes=start-end`. An end past the blob is clamped to the blob's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end_inclusive: Option<u64>,
}

impl ByteRange {
    /// From `start` to the end of the blob.
    pub fn from_start(start: u64) -> Self {
        Self {
            start,
            end_inclusive: None,
        }
    }

    /// From `start` to `end_inclusive`, both included.
    pub fn inclusive(start: u64, end_inclusive: u64) -> Self {
        Self {
            start,
            end_inclusive: Some(end_inclusive),
        }
    }
}

/// A blob being read: its size, the bytes the stream yields and the stream itself.
pub struct BlobRead {
    /// Size of the whole blob (not of the range).
    pub size_bytes: u64,
    /// The bytes `stream` yields, as offsets into the blob (`start..end`, end exclusive).
    pub range: Range<u64>,
    pub stream: BoxStream<'static, Result<Bytes, BlobError>>,
}

impl fmt::Debug for BlobRead {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BlobRead")
            .field("size_bytes", &self.size_bytes)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// One blob in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobMeta {
    pub key: BlobKey,
    pub size_bytes: u64,
    /// Last modification in the backend's clock, UTC epoch milliseconds (S3 has whole seconds).
    pub modified_at_ms: i64,
}

impl BlobStore {
    /// Opens the store at `location` (see [`BlobLocation::parse`]); `s3` is used only for S3.
    ///
    /// A directory is created when missing. Opening S3 sends no request: a wrong bucket or
    /// credentials show up on the first operation.
    pub async fn open(location: BlobLocation, s3: &S3Settings) -> Result<Self, BlobError> {
        let objects: Arc<dyn ObjectStore> = match &location {
            BlobLocation::Directory { root } => Arc::new(open_directory(root).await?),
            BlobLocation::S3 { bucket, prefix } => crate::s3::open_s3(bucket, prefix, s3)?,
        };
        tracing::info!(location = %location, "blob store opened");
        Ok(Self {
            shared: Arc::new(Shared { objects, location }),
        })
    }

    /// Opens a directory store rooted at `root`, creating it when missing.
    pub async fn open_directory(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let location = BlobLocation::Directory { root: root.into() };
        Self::open(location, &S3Settings::default()).await
    }

    /// Where the blobs live.
    pub fn location(&self) -> &BlobLocation {
        &self.shared.location
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Stores the bytes of `data` under `key`, replacing what was there, and returns their size
    /// and SHA-256.
    ///
    /// The bytes go to a temporary place first (a staged `key#N` file in a directory, an
    /// unfinished multipart upload on S3) and appear under `key` only once the whole stream has
    /// arrived and is durable. If the stream yields an error, exceeds `max_bytes`
    /// ([`BlobError::TooLarge`]) or the backend fails, the temporary data is discarded and `key`
    /// keeps its previous content (or stays absent). Memory use is bounded by a few parts of
    /// 8 MiB, whatever the size of the blob.
    ///
    /// Dropping the returned future before it completes also discards the temporary data.
    pub async fn put_stream<S>(
        &self,
        key: &BlobKey,
        data: S,
        max_bytes: Option<u64>,
    ) -> Result<StoredBlob, BlobError>
    where
        S: Stream<Item = Result<Bytes, io::Error>> + Send,
    {
        let path = object_path(key);
        let mut data = pin!(data);
        let mut hasher = Sha256::new();
        let mut size_bytes: u64 = 0;
        // Chunks gathered before the first part is full: a small blob is written with one put.
        let mut pending_chunks: Vec<Bytes> = Vec::new();
        let mut pending_bytes: usize = 0;
        let mut upload = UploadGuard { key, writer: None };

        while let Some(chunk) = data.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(source) => {
                    upload.abort().await;
                    return Err(BlobError::Upload {
                        key: key.to_string(),
                        source,
                    });
                }
            };
            size_bytes += chunk.len() as u64;
            if let Some(limit) = max_bytes
                && size_bytes > limit
            {
                upload.abort().await;
                return Err(BlobError::TooLarge {
                    key: key.to_string(),
                    limit,
                });
            }
            hasher = hash_chunk(hasher, chunk.clone()).await;

            match upload.writer.as_mut() {
                Some(writer) => {
                    if let Err(source) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                        upload.abort().await;
                        return Err(BlobError::from_object_store("write", key.as_str(), source));
                    }
                    writer.put(chunk);
                }
                None => {
                    pending_bytes += chunk.len();
                    pending_chunks.push(chunk);
                    if pending_bytes >= PART_SIZE_BYTES {
                        let multipart =
                            self.shared
                                .objects
                                .put_multipart(&path)
                                .await
                                .map_err(|source| {
                                    BlobError::from_object_store("write", key.as_str(), source)
                                })?;
                        let mut writer =
                            WriteMultipart::new_with_chunk_size(multipart, PART_SIZE_BYTES);
                        for pending in pending_chunks.drain(..) {
                            writer.put(pending);
                        }
                        upload.writer = Some(writer);
                    }
                }
            }
        }

        let finished = match upload.writer.take() {
            Some(writer) => writer.finish().await,
            None => {
                let payload = PutPayload::from_iter(pending_chunks);
                self.shared.objects.put(&path, payload).await
            }
        };
        finished.map_err(|source| BlobError::from_object_store("write", key.as_str(), source))?;

        let sha256_hex = lowercase_hex(&hasher.finalize());
        tracing::debug!(key = %key, size_bytes, sha256 = %sha256_hex, "blob stored");
        Ok(StoredBlob {
            size_bytes,
            sha256_hex,
        })
    }

    /// Reads the blob under `key`, all of it or `range`.
    ///
    /// Errors: [`BlobError::NotFound`] when there is no such blob, [`BlobError::InvalidRange`]
    /// when the range ends before it starts, [`BlobError::RangeNotSatisfiable`] when it starts at
    /// or past the end of the blob.
    pub async fn get(
        &self,
        key: &BlobKey,
        range: Option<ByteRange>,
    ) -> Result<BlobRead, BlobError> {
        let get_range = range.map(|range| to_get_range(key, range)).transpose()?;
        let options = GetOptions::default().with_range(get_range);
        let path = object_path(key);
        let result = match self.shared.objects.get_opts(&path, options).await {
            Ok(result) => result,
            Err(object_store::Error::NotFound { .. }) => {
                return Err(BlobError::NotFound {
                    key: key.to_string(),
                });
            }
            Err(source) => return Err(self.explain_failed_get(key, range, source).await),
        };
        let size_bytes = result.meta.size;
        let served = result.range.clone();
        let stream = match result.payload {
            GetResultPayload::File(file, _) => {
                read_file_in_chunks(key.clone(), file, served.clone())
            }
            GetResultPayload::Stream(stream) => {
                let stream_key = key.clone();
                stream
                    .map_err(move |source| {
                        BlobError::from_object_store("read", stream_key.as_str(), source)
                    })
                    .boxed()
            }
        };
        Ok(BlobRead {
            size_bytes,
            range: served,
            stream,
        })
    }

    /// Backends report a range past the end in their own ways (S3: HTTP 416); a head request
    /// tells which error the caller should see.
    async fn explain_failed_get(
        &self,
        key: &BlobKey,
        range: Option<ByteRange>,
        source: object_store::Error,
    ) -> BlobError {
        let Some(range) = range else {
            return BlobError::from_object_store("read", key.as_str(), source);
        };
        match self.head(key).await {
            Ok(Some(size_bytes)) if range.start >= size_bytes => BlobError::RangeNotSatisfiable {
                key: key.to_string(),
                start: range.start,
                size_bytes,
            },
            Ok(None) => BlobError::NotFound {
                key: key.to_string(),
            },
            _ => BlobError::from_object_store("read", key.as_str(), source),
        }
    }

    /// Reads a whole blob into memory. For small blobs and tests; use [`BlobStore::get`] to stream.
    pub async fn get_bytes(&self, key: &BlobKey) -> Result<Bytes, BlobError> {
        let read = self.get(key, None).await?;
        let chunks: Vec<Bytes> = read.stream.try_collect().await?;
        Ok(chunks.concat().into())
    }

    /// The size of the blob under `key`, or `None` when there is none.
    pub async fn head(&self, key: &BlobKey) -> Result<Option<u64>, BlobError> {
        match self.shared.objects.head(&object_path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(BlobError::from_object_store(
                "inspect",
                key.as_str(),
                source,
            )),
        }
    }

    /// Removes the blob under `key`. Removing a blob that is not there succeeds.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), BlobError> {
        match self.shared.objects.delete(&object_path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                tracing::debug!(key = %key, "blob deleted");
                Ok(())
            }
            Err(source) => Err(BlobError::from_object_store("delete", key.as_str(), source)),
        }
    }

    /// Streams the blobs under `prefix` (all blobs when `None`) last modified more than
    /// `older_than` ago. Entries whose names are not valid keys (files put there by hand) are
    /// skipped with a warning. The order is unspecified.
    pub fn list_older_than(
        &self,
        prefix: Option<&BlobKey>,
        older_than: Duration,
    ) -> BoxStream<'static, Result<BlobMeta, BlobError>> {
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(UNIX_EPOCH);
        self.list_modified_before(prefix, cutoff)
    }

    /// Streams the blobs under `prefix` last modified strictly before `cutoff`.
    pub fn list_modified_before(
        &self,
        prefix: Option<&BlobKey>,
        cutoff: SystemTime,
    ) -> BoxStream<'static, Result<BlobMeta, BlobError>> {
        let cutoff_ms = epoch_ms(cutoff);
        self.list(prefix)
            .try_filter(move |meta| std::future::ready(meta.modified_at_ms < cutoff_ms))
            .boxed()
    }

    /// Streams every blob under `prefix` (all blobs when `None`).
    pub fn list(
        &self,
        prefix: Option<&BlobKey>,
    ) -> BoxStream<'static, Result<BlobMeta, BlobError>> {
        let prefix_path = prefix.map(object_path);
        let prefix_name = prefix.map_or_else(|| "all blobs".to_owned(), |key| format!("{key}/"));
        self.shared
            .objects
            .list(prefix_path.as_ref())
            .filter_map(move |entry| {
                let item = match entry {
                    Ok(meta) => blob_meta(meta).map(Ok),
                    Err(source) => {
                        let error = BlobError::from_object_store("list", &prefix_name, source);
                        Some(Err(error))
                    }
                };
                std::future::ready(item)
            })
            .boxed()
    }
}

impl fmt::Debug for BlobStore {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BlobStore")
            .field("location", &self.shared.location)
            .finish_non_exhaustive()
    }
}

/// Owns an unfinished multipart upload so that every way out of `put_stream` discards it:
/// explicit errors call [`UploadGuard::abort`]; a dropped future leaves it to `Drop`.
struct UploadGuard<'key> {
    key: &'key BlobKey,
    writer: Option<WriteMultipart>,
}

impl UploadGuard<'_> {
    async fn abort(&mut self) {
        if let Some(writer) = self.writer.take()
            && let Err(error) = writer.abort().await
        {
            tracing::warn!(key = %self.key, %error, "could not discard an unfinished upload");
        }
    }
}

impl Drop for UploadGuard<'_> {
    fn drop(&mut self) {
        let Some(writer) = self.writer.take() else {
            return;
        };
        // The caller dropped `put_stream` mid-way. Aborting needs a request (S3) or file removal;
        // it runs detached because nothing awaits a drop. It is short and bounded by the client's
        // timeouts; if it never runs (runtime shutting down), the sweeper or the bucket's
        // lifecycle rule removes the leftover.
        let key = self.key.to_string();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = writer.abort().await {
                    tracing::warn!(%key, %error, "could not discard an abandoned upload");
                }
            });
        }
    }
}

/// The listing entry for `meta`, or `None` (with a warning) when its name is not a blob key:
/// files put into the directory by hand are neither listed nor swept.
fn blob_meta(meta: object_store::ObjectMeta) -> Option<BlobMeta> {
    let Ok(key) = BlobKey::new(meta.location.as_ref()) else {
        tracing::warn!(name = %meta.location, "ignoring a name that is not a blob key");
        return None;
    };
    Some(BlobMeta {
        key,
        size_bytes: meta.size,
        modified_at_ms: meta.last_modified.timestamp_millis(),
    })
}

/// Streams `range` of an open blob file in [`READ_CHUNK_BYTES`] chunks, each read on the
/// blocking pool. (object_store's own file stream reads 8 KiB per blocking call.) The open handle
/// keeps reading the bytes it opened even if the blob is replaced or deleted meanwhile.
fn read_file_in_chunks(
    key: BlobKey,
    file: std::fs::File,
    range: Range<u64>,
) -> BoxStream<'static, Result<Bytes, BlobError>> {
    let state = (file, range.start, key);
    futures_util::stream::try_unfold(state, move |(mut file, offset, key)| async move {
        if offset >= range.end {
            return Ok(None);
        }
        let length = (range.end - offset).min(READ_CHUNK_BYTES);
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0u8; usize::try_from(length).unwrap_or(usize::MAX)];
            let outcome = read_exact_at(&mut file, offset, &mut buffer);
            (file, buffer, outcome)
        })
        .await;
        let io_error = |source: io::Error| BlobError::Backend {
            operation: "read",
            key: key.to_string(),
            source: Box::new(source),
        };
        let (file, buffer, outcome) =
            read.map_err(|join_error| io_error(io::Error::other(join_error)))?;
        outcome.map_err(io_error)?;
        Ok(Some((Bytes::from(buffer), (file, offset + length, key))))
    })
    .boxed()
}

/// Reads exactly `buffer.len()` bytes at `offset`. A file shorter than its listed size (which
/// cannot happen for a blob renamed into place whole) is an `UnexpectedEof` error.
fn read_exact_at(file: &mut std::fs::File, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buffer)
}

/// Creates the directory when missing and opens it with fsync on, so that a finished put is
/// durable before it is acknowledged (principle 3: acknowledged means durable).
async fn open_directory(root: &FsPath) -> Result<LocalFileSystem, BlobError> {
    tokio::fs::create_dir_all(root)
        .await
        .map_err(|source| BlobError::Filesystem {
            operation: "create the directory",
            path: root.to_owned(),
            source,
        })?;
    let store = LocalFileSystem::new_with_prefix(root).map_err(|source| BlobError::Backend {
        operation: "open the directory",
        key: root.display().to_string(),
        source: Box::new(source),
    })?;
    Ok(store.with_fsync(true).with_automatic_cleanup(true))
}

/// The object store path of a key. Keys are already restricted to characters that need no
/// encoding, so the path's text is the key's text.
pub(crate) fn object_path(key: &BlobKey) -> ObjectPath {
    ObjectPath::from_iter(key.as_str().split('/'))
}

fn to_get_range(key: &BlobKey, range: ByteRange) -> Result<GetRange, BlobError> {
    match range.end_inclusive {
        None => Ok(GetRange::Offset(range.start)),
        Some(end_inclusive) if end_inclusive < range.start => Err(BlobError::InvalidRange {
            key: key.to_string(),
            start: range.start,
            end_inclusive,
        }),
        Some(end_inclusive) => Ok(GetRange::Bounded(
            range.start..end_inclusive.saturating_add(1),
        )),
    }
}

/// Feeds `chunk` to the hasher, on the blocking pool when it is large.
async fn hash_chunk(mut hasher: Sha256, chunk: Bytes) -> Sha256 {
    if chunk.len() <= HASH_INLINE_MAX_BYTES {
        hasher.update(&chunk);
        return hasher;
    }
    let fallback = hasher.clone();
    let chunk_for_task = chunk.clone();
    match tokio::task::spawn_blocking(move || {
        hasher.update(&chunk_for_task);
        hasher
    })
    .await
    {
        Ok(hasher) => hasher,
        // The closure cannot panic; a join error means the runtime is shutting down. Hashing
        // inline keeps the result correct in that case.
        Err(_) => {
            let mut hasher = fallback;
            hasher.update(&chunk);
            hasher
        }
    }
}

fn lowercase_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

pub(crate) fn epoch_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since_epoch) => i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
        Err(before_epoch) => {
            -i64::try_from(before_epoch.duration().as_millis()).unwrap_or(i64::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(lowercase_hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[tokio::test]
    async fn large_chunks_hash_like_small_ones() {
        let data = Bytes::from(vec![7u8; HASH_INLINE_MAX_BYTES * 3 + 5]);
        let whole = lowercase_hex(&Sha256::digest(&data));
        let mut hasher = Sha256::new();
        hasher = hash_chunk(hasher, data.slice(..10)).await;
        hasher = hash_chunk(hasher, data.slice(10..)).await;
        assert_eq!(lowercase_hex(&hasher.finalize()), whole);
    }

    #[test]
    fn ranges_convert_to_exclusive_ends() {
        let key = BlobKey::new("a").unwrap();
        assert_eq!(
            to_get_range(&key, ByteRange::from_start(5)).unwrap(),
            GetRange::Offset(5)
        );
        assert_eq!(
            to_get_range(&key, ByteRange::inclusive(2, 4)).unwrap(),
            GetRange::Bounded(2..5)
        );
        assert_eq!(
            to_get_range(&key, ByteRange::inclusive(3, 3)).unwrap(),
            GetRange::Bounded(3..4)
        );
        assert!(matches!(
            to_get_range(&key, ByteRange::inclusive(4, 3)),
            Err(BlobError::InvalidRange {
                start: 4,
                end_inclusive: 3,
                ..
            })
        ));
    }

    #[test]
    fn object_paths_keep_the_key_text() {
        let key = BlobKey::new("attachments/65/65539/v1").unwrap();
        assert_eq!(object_path(&key).as_ref(), "attachments/65/65539/v1");
    }

    #[test]
    fn epoch_ms_counts_from_1970() {
        assert_eq!(epoch_ms(UNIX_EPOCH + Duration::from_millis(1_500)), 1_500);
    }
}
