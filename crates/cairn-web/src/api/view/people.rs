//! Users, groups and personal access tokens.

use schemars::JsonSchema;
use serde::Serialize;

use super::{Expandable, Links};

/// A user as Confluence Server shows one. A deleted user shows as `type: unknown`; the anonymous
/// user as `type: anonymous`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserView {
    /// `known`, `unknown` or `anonymous`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(rename = "userKey", skip_serializing_if = "Option::is_none")]
    pub user_key: Option<String>,
    #[serde(rename = "profilePicture")]
    pub profile_picture: ProfilePicture,
    #[serde(rename = "displayName")]
    pub display_name: String,
    /// `Active` or `Deactivated`, when `expand=status` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable", skip_serializing_if = "Option::is_none")]
    pub expandable: Option<Expandable>,
}

/// A user's picture.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProfilePicture {
    pub path: &'static str,
    pub width: u32,
    pub height: u32,
    #[serde(rename = "isDefault")]
    pub is_default: bool,
}

impl ProfilePicture {
    /// The picture every user has until pictures can be uploaded.
    pub fn default_for(path: &'static str) -> ProfilePicture {
        ProfilePicture {
            path,
            width: 48,
            height: 48,
            is_default: true,
        }
    }
}

/// A group.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GroupView {
    /// Always `group`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A personal access token (never its secret, except `rawToken` once, at creation).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    #[serde(rename = "createdAt")]
    pub created_at: String,
    #[serde(rename = "expiringAt")]
    pub expiring_at: Option<String>,
    #[serde(rename = "lastAccessedAt")]
    pub last_accessed_at: Option<String>,
    /// The secret, in the answer to its creation only.
    #[serde(rename = "rawToken", skip_serializing_if = "Option::is_none")]
    pub raw_token: Option<String>,
}
