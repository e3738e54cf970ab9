use cairn_blob::BlobError;
use cairn_store::StoreError;

/// What can go wrong while generating a dataset or running a benchmark.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("blob store: {0}")]
    Blob(#[from] BlobError),
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("manifest: {0}")]
    Manifest(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(String),
    #[error("search index: {0}")]
    Search(String),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

impl BenchError {
    pub fn invalid(message: impl Into<String>) -> BenchError {
        BenchError::Invalid(message.into())
    }

    pub fn search(error: cairn_search::index::IndexError) -> BenchError {
        BenchError::Search(error.to_string())
    }
}
