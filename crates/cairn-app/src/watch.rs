//! Watching pages, spaces and labels (Confluence's "Watch"). A user manages their own watches;
//! site administrators may read and change anyone's. What is watched must be visible to the
//! caller: a page or space they cannot see is not found.

use cairn_core::{ContentId, SpaceKey, UserId};
use cairn_store::WatchTarget;

use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// What kind of thing a watch request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    Content,
    Space,
    Label,
}

/// Whose watches a request is about.
#[derive(Debug, Clone, Copy)]
pub enum Watcher<'a> {
    /// The caller.
    Caller,
    /// Another user, by username.
    Username(&'a str),
    /// Another user, by user key.
    UserKey(&'a str),
}

/// The watching user of a request, checked: only site administrators may name someone else.
pub async fn watcher(node: &Node, caller: &Caller, named: Watcher<'_>) -> Result<UserId, Error> {
    let found = match named {
        Watcher::Caller => return Ok(caller.user.id),
        Watcher::Username(username) => node.store.find_user_by_username(username).await?,
        Watcher::UserKey(key) => node.store.find_user_by_key(key).await?,
    };
    let user = found.ok_or_else(|| {
        Error::new(
            ErrorCode::UserNotFound,
            "No user found with the given username or key",
        )
    })?;
    if !cairn_core::access::may_act_for_user(caller.user.id, user.id, caller.site_administrator) {
        return Err(Error::forbidden(
            "only site administrators may read or change another user's watches",
        ));
    }
    Ok(user.id)
}

/// The watched thing `name` of `kind`, checked to be visible to the caller (404 otherwise).
pub async fn target(
    node: &Node,
    caller: &Caller,
    kind: WatchKind,
    name: &str,
) -> Result<WatchTarget, Error> {
    match kind {
        WatchKind::Content => {
            let id = ContentId::parse(name).ok_or_else(|| Error::content_not_found(name))?;
            access::require_view_target(node, caller.user.id, id).await?;
            Ok(WatchTarget::Content(id))
        }
        WatchKind::Space => {
            let space = node
                .store
                .space_by_key(&SpaceKey::from_stored(name))
                .await?;
            access::require_view_space(node, caller.user.id, &space).await?;
            Ok(WatchTarget::Space(space.key))
        }
        WatchKind::Label => {
            cairn_core::validate_label_name(name)
                .map_err(|error| Error::bad_request(error.message))?;
            Ok(WatchTarget::Label(name.to_string()))
        }
    }
}

/// Whether `user` watches `target`.
pub async fn is_watching(node: &Node, user: UserId, target: &WatchTarget) -> Result<bool, Error> {
    Ok(node.store.is_watching(user, target).await?)
}

/// Starts (`true`) or stops (`false`) `user` watching `target`; either is idempotent.
pub async fn set_watching(
    node: &Node,
    caller: &Caller,
    user: UserId,
    target: &WatchTarget,
    watching: bool,
) -> Result<(), Error> {
    if watching {
        node.store.watch(user, target, now_ms()).await?;
    } else {
        node.store.unwatch(user, target).await?;
    }
    tracing::info!(?target, watcher = %user, watching, user = %caller.user.username, "watch changed");
    Ok(())
}
