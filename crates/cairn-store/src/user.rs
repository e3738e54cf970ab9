//! Users and groups. Password hashing happens in the web layer; the store keeps the PHC string.

use cairn_core::{
    ADMINISTRATORS_GROUP, Group, GroupId, USERS_GROUP, User, UserId, validate_username,
};
use rand::RngExt;
use sqlx::Row;

use crate::error::{StoreError, is_unique_violation};
use crate::ids::Sequence;
use crate::journal::{Change, ChangeKind, record};
use crate::row::{self, user_columns};
use crate::{Listed, Store, StoreResult, Window};

/// A new account.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Also a member of `confluence-administrators`.
    pub administrator: bool,
    pub now_ms: i64,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("administrator", &self.administrator)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Creates a user in `confluence-users` (and `confluence-administrators` when asked).
    pub async fn create_user(&self, new_user: NewUser) -> StoreResult<User> {
        let username = validate_username(&new_user.username)?;
        let display_name = match new_user.display_name.trim() {
            "" => username.clone(),
            name => name.to_string(),
        };
        let id = UserId(self.next_id(Sequence::User).await?);
        let user_key = random_user_key();
        let mut transaction = self.begin_write().await?;
        let inserted = sqlx::query(self.sql(
            "INSERT INTO app_user (id, username, user_key, display_name, email, password_hash, active, created_ms) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        ))
        .bind(id.0)
        .bind(&username)
        .bind(&user_key)
        .bind(&display_name)
        .bind(new_user.email.trim())
        .bind(&new_user.password_hash)
        .bind(new_user.now_ms)
        .execute(&mut *transaction)
        .await;
        if let Err(error) = inserted {
            if is_unique_violation(&error) {
                return Err(StoreError::UsernameTaken(username));
            }
            return Err(error.into());
        }
        let mut groups = vec![USERS_GROUP];
        if new_user.administrator {
            groups.push(ADMINISTRATORS_GROUP);
        }
        for group in groups {
            sqlx::query(self.sql(
                "INSERT INTO group_member (group_id, user_id) SELECT id, ? FROM user_group WHERE name = ?",
            ))
            .bind(id.0)
            .bind(group)
            .execute(&mut *transaction)
            .await?;
        }
        let change = Change::of_user(ChangeKind::UserCreated, id).with_payload(username.as_str());
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(User {
            id,
            username,
            user_key,
            display_name,
            email: new_user.email.trim().to_string(),
            active: true,
            created_ms: new_user.now_ms,
        })
    }

    pub async fn find_user(&self, id: UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE id = ?"
        )))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::user).transpose()
    }

    pub async fn find_user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE username = ?"
        )))
        .bind(username.trim().to_lowercase())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::user).transpose()
    }

    pub async fn find_user_by_key(&self, user_key: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE user_key = ?"
        )))
        .bind(user_key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row::user).transpose()
    }

    /// The user and their password hash, for a login attempt.
    pub async fn find_login(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        let row = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            ", password_hash FROM app_user WHERE username = ?"
        )))
        .bind(username.trim().to_lowercase())
        .fetch_optional(self.pool())
        .await?;
        match row {
            Some(row) => Ok(Some((row::user(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS user_count FROM app_user")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("user_count")?)
    }

    /// Names of the groups `user_id` belongs to, sorted.
    pub async fn groups_of_user(&self, user_id: UserId) -> StoreResult<Vec<Group>> {
        let rows = sqlx::query(self.sql(
            "SELECT g.id, g.name FROM user_group g JOIN group_member m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.name",
        ))
        .bind(user_id.0)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Group {
                    id: GroupId(row.try_get("id")?),
                    name: row.try_get("name")?,
                })
            })
            .collect()
    }

    pub async fn is_administrator(&self, user_id: UserId) -> StoreResult<bool> {
        let mut statement =
            crate::statement::Statement::new("SELECT COUNT(*) AS administers FROM (");
        statement
            .push_each_bound_to(
                crate::global_permission::administration_grants!(),
                user_id.0,
            )
            .push(") grants");
        let row = statement
            .query(self.dialect())
            .fetch_one(self.pool())
            .await?;
        let administers: i64 = row.try_get("administers")?;
        Ok(administers > 0)
    }

    /// Replaces a user's password hash.
    pub async fn set_password_hash(&self, user_id: UserId, password_hash: &str) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(self.sql("UPDATE app_user SET password_hash = ? WHERE id = ?"))
            .bind(password_hash)
            .bind(user_id.0)
            .execute(&mut *transaction)
            .await?;
        let change = Change::of_user(ChangeKind::UserChanged, user_id).with_payload("password");
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Changes a user's full name and email; false when they were already so.
    pub async fn update_user_profile(
        &self,
        user_id: UserId,
        display_name: &str,
        email: &str,
    ) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let changed = sqlx::query(self.sql(
            "UPDATE app_user SET display_name = ?, email = ? WHERE id = ? AND (display_name <> ? OR email <> ?)",
        ))
        .bind(display_name)
        .bind(email)
        .bind(user_id.0)
        .bind(display_name)
        .bind(email)
        .execute(&mut *transaction)
        .await?
        .rows_affected()
            > 0;
        if changed {
            let change = Change::of_user(ChangeKind::UserChanged, user_id).with_payload("profile");
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(changed)
    }

    /// Activates or deactivates a user. A deactivated user cannot sign in, and their sessions and
    /// tokens stop answering at once (every lookup joins `active`); the journal entry makes every
    /// node drop what it cached about them. Returns false when the user was already so.
    pub async fn set_user_active(&self, user_id: UserId, active: bool) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let changed =
            sqlx::query(self.sql("UPDATE app_user SET active = ? WHERE id = ? AND active <> ?"))
                .bind(i16::from(active))
                .bind(user_id.0)
                .bind(i16::from(active))
                .execute(&mut *transaction)
                .await?
                .rows_affected()
                > 0;
        if changed {
            let change = Change::of_user(ChangeKind::UserChanged, user_id)
                .with_payload(if active { "enabled" } else { "disabled" });
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(changed)
    }

    /// Active users whose username or display name contains `text` (case-insensitive), at most
    /// `limit`, those whose name starts with it first: the editor's @mention suggestions.
    pub async fn suggest_users(&self, text: &str, limit: i64) -> StoreResult<Vec<User>> {
        let pattern = crate::audit::like_pattern(text.trim());
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user WHERE active = 1 AND (LOWER(username) LIKE ? ESCAPE '!'",
            " OR LOWER(display_name) LIKE ? ESCAPE '!')",
            " ORDER BY username LIMIT ?"
        )))
        .bind(&pattern)
        .bind(&pattern)
        .bind(limit.saturating_mul(4))
        .fetch_all(self.pool())
        .await?;
        let mut users = rows
            .iter()
            .map(row::user)
            .collect::<StoreResult<Vec<_>>>()?;
        let wanted = text.trim().to_lowercase();
        users.sort_by_key(|user| {
            let starts = user.username.starts_with(&wanted)
                || user.display_name.to_lowercase().starts_with(&wanted);
            !starts
        });
        users.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(users)
    }

    /// Every user, active or not, ordered by username; the flag says whether more follow.
    pub async fn list_users(&self, window: Window) -> StoreResult<Listed<User>> {
        let rows = sqlx::query(self.sql(concat!(
            "SELECT ",
            user_columns!(),
            " FROM app_user ORDER BY username LIMIT ? OFFSET ?"
        )))
        .bind(window.fetch_limit())
        .bind(window.start)
        .fetch_all(self.pool())
        .await?;
        let users = rows
            .iter()
            .map(row::user)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Listed::from_fetched(users, window))
    }
}

/// A Confluence-Server-style user key: 32 lower-case hex digits.
fn random_user_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Store {
    /// Groups ordered by name; the flag says whether more follow.
    pub async fn list_groups(&self, window: Window) -> StoreResult<Listed<Group>> {
        let Window { start, limit } = window;
        let rows =
            sqlx::query(self.sql("SELECT id, name FROM user_group ORDER BY name LIMIT ? OFFSET ?"))
                .bind(limit + 1)
                .bind(start)
                .fetch_all(self.pool())
                .await?;
        let mut groups = rows
            .iter()
            .map(|row| {
                Ok(Group {
                    id: GroupId(row.try_get("id")?),
                    name: row.try_get("name")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = groups.len() as i64 > limit;
        groups.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(Listed {
            items: groups,
            has_more,
        })
    }

    pub async fn find_group(&self, name: &str) -> StoreResult<Option<Group>> {
        let row = sqlx::query(self.sql("SELECT id, name FROM user_group WHERE name = ?"))
            .bind(name.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(Group {
                id: GroupId(row.try_get("id")?),
                name: row.try_get("name")?,
            })
        })
        .transpose()
    }

    /// Members of a group ordered by username; the flag says whether more follow.
    pub async fn group_members(&self, group: GroupId, window: Window) -> StoreResult<Listed<User>> {
        let Window { start, limit } = window;
        let rows = sqlx::query(self.sql(
            "SELECT u.id, u.username, u.user_key, u.display_name, u.email, u.active, u.created_ms FROM app_user u JOIN group_member m ON m.user_id = u.id WHERE m.group_id = ? ORDER BY u.username LIMIT ? OFFSET ?",
        ))
        .bind(group.0)
        .bind(limit + 1)
        .bind(start)
        .fetch_all(self.pool())
        .await?;
        let mut users = rows
            .iter()
            .map(row::user)
            .collect::<StoreResult<Vec<_>>>()?;
        let has_more = users.len() as i64 > limit;
        users.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(Listed {
            items: users,
            has_more,
        })
    }

    /// Creates a group; names are lower-case and unique.
    pub async fn create_group(&self, name: &str) -> StoreResult<Group> {
        let name = cairn_core::validate_group_name(name)?;
        let id = GroupId(self.next_id(Sequence::Group).await?);
        let mut transaction = self.begin_write().await?;
        let inserted =
            sqlx::query(self.sql("INSERT INTO user_group (id, name, created_ms) VALUES (?, ?, 0)"))
                .bind(id.0)
                .bind(&name)
                .execute(&mut *transaction)
                .await;
        match inserted {
            Ok(_) => {
                let change = group_change(ChangeKind::GroupCreated, id, &name);
                record(self, &mut transaction, &change).await?;
                transaction.commit().await?;
                Ok(Group { id, name })
            }
            Err(error) if is_unique_violation(&error) => Err(StoreError::GroupTaken(name)),
            Err(error) => Err(error.into()),
        }
    }

    /// Adds `user` to `group`; nothing changes when they are a member already.
    pub async fn add_group_member(&self, group: GroupId, user: UserId) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        let present = sqlx::query(self.sql(
            "SELECT COUNT(*) AS memberships FROM group_member WHERE group_id = ? AND user_id = ?",
        ))
        .bind(group.0)
        .bind(user.0)
        .fetch_one(&mut *transaction)
        .await?;
        let memberships: i64 = present.try_get("memberships")?;
        if memberships == 0 {
            sqlx::query(self.sql("INSERT INTO group_member (group_id, user_id) VALUES (?, ?)"))
                .bind(group.0)
                .bind(user.0)
                .execute(&mut *transaction)
                .await?;
            let change = group_change(ChangeKind::GroupMembersChanged, group, "")
                .with_payload(format!("added={}", user.0));
            record(self, &mut transaction, &change).await?;
        }
        transaction.commit_if_changed().await?;
        Ok(())
    }

    /// Takes `user` out of `group`. Returns false when they were not a member.
    pub async fn remove_group_member(&self, group: GroupId, user: UserId) -> StoreResult<bool> {
        let mut transaction = self.begin_write().await?;
        let result =
            sqlx::query(self.sql("DELETE FROM group_member WHERE group_id = ? AND user_id = ?"))
                .bind(group.0)
                .bind(user.0)
                .execute(&mut *transaction)
                .await?;
        let change = group_change(ChangeKind::GroupMembersChanged, group, "")
            .with_payload(format!("removed={}", user.0));
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(result.rows_affected() > 0)
    }

    /// Removes a group with its memberships, space grants and content restrictions.
    pub async fn delete_group(&self, group: GroupId) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        // A restriction that named only this group must not open up when the group goes: it keeps
        // naming no account (`cairn_core::NOBODY`) until someone with the right changes it.
        let left_empty = sqlx::query(self.sql(
            "SELECT r.content_id, r.operation FROM content_restriction r WHERE r.subject_type = 'group' AND r.subject_id = ? AND NOT EXISTS (SELECT 1 FROM content_restriction o WHERE o.content_id = r.content_id AND o.operation = r.operation AND NOT (o.subject_type = 'group' AND o.subject_id = ?))",
        ))
        .bind(group.0)
        .bind(group.0)
        .fetch_all(&mut *transaction)
        .await?;
        for row in &left_empty {
            let content_id: i64 = row.try_get("content_id")?;
            let operation: String = row.try_get("operation")?;
            sqlx::query(self.sql(
                "INSERT INTO content_restriction (content_id, operation, subject_type, subject_id) VALUES (?, ?, 'user', ?)",
            ))
            .bind(content_id)
            .bind(operation)
            .bind(cairn_core::NOBODY.0)
            .execute(&mut *transaction)
            .await?;
        }
        for statement in [
            "DELETE FROM group_member WHERE group_id = ?",
            "DELETE FROM space_permission WHERE subject_type = 'group' AND subject_id = ?",
            "DELETE FROM global_permission WHERE subject_type = 'group' AND subject_id = ?",
            "DELETE FROM content_restriction WHERE subject_type = 'group' AND subject_id = ?",
            "DELETE FROM user_group WHERE id = ?",
        ] {
            sqlx::query(self.sql(statement))
                .bind(group.0)
                .execute(&mut *transaction)
                .await?;
        }
        let change = group_change(ChangeKind::GroupDeleted, group, "");
        record(self, &mut transaction, &change).await?;
        transaction.commit().await?;
        Ok(())
    }
}

/// A change of group `group` (memberships decide permissions, so every node drops what it cached).
fn group_change(kind: ChangeKind, group: GroupId, name: &str) -> Change {
    Change {
        kind,
        entity_id: Some(group.0),
        space_id: None,
        payload: name.to_string(),
    }
}
