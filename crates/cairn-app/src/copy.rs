//! Copying a page, as Confluence's `POST /rest/api/content/{id}/copy` does: a new page with the
//! source's body (or a new one) and title (or a new one), under a parent page or at the root of a
//! space, carrying, as asked, the source's labels, properties, restrictions and the current version
//! of each attachment. Copying onto an existing page instead makes the source's body that page's
//! next version.
//!
//! The new page and everything it carries commit in one transaction. Attachment bytes are copied
//! to fresh keys first (the blob store has no transactions); if the transaction then fails, the
//! copies are deleted, and if the process dies in between, the orphan sweeper removes them.

use cairn_blob::BlobKey;
use cairn_core::{
    Content, ContentId, ContentStatus, ContentType, NewVersion, Restriction, RestrictionOperation,
    SpaceKey,
};
use cairn_store::{AttachmentWrite, Listed, StoredFile, Window};
use futures_util::StreamExt;

use crate::access::{self, ContentAction};
use crate::attachment::{blob_error, blob_key_for};
use crate::clock::now_ms;
use crate::error::Error;
use crate::page::{SavePage, WantedStatus};
use crate::{Caller, Node};

/// Where a copy goes.
#[derive(Debug, Clone)]
pub enum CopyDestination {
    /// The root of a space.
    SpaceRoot(SpaceKey),
    /// Below a page (in that page's space).
    Below(ContentId),
    /// Onto an existing page, as its next version.
    Onto(ContentId),
}

/// A copy of page `source`.
#[derive(Debug, Clone)]
pub struct CopyPage {
    pub source: ContentId,
    pub destination: CopyDestination,
    /// The copy's title; the source's when `None`.
    pub title: Option<String>,
    /// The copy's body (storage format, checked by the adapter); the source's when `None`.
    pub body: Option<String>,
    pub labels: bool,
    pub properties: bool,
    pub restrictions: bool,
    pub attachments: bool,
}

/// The most attachments one copy carries; a page with more is copied without the rest refused
/// quietly would lose files, so the copy is refused instead.
pub const MAX_COPIED_ATTACHMENTS: usize = 1000;

/// Copies a page for `caller`; returns the new page (or the existing page's new version).
pub async fn copy(node: &Node, caller: &Caller, command: CopyPage) -> Result<Content, Error> {
    let user = caller.user.id;
    let source = access::viewable_content(node, user, command.source).await?;
    if source.content_type != ContentType::Page || source.status != ContentStatus::Current {
        return Err(Error::bad_request(format!(
            "content {} is not a current page; only pages are copied",
            source.id
        )));
    }
    let (space_key, parent_id) = match &command.destination {
        CopyDestination::Onto(target) => {
            return copy_onto(node, caller, &source, *target, command).await;
        }
        CopyDestination::SpaceRoot(key) => (key.clone(), None),
        CopyDestination::Below(parent) => {
            let parent = access::viewable_content(node, user, *parent).await?;
            let space = node
                .store
                .find_space_by_id(parent.space_id)
                .await?
                .ok_or_else(|| Error::content_not_found(parent.id))?;
            (space.key, Some(parent.id))
        }
    };
    let space = node.store.space_by_key(&space_key).await?;
    access::require_create(node, user, &space, ContentType::Page, parent_id).await?;

    let store = &node.store;
    let now = now_ms();
    let labels: Vec<(String, String)> = if command.labels {
        store
            .labels_of(source.id)
            .await?
            .into_iter()
            .map(|label| (label.prefix, label.name))
            .collect()
    } else {
        Vec::new()
    };
    let properties: Vec<(String, String)> = if command.properties {
        let Listed { items, .. } = store
            .list_properties(source.id, Window::first(1000))
            .await?;
        items
            .into_iter()
            .map(|property| (property.key, property.value_json))
            .collect()
    } else {
        Vec::new()
    };
    let restrictions: Vec<Restriction> = if command.restrictions {
        store
            .content_restrictions(source.id)
            .await?
            .into_iter()
            .map(|named| named.restriction)
            .collect()
    } else {
        Vec::new()
    };
    let prepared_labels = store.prepare_labels(&labels, now).await?;
    let prepared_properties = store.prepare_properties(&properties).await?;
    let id = store.allocate_content_id().await?;
    let attachments = if command.attachments {
        copy_attachment_bytes(node, caller, &source, id, now).await?
    } else {
        Vec::new()
    };

    let new_content = cairn_store::NewContent {
        content_type: ContentType::Page,
        space_key: space.key.clone(),
        parent_id,
        title: command.title.unwrap_or_else(|| source.title.clone()),
        body: command.body.unwrap_or_else(|| source.body.clone()),
        version: NewVersion {
            author_id: user,
            now_ms: now,
            message: format!("Copied from page {}", source.id),
            minor_edit: false,
        },
    };
    let committed = async {
        let mut transaction = store.begin_write().await?;
        let content = store
            .create_content_in(&mut transaction, id, new_content, false)
            .await?;
        if !prepared_labels.is_empty() {
            store
                .set_labels_in(&mut transaction, id, &prepared_labels, now)
                .await?;
        }
        store
            .put_properties_in(&mut transaction, id, &prepared_properties, user, now)
            .await?;
        if !restrictions.is_empty() {
            store
                .replace_content_restrictions_in(
                    &mut transaction,
                    id,
                    &RestrictionOperation::ALL,
                    &restrictions,
                )
                .await?;
        }
        let writes: Vec<AttachmentWrite> = attachments
            .iter()
            .map(|copied| copied.write.clone())
            .collect();
        store
            .record_attachments_in(&mut transaction, &writes)
            .await?;
        transaction.commit().await?;
        Ok::<Content, cairn_store::StoreError>(content)
    }
    .await;
    match committed {
        Ok(content) => {
            tracing::info!(content_id = %id, source = %source.id, space = %space.key, attachments = attachments.len(), user = %caller.user.username, "page copied");
            Ok(content)
        }
        Err(error) => {
            for copied in attachments {
                let _ = node.blobs.delete(&copied.key).await;
            }
            Err(error.into())
        }
    }
}

/// A copied attachment: its bytes under a fresh key, and the row to record.
struct CopiedFile {
    key: BlobKey,
    write: AttachmentWrite,
}

/// Copies the bytes of the current version of each of `source`'s attachments to keys of the new
/// page `new_id`. On failure the copies made so far are deleted.
async fn copy_attachment_bytes(
    node: &Node,
    caller: &Caller,
    source: &Content,
    new_id: ContentId,
    now: i64,
) -> Result<Vec<CopiedFile>, Error> {
    let listing = cairn_store::AttachmentListing {
        container_id: source.id,
        filename: None,
        media_type: None,
        window: Window::first(MAX_COPIED_ATTACHMENTS as i64),
    };
    let Listed { items, has_more } = node.store.list_attachments(&listing).await?;
    if has_more {
        return Err(Error::bad_request(format!(
            "page {} has more than {MAX_COPIED_ATTACHMENTS} attachments; copy it without them",
            source.id
        )));
    }
    let mut copied: Vec<CopiedFile> = Vec::with_capacity(items.len());
    for attachment in items {
        let outcome = copy_one(node, caller, &attachment, new_id, now).await;
        match outcome {
            Ok(file) => copied.push(file),
            Err(error) => {
                for file in copied {
                    let _ = node.blobs.delete(&file.key).await;
                }
                return Err(error);
            }
        }
    }
    Ok(copied)
}

async fn copy_one(
    node: &Node,
    caller: &Caller,
    attachment: &cairn_core::Attachment,
    new_page: ContentId,
    now: i64,
) -> Result<CopiedFile, Error> {
    let version = node
        .store
        .attachment_version(attachment.id, attachment.version)
        .await?
        .ok_or_else(|| Error::content_not_found(attachment.id))?;
    let from = BlobKey::new(version.blob_key.clone()).map_err(|_| Error::internal())?;
    let id = node.store.allocate_content_id().await?;
    let key = blob_key_for(new_page, id, 1)?;
    let read = node.blobs.get(&from, None).await.map_err(blob_error)?;
    let stream = read
        .stream
        .map(|chunk| chunk.map_err(std::io::Error::other));
    let stored = node
        .blobs
        .put_stream(&key, stream, None)
        .await
        .map_err(blob_error)?;
    Ok(CopiedFile {
        write: AttachmentWrite::New {
            id,
            container_id: new_page,
            title: attachment.title.clone(),
            file: StoredFile {
                media_type: attachment.media_type.clone(),
                size_bytes: i64::try_from(stored.size_bytes).unwrap_or(i64::MAX),
                sha256: stored.sha256_hex,
                blob_key: key.as_str().to_string(),
                comment: attachment.comment.clone(),
                minor_edit: false,
                author_id: caller.user.id,
                now_ms: now,
            },
        },
        key,
    })
}

/// Copies `source`'s body (and title, when asked) onto page `target` as its next version.
async fn copy_onto(
    node: &Node,
    caller: &Caller,
    source: &Content,
    target: ContentId,
    command: CopyPage,
) -> Result<Content, Error> {
    let existing = access::viewable_content(node, caller.user.id, target).await?;
    access::require(node, caller.user.id, &existing, ContentAction::Edit).await?;
    let labels = if command.labels {
        Some(
            node.store
                .labels_of(source.id)
                .await?
                .into_iter()
                .map(|label| (label.prefix, label.name))
                .collect(),
        )
    } else {
        None
    };
    let save = SavePage {
        id: existing.id,
        version_number: existing.version + 1,
        title: command.title,
        body: Some(command.body.unwrap_or_else(|| source.body.clone())),
        parent_id: None,
        space_key: None,
        status: WantedStatus::Unnamed,
        message: format!("Copied from page {}", source.id),
        minor_edit: false,
        labels,
        properties: Vec::new(),
    };
    let saved = crate::page::save(node, caller, save).await?;
    Ok(saved.content)
}
