//! Changing a page's restrictions, from `…/content/{id}/restriction` and the UI's Restrictions
//! screen alike.
//!
//! The change and the lock-out rule (whoever restricts a page stays among those let in,
//! [`cairn_core::restrictions_lock_out`]) run in one transaction that holds the page's row lock:
//! two changes of the same page's restrictions cannot both pass the rule against what they read
//! and together shut everyone out.

use cairn_core::{
    Content, ContentStatus, Restriction, RestrictionOperation, SpacePermission, Subject, UserId,
    restrictions_lock_out,
};

use crate::access::{self, ContentAction};
use crate::error::Error;
use crate::{Caller, Node};

/// What to do to a page's restrictions.
#[derive(Debug, Clone)]
pub enum RestrictionChange {
    /// The restrictions of each of `operations` become those of `restrictions` for it; other
    /// operations keep theirs.
    Replace {
        operations: Vec<RestrictionOperation>,
        restrictions: Vec<Restriction>,
    },
    /// `restrictions` join those there are.
    Add(Vec<Restriction>),
}

impl RestrictionChange {
    /// Every restriction goes.
    pub fn remove_all() -> RestrictionChange {
        RestrictionChange::Replace {
            operations: RestrictionOperation::ALL.to_vec(),
            restrictions: Vec::new(),
        }
    }
}

/// Whether `user` administers the space of `content` (they manage the restrictions of every page
/// in it, even those that shut them out).
pub async fn administers_space_of(
    node: &Node,
    user: UserId,
    content: &Content,
) -> Result<bool, Error> {
    Ok(node
        .store
        .space_permissions_of(user, content.space_id)
        .await?
        .contains(&SpacePermission::SetSpacePermissions))
}

/// Space administrators may restrict any page of their space; anyone else needs to view the
/// content (not found otherwise), to edit it and to set restrictions in its space (forbidden).
pub async fn require_restrict(node: &Node, user: UserId, content: &Content) -> Result<(), Error> {
    if administers_space_of(node, user, content).await? {
        return Ok(());
    }
    access::require(node, user, content, ContentAction::Edit).await?;
    let space = node
        .store
        .find_space_by_id(content.space_id)
        .await?
        .ok_or_else(|| Error::content_not_found(content.id))?;
    access::require_space_permission(node, user, &space, SpacePermission::SetPagePermissions).await
}

/// A page or blog post whose restrictions `user` may see: one they may view, or any current one
/// of a space they administer (so a space administrator can reopen a page that shuts them out).
pub async fn restricted_content(
    node: &Node,
    user: UserId,
    id: cairn_core::ContentId,
) -> Result<Content, Error> {
    match access::viewable_content(node, user, id).await {
        Ok(content) => Ok(content),
        Err(not_visible) => match node.store.find_content(id).await? {
            Some(content)
                if content.status == ContentStatus::Current
                    && administers_space_of(node, user, &content).await? =>
            {
                Ok(content)
            }
            _ => Err(not_visible),
        },
    }
}

/// A user or group named in a permission request (`user`, `group` or `anonymous`).
pub async fn subject_by_name(node: &Node, kind: &str, name: &str) -> Result<Subject, Error> {
    match kind {
        "user" => node
            .store
            .find_user_by_username(name)
            .await?
            .map(|user| Subject::User(user.id))
            .ok_or_else(|| Error::bad_request(format!("no user {name}"))),
        "group" => node
            .store
            .group_id_by_name(name)
            .await?
            .map(Subject::Group)
            .ok_or_else(|| Error::bad_request(format!("no group {name}"))),
        "anonymous" => Ok(Subject::Anonymous),
        other => Err(Error::bad_request(format!(
            "subject type {other} is not user, group or anonymous"
        ))),
    }
}

/// Applies `change` to the restrictions of `content` for `caller`, in one transaction with the
/// lock-out rule (see the module documentation).
pub async fn change(
    node: &Node,
    caller: &Caller,
    content: &Content,
    change: RestrictionChange,
) -> Result<(), Error> {
    let user = caller.user.id;
    require_restrict(node, user, content).await?;
    let store = &node.store;
    let before = describe_restrictions(&store.content_restrictions(content.id).await?);
    let mut transaction = store.begin_write().await?;
    let decided = async {
        let current = store
            .lock_content_restrictions_in(&mut transaction, content.id)
            .await?;
        let (operations, wanted) = match change {
            RestrictionChange::Replace {
                operations,
                restrictions,
            } => (operations, restrictions),
            RestrictionChange::Add(added) => {
                let mut all = current.clone();
                all.extend(added);
                (RestrictionOperation::ALL.to_vec(), all)
            }
        };
        let mut combined: Vec<Restriction> = current
            .into_iter()
            .filter(|restriction| !operations.contains(&restriction.operation))
            .collect();
        combined.extend(
            wanted
                .iter()
                .filter(|restriction| operations.contains(&restriction.operation))
                .copied(),
        );
        let groups = store.group_ids_of_in(&mut transaction, user).await?;
        if let Some(operation) = restrictions_lock_out(user, &groups, &combined) {
            return Ok(Err(Error::bad_request(format!(
                "these {} restrictions would lock you out: include yourself or a group you belong to",
                operation.as_str()
            ))));
        }
        store
            .replace_content_restrictions_in(&mut transaction, content.id, &operations, &wanted)
            .await?;
        Ok::<_, cairn_store::StoreError>(Ok(()))
    }
    .await;
    match decided {
        Ok(Ok(())) => {
            transaction.commit().await?;
            tracing::info!(content_id = %content.id, user = %caller.user.username, "restrictions changed");
            let after = describe_restrictions(&store.content_restrictions(content.id).await?);
            if after != before {
                crate::audit::record(
                    node,
                    caller,
                    crate::audit::Event::new(
                        crate::audit::category::PERMISSIONS,
                        "Content restrictions changed",
                        crate::audit::content_object_type(content),
                        content.title.clone(),
                    )
                    .with_id(content.id.0)
                    .changed("restrictions", before, after),
                )
                .await;
            }
            Ok(())
        }
        Ok(Err(refused)) => Err(refused),
        Err(error) => Err(error.into()),
    }
}

/// Restrictions as one line for the audit log: `read: user alice, group devs; update: …`.
fn describe_restrictions(restrictions: &[cairn_store::NamedRestriction]) -> String {
    RestrictionOperation::ALL
        .iter()
        .filter_map(|operation| {
            let subjects: Vec<String> = restrictions
                .iter()
                .filter(|named| named.restriction.operation == *operation)
                .map(|named| {
                    format!(
                        "{} {}",
                        named.restriction.subject.type_name(),
                        named.subject_name
                    )
                })
                .collect();
            (!subjects.is_empty())
                .then(|| format!("{}: {}", operation.as_str(), subjects.join(", ")))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
