//! Cairn's domain: the types every other crate speaks in, and the rules that need no IO.
//!
//! What lives here: id newtypes ([`ContentId`], [`SpaceId`], [`UserId`], [`GroupId`], [`SpaceKey`]),
//! the content model ([`Content`], [`ContentVersion`], [`ContentType`], [`ContentStatus`]), spaces
//! ([`Space`]), users and groups ([`User`], [`Group`]), and validation of what people type (space keys,
//! titles, usernames), and every access decision as a pure function of gathered facts ([`access`]).
//!
//! What must not live here: SQL, HTTP, files, clocks or async. Callers pass the current time in.

pub mod access;
mod attachment;
mod content;
pub mod diff;
mod id;
mod label;
pub mod limits;
mod permission;
mod query;
mod space;
mod user;
mod validate;

pub use attachment::{Attachment, AttachmentVersion};
pub use content::{
    CommentLocation, CommentMeta, Content, ContentStatus, ContentType, ContentVersion, NewVersion,
};
pub use id::{ContentId, GroupId, SpaceId, SpaceKey, UserId};
pub use label::{ContentProperty, Label};
pub use permission::{
    ANONYMOUS, GlobalPermission, NOBODY, Restriction, RestrictionOperation, SpacePermission,
    Subject, narrow_read_subjects, restrictions_lock_out,
};
pub use query::{
    Comparison, ContentQuery, OrderField, Predicate, SPACE_DOCUMENT_ID_OFFSET, SearchDocument,
    SearchKind,
};
pub use space::{Space, SpaceStatus, SpaceType};
pub use user::{ADMINISTRATORS_GROUP, Group, USERS_GROUP, User};
pub use validate::{
    MAX_TITLE_CHARS, ValidationError, validate_group_name, validate_label_name,
    validate_label_prefix, validate_property_key, validate_space_name, validate_title,
    validate_username,
};

/// Title of the home page created with every space, as Confluence names it.
pub fn home_page_title(space_name: &str) -> String {
    format!("{space_name} Home")
}
