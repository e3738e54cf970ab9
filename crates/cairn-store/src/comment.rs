//! Comments: content rows of type `comment` on a page or blog post (the container), with replies
//! (`parent_id` is the parent comment) and a location (`footer` or `inline`).

use cairn_core::{
    CommentLocation, CommentMeta, Content, ContentId, ContentStatus, ContentType, NewVersion,
    ValidationError,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::content::{ContentInsert, insert_content};
use crate::error::StoreError;
use crate::row::{self, content_columns};
use crate::{Listed, Store, StoreResult, Window};

/// A new comment.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub container_id: ContentId,
    /// The comment this one replies to.
    pub parent_comment_id: Option<ContentId>,
    pub body: String,
    pub location: CommentLocation,
    /// Inline comments: the client's JSON describing the highlighted text.
    pub inline_properties: Option<String>,
    pub version: NewVersion,
}

/// Which comments of a container to list.
#[derive(Debug, Clone, Copy)]
pub struct CommentListing {
    pub container_id: ContentId,
    /// Replies too (`depth=all`), not only top-level comments.
    pub include_replies: bool,
    /// `None`: every location.
    pub location: Option<CommentLocation>,
    pub window: Window,
}

pub(crate) fn meta_from_row(row: &AnyRow) -> StoreResult<CommentMeta> {
    Ok(CommentMeta {
        content_id: ContentId(row.try_get("content_id")?),
        container_id: ContentId(row.try_get("container_id")?),
        location: crate::row::parsed(row, "location", CommentLocation::parse)?,
        inline_properties: row.try_get("inline_properties")?,
    })
}

impl Store {
    /// Adds a comment (or a reply) to a current page or blog post.
    pub async fn create_comment(
        &self,
        new_comment: NewComment,
    ) -> StoreResult<(Content, CommentMeta)> {
        let location = new_comment.location;
        let container = self
            .find_content(new_comment.container_id)
            .await?
            .filter(|content| {
                content.status == ContentStatus::Current
                    && content.content_type != ContentType::Comment
            })
            .ok_or(StoreError::ContentNotFound(new_comment.container_id))?;
        if let Some(parent_id) = new_comment.parent_comment_id {
            let parent_meta = self
                .comment_meta(parent_id)
                .await?
                .ok_or(StoreError::ContentNotFound(parent_id))?;
            if parent_meta.container_id != container.id {
                return Err(ValidationError::new(format!(
                    "comment {parent_id} is on other content"
                ))
                .into());
            }
        }
        let space_key = self
            .find_space_by_id(container.space_id)
            .await?
            .map(|space| space.key)
            .ok_or(StoreError::ContentNotFound(container.id))?;
        let id = self.next_content_id().await?;
        let title = format!("Re: {}", container.title);
        let mut transaction = self.begin_write().await?;
        insert_content(
            self,
            &mut transaction,
            ContentInsert {
                draft: false,
                id,
                content_type: ContentType::Comment,
                space_id: container.space_id,
                space_key: &space_key,
                parent_id: new_comment.parent_comment_id,
                position: None,
                title: &title,
                body: &new_comment.body,
                version: &new_comment.version,
            },
        )
        .await?;
        sqlx::query(self.sql(
            "INSERT INTO comment_meta (content_id, container_id, location, inline_properties) VALUES (?, ?, ?, ?)",
        ))
        .bind(id.0)
        .bind(container.id.0)
        .bind(location.as_str())
        .bind(new_comment.inline_properties.as_deref())
        .execute(&mut *transaction)
        .await?;
        let change = crate::journal::Change {
            kind: crate::journal::ChangeKind::ContentCreated,
            entity_id: Some(id.0),
            space_id: Some(container.space_id.0),
            payload: "comment".to_string(),
        };
        crate::journal::record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        let version = new_comment.version;
        let content = Content {
            id,
            content_type: ContentType::Comment,
            status: ContentStatus::Current,
            space_id: container.space_id,
            parent_id: new_comment.parent_comment_id,
            position: None,
            title,
            body: new_comment.body,
            version: 1,
            creator_id: version.author_id,
            created_ms: version.now_ms,
            last_modifier_id: version.author_id,
            last_modified_ms: version.now_ms,
            version_message: version.message,
            minor_edit: version.minor_edit,
        };
        let meta = CommentMeta {
            content_id: id,
            container_id: container.id,
            location,
            inline_properties: new_comment.inline_properties,
        };
        Ok((content, meta))
    }

    /// The comment facts of `id`; `None` when it is not a comment.
    pub async fn comment_meta(&self, id: ContentId) -> StoreResult<Option<CommentMeta>> {
        let row = sqlx::query(self.sql(
            "SELECT content_id, container_id, location, inline_properties FROM comment_meta WHERE content_id = ?",
        ))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(meta_from_row).transpose()
    }

    /// The page or blog post whose visibility a comment has: its container, or for a comment on
    /// an attachment, the attachment's container. `None` when `id` is no comment.
    pub async fn comment_page_id(&self, id: ContentId) -> StoreResult<Option<ContentId>> {
        // Attachment and content ids come from one sequence, so an attachment found under the
        // container's id is the container.
        let row = sqlx::query(self.sql(
            "SELECT COALESCE(a.container_id, m.container_id) AS page_id FROM comment_meta m LEFT JOIN attachment a ON a.id = m.container_id WHERE m.content_id = ?",
        ))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok(ContentId(row.try_get("page_id")?)))
            .transpose()
    }

    /// Comments of a container, oldest first; the flag says whether more follow.
    pub async fn list_comments(
        &self,
        listing: CommentListing,
    ) -> StoreResult<Listed<(Content, CommentMeta)>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            content_columns!(),
            ", content_id, container_id, location, inline_properties FROM content JOIN comment_meta ON comment_meta.content_id = content.id WHERE container_id = ? AND status = 'current' AND (? = 1 OR parent_id IS NULL) AND (? IS NULL OR location = ?) ORDER BY id LIMIT ? OFFSET ?"
        )))
        .bind(listing.container_id.0)
        .bind(i16::from(listing.include_replies))
        .bind(listing.location.map(CommentLocation::as_str))
        .bind(listing.location.map(CommentLocation::as_str))
        .bind(listing.window.fetch_limit())
        .bind(listing.window.start)
        .fetch_all(self.pool())
        .await?;
        let comments = rows
            .iter()
            .map(|row| Ok((row::content(row)?, meta_from_row(row)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Listed::from_fetched(comments, listing.window))
    }

    /// Deletes a comment for good (comments have no trash). Its replies move up to its parent.
    pub async fn delete_comment(&self, id: ContentId) -> StoreResult<()> {
        let comment = self
            .find_content(id)
            .await?
            .filter(|content| content.content_type == ContentType::Comment)
            .ok_or(StoreError::ContentNotFound(id))?;
        let mut transaction = self.begin_write().await?;
        sqlx::query(self.sql(
            "UPDATE content SET parent_id = ? WHERE parent_id = ? AND content_type = 'comment'",
        ))
        .bind(comment.parent_id.map(|parent| parent.0))
        .bind(id.0)
        .execute(&mut *transaction)
        .await?;
        for statement in [
            "DELETE FROM content_version WHERE content_id = ?",
            "DELETE FROM comment_meta WHERE content_id = ?",
            "DELETE FROM content_label WHERE content_id = ?",
            "DELETE FROM content_property WHERE content_id = ?",
            "DELETE FROM content_like WHERE content_id = ?",
            "DELETE FROM content WHERE id = ?",
        ] {
            sqlx::query(self.sql(statement))
                .bind(id.0)
                .execute(&mut *transaction)
                .await?;
        }
        let change =
            crate::journal::Change::of_content(crate::journal::ChangeKind::ContentPurged, &comment);
        crate::journal::record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }
}
