//! The Clustering admin page: every node with its heartbeat, the journal position and lag of this
//! node, and who holds each singleton lease. Site administrators only.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::StatusCode;
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::cluster::view::ClusterOverview;
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
        None,
        html! {
            main.content.wide {
                h1.title { "Clustering" }
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
