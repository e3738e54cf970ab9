//! Personal access tokens: a signed-in user creates and revokes their own. The secret is made
//! here, shown once, and only its hash is stored. A token cannot mint more tokens.

use cairn_store::{AccessTokenInfo, NewAccessToken};

use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::credentials::{new_secret, secret_hash};
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The longest lifetime a token may be given, in days (about ten years).
pub const MAX_LIFETIME_DAYS: i64 = 3650;

/// A token to create.
#[derive(Debug, Clone)]
pub struct CreateToken {
    pub name: String,
    /// Days until it expires (1 to [`MAX_LIFETIME_DAYS`]); `None` never expires.
    pub expires_in_days: Option<i64>,
}

/// A created token with its secret, which is never shown again.
#[derive(Debug)]
pub struct CreatedToken {
    pub token: AccessTokenInfo,
    pub secret: String,
}

/// Creates a token for `caller`.
pub async fn create(
    node: &Node,
    caller: &Caller,
    command: CreateToken,
) -> Result<CreatedToken, Error> {
    if caller.signed_in_with_token {
        return Err(Error::forbidden(
            "a personal access token cannot create tokens; sign in with your password",
        ));
    }
    let name = command.name.trim();
    if name.is_empty() {
        return Err(Error::bad_request("token name is required"));
    }
    if let Some(days) = command.expires_in_days
        && !(1..=MAX_LIFETIME_DAYS).contains(&days)
    {
        return Err(Error::bad_request(format!(
            "expirationDuration must be a number of days from 1 to {MAX_LIFETIME_DAYS}"
        )));
    }
    let secret = new_secret();
    let now = now_ms();
    let token = node
        .store
        .create_access_token(NewAccessToken {
            user_id: caller.user.id,
            name: name.to_string(),
            token_hash: secret_hash(&secret),
            now_ms: now,
            expires_ms: command.expires_in_days.map(|days| now + days * DAY_MS),
        })
        .await?;
    tracing::info!(token = token.id, user = %caller.user.username, "access token created");
    audit::record(
        node,
        caller,
        Event::new(
            category::SECURITY,
            "Personal access token created",
            object::TOKEN,
            name,
        )
        .with_id(token.id)
        .associated(object::USER, caller.user.username.clone()),
    )
    .await;
    Ok(CreatedToken { token, secret })
}

/// Revokes `caller`'s token `id`; not found when they have no such token.
pub async fn revoke(node: &Node, caller: &Caller, id: i64) -> Result<(), Error> {
    if !node.store.revoke_access_token(caller.user.id, id).await? {
        return Err(Error::new(
            ErrorCode::TokenNotFound,
            format!("No token found with id: {id}"),
        ));
    }
    // Other nodes drop the token when the journal reaches them; this one at once.
    node.credential_lookups.forget_user(caller.user.id);
    tracing::info!(token = id, user = %caller.user.username, "access token revoked");
    audit::record(
        node,
        caller,
        Event::new(
            category::SECURITY,
            "Personal access token revoked",
            object::TOKEN,
            id.to_string(),
        )
        .with_id(id)
        .associated(object::USER, caller.user.username.clone()),
    )
    .await;
    Ok(())
}
