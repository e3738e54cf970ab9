//! Attachment rows. The bytes live in the blob store: callers store them first and then record the
//! version here, so a row never points at bytes that are not there.

use cairn_core::{
    Attachment, AttachmentVersion, ContentId, ContentStatus, SpaceId, UserId, ValidationError,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::{StoreError, is_unique_violation};
use crate::journal::{Change, ChangeKind, record};
use crate::{Listed, Store, StoreResult, Window, WriteTx};

macro_rules! attachment_columns {
    () => {
        "id, container_id, space_id, title, status, version, media_type, size_bytes, comment, creator_id, created_ms, last_modifier_id, last_modified_ms"
    };
}

macro_rules! attachment_version_columns {
    () => {
        "attachment_id, number, media_type, size_bytes, sha256, blob_key, comment, minor_edit, author_id, created_ms"
    };
}

fn attachment_from_row(row: &AnyRow) -> StoreResult<Attachment> {
    let version: i64 = row.try_get("version")?;
    Ok(Attachment {
        id: ContentId(row.try_get("id")?),
        container_id: ContentId(row.try_get("container_id")?),
        space_id: SpaceId(row.try_get("space_id")?),
        title: row.try_get("title")?,
        status: crate::row::parsed(row, "status", ContentStatus::parse)?,
        version: i32::try_from(version).unwrap_or(i32::MAX),
        media_type: row.try_get("media_type")?,
        size_bytes: row.try_get("size_bytes")?,
        comment: row.try_get("comment")?,
        creator_id: UserId(row.try_get("creator_id")?),
        created_ms: row.try_get("created_ms")?,
        last_modifier_id: UserId(row.try_get("last_modifier_id")?),
        last_modified_ms: row.try_get("last_modified_ms")?,
    })
}

fn version_from_row(row: &AnyRow) -> StoreResult<AttachmentVersion> {
    let number: i64 = row.try_get("number")?;
    let minor: i64 = row.try_get("minor_edit")?;
    Ok(AttachmentVersion {
        attachment_id: ContentId(row.try_get("attachment_id")?),
        number: i32::try_from(number).unwrap_or(i32::MAX),
        media_type: row.try_get("media_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        blob_key: row.try_get("blob_key")?,
        comment: row.try_get("comment")?,
        minor_edit: minor != 0,
        author_id: UserId(row.try_get("author_id")?),
        created_ms: row.try_get("created_ms")?,
    })
}

/// The facts of stored bytes, recorded as an attachment version.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub blob_key: String,
    pub comment: String,
    pub minor_edit: bool,
    pub author_id: UserId,
    pub now_ms: i64,
}

/// Which attachments of a container to list.
#[derive(Debug, Clone)]
pub struct AttachmentListing {
    pub container_id: ContentId,
    pub filename: Option<String>,
    pub media_type: Option<String>,
    pub window: Window,
}

impl Store {
    /// A fresh id from the content sequence, for an attachment whose bytes are stored before its row.
    pub async fn allocate_content_id(&self) -> StoreResult<ContentId> {
        self.next_content_id().await
    }

    pub async fn find_attachment(&self, id: ContentId) -> StoreResult<Option<Attachment>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            attachment_columns!(),
            " FROM attachment WHERE id = ?"
        )))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(attachment_from_row).transpose()
    }

    /// The current attachment called `title` on `container_id`.
    pub async fn find_attachment_by_title(
        &self,
        container_id: ContentId,
        title: &str,
    ) -> StoreResult<Option<Attachment>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            attachment_columns!(),
            " FROM attachment WHERE container_id = ? AND live_title = ?"
        )))
        .bind(container_id.0)
        .bind(title)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(attachment_from_row).transpose()
    }

    /// Current attachments of a container by id; the flag says whether more follow.
    pub async fn list_attachments(
        &self,
        listing: &AttachmentListing,
    ) -> StoreResult<Listed<Attachment>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            attachment_columns!(),
            " FROM attachment WHERE container_id = ? AND status = 'current' AND (? IS NULL OR title = ?) AND (? IS NULL OR media_type = ?) ORDER BY id LIMIT ? OFFSET ?"
        )))
        .bind(listing.container_id.0)
        .bind(listing.filename.as_deref())
        .bind(listing.filename.as_deref())
        .bind(listing.media_type.as_deref())
        .bind(listing.media_type.as_deref())
        .bind(listing.window.fetch_limit())
        .bind(listing.window.start)
        .fetch_all(self.pool())
        .await?;
        let attachments = rows
            .iter()
            .map(attachment_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Listed::from_fetched(attachments, listing.window))
    }

    pub async fn attachment_version(
        &self,
        id: ContentId,
        number: i32,
    ) -> StoreResult<Option<AttachmentVersion>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            attachment_version_columns!(),
            " FROM attachment_version WHERE attachment_id = ? AND number = ?"
        )))
        .bind(id.0)
        .bind(number)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The versions named by `(attachment, number)` pairs that exist, in no particular order: the
    /// current versions of a list of attachments, read together.
    pub async fn attachment_versions_of(
        &self,
        versions: &[(ContentId, i32)],
    ) -> StoreResult<Vec<AttachmentVersion>> {
        let rows = self
            .fetch_in_chunks(versions, |chunk| {
                let mut statement = crate::statement::Statement::new(concat!(
                    "SELECT ",
                    attachment_version_columns!(),
                    " FROM attachment_version WHERE "
                ));
                for (index, (id, number)) in chunk.iter().enumerate() {
                    if index > 0 {
                        statement.push(" OR ");
                    }
                    statement
                        .push_compare("(attachment_id = ", id.0)
                        .push_compare(" AND number = ", i64::from(*number))
                        .push(")");
                }
                if chunk.is_empty() {
                    statement.push("1 = 0");
                }
                statement
            })
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Every version of an attachment, newest first.
    pub async fn attachment_versions(&self, id: ContentId) -> StoreResult<Vec<AttachmentVersion>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            attachment_version_columns!(),
            " FROM attachment_version WHERE attachment_id = ? ORDER BY number DESC"
        )))
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Records a new attachment `id` (allocated with [`Store::allocate_content_id`]) whose bytes are
    /// already stored. `AttachmentNameTaken` when the container has a current file of that name.
    pub async fn create_attachment(
        &self,
        id: ContentId,
        container_id: ContentId,
        title: &str,
        file: &StoredFile,
    ) -> StoreResult<Attachment> {
        let write = AttachmentWrite::New {
            id,
            container_id,
            title: title.to_string(),
            file: file.clone(),
        };
        let mut recorded = self
            .record_attachments(std::slice::from_ref(&write))
            .await?;
        recorded.pop().ok_or(StoreError::ContentNotFound(id))
    }

    /// Records every write of one upload in one transaction: all of them, or (on any error) none.
    pub async fn record_attachments(
        &self,
        writes: &[AttachmentWrite],
    ) -> StoreResult<Vec<Attachment>> {
        let mut transaction = self.begin_write().await?;
        self.record_attachments_in(&mut transaction, writes).await?;
        transaction.commit().await?;
        let mut recorded = Vec::with_capacity(writes.len());
        for write in writes {
            let id = write.id();
            recorded.push(
                self.find_attachment(id)
                    .await?
                    .ok_or(StoreError::ContentNotFound(id))?,
            );
        }
        Ok(recorded)
    }

    /// [`Store::record_attachments`] inside `transaction` (with the content the files go on, say),
    /// each write with its journal entry.
    pub async fn record_attachments_in(
        &self,
        transaction: &mut WriteTx,
        writes: &[AttachmentWrite],
    ) -> StoreResult<()> {
        for write in writes {
            match write {
                AttachmentWrite::New {
                    id,
                    container_id,
                    title,
                    file,
                } => {
                    create_attachment_in(self, transaction, *id, *container_id, title, file).await?
                }
                AttachmentWrite::NewVersion { id, current, file } => {
                    add_attachment_version_in(self, transaction, *id, *current, file).await?
                }
            }
        }
        Ok(())
    }

    /// Renames attachment `id` and/or changes its media type (its bytes and version stay). A name
    /// another current attachment of the page has is [`StoreError::AttachmentNameTaken`].
    pub async fn update_attachment_metadata(
        &self,
        id: ContentId,
        title: Option<&str>,
        media_type: Option<&str>,
        author: UserId,
        now_ms: i64,
    ) -> StoreResult<Attachment> {
        let existing = self
            .find_attachment(id)
            .await?
            .filter(|attachment| attachment.status == ContentStatus::Current)
            .ok_or(StoreError::ContentNotFound(id))?;
        let title = match title {
            Some(title) => cairn_core::limits::check_file_name(title)?,
            None => existing.title.clone(),
        };
        let media_type = media_type
            .map(str::trim)
            .filter(|media_type| !media_type.is_empty())
            .unwrap_or(&existing.media_type)
            .to_string();
        let mut transaction = self.begin_write().await?;
        let updated = sqlx::query(self.sql(
            "UPDATE attachment SET title = ?, live_title = ?, media_type = ?, last_modifier_id = ?, last_modified_ms = ? WHERE id = ? AND status = 'current'",
        ))
        .bind(&title)
        .bind(&title)
        .bind(&media_type)
        .bind(author.0)
        .bind(now_ms)
        .bind(id.0)
        .execute(&mut *transaction)
        .await;
        match updated {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::AttachmentNameTaken(title));
            }
            Err(error) => return Err(error.into()),
        }
        let change = Change {
            kind: ChangeKind::AttachmentUpdated,
            entity_id: Some(id.0),
            space_id: Some(existing.space_id.0),
            payload: format!("container={}", existing.container_id.0),
        };
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        self.find_attachment(id)
            .await?
            .ok_or(StoreError::ContentNotFound(id))
    }

    /// Records version `current + 1` of attachment `id`, if it is still at `current`.
    pub async fn add_attachment_version(
        &self,
        id: ContentId,
        current: i32,
        file: &StoredFile,
    ) -> StoreResult<Attachment> {
        let write = AttachmentWrite::NewVersion {
            id,
            current,
            file: file.clone(),
        };
        let mut recorded = self
            .record_attachments(std::slice::from_ref(&write))
            .await?;
        recorded.pop().ok_or(StoreError::ContentNotFound(id))
    }

    /// Moves an attachment to the trash (its name becomes free).
    pub async fn trash_attachment(&self, id: ContentId) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let result = sqlx::query(self.sql(
            "UPDATE attachment SET status = 'trashed', live_title = NULL WHERE id = ? AND status = 'current'",
        ))
        .bind(id.0)
        .execute(&mut *transaction)
        .await?;
        if result.rows_affected() != 1 {
            return Err(StoreError::ContentNotFound(id));
        }
        let change = Change::of_content_id(ChangeKind::AttachmentTrashed, id);
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes historical version `number` of attachment `id` (the current version stays: remove the
    /// attachment instead). Returns the blob key the caller should delete, or `None` when there was no
    /// such version.
    pub async fn delete_attachment_version(
        &self,
        id: ContentId,
        number: i32,
    ) -> StoreResult<Option<String>> {
        let attachment = self
            .find_attachment(id)
            .await?
            .ok_or(StoreError::ContentNotFound(id))?;
        if number == attachment.version {
            return Err(ValidationError::new(format!(
                "version {number} is the current version of attachment {id}; remove the attachment instead"
            ))
            .into());
        }
        let Some(version) = self.attachment_version(id, number).await? else {
            return Ok(None);
        };
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            self.sql("DELETE FROM attachment_version WHERE attachment_id = ? AND number = ?"),
        )
        .bind(id.0)
        .bind(number)
        .execute(&mut *transaction)
        .await?;
        let change = Change::of_content_id(ChangeKind::AttachmentUpdated, id)
            .with_payload(format!("version_deleted={number}"));
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(Some(version.blob_key))
    }

    /// Deletes an attachment and its versions; returns the blob keys the caller should delete.
    pub async fn purge_attachment(&self, id: ContentId) -> StoreResult<Vec<String>> {
        let keys: Vec<String> = self
            .attachment_versions(id)
            .await?
            .into_iter()
            .map(|version| version.blob_key)
            .collect();
        let mut transaction = self.begin_write().await?;
        for statement in [
            // Its comments go with it (their versions, labels, properties and likes first).
            "DELETE FROM content_version WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_label WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_property WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content_like WHERE content_id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM content WHERE id IN (SELECT content_id FROM comment_meta WHERE container_id = ?)",
            "DELETE FROM comment_meta WHERE container_id = ?",
            "DELETE FROM attachment_version WHERE attachment_id = ?",
            "DELETE FROM content_label WHERE content_id = ?",
            "DELETE FROM content_property WHERE content_id = ?",
        ] {
            sqlx::query(self.sql(statement))
                .bind(id.0)
                .execute(&mut *transaction)
                .await?;
        }
        let deleted = sqlx::query(self.sql("DELETE FROM attachment WHERE id = ?"))
            .bind(id.0)
            .execute(&mut *transaction)
            .await?;
        if deleted.rows_affected() != 1 {
            return Err(StoreError::ContentNotFound(id));
        }
        let change = Change::of_content_id(ChangeKind::AttachmentPurged, id);
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(keys)
    }

    /// True when some attachment version records `blob_key` (for the orphan sweeper).
    pub async fn blob_key_is_referenced(&self, blob_key: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            self.sql("SELECT COUNT(*) AS uses FROM attachment_version WHERE blob_key = ?"),
        )
        .bind(blob_key)
        .fetch_one(self.pool())
        .await?;
        let uses: i64 = row.try_get("uses")?;
        Ok(uses > 0)
    }
}

async fn insert_attachment_version(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
    number: i32,
    file: &StoredFile,
) -> StoreResult<()> {
    sqlx::query(store.sql(
        "INSERT INTO attachment_version (attachment_id, number, media_type, size_bytes, sha256, blob_key, comment, minor_edit, author_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(id.0)
    .bind(number)
    .bind(&file.media_type)
    .bind(file.size_bytes)
    .bind(&file.sha256)
    .bind(&file.blob_key)
    .bind(&file.comment)
    .bind(i16::from(file.minor_edit))
    .bind(file.author_id.0)
    .bind(file.now_ms)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// One attachment row to write for an upload (see [`Store::record_attachments`]).
#[derive(Debug, Clone)]
pub enum AttachmentWrite {
    /// A new attachment `id` (from [`Store::allocate_content_id`]) on `container_id`.
    New {
        id: ContentId,
        container_id: ContentId,
        title: String,
        file: StoredFile,
    },
    /// Version `current + 1` of attachment `id`, if it is still at `current`.
    NewVersion {
        id: ContentId,
        current: i32,
        file: StoredFile,
    },
}

impl AttachmentWrite {
    pub fn id(&self) -> ContentId {
        match self {
            AttachmentWrite::New { id, .. } | AttachmentWrite::NewVersion { id, .. } => *id,
        }
    }
}

async fn create_attachment_in(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
    container_id: ContentId,
    title: &str,
    file: &StoredFile,
) -> StoreResult<()> {
    let title = &cairn_core::limits::check_file_name(title)?;
    // A draft takes attachments too (the editor adds images before a new page is published);
    // who may see the draft was checked by the caller.
    let container = sqlx::query(
        store.sql("SELECT space_id FROM content WHERE id = ? AND status IN ('current', 'draft')"),
    )
    .bind(container_id.0)
    .fetch_optional(&mut **transaction)
    .await?
    .ok_or(StoreError::ContentNotFound(container_id))?;
    let space_id: i64 = container.try_get("space_id")?;
    let inserted = sqlx::query(store.sql(
        "INSERT INTO attachment (id, container_id, space_id, title, live_title, status, version, media_type, size_bytes, comment, creator_id, created_ms, last_modifier_id, last_modified_ms) VALUES (?, ?, ?, ?, ?, 'current', 1, ?, ?, ?, ?, ?, ?, ?)",
    ))
    .bind(id.0)
    .bind(container_id.0)
    .bind(space_id)
    .bind(title)
    .bind(title)
    .bind(&file.media_type)
    .bind(file.size_bytes)
    .bind(&file.comment)
    .bind(file.author_id.0)
    .bind(file.now_ms)
    .bind(file.author_id.0)
    .bind(file.now_ms)
    .execute(&mut **transaction)
    .await;
    match inserted {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            return Err(StoreError::AttachmentNameTaken(title.to_string()));
        }
        Err(error) => return Err(error.into()),
    }
    insert_attachment_version(store, transaction, id, 1, file).await?;
    let change = Change {
        kind: ChangeKind::AttachmentCreated,
        entity_id: Some(id.0),
        space_id: Some(space_id),
        payload: format!("container={}", container_id.0),
    };
    record(store, transaction, &change).await?;
    Ok(())
}

async fn add_attachment_version_in(
    store: &Store,
    transaction: &mut WriteTx,
    id: ContentId,
    current: i32,
    file: &StoredFile,
) -> StoreResult<()> {
    let updated = sqlx::query(store.sql(
        "UPDATE attachment SET version = ?, media_type = ?, size_bytes = ?, comment = ?, last_modifier_id = ?, last_modified_ms = ? WHERE id = ? AND version = ? AND status = 'current'",
    ))
    .bind(current + 1)
    .bind(&file.media_type)
    .bind(file.size_bytes)
    .bind(&file.comment)
    .bind(file.author_id.0)
    .bind(file.now_ms)
    .bind(id.0)
    .bind(current)
    .execute(&mut **transaction)
    .await?;
    if updated.rows_affected() != 1 {
        let latest = sqlx::query(store.sql("SELECT version FROM attachment WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&mut **transaction)
            .await?
            .ok_or(StoreError::ContentNotFound(id))?;
        return Err(StoreError::StaleVersion {
            id,
            current: latest.try_get("version")?,
        });
    }
    insert_attachment_version(store, transaction, id, current + 1, file).await?;
    let change = Change::of_content_id(ChangeKind::AttachmentUpdated, id);
    record(store, transaction, &change).await?;
    Ok(())
}
