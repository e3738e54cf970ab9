//! Accounts created outside a signed-in request: the first administrator (from settings, or with
//! `cairn admin create-user`) and tokens minted on the command line. The password rule and the
//! hashing live here once, for the binary, the setup screens and tests alike.

use cairn_core::User;
use cairn_store::{AccessTokenInfo, NewAccessToken, NewUser, Store};

use crate::clock::now_ms;
use crate::credentials::{hash_password_off_thread, new_secret, secret_hash};
use crate::error::{Error, ErrorCode};

/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    /// A member of confluence-administrators.
    pub administrator: bool,
}

/// Creates `account` with its password hashed (off the async threads: argon2 is slow on purpose).
/// A username that exists is [`ErrorCode::UsernameTaken`].
/// The author the audit log names for what the command line and settings do.
pub const UNATTENDED_ACTOR: &str = "cairn (command line)";

pub async fn create(store: &Store, account: NewAccount) -> Result<User, Error> {
    if account.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::bad_request(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let password_hash = hash_password_off_thread(account.password)
        .await
        .map_err(|error| {
            tracing::error!(%error, "a password could not be hashed");
            Error::internal()
        })?;
    let user = store
        .create_user(NewUser {
            username: account.username,
            display_name: account.display_name,
            email: account.email,
            password_hash,
            administrator: account.administrator,
            now_ms: now_ms(),
        })
        .await?;
    tracing::info!(user = %user.username, administrator = account.administrator, "account created");
    Ok(user)
}

/// Creates an account without a signed-in request (the command line, settings, the setup
/// wizard), audited in the name of `actor`.
pub async fn create_unattended(
    store: &Store,
    account: NewAccount,
    actor: &str,
) -> Result<User, Error> {
    let administrator = account.administrator;
    let user = create(store, account).await?;
    let mut event = crate::audit::Event::new(
        crate::audit::category::USERS_AND_GROUPS,
        "User created",
        crate::audit::object::USER,
        user.username.clone(),
    );
    if administrator {
        event = event.associated(crate::audit::object::GROUP, "confluence-administrators");
    }
    crate::audit::record_unattended(store, actor, event).await;
    Ok(user)
}

/// Mints a personal access token named `name` for `username` without a signed-in request (the
/// command line); returns the token and its secret, shown once.
pub async fn mint_token(
    store: &Store,
    username: &str,
    name: &str,
) -> Result<(AccessTokenInfo, String), Error> {
    let user = store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| {
            Error::new(
                ErrorCode::UserNotFound,
                format!("No user found with username: {username}"),
            )
        })?;
    let secret = new_secret();
    let token = store
        .create_access_token(NewAccessToken {
            user_id: user.id,
            name: name.to_string(),
            token_hash: secret_hash(&secret),
            now_ms: now_ms(),
            expires_ms: None,
        })
        .await?;
    crate::audit::record_unattended(
        store,
        UNATTENDED_ACTOR,
        crate::audit::Event::new(
            crate::audit::category::SECURITY,
            "Personal access token created",
            crate::audit::object::TOKEN,
            name,
        )
        .with_id(token.id)
        .associated(crate::audit::object::USER, user.username.clone()),
    )
    .await;
    Ok((token, secret))
}
