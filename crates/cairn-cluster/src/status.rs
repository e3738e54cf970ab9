//! The balancer's own pages: `GET /_cluster/state` (JSON) and `GET /_cluster/metrics` (Prometheus
//! text). Both are answered by the balancer itself, never proxied.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};

use crate::autoscaler::{Autoscaler, Decision};
use crate::metrics::{Metrics, read};
use crate::registry::{NodeSnapshot, NodeState, Registry};
use crate::supervisor::Supervisor;

/// Everything the status pages read.
#[derive(Debug, Clone)]
pub struct ClusterView {
    pub listen: SocketAddr,
    pub registry: Arc<Registry>,
    pub supervisor: Arc<Supervisor>,
    pub autoscaler: Arc<Mutex<Autoscaler>>,
    pub metrics: Arc<Metrics>,
}

impl ClusterView {
    fn autoscaler(&self) -> std::sync::MutexGuard<'_, Autoscaler> {
        self.autoscaler
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `/_cluster/state` document.
    pub fn state_json(&self) -> Value {
        let nodes = self.registry.snapshot(Instant::now());
        let in_flight: usize = nodes.iter().map(|node| node.in_flight).sum();
        let autoscaler = self.autoscaler();
        let policy = &autoscaler.policy;
        let decisions: Vec<Value> = autoscaler
            .recent_decisions()
            .map(|record| json!(record))
            .collect();
        let metrics = &self.metrics;
        json!({
            "balancer": {
                "listen": self.listen.to_string(),
                "in_flight": in_flight,
            },
            "target_nodes": self.supervisor.target(),
            "nodes": nodes,
            "autoscaler": {
                "enabled": policy.is_enabled(),
                "min_nodes": policy.min_nodes,
                "max_nodes": policy.max_nodes,
                "scale_up_load": policy.scale_up_load,
                "scale_up_window_ms": policy.scale_up_window.as_millis() as u64,
                "scale_up_cooldown_ms": policy.scale_up_cooldown.as_millis() as u64,
                "scale_down_load": policy.scale_down_load,
                "scale_down_window_ms": policy.scale_down_window.as_millis() as u64,
                "scale_down_cooldown_ms": policy.scale_down_cooldown.as_millis() as u64,
                "current_load": autoscaler.current_load(),
                "recent_decisions": decisions,
            },
            "rolling_restart": self.supervisor.rolling_restart_status(),
            "counters": {
                "nodes_started": read(&metrics.nodes_started),
                "nodes_crashed": read(&metrics.nodes_crashed),
                "nodes_stopped": read(&metrics.nodes_stopped),
                "retries": read(&metrics.retries),
                "not_retried": read(&metrics.not_retried),
                "no_node_ready": read(&metrics.no_node_ready),
                "ejections": read(&metrics.ejections),
            },
        })
    }

    /// The `/_cluster/metrics` text (Prometheus exposition format 0.0.4).
    pub fn metrics_text(&self) -> String {
        let nodes = self.registry.snapshot(Instant::now());
        let metrics = &self.metrics;
        let mut text = String::new();
        let classes = ["1xx", "2xx", "3xx", "4xx", "5xx"];
        family(
            &mut text,
            "cairn_balancer_responses_total",
            "counter",
            "Responses sent to clients, by status class.",
        );
        for (class, counter) in classes.iter().zip(&metrics.responses_by_class) {
            sample(
                &mut text,
                "cairn_balancer_responses_total",
                &[("class", class)],
                read(counter),
            );
        }
        family(
            &mut text,
            "cairn_balancer_upstream_failures_total",
            "counter",
            "Failed connections to nodes: refused (connect) or broken before the answer (broken).",
        );
        sample(
            &mut text,
            "cairn_balancer_upstream_failures_total",
            &[("kind", "connect")],
            read(&metrics.upstream_connect_failures),
        );
        sample(
            &mut text,
            "cairn_balancer_upstream_failures_total",
            &[("kind", "broken")],
            read(&metrics.upstream_broken_connections),
        );
        let counters = [
            (
                "cairn_balancer_retries_total",
                "Requests sent again to another node after a failed connection.",
                &metrics.retries,
            ),
            (
                "cairn_balancer_not_retried_total",
                "Requests answered 502 because their node failed and repeating them was not safe.",
                &metrics.not_retried,
            ),
            (
                "cairn_balancer_no_node_ready_total",
                "Requests answered 503 because no node was ready in time.",
                &metrics.no_node_ready,
            ),
            (
                "cairn_balancer_ejections_total",
                "Nodes taken out of rotation after failed connections.",
                &metrics.ejections,
            ),
            (
                "cairn_balancer_upgrades_total",
                "Connections switched to another protocol (WebSocket) and passed through.",
                &metrics.upgrades,
            ),
            (
                "cairn_balancer_node_starts_total",
                "Node processes started.",
                &metrics.nodes_started,
            ),
            (
                "cairn_balancer_node_crashes_total",
                "Node processes that exited without being asked to.",
                &metrics.nodes_crashed,
            ),
            (
                "cairn_balancer_node_stops_total",
                "Node processes stopped after draining.",
                &metrics.nodes_stopped,
            ),
            (
                "cairn_balancer_drain_timeouts_total",
                "Nodes stopped with requests still in flight after the drain timeout.",
                &metrics.drain_timeouts,
            ),
            (
                "cairn_balancer_rolling_restarts_total",
                "Rolling restarts completed.",
                &metrics.rolling_restarts,
            ),
        ];
        for (name, help, counter) in counters {
            family(&mut text, name, "counter", help);
            sample(&mut text, name, &[], read(counter));
        }
        family(
            &mut text,
            "cairn_balancer_requests_in_flight",
            "gauge",
            "Requests forwarded to nodes and not finished.",
        );
        let in_flight: usize = nodes.iter().map(|node| node.in_flight).sum();
        sample(
            &mut text,
            "cairn_balancer_requests_in_flight",
            &[],
            in_flight as u64,
        );
        family(
            &mut text,
            "cairn_balancer_nodes",
            "gauge",
            "Node processes by state.",
        );
        for (state, name) in [
            (NodeState::Starting, "starting"),
            (NodeState::Ready, "ready"),
            (NodeState::Draining, "draining"),
            (NodeState::Ejected, "ejected"),
        ] {
            sample(
                &mut text,
                "cairn_balancer_nodes",
                &[("state", name)],
                count_in_state(&nodes, state),
            );
        }
        family(
            &mut text,
            "cairn_balancer_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response head.",
        );
        let (buckets, sum, count) = metrics.duration_histogram();
        for (bound, cumulative) in buckets {
            let bound = bound.to_string();
            sample(
                &mut text,
                "cairn_balancer_request_duration_seconds_bucket",
                &[("le", &bound)],
                cumulative,
            );
        }
        sample(
            &mut text,
            "cairn_balancer_request_duration_seconds_bucket",
            &[("le", "+Inf")],
            count,
        );
        let _ = writeln!(text, "cairn_balancer_request_duration_seconds_sum {sum}");
        sample(
            &mut text,
            "cairn_balancer_request_duration_seconds_count",
            &[],
            count,
        );

        family(
            &mut text,
            "cairn_autoscaler_decisions_total",
            "counter",
            "Changes of the node count decided by the autoscaler.",
        );
        sample(
            &mut text,
            "cairn_autoscaler_decisions_total",
            &[("decision", Decision::ScaleUp.name())],
            read(&metrics.scale_ups),
        );
        sample(
            &mut text,
            "cairn_autoscaler_decisions_total",
            &[("decision", Decision::ScaleDown.name())],
            read(&metrics.scale_downs),
        );
        let autoscaler = self.autoscaler();
        family(
            &mut text,
            "cairn_autoscaler_target_nodes",
            "gauge",
            "Nodes the cluster should run.",
        );
        sample(
            &mut text,
            "cairn_autoscaler_target_nodes",
            &[],
            self.supervisor.target() as u64,
        );
        family(
            &mut text,
            "cairn_autoscaler_min_nodes",
            "gauge",
            "Fewest nodes the autoscaler keeps.",
        );
        sample(
            &mut text,
            "cairn_autoscaler_min_nodes",
            &[],
            autoscaler.policy.min_nodes as u64,
        );
        family(
            &mut text,
            "cairn_autoscaler_max_nodes",
            "gauge",
            "Most nodes the autoscaler starts.",
        );
        sample(
            &mut text,
            "cairn_autoscaler_max_nodes",
            &[],
            autoscaler.policy.max_nodes as u64,
        );
        family(
            &mut text,
            "cairn_autoscaler_load",
            "gauge",
            "Latest sample of requests in flight per ready node (0 while the cluster is not settled).",
        );
        let _ = writeln!(
            text,
            "cairn_autoscaler_load {}",
            autoscaler.current_load().unwrap_or(0.0)
        );
        text
    }
}

fn count_in_state(nodes: &[NodeSnapshot], state: NodeState) -> u64 {
    nodes.iter().filter(|node| node.state == state).count() as u64
}

fn family(text: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
}

fn sample(text: &mut String, name: &str, labels: &[(&str, &str)], value: u64) {
    if labels.is_empty() {
        let _ = writeln!(text, "{name} {value}");
        return;
    }
    let labels: Vec<String> = labels
        .iter()
        .map(|(label, value)| format!("{label}=\"{value}\""))
        .collect();
    let _ = writeln!(text, "{name}{{{}}} {value}", labels.join(","));
}
