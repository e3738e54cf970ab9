//! Drafts of published pages (migration 0012): one per person and page, replaced at every
//! autosave, removed when that person publishes or discards it, or when the page is purged.

use cairn_core::{Content, ContentId, UserId};
use sqlx::Row;

use crate::Unjournaled;
use crate::row::{self, content_columns};
use crate::{Store, StoreResult};

/// A person's unpublished edit of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDraft {
    pub content_id: ContentId,
    pub user_id: UserId,
    /// The version the edit started from.
    pub base_version: i32,
    pub title: String,
    /// Storage format.
    pub body: String,
    pub saved_ms: i64,
}

impl Store {
    /// Saves `draft`, replacing the person's previous draft of the page.
    pub async fn save_page_draft(&self, draft: &PageDraft) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(self.sql("DELETE FROM page_draft WHERE content_id = ? AND user_id = ?"))
            .bind(draft.content_id.0)
            .bind(draft.user_id.0)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(self.sql(
            "INSERT INTO page_draft (content_id, user_id, base_version, title, body, saved_ms) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(draft.content_id.0)
        .bind(draft.user_id.0)
        .bind(draft.base_version)
        .bind(&draft.title)
        .bind(&draft.body)
        .bind(draft.saved_ms)
        .execute(&mut *transaction)
        .await?;
        transaction
            .commit_unjournaled(Unjournaled::PersonalDraft)
            .await
    }

    /// The person's draft of the page, if they have one.
    pub async fn page_draft(
        &self,
        content_id: ContentId,
        user_id: UserId,
    ) -> StoreResult<Option<PageDraft>> {
        let row = sqlx::query(self.sql(
            "SELECT base_version, title, body, saved_ms FROM page_draft WHERE content_id = ? AND user_id = ?",
        ))
        .bind(content_id.0)
        .bind(user_id.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(PageDraft {
            content_id,
            user_id,
            base_version: row.try_get("base_version")?,
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            saved_ms: row.try_get("saved_ms")?,
        }))
    }

    /// Removes the person's draft of the page; true if there was one.
    pub async fn delete_page_draft(
        &self,
        content_id: ContentId,
        user_id: UserId,
    ) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let removed =
            sqlx::query(self.sql("DELETE FROM page_draft WHERE content_id = ? AND user_id = ?"))
                .bind(content_id.0)
                .bind(user_id.0)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        transaction
            .commit_unjournaled(Unjournaled::PersonalDraft)
            .await?;
        Ok(removed > 0)
    }

    /// The person's drafts of published pages, most recently saved first.
    pub async fn page_drafts_of(&self, user_id: UserId, limit: i64) -> StoreResult<Vec<PageDraft>> {
        let rows = sqlx::query(self.sql(
            "SELECT content_id, base_version, title, body, saved_ms FROM page_draft WHERE user_id = ? ORDER BY saved_ms DESC LIMIT ?",
        ))
        .bind(user_id.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PageDraft {
                    content_id: ContentId(row.try_get("content_id")?),
                    user_id,
                    base_version: row.try_get("base_version")?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    saved_ms: row.try_get("saved_ms")?,
                })
            })
            .collect()
    }

    /// The person's pages and blog posts never published (`status = 'draft'`), most recently
    /// saved first.
    pub async fn new_content_drafts_of(
        &self,
        user_id: UserId,
        limit: i64,
    ) -> StoreResult<Vec<Content>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            content_columns!(),
            " FROM content WHERE status = 'draft' AND creator_id = ? AND content_type IN ('page', 'blogpost')",
            " ORDER BY last_modified_ms DESC, id DESC LIMIT ?"
        )))
        .bind(user_id.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        row::contents(&rows)
    }
}
