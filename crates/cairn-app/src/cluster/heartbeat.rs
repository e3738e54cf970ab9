//! The heartbeat: this node's row in `cluster_node`, rewritten every `heartbeat_interval` (and at
//! once when the node begins draining), marked `stopped` when the node has finished.

use std::sync::atomic::Ordering;

use cairn_store::{NodeHeartbeat, NodeState};
use tokio_util::sync::CancellationToken;

use crate::Node;

fn beat(state: &Node, node_state: NodeState) -> NodeHeartbeat {
    let node = &state.cluster;
    NodeHeartbeat {
        node_id: node.node_id.clone(),
        address: node.address(),
        version: node.version.to_string(),
        state: node_state,
        requests_in_flight: state.load.in_flight(),
        requests_total: i64::try_from(state.load.total()).unwrap_or(i64::MAX),
        // The journal must be kept for the laggard of this node's readers: the tailer, or the
        // search indexer replaying behind it.
        journal_position: state
            .search
            .needs_journal_from()
            .map_or(node.journal.position.load(Ordering::Relaxed), |indexed| {
                indexed.min(node.journal.position.load(Ordering::Relaxed))
            }),
    }
}

/// Beats until `shutdown`, then records the node as stopped.
pub(super) async fn run(state: Node, shutdown: CancellationToken) {
    let node = state.cluster.clone();
    let mut ticker = tokio::time::interval(node.settings.heartbeat_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
            // Draining began: say so now, not at the next tick.
            _ = node.state_changed.notified() => {}
        }
        let written = state
            .store
            .heartbeat(&beat(&state, node.serving_state()))
            .await;
        let head = match &written {
            Ok(()) => state.store.journal_head().await,
            Err(_) => Ok(node.journal.head.load(Ordering::Relaxed)),
        };
        match written.and(head) {
            Ok(head) => {
                node.journal.head.store(head, Ordering::Relaxed);
                node.last_heartbeat_ok_ms
                    .store(node.elapsed_ms(), Ordering::Relaxed);
                if failing {
                    tracing::info!(node = %node.node_id, "heartbeat restored");
                    failing = false;
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(node = %node.node_id, %error, "heartbeat failed; retrying");
                    failing = true;
                }
            }
        }
    }
    if let Err(error) = state
        .store
        .heartbeat(&beat(&state, NodeState::Stopped))
        .await
    {
        tracing::debug!(%error, "could not record the node as stopped");
    }
}
