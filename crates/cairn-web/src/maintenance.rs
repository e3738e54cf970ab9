//! Periodic housekeeping a node does while it serves. Each job is idempotent, so running it on every
//! node is safe (a cluster-wide lease will make it run once per cluster).

use std::time::Duration;

use cairn_store::Store;
use tokio_util::sync::CancellationToken;

use crate::time_format::now_ms;

/// How often expired login sessions are deleted.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Deletes expired sessions every hour until `shutdown` is cancelled. The caller owns the task.
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
