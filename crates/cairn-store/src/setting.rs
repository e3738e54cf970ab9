//! Site-wide settings an administrator changes while the cluster runs (migration 0009), kept in the
//! database so every node sees the same value; each change has its journal entry
//! (`settings.changed`, the key as payload) so nodes drop what they cached.

use sqlx::Row;

use crate::error::is_unique_violation;
use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreResult};

impl Store {
    /// The value of setting `key`, if it was ever set.
    pub async fn site_setting(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query(self.sql("SELECT value FROM site_setting WHERE setting_key = ?"))
            .bind(key)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| row.try_get::<String, _>("value"))
            .transpose()
            .map_err(Into::into)
    }

    /// Sets `key` to `value`, with its journal entry; setting the value it has changes nothing.
    pub async fn set_site_setting(&self, key: &str, value: &str, now_ms: i64) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query(self.sql(
            "UPDATE site_setting SET value = ?, modified_ms = ? WHERE setting_key = ? AND value <> ?",
        ))
        .bind(value)
        .bind(now_ms)
        .bind(key)
        .bind(value)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        let mut changed = updated > 0;
        if !changed {
            let exists = sqlx::query(
                self.sql("SELECT 1 AS present FROM site_setting WHERE setting_key = ?"),
            )
            .bind(key)
            .fetch_optional(&mut *transaction)
            .await?
            .is_some();
            if !exists {
                let inserted = sqlx::query(self.sql(
                    "INSERT INTO site_setting (setting_key, value, modified_ms) VALUES (?, ?, ?)",
                ))
                .bind(key)
                .bind(value)
                .bind(now_ms)
                .execute(&mut *transaction)
                .await;
                match inserted {
                    Ok(_) => changed = true,
                    // Another node set it a moment ago: theirs stands, as if it came later.
                    Err(error) if is_unique_violation(&error) => {}
                    Err(error) => return Err(error.into()),
                }
            }
        }
        if changed {
            let change = Change {
                kind: ChangeKind::SettingsChanged,
                entity_id: None,
                space_id: None,
                payload: key.to_string(),
            };
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(())
    }
}
