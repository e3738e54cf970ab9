//! The store's one error type. Domain variants carry what the web layer needs to answer exactly.

use cairn_core::{ContentId, SpaceKey, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database url is not valid: {0}")]
    InvalidUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A write transaction was about to commit without a journal entry; it was rolled back.
    #[error("a write transaction recorded no journal entry and was rolled back")]
    Unjournaled,
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("no content found with id {0}")]
    ContentNotFound(ContentId),
    #[error("no space with key {0}")]
    SpaceNotFound(SpaceKey),
    #[error("space key {0} is already in use")]
    SpaceKeyTaken(SpaceKey),
    #[error("a page already exists with the title {title} in the space with key {space_key}")]
    TitleTaken { title: String, space_key: SpaceKey },
    #[error("version must be incremented on update. current version is: {current}")]
    StaleVersion { id: ContentId, current: i32 },
    #[error("an attachment named {0} already exists here")]
    AttachmentNameTaken(String),
    #[error("a property with key {0} already exists")]
    PropertyKeyTaken(String),
    #[error("property {key} is at version {current}; send version {next}", next = current + 1)]
    PropertyStale { key: String, current: i32 },
    #[error("property {0} not found")]
    PropertyNotFound(String),
    #[error("user {0} already exists")]
    UsernameTaken(String),
    #[error("user {0} not found")]
    UserNotFound(String),
    #[error("group {0} already exists")]
    GroupTaken(String),
}

impl StoreError {
    /// True when the database could not be reached or the connection broke: the request may succeed
    /// later, and the node should report itself not ready.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            StoreError::Database(
                sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed
            )
        )
    }
}

/// True when `error` is a unique-constraint violation (any dialect).
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db_error) => db_error.is_unique_violation(),
        _ => false,
    }
}
