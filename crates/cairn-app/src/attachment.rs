//! Uploading attachments, from the REST API and the UI's upload form alike, and removing their
//! bytes.
//!
//! An upload is an [`Upload`]: the adapter hands it each file as a stream of bytes
//! ([`Upload::receive`]), which checks the name, decides whether the file is new or a new version,
//! and streams the bytes into the blob store under a key only this module makes. Then
//! [`Upload::record`] writes every file's rows in one transaction with their journal entries, or
//! none; whatever goes wrong on the way, bytes that were not recorded are deleted.

use std::io;

use bytes::Bytes;
use cairn_blob::{BlobError, BlobKey};
use cairn_core::{Attachment, Content, ContentId};
use cairn_store::{AttachmentWrite, StoredFile};
use futures_util::Stream;

use crate::access::{self, ContentAction};
use crate::clock::now_ms;
use crate::credentials::new_secret;
use crate::error::{Error, ErrorCode};
use crate::{Caller, Node};

/// What a blob store failure means to whoever uploaded or asked for bytes.
pub fn blob_error(error: BlobError) -> Error {
    match error {
        BlobError::TooLarge { limit, .. } => Error::new(
            ErrorCode::AttachmentTooLarge,
            format!("The file is larger than the attachment limit of {limit} bytes"),
        ),
        BlobError::NotFound { .. } => Error::new(
            ErrorCode::AttachmentBytesMissing,
            "The attachment's bytes are missing",
        ),
        BlobError::RangeNotSatisfiable { .. } | BlobError::InvalidRange { .. } => Error::new(
            ErrorCode::RangeNotSatisfiable,
            "The requested range is not satisfiable",
        ),
        BlobError::Upload { .. } => Error::bad_request("the upload was interrupted"),
        other => {
            tracing::error!(error = %other, "blob store error");
            Error::internal()
        }
    }
}

/// A media type for a file: the one it was sent with, unless that is a generic binary type; then
/// one guessed from the file name.
pub fn media_type_for(declared: Option<&str>, filename: &str) -> String {
    if let Some(given) = declared.map(str::trim).filter(|t| !t.is_empty())
        && !matches!(given, "application/octet-stream" | "application/binary")
    {
        return given.to_string();
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
    .to_string()
}

/// Where the bytes of `version` of attachment `id` on `container` live. The random part keeps
/// two uploads of the same version (one of them rolled back) from ever sharing a key.
pub(crate) fn blob_key_for(
    container: ContentId,
    id: ContentId,
    version: i32,
) -> Result<BlobKey, Error> {
    let unique: String = new_secret()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    BlobKey::new(format!("attachments/{container}/{id}/v{version}-{unique}"))
        .map_err(|_| Error::internal())
}

/// What an upload is for.
#[derive(Debug, Clone)]
pub enum UploadTarget {
    /// New attachments; a file named like an existing attachment becomes its new version when
    /// `allow_duplicated` is set, and is refused otherwise (Confluence's default).
    Files { allow_duplicated: bool },
    /// Exactly one file, a new version of this attachment whatever its name.
    NewVersionOf(Attachment),
}

/// A file streamed into the blob store, not recorded yet.
struct Received {
    /// `Some` when the file is a new version of this attachment.
    existing: Option<Attachment>,
    id: ContentId,
    title: String,
    key: BlobKey,
    media_type: String,
    size_bytes: u64,
    sha256: String,
}

/// One upload in progress (see the module documentation). Bytes received and not recorded are
/// deleted by [`Upload::record`] on failure and by [`Upload::discard`]; an upload dropped
/// without either leaves them to the orphan sweep.
pub struct Upload {
    node: Node,
    container: Content,
    target: UploadTarget,
    received: Vec<Received>,
}

impl Upload {
    /// Starts an upload to `container` for `caller`, who must be allowed to attach files to it.
    pub async fn start(
        node: &Node,
        caller: &Caller,
        container: Content,
        target: UploadTarget,
    ) -> Result<Upload, Error> {
        access::require(node, caller.user.id, &container, ContentAction::Attach).await?;
        Ok(Upload {
            node: node.clone(),
            container,
            target,
            received: Vec::new(),
        })
    }

    /// Files received so far.
    pub fn file_count(&self) -> usize {
        self.received.len()
    }

    /// Streams one file into the blob store. On any error every file of the upload is deleted
    /// and the upload is over.
    pub async fn receive<S>(
        &mut self,
        filename: &str,
        declared_media_type: Option<&str>,
        bytes: S,
    ) -> Result<(), Error>
    where
        S: Stream<Item = Result<Bytes, io::Error>> + Send,
    {
        match self.receive_one(filename, declared_media_type, bytes).await {
            Ok(received) => {
                self.received.push(received);
                Ok(())
            }
            Err(error) => {
                self.delete_received().await;
                Err(error)
            }
        }
    }

    async fn receive_one<S>(
        &self,
        filename: &str,
        declared_media_type: Option<&str>,
        bytes: S,
    ) -> Result<Received, Error>
    where
        S: Stream<Item = Result<Bytes, io::Error>> + Send,
    {
        if filename.trim().is_empty() {
            return Err(Error::bad_request("a file part needs a filename"));
        }
        let filename = cairn_core::limits::check_file_name(filename)
            .map_err(|error| Error::bad_request(error.message))?;
        if let UploadTarget::NewVersionOf(_) = self.target
            && !self.received.is_empty()
        {
            return Err(Error::bad_request(
                "a new version takes exactly one file part",
            ));
        }
        // Two parts of one name would make the second overwrite the first within one upload.
        if self
            .received
            .iter()
            .any(|file| file.title.to_lowercase() == filename.to_lowercase())
        {
            return Err(Error::new(
                ErrorCode::AttachmentNameTaken,
                format!("the upload holds two files named {filename}; nothing was stored"),
            ));
        }
        let existing = match &self.target {
            UploadTarget::NewVersionOf(attachment) => Some(attachment.clone()),
            UploadTarget::Files { allow_duplicated } => {
                let existing = self
                    .node
                    .store
                    .find_attachment_by_title(self.container.id, &filename)
                    .await?;
                if existing.is_some() && !allow_duplicated {
                    return Err(Error::new(
                        ErrorCode::AttachmentNameTaken,
                        format!(
                            "Cannot add a new attachment with same file name as an existing attachment: {filename}"
                        ),
                    ));
                }
                existing
            }
        };
        let id = match &existing {
            Some(attachment) => attachment.id,
            None => self.node.store.allocate_content_id().await?,
        };
        let version = existing
            .as_ref()
            .map_or(1, |attachment| attachment.version + 1);
        let key = blob_key_for(self.container.id, id, version)?;
        let media_type = media_type_for(declared_media_type, &filename);
        let stored = self
            .node
            .blobs
            .put_stream(
                &key,
                bytes,
                Some(crate::configuration::attachment_max_bytes(&self.node).await),
            )
            .await
            .map_err(blob_error)?;
        Ok(Received {
            existing,
            id,
            title: filename,
            key,
            media_type,
            size_bytes: stored.size_bytes,
            sha256: stored.sha256_hex,
        })
    }

    /// Records every file received as an attachment or a new version, in one transaction.
    pub async fn record(
        mut self,
        caller: &Caller,
        comment: &str,
        minor_edit: bool,
    ) -> Result<Vec<Attachment>, Error> {
        if self.received.is_empty() {
            return Err(Error::bad_request("the request has no part named file"));
        }
        let now = now_ms();
        let writes: Vec<AttachmentWrite> = self
            .received
            .iter()
            .map(|file| {
                let stored = StoredFile {
                    media_type: file.media_type.clone(),
                    size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
                    sha256: file.sha256.clone(),
                    blob_key: file.key.as_str().to_string(),
                    comment: comment.to_string(),
                    minor_edit,
                    author_id: caller.user.id,
                    now_ms: now,
                };
                match &file.existing {
                    Some(existing) => AttachmentWrite::NewVersion {
                        id: existing.id,
                        current: existing.version,
                        file: stored,
                    },
                    None => AttachmentWrite::New {
                        id: file.id,
                        container_id: self.container.id,
                        title: file.title.clone(),
                        file: stored,
                    },
                }
            })
            .collect();
        match self.node.store.record_attachments(&writes).await {
            Ok(recorded) => {
                tracing::info!(container = %self.container.id, files = recorded.len(), user = %caller.user.username, "attachments recorded");
                Ok(recorded)
            }
            Err(error) => {
                self.delete_received().await;
                Err(error.into())
            }
        }
    }

    /// Ends the upload without recording anything; its bytes are deleted.
    pub async fn discard(mut self) {
        self.delete_received().await;
    }

    async fn delete_received(&mut self) {
        for file in self.received.drain(..) {
            let _ = self.node.blobs.delete(&file.key).await;
        }
    }
}

/// Deletes bytes that no attachment version records any more (a failure is left to the sweeper).
pub async fn delete_unreferenced_blob(node: &Node, blob_key: String) {
    match node.store.blob_key_is_referenced(&blob_key).await {
        Ok(false) => {
            if let Ok(key) = BlobKey::new(blob_key) {
                let _ = node.blobs.delete(&key).await;
            }
        }
        Ok(true) => {}
        Err(error) => tracing::warn!(%error, "could not check a blob before deleting it"),
    }
}

/// Moves `attachment` to the trash, or (with `purge`, or when it is in the trash already) deletes
/// it for good with the bytes of every version.
pub async fn delete_attachment(
    node: &Node,
    caller: &crate::Caller,
    attachment: &Attachment,
    purge: bool,
) -> Result<(), Error> {
    let purged = purge || attachment.status == cairn_core::ContentStatus::Trashed;
    if purged {
        let keys = node.store.purge_attachment(attachment.id).await?;
        for key in keys {
            if let Ok(key) = BlobKey::new(key) {
                let _ = node.blobs.delete(&key).await;
            }
        }
    } else {
        node.store.trash_attachment(attachment.id).await?;
    }
    let summary = if purged {
        "Attachment purged"
    } else {
        "Attachment moved to the trash"
    };
    let mut event = crate::audit::Event::new(
        crate::audit::category::PAGES,
        summary,
        crate::audit::object::ATTACHMENT,
        attachment.title.clone(),
    )
    .with_id(attachment.id.0);
    if let Ok(Some(space)) = node.store.find_space_by_id(attachment.space_id).await {
        event = event.associated(crate::audit::object::SPACE, space.key.as_str());
    }
    crate::audit::record(node, caller, event).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_declared_type_or_the_name() {
        assert_eq!(media_type_for(Some("image/png"), "x.bin"), "image/png");
        assert_eq!(
            media_type_for(Some("application/octet-stream"), "notes.md"),
            "text/markdown"
        );
        assert_eq!(media_type_for(None, "archive.ZIP"), "application/zip");
        assert_eq!(
            media_type_for(None, "no-extension"),
            "application/octet-stream"
        );
    }

    #[test]
    fn blob_keys_name_container_attachment_and_version_and_never_repeat() {
        let first = blob_key_for(ContentId(10), ContentId(11), 2).expect("key");
        let second = blob_key_for(ContentId(10), ContentId(11), 2).expect("key");
        assert!(
            first.as_str().starts_with("attachments/10/11/v2-"),
            "{first}"
        );
        assert_ne!(first, second);
    }
}
