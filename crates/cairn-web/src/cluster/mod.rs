//! What an operator sees of the cluster: `GET /rest/cairn/1/cluster` (site administrators), the
//! Prometheus `GET /metrics` of this node, and the data behind the Clustering admin page. The
//! cluster machinery itself is `cairn_app::cluster`.
//!
//! - [`balancer`]: the state of the `cairn cluster` balancer in front of this node, if any.

pub mod balancer;

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cairn_store::{LeaseRecord, NodeRecord, NodeState, StoreError};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::ApiUser;
use crate::cluster::balancer::BalancerState;
use crate::error::{ApiError, ApiJson};
use crate::metrics::gauge;

pub fn routes() -> crate::routes::RouteTable {
    crate::routes::RouteTable::new()
        .route("/rest/cairn/1/cluster", get(cluster_json))
        .route("/metrics", get(metrics_text))
}

/// The cluster as the database and this node see it.
pub struct ClusterOverview {
    /// Database time when the overview was read.
    pub database_now_ms: i64,
    pub nodes: Vec<NodeRecord>,
    pub leases: Vec<LeaseRecord>,
}

impl ClusterOverview {
    pub async fn read(state: &AppState) -> Result<ClusterOverview, StoreError> {
        let (database_now_ms, nodes) = state.store.list_nodes().await?;
        let (_, leases) = state.store.list_leases().await?;
        Ok(ClusterOverview {
            database_now_ms,
            nodes,
            leases,
        })
    }

    /// Whether `node` serves (running or draining) and beat recently enough to count as alive.
    pub fn is_alive(state: &AppState, node: &NodeRecord) -> bool {
        let dead_after = i64::try_from(state.cluster.settings.dead_after.as_millis()).unwrap_or(0);
        matches!(node.state, Some(NodeState::Running | NodeState::Draining))
            && node.heartbeat_age_ms <= dead_after
    }

    /// What an operator should read for `node`: `alive`, `draining` (shutting down, finishing its
    /// requests), `dead` (no heartbeat for `dead_after` while it claimed to serve) or `stopped`.
    pub fn condition(state: &AppState, node: &NodeRecord) -> &'static str {
        match (node.state, ClusterOverview::is_alive(state, node)) {
            (Some(NodeState::Running), true) => "alive",
            (Some(NodeState::Draining), true) => "draining",
            (Some(NodeState::Running | NodeState::Draining), false) => "dead",
            (Some(NodeState::Stopped), _) => "stopped",
            (None, _) => "unknown",
        }
    }

    /// The holder of `lease` now, if it has a live one.
    pub fn holder_of<'a>(&self, lease: &'a LeaseRecord) -> Option<&'a str> {
        (!lease.holder.is_empty() && lease.expires_ms > self.database_now_ms)
            .then_some(lease.holder.as_str())
    }
}

/// This node's journal figures, as JSON.
pub fn journal_json(state: &AppState) -> Value {
    let node = &state.cluster;
    let status = &node.journal;
    json!({
        "state": node.journal_state(),
        "head": status.head.load(Ordering::Relaxed),
        "position": status.position.load(Ordering::Relaxed),
        "highestSeen": status.highest_seen.load(Ordering::Relaxed),
        "pendingIds": status.pending_ids.load(Ordering::Relaxed),
        "lag": node.journal_lag(),
        "deliveredTotal": status.delivered_total.load(Ordering::Relaxed),
        "lastPollAgeMs": node.journal_poll_age().map(|age| age.as_millis() as u64),
        "wakeUps": node.journal_wakeup_state().as_str(),
        "wakeUpsTotal": status.wakeups_total.load(Ordering::Relaxed),
    })
}

fn overview_json(state: &AppState, overview: &ClusterOverview) -> Value {
    let node = &state.cluster;
    let nodes: Vec<Value> = overview
        .nodes
        .iter()
        .map(|record| {
            json!({
                "id": record.node_id,
                "address": record.address,
                "version": record.version,
                "state": record.state.map_or("unknown", NodeState::as_str),
                "alive": ClusterOverview::is_alive(state, record),
                "condition": ClusterOverview::condition(state, record),
                "thisNode": record.node_id == node.node_id,
                "startedMs": record.started_ms,
                "heartbeatMs": record.heartbeat_ms,
                "heartbeatAgeMs": record.heartbeat_age_ms,
                "requestsInFlight": record.requests_in_flight,
                "requestsTotal": record.requests_total,
                "journalPosition": record.journal_position,
            })
        })
        .collect();
    let leases: Vec<Value> = overview
        .leases
        .iter()
        .map(|lease| {
            json!({
                "name": lease.name,
                "holder": overview.holder_of(lease),
                "acquiredMs": lease.acquired_ms,
                "expiresMs": lease.expires_ms,
                "expiresInMs": (lease.expires_ms - overview.database_now_ms).max(0),
            })
        })
        .collect();
    let held: Vec<&str> = node
        .leases_held()
        .into_iter()
        .filter_map(|(name, held)| held.then_some(name))
        .collect();
    json!({
        "clusterName": state.node.settings.cluster.name,
        "databaseTimeMs": overview.database_now_ms,
        "thisNode": {
            "id": node.node_id,
            "address": node.address(),
            "version": node.version,
            "state": node.serving_state().as_str(),
            "uptimeSeconds": node.uptime().as_secs(),
            "heartbeatAgeMs": node.heartbeat_age().map(|age| age.as_millis() as u64),
            "leasesHeld": held,
            "jobRuns": node.job_runs(),
        },
        "journal": journal_json(state),
        "nodes": nodes,
        "leases": leases,
    })
}

async fn cluster_json(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> Result<ApiJson, ApiError> {
    if !caller.administrator {
        return Err(ApiError::forbidden(
            "only site administrators may see the cluster",
        ));
    }
    let overview = ClusterOverview::read(&state).await?;
    let mut body = overview_json(&state, &overview);
    if let Some(balancer) = BalancerState::fetch(&state).await.to_json() {
        body["balancer"] = balancer;
    }
    Ok(ApiJson(body))
}

/// This node's metrics in Prometheus text format. Reads no database: a scrape works during an
/// outage and shows it.
/// `GET /metrics`: this node's Prometheus text, for site administrators (a scraper signs in with an
/// administrator's personal access token); what it tells (routes, load, versions) is no one else's
/// business.
async fn metrics_text(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> Result<Response, ApiError> {
    if !caller.administrator {
        return Err(ApiError::forbidden(
            "the metrics are for site administrators",
        ));
    }
    Ok(metrics_document(&state))
}

fn metrics_document(state: &AppState) -> Response {
    let mut out = String::with_capacity(8192);
    state.http_metrics.render(&mut out);
    let node = &state.cluster;
    let status = &node.journal;
    gauge(
        &mut out,
        "cairn_journal_head_id",
        "Highest journal id this node knows of.",
        status.head.load(Ordering::Relaxed) as f64,
    );
    gauge(
        &mut out,
        "cairn_journal_position_id",
        "This node's journal low-water mark: every id at or below it is applied.",
        status.position.load(Ordering::Relaxed) as f64,
    );
    gauge(
        &mut out,
        "cairn_journal_lag_entries",
        "Journal entries above this node's position.",
        node.journal_lag() as f64,
    );
    gauge(
        &mut out,
        "cairn_journal_pending_ids",
        "Journal ids missing below the highest seen, waiting under the gap rule.",
        status.pending_ids.load(Ordering::Relaxed) as f64,
    );
    let _ = writeln!(
        out,
        "# HELP cairn_journal_delivered_entries_total Journal entries applied on this node.\n# TYPE cairn_journal_delivered_entries_total counter\ncairn_journal_delivered_entries_total {}",
        status.delivered_total.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        out,
        "# HELP cairn_journal_wakeups_total Journal polls started early by a PostgreSQL notification.\n# TYPE cairn_journal_wakeups_total counter\ncairn_journal_wakeups_total {}",
        status.wakeups_total.load(Ordering::Relaxed)
    );
    gauge(
        &mut out,
        "cairn_journal_poll_age_seconds",
        "Time since this node's last successful journal poll (-1 before the first).",
        node.journal_poll_age()
            .map_or(-1.0, |age| age.as_secs_f64()),
    );
    gauge(
        &mut out,
        "cairn_cluster_heartbeat_age_seconds",
        "Time since this node's last successful heartbeat (-1 before the first).",
        node.heartbeat_age().map_or(-1.0, |age| age.as_secs_f64()),
    );
    let _ = writeln!(
        out,
        "# HELP cairn_cluster_lease_held Whether this node holds the lease of a singleton job (1) or not (0).\n# TYPE cairn_cluster_lease_held gauge"
    );
    for (lease, held) in node.leases_held() {
        let _ = writeln!(
            out,
            "cairn_cluster_lease_held{{lease=\"{lease}\"}} {}",
            u8::from(held)
        );
    }
    let _ = writeln!(
        out,
        "# HELP cairn_cluster_job_runs_total Runs of singleton jobs on this node.\n# TYPE cairn_cluster_job_runs_total counter"
    );
    for (job, runs) in node.job_runs() {
        let _ = writeln!(out, "cairn_cluster_job_runs_total{{job=\"{job}\"}} {runs}");
    }
    let (hits, misses) = state.credential_lookups.counts();
    let _ = writeln!(
        out,
        "# HELP cairn_cache_credential_lookups_total Session and token lookups, by cache result.\n# TYPE cairn_cache_credential_lookups_total counter\ncairn_cache_credential_lookups_total{{result=\"hit\"}} {hits}\ncairn_cache_credential_lookups_total{{result=\"miss\"}} {misses}"
    );
    let (hits, misses) = state.rendered_pages.counts();
    let _ = writeln!(
        out,
        "# HELP cairn_cache_rendered_pages_total Page version renders asked for, by cache result.\n# TYPE cairn_cache_rendered_pages_total counter\ncairn_cache_rendered_pages_total{{result=\"hit\"}} {hits}\ncairn_cache_rendered_pages_total{{result=\"miss\"}} {misses}"
    );
    let search = cairn_app::search::status_json(state);
    let _ = writeln!(
        out,
        "# HELP cairn_search_index_lag_entries Journal entries the search index is behind.\n# TYPE cairn_search_index_lag_entries gauge\ncairn_search_index_lag_entries {}\n# HELP cairn_search_index_documents Documents in this node's search index.\n# TYPE cairn_search_index_documents gauge\ncairn_search_index_documents {}",
        search["lag"], search["documents"]
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
