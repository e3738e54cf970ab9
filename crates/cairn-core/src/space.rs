//! Spaces: the top-level containers of pages and blog posts.

use crate::id::{ContentId, SpaceId, SpaceKey, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: SpaceId,
    pub key: SpaceKey,
    pub name: String,
    /// Plain-text description; empty when none was given.
    pub description: String,
    /// `global` or `personal`.
    pub space_type: String,
    /// `current` or `archived`.
    pub status: String,
    /// The page created with the space; `None` only while the space is being created.
    pub homepage_id: Option<ContentId>,
    pub creator_id: UserId,
    pub created_ms: i64,
}
