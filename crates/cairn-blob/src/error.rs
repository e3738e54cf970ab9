//! `BlobError`: everything that can go wrong in the blob store.

use std::path::PathBuf;

/// A boxed error from a layer below (object store client, reference check).
pub type BoxedSource = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The one error type of this crate. Messages are lowercase and name the key (or path) involved.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// A key that [`crate::BlobKey`] does not accept.
    #[error("invalid blob key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },

    /// A location setting (`file:///…`, a path, `s3://…`) or S3 option that cannot be used.
    #[error("invalid blob store location {location:?}: {reason}")]
    InvalidLocation { location: String, reason: String },

    /// No blob under this key.
    #[error("blob {key} not found")]
    NotFound { key: String },

    /// The upload was longer than the caller's limit; nothing was stored under the key.
    #[error("blob {key} is larger than the limit of {limit} bytes")]
    TooLarge { key: String, limit: u64 },

    /// A range whose end lies before its start.
    #[error("invalid range {start}-{end_inclusive} for blob {key}")]
    InvalidRange {
        key: String,
        start: u64,
        end_inclusive: u64,
    },

    /// A range starting at or beyond the end of the blob (HTTP 416).
    #[error("range starting at byte {start} is beyond the end of blob {key} ({size_bytes} bytes)")]
    RangeNotSatisfiable {
        key: String,
        start: u64,
        size_bytes: u64,
    },

    /// The caller's data stream yielded an error; nothing was stored under the key.
    #[error("reading the data for blob {key} failed")]
    Upload {
        key: String,
        #[source]
        source: std::io::Error,
    },

    /// The backend (directory or S3) failed. `operation` is a verb such as `write` or `list`.
    #[error("blob store failed to {operation} {key}")]
    Backend {
        operation: &'static str,
        key: String,
        #[source]
        source: BoxedSource,
    },

    /// Filesystem work of the directory backend outside the object store (sweeping staged files).
    #[error("blob store failed to {operation} {}", path.display())]
    Filesystem {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The sweeper's reference check failed; the sweep stopped without deleting this blob.
    #[error("checking whether blob {key} is referenced failed")]
    ReferenceCheck {
        key: String,
        #[source]
        source: BoxedSource,
    },
}

impl BlobError {
    /// Wraps an object store error, turning "not found" into [`BlobError::NotFound`].
    pub(crate) fn from_object_store(
        operation: &'static str,
        key: &str,
        source: object_store::Error,
    ) -> Self {
        match source {
            object_store::Error::NotFound { .. } => Self::NotFound {
                key: key.to_owned(),
            },
            other => Self::Backend {
                operation,
                key: key.to_owned(),
                source: Box::new(other),
            },
        }
    }

    /// True for [`BlobError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}
