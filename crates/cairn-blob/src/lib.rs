//! The blob store: where Cairn keeps attachment bytes (and, later, search index snapshots).
//!
//! Every node of a cluster opens the same store: a directory that all nodes mount (NFS, a shared
//! volume; on a laptop `<home>/shared/blobs`) or an S3 bucket (AWS or an S3-compatible server).
//! Both go through the `object_store` crate.
//!
//! Main types: [`BlobStore`] (cheap to clone), [`BlobKey`] (a validated relative key such as
//! `attachments/65/65539/v1`), [`BlobLocation`] and [`S3Settings`] (what to open), [`BlobError`].
//!
//! What it guarantees (DESIGN principle 3, "no half-written file is ever served"):
//! - [`BlobStore::put_stream`] streams the bytes to a temporary place and makes them visible under
//!   the key only when the whole stream arrived and is durable; a failing stream, a size limit or
//!   a backend error leaves the key as it was. Memory stays bounded for any blob size.
//! - The caller writes the blob first and commits its database row after; the sweeper
//!   ([`BlobStore::sweep_orphans`]) removes what no row refers to once it is older than a grace
//!   period, and the leftovers of interrupted uploads.
//!
//! What it must not do: no SQL (whether a blob is referenced is a question the caller answers
//! through a closure), no HTTP serving (it hands out byte streams; the web crate serves them), no
//! knowledge of attachments or pages beyond the keys it is given.
//!
//! S3 requests go through reqwest with rustls; ring is the only crypto provider, installed as the
//! process default when the binary has not installed one.

// Unit tests unwrap freely: a panic there is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod error;
mod key;
mod location;
mod s3;
mod store;
mod sweep;

pub use error::{BlobError, BoxedSource};
pub use key::{BlobKey, MAX_KEY_BYTES, MAX_SEGMENT_BYTES};
pub use location::{BlobLocation, S3Settings};
/// Every HTTP client in a process with this crate needs a TLS crypto provider installed first
/// (reqwest is built without a bundled one); this installs ring unless one is installed.
pub use s3::install_ring_as_tls_provider;
pub use store::{BlobMeta, BlobRead, BlobStore, ByteRange, StoredBlob};
pub use sweep::SweepReport;

// Only present to turn on reqwest's rustls support without a bundled crypto provider.
use reqwest_rustls_ring as _;
