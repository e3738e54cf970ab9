//! Cairn's Confluence interchange: the importer of Confluence XML exports (`cairn import
//! confluence FILE.zip`) and the exporter of a space in the same format (`cairn export confluence
//! KEY FILE.zip`).
//!
//! Reading ([`Export::read`]): the zip is opened ([`archive`]), entities.xml is streamed once
//! through a filter of forbidden control characters into a parser of Hibernate's generic shape
//! ([`xml`]), and every object is spilled to a temporary SQLite file ([`spill`]); relations are then
//! joined both ways into a normalised [`Model`] ([`model`]), whatever Confluence version (3.x to
//! 9.x, Cloud) wrote the export. Bodies stay in the spill and attachment bytes in the zip until the
//! writer streams them.
//!
//! Writing ([`import`]): space keys are checked first, users the wiki lacks are created
//! deactivated, Confluence's content ids are kept where free, attachment bytes are streamed from
//! the zip into the blob store, and everything else is written in one transaction with its journal
//! entries; a failure deletes the bytes already stored and leaves the wiki as it was. The
//! [`ImportReport`] says what was imported per kind and what was skipped and why.
//!
//! Exporting ([`export_space`], module [`export`]): the space is read from the store in batches and
//! written as a Confluence space export (entities.xml object by object, attachment bytes streamed
//! from the blob store) into a temporary zip renamed onto the destination when complete; the
//! importer reads it back without loss. The [`ExportSummary`] counts what was written.
//!
//! Must not: write anything but its own temporary spill file while reading; panic on bad input
//! (every error is an [`ImportError`] naming what failed).

mod annotation_rows;
mod annotations;
mod archive;
mod error;
pub mod export;
mod grants;
mod key_renames;
mod labels;
pub mod model;
mod prepare;
mod progress;
mod reader;
mod report;
mod selection;
mod spill;
pub mod synthetic;
mod time;
mod writer;
pub mod xml;

pub use archive::{Archive, ControlCharacterFilter, ENTITIES, FileStreamer};
pub use error::{ImportError, ImportResult};
pub use export::zip_sink::ZipSink;
pub use export::{ExportSummary, export_space};
pub use model::{
    BodyRef, BodyType, ContentKind, ExportAttachment, ExportAttachmentVersion, ExportComment,
    ExportContent, ExportGroup, ExportLabelling, ExportLike, ExportProperty, ExportRestriction,
    ExportSpace, ExportSpaceLabel, ExportSpacePermission, ExportStatus, ExportSubject, ExportUser,
    ExportVersion, ExportWatch, ExportWatchTarget, Model, Skipped,
};
pub use progress::{ImportProgress, ProgressSink};
pub use reader::Export;
pub use report::ImportReport;
pub use time::{format_export_time, parse_export_time};
pub use writer::{ImportOptions, import};
