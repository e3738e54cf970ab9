//! Passwords and secrets: argon2id password hashes, SHA-256 hashes of session and token secrets,
//! new random secrets, and the check of a username and password (throttled, with a short per-node
//! cache of verified credentials because argon2 is deliberately slow).
//!
//! Must not: keep a password or a secret anywhere but in a hash.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use cairn_core::{User, UserId};
use rand::RngExt;
use sha2::{Digest, Sha256};

use crate::Node;
use crate::error::Error;
use crate::throttle::Attempt;

/// How long verified Basic credentials are trusted on this node without re-running argon2.
const CREDENTIAL_CACHE_TTL: Duration = Duration::from_secs(60);
/// Most cached credentials kept per node.
const CREDENTIAL_CACHE_CAPACITY: usize = 10_000;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordHashError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("password hashing task failed: {0}")]
    Task(String),
}

/// Hashes a password with argon2id (call from a blocking thread: it takes tens of milliseconds).
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordHashError::Hashing(error.to_string()))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`hash_password`] on the blocking pool.
pub async fn hash_password_off_thread(password: String) -> Result<String, PasswordHashError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|error| PasswordHashError::Task(error.to_string()))?
}

/// SHA-256 of a secret, as lower-case hex: what the database stores for sessions and tokens.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A new random secret (256 bits, URL-safe base64) that starts with a letter or digit: command-line
/// clients read a value starting with `-` as an option (md2cf's `--token -Kw…` fails), so one in 32
/// secrets would otherwise be unusable there.
pub fn new_secret() -> String {
    loop {
        let bytes: [u8; 32] = rand::rng().random();
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        if secret.starts_with(|first: char| first.is_ascii_alphanumeric()) {
            return secret;
        }
    }
}

/// Verified Basic credentials on this node. Keyed by a hash of username and password, so the
/// cache never holds a password.
#[derive(Default)]
pub struct CredentialCache {
    /// Guarded by a std mutex: held only for a map lookup or insert, never across `.await`.
    entries: Mutex<HashMap<String, (UserId, Instant)>>,
}

impl CredentialCache {
    fn key(username: &str, password: &str) -> String {
        secret_hash(&format!("{}\u{0}{password}", username.to_lowercase()))
    }

    pub(crate) fn get(&self, username: &str, password: &str) -> Option<UserId> {
        let key = Self::key(username, password);
        let entries = self.entries.lock().ok()?;
        entries
            .get(&key)
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(user, _)| *user)
    }

    /// Drops every cached credential of `user_id` (their password or status changed somewhere).
    pub fn forget_user(&self, user_id: UserId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (user, _)| *user != user_id);
        }
    }

    pub(crate) fn put(&self, username: &str, password: &str, user_id: UserId) {
        let key = Self::key(username, password);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CREDENTIAL_CACHE_CAPACITY {
                let now = Instant::now();
                entries.retain(|_, (_, expires)| *expires > now);
                if entries.len() >= CREDENTIAL_CACHE_CAPACITY {
                    entries.clear();
                }
            }
            entries.insert(key, (user_id, Instant::now() + CREDENTIAL_CACHE_TTL));
        }
    }
}

/// Checks a username and password; `None` when they do not match an active user.
pub async fn check_password(
    node: &Node,
    username: &str,
    password: &str,
    attempt: &Attempt,
) -> Result<Option<User>, Error> {
    let throttle = &node.login_throttle;
    throttle.check(attempt, Instant::now())?;
    let checked = check_password_unthrottled(node, username, password).await?;
    match &checked {
        Some(_) => throttle.record_success(attempt),
        None => {
            throttle.record_failure(attempt, Instant::now());
            let address = attempt.address.map(|address| address.to_string());
            crate::audit::record_sign_in(
                node,
                username,
                None,
                address.as_deref(),
                crate::audit::SignIn::Failed,
            )
            .await;
        }
    }
    Ok(checked)
}

async fn check_password_unthrottled(
    node: &Node,
    username: &str,
    password: &str,
) -> Result<Option<User>, Error> {
    if let Some(user_id) = node
        .credential_cache
        .get(username, password)
        .filter(|_| !node.cluster.journal_stalled())
        && let Some(user) = node
            .store
            .find_user(user_id)
            .await?
            .filter(|user| user.active)
    {
        return Ok(Some(user));
    }
    let turn = node.login_throttle.hashing_turn().await?;
    let Some((user, stored_hash)) = node.store.find_login(username).await? else {
        // Spend the same time as a real check, so response times do not reveal which usernames exist.
        let password = password.to_string();
        let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
        drop(turn);
        return Ok(None);
    };
    let password_owned = password.to_string();
    let matches =
        tokio::task::spawn_blocking(move || verify_password(&stored_hash, &password_owned))
            .await
            .map_err(|_| Error::internal())?;
    drop(turn);
    if !matches || !user.active {
        return Ok(None);
    }
    node.credential_cache.put(username, password, user.id);
    Ok(Some(user))
}

/// Ends the session whose cookie secret is `secret` (signing out): its row goes, with a journal
/// entry that makes every node forget it; this node forgets it at once.
pub async fn end_session(node: &crate::Node, secret: &str) -> Result<(), crate::Error> {
    let hash = secret_hash(secret);
    node.store.delete_session(&hash).await?;
    node.credential_lookups
        .forget(crate::cache::CredentialKind::Session, &hash);
    Ok(())
}

/// Starts a login session for `user` (signing in from `address`) and returns the cookie secret;
/// only its hash is stored. The session lasts the node's `session_ttl`; the sign-in is audited.
pub async fn start_session(
    node: &crate::Node,
    user: &User,
    address: Option<&str>,
) -> Result<String, crate::Error> {
    let secret = new_secret();
    let now = crate::clock::now_ms();
    let ttl_ms = i64::try_from(node.settings.session_ttl.as_millis()).unwrap_or(i64::MAX / 2);
    node.store
        .create_session(&secret_hash(&secret), user.id, now, now + ttl_ms)
        .await?;
    crate::audit::record_sign_in(
        node,
        &user.username,
        Some(user),
        address,
        crate::audit::SignIn::Succeeded,
    )
    .await;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_never_start_like_an_option() {
        for _ in 0..4000 {
            let secret = super::new_secret();
            assert_eq!(secret.len(), 43, "{secret}");
            assert!(
                secret.starts_with(|first: char| first.is_ascii_alphanumeric()),
                "{secret}"
            );
        }
    }

    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").expect("hashing works");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
        assert!(!verify_password("not a hash", "correct horse"));
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(new_secret(), new_secret());
        assert_eq!(secret_hash("abc").len(), 64);
        assert_eq!(secret_hash("abc"), secret_hash("abc"));
    }
}
