//! Cairn's data layer, and the only crate that knows SQL.
//!
//! One code path serves three dialects (SQLite, PostgreSQL, MySQL/MariaDB) through sqlx's `Any` driver:
//! statements are written once with `?` placeholders and rewritten for PostgreSQL ([`sql`]); column
//! types are portable (SMALLINT booleans, BIGINT epoch-millisecond times); ids come from a block
//! allocator ([`ids`]) instead of `RETURNING`. Migrations live in `migrations/{sqlite,postgres,mysql}`
//! with identical version numbers and run at start under the database's own lock.
//!
//! Main types: [`Store`] (pool + dialect + id allocator) and [`StoreError`]. Repositories are methods on
//! `Store`, one module per noun (`space`, `content`, `user`, `session`).
//!
//! Must not: speak HTTP, render HTML, or hold a transaction across anything but SQL.

mod attachment;
mod audit;
mod backup;
mod batch;
mod comment;
mod content;
mod database_url;
mod db;
mod draft;
mod error;
mod export;
mod global_permission;
mod ids;
mod import;
mod index_source;
mod journal;
mod label;
mod lease;
mod like;
mod node;
mod permission;
pub mod probe;
mod row;
mod session;
mod setting;
mod space;
mod space_label;
mod sql;
mod statement;
mod task;
mod tree;
mod user;
mod wakeup;
mod watch;
mod window;
mod write;

pub use attachment::{AttachmentListing, AttachmentWrite, StoredFile};
pub use audit::{AuditChange, AuditFilter, AuditObject, AuditRecord, NewAuditRecord};
pub use backup::{
    BACKUP_TABLES, BackupTable, Cell, CellKind, Column, Restoring, Snapshot, SnapshotBlob,
    TablePolicy, backup_table,
};
pub use comment::{CommentListing, NewComment};
pub use content::{ContentListing, NewContent, UpdateContent};
pub use database_url::{DatabaseUrl, DatabaseUrlError, Engine};
pub use db::{Dialect, MigrationStatus, Store, StoreOptions, redact_url};
pub use draft::PageDraft;
pub use error::StoreError;
pub use export::{
    ExportedAttachment, ExportedAttachmentVersion, ExportedContent, ExportedGrant, ExportedLabel,
    ExportedProperty, ExportedRestriction, ExportedVersion, ExportedWatch,
};
pub use global_permission::{GlobalGrant, GlobalPermissionChange};
pub use import::{
    ImportedAttachment, ImportedContent, ImportedProperty, ImportedSpace, ImportedUser,
    ImportedVersion,
};
pub use index_source::{ParentMap, SearchSource, SourceFile, ViewerScope};
pub use journal::{Change, ChangeKind, JournalCursor, JournalEntry};
pub use label::PropertyWrite;
pub use lease::LeaseRecord;
pub use like::{ExportedLike, LikeSummary};
pub use node::{NodeHeartbeat, NodeRecord, NodeState};
pub use permission::{NamedRestriction, SpaceGrant, SpacePermissionChange};
pub use session::{AccessTokenInfo, NewAccessToken};
pub use space::NewSpace;
pub use space_label::SpaceLabel;
pub use task::LongTask;
pub use tree::MovePosition;
pub use user::NewUser;
pub use wakeup::{JOURNAL_CHANNEL, JournalWakeups, WakeupState, WakeupStatus};
pub use watch::WatchTarget;
pub use window::{Listed, Window};

/// The deepest page tree Cairn walks; deeper chains are cut there.
pub use content::MAX_TREE_DEPTH;
pub use write::{Unjournaled, WriteTx};

/// The result type of every store operation.
pub type StoreResult<T> = Result<T, StoreError>;
