//! Groups and their members, managed by site administrators from the REST API (and, later, the
//! administration screens). The two built-in groups cannot be removed.

use cairn_core::Group;

use crate::audit::{self, Event, category, object};
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// Group `name`; not found when there is none.
pub async fn named(node: &Node, name: &str) -> Result<Group, Error> {
    node.store.find_group(name).await?.ok_or_else(|| {
        Error::new(
            ErrorCode::GroupNotFound,
            format!("No group found with name: {name}"),
        )
    })
}

/// Creates group `name` (lower-cased, as Confluence stores group names).
pub async fn create(node: &Node, caller: &Caller, name: &str) -> Result<Group, Error> {
    crate::access::require_site_administrator(caller, "manage groups")?;
    let group = node.store.create_group(name).await?;
    tracing::info!(group = %group.name, user = %caller.user.username, "group created");
    audit::record(
        node,
        caller,
        Event::new(
            category::USERS_AND_GROUPS,
            "Group created",
            object::GROUP,
            group.name.clone(),
        ),
    )
    .await;
    Ok(group)
}

/// Removes group `name` with its memberships and grants; its restrictions keep naming nobody.
pub async fn delete(node: &Node, caller: &Caller, name: &str) -> Result<(), Error> {
    crate::access::require_site_administrator(caller, "manage groups")?;
    let group = named(node, name).await?;
    if !cairn_core::access::group_is_removable(&group.name) {
        return Err(Error::bad_request(format!(
            "the built-in group {} cannot be removed",
            group.name
        )));
    }
    node.store.delete_group(group.id).await?;
    tracing::info!(group = %group.name, user = %caller.user.username, "group removed");
    audit::record(
        node,
        caller,
        Event::new(
            category::USERS_AND_GROUPS,
            "Group removed",
            object::GROUP,
            group.name.clone(),
        ),
    )
    .await;
    Ok(())
}

/// Whether a membership change adds or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    Add,
    Remove,
}

/// Adds `username` to group `name` or removes them. Adding a member twice or removing one who is
/// not a member changes nothing.
pub async fn change_membership(
    node: &Node,
    caller: &Caller,
    name: &str,
    username: &str,
    change: Membership,
) -> Result<(), Error> {
    crate::access::require_site_administrator(caller, "manage groups")?;
    let group = named(node, name).await?;
    let member = node
        .store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::UserNotFound,
                format!("No user found with username: {username}"),
            )
        })?;
    match change {
        Membership::Add => node.store.add_group_member(group.id, member.id).await?,
        Membership::Remove => {
            node.store.remove_group_member(group.id, member.id).await?;
        }
    }
    // This node forgets at once; others when the journal entry reaches them.
    node.global_permissions.clear();
    tracing::info!(group = %group.name, member = %member.username, ?change, user = %caller.user.username, "group membership changed");
    let summary = match change {
        Membership::Add => "User added to group",
        Membership::Remove => "User removed from group",
    };
    audit::record(
        node,
        caller,
        Event::new(
            category::USERS_AND_GROUPS,
            summary,
            object::USER,
            member.username.clone(),
        )
        .associated(object::GROUP, group.name.clone()),
    )
    .await;
    Ok(())
}
