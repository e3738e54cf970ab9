//! Spaces: creating one (with its home page), changing its name, description and home page, and
//! deleting it with everything in it. The REST API and the UI's forms call these alike.

use cairn_core::{ContentId, Space, SpaceKey, SpacePermission};
use cairn_store::NewSpace;

use crate::access;
use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// A space to create. The key is checked here (letters and digits, upper-cased).
#[derive(Debug, Clone)]
pub struct CreateSpace {
    pub key: String,
    /// The space's name; the key when none is given.
    pub name: Option<String>,
    pub description: String,
}

/// Creates a global space and its home page: those with the global permission "Create space" may
/// (every member of confluence-users, until an administrator changes it).
pub async fn create(node: &Node, caller: &Caller, command: CreateSpace) -> Result<Space, Error> {
    crate::global_permission::require(node, caller, cairn_core::GlobalPermission::CreateSpace)
        .await?;
    let key =
        SpaceKey::new_global(&command.key).map_err(|error| Error::bad_request(error.message))?;
    let name = command.name.unwrap_or_else(|| command.key.clone());
    let space = node
        .store
        .create_space(NewSpace {
            space_type: cairn_core::SpaceType::Global,
            key,
            name,
            description: command.description,
            creator_id: caller.user.id,
            now_ms: now_ms(),
        })
        .await?;
    tracing::info!(space = %space.key, user = %caller.user.username, "space created");
    audit::record(
        node,
        caller,
        Event::new(
            category::SPACES,
            "Space created",
            object::SPACE,
            space.name.clone(),
        )
        .with_id(space.key.as_str()),
    )
    .await;
    Ok(space)
}

/// Creates `caller`'s personal space (`~username`, named after them), for those with the global
/// permission "Create personal space". Every user may read it and comment; its owner holds every
/// permission. A second one is refused.
pub async fn create_personal(node: &Node, caller: &Caller) -> Result<Space, Error> {
    crate::global_permission::require(
        node,
        caller,
        cairn_core::GlobalPermission::CreatePersonalSpace,
    )
    .await?;
    let key = SpaceKey::personal(&caller.user.username);
    if node.store.find_space_by_key(&key).await?.is_some() {
        return Err(Error::new(
            crate::ErrorCode::SpaceKeyTaken,
            format!("{} already has a personal space", caller.user.username),
        ));
    }
    let name = if caller.user.display_name.trim().is_empty() {
        caller.user.username.clone()
    } else {
        caller.user.display_name.clone()
    };
    let space = node
        .store
        .create_space(NewSpace {
            key,
            space_type: cairn_core::SpaceType::Personal,
            name,
            description: String::new(),
            creator_id: caller.user.id,
            now_ms: now_ms(),
        })
        .await?;
    tracing::info!(space = %space.key, user = %caller.user.username, "personal space created");
    audit::record(
        node,
        caller,
        Event::new(
            category::SPACES,
            "Personal space created",
            object::SPACE,
            space.name.clone(),
        )
        .with_id(space.key.as_str()),
    )
    .await;
    Ok(space)
}

/// What changes about a space; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct UpdateSpace {
    pub name: Option<String>,
    pub description: Option<String>,
    /// A new home page: a page of any space the caller can view.
    pub homepage: Option<ContentId>,
}

/// Changes a space's name, description or home page; its administrators may.
pub async fn update(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
    command: UpdateSpace,
) -> Result<Space, Error> {
    let existing = node.store.space_by_key(key).await?;
    access::require_space_permission(
        node,
        caller.user.id,
        &existing,
        SpacePermission::SetSpacePermissions,
    )
    .await?;
    if let Some(homepage) = command.homepage {
        // A home page the caller cannot see does not exist for them.
        access::viewable_content(node, caller.user.id, homepage).await?;
    }
    let space = node
        .store
        .update_space(
            key,
            command.name.as_deref(),
            command.description.as_deref(),
            command.homepage,
        )
        .await?;
    tracing::info!(space = %space.key, user = %caller.user.username, "space updated");
    let mut event = Event::new(
        category::SPACES,
        "Space updated",
        object::SPACE,
        space.name.clone(),
    )
    .with_id(space.key.as_str());
    if existing.name != space.name {
        event = event.changed("name", existing.name.clone(), space.name.clone());
    }
    if existing.description != space.description {
        event = event.changed(
            "description",
            existing.description.clone(),
            space.description.clone(),
        );
    }
    audit::record(node, caller, event).await;
    Ok(space)
}

/// Deletes a space with its content, attachments, permissions and watches, in one transaction,
/// as a long task (Confluence answers a space deletion with one). Returns the task's id; the task
/// is finished when this returns, successfully or not. Attachment bytes are removed after the
/// rows; bytes a crash leaves behind are the orphan sweeper's.
pub async fn delete(node: &Node, caller: &Caller, key: &SpaceKey) -> Result<i64, Error> {
    let space = node.store.space_by_key(key).await?;
    access::require_space_permission(
        node,
        caller.user.id,
        &space,
        SpacePermission::SetSpacePermissions,
    )
    .await?;
    let task = node
        .store
        .start_task(
            &format!("Delete space {}", space.key),
            caller.user.id,
            &node.cluster.node_id,
            now_ms(),
        )
        .await?;
    match node.store.delete_space(space.id).await {
        Ok(blob_keys) => {
            // The rows that named these bytes are gone with the space.
            for blob_key in blob_keys {
                if let Ok(blob_key) = cairn_blob::BlobKey::new(blob_key) {
                    let _ = node.blobs.delete(&blob_key).await;
                }
            }
            node.store
                .finish_task(
                    task,
                    true,
                    &format!("Space {} deleted", space.key),
                    now_ms(),
                )
                .await?;
            tracing::info!(space = %space.key, user = %caller.user.username, "space deleted");
            audit::record(
                node,
                caller,
                Event::new(
                    category::SPACES,
                    "Space deleted",
                    object::SPACE,
                    space.name.clone(),
                )
                .with_id(space.key.as_str()),
            )
            .await;
            Ok(task)
        }
        Err(error) => {
            node.store
                .finish_task(
                    task,
                    false,
                    "Space deletion failed; nothing was deleted",
                    now_ms(),
                )
                .await?;
            Err(error.into())
        }
    }
}
