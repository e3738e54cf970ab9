//! Attachments: versioned files on a page or blog post.

use crate::content::ContentStatus;
use crate::id::{ContentId, SpaceId, UserId};

/// An attachment as it is now (its latest version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// From the content id sequence, as Confluence's attachment ids are.
    pub id: ContentId,
    pub container_id: ContentId,
    pub space_id: SpaceId,
    /// The file name; unique among the container's current attachments.
    pub title: String,
    /// Current or trashed (attachments have no drafts).
    pub status: ContentStatus,
    pub version: i32,
    pub media_type: String,
    pub size_bytes: i64,
    /// The latest version's comment.
    pub comment: String,
    pub creator_id: UserId,
    pub created_ms: i64,
    pub last_modifier_id: UserId,
    pub last_modified_ms: i64,
}

/// One stored version of an attachment: where its bytes are and what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentVersion {
    pub attachment_id: ContentId,
    pub number: i32,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// Key of the bytes in the blob store.
    pub blob_key: String,
    pub comment: String,
    pub minor_edit: bool,
    pub author_id: UserId,
    pub created_ms: i64,
}
