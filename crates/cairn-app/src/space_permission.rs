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

impl SubjectName {
    /// What the subject is and its name, as the audit log names it.
    pub fn label(&self) -> (&'static str, String) {
        match self {
            SubjectName::Typed { kind, name } => match kind.as_str() {
                "user" => (crate::audit::object::USER, name.clone()),
                "group" => (crate::audit::object::GROUP, name.clone()),
                _ => (crate::audit::object::ANONYMOUS, "anonymous".to_string()),
            },
            SubjectName::UserOrGroup(name) if name.is_empty() => {
                (crate::audit::object::ANONYMOUS, "anonymous".to_string())
            }
            SubjectName::UserOrGroup(name) => ("User or group", name.clone()),
        }
    }
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
        let (summary, old, new) = match change.grant {
            Grant::Grant => ("Space permission granted", "", change.permission.as_str()),
            Grant::Revoke => ("Space permission revoked", change.permission.as_str(), ""),
        };
        let (subject_type, subject_name) = change.subject.label();
        crate::audit::record(
            node,
            caller,
            crate::audit::Event::new(
                crate::audit::category::PERMISSIONS,
                summary,
                crate::audit::object::SPACE,
                space.name.clone(),
            )
            .with_id(space.key.as_str())
            .associated(subject_type, subject_name)
            .changed("permission", old, new),
        )
        .await;
    }
    Ok((space, subjects))
}

pub(crate) async fn resolve(node: &Node, subject: &SubjectName) -> Result<Subject, Error> {
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
