//! Jobs that run on one node of the cluster at a time, each under a lease in `cluster_lease`.
//!
//! A node tries to take each lease every third of its lifetime. Holding it, it runs the job; when a
//! renewal is refused, or no renewal succeeded for two thirds of the lifetime (the database is
//! unreachable, say), it cancels the job, so the job has stopped before the lease can expire and pass
//! to another node. On shutdown the lease is released so another node takes over at once.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{BLOB_SWEEP_LEASE, JOURNAL_PRUNE_LEASE, SEARCH_SNAPSHOT_LEASE, SESSION_SWEEP_LEASE};
use crate::Node;

/// Nodes that have not beaten for this long are removed from `cluster_node`.
const FORGET_DEAD_NODES_AFTER: Duration = Duration::from_secs(3600);

/// Starts every singleton job's lease loop and waits for them to end (on `shutdown`).
pub(super) async fn run_jobs(state: Node, shutdown: CancellationToken) {
    let prune_state = state.clone();
    let session_state = state.clone();
    let blob_state = state.clone();
    let snapshot_state = state.clone();
    tokio::join!(
        hold_lease_and_run(
            state.clone(),
            JOURNAL_PRUNE_LEASE,
            shutdown.clone(),
            move |stop| prune_journal(prune_state.clone(), stop),
        ),
        hold_lease_and_run(
            state.clone(),
            SESSION_SWEEP_LEASE,
            shutdown.clone(),
            move |stop| {
                crate::maintenance::sweep_expired_sessions(session_state.store.clone(), stop)
            },
        ),
        hold_lease_and_run(
            state.clone(),
            BLOB_SWEEP_LEASE,
            shutdown.clone(),
            move |stop| {
                crate::maintenance::sweep_orphaned_blobs(
                    blob_state.store.clone(),
                    blob_state.blobs.clone(),
                    stop,
                )
            }
        ),
        hold_lease_and_run(
            state.clone(),
            SEARCH_SNAPSHOT_LEASE,
            shutdown,
            move |stop| crate::search::snapshot::run(snapshot_state.clone(), stop)
        ),
    );
}

/// Deletes journal entries every live node has passed, records as failed the long tasks of nodes
/// that stopped, forgets long-dead nodes and deletes audit entries past their retention, every `journal_prune_interval` until `stop`.
async fn prune_journal(state: Node, stop: CancellationToken) {
    let settings = state.cluster.settings.clone();
    let mut ticker = tokio::time::interval(settings.journal_prune_interval);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        state.cluster.count_job_run(JOURNAL_PRUNE_LEASE);
        match state
            .store
            .prune_journal(settings.dead_after, settings.journal_keep_for)
            .await
        {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "journal entries every node has passed deleted"),
            Err(error) => tracing::warn!(%error, "journal pruning failed; will retry"),
        }
        match state
            .store
            .fail_orphaned_tasks(settings.dead_after, crate::clock::now_ms())
            .await
        {
            Ok(0) => {}
            Ok(failed) => tracing::warn!(
                failed,
                "long tasks whose node stopped before they finished are recorded as failed"
            ),
            Err(error) => {
                tracing::warn!(%error, "orphaned long tasks could not be closed; will retry")
            }
        }
        if let Err(error) = state.store.forget_dead_nodes(FORGET_DEAD_NODES_AFTER).await {
            tracing::warn!(%error, "dead nodes could not be removed; will retry");
        }
        match crate::audit::prune(&state).await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "audit entries past the retention period deleted"),
            Err(error) => {
                tracing::warn!(error = %error.message, "audit pruning failed; will retry")
            }
        }
    }
}

/// The job of one lease while this node holds it.
struct RunningJob {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl RunningJob {
    async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// Takes and renews `lease` for this node, running `job` while it is held, until `shutdown`.
pub async fn hold_lease_and_run<Job, JobFuture>(
    state: Node,
    lease: &'static str,
    shutdown: CancellationToken,
    job: Job,
) where
    Job: Fn(CancellationToken) -> JobFuture,
    JobFuture: Future<Output = ()> + Send + 'static,
{
    let node = state.cluster.clone();
    let ttl = node.settings.lease_ttl;
    let renew_every = ttl / 3;
    // Without a renewal for this long the job stops: a third of the lifetime before expiry.
    let hold_for = ttl * 2 / 3;
    let mut held_until: Option<Instant> = None;
    let mut running: Option<RunningJob> = None;
    node.set_lease_held(lease, false);
    loop {
        let attempt_started = Instant::now();
        let attempt = tokio::time::timeout(
            renew_every,
            state.store.acquire_lease(lease, &node.node_id, ttl),
        )
        .await;
        match attempt {
            Ok(Ok(true)) => {
                if held_until.is_none() {
                    tracing::info!(lease, node = %node.node_id, "lease taken; job starts here");
                }
                held_until = Some(attempt_started + hold_for);
            }
            Ok(Ok(false)) => {
                if held_until.take().is_some() {
                    tracing::warn!(lease, "lease lost to another node; job stops here");
                }
            }
            Ok(Err(error)) => tracing::debug!(lease, %error, "lease renewal failed"),
            Err(_) => tracing::debug!(lease, "lease renewal timed out"),
        }
        if held_until.is_some_and(|until| Instant::now() >= until) {
            tracing::warn!(lease, "lease could not be renewed in time; job stops here");
            held_until = None;
        }
        let holding = held_until.is_some();
        node.set_lease_held(lease, holding);
        match (holding, running.take()) {
            (true, None) => {
                let stop = shutdown.child_token();
                let task = tokio::spawn(job(stop.clone()));
                running = Some(RunningJob { stop, task });
            }
            (true, Some(job)) => running = Some(job),
            (false, Some(job)) => job.stop().await,
            (false, None) => {}
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(renew_every.saturating_sub(attempt_started.elapsed())) => {}
        }
    }
    if let Some(job) = running.take() {
        job.stop().await;
    }
    node.set_lease_held(lease, false);
    if held_until.is_some()
        && let Err(error) = state.store.release_lease(lease, &node.node_id).await
    {
        tracing::debug!(lease, %error, "lease not released; it will expire");
    }
}
