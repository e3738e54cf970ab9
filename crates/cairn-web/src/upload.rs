//! Multipart upload bodies, for the REST API and the UI alike: each `file` part is handed to the
//! application's [`Upload`] as a stream, the other parts are read as text.

use axum::extract::Multipart;
use cairn_app::attachment::Upload;
use futures_util::TryStreamExt;

use cairn_app::confluence_import::{ImportRequest, SpooledExport};

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

/// Largest text part of an import request (a key mapping, a file name, a flag).
const MAX_IMPORT_TEXT_PART: usize = 1024;
/// Most key mappings one import request may carry.
const MAX_KEY_MAPPINGS: usize = 100;

/// Reads an import request from `multipart`: the export in the part `file` (spooled to a temporary
/// file through `cairn_app::confluence_import::spool`, which checks that the caller is a site
/// administrator before a byte is read and bounds the size) or the name of a file in the node's
/// import folder in the part `serverFile`; `spaceKeyMap` parts (`OLD=NEW`, repeatable) and
/// `dryRun` (`true`) add to what `query` already asks.
pub async fn receive_export(
    node: &cairn_app::Node,
    caller: &cairn_app::Caller,
    multipart: &mut Multipart,
    mut request: ImportRequest,
) -> Result<(SpooledExport, ImportRequest), ApiError> {
    cairn_app::access::require_site_administrator(caller, "import a Confluence export")?;
    let mut export = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                return Err(ApiError::bad_request(format!(
                    "the multipart body could not be read: {error}"
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            // A browser's form without a chosen file sends the part with an empty file name.
            if field.file_name() == Some("") {
                continue;
            }
            if export.is_some() {
                return Err(ApiError::bad_request("an import takes one export"));
            }
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.map_err(|error| std::io::Error::other(error.to_string()));
            export =
                Some(cairn_app::confluence_import::spool(node, caller, &file_name, bytes).await?);
            continue;
        }
        if !matches!(name.as_str(), "serverFile" | "spaceKeyMap" | "dryRun") {
            continue;
        }
        let text = bounded_text(field).await?;
        match name.as_str() {
            "serverFile" if !text.trim().is_empty() => {
                if export.is_some() {
                    return Err(ApiError::bad_request("an import takes one export"));
                }
                export = Some(cairn_app::confluence_import::from_import_folder(
                    node,
                    caller,
                    text.trim(),
                )?);
            }
            "spaceKeyMap" => request.add_key_mappings(&text)?,
            "dryRun" => request.dry_run |= text.trim().eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    match export {
        Some(export) => Ok((export, request)),
        None => Err(ApiError::bad_request(
            "the upload needs a part named file holding the export (or serverFile naming a file in the import folder)",
        )),
    }
}

/// A text part, refused past [`MAX_IMPORT_TEXT_PART`] bytes.
async fn bounded_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|error| {
        ApiError::bad_request(format!("the multipart body could not be read: {error}"))
    })? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_IMPORT_TEXT_PART {
            return Err(ApiError::bad_request(format!(
                "a text part of an import request holds at most {MAX_IMPORT_TEXT_PART} bytes"
            )));
        }
    }
    String::from_utf8(bytes).map_err(|_| ApiError::bad_request("a text part is not UTF-8"))
}

/// The key mappings and dry run an import request's query asks for (`spaceKeyMap=OLD=NEW`,
/// repeatable, or several separated by commas; `dryRun=true`).
pub fn import_request_from_query(
    query: &crate::request::QueryPairs,
) -> Result<ImportRequest, ApiError> {
    let mut request = ImportRequest {
        dry_run: query
            .get("dryRun")
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true")),
        ..ImportRequest::default()
    };
    for mapping in query.list("spaceKeyMap") {
        request.add_key_mappings(&mapping)?;
    }
    Ok(request)
}

/// Adds the `OLD=NEW` mappings of `text` (separated by commas, spaces or lines) to a request.
trait AddKeyMappings {
    fn add_key_mappings(&mut self, text: &str) -> Result<(), ApiError>;
}

impl AddKeyMappings for ImportRequest {
    fn add_key_mappings(&mut self, text: &str) -> Result<(), ApiError> {
        for mapping in text
            .split([',', '\n', ' ', '\r', '\t'])
            .filter(|mapping| !mapping.is_empty())
        {
            if self.space_key_map.len() >= MAX_KEY_MAPPINGS {
                return Err(ApiError::bad_request(format!(
                    "an import takes at most {MAX_KEY_MAPPINGS} space key mappings"
                )));
            }
            if !mapping.contains('=') {
                return Err(ApiError::bad_request(format!(
                    "a space key mapping is OLD=NEW, not {mapping:?}"
                )));
            }
            self.space_key_map.push(mapping.to_string());
        }
        Ok(())
    }
}
