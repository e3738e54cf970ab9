//! Pages and blog posts, and their versions.

use crate::id::{ContentId, SpaceId, UserId};

/// The kinds of content that live in a space's page tree or blog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentType {
    Page,
    BlogPost,
    /// A comment on a page or blog post (its container); replies have a parent comment.
    Comment,
}

impl ContentType {
    /// The name Confluence uses in JSON and in storage (`page`, `blogpost`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Page => "page",
            ContentType::BlogPost => "blogpost",
            ContentType::Comment => "comment",
        }
    }

    pub fn parse(text: &str) -> Option<ContentType> {
        match text {
            "page" => Some(ContentType::Page),
            "blogpost" => Some(ContentType::BlogPost),
            "comment" => Some(ContentType::Comment),
            _ => None,
        }
    }
}

/// Where a piece of content is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentStatus {
    /// Visible in its space.
    Current,
    /// In the space's trash: restorable until purged.
    Trashed,
    /// Not published yet: seen only by its creator, outside every listing of the space.
    Draft,
}

impl ContentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentStatus::Current => "current",
            ContentStatus::Trashed => "trashed",
            ContentStatus::Draft => "draft",
        }
    }

    pub fn parse(text: &str) -> Option<ContentStatus> {
        match text {
            "current" => Some(ContentStatus::Current),
            "trashed" => Some(ContentStatus::Trashed),
            "draft" => Some(ContentStatus::Draft),
            _ => None,
        }
    }
}

/// A page or blog post as it is now: its place, its latest version's title and body, and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub id: ContentId,
    pub content_type: ContentType,
    pub status: ContentStatus,
    pub space_id: SpaceId,
    /// Parent page; `None` for blog posts and for pages at the space root.
    pub parent_id: Option<ContentId>,
    /// Order among siblings; `None` for the space home page (Confluence shows `"none"`).
    pub position: Option<i64>,
    pub title: String,
    /// The storage-format body, stored verbatim.
    pub body: String,
    /// Number of the latest version, starting at 1.
    pub version: i32,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub last_modifier_id: UserId,
    pub last_modified_ms: i64,
    pub version_message: String,
    pub minor_edit: bool,
}

/// One saved version of a page or blog post: the full title and body as they were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentVersion {
    pub content_id: ContentId,
    pub number: i32,
    pub title: String,
    pub body: String,
    pub author_id: UserId,
    pub created_ms: i64,
    pub message: String,
    pub minor_edit: bool,
}

/// The author's side of a new version: who, when, and what they said about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    pub author_id: UserId,
    pub now_ms: i64,
    pub message: String,
    pub minor_edit: bool,
}

/// Where a comment sits: under the page, or on a marked passage of its body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentLocation {
    Footer,
    Inline,
}

impl CommentLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentLocation::Footer => "footer",
            CommentLocation::Inline => "inline",
        }
    }

    pub fn parse(text: &str) -> Option<CommentLocation> {
        match text {
            "footer" => Some(CommentLocation::Footer),
            "inline" => Some(CommentLocation::Inline),
            _ => None,
        }
    }
}

/// What makes a comment a comment: the content it is on, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentMeta {
    pub content_id: ContentId,
    /// The page or blog post the comment is on.
    pub container_id: ContentId,
    /// `footer` or `inline`.
    pub location: CommentLocation,
    /// For inline comments: the client's JSON (selection, match index…), kept as sent.
    pub inline_properties: Option<String>,
}
