//! What can go wrong while importing, each with what failed and its source.

use thiserror::Error;

/// Every failure of an import or an export. None of them leaves anything behind: the reader only
/// writes its temporary spill file, the writer commits all or nothing, and an export removes its
/// unfinished zip.
#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a readable zip archive: {source}")]
    Zip {
        path: String,
        source: zip::result::ZipError,
    },
    #[error("{path} has no entities.xml: it is not a Confluence XML export")]
    NoEntities { path: String },
    #[error("cannot read {entry} from the export: {source}")]
    Read {
        entry: String,
        source: std::io::Error,
    },
    #[error("entities.xml is malformed near byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("entities.xml: {0}")]
    TooLarge(String),
    #[error("the temporary spill file failed: {0}")]
    Spill(#[from] sqlx::Error),
    #[error("the temporary spill file holds an unreadable object: {0}")]
    SpillDecode(#[from] serde_json::Error),
    #[error("cannot make a temporary directory: {0}")]
    TempDir(std::io::Error),
    #[error("space key {0} exists already")]
    SpaceKeyTaken(String),
    #[error("space key {key} cannot be imported: {reason}")]
    InvalidSpaceKey { key: String, reason: String },
    #[error("invalid --space-key-map '{0}': expected OLD=NEW")]
    InvalidKeyMap(String),
    #[error("the export holds no space to import")]
    NoSpaces,
    #[error("the database failed: {0}")]
    Store(#[from] cairn_store::StoreError),
    #[error("the blob store failed: {0}")]
    Blob(#[from] cairn_blob::BlobError),
    #[error("the reader of the zip archive stopped unexpectedly")]
    ReaderGone,
    #[error("space {0} not found")]
    SpaceNotFound(String),
    #[error("cannot write the export: {0}")]
    ExportWrite(std::io::Error),
    #[error("cannot write the export's zip archive: {0}")]
    ZipWrite(zip::result::ZipError),
    #[error("the writer of the zip archive stopped unexpectedly")]
    WriterGone,
}

pub type ImportResult<T> = Result<T, ImportError>;
