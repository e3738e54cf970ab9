//! Reads of a space for its export (`cairn-import`'s writer of Confluence XML exports): the
//! space's content, versions, comments, attachments, labels, properties, grants and watches, each
//! read in bounded batches (content and attachments by id after a cursor, versions by
//! `(content, number)` after a cursor), so an export never holds a whole space in memory.
//!
//! Only reads: an export changes nothing, so nothing here takes a `WriteTx`.

use cairn_core::{ContentId, ContentStatus, ContentType, GroupId, SpaceId, Subject, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::statement::Statement;
use crate::{Store, StoreResult};

/// A page, blog post or comment of the exported space (current or in the trash; drafts are not
/// exported). For a comment, its container, location and inline properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedContent {
    pub id: ContentId,
    pub content_type: ContentType,
    pub status: ContentStatus,
    /// The parent page, or for a comment the comment it replies to.
    pub parent_id: Option<ContentId>,
    pub position: Option<i64>,
    pub title: String,
    pub version: i32,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub last_modifier_id: UserId,
    pub last_modified_ms: i64,
    pub trashed_ms: Option<i64>,
    /// Comments: the page or blog post commented on.
    pub comment_container: Option<ContentId>,
    /// Comments: `footer` or `inline`.
    pub comment_location: Option<String>,
    /// Inline comments: their JSON (`markerRef`, `originalSelection`).
    pub inline_properties: Option<String>,
}

/// One stored version of a page, blog post or comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedVersion {
    pub content_id: ContentId,
    pub number: i32,
    pub title: String,
    pub body: String,
    pub author_id: UserId,
    pub created_ms: i64,
    pub message: String,
    pub minor_edit: bool,
}

/// A label on exported content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLabel {
    pub content_id: ContentId,
    pub label_id: i64,
    pub prefix: String,
    pub name: String,
    pub created_ms: i64,
}

/// A JSON content property of exported content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedProperty {
    pub id: i64,
    pub content_id: ContentId,
    pub key: String,
    pub value_json: String,
    pub version: i32,
    pub modifier_id: UserId,
    pub modified_ms: i64,
}

/// A restriction on exported content (`read` or `update`, a user or a group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedRestriction {
    pub content_id: ContentId,
    pub operation: String,
    pub subject: Subject,
}

/// A space permission of the exported space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedGrant {
    pub permission: String,
    pub subject: Subject,
}

/// Someone watching exported content (or, with `content_id` `None`, the space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedWatch {
    pub user_id: UserId,
    pub content_id: Option<ContentId>,
    pub created_ms: i64,
}

/// An attachment of the exported space (current or in the trash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedAttachment {
    pub id: ContentId,
    pub container_id: ContentId,
    pub title: String,
    pub status: ContentStatus,
    pub version: i32,
    pub creator_id: UserId,
    pub created_ms: i64,
}

/// One version of an exported attachment, with where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedAttachmentVersion {
    pub attachment_id: ContentId,
    pub number: i32,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub blob_key: String,
    pub comment: String,
    pub minor_edit: bool,
    pub author_id: UserId,
    pub created_ms: i64,
}

fn content_type(text: &str) -> ContentType {
    match text {
        "blogpost" => ContentType::BlogPost,
        "comment" => ContentType::Comment,
        _ => ContentType::Page,
    }
}

fn status(text: &str) -> ContentStatus {
    ContentStatus::parse(text).unwrap_or(ContentStatus::Current)
}

fn subject(subject_type: &str, subject_id: i64) -> Subject {
    match subject_type {
        "user" => Subject::User(UserId(subject_id)),
        "group" => Subject::Group(GroupId(subject_id)),
        _ => Subject::Anonymous,
    }
}

fn exported_content(row: &AnyRow) -> StoreResult<ExportedContent> {
    let version: i64 = row.try_get("version")?;
    Ok(ExportedContent {
        id: ContentId(row.try_get("id")?),
        content_type: content_type(&row.try_get::<String, _>("content_type")?),
        status: status(&row.try_get::<String, _>("status")?),
        parent_id: row.try_get::<Option<i64>, _>("parent_id")?.map(ContentId),
        position: row.try_get("position")?,
        title: row.try_get("title")?,
        version: i32::try_from(version).unwrap_or(i32::MAX),
        creator_id: UserId(row.try_get("creator_id")?),
        created_ms: row.try_get("created_ms")?,
        last_modifier_id: UserId(row.try_get("last_modifier_id")?),
        last_modified_ms: row.try_get("last_modified_ms")?,
        trashed_ms: row.try_get("trashed_ms")?,
        comment_container: row
            .try_get::<Option<i64>, _>("container_id")?
            .map(ContentId),
        comment_location: row.try_get("location")?,
        inline_properties: row.try_get("inline_properties")?,
    })
}

fn flag(row: &AnyRow, column: &str) -> StoreResult<bool> {
    let value: i64 = row.try_get(column)?;
    Ok(value != 0)
}

fn number(row: &AnyRow, column: &str) -> StoreResult<i32> {
    let value: i64 = row.try_get(column)?;
    Ok(i32::try_from(value).unwrap_or(i32::MAX))
}

impl Store {
    /// Up to `limit` pages, blog posts and comments of `space` (current or trashed) with ids
    /// above `after`, by id.
    pub async fn export_contents_after(
        &self,
        space: SpaceId,
        after: ContentId,
        limit: i64,
    ) -> StoreResult<Vec<ExportedContent>> {
        let mut statement = Statement::new(
            "SELECT c.id, c.content_type, c.status, c.parent_id, c.position, c.title, c.version, c.creator_id, c.created_ms, c.last_modifier_id, c.last_modified_ms, c.trashed_ms, m.container_id, m.location, m.inline_properties FROM content c LEFT JOIN comment_meta m ON m.content_id = c.id WHERE c.space_id = ",
        );
        statement
            .push_bind(space.0)
            .push(" AND c.status IN ('current', 'trashed') AND c.id > ")
            .push_bind(after.0)
            .push(" ORDER BY c.id LIMIT ")
            .push_bind(limit);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(exported_content).collect()
    }

    /// Up to `limit` versions of `contents` after `(content, number)`, ordered by content id and
    /// number (start with `(ContentId(0), 0)`).
    pub async fn export_versions_after(
        &self,
        contents: &[ContentId],
        after: (ContentId, i32),
        limit: i64,
    ) -> StoreResult<Vec<ExportedVersion>> {
        let mut statement = Statement::new(
            "SELECT content_id, number, title, body, author_id, created_ms, message, minor_edit FROM content_version WHERE content_id IN ",
        );
        statement
            .push_in_list(contents.iter().map(|id| id.0))
            .push(" AND (content_id > ")
            .push_bind(after.0.0)
            .push(" OR (content_id = ")
            .push_bind(after.0.0)
            .push(" AND number > ")
            .push_bind(i64::from(after.1))
            .push(")) ORDER BY content_id, number LIMIT ")
            .push_bind(limit);
        let rows = statement
            .query(self.dialect())
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedVersion {
                    content_id: ContentId(row.try_get("content_id")?),
                    number: number(row, "number")?,
                    title: row.try_get("title")?,
                    body: row.try_get("body")?,
                    author_id: UserId(row.try_get("author_id")?),
                    created_ms: row.try_get("created_ms")?,
                    message: row.try_get("message")?,
                    minor_edit: flag(row, "minor_edit")?,
                })
            })
            .collect()
    }

    /// The labels on `contents`.
    pub async fn export_labels(&self, contents: &[ContentId]) -> StoreResult<Vec<ExportedLabel>> {
        let rows = self
            .fetch_in_chunks(contents, |chunk| {
                let mut statement = Statement::new(
                    "SELECT cl.content_id, l.id, l.prefix, l.name, cl.created_ms FROM content_label cl JOIN label l ON l.id = cl.label_id WHERE cl.content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY cl.content_id, l.prefix, l.name");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedLabel {
                    content_id: ContentId(row.try_get("content_id")?),
                    label_id: row.try_get("id")?,
                    prefix: row.try_get("prefix")?,
                    name: row.try_get("name")?,
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// The content properties of `contents`.
    pub async fn export_properties(
        &self,
        contents: &[ContentId],
    ) -> StoreResult<Vec<ExportedProperty>> {
        let rows = self
            .fetch_in_chunks(contents, |chunk| {
                let mut statement = Statement::new(
                    "SELECT id, content_id, property_key, value_json, version, modifier_id, modified_ms FROM content_property WHERE content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY content_id, property_key");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedProperty {
                    id: row.try_get("id")?,
                    content_id: ContentId(row.try_get("content_id")?),
                    key: row.try_get("property_key")?,
                    value_json: row.try_get("value_json")?,
                    version: number(row, "version")?,
                    modifier_id: UserId(row.try_get("modifier_id")?),
                    modified_ms: row.try_get("modified_ms")?,
                })
            })
            .collect()
    }

    /// The restrictions on `contents`.
    pub async fn export_restrictions(
        &self,
        contents: &[ContentId],
    ) -> StoreResult<Vec<ExportedRestriction>> {
        let rows = self
            .fetch_in_chunks(contents, |chunk| {
                let mut statement = Statement::new(
                    "SELECT content_id, operation, subject_type, subject_id FROM content_restriction WHERE content_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY content_id, operation, subject_type, subject_id");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedRestriction {
                    content_id: ContentId(row.try_get("content_id")?),
                    operation: row.try_get("operation")?,
                    subject: subject(
                        &row.try_get::<String, _>("subject_type")?,
                        row.try_get("subject_id")?,
                    ),
                })
            })
            .collect()
    }

    /// Who watches `contents`.
    pub async fn export_content_watches(
        &self,
        contents: &[ContentId],
    ) -> StoreResult<Vec<ExportedWatch>> {
        let rows = self
            .fetch_in_chunks(contents, |chunk| {
                let mut statement = Statement::new(
                    "SELECT user_id, target_key, created_ms FROM watch WHERE target_type = 'content' AND target_key IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0.to_string()));
                statement.push(" ORDER BY target_key, user_id");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                let target: String = row.try_get("target_key")?;
                Ok(ExportedWatch {
                    user_id: UserId(row.try_get("user_id")?),
                    content_id: target.parse().ok().map(ContentId),
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// Who watches the space of `key`.
    pub async fn export_space_watches(
        &self,
        key: &cairn_core::SpaceKey,
    ) -> StoreResult<Vec<ExportedWatch>> {
        let rows = sqlx::query(self.sql(
            "SELECT user_id, created_ms FROM watch WHERE target_type = 'space' AND target_key = ? ORDER BY user_id",
        ))
        .bind(key.as_str())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedWatch {
                    user_id: UserId(row.try_get("user_id")?),
                    content_id: None,
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// The space permissions of `space`.
    pub async fn export_space_grants(&self, space: SpaceId) -> StoreResult<Vec<ExportedGrant>> {
        let rows = sqlx::query(self.sql(
            "SELECT permission, subject_type, subject_id FROM space_permission WHERE space_id = ? ORDER BY permission, subject_type, subject_id",
        ))
        .bind(space.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedGrant {
                    permission: row.try_get("permission")?,
                    subject: subject(
                        &row.try_get::<String, _>("subject_type")?,
                        row.try_get("subject_id")?,
                    ),
                })
            })
            .collect()
    }

    /// Up to `limit` attachments of `space` (current or trashed) with ids above `after`, by id.
    pub async fn export_attachments_after(
        &self,
        space: SpaceId,
        after: ContentId,
        limit: i64,
    ) -> StoreResult<Vec<ExportedAttachment>> {
        let rows = sqlx::query(self.sql(
            "SELECT id, container_id, title, status, version, creator_id, created_ms FROM attachment WHERE space_id = ? AND status IN ('current', 'trashed') AND id > ? ORDER BY id LIMIT ?",
        ))
        .bind(space.0)
        .bind(after.0)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedAttachment {
                    id: ContentId(row.try_get("id")?),
                    container_id: ContentId(row.try_get("container_id")?),
                    title: row.try_get("title")?,
                    status: status(&row.try_get::<String, _>("status")?),
                    version: number(row, "version")?,
                    creator_id: UserId(row.try_get("creator_id")?),
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// Every version of `attachments`, oldest first per attachment.
    pub async fn export_attachment_versions(
        &self,
        attachments: &[ContentId],
    ) -> StoreResult<Vec<ExportedAttachmentVersion>> {
        let rows = self
            .fetch_in_chunks(attachments, |chunk| {
                let mut statement = Statement::new(
                    "SELECT attachment_id, number, media_type, size_bytes, sha256, blob_key, comment, minor_edit, author_id, created_ms FROM attachment_version WHERE attachment_id IN ",
                );
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY attachment_id, number");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(ExportedAttachmentVersion {
                    attachment_id: ContentId(row.try_get("attachment_id")?),
                    number: number(row, "number")?,
                    media_type: row.try_get("media_type")?,
                    size_bytes: row.try_get("size_bytes")?,
                    sha256: row.try_get("sha256")?,
                    blob_key: row.try_get("blob_key")?,
                    comment: row.try_get("comment")?,
                    minor_edit: flag(row, "minor_edit")?,
                    author_id: UserId(row.try_get("author_id")?),
                    created_ms: row.try_get("created_ms")?,
                })
            })
            .collect()
    }

    /// The type of each of `ids` that exists (the containers of comments and attachments).
    pub async fn export_content_types(
        &self,
        ids: &[ContentId],
    ) -> StoreResult<Vec<(ContentId, ContentType)>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement =
                    Statement::new("SELECT id, content_type FROM content WHERE id IN ");
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    ContentId(row.try_get("id")?),
                    content_type(&row.try_get::<String, _>("content_type")?),
                ))
            })
            .collect()
    }

    /// The names of the groups of `ids` that exist.
    pub async fn export_group_names(&self, ids: &[GroupId]) -> StoreResult<Vec<(GroupId, String)>> {
        let rows = self
            .fetch_in_chunks(ids, |chunk| {
                let mut statement = Statement::new("SELECT id, name FROM user_group WHERE id IN ");
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY name");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| Ok((GroupId(row.try_get("id")?), row.try_get("name")?)))
            .collect()
    }

    /// Which of `users` are members of `group`.
    pub async fn export_group_members(
        &self,
        group: GroupId,
        users: &[UserId],
    ) -> StoreResult<Vec<UserId>> {
        let rows = self
            .fetch_in_chunks(users, |chunk| {
                let mut statement =
                    Statement::new("SELECT user_id FROM group_member WHERE group_id = ");
                statement.push_bind(group.0).push(" AND user_id IN ");
                statement.push_in_list(chunk.iter().map(|id| id.0));
                statement.push(" ORDER BY user_id");
                statement
            })
            .await?;
        rows.iter()
            .map(|row| Ok(UserId(row.try_get("user_id")?)))
            .collect()
    }
}
