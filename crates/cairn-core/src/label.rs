//! Labels and content properties: small pieces of data attached to content.

use crate::id::{ContentId, UserId};

/// A label as Confluence has it: a lower-case name under a prefix (`global`, `my`, `team`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: i64,
    pub prefix: String,
    pub name: String,
}

/// A versioned JSON value stored under a key on a piece of content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentProperty {
    pub id: i64,
    pub content_id: ContentId,
    pub key: String,
    /// The value as JSON text (any JSON: string, number, object…).
    pub value_json: String,
    /// Starts at 1; every change adds one.
    pub version: i32,
    pub modifier_id: UserId,
    pub modified_ms: i64,
}
