//! Reads of many rows by id in one statement (per 500 ids), for lists that would otherwise ask
//! once per item: the REST API loads a page of results' spaces, authors, comment facts and labels
//! this way.

use std::collections::HashMap;

use cairn_core::{CommentMeta, Content, ContentId, Label, Space, SpaceId, User, UserId};

use crate::row::{self, content_columns, space_columns, user_columns};
use crate::statement::Statement;
use crate::{Store, StoreResult};

impl Store {
    /// The restricted operations of each of `ids` that has restrictions (a page and its
    /// ancestors, for the padlock a page shows), in no particular order.
    pub async fn restricted_operations(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<Vec<(ContentId, cairn_core::RestrictionOperation)>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(
                    "SELECT DISTINCT content_id, operation FROM content_restriction WHERE content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        let mut restricted = Vec::with_capacity(rows.len());
        for found in &rows {
            let operation: String = sqlx::Row::try_get(found, "operation")?;
            if let Some(operation) = cairn_core::RestrictionOperation::parse(&operation) {
                restricted.push((
                    ContentId(sqlx::Row::try_get(found, "content_id")?),
                    operation,
                ));
            }
        }
        Ok(restricted)
    }

    /// The users of `ids` that exist, in no particular order.
    pub async fn find_users(&self, ids: &[UserId]) -> StoreResult<Vec<User>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(concat!(
                    "SELECT ",
                    user_columns!(),
                    " FROM app_user WHERE id IN "
                ));
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        rows.iter().map(row::user).collect()
    }

    /// The spaces of `ids` that exist, in no particular order.
    pub async fn find_spaces_by_ids(&self, ids: &[SpaceId]) -> StoreResult<Vec<Space>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(concat!(
                    "SELECT ",
                    space_columns!(),
                    " FROM space WHERE id IN "
                ));
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        rows.iter().map(row::space).collect()
    }

    /// The content rows of `ids` that exist (any status), in no particular order.
    pub async fn find_contents(&self, ids: &[ContentId]) -> StoreResult<Vec<Content>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(concat!(
                    "SELECT ",
                    content_columns!(),
                    " FROM content WHERE id IN "
                ));
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        row::contents(&rows)
    }

    /// The comment facts of those of `ids` that are comments.
    pub async fn comment_metas(&self, ids: &[ContentId]) -> StoreResult<Vec<CommentMeta>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(
                    "SELECT content_id, container_id, location, inline_properties FROM comment_meta WHERE content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        rows.iter().map(crate::comment::meta_from_row).collect()
    }

    /// The labels on each of `ids`, by prefix and name; content without labels is left out.
    pub async fn labels_of_each(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<HashMap<ContentId, Vec<Label>>> {
        use sqlx::Row;
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new(
                    "SELECT cl.content_id, l.id, l.prefix, l.name FROM label l JOIN content_label cl ON cl.label_id = l.id WHERE cl.content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY cl.content_id, l.prefix, l.name");
                statement
            })
            .await?;
        let mut labels: HashMap<ContentId, Vec<Label>> = HashMap::new();
        for row in &rows {
            let content_id = ContentId(row.try_get("content_id")?);
            labels
                .entry(content_id)
                .or_default()
                .push(crate::label::label_from_row(row)?);
        }
        Ok(labels)
    }
}
