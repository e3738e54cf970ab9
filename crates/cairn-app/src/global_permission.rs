//! Global permissions (Confluence's): who may use the site, create spaces and personal spaces, and
//! administer it, for users, groups and anonymous visitors. Anonymous access is the anonymous
//! "can use" grant: off until an administrator turns it on, and then only as far as each space's
//! grants to anonymous reach.
//!
//! Site administrators change them (the Global permissions screen, Data Center's
//! `/rest/api/permissions/…/grant` and `…/revoke`); the `confluence-administrators` group keeps
//! its administration grants, so a site always has a way in. Each node caches what every user holds
//! for a short time; the journal drops the cache when grants or memberships change anywhere.

use std::collections::BTreeSet;

use cairn_core::{ADMINISTRATORS_GROUP, ANONYMOUS, GlobalPermission, Subject, UserId};
use cairn_store::{GlobalGrant, GlobalPermissionChange};

use crate::audit::{self, Event, category};
use crate::error::Error;
use crate::space_permission::{Grant, SubjectName};
use crate::{Caller, Node};

/// The global permissions `user` holds (for [`ANONYMOUS`], what anonymous visitors hold), from this
/// node's cache when it can be trusted.
pub async fn held(node: &Node, user: UserId) -> Result<BTreeSet<GlobalPermission>, Error> {
    let trusted = !node.cluster.journal_stalled();
    if trusted && let Some(held) = node.global_permissions.get(user) {
        return Ok(held);
    }
    let held = node.store.global_permissions_of(user).await?;
    node.global_permissions.put(user, held.clone());
    Ok(held)
}

/// Whether anonymous visitors may use the site (read what spaces grant to anonymous).
pub async fn anonymous_access(node: &Node) -> Result<bool, Error> {
    Ok(held(node, ANONYMOUS)
        .await?
        .contains(&GlobalPermission::Use))
}

/// Refuses `caller` unless they hold `permission` (site administrators hold every one).
pub async fn require(
    node: &Node,
    caller: &Caller,
    permission: GlobalPermission,
) -> Result<(), Error> {
    if caller.site_administrator || held(node, caller.user.id).await?.contains(&permission) {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "you do not have the global permission {}",
        permission.label()
    )))
}

/// Every grant, for site administrators.
pub async fn grants(node: &Node, caller: &Caller) -> Result<Vec<GlobalGrant>, Error> {
    crate::access::require_site_administrator(caller, "see the global permissions")?;
    Ok(node.store.global_grants().await?)
}

/// One change a request asks for.
#[derive(Debug, Clone)]
pub struct PermissionChange {
    pub grant: Grant,
    pub permission: GlobalPermission,
    pub subject: SubjectName,
}

/// Applies `changes` together (site administrators). Anonymous visitors can only be granted "can
/// use"; `confluence-administrators` keeps its administration grants.
pub async fn change(
    node: &Node,
    caller: &Caller,
    changes: &[PermissionChange],
) -> Result<(), Error> {
    crate::access::require_site_administrator(caller, "change the global permissions")?;
    if changes.is_empty() {
        return Err(Error::bad_request("name at least one global permission"));
    }
    let administrators = node.store.group_id_by_name(ADMINISTRATORS_GROUP).await?;
    let mut resolved = Vec::with_capacity(changes.len());
    for change in changes {
        let subject = crate::space_permission::resolve(node, &change.subject).await?;
        if subject == Subject::Anonymous
            && !GlobalPermission::FOR_ANONYMOUS.contains(&change.permission)
        {
            return Err(Error::bad_request(format!(
                "anonymous visitors can only be granted {}",
                GlobalPermission::Use.label()
            )));
        }
        if change.grant == Grant::Revoke
            && change.permission.administers()
            && administrators.is_some_and(|group| subject == Subject::Group(group))
        {
            return Err(Error::bad_request(format!(
                "{ADMINISTRATORS_GROUP} keeps its administration permissions: a site must keep a way in"
            )));
        }
        resolved.push(match change.grant {
            Grant::Grant => GlobalPermissionChange::Grant(change.permission, subject),
            Grant::Revoke => GlobalPermissionChange::Revoke(change.permission, subject),
        });
    }
    if !node.store.change_global_permissions(&resolved).await? {
        return Ok(());
    }
    // This node forgets at once; others when the journal entry reaches them.
    node.global_permissions.clear();
    for change in changes {
        let (summary, old, new) = match change.grant {
            Grant::Grant => ("Global permission granted", "", change.permission.label()),
            Grant::Revoke => ("Global permission revoked", change.permission.label(), ""),
        };
        let (subject_type, subject_name) = change.subject.label();
        tracing::info!(permission = change.permission.as_str(), grant = ?change.grant, subject = %subject_name, user = %caller.user.username, "global permission changed");
        audit::record(
            node,
            caller,
            Event::new(category::PERMISSIONS, summary, subject_type, subject_name).changed(
                "global permission",
                old,
                new,
            ),
        )
        .await;
    }
    Ok(())
}
