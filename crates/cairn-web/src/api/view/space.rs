//! Spaces.

use schemars::JsonSchema;
use serde::Serialize;

use super::{ContentView, Expandable, LabelView, Links, PagedList, Represented};

/// A space (`GET /rest/api/space/{key}` and lists of spaces).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpaceView {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// `global` or `personal`.
    #[serde(rename = "type")]
    pub space_type: &'static str,
    /// `current` or `archived`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<SpaceDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<Box<ContentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<SpaceMetadata>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// `metadata` of a space: its labels (`team` labels are its categories).
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpaceMetadata {
    pub labels: PagedList<LabelView>,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// A space's description, in plain text.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpaceDescription {
    pub plain: Represented,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// `GET /rest/api/space/{key}/content`: the space's pages and blog posts.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SpaceContent {
    pub page: PagedList<ContentView>,
    pub blogpost: PagedList<ContentView>,
    #[serde(rename = "_links")]
    pub links: Links,
}
