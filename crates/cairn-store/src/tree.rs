//! Moving pages within and between page trees.

use cairn_core::{Content, ContentId, ContentStatus, ContentType, SpaceId, ValidationError};
use sqlx::Row;

use crate::error::{StoreError, is_unique_violation};
use crate::{Store, StoreResult, WriteTx};

/// Where a moved page goes, relative to the target page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovePosition {
    /// Last child of the target.
    Append,
    /// Sibling just before the target.
    Before,
    /// Sibling just after the target.
    After,
    /// Root of the target's space (the target only names the space).
    TopLevel,
}

impl Store {
    /// Moves page `id` (with its subtree) relative to `target`. A move to another space takes every
    /// descendant along. Moving under itself or a descendant is refused. No new version is made.
    pub async fn move_page(
        &self,
        id: ContentId,
        target: ContentId,
        position: MovePosition,
    ) -> StoreResult<Content> {
        let mut transaction = self.begin_write().await?;
        let page = current_page(self, &mut transaction, id).await?;
        let target_page = current_page(self, &mut transaction, target).await?;
        let (new_parent, space_id) = match position {
            MovePosition::Append => (Some(target_page.id), target_page.space_id),
            MovePosition::Before | MovePosition::After => {
                (target_page.parent_id, target_page.space_id)
            }
            MovePosition::TopLevel => (None, target_page.space_id),
        };
        if position != MovePosition::TopLevel
            && (target == id || self.is_descendant(&mut transaction, target, id).await?)
        {
            return Err(ValidationError::new(format!(
                "page {id} cannot be moved under itself or one of its descendants"
            ))
            .into());
        }
        // Leaving a restricted page above must not open the page (and its subtree) to anyone that
        // page kept out.
        let old_chain =
            crate::permission::chain_from_in(self, &mut transaction, page.parent_id).await?;
        let new_chain =
            crate::permission::chain_from_in(self, &mut transaction, new_parent).await?;
        let left_behind: Vec<ContentId> = old_chain
            .into_iter()
            .filter(|ancestor| !new_chain.contains(ancestor))
            .collect();
        crate::permission::carry_read_restrictions(self, &mut transaction, id, &left_behind)
            .await?;
        let new_position = match position {
            MovePosition::Append | MovePosition::TopLevel => {
                next_sibling_position(self, &mut transaction, space_id, new_parent).await?
            }
            MovePosition::Before | MovePosition::After => {
                let anchor =
                    target_page.position.unwrap_or(0) + i64::from(position == MovePosition::After);
                // Make room: siblings at or after the slot shift down by one.
                sqlx::query(self.sql(
                    "UPDATE content SET position = position + 1 WHERE space_id = ? AND content_type = 'page' AND status = 'current' AND ((? IS NULL AND parent_id IS NULL) OR parent_id = ?) AND position >= ? AND id <> ?",
                ))
                .bind(space_id.0)
                .bind(new_parent.map(|parent| parent.0))
                .bind(new_parent.map(|parent| parent.0))
                .bind(anchor)
                .bind(id.0)
                .execute(&mut *transaction)
                .await?;
                anchor
            }
        };
        let moved = sqlx::query(
            self.sql("UPDATE content SET parent_id = ?, position = ?, space_id = ? WHERE id = ?"),
        )
        .bind(new_parent.map(|parent| parent.0))
        .bind(new_position)
        .bind(space_id.0)
        .bind(id.0)
        .execute(&mut *transaction)
        .await;
        self.title_clash_to_error(moved, &page, space_id).await?;
        if space_id != page.space_id {
            // Everything below goes to the new space too: pages, and the comments and attachments
            // of each (a space's deletion removes what carries its id).
            let mut moved_pages = vec![id];
            let mut level = vec![id];
            while !level.is_empty() {
                let mut next = Vec::new();
                for parent in level {
                    let rows = sqlx::query(self.sql(
                        "SELECT id FROM content WHERE parent_id = ? AND content_type = 'page'",
                    ))
                    .bind(parent.0)
                    .fetch_all(&mut *transaction)
                    .await?;
                    for row in rows {
                        next.push(ContentId(row.try_get("id")?));
                    }
                }
                for child in &next {
                    let updated =
                        sqlx::query(self.sql("UPDATE content SET space_id = ? WHERE id = ?"))
                            .bind(space_id.0)
                            .bind(child.0)
                            .execute(&mut *transaction)
                            .await;
                    self.title_clash_to_error(updated, &page, space_id).await?;
                }
                moved_pages.extend(next.iter().copied());
                level = next;
            }
            for moved in &moved_pages {
                for statement in [
                    "UPDATE content SET space_id = ? WHERE id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
                    "UPDATE content SET space_id = ? WHERE id IN (SELECT m.content_id FROM comment_meta m JOIN attachment a ON a.id = m.container_id WHERE a.container_id = ?)",
                    "UPDATE attachment SET space_id = ? WHERE container_id = ?",
                ] {
                    sqlx::query(self.sql(statement))
                        .bind(space_id.0)
                        .bind(moved.0)
                        .execute(&mut *transaction)
                        .await?;
                }
            }
        }
        let change = crate::journal::Change {
            kind: crate::journal::ChangeKind::ContentMoved,
            entity_id: Some(id.0),
            space_id: Some(space_id.0),
            payload: format!("page from_space={}", page.space_id.0),
        };
        crate::journal::record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(Content {
            parent_id: new_parent,
            position: Some(new_position),
            space_id,
            ..page
        })
    }

    /// Turns a unique violation of a move into `TitleTaken` (a page of that title exists there).
    async fn title_clash_to_error(
        &self,
        outcome: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
        page: &Content,
        space_id: SpaceId,
    ) -> StoreResult<()> {
        match outcome {
            Ok(_) => Ok(()),
            Err(error) if is_unique_violation(&error) => {
                let space_key = self
                    .find_space_by_id(space_id)
                    .await?
                    .map(|space| space.key);
                Err(StoreError::TitleTaken {
                    title: page.title.clone(),
                    space_key: space_key.unwrap_or_else(|| cairn_core::SpaceKey::from_stored("?")),
                })
            }
            Err(error) => Err(error.into()),
        }
    }

    /// True when `candidate` lies below `ancestor`.
    async fn is_descendant(
        &self,
        transaction: &mut WriteTx,
        candidate: ContentId,
        ancestor: ContentId,
    ) -> StoreResult<bool> {
        let mut cursor = Some(candidate);
        for _ in 0..1000 {
            let Some(step) = cursor else { return Ok(false) };
            let row = sqlx::query(self.sql("SELECT parent_id FROM content WHERE id = ?"))
                .bind(step.0)
                .fetch_optional(&mut **transaction)
                .await?;
            cursor = match row {
                Some(row) => row.try_get::<Option<i64>, _>("parent_id")?.map(ContentId),
                None => None,
            };
            if cursor == Some(ancestor) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

async fn current_page(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
) -> StoreResult<Content> {
    let row = sqlx::query(store.sql(concat!(
        "SELECT ",
        crate::row::content_columns!(),
        " FROM content WHERE id = ?"
    )))
    .bind(id.0)
    .fetch_optional(&mut **transaction)
    .await?;
    let content = row.as_ref().map(crate::row::content).transpose()?;
    content
        .filter(|content| {
            content.status == ContentStatus::Current && content.content_type == ContentType::Page
        })
        .ok_or(StoreError::ContentNotFound(id))
}

async fn next_sibling_position(
    store: &Store,
    transaction: &mut WriteTx,
    space_id: SpaceId,
    parent: Option<ContentId>,
) -> StoreResult<i64> {
    let row = sqlx::query(store.sql(
        "SELECT MAX(position) AS last_position FROM content WHERE space_id = ? AND content_type = 'page' AND ((? IS NULL AND parent_id IS NULL) OR parent_id = ?)",
    ))
    .bind(space_id.0)
    .bind(parent.map(|parent| parent.0))
    .bind(parent.map(|parent| parent.0))
    .fetch_one(&mut **transaction)
    .await?;
    let last: Option<i64> = row.try_get("last_position")?;
    Ok(last.map_or(0, |position| position + 1))
}
