//! Spaces: the top-level containers of pages and blog posts.

use crate::id::{ContentId, SpaceId, SpaceKey, UserId};

/// Whose a space is: the team's, or one person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpaceType {
    Global,
    Personal,
}

impl SpaceType {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceType::Global => "global",
            SpaceType::Personal => "personal",
        }
    }

    pub fn parse(text: &str) -> Option<SpaceType> {
        match text {
            "global" => Some(SpaceType::Global),
            "personal" => Some(SpaceType::Personal),
            _ => None,
        }
    }
}

/// Whether a space is in use or archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpaceStatus {
    Current,
    Archived,
}

impl SpaceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceStatus::Current => "current",
            SpaceStatus::Archived => "archived",
        }
    }

    pub fn parse(text: &str) -> Option<SpaceStatus> {
        match text {
            "current" => Some(SpaceStatus::Current),
            "archived" => Some(SpaceStatus::Archived),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: SpaceId,
    pub key: SpaceKey,
    pub name: String,
    /// Plain-text description; empty when none was given.
    pub description: String,
    pub space_type: SpaceType,
    pub status: SpaceStatus,
    /// The page created with the space; `None` only while the space is being created.
    pub homepage_id: Option<ContentId>,
    pub creator_id: UserId,
    pub created_ms: i64,
}
