//! Granting and revoking space permissions, from the REST API, Confluence's JSON-RPC API and the
//! space's permissions screen alike: the space's administrators (SETSPACEPERMISSIONS) may, and a
//! request's changes commit together or not at all.

use cairn_core::{Space, SpaceKey, SpacePermission, Subject};
use cairn_store::SpacePermissionChange;

use crate::access;
use crate::error::Error;
use crate::restriction::subject_by_name;
use crate::{Caller, Node};

/// Who a permission change is about, as a request names them.
#[derive(Debug, Clone)]
pub enum SubjectName {
    /// `user`, `group` or `anonymous`, and a name (REST and the UI).
    Typed { kind: String, name: String },
    /// A username or, failing that, a group name; empty is anonymous (Confluence's JSON-RPC API).
    UserOrGroup(String),
}

/// Grant or revoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Grant,
    Revoke,
}

/// One change a request asks for.
#[derive(Debug, Clone)]
pub struct PermissionChange {
    pub grant: Grant,
    pub permission: SpacePermission,
    pub subject: SubjectName,
}

/// Applies `changes` to the permissions of space `key` in one transaction, after checking that
/// `caller` administers the space (404 when they cannot see it, 403 when they may not). Returns
/// the space and each change's subject as resolved.
pub async fn change(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
    changes: &[PermissionChange],
) -> Result<(Space, Vec<Subject>), Error> {
    let space = node.store.space_by_key(key).await?;
    access::require_space_permission(
        node,
        caller.user.id,
        &space,
        SpacePermission::SetSpacePermissions,
    )
    .await?;
    if changes.is_empty() {
        return Err(Error::bad_request("name at least one space permission"));
    }
    let mut subjects = Vec::with_capacity(changes.len());
    let mut resolved = Vec::with_capacity(changes.len());
    for change in changes {
        let subject = resolve(node, &change.subject).await?;
        subjects.push(subject);
        resolved.push(match change.grant {
            Grant::Grant => SpacePermissionChange::Grant(change.permission, subject),
            Grant::Revoke => SpacePermissionChange::Revoke(change.permission, subject),
        });
    }
    node.store
        .change_space_permissions(space.id, &resolved)
        .await?;
    for change in changes {
        tracing::info!(
            space = %space.key,
            permission = change.permission.as_str(),
            grant = ?change.grant,
            user = %caller.user.username,
            "space permission changed"
        );
    }
    Ok((space, subjects))
}

async fn resolve(node: &Node, subject: &SubjectName) -> Result<Subject, Error> {
    match subject {
        SubjectName::Typed { kind, name } => subject_by_name(node, kind, name).await,
        SubjectName::UserOrGroup(name) if name.is_empty() => Ok(Subject::Anonymous),
        SubjectName::UserOrGroup(name) => {
            if let Some(user) = node.store.find_user_by_username(name).await? {
                return Ok(Subject::User(user.id));
            }
            node.store
                .group_id_by_name(name)
                .await?
                .map(Subject::Group)
                .ok_or_else(|| Error::bad_request(format!("no user or group {name}")))
        }
    }
}
