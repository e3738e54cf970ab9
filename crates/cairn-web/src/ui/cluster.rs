//! The Clustering admin page: every node with its heartbeat, the journal position and lag of this
//! node, who holds each singleton lease, and the `cairn cluster` balancer in front of the nodes
//! (its nodes and autoscaler), or why it is not shown. Site administrators only.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::cluster::ClusterOverview;
use crate::cluster::balancer::{BalancerDocument, BalancerState};
use crate::time_format::human_from_ms;

/// Milliseconds as a short age: `850 ms`, `12.3 s`, `4 min`.
fn age(milliseconds: i64) -> String {
    match milliseconds {
        ms if ms < 1_000 => format!("{} ms", ms.max(0)),
        ms if ms < 120_000 => format!("{:.1} s", ms as f64 / 1000.0),
        ms => format!("{} min", ms / 60_000),
    }
}

pub async fn clustering(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    if !user.administrator {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "Only site administrators can see the cluster.",
        ));
    }
    let overview = ClusterOverview::read(&state).await?;
    let balancer = BalancerState::fetch(&state).await;
    let node = &state.cluster;
    let journal = &node.journal;
    let alive = overview
        .nodes
        .iter()
        .filter(|record| ClusterOverview::is_alive(&state, record))
        .count();
    Ok(page(
        "Clustering",
        &user,
        Some(super::layout::administration_sidebar("Clustering")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Clustering" }
                p.muted id="cluster-name" { "Cluster " strong { (state.node.settings.cluster.name) } }
                div.card {
                    h2 { "Nodes" }
                    p.muted {
                        (alive) " of " (overview.nodes.len()) " registered nodes alive. This page was served by "
                        code { (node.node_id) } " (" (node.address()) ")."
                    }
                    table.grid id="cluster-nodes" {
                        thead { tr {
                            th { "Node" } th { "Address" } th { "Version" } th { "State" } th { "Heartbeat" }
                            th { "Started" } th { "In flight" } th { "Requests" } th { "Journal position" }
                        } }
                        tbody {
                            @for record in &overview.nodes {
                                @let condition = ClusterOverview::condition(&state, record);
                                tr {
                                    td { code { (record.node_id) } @if record.node_id == node.node_id { " (this node)" } }
                                    td { (record.address) }
                                    td { (record.version) }
                                    td.node-condition { @if condition == "alive" { (condition) } @else { strong { (condition) } } }
                                    td { (age(record.heartbeat_age_ms)) " ago" }
                                    td { (human_from_ms(record.started_ms)) }
                                    td { (record.requests_in_flight) }
                                    td { (record.requests_total) }
                                    td { (record.journal_position) }
                                }
                            }
                        }
                    }
                }
                div.card {
                    h2 { "Journal" }
                    table.grid id="cluster-journal" {
                        tbody {
                            tr { th { "State" } td { (node.journal_state()) } }
                            tr { th { "Head" } td { (journal.head.load(Ordering::Relaxed)) } }
                            tr { th { "This node's position" } td { (journal.position.load(Ordering::Relaxed)) } }
                            tr { th { "Lag" } td { (node.journal_lag()) " entries" } }
                            tr { th { "Pending ids (gap rule)" } td { (journal.pending_ids.load(Ordering::Relaxed)) } }
                            tr { th { "Entries applied" } td { (journal.delivered_total.load(Ordering::Relaxed)) } }
                            tr { th { "Wake-ups on commit (PostgreSQL)" } td { (node.journal_wakeup_state().as_str()) ", " (journal.wakeups_total.load(Ordering::Relaxed)) " so far" } }
                        }
                    }
                }
                (balancer_card(&balancer, &overview))
                div.card {
                    h2 { "Singleton jobs" }
                    table.grid id="cluster-leases" {
                        thead { tr { th { "Lease" } th { "Holder" } th { "Expires in" } } }
                        tbody {
                            @for lease in &overview.leases {
                                tr {
                                    td { (lease.name) }
                                    td { @match overview.holder_of(lease) { Some(holder) => code { (holder) }, None => span.muted { "nobody" } } }
                                    td { @if overview.holder_of(lease).is_some() { (age(lease.expires_ms - overview.database_now_ms)) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The `cairn cluster` balancer: its nodes (matched to registered Cairn nodes by port) and its
/// autoscaler, or a plain statement of why there is nothing to show.
fn balancer_card(balancer: &BalancerState, overview: &ClusterOverview) -> Markup {
    html! {
        div.card id="cluster-balancer" {
            h2 { "Balancer and autoscaler" }
            @match balancer {
                BalancerState::NotConfigured => {
                    p.balancer-status {
                        "No " code { "cairn cluster" } " balancer is configured for this node "
                        "(setting " code { "cluster_balancer_url" } "), so there is no balancer or autoscaler "
                        "state to show. Behind another load balancer, look at that balancer's own status."
                    }
                }
                BalancerState::Unreachable { url, error } => {
                    p.balancer-status {
                        strong { "The balancer at " code { (url) } " did not answer: " } (error)
                        ". The nodes above are what the database knows."
                    }
                }
                BalancerState::Answered { url, document } => {
                    @let read = BalancerDocument::read(document);
                    (answered_balancer(url, &read, overview))
                }
            }
        }
    }
}

fn answered_balancer(url: &str, balancer: &BalancerDocument, overview: &ClusterOverview) -> Markup {
    let autoscaler = &balancer.autoscaler;
    // A balancer node runs on 127.0.0.1:PORT; its `cluster_node` row records that address.
    let cairn_node_on = |port: u16| {
        let suffix = format!(":{port}");
        overview
            .nodes
            .iter()
            .filter(|record| record.state != Some(cairn_store::NodeState::Stopped))
            .find(|record| record.address.ends_with(&suffix))
            .map(|record| record.node_id.clone())
    };
    html! {
        p.muted {
            "The " code { "cairn cluster" } " balancer at " code { (url) } " routes to "
            (balancer.nodes.len()) " node processes; it aims at " (balancer.target_nodes) "."
        }
        table.grid id="balancer-nodes" {
            thead { tr {
                th { "Process" } th { "Cairn node" } th { "Port" } th { "PID" } th { "State" }
                th { "In flight" } th { "Served" } th { "Failed connections" } th { "Up for" }
            } }
            tbody {
                @for node in &balancer.nodes {
                    tr {
                        td { (node.id) }
                        td { @match cairn_node_on(node.port) { Some(id) => code { (id) }, None => span.muted { "not registered" } } }
                        td { (node.port) }
                        td { (node.pid) }
                        td.balancer-node-state { @if node.state == "ready" { (node.state) } @else { strong { (node.state) } } }
                        td { (node.in_flight) }
                        td { (node.served) }
                        td { (node.connection_failures) }
                        td { (age(i64::try_from(node.uptime_ms).unwrap_or(i64::MAX))) }
                    }
                }
            }
        }
        h3 { "Autoscaler" }
        table.grid id="balancer-autoscaler" {
            tbody {
                tr { th { "Autoscaling" } td { @if autoscaler.enabled { "on" } @else { "off (minimum equals maximum)" } } }
                tr { th { "Nodes: minimum, target, maximum" } td { (autoscaler.min_nodes) ", " (balancer.target_nodes) ", " (autoscaler.max_nodes) } }
                tr { th { "Load (requests in flight per ready node)" } td {
                    @match autoscaler.current_load { Some(load) => (format!("{load:.2}")), None => span.muted { "not sampled (nodes starting or draining)" } }
                    " (add a node above " (autoscaler.scale_up_load) ", remove one at or below " (autoscaler.scale_down_load) ")"
                } }
                tr { th { "Rolling restart" } td {
                    (balancer.rolling_restart.state)
                    @if balancer.rolling_restart.total > 0 { " (" (balancer.rolling_restart.restarted) " of " (balancer.rolling_restart.total) ")" }
                    @if let Some(message) = &balancer.rolling_restart.message { ": " (message) }
                } }
            }
        }
        @if autoscaler.recent_decisions.is_empty() {
            p.muted id="balancer-decisions" { "No scaling decision yet." }
        } @else {
            table.grid id="balancer-decisions" {
                thead { tr { th { "When" } th { "Decision" } th { "Nodes" } th { "Window load" } th { "Reason" } } }
                tbody {
                    @for decision in autoscaler.recent_decisions.iter().rev() {
                        tr {
                            td { (human_from_ms(decision.at_ms)) }
                            td { (decision.decision) }
                            td { (decision.from_nodes) " → " (decision.to_nodes) }
                            td { (format!("{:.2}", decision.window_average_load)) }
                            td { (decision.reason) }
                        }
                    }
                }
            }
        }
    }
}
