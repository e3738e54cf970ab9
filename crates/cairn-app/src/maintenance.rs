//! Periodic housekeeping. Each job runs on one node of the cluster at a time, under a lease
//! (`cluster::singleton`), and is idempotent besides, so a handover mid-run is harmless.

use std::time::Duration;

use cairn_store::Store;
use tokio_util::sync::CancellationToken;

use crate::clock::now_ms;

/// How often expired login sessions are deleted.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Deletes expired sessions every hour (first at once) until `shutdown` is cancelled. The caller
/// owns the task.
pub async fn sweep_expired_sessions(store: Store, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(SESSION_SWEEP_INTERVAL);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match store.delete_expired_sessions(now_ms()).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "expired sessions deleted"),
            Err(error) => {
                tracing::warn!(%error, "expired sessions could not be deleted; will retry")
            }
        }
    }
}

/// How often orphaned attachment bytes are looked for.
const BLOB_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);
/// Bytes younger than this are never swept: longer than any upload plus its transaction.
pub const BLOB_SWEEP_GRACE: Duration = Duration::from_secs(6 * 3600);

/// Removes attachment bytes no attachment version records (left by a crash between storing the
/// bytes and committing the row) and temporary leftovers, once older than `cutoff`.
pub async fn sweep_orphaned_blobs_once(
    store: &Store,
    blobs: &cairn_blob::BlobStore,
    cutoff: std::time::SystemTime,
) -> Result<cairn_blob::SweepReport, cairn_blob::BlobError> {
    let prefix = cairn_blob::BlobKey::new("attachments")?;
    blobs
        .sweep_orphans_modified_before(Some(&prefix), cutoff, |key| {
            let store = store.clone();
            async move { store.blob_key_is_referenced(key.as_str()).await }
        })
        .await
}

/// How long the zip of a space export (XML or static site) is kept for download.
pub const EXPORT_KEEP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// Removes the zips of space exports (`exports/`) written before `cutoff`: an export is a file to
/// download, not content, and a site exported every night would otherwise fill the blob store.
/// Their tasks stay; a download of a removed zip answers 404.
pub async fn sweep_old_exports_once(
    blobs: &cairn_blob::BlobStore,
    cutoff: std::time::SystemTime,
) -> Result<cairn_blob::SweepReport, cairn_blob::BlobError> {
    let prefix = cairn_blob::BlobKey::new("exports")?;
    blobs
        .sweep_orphans_modified_before(Some(&prefix), cutoff, |_| async {
            Ok::<bool, std::convert::Infallible>(false)
        })
        .await
}

/// Sweeps orphaned attachment bytes and old export zips every hour until `shutdown` is
/// cancelled. The caller owns the task.
pub async fn sweep_orphaned_blobs(
    store: Store,
    blobs: cairn_blob::BlobStore,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(BLOB_SWEEP_INTERVAL);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        let cutoff = std::time::SystemTime::now()
            .checked_sub(BLOB_SWEEP_GRACE)
            .unwrap_or(std::time::UNIX_EPOCH);
        match sweep_orphaned_blobs_once(&store, &blobs, cutoff).await {
            Ok(report) if report.orphans_removed + report.temporaries_removed > 0 => {
                tracing::info!(
                    orphans = report.orphans_removed,
                    temporaries = report.temporaries_removed,
                    "orphaned attachment bytes removed"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "attachment byte sweep failed; will retry"),
        }
        let exports_cutoff = std::time::SystemTime::now()
            .checked_sub(EXPORT_KEEP_FOR)
            .unwrap_or(std::time::UNIX_EPOCH);
        match sweep_old_exports_once(&blobs, exports_cutoff).await {
            Ok(report) if report.orphans_removed > 0 => {
                tracing::info!(
                    removed = report.orphans_removed,
                    "space exports past their week removed"
                )
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "old space exports could not be removed; will retry")
            }
        }
    }
}
