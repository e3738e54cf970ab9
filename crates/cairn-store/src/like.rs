//! Likes: who likes which page, blog post or comment (Confluence's "Like"). Imported from
//! Confluence exports, written back by the exporter and shown read-only (a count, and whether the
//! viewer is among those who like it); liking from the UI is not built yet.
//!
//! Purging content, deleting a comment or a space deletes the likes of what goes
//! (`content.rs`, `comment.rs`, `space.rs`).

use cairn_core::{ContentId, UserId};
use sqlx::Row;

use crate::journal::{Change, ChangeKind, record};
use crate::statement::Statement;
use crate::{Store, StoreResult, WriteTx};

/// How many like some content, and whether one person is among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LikeSummary {
    pub count: i64,
    pub by_viewer: bool,
}

/// One like of exported content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLike {
    pub content_id: ContentId,
    pub user_id: UserId,
    pub created_ms: i64,
}

impl Store {
    /// Records that `user` likes `content` (nothing when they do already), in an import's
    /// transaction.
    pub async fn import_like_in(
        &self,
        transaction: &mut WriteTx,
        content: ContentId,
        user: UserId,
        created_ms: i64,
    ) -> StoreResult<()> {
        let present: i64 = sqlx::query(self.sql(
            "SELECT COUNT(*) AS likes FROM content_like WHERE content_id = ? AND user_id = ?",
        ))
        .bind(content.0)
        .bind(user.0)
        .fetch_one(&mut **transaction)
        .await?
        .try_get("likes")?;
        if present > 0 {
            return Ok(());
        }
        sqlx::query(
            self.sql("INSERT INTO content_like (content_id, user_id, created_ms) VALUES (?, ?, ?)"),
        )
        .bind(content.0)
        .bind(user.0)
        .bind(created_ms)
        .execute(&mut **transaction)
        .await?;
        let change = Change::of_content_id(ChangeKind::LikesChanged, content)
            .with_payload(user.0.to_string());
        record(self, transaction, &change).await
    }

    /// How many like `content` and whether `viewer` does. The caller has checked that the viewer
    /// may see the content.
    pub async fn like_summary(
        &self,
        content: ContentId,
        viewer: Option<UserId>,
    ) -> StoreResult<LikeSummary> {
        let row = sqlx::query(self.sql(
            "SELECT COUNT(*) AS likes, COUNT(CASE WHEN user_id = ? THEN 1 END) AS mine FROM content_like WHERE content_id = ?",
        ))
        // No user has id 0, so an anonymous viewer likes nothing.
        .bind(viewer.map_or(0, |user| user.0))
        .bind(content.0)
        .fetch_one(self.pool())
        .await?;
        let count: i64 = row.try_get("likes")?;
        let mine: i64 = row.try_get("mine")?;
        Ok(LikeSummary {
            count,
            by_viewer: mine > 0,
        })
    }

    /// The likes of `contents`, by content then user.
    pub async fn export_likes(&self, contents: &[ContentId]) -> StoreResult<Vec<ExportedLike>> {
        let rows = self
            .fetch_in_chunks(contents, |chunk| {
                let mut statement = Statement::new(
                    "SELECT content_id, user_id, created_ms FROM content_like WHERE content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY content_id, user_id");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedLike {
                    content_id: ContentId(row.try_get("content_id")?),
                    user_id: UserId(row.try_get("user_id")?),
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }
}
