//! Content properties (JSON values under a key, versioned), for whoever may edit the content they
//! hang on (or the page an attachment is on).

use cairn_core::{ContentId, ContentProperty};

use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

fn not_found(key: &str) -> Error {
    Error::new(
        ErrorCode::PropertyNotFound,
        format!("Cannot find property with key: {key}"),
    )
}

/// Creates property `key` at version 1; a key that exists is a conflict.
pub async fn create(
    node: &Node,
    caller: &Caller,
    target: ContentId,
    key: &str,
    value_json: &str,
) -> Result<ContentProperty, Error> {
    access::require_edit_target(node, caller.user.id, target).await?;
    let property = node
        .store
        .create_property(target, key, value_json, caller.user.id, now_ms())
        .await?;
    Ok(property)
}

/// Sets property `key` as version `new_version`, which must be the current one plus one (a key
/// that does not exist yet is created).
pub async fn update(
    node: &Node,
    caller: &Caller,
    target: ContentId,
    key: &str,
    value_json: &str,
    new_version: i32,
) -> Result<ContentProperty, Error> {
    access::require_edit_target(node, caller.user.id, target).await?;
    let property = node
        .store
        .update_property(
            target,
            key,
            value_json,
            new_version,
            caller.user.id,
            now_ms(),
        )
        .await?;
    Ok(property)
}

/// Deletes property `key`; not found when there is none.
pub async fn delete(
    node: &Node,
    caller: &Caller,
    target: ContentId,
    key: &str,
) -> Result<(), Error> {
    access::require_edit_target(node, caller.user.id, target).await?;
    if node.store.delete_property(target, key).await? {
        Ok(())
    } else {
        Err(not_found(key))
    }
}
