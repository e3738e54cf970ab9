//! Cairn's Confluence storage format engine.
//!
//! Pages are stored in Confluence storage format: XHTML fragments with `ac:` and `ri:` elements,
//! kept verbatim. This crate reads and writes that format for the rest of Cairn:
//!
//! - **parse** a fragment into a lossless tree that serializes back byte for byte
//!   ([`parse`], [`Document::to_storage`], [`check_well_formed`]), with Confluence-style errors
//!   ([`FormatError`]);
//! - **render** it to view HTML that is safe by construction ([`render_to_html`],
//!   [`render_storage`]), asking the caller for URLs, users, child pages and included pages
//!   through [`RenderContext`] ([`NoContext`] renders fallbacks);
//! - **sanitize** HTML from outside into safe storage ([`sanitize_html`]);
//! - **extract** search text, headings, outgoing links and excerpts ([`extract_text`],
//!   [`headings`], [`outgoing_links`], [`excerpt`]) and rewrite links on page renames
//!   ([`rename_page_references`]) or a space is imported under another key
//!   ([`rename_space_key_references`]);
//! - **convert** wiki markup and Markdown to storage, storage to Markdown, and storage to and
//!   from editor HTML with every macro as an atomic node ([`wiki_to_storage`],
//!   [`markdown_to_storage`], [`storage_to_markdown`], [`storage_to_editor_html`],
//!   [`editor_html_to_storage`]);
//! - **edit**: convert storage to and from the WYSIWYG editor's document (TipTap JSON), lossless
//!   both ways, with unedited blocks kept byte for byte ([`storage_to_editor_json`],
//!   [`editor_json_to_storage`]);
//! - **merge** two edits made from the same version, block by block ([`merge_storage`]);
//! - **export**: a page or several (a space, [`PdfBook`]) as PDF ([`storage_to_pdf`]), and the
//!   HTML documents around rendered bodies for Word and for a static site ([`word_document_html`],
//!   [`site_page_html`], [`site_index_html`]).
//!
//! It must stay pure: no IO, no async, no global state, no knowledge of the database, of HTTP or
//! of permissions. Main types: [`Document`] and [`NodeRef`] (the tree), [`Resource`] (what a
//! link points at), [`RenderContext`] (what rendering needs from outside), [`FormatError`].

// Tests may unwrap: a panic there is a failed assertion.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod context;
mod editor;
mod editor_document;
pub mod entity;
mod error;
mod extract;
mod html;
mod markdown;
mod merge;
mod parse;
mod pdf;
mod pdf_text;
pub mod policy;
mod rename;
mod render;
mod resource;
mod sanitize;
mod site;
mod storage;
mod tree;
mod wiki;

pub use context::{
    AttachmentListing, ChildPage, NoContext, RenderContext, UserDisplay, encode_path_segment,
};
pub use editor::{ATOMIC_CLASS, STORAGE_ATTRIBUTE, editor_html_to_storage, storage_to_editor_html};
pub use editor_document::{editor_json_to_storage, storage_to_editor_json};
pub use error::{FormatError, Malformation, Position};
pub use extract::{Heading, excerpt, extract_text, headings, outgoing_links};
pub use markdown::{markdown_to_storage, storage_to_markdown};
pub use merge::{Merge, MergeChunk, Resolution, merge_storage};
pub use parse::{MAX_DEPTH, check_well_formed, parse};
pub use pdf::{PdfBook, storage_to_pdf};
pub use pdf_text::pdf_text;
pub use rename::{rename_page_references, rename_space_key_references};
pub use render::{render_storage, render_to_html};
pub use resource::{AttachmentOwner, PageTarget, Resource, UserTarget};
pub use sanitize::sanitize_html;
pub use site::{
    SITE_STYLESHEET, SITE_STYLESHEET_FILE, SiteLink, SiteTreeNode, encode_file_segment,
    safe_file_name, site_index_html, site_page_html, word_document_html,
};
pub use tree::{Attribute, Children, Descendants, Document, NodeId, NodeKind, NodeRef};
pub use wiki::wiki_to_storage;
