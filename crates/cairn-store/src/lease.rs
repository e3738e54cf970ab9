//! Leases for singleton jobs (journal pruning, sweeps): at most one node holds a lease at a time.
//!
//! Taking and renewing are one conditional `UPDATE` (the holder is us, or the lease expired), atomic
//! on every dialect; expiry is compared in database time. The holder must stop its job when it
//! cannot renew before its own deadline (see cairn-web's `cluster::singleton`), so the job never runs
//! on two nodes at once even when a node loses the database for a while.

use std::time::Duration;

use sqlx::Row;

use crate::error::is_unique_violation;
use crate::journal::duration_ms;
use crate::sql::{now_ms_expression, owned_for_dialect};
use crate::{Store, StoreResult};

/// A lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRecord {
    pub name: String,
    /// The holding node's id; empty when nobody ever held it or it was released.
    pub holder: String,
    pub acquired_ms: i64,
    pub expires_ms: i64,
}

impl Store {
    /// Takes lease `name` for `holder` until `ttl` from now (database time), or renews it when
    /// `holder` has it already. True when `holder` holds it afterwards.
    pub async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> StoreResult<bool> {
        let now = now_ms_expression(self.dialect());
        // acquired_ms is assigned first: MySQL evaluates assignments left to right with new values.
        let statement = format!(
            "UPDATE cluster_lease SET acquired_ms = CASE WHEN holder = ? THEN acquired_ms ELSE {now} END, holder = ?, expires_ms = {now} + ? WHERE name = ? AND (holder = ? OR expires_ms <= {now})"
        );
        let updated = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(holder)
            .bind(holder)
            .bind(duration_ms(ttl))
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await?;
        if updated.rows_affected() == 1 {
            return Ok(true);
        }
        let exists = sqlx::query(self.sql("SELECT holder FROM cluster_lease WHERE name = ?"))
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        if exists.is_some() {
            return Ok(false);
        }
        // A lease no migration created: the first node to insert it holds it.
        let statement = format!(
            "INSERT INTO cluster_lease (name, holder, acquired_ms, expires_ms) VALUES (?, ?, {now}, {now} + ?)"
        );
        let inserted = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(name)
            .bind(holder)
            .bind(duration_ms(ttl))
            .execute(self.pool())
            .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(error) if is_unique_violation(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    /// Gives lease `name` up at once, if `holder` has it (on shutdown, so another node takes over
    /// without waiting for expiry).
    pub async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        sqlx::query(self.sql(
            "UPDATE cluster_lease SET holder = '', expires_ms = 0 WHERE name = ? AND holder = ?",
        ))
        .bind(name)
        .bind(holder)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Every lease, by name, with the database's current time (to compare expiries with).
    pub async fn list_leases(&self) -> StoreResult<(i64, Vec<LeaseRecord>)> {
        let now = self.database_now_ms().await?;
        let rows = sqlx::query(
            "SELECT name, holder, acquired_ms, expires_ms FROM cluster_lease ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        let leases = rows
            .iter()
            .map(|row| {
                Ok(LeaseRecord {
                    name: row.try_get("name")?,
                    holder: row.try_get("holder")?,
                    acquired_ms: row.try_get("acquired_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((now, leases))
    }
}
