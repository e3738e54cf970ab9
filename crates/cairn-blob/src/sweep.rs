//! The sweeper: removes leftovers of interrupted uploads and blobs no row refers to.
//!
//! Attachment bytes are stored before their row is committed (principle 3), so a crash or a
//! failed transaction leaves bytes nobody refers to. They are removed only once they are older
//! than a grace period longer than any upload plus transaction, so a blob whose row is about to
//! be committed is never taken.

use std::future::Future;
use std::path::{Path as FsPath, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::TryStreamExt;

use crate::error::BoxedSource;
use crate::store::epoch_ms;
use crate::{BlobError, BlobKey, BlobLocation, BlobStore};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Leftovers of interrupted uploads removed (staged files of the directory backend).
    pub temporaries_removed: u64,
    /// Blobs removed because nothing referred to them.
    pub orphans_removed: u64,
    /// Blobs old enough to be checked and found referenced.
    pub referenced_kept: u64,
}

impl BlobStore {
    /// Removes, under `prefix` (everything when `None`), leftovers of interrupted uploads and the
    /// blobs for which `is_referenced` answers `false`, when they were last modified more than
    /// `older_than` ago. Younger blobs are neither checked nor removed.
    ///
    /// `is_referenced` is asked once per old blob; when it fails, the sweep stops with
    /// [`BlobError::ReferenceCheck`] and removes nothing more. Keys must never be reused for new
    /// bytes once their row is gone: the sweeper re-checks a blob's age just before deleting it,
    /// which narrows but cannot close the race with a new upload to the same key.
    ///
    /// On S3, an interrupted multipart upload is invisible and cannot be listed through this
    /// client: configure the bucket's lifecycle rule `AbortIncompleteMultipartUpload` (see
    /// docs/operations.md).
    pub async fn sweep_orphans<F, Fut, E>(
        &self,
        prefix: Option<&BlobKey>,
        older_than: Duration,
        is_referenced: F,
    ) -> Result<SweepReport, BlobError>
    where
        F: FnMut(BlobKey) -> Fut,
        Fut: Future<Output = Result<bool, E>>,
        E: Into<BoxedSource>,
    {
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(UNIX_EPOCH);
        self.sweep_orphans_modified_before(prefix, cutoff, is_referenced)
            .await
    }

    /// Like [`BlobStore::sweep_orphans`] with an absolute cutoff: only what was last modified
    /// strictly before `cutoff` is considered.
    pub async fn sweep_orphans_modified_before<F, Fut, E>(
        &self,
        prefix: Option<&BlobKey>,
        cutoff: SystemTime,
        mut is_referenced: F,
    ) -> Result<SweepReport, BlobError>
    where
        F: FnMut(BlobKey) -> Fut,
        Fut: Future<Output = Result<bool, E>>,
        E: Into<BoxedSource>,
    {
        let mut report = SweepReport {
            temporaries_removed: self.remove_stale_temporaries(prefix, cutoff).await?,
            ..SweepReport::default()
        };

        let cutoff_ms = epoch_ms(cutoff);
        let mut old_blobs = self.list_modified_before(prefix, cutoff);
        while let Some(blob) = old_blobs.try_next().await? {
            let referenced = is_referenced(blob.key.clone()).await.map_err(|source| {
                BlobError::ReferenceCheck {
                    key: blob.key.to_string(),
                    source: source.into(),
                }
            })?;
            if referenced {
                report.referenced_kept += 1;
                continue;
            }
            if !self.still_unchanged_before(&blob.key, cutoff_ms).await? {
                tracing::info!(key = %blob.key, "orphan rewritten during the sweep; kept");
                continue;
            }
            self.delete(&blob.key).await?;
            tracing::info!(key = %blob.key, size_bytes = blob.size_bytes, "orphaned blob removed");
            report.orphans_removed += 1;
        }
        Ok(report)
    }

    /// True when `key` still exists and was last modified before `cutoff_ms`.
    async fn still_unchanged_before(
        &self,
        key: &BlobKey,
        cutoff_ms: i64,
    ) -> Result<bool, BlobError> {
        let path = crate::store::object_path(key);
        match object_store::ObjectStoreExt::head(self.shared().objects.as_ref(), &path).await {
            Ok(meta) => Ok(meta.last_modified.timestamp_millis() < cutoff_ms),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(BlobError::from_object_store(
                "inspect",
                key.as_str(),
                source,
            )),
        }
    }

    /// Removes staged files (`name#N`) of interrupted uploads last modified before `cutoff`.
    /// The directory backend's uploads write to such a file and rename it when complete; S3 keeps
    /// unfinished uploads out of sight, so there is nothing to do here for S3.
    async fn remove_stale_temporaries(
        &self,
        prefix: Option<&BlobKey>,
        cutoff: SystemTime,
    ) -> Result<u64, BlobError> {
        let BlobLocation::Directory { root } = self.location() else {
            return Ok(0);
        };
        let start = match prefix {
            Some(prefix) => root.join(prefix.as_str()),
            None => root.clone(),
        };
        let walk = tokio::task::spawn_blocking(move || remove_staged_files_before(&start, cutoff));
        match walk.await {
            Ok(result) => result,
            Err(join_error) => Err(BlobError::Filesystem {
                operation: "sweep staged uploads in",
                path: root.clone(),
                source: std::io::Error::other(join_error),
            }),
        }
    }
}

/// Walks `directory` and removes staged upload files modified before `cutoff`. Blocking.
fn remove_staged_files_before(directory: &FsPath, cutoff: SystemTime) -> Result<u64, BlobError> {
    let mut removed = 0;
    let mut pending_directories: Vec<PathBuf> = vec![directory.to_owned()];
    while let Some(current) = pending_directories.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            // A prefix with no blobs yet, or a directory removed by a concurrent delete.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(filesystem_error("read the directory", &current, source)),
        };
        for entry in entries {
            let entry =
                entry.map_err(|source| filesystem_error("read the directory", &current, source))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .map_err(|source| filesystem_error("inspect", &path, source))?;
            if file_type.is_dir() {
                pending_directories.push(path);
                continue;
            }
            if !file_type.is_file() || !is_staged_upload_name(&entry.file_name().to_string_lossy())
            {
                continue;
            }
            let modified = match entry.metadata().and_then(|metadata| metadata.modified()) {
                Ok(modified) => modified,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => return Err(filesystem_error("inspect", &path, source)),
            };
            if modified >= cutoff {
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "stale staged upload removed");
                    removed += 1;
                }
                // Finished (renamed) or discarded by its upload in the meantime.
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(filesystem_error("remove", &path, source)),
            }
        }
    }
    Ok(removed)
}

/// Staged uploads of the directory backend are named `<final name>#<digits>`; blob keys never
/// contain `#`.
fn is_staged_upload_name(file_name: &str) -> bool {
    match file_name.rsplit_once('#') {
        Some((base, suffix)) => {
            !base.is_empty()
                && !suffix.is_empty()
                && suffix.bytes().all(|byte| byte.is_ascii_digit())
        }
        None => false,
    }
}

fn filesystem_error(operation: &'static str, path: &FsPath, source: std::io::Error) -> BlobError {
    BlobError::Filesystem {
        operation,
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_staged_upload_names() {
        assert!(is_staged_upload_name("v1#1"));
        assert!(is_staged_upload_name("v1#12"));
        assert!(!is_staged_upload_name("v1"));
        assert!(!is_staged_upload_name("v1#"));
        assert!(!is_staged_upload_name("#1"));
        assert!(!is_staged_upload_name("v1#1a"));
    }
}
