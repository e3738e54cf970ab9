//! Cairn's Confluence storage format engine.
//!
//! Pages are stored in Confluence storage format: XHTML fragments with `ac:` and `ri:` elements,
//! kept verbatim. This crate parses them into a lossless tree ([`Document`]) that serializes back
//! byte for byte.
//!
//! It is pure: no IO, no async, no global state. Whatever it needs from the rest of the system
//! (page URLs, attachments, users, other pages' bodies) it asks through traits the caller
//! implements.

// Tests may unwrap: a panic there is a failed assertion.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod context;
mod editor;
pub mod entity;
mod error;
mod extract;
mod html;
mod markdown;
mod parse;
pub mod policy;
mod rename;
mod render;
mod resource;
mod sanitize;
mod storage;
mod tree;
mod wiki;

pub use context::{
    AttachmentListing, ChildPage, NoContext, RenderContext, UserDisplay, encode_path_segment,
};
pub use editor::{ATOMIC_CLASS, STORAGE_ATTRIBUTE, editor_html_to_storage, storage_to_editor_html};
pub use error::{FormatError, Malformation, Position};
pub use extract::{Heading, excerpt, extract_text, headings, outgoing_links};
pub use markdown::{markdown_to_storage, storage_to_markdown};
pub use parse::{MAX_DEPTH, check_well_formed, parse};
pub use rename::rename_page_references;
pub use render::{render_storage, render_to_html};
pub use resource::{AttachmentOwner, PageTarget, Resource, UserTarget};
pub use sanitize::sanitize_html;
pub use tree::{Attribute, Children, Descendants, Document, NodeId, NodeKind, NodeRef};
pub use wiki::wiki_to_storage;
