//! The journal tailer: polls `cluster_journal` with the gap rule, applies each entry to this node's
//! caches, then publishes it to subscribers.
//!
//! Polling (every `journal_poll_interval`, immediately again after a full batch) works the same on
//! every dialect; a database outage only delays it, and the cursor survives it. On PostgreSQL a
//! commit that wrote journal entries also wakes the tailer through LISTEN/NOTIFY
//! ([`cairn_store::JournalWakeups`]), so it polls at once; the interval stays the fallback.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cairn_core::UserId;
use cairn_store::{ChangeKind, JournalCursor, JournalEntry};
use tokio_util::sync::CancellationToken;

use crate::Node;

/// Drops what this node cached that `entry` makes stale.
pub fn apply_to_caches(state: &Node, entry: &JournalEntry) {
    let Some(kind) = entry.change_kind() else {
        return;
    };
    let user = entry.entity_id.map(UserId);
    match kind {
        ChangeKind::SessionRevoked | ChangeKind::TokenRevoked | ChangeKind::UserChanged => {
            if let Some(user) = user {
                state.credential_lookups.forget_user(user);
                state.credential_cache.forget_user(user);
            }
            state.global_permissions.clear();
        }
        ChangeKind::GroupMembersChanged
        | ChangeKind::GroupDeleted
        | ChangeKind::GlobalPermissionsChanged => {
            state.global_permissions.clear();
        }
        ChangeKind::ContentPurged | ChangeKind::ContentVersionDeleted => {
            if let Some(id) = entry.entity_id {
                state
                    .rendered_pages
                    .forget_content(cairn_core::ContentId(id));
            }
        }
        ChangeKind::SpaceDeleted | ChangeKind::SpaceUpdated => state.rendered_pages.clear(),
        ChangeKind::SettingsChanged => {
            state.access_mode.forget();
            state.configuration.forget();
        }
        _ => {}
    }
}

async fn start_cursor(state: &Node, shutdown: &CancellationToken) -> Option<JournalCursor> {
    let settings = &state.cluster.settings;
    loop {
        match state.store.journal_start(settings.journal_gap_grace).await {
            Ok(cursor) => return Some(cursor),
            Err(error) => tracing::warn!(%error, "cannot read the journal position; retrying"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return None,
            _ = tokio::time::sleep(settings.journal_poll_interval) => {}
        }
    }
}

/// Tails the journal until `shutdown`.
pub(super) async fn run(state: Node, shutdown: CancellationToken) {
    let node = state.cluster.clone();
    // Listening before the first poll: nothing committed after that poll goes unannounced.
    let mut wakeups = state.store.journal_wakeups();
    let _ = node.journal_wakeups.set(wakeups.status());
    let Some(mut cursor) = start_cursor(&state, &shutdown).await else {
        return;
    };
    tracing::info!(node = %node.node_id, position = cursor.position(), "tailing the cluster journal");
    let mut failing = false;
    loop {
        let mut more = false;
        match state.store.poll_journal(&mut cursor).await {
            Ok((entries, full_batch)) => {
                more = full_batch;
                for entry in entries {
                    apply_to_caches(&state, &entry);
                    node.journal.delivered_total.fetch_add(1, Ordering::Relaxed);
                    // No subscriber is fine: send only fails when nobody listens.
                    let _ = node.events.send(Arc::new(entry));
                }
                let status = &node.journal;
                status.position.store(cursor.position(), Ordering::Relaxed);
                status
                    .highest_seen
                    .store(cursor.highest_seen(), Ordering::Relaxed);
                status
                    .pending_ids
                    .store(cursor.pending_ids(), Ordering::Relaxed);
                status
                    .head
                    .fetch_max(cursor.highest_seen(), Ordering::Relaxed);
                status
                    .last_poll_ok_ms
                    .store(node.elapsed_ms(), Ordering::Relaxed);
                if failing {
                    tracing::info!(position = cursor.position(), "journal tailing restored");
                    failing = false;
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "journal poll failed; caches are bypassed until it recovers");
                    failing = true;
                }
            }
        }
        if more {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(node.settings.journal_poll_interval) => {}
            _ = wakeups.wait() => {
                node.journal.wakeups_total.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
