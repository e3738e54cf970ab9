//! The REST API's response bodies as types: what each endpoint answers, in Confluence Server's
//! shapes, serialised by serde and described by JSON Schema (`schemars`) for the OpenAPI document
//! (`openapi.rs`). Builders in `json.rs` and the handlers fill them in; nothing under `api/` builds
//! response JSON by hand.
//!
//! Confluence's objects say what they left out: `_expandable` names every part that could have
//! been expanded (with a link, or `""`), and an expanded part is present as a field instead. Here
//! an expandable part is an `Option` that is skipped when `None`.

mod audit;
mod content;
mod people;
mod permission;
mod search;
mod space;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

pub use audit::*;
pub use content::*;
pub use people::*;
pub use permission::*;
pub use search::*;
pub use space::*;

/// `_expandable`: each part left out, with the link that fetches it or `""`.
pub type Expandable = BTreeMap<&'static str, String>;

/// `_links`: `self`, `base`, `context`, `webui`, `next`… as Confluence names them.
pub type Links = BTreeMap<&'static str, String>;

/// Builds a [`Links`] or [`Expandable`] from pairs.
pub fn links<const N: usize>(pairs: [(&'static str, String); N]) -> Links {
    pairs.into_iter().collect()
}

/// Confluence's paged list: `results`, `start`, `limit`, `size`, and `_links` with a relative
/// `next` present exactly when more items exist (and `prev` when this is not the first page).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "PagedListOf{T}")]
pub struct PagedList<T> {
    pub results: Vec<T>,
    pub start: i64,
    pub limit: i64,
    pub size: usize,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A paged list that also tells how many items match in all (`totalSize`).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(rename = "CountedListOf{T}")]
pub struct CountedList<T> {
    #[serde(flatten)]
    pub list: PagedList<T>,
    #[serde(rename = "totalSize")]
    pub total_size: i64,
}

/// A text in one representation (`storage`, `view`, `plain`…).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Represented {
    pub value: String,
    pub representation: &'static str,
    #[serde(rename = "_expandable", skip_serializing_if = "Option::is_none")]
    pub expandable: Option<Expandable>,
}

/// `POST /rest/api/contentbody/convert/{to}`: the converted body.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConvertedBody {
    pub value: String,
    pub representation: String,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// `{"success": true}` of Confluence's `.action` endpoints that answer JSON.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActionDone {
    pub success: bool,
}

/// The access mode now in force.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccessModeView {
    /// `READ_WRITE` or `READ_ONLY`.
    pub mode: &'static str,
}

/// Someone the editor offers to @mention (`/rest/cairn/1/editor/users`).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedUser {
    pub user_key: String,
    pub username: String,
    pub display_name: String,
}

/// The people matching what was typed after `@`, best first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserSuggestions {
    pub results: Vec<SuggestedUser>,
}

/// Pasted content after cleaning (`/rest/cairn/1/editor/paste`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct PastedContent {
    /// The editor's document (TipTap JSON) of the cleaned content.
    pub document: serde_json::Value,
    /// The same content as storage format.
    pub storage: String,
}

/// The general configuration (`/rest/cairn/1/configuration`); `null` where the node's setting
/// applies.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConfigurationView {
    #[serde(rename = "siteTitle")]
    pub site_title: String,
    #[serde(rename = "baseUrl")]
    pub base_url: Option<String>,
    #[serde(rename = "attachmentMaxMb")]
    pub attachment_max_mb: Option<u64>,
    #[serde(rename = "rateLimitPerMinute")]
    pub rate_limit_per_minute: Option<u32>,
    /// The IANA time zone times are shown to people in; `null` is UTC.
    #[serde(rename = "timeZone")]
    pub time_zone: Option<String>,
}

/// `{"watching": …}` of the watch endpoints.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Watching {
    pub watching: bool,
}

/// What a page move answers: md2conf reads `id`, other clients `pageId`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Moved {
    #[serde(rename = "pageId")]
    pub page_id: String,
    pub id: String,
}

/// A long task (a space deletion), as `GET /rest/api/longtask/{id}` shows it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LongTaskView {
    pub id: String,
    pub name: TaskName,
    #[serde(rename = "elapsedTime")]
    pub elapsed_time: i64,
    #[serde(rename = "percentageComplete")]
    pub percentage_complete: i32,
    pub successful: bool,
    pub finished: bool,
    pub messages: Vec<TaskMessage>,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// A task's name as a translation key with arguments.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskName {
    pub key: String,
    pub args: Vec<String>,
}

/// One message of a task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskMessage {
    pub translation: String,
    pub args: Vec<String>,
}

/// The 202 answer of a space deletion: the task's id and where to follow it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskStarted {
    pub id: String,
    pub links: TaskStatusLink,
}

/// Where a started task is followed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskStatusLink {
    pub status: String,
}

/// The 202 answer of a space export: the task's id, where to follow it, and where its zip is
/// downloaded once the task has succeeded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExportStarted {
    pub id: String,
    pub links: ExportLinks,
}

/// Where a space export is followed and downloaded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExportLinks {
    pub status: String,
    pub download: String,
}
