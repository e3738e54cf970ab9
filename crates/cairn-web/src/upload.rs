//! Multipart upload bodies, for the REST API and the UI alike: each `file` part is handed to the
//! application's [`Upload`] as a stream, the other parts are read as text.

use axum::extract::Multipart;
use cairn_app::attachment::Upload;
use futures_util::TryStreamExt;

use crate::error::ApiError;

/// The text parts of an upload.
#[derive(Debug, Default)]
pub struct UploadForm {
    pub comment: String,
    pub minor_edit: bool,
}

/// Reads `multipart` into `upload`: every `file` part is streamed into the blob store, `comment`
/// and `minorEdit` are collected. On any error the files received so far are deleted.
pub async fn receive_form(
    mut upload: Upload,
    multipart: &mut Multipart,
) -> Result<(Upload, UploadForm), ApiError> {
    let mut form = UploadForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                upload.discard().await;
                return Err(ApiError::bad_request(format!(
                    "the multipart body could not be read: {error}"
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        // md2cf sends `comment` as a file part: named parts other than `file` are text.
        if name != "file" {
            let text = field.text().await.unwrap_or_default();
            match name.as_str() {
                "comment" => form.comment = text,
                "minorEdit" => form.minor_edit = text.trim().eq_ignore_ascii_case("true"),
                _ => {}
            }
            continue;
        }
        let filename = field.file_name().unwrap_or("").to_string();
        let declared_media_type = field.content_type().map(str::to_string);
        let bytes = field.map_err(|error| std::io::Error::other(error.to_string()));
        // On failure the upload has deleted what it had received.
        upload
            .receive(&filename, declared_media_type.as_deref(), bytes)
            .await?;
    }
    Ok((upload, form))
}

/// Reads the `file` part of `multipart` (a Confluence export) into a temporary file through
/// `cairn_app::confluence_import::spool`, which checks that the caller is a site administrator
/// before a byte is read and bounds the size. Other parts are ignored.
pub async fn receive_export(
    node: &cairn_app::Node,
    caller: &cairn_app::Caller,
    multipart: &mut Multipart,
) -> Result<cairn_app::confluence_import::SpooledExport, ApiError> {
    cairn_app::access::require_site_administrator(caller, "import a Confluence export")?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => {
                return Err(ApiError::bad_request(
                    "the upload needs a part named file holding the export",
                ));
            }
            Err(error) => {
                return Err(ApiError::bad_request(format!(
                    "the multipart body could not be read: {error}"
                )));
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let bytes = field.map_err(|error| std::io::Error::other(error.to_string()));
        return Ok(cairn_app::confluence_import::spool(node, caller, &file_name, bytes).await?);
    }
}
