//! Pages, blog posts, comments and attachments, with their versions, history, bodies, labels and
//! properties.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::{Expandable, Links, PagedList, Represented, SpaceView, UserView};

/// A page, blog post or comment (`GET /rest/api/content/{id}` and every list of content).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContentView {
    /// The content id, as a string of digits.
    pub id: String,
    /// `page`, `blogpost` or `comment`.
    #[serde(rename = "type")]
    pub content_type: &'static str,
    /// `current`, `trashed`, `draft`, or `historical` for an older version.
    pub status: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<Box<SpaceView>>,
    /// A comment's page or blog post; a page's or blog post's space.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionView>,
    /// The pages above, from the top of the tree down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ancestors: Option<Vec<ContentStub>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<MetadataView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub children: Option<ChildrenView>,
    pub extensions: ContentExtensions,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// Content of any kind: a page, blog post or comment, or an attachment (`GET
/// /rest/api/content/{id}` answers either, as search results hold either).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum AnyContent {
    Content(Box<ContentView>),
    Attachment(Box<AttachmentView>),
}

/// What content sits in: a page or blog post (for comments) or a space.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Container {
    Content(Box<ContentView>),
    Space(Box<SpaceView>),
}

/// `extensions` of content: a comment's location, or a page's position among its siblings.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ContentExtensions {
    Comment(CommentExtensions),
    Page(PageExtensions),
}

/// Where a comment sits: `footer`, `inline` or `resolved`, with an inline comment's marker.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentExtensions {
    pub location: &'static str,
    #[serde(rename = "inlineProperties", skip_serializing_if = "Option::is_none")]
    pub inline_properties: Option<Value>,
    /// Inline comments, when `extensions.resolution` is expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Box<ResolutionView>>,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// An inline comment's resolution, from its `status` content property (as Confluence keeps it).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResolutionView {
    /// `open`, `resolved`, `reopened` (or another status the property holds, such as `dangling`).
    pub status: String,
    /// Who set the status; the comment's author while it was never set.
    #[serde(rename = "lastModifier")]
    pub last_modifier: UserView,
    /// When the status was set (ISO 8601).
    #[serde(rename = "lastModifiedDate")]
    pub last_modified_date: String,
}

/// `metadata.likes`: how many like the content and whether the caller does.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LikesView {
    pub count: i64,
    #[serde(rename = "currentUser")]
    pub current_user: bool,
}

/// A page's place among its siblings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PageExtensions {
    pub position: Position,
}

/// A sibling position, or `"none"` when the page was never ordered by hand.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Position {
    At(i64),
    Unordered(&'static str),
}

impl Position {
    pub fn of(position: Option<i64>) -> Position {
        position.map_or(Position::Unordered("none"), Position::At)
    }
}

/// The short form of content inside `ancestors`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContentStub {
    pub id: String,
    #[serde(rename = "type")]
    pub content_type: &'static str,
    pub status: &'static str,
    pub title: String,
    pub extensions: PageExtensions,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// A version of content or of an attachment.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VersionView {
    pub by: UserView,
    /// ISO 8601 time of the version.
    pub when: String,
    #[serde(rename = "friendlyWhen")]
    pub friendly_when: String,
    pub message: String,
    pub number: i32,
    #[serde(rename = "minorEdit")]
    pub minor_edit: bool,
    pub hidden: bool,
    /// The content as it was at this version, when `expand=content` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Box<ContentView>>,
    /// Who worked on this version, when `expand=collaborators` asked for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Collaborators>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// The people of a version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Collaborators {
    pub users: Vec<UserView>,
    #[serde(rename = "userKeys")]
    pub user_keys: Vec<Option<String>>,
}

/// `history`: who created the content and when, its latest version, and (when asked) the one
/// before.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryView {
    pub latest: bool,
    #[serde(rename = "createdBy")]
    pub created_by: UserView,
    #[serde(rename = "createdDate")]
    pub created_date: String,
    #[serde(rename = "lastUpdated")]
    pub last_updated: VersionView,
    #[serde(rename = "previousVersion", skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<VersionView>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// `body`: the storage format and the rendered representations asked for.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BodyView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Represented>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<Represented>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_view: Option<Represented>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub styled_view: Option<Represented>,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// `metadata`: labels always, properties when asked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MetadataView {
    pub labels: PagedList<LabelView>,
    /// Properties by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<BTreeMap<String, PropertyView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likes: Option<LikesView>,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// `children`: child pages and attachments, when asked.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChildrenView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<PagedList<ContentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<PagedList<AttachmentView>>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// A label on content.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LabelView {
    pub prefix: String,
    pub name: String,
    pub id: String,
    pub label: String,
}

/// A content property: a JSON value under a key, versioned.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PropertyView {
    pub id: String,
    pub key: String,
    /// Any JSON value, as it was stored.
    pub value: Value,
    pub version: PropertyVersion,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// A property's version.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PropertyVersion {
    pub when: String,
    pub message: String,
    pub number: i32,
    #[serde(rename = "minorEdit")]
    pub minor_edit: bool,
    pub hidden: bool,
}

/// An attachment (a file on a page or blog post).
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentView {
    /// `att` and the attachment's id.
    pub id: String,
    /// Always `attachment`.
    #[serde(rename = "type")]
    pub content_type: &'static str,
    pub status: &'static str,
    /// The file name.
    pub title: String,
    pub metadata: AttachmentMetadata,
    pub extensions: AttachmentExtensions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<Box<ContentView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<Box<SpaceView>>,
    #[serde(rename = "_links")]
    pub links: Links,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// An attachment's `metadata`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentMetadata {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub comment: String,
    pub labels: PagedList<LabelView>,
    #[serde(rename = "_expandable")]
    pub expandable: Expandable,
}

/// An attachment's `extensions`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AttachmentExtensions {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    #[serde(rename = "fileSize")]
    pub file_size: i64,
    pub comment: String,
}
