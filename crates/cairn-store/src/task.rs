//! Long tasks (space deletion…), recorded in the database so any node can report on them.

use sqlx::Row;
use sqlx::any::AnyRow;

use cairn_core::UserId;

use crate::ids::Sequence;
use crate::sql::{now_ms_expression, owned_for_dialect};
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
        node_id: &str,
        now_ms: i64,
    ) -> StoreResult<i64> {
        let id = self.next_id(Sequence::Task).await?;
        sqlx::query(self.sql(
            "INSERT INTO long_task (id, name, status, percent, message, creator_id, created_ms, finished_ms, node_id) VALUES (?, ?, 'running', 0, '', ?, ?, NULL, ?)",
        ))
        .bind(id)
        .bind(name)
        .bind(creator_id.0)
        .bind(now_ms)
        .bind(node_id)
        .execute(self.pool())
        .await?;
        Ok(id)
    }

    /// Records as failed every running task whose node has stopped, has not beaten for
    /// `dead_after` (database time) or is forgotten: nothing will finish it. Answers how many.
    /// A task younger than `dead_after` (by `now_ms`) is left alone: its node may be starting and
    /// not have written its first heartbeat yet.
    pub async fn fail_orphaned_tasks(
        &self,
        dead_after: std::time::Duration,
        now_ms: i64,
    ) -> StoreResult<u64> {
        let statement = format!(
            "SELECT id, node_id FROM long_task WHERE status = 'running' AND node_id IS NOT NULL AND created_ms <= ? AND NOT EXISTS (\
                 SELECT 1 FROM cluster_node WHERE cluster_node.node_id = long_task.node_id \
                 AND cluster_node.state <> 'stopped' AND cluster_node.heartbeat_ms >= {} - ?)",
            now_ms_expression(self.dialect()),
        );
        let dead_after_ms = crate::journal::duration_ms(dead_after);
        let orphans = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(now_ms - dead_after_ms)
            .bind(dead_after_ms)
            .fetch_all(self.pool())
            .await?;
        let mut failed = 0;
        for row in &orphans {
            let id: i64 = row.try_get("id")?;
            let node_id: String = row.try_get("node_id")?;
            let message = format!(
                "the node that ran this task ({node_id}) stopped before the task finished; nothing it was doing was committed: start it again"
            );
            // Only while still running: the task may have finished since it was read.
            let done = sqlx::query(self.sql(
                "UPDATE long_task SET status = 'failed', percent = 100, message = ?, finished_ms = ? WHERE id = ? AND status = 'running'",
            ))
            .bind(message)
            .bind(now_ms)
            .bind(id)
            .execute(self.pool())
            .await?;
            failed += done.rows_affected();
        }
        Ok(failed)
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
