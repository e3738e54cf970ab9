//! The node registry: each node's row in `cluster_node`, rewritten by its heartbeat.
//!
//! Ages are computed in database time. A node is alive while its heartbeat is younger than the
//! dead-after setting of the reader; dead rows are removed after an hour by the pruning job.

use std::time::Duration;

use sqlx::Row;

use crate::journal::duration_ms;
use crate::sql::{now_ms_expression, owned_for_dialect};
use crate::{Store, StoreResult};

/// Where a node is in its life, as its row says. (The comment in migration 0007 predates
/// `draining`; applied migrations are checksummed, so it stays as it was written.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Serving.
    Running,
    /// Shutting down: not ready, finishing its requests.
    Draining,
    /// Finished; its row stays until pruning forgets it.
    Stopped,
}

impl NodeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Running => "running",
            NodeState::Draining => "draining",
            NodeState::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<NodeState> {
        match text {
            "running" => Some(NodeState::Running),
            "draining" => Some(NodeState::Draining),
            "stopped" => Some(NodeState::Stopped),
            _ => None,
        }
    }
}

/// What a node reports about itself on each heartbeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeHeartbeat {
    pub node_id: String,
    /// Where the node listens (`host:port`), for operators.
    pub address: String,
    pub version: String,
    pub state: NodeState,
    pub requests_in_flight: i64,
    pub requests_total: i64,
    /// The node's journal low-water mark.
    pub journal_position: i64,
}

/// A node as stored, with its heartbeat age in database time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub node_id: String,
    pub address: String,
    pub version: String,
    /// `None` for a state this release does not know (a newer node's row).
    pub state: Option<NodeState>,
    pub started_ms: i64,
    pub heartbeat_ms: i64,
    /// Database time now minus `heartbeat_ms`.
    pub heartbeat_age_ms: i64,
    pub requests_in_flight: i64,
    pub requests_total: i64,
    pub journal_position: i64,
}

impl Store {
    /// The database's clock, epoch milliseconds.
    pub async fn database_now_ms(&self) -> StoreResult<i64> {
        let statement = format!("SELECT {} AS now_ms", now_ms_expression(self.dialect()));
        let row = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("now_ms")?)
    }

    /// Writes this node's heartbeat (database time), creating its row on the first beat or after it
    /// aged out.
    pub async fn heartbeat(&self, beat: &NodeHeartbeat) -> StoreResult<()> {
        let now = now_ms_expression(self.dialect());
        let statement = format!(
            "UPDATE cluster_node SET address = ?, version = ?, state = ?, requests_in_flight = ?, requests_total = ?, journal_position = ?, heartbeat_ms = {now} WHERE node_id = ?"
        );
        let updated = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(&beat.address)
            .bind(&beat.version)
            .bind(beat.state.as_str())
            .bind(beat.requests_in_flight)
            .bind(beat.requests_total)
            .bind(beat.journal_position)
            .bind(&beat.node_id)
            .execute(self.pool())
            .await?;
        if updated.rows_affected() > 0 {
            return Ok(());
        }
        let statement = format!(
            "INSERT INTO cluster_node (node_id, address, version, started_ms, heartbeat_ms, state, requests_in_flight, requests_total, journal_position) VALUES (?, ?, ?, {now}, {now}, ?, ?, ?, ?)"
        );
        sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(&beat.node_id)
            .bind(&beat.address)
            .bind(&beat.version)
            .bind(beat.state.as_str())
            .bind(beat.requests_in_flight)
            .bind(beat.requests_total)
            .bind(beat.journal_position)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Every registered node, oldest first, with the database's current time.
    pub async fn list_nodes(&self) -> StoreResult<(i64, Vec<NodeRecord>)> {
        let now = self.database_now_ms().await?;
        let rows = sqlx::query(
            "SELECT node_id, address, version, state, started_ms, heartbeat_ms, requests_in_flight, requests_total, journal_position FROM cluster_node ORDER BY started_ms, node_id",
        )
        .fetch_all(self.pool())
        .await?;
        let nodes = rows
            .iter()
            .map(|row| {
                let heartbeat_ms: i64 = row.try_get("heartbeat_ms")?;
                let in_flight: i32 = row.try_get("requests_in_flight")?;
                Ok(NodeRecord {
                    node_id: row.try_get("node_id")?,
                    address: row.try_get("address")?,
                    version: row.try_get("version")?,
                    state: NodeState::parse(&row.try_get::<String, _>("state")?),
                    started_ms: row.try_get("started_ms")?,
                    heartbeat_ms,
                    heartbeat_age_ms: now - heartbeat_ms,
                    requests_in_flight: i64::from(in_flight),
                    requests_total: row.try_get("requests_total")?,
                    journal_position: row.try_get("journal_position")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((now, nodes))
    }

    /// Removes nodes whose heartbeat is older than `older_than`; returns how many.
    pub async fn forget_dead_nodes(&self, older_than: Duration) -> StoreResult<u64> {
        let statement = format!(
            "DELETE FROM cluster_node WHERE heartbeat_ms < {} - ?",
            now_ms_expression(self.dialect())
        );
        let result = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(duration_ms(older_than))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}
