//! What can go wrong while importing, each with what failed and its source.

use thiserror::Error;

/// Every failure of an import. None of them leaves anything behind in the wiki: the reader only
/// writes its temporary spill file, and the writer commits all or nothing.
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
}

pub type ImportResult<T> = Result<T, ImportError>;
