//! Site backup and restore: every table's rows from one consistent snapshot and every blob those
//! rows name, in one zip file with a manifest ([`create`]), written back into an empty database of
//! any dialect and a blob store ([`restore`]). A backup of an embedded SQLite site restored into
//! PostgreSQL or MySQL is how a site leaves the embedded database.
//!
//! The archive:
//! - `manifest.json`: format, Cairn version, dialect, migrations, every table's columns, row
//!   count and SHA-256, the blob count and bytes, what was left out (see below);
//! - `tables/<table>.jsonl`: one JSON array per row, in primary-key order (deflated);
//! - `blobs/<key>`: the bytes of each attachment version (stored as they are);
//! - `blobs.jsonl`: one `{"key", "bytes", "sha256"}` per blob.
//!
//! **Consistency.** The rows come from one snapshot ([`cairn_store::Snapshot`]); the blobs are
//! copied while it is open, before the rows, from the attachment versions it holds. Bytes are
//! never changed once written, but purging an attachment (or deleting a version or a space)
//! deletes them right after its rows, so bytes the snapshot names may vanish before they are
//! copied. Such a version is left out of the backup as if it had been deleted before the
//! snapshot: a vanished current version leaves out the whole attachment with its versions,
//! labels and properties (what purging removes), a vanished older version only that version.
//! Bytes whose rows are still there but are missing from the blob store fail the backup.
//!
//! Must not: write SQL (that is `cairn-store`'s `backup.rs`), or restore into a database that
//! holds a site unless told to replace it.

mod archive;
mod restore;
mod take;

use std::path::PathBuf;

use cairn_store::{Cell, CellKind, Column};
use serde::{Deserialize, Serialize};

pub use restore::{RestoreOptions, RestoreSummary, restore};
pub use take::{BackupSummary, create};

/// What `manifest.json` says in `format`.
pub const FORMAT: &str = "cairn-backup";
/// The archive layout's version; a reader refuses others.
pub const FORMAT_VERSION: u32 = 1;

/// The largest `manifest.json` a restore reads.
const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// The longest line (one row, or one blob's entry in `blobs.jsonl`) either side writes or reads.
pub const MAX_ROW_BYTES: usize = 64 << 20;
/// The largest blob a restore accepts.
const MAX_BLOB_BYTES: u64 = 1 << 40;
/// Rows read from the snapshot per statement.
const ROWS_PER_PAGE: usize = 200;
/// Rows inserted per statement, and the most bytes of values one statement carries.
const ROWS_PER_INSERT: usize = 100;
const BYTES_PER_INSERT: usize = 4 << 20;

/// What went wrong in a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] cairn_store::StoreError),
    #[error(transparent)]
    Blob(#[from] cairn_blob::BlobError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a Cairn backup: {reason}")]
    Foreign { path: PathBuf, reason: String },
    #[error("{path} is damaged or incomplete: {reason}")]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "the backup was made at schema version {backup} (migrations {backup_migrations}), which this release does not know (it has {expected}: {expected_migrations}): restore it with the release that made it (Cairn {cairn_version}) or a newer one"
    )]
    SchemaMismatch {
        backup: i64,
        backup_migrations: String,
        expected: i64,
        expected_migrations: String,
        cairn_version: String,
    },
    #[error(
        "the database is at schema version {found} and this release expects {expected}: back it up with the release that runs it, or run `cairn migrate` first"
    )]
    SchemaNotCurrent { found: i64, expected: i64 },
    #[error(
        "the target database is at schema version {target}, past the backup's {backup}: restore an older backup into an empty database"
    )]
    TargetSchemaNewer { target: i64, backup: i64 },
    #[error(
        "the backup was restored at schema version {backup}, but migrating it on failed: {source}"
    )]
    MigrateAfterRestore {
        backup: i64,
        source: cairn_store::StoreError,
    },
    #[error(
        "the target database already holds a site (table {table} has {rows} rows): restore into an empty database, or ask explicitly to replace it"
    )]
    TargetNotEmpty { table: String, rows: i64 },
    #[error("the database has a table backup does not know: {0}")]
    UnknownTable(String),
    #[error("the database lacks table {0}, which this release expects")]
    MissingTable(String),
    #[error(
        "attachment {attachment_id} version {number} names bytes {key} that are not in the blob store"
    )]
    BlobMissing {
        attachment_id: i64,
        number: i64,
        key: String,
    },
    #[error("a row of {table} is larger than {limit} bytes")]
    RowTooLarge { table: String, limit: usize },
    #[error("the backup's archive writer stopped: {0}")]
    ArchiveWriter(String),
}

/// What `manifest.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// The release that made the backup.
    pub cairn_version: String,
    /// The dialect of the database backed up (`sqlite`, `postgres`, `mysql`).
    pub dialect: String,
    /// When the snapshot was taken, epoch milliseconds.
    pub created_ms: i64,
    /// The migrations applied to the database backed up, in order; the last is the schema version.
    pub migrations: Vec<i64>,
    pub tables: Vec<TableManifest>,
    pub blobs: BlobsManifest,
    /// Attachments and versions whose bytes were deleted while the backup ran, left out.
    pub left_out: LeftOut,
}

impl Manifest {
    /// The schema version: the last migration applied (0 for none).
    pub fn schema_version(&self) -> i64 {
        self.migrations.last().copied().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableManifest {
    pub name: String,
    pub columns: Vec<ColumnManifest>,
    pub rows: u64,
    /// Bytes of `tables/<name>.jsonl` (uncompressed) and their SHA-256.
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ColumnManifest {
    pub name: String,
    /// `integer` or `text`.
    pub kind: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlobsManifest {
    pub count: u64,
    /// Bytes of every blob together.
    pub bytes: u64,
    /// Bytes of `blobs.jsonl` and their SHA-256.
    pub index_bytes: u64,
    pub index_sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Attachments left out whole (their current bytes vanished).
    pub attachments: u64,
    /// Single older versions left out.
    pub attachment_versions: u64,
}

/// One line of `blobs.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BlobEntry {
    key: String,
    bytes: u64,
    sha256: String,
}

/// What a backup or restore reports while it runs (for a progress display).
#[derive(Debug, Clone)]
pub enum Progress {
    /// A step begins: `"copying blobs"`, `"verifying"`, …
    Step(&'static str),
    /// Rows of a large table done so far (every [`ROWS_PER_REPORT`] rows).
    Rows { table: String, rows: u64 },
    /// A table is done, with its rows.
    Table { name: String, rows: u64 },
    /// Blobs done so far and their bytes.
    Blobs { count: u64, bytes: u64 },
}

/// Rows between two [`Progress::Rows`] reports.
pub const ROWS_PER_REPORT: u64 = 10_000;

/// Where progress goes.
pub type ProgressSink<'a> = &'a (dyn Fn(Progress) + Send + Sync);

fn table_entry_name(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

fn blob_entry_name(key: &str) -> String {
    format!("blobs/{key}")
}

const MANIFEST_ENTRY: &str = "manifest.json";
const BLOB_INDEX_ENTRY: &str = "blobs.jsonl";

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A row as one JSON array: `null`, numbers and strings.
fn row_to_json(row: &[Cell]) -> String {
    let values: Vec<serde_json::Value> = row
        .iter()
        .map(|cell| match cell {
            Cell::Null => serde_json::Value::Null,
            Cell::Integer(value) => serde_json::Value::from(*value),
            Cell::Text(value) => serde_json::Value::from(value.as_str()),
        })
        .collect();
    serde_json::Value::Array(values).to_string()
}

/// A row read back from its JSON array, each value checked against its column's kind.
fn row_from_json(line: &[u8], columns: &[Column]) -> Result<Vec<Cell>, String> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(line)
        .map_err(|error| format!("a row is not a JSON array: {error}"))?;
    if values.len() != columns.len() {
        return Err(format!(
            "a row has {} values for {} columns",
            values.len(),
            columns.len()
        ));
    }
    values
        .into_iter()
        .zip(columns)
        .map(|(value, column)| match (value, column.kind) {
            (serde_json::Value::Null, _) => Ok(Cell::Null),
            (serde_json::Value::Number(number), CellKind::Integer) => number
                .as_i64()
                .map(Cell::Integer)
                .ok_or_else(|| format!("{} holds {number}, not a 64-bit integer", column.name)),
            (serde_json::Value::String(text), CellKind::Text) => Ok(Cell::Text(text)),
            (other, kind) => Err(format!(
                "{} holds {other}, not a {} value",
                column.name,
                kind.name()
            )),
        })
        .collect()
}

fn columns_of(table: &TableManifest) -> Result<Vec<Column>, String> {
    table
        .columns
        .iter()
        .map(|column| {
            CellKind::parse(&column.kind)
                .map(|kind| Column {
                    name: column.name.clone(),
                    kind,
                })
                .ok_or_else(|| {
                    format!(
                        "column {}.{} has an unknown kind {:?}",
                        table.name, column.name, column.kind
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                name: "id".into(),
                kind: CellKind::Integer,
            },
            Column {
                name: "title".into(),
                kind: CellKind::Text,
            },
            Column {
                name: "parent_id".into(),
                kind: CellKind::Integer,
            },
        ]
    }

    #[test]
    fn rows_round_trip_through_json() {
        let row = vec![
            Cell::Integer(i64::MAX),
            Cell::Text("Ünïcode \"quoted\"\n<p>é</p>".into()),
            Cell::Null,
        ];
        let line = row_to_json(&row);
        assert!(!line.contains('\n'), "one row, one line");
        assert_eq!(row_from_json(line.as_bytes(), &columns()), Ok(row));
    }

    #[test]
    fn rows_that_do_not_fit_their_columns_are_refused() {
        for line in [
            r#"[1, "a"]"#,
            r#"["1", "a", null]"#,
            r#"[1, 2, null]"#,
            r#"[1.5, "a", null]"#,
            r#"{"id": 1}"#,
            r#"[1, "a", null"#,
        ] {
            assert!(
                row_from_json(line.as_bytes(), &columns()).is_err(),
                "{line} was accepted"
            );
        }
    }
}
