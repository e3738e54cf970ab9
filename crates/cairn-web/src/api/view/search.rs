//! Search results (`/rest/api/search`) and the header's quick navigation (`/rest/quicknav/1/search`).

use schemars::JsonSchema;
use serde::Serialize;

use super::{AnyContent, Links, SpaceView};

/// One search result: the content or space found, with a title, an excerpt and where it is.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchResult {
    /// A page, blog post, comment or attachment found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<AnyContent>,
    /// A space found (by its name or description).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<Box<SpaceView>>,
    pub title: String,
    /// With `@@@hl@@@`…`@@@endhl@@@` around matched words unless `excerpt=indexed` or `none`.
    pub excerpt: String,
    pub url: Option<String>,
    #[serde(rename = "resultGlobalContainer")]
    pub result_global_container: GlobalContainer,
    pub breadcrumbs: Vec<String>,
    /// `content` or `space`.
    #[serde(rename = "entityType")]
    pub entity_type: &'static str,
    #[serde(rename = "iconCssClass")]
    pub icon_css_class: String,
    #[serde(rename = "lastModified")]
    pub last_modified: String,
    #[serde(rename = "friendlyLastModified")]
    pub friendly_last_modified: String,
    pub score: f32,
}

/// The space a result is in.
#[derive(Debug, Serialize, JsonSchema)]
pub struct GlobalContainer {
    pub title: String,
    #[serde(rename = "displayUrl")]
    pub display_url: String,
}

/// `GET /rest/api/search`: a paged list of results with the total, the query and its duration.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    pub start: i64,
    pub limit: i64,
    pub size: usize,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "totalSize")]
    pub total_size: i64,
    #[serde(rename = "cqlQuery")]
    pub cql_query: String,
    /// Milliseconds the search took.
    #[serde(rename = "searchDuration")]
    pub search_duration: u64,
}

/// `GET /rest/quicknav/1/search`: titles matching what was typed so far.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuickNavigation {
    pub query: String,
    #[serde(rename = "totalSize")]
    pub total_size: i64,
    /// One group of matches (Confluence groups them; Cairn has one group).
    #[serde(rename = "contentNameMatches")]
    pub content_name_matches: Vec<Vec<QuickMatch>>,
    #[serde(rename = "queryTokens")]
    pub query_tokens: Vec<String>,
}

/// One title the quick navigation suggests.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuickMatch {
    pub id: String,
    pub name: String,
    pub href: String,
    #[serde(rename = "className")]
    pub class_name: String,
    #[serde(rename = "spaceKey")]
    pub space_key: String,
    #[serde(rename = "spaceName")]
    pub space_name: String,
}
