//! Rows of an import (a Confluence export): content, versions, comments, labels, attachments and
//! users written as the export describes them (their ids, numbers, authors and times), each with
//! its journal entry, inside the importer's one `WriteTx`.
//!
//! Ids: an imported id is kept when it is at or above the content sequence's next value, which
//! no node has handed out or reserved; the others get fresh ids after every kept one; and the
//! sequence moves past them all ([`Store::reserve_import_ids`]), so no node ever allocates them.

use std::collections::{BTreeSet, HashMap};

use cairn_core::{
    CommentLocation, ContentId, ContentType, GroupId, RestrictionOperation, SpaceId, SpaceKey,
    SpacePermission, SpaceType, Subject, UserId,
};
use sqlx::Row;

use crate::error::{StoreError, is_unique_violation};
use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreResult, StoredFile, Unjournaled, WriteTx};

/// Ids stay below 2^53 (JavaScript clients read them exactly).
const MAX_ID: i64 = (1 << 53) - 1;

/// A space as imported.
#[derive(Debug, Clone)]
pub struct ImportedSpace {
    pub id: SpaceId,
    pub key: SpaceKey,
    pub name: String,
    pub description: String,
    pub space_type: SpaceType,
    pub homepage_id: Option<ContentId>,
    pub creator_id: UserId,
    pub created_ms: i64,
    /// The space permissions of the export; `None`: the grants a new space gets.
    pub grants: Option<Vec<(SpacePermission, Subject)>>,
}

/// One version of imported content.
#[derive(Debug, Clone)]
pub struct ImportedVersion {
    pub number: i32,
    pub title: String,
    pub body: String,
    pub author_id: UserId,
    pub created_ms: i64,
    pub message: String,
    pub minor_edit: bool,
}

/// A page, blog post or comment as imported, with its versions (oldest first; the last is the
/// current one, whose number the content row carries, even when older numbers are missing).
#[derive(Debug, Clone)]
pub struct ImportedContent {
    pub id: ContentId,
    pub content_type: ContentType,
    pub trashed: bool,
    pub space_id: SpaceId,
    /// The space's key, for messages.
    pub space_key: SpaceKey,
    /// The parent page, or for a comment the comment it replies to.
    pub parent_id: Option<ContentId>,
    pub position: Option<i64>,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub versions: Vec<ImportedVersion>,
    /// For a comment: the page or blog post it is on.
    pub comment_container: Option<ContentId>,
    /// For a comment: footer or inline.
    pub comment_location: CommentLocation,
    /// For an inline comment: its `inlineProperties` JSON (`markerRef`, `originalSelection`).
    pub inline_properties: Option<String>,
}

/// A content property as imported (Confluence's JSON content properties).
#[derive(Debug, Clone)]
pub struct ImportedProperty {
    pub content_id: ContentId,
    pub key: String,
    pub value_json: String,
    pub version: i32,
    pub modifier_id: UserId,
    pub modified_ms: i64,
}

/// An attachment as imported, with the stored bytes of each version (oldest first).
#[derive(Debug, Clone)]
pub struct ImportedAttachment {
    pub id: ContentId,
    pub container_id: ContentId,
    pub space_id: SpaceId,
    pub title: String,
    pub trashed: bool,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub versions: Vec<(i32, StoredFile)>,
}

/// A user an import creates: deactivated, without a password (nobody can sign in as them until an
/// administrator activates them and a password is set).
#[derive(Debug, Clone)]
pub struct ImportedUser {
    pub id: UserId,
    pub username: String,
    pub user_key: String,
    pub display_name: String,
    pub email: String,
    pub created_ms: i64,
}

impl Store {
    /// Reserves the content ids of an import: `wanted` ids at or above the sequence's next value
    /// (and below 2^53) are kept, the others are mapped to fresh ids above every kept one, and the
    /// sequence moves past all of them. Answers `old -> new` for every wanted id. Committed at
    /// once, like any block reservation: if the import then fails, the ids are simply never used.
    pub async fn reserve_import_ids(&self, wanted: &[i64]) -> StoreResult<HashMap<i64, i64>> {
        let mut transaction = self.begin_write().await?;
        // Locks the sequence's row until commit (SQLite: the write lock), so no node reserves a
        // block between the read and the move.
        sqlx::query(self.sql("UPDATE id_block SET next_value = next_value WHERE name = ?"))
            .bind("content")
            .execute(&mut *transaction)
            .await?;
        let next: i64 = sqlx::query(self.sql("SELECT next_value FROM id_block WHERE name = ?"))
            .bind("content")
            .fetch_one(&mut *transaction)
            .await?
            .try_get("next_value")?;
        let unique: BTreeSet<i64> = wanted.iter().copied().collect();
        let kept_end = unique
            .iter()
            .copied()
            .filter(|id| *id >= next && *id <= MAX_ID)
            .max()
            .map_or(next, |highest| highest + 1);
        let mut fresh = kept_end;
        let mut mapping = HashMap::with_capacity(unique.len());
        for id in unique {
            if id >= next && id <= MAX_ID {
                mapping.insert(id, id);
            } else {
                mapping.insert(id, fresh);
                fresh += 1;
            }
        }
        if fresh > MAX_ID {
            return Err(cairn_core::ValidationError::new(
                "the import needs ids beyond 2^53".to_string(),
            )
            .into());
        }
        sqlx::query(self.sql("UPDATE id_block SET next_value = ? WHERE name = ?"))
            .bind(fresh)
            .bind("content")
            .execute(&mut *transaction)
            .await?;
        transaction
            .commit_unjournaled(Unjournaled::IdAllocation)
            .await?;
        Ok(mapping)
    }

    /// A fresh space id.
    pub async fn allocate_space_id(&self) -> StoreResult<SpaceId> {
        Ok(SpaceId(self.next_id(Sequence::Space).await?))
    }

    /// A fresh user id.
    pub async fn allocate_user_id(&self) -> StoreResult<UserId> {
        Ok(UserId(self.next_id(Sequence::User).await?))
    }

    /// A fresh label id.
    pub async fn allocate_label_id(&self) -> StoreResult<i64> {
        self.next_id(Sequence::Label).await
    }

    /// The id of label `prefix:name`, when it exists.
    pub async fn find_label_id(&self, prefix: &str, name: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query(self.sql("SELECT id FROM label WHERE prefix = ? AND name = ?"))
            .bind(prefix)
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
    }

    /// Inserts an imported space with the grants a new space starts with (its creator holds every
    /// permission, every user the defaults).
    pub async fn import_space_in(
        &self,
        transaction: &mut WriteTx,
        space: &ImportedSpace,
    ) -> StoreResult<()> {
        let inserted = sqlx::query(self.sql(
            "INSERT INTO space (id, space_key, name, description, space_type, status, homepage_id, creator_id, created_ms) VALUES (?, ?, ?, ?, ?, 'current', ?, ?, ?)",
        ))
        .bind(space.id.0)
        .bind(space.key.as_str())
        .bind(&space.name)
        .bind(&space.description)
        .bind(space.space_type.as_str())
        .bind(space.homepage_id.map(|id| id.0))
        .bind(space.creator_id.0)
        .bind(space.created_ms)
        .execute(&mut **transaction)
        .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(StoreError::SpaceKeyTaken(space.key.clone()));
            }
            return Err(error.into());
        }
        match &space.grants {
            None => {
                crate::permission::grant_new_space_defaults(
                    self,
                    transaction,
                    space.id,
                    space.creator_id,
                    space.space_type,
                )
                .await?
            }
            Some(grants) => {
                let unique: BTreeSet<(&str, &str, i64)> = grants
                    .iter()
                    .map(|(permission, subject)| {
                        (permission.as_str(), subject.type_name(), subject.id_value())
                    })
                    .collect();
                for (permission, subject_type, subject_id) in unique {
                    sqlx::query(self.sql(
                        "INSERT INTO space_permission (space_id, permission, subject_type, subject_id) VALUES (?, ?, ?, ?)",
                    ))
                    .bind(space.id.0)
                    .bind(permission)
                    .bind(subject_type)
                    .bind(subject_id)
                    .execute(&mut **transaction)
                    .await?;
                }
            }
        }
        let change =
            Change::of_space(ChangeKind::SpaceCreated, space.id).with_payload(space.key.as_str());
        record(self, transaction, &change).await
    }

    /// Inserts imported content with all its versions (and, for a comment, its comment facts).
    pub async fn import_content_in(
        &self,
        transaction: &mut WriteTx,
        content: &ImportedContent,
    ) -> StoreResult<()> {
        let Some(current) = content.versions.last() else {
            return Err(StoreError::ContentNotFound(content.id));
        };
        let first = &content.versions[0];
        let live_title = (!content.trashed && content.content_type != ContentType::Comment)
            .then(|| current.title.to_lowercase());
        let inserted = sqlx::query(self.sql(
            "INSERT INTO content (id, content_type, status, space_id, parent_id, position, title, live_title, body, version, creator_id, created_ms, last_modifier_id, last_modified_ms, version_message, minor_edit, trashed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(content.id.0)
        .bind(content.content_type.as_str())
        .bind(if content.trashed { "trashed" } else { "current" })
        .bind(content.space_id.0)
        .bind(content.parent_id.map(|id| id.0))
        .bind(content.position)
        .bind(&current.title)
        .bind(live_title)
        .bind(&current.body)
        .bind(current.number)
        .bind(content.creator_id.0)
        .bind(content.created_ms.min(first.created_ms))
        .bind(current.author_id.0)
        .bind(current.created_ms)
        .bind(&current.message)
        .bind(i16::from(current.minor_edit))
        .bind(content.trashed.then_some(current.created_ms))
        .execute(&mut **transaction)
        .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(StoreError::TitleTaken {
                    title: current.title.clone(),
                    space_key: content.space_key.clone(),
                });
            }
            return Err(error.into());
        }
        for version in &content.versions {
            sqlx::query(self.sql(
                "INSERT INTO content_version (content_id, number, title, body, author_id, created_ms, message, minor_edit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(content.id.0)
            .bind(version.number)
            .bind(&version.title)
            .bind(&version.body)
            .bind(version.author_id.0)
            .bind(version.created_ms)
            .bind(&version.message)
            .bind(i16::from(version.minor_edit))
            .execute(&mut **transaction)
            .await?;
        }
        if let Some(container) = content.comment_container {
            sqlx::query(self.sql(
                "INSERT INTO comment_meta (content_id, container_id, location, inline_properties) VALUES (?, ?, ?, ?)",
            ))
            .bind(content.id.0)
            .bind(container.0)
            .bind(content.comment_location.as_str())
            .bind(content.inline_properties.as_deref())
            .execute(&mut **transaction)
            .await?;
        }
        let mut change = Change::of_content_id(ChangeKind::ContentCreated, content.id)
            .with_payload(content.content_type.as_str());
        change.space_id = Some(content.space_id.0);
        record(self, transaction, &change).await
    }

    /// Puts label `prefix:name` on `content_id`, creating the label under `new_label_id` when it
    /// does not exist. The content's own journal entry covers it (the content is new).
    pub async fn import_label_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
        prefix: &str,
        name: &str,
        new_label_id: i64,
        created_ms: i64,
    ) -> StoreResult<()> {
        let existing = sqlx::query(self.sql("SELECT id FROM label WHERE prefix = ? AND name = ?"))
            .bind(prefix)
            .bind(name)
            .fetch_optional(&mut **transaction)
            .await?;
        let label_id =
            match existing {
                Some(row) => row.try_get("id")?,
                None => {
                    sqlx::query(self.sql(
                        "INSERT INTO label (id, prefix, name, created_ms) VALUES (?, ?, ?, ?)",
                    ))
                    .bind(new_label_id)
                    .bind(prefix)
                    .bind(name)
                    .bind(created_ms)
                    .execute(&mut **transaction)
                    .await?;
                    new_label_id
                }
            };
        sqlx::query(
            self.sql(
                "INSERT INTO content_label (content_id, label_id, created_ms) VALUES (?, ?, ?)",
            ),
        )
        .bind(content_id.0)
        .bind(label_id)
        .bind(created_ms)
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }

    /// Inserts an imported attachment and its versions, whose bytes are stored already.
    pub async fn import_attachment_in(
        &self,
        transaction: &mut WriteTx,
        attachment: &ImportedAttachment,
    ) -> StoreResult<()> {
        let Some((number, current)) = attachment.versions.last() else {
            return Err(StoreError::ContentNotFound(attachment.id));
        };
        let inserted = sqlx::query(self.sql(
            "INSERT INTO attachment (id, container_id, space_id, title, live_title, status, version, media_type, size_bytes, comment, creator_id, created_ms, last_modifier_id, last_modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(attachment.id.0)
        .bind(attachment.container_id.0)
        .bind(attachment.space_id.0)
        .bind(&attachment.title)
        .bind((!attachment.trashed).then_some(attachment.title.as_str()))
        .bind(if attachment.trashed { "trashed" } else { "current" })
        .bind(*number)
        .bind(&current.media_type)
        .bind(current.size_bytes)
        .bind(&current.comment)
        .bind(attachment.creator_id.0)
        .bind(attachment.created_ms)
        .bind(current.author_id.0)
        .bind(current.now_ms)
        .execute(&mut **transaction)
        .await;
        match inserted {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::AttachmentNameTaken(attachment.title.clone()));
            }
            Err(error) => return Err(error.into()),
        }
        for (number, file) in &attachment.versions {
            sqlx::query(self.sql(
                "INSERT INTO attachment_version (attachment_id, number, media_type, size_bytes, sha256, blob_key, comment, minor_edit, author_id, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(attachment.id.0)
            .bind(*number)
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
        }
        let change = Change {
            kind: ChangeKind::AttachmentCreated,
            entity_id: Some(attachment.id.0),
            space_id: Some(attachment.space_id.0),
            payload: format!("container={}", attachment.container_id.0),
        };
        record(self, transaction, &change).await
    }

    /// Inserts a user an import needs (deactivated, without a password).
    pub async fn import_user_in(
        &self,
        transaction: &mut WriteTx,
        user: &ImportedUser,
    ) -> StoreResult<()> {
        let inserted = sqlx::query(self.sql(
            "INSERT INTO app_user (id, username, user_key, display_name, email, password_hash, active, created_ms) VALUES (?, ?, ?, ?, ?, '', 0, ?)",
        ))
        .bind(user.id.0)
        .bind(&user.username)
        .bind(&user.user_key)
        .bind(&user.display_name)
        .bind(&user.email)
        .bind(user.created_ms)
        .execute(&mut **transaction)
        .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(StoreError::UsernameTaken(user.username.clone()));
            }
            return Err(error.into());
        }
        let change =
            Change::of_user(ChangeKind::UserCreated, user.id).with_payload(user.username.as_str());
        record(self, transaction, &change).await
    }

    /// A fresh group id.
    pub async fn allocate_group_id(&self) -> StoreResult<GroupId> {
        Ok(GroupId(self.next_id(Sequence::Group).await?))
    }

    /// A fresh content property id.
    pub async fn allocate_property_id(&self) -> StoreResult<i64> {
        self.next_id(Sequence::Property).await
    }

    /// Inserts a group an import brings (its name lower-cased and free).
    pub async fn import_group_in(
        &self,
        transaction: &mut WriteTx,
        id: GroupId,
        name: &str,
        created_ms: i64,
    ) -> StoreResult<()> {
        let inserted =
            sqlx::query(self.sql("INSERT INTO user_group (id, name, created_ms) VALUES (?, ?, ?)"))
                .bind(id.0)
                .bind(name)
                .bind(created_ms)
                .execute(&mut **transaction)
                .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(cairn_core::ValidationError::new(format!(
                    "group {name} exists already"
                ))
                .into());
            }
            return Err(error.into());
        }
        let change = Change {
            kind: ChangeKind::GroupCreated,
            entity_id: Some(id.0),
            space_id: None,
            payload: name.to_string(),
        };
        record(self, transaction, &change).await
    }

    /// Makes `user` a member of `group` (nothing when they are one already).
    pub async fn import_membership_in(
        &self,
        transaction: &mut WriteTx,
        group: GroupId,
        user: UserId,
    ) -> StoreResult<()> {
        let present: i64 = sqlx::query(self.sql(
            "SELECT COUNT(*) AS memberships FROM group_member WHERE group_id = ? AND user_id = ?",
        ))
        .bind(group.0)
        .bind(user.0)
        .fetch_one(&mut **transaction)
        .await?
        .try_get("memberships")?;
        if present > 0 {
            return Ok(());
        }
        sqlx::query(self.sql("INSERT INTO group_member (group_id, user_id) VALUES (?, ?)"))
            .bind(group.0)
            .bind(user.0)
            .execute(&mut **transaction)
            .await?;
        let change = Change {
            kind: ChangeKind::GroupMembersChanged,
            entity_id: Some(group.0),
            space_id: None,
            payload: format!("added={}", user.0),
        };
        record(self, transaction, &change).await
    }

    /// Inserts the restrictions of one imported page or blog post.
    pub async fn import_restrictions_in(
        &self,
        transaction: &mut WriteTx,
        content_id: ContentId,
        restrictions: &[(RestrictionOperation, Subject)],
    ) -> StoreResult<()> {
        let unique: BTreeSet<(&str, &str, i64)> = restrictions
            .iter()
            .map(|(operation, subject)| {
                (operation.as_str(), subject.type_name(), subject.id_value())
            })
            .collect();
        for (operation, subject_type, subject_id) in unique {
            sqlx::query(self.sql(
                "INSERT INTO content_restriction (content_id, operation, subject_type, subject_id) VALUES (?, ?, ?, ?)",
            ))
            .bind(content_id.0)
            .bind(operation)
            .bind(subject_type)
            .bind(subject_id)
            .execute(&mut **transaction)
            .await?;
        }
        let change = Change::of_content_id(ChangeKind::RestrictionsChanged, content_id);
        record(self, transaction, &change).await
    }

    /// Inserts an imported content property under `id`.
    pub async fn import_property_in(
        &self,
        transaction: &mut WriteTx,
        id: i64,
        property: &ImportedProperty,
    ) -> StoreResult<()> {
        sqlx::query(self.sql(
            "INSERT INTO content_property (id, content_id, property_key, value_json, version, modifier_id, modified_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(id)
        .bind(property.content_id.0)
        .bind(&property.key)
        .bind(&property.value_json)
        .bind(property.version)
        .bind(property.modifier_id.0)
        .bind(property.modified_ms)
        .execute(&mut **transaction)
        .await?;
        let change = Change::of_content_id(ChangeKind::PropertiesChanged, property.content_id)
            .with_payload(property.key.as_str());
        record(self, transaction, &change).await
    }

    /// Records that `user` watches `target` (nothing when they do already).
    pub async fn import_watch_in(
        &self,
        transaction: &mut WriteTx,
        user: UserId,
        target: &crate::WatchTarget,
        created_ms: i64,
    ) -> StoreResult<()> {
        let (target_type, target_key) = target.stored();
        let present: i64 = sqlx::query(self.sql(
            "SELECT COUNT(*) AS watches FROM watch WHERE user_id = ? AND target_type = ? AND target_key = ?",
        ))
        .bind(user.0)
        .bind(target_type)
        .bind(&target_key)
        .fetch_one(&mut **transaction)
        .await?
        .try_get("watches")?;
        if present > 0 {
            return Ok(());
        }
        sqlx::query(self.sql(
            "INSERT INTO watch (user_id, target_type, target_key, created_ms) VALUES (?, ?, ?, ?)",
        ))
        .bind(user.0)
        .bind(target_type)
        .bind(&target_key)
        .bind(created_ms)
        .execute(&mut **transaction)
        .await?;
        let change = Change {
            kind: ChangeKind::WatchesChanged,
            entity_id: Some(user.0),
            space_id: None,
            payload: format!("{target_type}={target_key}"),
        };
        record(self, transaction, &change).await
    }
}
