//! Labels on spaces. Confluence keeps them on a space's description object: `global` labels,
//! `team` labels (the space's categories) and `my` labels (`my:favourite`: a person's favourite
//! spaces). They share the `label` table with content labels; `space_label` links them to spaces.
//! Imported from Confluence exports, written back by the exporter, shown read-only.

use cairn_core::{Label, SpaceId};
use sqlx::Row;

use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreResult, WriteTx};

/// A label of a space, with when it was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceLabel {
    pub label: Label,
    pub created_ms: i64,
}

impl Store {
    /// Labels the space `space_id` with `prefix:name` (nothing when it is already), in an
    /// import's transaction; the label row is made under `new_label_id` when there is none.
    pub async fn import_space_label_in(
        &self,
        transaction: &mut WriteTx,
        space_id: SpaceId,
        prefix: &str,
        name: &str,
        new_label_id: i64,
        created_ms: i64,
    ) -> StoreResult<()> {
        let existing = sqlx::query(self.sql("SELECT id FROM label WHERE prefix = ? AND name = ?"))
            .bind(prefix)
            .bind(name)
            .fetch_optional(&mut **transaction)
            .await?;
        let label_id =
            match existing {
                Some(row) => row.try_get("id")?,
                None => {
                    sqlx::query(self.sql(
                        "INSERT INTO label (id, prefix, name, created_ms) VALUES (?, ?, ?, ?)",
                    ))
                    .bind(new_label_id)
                    .bind(prefix)
                    .bind(name)
                    .bind(created_ms)
                    .execute(&mut **transaction)
                    .await?;
                    new_label_id
                }
            };
        let present: i64 =
            sqlx::query(self.sql(
                "SELECT COUNT(*) AS labels FROM space_label WHERE space_id = ? AND label_id = ?",
            ))
            .bind(space_id.0)
            .bind(label_id)
            .fetch_one(&mut **transaction)
            .await?
            .try_get("labels")?;
        if present > 0 {
            return Ok(());
        }
        sqlx::query(
            self.sql("INSERT INTO space_label (space_id, label_id, created_ms) VALUES (?, ?, ?)"),
        )
        .bind(space_id.0)
        .bind(label_id)
        .bind(created_ms)
        .execute(&mut **transaction)
        .await?;
        // The space's labels are part of what a reader of the space sees.
        let change = Change::of_space(ChangeKind::SpaceUpdated, space_id)
            .with_payload(format!("label {prefix}:{name}"));
        record(self, transaction, &change).await
    }

    /// The labels of the space `space_id`, by prefix and name.
    pub async fn space_labels(&self, space_id: SpaceId) -> StoreResult<Vec<SpaceLabel>> {
        let rows = sqlx::query(self.sql(
            "SELECT l.id, l.prefix, l.name, sl.created_ms FROM space_label sl JOIN label l ON l.id = sl.label_id WHERE sl.space_id = ? ORDER BY l.prefix, l.name",
        ))
        .bind(space_id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SpaceLabel {
                    label: Label {
                        id: row.try_get("id")?,
                        prefix: row.try_get("prefix")?,
                        name: row.try_get("name")?,
                    },
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }
}
