//! The `cairn cluster` balancer in front of this node, as the cluster view and the Clustering page
//! show it: its `/_cluster/state` document, fetched on the loopback from `cluster_balancer_url`.
//!
//! The document belongs to `cairn-cluster`, which this crate does not depend on: the JSON view
//! passes it on as it came, and the page reads the parts it shows through the lenient types below
//! (missing fields take defaults, unknown ones are ignored), so a balancer of an adjacent release
//! still shows.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;

/// Longest wait for the balancer's answer; the page and the view never hang on it.
const FETCH_TIMEOUT: Duration = Duration::from_secs(1);

/// What this node knows of the balancer in front of it.
pub enum BalancerState {
    /// No `cluster_balancer_url`: the node runs under another load balancer, or none.
    NotConfigured,
    /// Configured, but it did not answer well within [`FETCH_TIMEOUT`].
    Unreachable { url: String, error: String },
    /// Its `/_cluster/state` document.
    Answered { url: String, document: Value },
}

impl BalancerState {
    /// Asks the configured balancer for its state.
    pub async fn fetch(state: &AppState) -> BalancerState {
        let Some(base) = state.node.settings.cluster.balancer_url.as_deref() else {
            return BalancerState::NotConfigured;
        };
        match fetch_document(&format!("{base}/_cluster/state")).await {
            Ok(document) => BalancerState::Answered {
                url: base.to_string(),
                document,
            },
            Err(error) => BalancerState::Unreachable {
                url: base.to_string(),
                error,
            },
        }
    }

    /// The `balancer` member of the cluster view: the document itself, or `url` and `error`;
    /// `None` when no balancer is configured.
    pub fn to_json(&self) -> Option<Value> {
        match self {
            BalancerState::NotConfigured => None,
            BalancerState::Unreachable { url, error } => Some(json!({"url": url, "error": error})),
            BalancerState::Answered { document, .. } => Some(document.clone()),
        }
    }
}

async fn fetch_document(url: &str) -> Result<Value, String> {
    // reqwest's rustls needs a process-wide crypto provider; whoever embeds this crate may not
    // have installed one, and building the client without it panics.
    cairn_blob::install_ring_as_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|error| error.to_string())?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the balancer answered {}", response.status()));
    }
    response
        .json::<Value>()
        .await
        .map_err(|error| error.to_string())
}

/// The parts of `/_cluster/state` the Clustering page shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BalancerDocument {
    /// Nodes the cluster should run (draining ones not counted).
    pub target_nodes: u64,
    pub nodes: Vec<BalancerNode>,
    pub autoscaler: AutoscalerDocument,
    pub rolling_restart: RollingRestartDocument,
}

impl BalancerDocument {
    /// Reads `document`; a document that is not an object reads as empty.
    pub fn read(document: &Value) -> BalancerDocument {
        BalancerDocument::deserialize(document).unwrap_or_default()
    }
}

/// A node process as the balancer routes to it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BalancerNode {
    /// The balancer's name for the process (`node-3`), new for each start.
    pub id: String,
    /// Its port on 127.0.0.1, which matches the address in its `cluster_node` row.
    pub port: u16,
    pub pid: u32,
    /// `starting`, `ready`, `draining` or `ejected`.
    pub state: String,
    pub in_flight: u64,
    pub served: u64,
    pub connection_failures: u64,
    pub uptime_ms: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AutoscalerDocument {
    pub enabled: bool,
    pub min_nodes: u64,
    pub max_nodes: u64,
    pub scale_up_load: f64,
    pub scale_down_load: f64,
    /// Latest sample of requests in flight per ready node; `None` while the cluster is unsettled.
    pub current_load: Option<f64>,
    pub recent_decisions: Vec<DecisionDocument>,
}

/// One change of the node count.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionDocument {
    /// `scale_up` or `scale_down`.
    pub decision: String,
    pub from_nodes: u64,
    pub to_nodes: u64,
    pub window_average_load: f64,
    pub reason: String,
    /// Epoch milliseconds.
    pub at_ms: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RollingRestartDocument {
    /// `idle`, `running`, `completed`, `failed` or `aborted`.
    pub state: String,
    pub restarted: u64,
    pub total: u64,
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_unknown_fields_read_leniently() {
        let document = json!({
            "target_nodes": 2,
            "nodes": [{"id": "node-1", "port": 4100, "state": "ready", "in_flight": 3, "from_a_newer_release": true}],
            "autoscaler": {"min_nodes": 1, "max_nodes": 3, "current_load": null},
        });
        let read = BalancerDocument::read(&document);
        assert_eq!(read.target_nodes, 2);
        assert_eq!(read.nodes[0].port, 4100);
        assert_eq!(read.nodes[0].in_flight, 3);
        assert_eq!(read.nodes[0].served, 0);
        assert_eq!(read.autoscaler.max_nodes, 3);
        assert_eq!(read.autoscaler.current_load, None);
        assert!(read.autoscaler.recent_decisions.is_empty());
        assert!(
            BalancerDocument::read(&json!("not an object"))
                .nodes
                .is_empty()
        );
    }
}
