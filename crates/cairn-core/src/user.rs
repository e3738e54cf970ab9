//! Users and groups.

use crate::id::{GroupId, UserId};

/// The group every user belongs to, as in Confluence.
pub const USERS_GROUP: &str = "confluence-users";
/// The name of the group whose members administer the whole site, as a literal, for SQL text
/// assembled at compile time (`concat!`) in the store.
#[macro_export]
macro_rules! administrators_group {
    () => {
        "confluence-administrators"
    };
}

/// The group whose members administer the whole site.
pub const ADMINISTRATORS_GROUP: &str = administrators_group!();

#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    /// Lower-case login name.
    pub username: String,
    /// Stable opaque key (32 hex digits), as Confluence Server's `userKey`.
    pub user_key: String,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub created_ms: i64,
}

impl std::fmt::Debug for User {
    // Email addresses stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: GroupId,
    pub name: String,
}
