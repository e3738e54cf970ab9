//! Long tasks (space deletion…), recorded in the database so any node can report on them.

use sqlx::Row;
use sqlx::any::AnyRow;

use cairn_core::UserId;

use crate::ids::Sequence;
use crate::{Listed, Store, StoreResult, Window};

/// A long task as `/rest/api/longtask/{id}` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTask {
    pub id: i64,
    pub name: String,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    pub percent: i32,
    pub message: String,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub finished_ms: Option<i64>,
}

fn task_from_row(row: &AnyRow) -> StoreResult<LongTask> {
    let percent: i64 = row.try_get("percent")?;
    Ok(LongTask {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        status: row.try_get("status")?,
        percent: i32::try_from(percent).unwrap_or(0),
        message: row.try_get("message")?,
        creator_id: UserId(row.try_get("creator_id")?),
        created_ms: row.try_get("created_ms")?,
        finished_ms: row.try_get("finished_ms")?,
    })
}

impl Store {
    pub async fn start_task(
        &self,
        name: &str,
        creator_id: UserId,
        now_ms: i64,
    ) -> StoreResult<i64> {
        let id = self.next_id(Sequence::Task).await?;
        sqlx::query(self.sql(
            "INSERT INTO long_task (id, name, status, percent, message, creator_id, created_ms, finished_ms) VALUES (?, ?, 'running', 0, '', ?, ?, NULL)",
        ))
        .bind(id)
        .bind(name)
        .bind(creator_id.0)
        .bind(now_ms)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn finish_task(
        &self,
        id: i64,
        succeeded: bool,
        message: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(self.sql("UPDATE long_task SET status = ?, percent = 100, message = ?, finished_ms = ? WHERE id = ?"))
            .bind(if succeeded { "succeeded" } else { "failed" })
            .bind(message)
            .bind(now_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Reports how far a running task is (`percent`, below 100) and what it is doing.
    pub async fn set_task_progress(&self, id: i64, percent: i32, message: &str) -> StoreResult<()> {
        sqlx::query(self.sql(
            "UPDATE long_task SET percent = ?, message = ? WHERE id = ? AND status = 'running'",
        ))
        .bind(percent.clamp(0, 99))
        .bind(message)
        .bind(id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn find_task(&self, id: i64) -> StoreResult<Option<LongTask>> {
        let row = sqlx::query(self.sql(
            "SELECT id, name, status, percent, message, creator_id, created_ms, finished_ms FROM long_task WHERE id = ?",
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(task_from_row).transpose()
    }

    /// Tasks newest first, every one or only those `creator` started; the flag says whether more
    /// follow.
    pub async fn list_tasks(
        &self,
        creator: Option<UserId>,
        window: Window,
    ) -> StoreResult<Listed<LongTask>> {
        let Window { start, limit } = window;
        let rows = sqlx::query(self.sql(
            "SELECT id, name, status, percent, message, creator_id, created_ms, finished_ms FROM long_task WHERE (? IS NULL OR creator_id = ?) ORDER BY id DESC LIMIT ? OFFSET ?",
        ))
        .bind(creator.map(|user| user.0))
        .bind(creator.map(|user| user.0))
        .bind(limit + 1)
        .bind(start)
        .fetch_all(self.pool())
        .await?;
        let mut tasks = rows
            .iter()
            .map(task_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = tasks.len() as i64 > limit;
        tasks.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(Listed {
            items: tasks,
            has_more,
        })
    }
}
