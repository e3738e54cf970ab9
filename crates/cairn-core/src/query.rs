//! A content query in domain terms: what a CQL query means, independent of how it is evaluated
//! (SQL today, a search index later).

use crate::content::ContentType;
use crate::id::{ContentId, SpaceId};

/// How a time is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// A condition on content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// Every piece of content.
    All,
    /// No content at all (e.g. `watcher = x` while nothing is watched).
    Nothing,
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
    Not(Box<Predicate>),
    ContentTypeIn(Vec<ContentType>),
    /// Space keys, as typed (matched case-insensitively for global spaces).
    SpaceKeyIn(Vec<String>),
    /// Title equal to this, case-insensitively.
    TitleEquals(String),
    /// Every term occurs in the title (terms are words or quoted phrases, lower-cased).
    TitleContains(Vec<String>),
    /// Every term occurs in the title or the body.
    TextContains(Vec<String>),
    /// Carries one of these labels (names, lower-case).
    LabelIn(Vec<String>),
    /// A direct child of this page.
    ParentIs(ContentId),
    /// Anywhere below this page.
    AncestorIs(ContentId),
    IdIn(Vec<ContentId>),
    /// Created by one of these users (usernames).
    CreatorIn(Vec<String>),
    /// Edited (any version) by one of these users.
    ContributorIn(Vec<String>),
    /// Comments and attachments on this container.
    ContainerIs(ContentId),
    /// Attachments (they are not content rows; `type = attachment`).
    IsAttachment,
    /// Spaces themselves (`type = space`); without it, searches find no spaces.
    IsSpace,
    /// Mentions one of these users (usernames or user keys, lower case).
    MentionIn(Vec<String>),
    Created(Comparison, i64),
    LastModified(Comparison, i64),
}

/// What results are ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    Title,
    Created,
    LastModified,
    Id,
}

/// A query: a predicate and an order (ties are broken by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentQuery {
    pub predicate: Predicate,
    /// `(field, descending)`.
    pub order: Vec<(OrderField, bool)>,
}

/// What the search index holds about one piece of current content: everything a CQL query can
/// filter on, plus the plain text it matches words against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDocument {
    /// A content id, or an attachment id (both come from the content sequence).
    pub id: ContentId,
    pub kind: SearchKind,
    pub space_id: SpaceId,
    /// The space key as stored (upper case for global spaces, `~name` for personal ones).
    pub space_key: String,
    pub title: String,
    /// Plain text of the body (storage-format markup removed), or of an attachment's file (text,
    /// Markdown, PDF; empty for other files).
    pub text: String,
    /// Label names, lower case.
    pub labels: Vec<String>,
    /// Direct parent page (pages only).
    pub parent_id: Option<ContentId>,
    /// Pages above this one, nearest first (pages only; `ancestor = N`).
    pub ancestors: Vec<ContentId>,
    /// The page or blog post a comment or an attachment is on.
    pub container_id: Option<ContentId>,
    /// Every content id whose read restriction would hide this one: its page ancestors, and for a
    /// comment its container and the container's ancestors. Visibility is decided against it at
    /// query time, so a restriction change re-indexes nothing.
    pub lineage: Vec<ContentId>,
    /// Username of the creator, lower case.
    pub creator: String,
    /// Usernames of everyone who saved a version, lower case.
    pub contributors: Vec<String>,
    /// Users the body mentions (`<ri:user …/>`), as written there (username or user key), lower
    /// case.
    pub mentions: Vec<String>,
    pub created_ms: i64,
    pub last_modified_ms: i64,
}

/// What a search document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchKind {
    Content(ContentType),
    Attachment,
    /// A space: its name and description.
    Space,
}

impl SearchKind {
    /// The CQL type name: `page`, `blogpost`, `comment`, `attachment`.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchKind::Content(content_type) => content_type.as_str(),
            SearchKind::Attachment => "attachment",
            SearchKind::Space => "space",
        }
    }
}

/// Space documents take ids above this (content and space ids come from different sequences).
pub const SPACE_DOCUMENT_ID_OFFSET: i64 = 1 << 50;

impl SearchDocument {
    /// The document id of a space.
    pub fn space_document_id(space: SpaceId) -> ContentId {
        ContentId(SPACE_DOCUMENT_ID_OFFSET + space.0)
    }

    /// The space a document id names, if it is a space's.
    pub fn space_of_document_id(id: ContentId) -> Option<SpaceId> {
        (id.0 > SPACE_DOCUMENT_ID_OFFSET).then(|| SpaceId(id.0 - SPACE_DOCUMENT_ID_OFFSET))
    }
}
