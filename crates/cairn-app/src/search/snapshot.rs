//! Index snapshots in the blob store, so a new node starts from a recent copy of the index and
//! replays only the journal since, instead of rebuilding from the database.
//!
//! One node at a time writes them (the `search-snapshot` lease), every `snapshot_interval`, when
//! its index moved on since the newest snapshot. Keys are `search-index/snapshot-<position>` with
//! the position zero-padded, so the newest is the greatest key; the two newest are kept.

use std::path::Path;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use cairn_blob::{BlobError, BlobKey, BlobStore};
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::IndexState;
use super::indexer::IndexerError;
use crate::Node;

/// The folder of snapshots in the blob store.
pub const SNAPSHOT_PREFIX: &str = "search-index";
/// Snapshots kept (the newest ones).
const SNAPSHOTS_KEPT: usize = 2;
/// Bytes read from the local snapshot file per uploaded chunk.
const UPLOAD_CHUNK_BYTES: usize = 1 << 20;

/// A snapshot in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRef {
    pub key: BlobKey,
    /// The journal position the snapshot includes.
    pub position: i64,
}

fn prefix() -> BlobKey {
    // The constant is a valid key: one plain segment.
    BlobKey::new(SNAPSHOT_PREFIX).unwrap_or_else(|_| unreachable!("constant key"))
}

fn key_for(position: i64) -> Result<BlobKey, BlobError> {
    BlobKey::new(format!("{SNAPSHOT_PREFIX}/snapshot-{position:020}"))
}

fn position_of(key: &BlobKey) -> Option<i64> {
    key.as_str()
        .strip_prefix(SNAPSHOT_PREFIX)?
        .strip_prefix("/snapshot-")?
        .parse()
        .ok()
}

/// Every snapshot, newest first.
pub async fn list(blobs: &BlobStore) -> Result<Vec<SnapshotRef>, BlobError> {
    let metas: Vec<_> = blobs.list(Some(&prefix())).try_collect().await?;
    let mut found: Vec<SnapshotRef> = metas
        .into_iter()
        .filter_map(|meta| {
            position_of(&meta.key).map(|position| SnapshotRef {
                key: meta.key,
                position,
            })
        })
        .collect();
    found.sort_by_key(|snapshot| std::cmp::Reverse(snapshot.position));
    Ok(found)
}

/// The newest snapshot, if there is one.
pub async fn newest(blobs: &BlobStore) -> Result<Option<SnapshotRef>, BlobError> {
    Ok(list(blobs).await?.into_iter().next())
}

/// Downloads `snapshot` and unpacks it into `directory` (emptied first). Returns its position.
pub async fn restore(
    blobs: &BlobStore,
    snapshot: &SnapshotRef,
    directory: &Path,
) -> Result<i64, IndexerError> {
    let download = tempfile::NamedTempFile::new()?;
    let mut file = tokio::fs::File::create(download.path()).await?;
    let mut read = blobs.get(&snapshot.key, None).await?;
    while let Some(chunk) = read.stream.next().await {
        file.write_all(&chunk?).await?;
    }
    file.flush().await?;
    drop(file);
    let directory = directory.to_path_buf();
    let position = tokio::task::spawn_blocking(move || {
        let mut input = std::io::BufReader::new(std::fs::File::open(download.path())?);
        cairn_search::index::SearchIndex::restore_snapshot(&directory, &mut input)
            .map_err(IndexerError::from)
    })
    .await??;
    Ok(position)
}

/// Writes a snapshot of this node's index if it is current and newer than the newest snapshot (or
/// there is none); returns the position written.
pub async fn write_if_newer(state: &Node) -> Result<Option<i64>, IndexerError> {
    let Some(index) = state.search.index() else {
        return Ok(None);
    };
    if let Some(found) = newest(&state.blobs).await?
        && index.committed_position()? <= found.position
    {
        return Ok(None);
    }
    let local = tempfile::NamedTempFile::new()?;
    let path = local.path().to_path_buf();
    let position = tokio::task::spawn_blocking(move || -> Result<i64, IndexerError> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let position = index.write_snapshot(&mut out)?;
        std::io::Write::flush(&mut out)?;
        Ok(position)
    })
    .await??;
    let file = tokio::fs::File::open(local.path()).await?;
    let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; UPLOAD_CHUNK_BYTES];
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.truncate(read);
        Ok(Some((Bytes::from(buffer), file)))
    });
    let key = key_for(position)?;
    let stored = state.blobs.put_stream(&key, chunks, None).await?;
    tracing::info!(position, bytes = stored.size_bytes, key = %key, "search index snapshot written");
    for old in list(&state.blobs).await?.into_iter().skip(SNAPSHOTS_KEPT) {
        if let Err(error) = state.blobs.delete(&old.key).await {
            tracing::warn!(%error, key = %old.key, "old search index snapshot not deleted");
        }
    }
    Ok(Some(position))
}

/// The snapshot job: while this node holds the lease, a snapshot every `snapshot_interval`.
pub async fn run(state: Node, stop: CancellationToken) {
    let mut ticker = tokio::time::interval(state.search.settings.snapshot_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if state.search.state() != IndexState::Current {
            continue;
        }
        match write_if_newer(&state).await {
            Ok(Some(_)) => {
                state
                    .search
                    .snapshots_written
                    .fetch_add(1, Ordering::Relaxed);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "search index snapshot failed; will retry"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{key_for, position_of};

    #[test]
    fn keys_carry_the_position_and_sort_by_it() {
        let key = key_for(42).expect("key");
        assert_eq!(key.as_str(), "search-index/snapshot-00000000000000000042");
        assert_eq!(position_of(&key), Some(42));
        assert!(key_for(9).expect("key") < key_for(10).expect("key"));
        assert_eq!(
            position_of(&cairn_blob::BlobKey::new("search-index/other").expect("key")),
            None
        );
    }
}
