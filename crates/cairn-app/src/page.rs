//! Creating and saving a page or blog post: the one way a new page or an edit reaches the store,
//! from the REST API (`POST /rest/api/content`, `PUT /rest/api/content/{id}`) and the UI alike.
//!
//! One save is one transaction with its journal entries: publishing a draft, restoring trashed
//! content, the new version, its labels and its properties commit together or not at all. A
//! stale version or a title taken meanwhile leaves everything as it was (trashed content stays in
//! the trash). Creating is the same: the page and the labels and properties it is created with
//! commit together.

use cairn_core::{Content, ContentId, ContentStatus, ContentType, NewVersion, SpaceKey};

use crate::access::{self, ContentAction};
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// The status a save asks for, as the request named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WantedStatus {
    /// Not named: drafts are published, everything else keeps its status.
    Unnamed,
    Current,
    Draft,
    /// Anything else; only drafts refuse it.
    Other(String),
}

/// An edit of existing content. The body is storage format, already checked by the adapter.
#[derive(Debug, Clone)]
pub struct SavePage {
    pub id: ContentId,
    /// The version this save creates: one more than the version the edit started from.
    pub version_number: i32,
    /// `None` keeps the title.
    pub title: Option<String>,
    /// `None` keeps the body.
    pub body: Option<String>,
    /// A new parent page, when the edit moves the page too.
    pub parent_id: Option<ContentId>,
    /// The space the request names; it must be the content's own (moving between spaces is a
    /// separate use case).
    pub space_key: Option<String>,
    pub status: WantedStatus,
    pub message: String,
    pub minor_edit: bool,
    /// When given, the content's labels become exactly these (`(prefix, name)`).
    pub labels: Option<Vec<(String, String)>>,
    /// Properties to set (`(key, value_json)`); others stay as they are.
    pub properties: Vec<(String, String)>,
}

/// How the saved content came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveKind {
    /// A draft saved again, still a draft.
    DraftSaved,
    /// A draft published as version 1.
    Published,
    /// Trashed content brought back with a new version.
    Restored,
    /// A new version of current content.
    Updated,
}

/// What a save produced.
#[derive(Debug, Clone)]
pub struct Saved {
    pub content: Content,
    pub kind: SaveKind,
}

/// Saves `command` for `caller`, in one transaction (see the module documentation).
pub async fn save(node: &Node, caller: &Caller, command: SavePage) -> Result<Saved, Error> {
    let store = &node.store;
    let id = command.id;
    let existing = store
        .find_content(id)
        .await?
        .ok_or_else(|| Error::content_not_found(id))?;
    access::require(node, caller.user.id, &existing, ContentAction::Edit).await?;
    if let Some(space_key) = command.space_key.as_deref().filter(|key| !key.is_empty()) {
        let space = store
            .find_space_by_id(existing.space_id)
            .await?
            .ok_or_else(|| Error::content_not_found(id))?;
        if space.key.as_str() != space_key {
            return Err(Error::bad_request(
                "moving content to another space is not supported yet",
            ));
        }
    }
    let kind = match (existing.status, &command.status) {
        (ContentStatus::Draft, WantedStatus::Unnamed | WantedStatus::Current) => {
            SaveKind::Published
        }
        (ContentStatus::Draft, WantedStatus::Draft) => SaveKind::DraftSaved,
        (ContentStatus::Draft, WantedStatus::Other(other)) => {
            return Err(Error::bad_request(format!(
                "a draft can be saved as draft or published as current, not {other}"
            )));
        }
        // Confluence restores trashed content through an update with status "current".
        (ContentStatus::Trashed, WantedStatus::Current) => SaveKind::Restored,
        (ContentStatus::Trashed, _) => return Err(Error::content_not_found(id)),
        (ContentStatus::Current, _) => SaveKind::Updated,
    };
    if kind != SaveKind::DraftSaved
        && kind != SaveKind::Published
        && let Some(parent_id) = command.parent_id
    {
        access::viewable_content(node, caller.user.id, parent_id).await?;
    }
    let now = now_ms();
    // Labels and property ids are made ready before the transaction: inside it, nothing but its
    // own statements may touch the database (SQLite has one writer).
    let labels = match &command.labels {
        Some(labels) => Some(store.prepare_labels(labels, now).await?),
        None => None,
    };
    let properties = store.prepare_properties(&command.properties).await?;
    let version = NewVersion {
        author_id: caller.user.id,
        now_ms: now,
        message: command.message,
        minor_edit: command.minor_edit,
    };
    let update = cairn_store::UpdateContent {
        id,
        new_version_number: command.version_number,
        title: command.title,
        body: command.body,
        new_parent_id: command.parent_id,
        version,
    };

    let mut transaction = store.begin_write().await?;
    let written = async {
        let content = match kind {
            SaveKind::DraftSaved | SaveKind::Published => {
                store
                    .save_draft_in(
                        &mut transaction,
                        id,
                        update.title,
                        update.body,
                        update.version,
                        kind == SaveKind::Published,
                    )
                    .await?
            }
            SaveKind::Restored => {
                store.restore_content_in(&mut transaction, id).await?;
                store.update_content_in(&mut transaction, update).await?
            }
            SaveKind::Updated => store.update_content_in(&mut transaction, update).await?,
        };
        // A draft's labels and properties wait for it to be published.
        if kind != SaveKind::DraftSaved {
            if let Some(labels) = &labels {
                store
                    .set_labels_in(&mut transaction, id, labels, now)
                    .await?;
            }
            store
                .put_properties_in(&mut transaction, id, &properties, caller.user.id, now)
                .await?;
        }
        Ok::<Content, cairn_store::StoreError>(content)
    }
    .await;
    let content = match written {
        Ok(content) => {
            transaction.commit().await?;
            content
        }
        Err(error) => {
            drop(transaction);
            return Err(store.with_latest_version(error).await.into());
        }
    };
    tracing::info!(content_id = %id, version = content.version, ?kind, user = %caller.user.username, "content saved");
    if kind == SaveKind::Restored {
        let event =
            crate::audit::content_event(node, "Content restored from the trash", &content).await;
        crate::audit::record(node, caller, event).await;
    }
    Ok(Saved { content, kind })
}

/// A new page or blog post. The body is storage format, already checked by the adapter.
#[derive(Debug, Clone)]
pub struct CreatePage {
    pub content_type: ContentType,
    pub space_key: SpaceKey,
    /// Pages only; `None` puts the page at the space root.
    pub parent_id: Option<ContentId>,
    pub title: String,
    pub body: String,
    /// An unpublished draft, seen only by its creator.
    pub draft: bool,
    pub message: String,
    pub minor_edit: bool,
    /// `(prefix, name)`.
    pub labels: Vec<(String, String)>,
    /// `(key, value_json)`.
    pub properties: Vec<(String, String)>,
}

/// Creates `command` for `caller`: the content, its labels and properties in one transaction.
pub async fn create(node: &Node, caller: &Caller, command: CreatePage) -> Result<Content, Error> {
    let store = &node.store;
    let user = caller.user.id;
    match store.find_space_by_key(&command.space_key).await? {
        Some(space) => {
            access::require_create(node, user, &space, command.content_type, command.parent_id)
                .await?;
        }
        // The store answers that the space does not exist, unless the parent is not the
        // caller's to see: then that comes first, as it would for any space.
        None => {
            if let Some(parent_id) = command.parent_id {
                access::viewable_content(node, user, parent_id).await?;
            }
        }
    }
    let now = now_ms();
    let labels = store.prepare_labels(&command.labels, now).await?;
    let properties = store.prepare_properties(&command.properties).await?;
    let id = store.allocate_content_id().await?;
    let new_content = cairn_store::NewContent {
        content_type: command.content_type,
        space_key: command.space_key.clone(),
        parent_id: command.parent_id,
        title: command.title,
        body: command.body,
        version: NewVersion {
            author_id: user,
            now_ms: now,
            message: command.message,
            minor_edit: command.minor_edit,
        },
    };
    let mut transaction = store.begin_write().await?;
    let content = store
        .create_content_in(&mut transaction, id, new_content, command.draft)
        .await?;
    if !labels.is_empty() {
        store
            .set_labels_in(&mut transaction, id, &labels, now)
            .await?;
    }
    store
        .put_properties_in(&mut transaction, id, &properties, user, now)
        .await?;
    transaction.commit().await?;
    tracing::info!(content_id = %id, space = %command.space_key, draft = command.draft, user = %caller.user.username, "content created");
    Ok(content)
}
