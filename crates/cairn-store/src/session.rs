//! Login sessions and personal access tokens. Only SHA-256 hashes of the secrets are stored, so a
//! database dump cannot be replayed as a login.

use cairn_core::UserId;
use sqlx::Row;

use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::{Store, StoreResult};

/// A new personal access token; the raw secret is shown to its owner once and never stored.
#[derive(Clone)]
pub struct NewAccessToken {
    pub user_id: UserId,
    pub name: String,
    pub token_hash: String,
    pub now_ms: i64,
    pub expires_ms: Option<i64>,
}

/// What is listed about a token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenInfo {
    pub id: i64,
    pub name: String,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub last_used_ms: Option<i64>,
}

impl Store {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now_ms: i64,
        expires_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(self.sql(
            "INSERT INTO user_session (token_hash, user_id, created_ms, expires_ms) VALUES (?, ?, ?, ?)",
        ))
        .bind(token_hash)
        .bind(user_id.0)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The user of a live session.
    pub async fn session_user(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<UserId>> {
        let row = sqlx::query(self.sql(
            "SELECT s.user_id FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_ms > ? AND u.active = 1",
        ))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok(UserId(row.try_get("user_id")?)))
            .transpose()
    }

    /// The user of a live session and when the session expires (epoch ms), for per-node caches.
    pub async fn session_user_until(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<(UserId, i64)>> {
        let row = sqlx::query(self.sql(
            "SELECT s.user_id, s.expires_ms FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_ms > ? AND u.active = 1",
        ))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok((UserId(row.try_get("user_id")?), row.try_get("expires_ms")?)))
            .transpose()
    }

    /// Ends a session (logout). Every node drops what it cached of the user's sessions.
    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let owner = sqlx::query(self.sql("SELECT user_id FROM user_session WHERE token_hash = ?"))
            .bind(token_hash)
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(owner) = owner else {
            return Ok(());
        };
        let user_id = UserId(owner.try_get("user_id")?);
        sqlx::query(self.sql("DELETE FROM user_session WHERE token_hash = ?"))
            .bind(token_hash)
            .execute(&mut *transaction)
            .await?;
        let change = Change::of_user(ChangeKind::SessionRevoked, user_id);
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self, now_ms: i64) -> StoreResult<u64> {
        let result = sqlx::query(self.sql("DELETE FROM user_session WHERE expires_ms <= ?"))
            .bind(now_ms)
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }

    pub async fn create_access_token(&self, token: NewAccessToken) -> StoreResult<AccessTokenInfo> {
        cairn_core::limits::check_name("token name", &token.name)?;
        let id = self.next_id(Sequence::Token).await?;
        sqlx::query(self.sql(
            "INSERT INTO access_token (id, user_id, name, token_hash, created_ms, expires_ms, last_used_ms) VALUES (?, ?, ?, ?, ?, ?, NULL)",
        ))
        .bind(id)
        .bind(token.user_id.0)
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(token.now_ms)
        .bind(token.expires_ms)
        .execute(self.pool())
        .await?;
        Ok(AccessTokenInfo {
            id,
            name: token.name,
            created_ms: token.now_ms,
            expires_ms: token.expires_ms,
            last_used_ms: None,
        })
    }

    /// The owner of a live token.
    pub async fn access_token_user(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<UserId>> {
        let row = sqlx::query(self.sql(
            "SELECT t.user_id FROM access_token t JOIN app_user u ON u.id = t.user_id WHERE t.token_hash = ? AND (t.expires_ms IS NULL OR t.expires_ms > ?) AND u.active = 1",
        ))
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| Ok(UserId(row.try_get("user_id")?)))
            .transpose()
    }

    pub async fn list_access_tokens(&self, user_id: UserId) -> StoreResult<Vec<AccessTokenInfo>> {
        let rows = sqlx::query(self.sql(
            "SELECT id, name, created_ms, expires_ms, last_used_ms FROM access_token WHERE user_id = ? ORDER BY id",
        ))
        .bind(user_id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AccessTokenInfo {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_ms: row.try_get("created_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                    last_used_ms: row.try_get("last_used_ms")?,
                })
            })
            .collect()
    }

    /// Revokes one of `user_id`'s tokens; false when there was no such token.
    pub async fn revoke_access_token(&self, user_id: UserId, token_id: i64) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let result = sqlx::query(self.sql("DELETE FROM access_token WHERE id = ? AND user_id = ?"))
            .bind(token_id)
            .bind(user_id.0)
            .execute(&mut *transaction)
            .await?;
        if result.rows_affected() != 1 {
            return Ok(false);
        }
        let change =
            Change::of_user(ChangeKind::TokenRevoked, user_id).with_payload(token_id.to_string());
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(true)
    }
}
