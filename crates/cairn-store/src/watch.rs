//! Watches: which user follows which page, space or label (Confluence's "Watch"). Kept so that
//! clients can set and clear them; notifications will read them.

use cairn_core::UserId;
use sqlx::Row;

use crate::error::is_unique_violation;
use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreResult};

/// What can be watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchTarget {
    /// A page, blog post or attachment, by id.
    Content(cairn_core::ContentId),
    /// A space, by key.
    Space(cairn_core::SpaceKey),
    /// A label, by name (lower-case, as labels are stored).
    Label(String),
}

impl WatchTarget {
    pub(crate) fn stored(&self) -> (&'static str, String) {
        match self {
            WatchTarget::Content(id) => ("content", id.to_string()),
            WatchTarget::Space(key) => ("space", key.as_str().to_string()),
            WatchTarget::Label(name) => ("label", name.to_lowercase()),
        }
    }
}

impl Store {
    /// Whether `user` watches `target`.
    pub async fn is_watching(&self, user: UserId, target: &WatchTarget) -> StoreResult<bool> {
        let (kind, key) = target.stored();
        let row = sqlx::query(self.sql(
            "SELECT COUNT(*) AS watches FROM watch WHERE user_id = ? AND target_type = ? AND target_key = ?",
        ))
        .bind(user.0)
        .bind(kind)
        .bind(&key)
        .fetch_one(self.pool())
        .await?;
        let watches: i64 = row.try_get("watches")?;
        Ok(watches > 0)
    }

    /// Makes `user` watch `target` (nothing changes when they already do).
    pub async fn watch(&self, user: UserId, target: &WatchTarget, now_ms: i64) -> StoreResult<()> {
        let (kind, key) = target.stored();
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(self.sql(
            "INSERT INTO watch (user_id, target_type, target_key, created_ms) VALUES (?, ?, ?, ?)",
        ))
        .bind(user.0)
        .bind(kind)
        .bind(&key)
        .bind(now_ms)
        .execute(&mut *transaction)
        .await;
        match inserted {
            Ok(_) => {}
            // Watching twice is watching.
            Err(error) if is_unique_violation(&error) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
        record(self, &mut transaction, &watch_change(user, kind, &key)).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Makes `user` stop watching `target` (nothing changes when they did not).
    pub async fn unwatch(&self, user: UserId, target: &WatchTarget) -> StoreResult<()> {
        let (kind, key) = target.stored();
        let mut transaction = self.begin_write().await?;
        let removed = sqlx::query(
            self.sql("DELETE FROM watch WHERE user_id = ? AND target_type = ? AND target_key = ?"),
        )
        .bind(user.0)
        .bind(kind)
        .bind(&key)
        .execute(&mut *transaction)
        .await?;
        if removed.rows_affected() > 0 {
            record(self, &mut transaction, &watch_change(user, kind, &key)).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(())
    }
}

fn watch_change(user: UserId, kind: &str, key: &str) -> Change {
    Change {
        kind: ChangeKind::WatchesChanged,
        entity_id: Some(user.0),
        space_id: None,
        payload: format!("{kind}={key}"),
    }
}
