//! Managing users, as site administrators do from the administration screens and Confluence Data
//! Center's admin REST API: creating accounts, changing a password, deactivating and reactivating.
//! A deactivated user's content stays; they cannot sign in, and their sessions and tokens stop at
//! once on every node (every lookup checks `active`; the journal drops what nodes cached). Users
//! change their own password with the old one.

use cairn_core::{User, UserId};

use crate::account::{self, MIN_PASSWORD_CHARS, NewAccount};
use crate::audit::{self, Event, category, object};
use crate::credentials::{hash_password_off_thread, verify_password};
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// User `username`; not found when there is none.
pub async fn named(node: &Node, username: &str) -> Result<User, Error> {
    node.store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::UserNotFound,
                format!("No user found with username: {username}"),
            )
        })
}

/// Creates an account (site administrators).
pub async fn create(node: &Node, caller: &Caller, account: NewAccount) -> Result<User, Error> {
    crate::access::require_site_administrator(caller, "manage users")?;
    if account.username.trim().is_empty() {
        return Err(Error::bad_request("a user needs a username"));
    }
    let user = account::create(&node.store, account).await?;
    tracing::info!(created = %user.username, user = %caller.user.username, "user created");
    audit::record(
        node,
        caller,
        Event::new(
            category::USERS_AND_GROUPS,
            "User created",
            object::USER,
            user.username.clone(),
        )
        .changed("full name", "", user.display_name.clone())
        .changed("email", "", user.email.clone()),
    )
    .await;
    Ok(user)
}

/// Deactivates (`active == false`) or reactivates `username` (site administrators). Administrators
/// cannot deactivate themselves: a site must keep a way in.
pub async fn set_active(
    node: &Node,
    caller: &Caller,
    username: &str,
    active: bool,
) -> Result<User, Error> {
    crate::access::require_site_administrator(caller, "manage users")?;
    let user = named(node, username).await?;
    if !active && user.id == caller.user.id {
        return Err(Error::bad_request("you cannot deactivate yourself"));
    }
    if node.store.set_user_active(user.id, active).await? {
        forget_credentials(node, user.id);
        tracing::info!(target_user = %user.username, active, user = %caller.user.username, "user activation changed");
        let summary = if active {
            "User reactivated"
        } else {
            "User deactivated"
        };
        audit::record(
            node,
            caller,
            Event::new(
                category::USERS_AND_GROUPS,
                summary,
                object::USER,
                user.username.clone(),
            ),
        )
        .await;
    }
    named(node, username).await
}

/// Longest full name or email.
const MAX_PROFILE_CHARS: usize = 255;

/// Changes `username`'s full name and email: site administrators for anyone, everyone for
/// themselves. Answers the user as they are now.
pub async fn update_profile(
    node: &Node,
    caller: &Caller,
    username: &str,
    display_name: &str,
    email: &str,
) -> Result<User, Error> {
    let user = named(node, username).await?;
    if user.id != caller.user.id {
        crate::access::require_site_administrator(caller, "change another user's details")?;
    }
    let display_name = display_name.trim();
    let email = email.trim();
    if display_name.is_empty() {
        return Err(Error::bad_request("a user needs a full name"));
    }
    let too_long = |text: &str| text.chars().count() > MAX_PROFILE_CHARS;
    if too_long(display_name) || too_long(email) || display_name.chars().any(char::is_control) {
        return Err(Error::bad_request(format!(
            "the full name and email must be at most {MAX_PROFILE_CHARS} characters on one line"
        )));
    }
    let plausible_email = email.is_empty()
        || (email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        }) && !email
            .chars()
            .any(|character| character.is_whitespace() || character.is_control()));
    if !plausible_email {
        return Err(Error::bad_request(format!(
            "{email} is not an email address"
        )));
    }
    if node
        .store
        .update_user_profile(user.id, display_name, email)
        .await?
    {
        forget_credentials(node, user.id);
        let mut event = Event::new(
            category::USERS_AND_GROUPS,
            "User details changed",
            object::USER,
            user.username.clone(),
        );
        if user.display_name != display_name {
            event = event.changed("full name", user.display_name.clone(), display_name);
        }
        if user.email != email {
            event = event.changed("email", user.email.clone(), email);
        }
        audit::record(node, caller, event).await;
    }
    named(node, username).await
}

/// Sets `username`'s password (site administrators).
pub async fn set_password(
    node: &Node,
    caller: &Caller,
    username: &str,
    password: &str,
) -> Result<(), Error> {
    crate::access::require_site_administrator(caller, "manage users")?;
    let user = named(node, username).await?;
    store_password(node, user.id, password).await?;
    tracing::info!(target_user = %user.username, user = %caller.user.username, "password set by an administrator");
    audit::record(
        node,
        caller,
        Event::new(
            category::USERS_AND_GROUPS,
            "User password changed by an administrator",
            object::USER,
            user.username.clone(),
        ),
    )
    .await;
    Ok(())
}

/// Changes the caller's own password, given the old one.
pub async fn change_own_password(
    node: &Node,
    caller: &Caller,
    old_password: &str,
    new_password: &str,
) -> Result<(), Error> {
    let stored = node
        .store
        .find_login(&caller.user.username)
        .await?
        .map(|(_, hash)| hash)
        .unwrap_or_default();
    let hash = stored.clone();
    let old = old_password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&hash, &old))
        .await
        .unwrap_or(false);
    if !matches {
        return Err(Error::forbidden("the current password is not right"));
    }
    store_password(node, caller.user.id, new_password).await?;
    tracing::info!(user = %caller.user.username, "password changed");
    audit::record(
        node,
        caller,
        Event::new(
            category::SECURITY,
            "User changed their password",
            object::USER,
            caller.user.username.clone(),
        ),
    )
    .await;
    Ok(())
}

async fn store_password(node: &Node, user: UserId, password: &str) -> Result<(), Error> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::bad_request(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let hash = hash_password_off_thread(password.to_string())
        .await
        .map_err(|error| {
            tracing::error!(%error, "a password could not be hashed");
            Error::internal()
        })?;
    node.store.set_password_hash(user, &hash).await?;
    forget_credentials(node, user);
    Ok(())
}

/// This node forgets what it cached about `user` at once; others when the journal reaches them.
fn forget_credentials(node: &Node, user: UserId) {
    node.credential_cache.forget_user(user);
    node.credential_lookups.forget_user(user);
    node.global_permissions.clear();
}
