//! Attachments: list, upload (multipart, streamed to the blob store), new versions, download with
//! ranges. Bytes are stored before the row is committed; a failed upload leaves nothing visible.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_blob::{BlobError, BlobKey, ByteRange};
use cairn_core::{Attachment, AttachmentVersion, Content, ContentId, ContentStatus, ContentType};
use cairn_store::{AttachmentListing, AttachmentWrite, StoredFile};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use crate::AppState;
use crate::access::{self, ContentAction};
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::links::{encode_component, request_base};
use crate::time_format::now_ms;

/// The attachment id as clients see it.
pub fn attachment_id_text(id: ContentId) -> String {
    format!("att{id}")
}

/// `/download/attachments/{pageId}/{file}?version=N&modificationDate=…&api=v2`.
pub fn download_path(attachment: &Attachment) -> String {
    format!(
        "/download/attachments/{}/{}?version={}&modificationDate={}&api=v2",
        attachment.container_id,
        encode_component(&attachment.title),
        attachment.version,
        attachment.last_modified_ms
    )
}

fn blob_error(error: BlobError) -> ApiError {
    match error {
        BlobError::TooLarge { limit, .. } => ApiError::new(
            ErrorCode::AttachmentTooLarge,
            format!("The file is larger than the attachment limit of {limit} bytes"),
        ),
        BlobError::NotFound { .. } => ApiError::not_found(
            ErrorCode::AttachmentBytesMissing,
            "The attachment's bytes are missing",
        ),
        BlobError::RangeNotSatisfiable { .. } | BlobError::InvalidRange { .. } => ApiError::new(
            ErrorCode::RangeNotSatisfiable,
            "The requested range is not satisfiable",
        ),
        BlobError::Upload { .. } => ApiError::bad_request("the upload was interrupted"),
        other => {
            tracing::error!(error = %other, "blob store error");
            ApiError::internal()
        }
    }
}

/// A media type for a file: the part's own, unless it is a generic binary type; then one guessed
/// from the file name.
pub fn media_type_for(part_type: Option<&str>, filename: &str) -> String {
    if let Some(given) = part_type.map(str::trim).filter(|t| !t.is_empty())
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

impl JsonBuilder<'_> {
    /// The attachment object (§3.1.5): `metadata` and `extensions` always, `version` and `container`
    /// when asked for (uploads always include `version`).
    pub async fn attachment_json(
        &self,
        attachment: &Attachment,
        expand: &Expand,
    ) -> Result<Value, ApiError> {
        let space = self.space_of(attachment.space_id).await?;
        let id = attachment_id_text(attachment.id);
        let container = attachment.container_id;
        let mut object = json!({
            "id": id,
            "type": "attachment",
            "status": attachment.status,
            "title": attachment.title,
            "metadata": {
                "mediaType": attachment.media_type,
                "comment": attachment.comment,
                "labels": {"results": [], "start": 0, "limit": 200, "size": 0, "_links": {}},
                "_expandable": {"currentuser": "", "properties": "", "frontend": "", "editorHtml": ""},
            },
            "extensions": {"mediaType": attachment.media_type, "fileSize": attachment.size_bytes, "comment": attachment.comment},
            "_links": {
                "download": download_path(attachment),
                "webui": format!("/pages/viewpageattachments.action?pageId={container}&preview={}",
                                 encode_component(&format!("/{container}/{}/{}", attachment.id, attachment.title))),
                "self": format!("{}/rest/api/content/{id}", self.base),
                "base": self.base,
                "context": "",
            },
            "_expandable": {
                "container": format!("/rest/api/content/{container}"),
                "space": format!("/rest/api/space/{}", space.key),
                "history": format!("/rest/api/content/{id}/history"),
                "operations": "",
                "children": "",
                "ancestors": "",
                "body": "",
                "descendants": "",
            },
        });
        if expand.has("version") {
            let version = self
                .state
                .store
                .attachment_version(attachment.id, attachment.version)
                .await?;
            if let Some(version) = version {
                object["version"] = self.attachment_version_json(attachment, &version).await?;
            }
        } else {
            object["_expandable"]["version"] = json!("");
        }
        if expand.has("container")
            && let Some(page) = self.state.store.find_content(container).await?
        {
            object["container"] =
                Box::pin(self.content_json(&page, &expand.below("container"))).await?;
        }
        if expand.has("space") {
            object["space"] = self.space_json(&space, &Expand::default()).await?;
        }
        Ok(object)
    }

    async fn attachment_version_json(
        &self,
        attachment: &Attachment,
        version: &AttachmentVersion,
    ) -> Result<Value, ApiError> {
        let author = self.state.store.find_user(version.author_id).await?;
        Ok(json!({
            "by": self.user_json(author.as_ref()),
            "when": crate::time_format::iso_from_ms(version.created_ms),
            "friendlyWhen": crate::time_format::friendly_from_ms(version.created_ms, now_ms()),
            "message": version.comment,
            "number": version.number,
            "minorEdit": version.minor_edit,
            "hidden": false,
            "_links": {"self": format!("{}/rest/experimental/content/{}/version/{}", self.base, attachment_id_text(attachment.id), version.number)},
            "_expandable": {"content": format!("/rest/api/content/{}", attachment_id_text(attachment.id)), "collaborators": ""},
        }))
    }
}

/// The current page or blog post `id_text` names, when the caller may view it.
async fn current_container(
    state: &AppState,
    caller: &Principal,
    id_text: &str,
) -> Result<Content, ApiError> {
    let id = ContentId::parse(id_text).ok_or_else(|| ApiError::content_not_found(id_text))?;
    let container = state
        .store
        .find_content(id)
        .await?
        .filter(|content| {
            content.status == ContentStatus::Current && content.content_type != ContentType::Comment
        })
        .ok_or_else(|| ApiError::content_not_found(id))?;
    access::require_view(state, caller.user.id, &container).await?;
    Ok(container)
}

pub async fn list_attachments(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let container = current_container(&state, &caller, &id_text).await?;
    let paging = Paging::from_query(&query, 50, 1000)?;
    let listing = AttachmentListing {
        container_id: container.id,
        filename: query
            .get("filename")
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        media_type: query
            .get("mediaType")
            .filter(|kind| !kind.is_empty())
            .map(str::to_string),
        start: paging.start,
        limit: paging.limit,
    };
    let (attachments, has_more) = state.store.list_attachments(&listing).await?;
    let builder = JsonBuilder::new(&state, request_base(&state, &headers), caller.user.id);
    let expand = Expand::parse(query.get("expand"));
    let mut results = Vec::with_capacity(attachments.len());
    for attachment in &attachments {
        results.push(builder.attachment_json(attachment, &expand).await?);
    }
    let path = format!("/rest/api/content/{}/child/attachment", container.id);
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        &path,
        &query,
    )))
}

/// A file part streamed into the blob store, not yet recorded.
pub(crate) struct Received {
    /// `Some` when the upload is a new version of this attachment.
    existing: Option<Attachment>,
    id: ContentId,
    title: String,
    key: BlobKey,
    media_type: String,
    size_bytes: u64,
    sha256: String,
}

/// Reads the multipart body: streams every `file` part to the blob store and collects `comment` and
/// `minorEdit`. `new_version_of` forces every file to become a new version of that attachment.
pub(crate) async fn receive_files(
    state: &AppState,
    container: &Content,
    multipart: &mut Multipart,
    allow_duplicated: bool,
    new_version_of: Option<&Attachment>,
) -> Result<(Vec<Received>, String, bool), ApiError> {
    let mut received: Vec<Received> = Vec::new();
    let mut comment = String::new();
    let mut minor_edit = false;
    let cleanup = |received: &Vec<Received>| {
        let blobs = state.blobs.clone();
        let keys: Vec<BlobKey> = received.iter().map(|file| file.key.clone()).collect();
        async move {
            for key in keys {
                let _ = blobs.delete(&key).await;
            }
        }
    };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                cleanup(&received).await;
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
                "comment" => comment = text,
                "minorEdit" => minor_edit = text.trim().eq_ignore_ascii_case("true"),
                _ => {}
            }
            continue;
        }
        let Some(filename) = field
            .file_name()
            .map(str::to_string)
            .filter(|name| !name.trim().is_empty())
        else {
            cleanup(&received).await;
            return Err(ApiError::bad_request("a file part needs a filename"));
        };
        let filename = match cairn_core::limits::check_file_name(&filename) {
            Ok(checked) => checked,
            Err(error) => {
                cleanup(&received).await;
                return Err(ApiError::bad_request(error.message));
            }
        };
        // Two parts of one name would make the second overwrite the first within one request.
        if received
            .iter()
            .any(|file| file.title.to_lowercase() == filename.to_lowercase())
        {
            cleanup(&received).await;
            return Err(ApiError::new(
                ErrorCode::AttachmentNameTaken,
                format!("the upload holds two files named {filename}; nothing was stored"),
            ));
        }
        let existing = match new_version_of {
            Some(target) => Some(target.clone()),
            None => {
                state
                    .store
                    .find_attachment_by_title(container.id, &filename)
                    .await?
            }
        };
        if existing.is_some() && new_version_of.is_none() && !allow_duplicated {
            cleanup(&received).await;
            return Err(ApiError::new(
                ErrorCode::AttachmentNameTaken,
                format!(
                    "Cannot add a new attachment with same file name as an existing attachment: {filename}"
                ),
            ));
        }
        let id = match &existing {
            Some(attachment) => attachment.id,
            None => state.store.allocate_content_id().await?,
        };
        let version = existing
            .as_ref()
            .map_or(1, |attachment| attachment.version + 1);
        let unique = cairn_app::credentials::new_secret()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(10)
            .collect::<String>();
        let key = BlobKey::new(format!(
            "attachments/{}/{}/v{version}-{unique}",
            container.id, id
        ))
        .map_err(|_| ApiError::internal())?;
        let media_type = media_type_for(field.content_type(), &filename);
        let stream = field.map_err(|error| std::io::Error::other(error.to_string()));
        let stored = match state
            .blobs
            .put_stream(&key, stream, Some(state.node.settings.attachment_max_bytes))
            .await
        {
            Ok(stored) => stored,
            Err(error) => {
                cleanup(&received).await;
                return Err(blob_error(error));
            }
        };
        received.push(Received {
            existing,
            id,
            title: filename,
            key,
            media_type,
            size_bytes: stored.size_bytes,
            sha256: stored.sha256_hex,
        });
    }
    if received.is_empty() {
        return Err(ApiError::bad_request("the request has no part named file"));
    }
    Ok((received, comment, minor_edit))
}

/// Records received files as attachments or new versions; on failure removes bytes not yet recorded.
pub(crate) async fn record(
    state: &AppState,
    container: &Content,
    received: Vec<Received>,
    comment: &str,
    minor_edit: bool,
    caller: &Principal,
) -> Result<Vec<Attachment>, ApiError> {
    let mut writes = Vec::with_capacity(received.len());
    for file in &received {
        let stored = StoredFile {
            media_type: file.media_type.clone(),
            size_bytes: i64::try_from(file.size_bytes).unwrap_or(i64::MAX),
            sha256: file.sha256.clone(),
            blob_key: file.key.as_str().to_string(),
            comment: comment.to_string(),
            minor_edit,
            author_id: caller.user.id,
            now_ms: now_ms(),
        };
        writes.push(match &file.existing {
            Some(existing) => AttachmentWrite::NewVersion {
                id: existing.id,
                current: existing.version,
                file: stored,
            },
            None => AttachmentWrite::New {
                id: file.id,
                container_id: container.id,
                title: file.title.clone(),
                file: stored,
            },
        });
    }
    // One transaction for the whole upload: every file is recorded, or none is.
    match state.store.record_attachments(&writes).await {
        Ok(recorded) => Ok(recorded),
        Err(error) => {
            for file in &received {
                let _ = state.blobs.delete(&file.key).await;
            }
            Err(error.into())
        }
    }
}

/// `POST /rest/api/content/{id}/child/attachment`: one or more `file` parts; answers a paged list.
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path(id_text): Path<String>,
    query: QueryPairs,
    mut multipart: Multipart,
) -> Result<ApiJson, ApiError> {
    let container = current_container(&state, &caller, &id_text).await?;
    access::require(&state, caller.user.id, &container, ContentAction::Attach).await?;
    let allow_duplicated = query.get("allowDuplicated") == Some("true");
    let (received, comment, minor_edit) =
        receive_files(&state, &container, &mut multipart, allow_duplicated, None).await?;
    let attachments = record(&state, &container, received, &comment, minor_edit, &caller).await?;
    tracing::info!(container = %container.id, files = attachments.len(), user = %caller.user.username, "attachments uploaded");
    let builder = JsonBuilder::new(&state, request_base(&state, &headers), caller.user.id);
    let expand = Expand::parse(Some("version,container"));
    let mut results = Vec::with_capacity(attachments.len());
    for attachment in &attachments {
        results.push(builder.attachment_json(attachment, &expand).await?);
    }
    let paging = Paging {
        start: 0,
        limit: results.len().max(1) as i64,
    };
    let path = format!("/rest/api/content/{}/child/attachment", container.id);
    Ok(ApiJson(paged_list(
        results,
        paging,
        false,
        &builder.base,
        &path,
        &QueryPairs::default(),
    )))
}

/// `POST /rest/api/content/{id}/child/attachment/{attId}/data`: a new version of one attachment.
pub async fn upload_new_version(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path((id_text, attachment_text)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<ApiJson, ApiError> {
    let container = current_container(&state, &caller, &id_text).await?;
    let attachment = current_attachment_of(&state, &container, &attachment_text).await?;
    new_version(
        &state,
        &caller,
        &headers,
        &container,
        &attachment,
        multipart,
    )
    .await
}

/// `PUT /rest/api/content/{id}/child/attachment/{attId}` with JSON: renames the attachment
/// (`title`) and/or changes `metadata.mediaType`; the bytes and the version stay. `version.number` may
/// be the current number or the next one.
pub async fn update_metadata(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path((id_text, attachment_text)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<ApiJson, ApiError> {
    let request = super::parse_json_body(&body)?;
    let container = current_container(&state, &caller, &id_text).await?;
    access::require(&state, caller.user.id, &container, ContentAction::Attach).await?;
    let attachment = current_attachment_of(&state, &container, &attachment_text).await?;
    if let Some(number) = request["version"]["number"].as_i64()
        && number != i64::from(attachment.version)
        && number != i64::from(attachment.version) + 1
    {
        return Err(cairn_store::StoreError::StaleVersion {
            id: attachment.id,
            current: attachment.version,
        }
        .into());
    }
    let updated = state
        .store
        .update_attachment_metadata(
            attachment.id,
            request["title"].as_str(),
            request["metadata"]["mediaType"].as_str(),
            caller.user.id,
            now_ms(),
        )
        .await?;
    tracing::info!(attachment = %updated.id, user = %caller.user.username, "attachment properties changed");
    let builder = JsonBuilder::new(&state, request_base(&state, &headers), caller.user.id);
    Ok(ApiJson(
        builder
            .attachment_json(&updated, &Expand::parse(Some("version,container")))
            .await?,
    ))
}

/// The current attachment `attachment_text` names on `container`; any other is not found.
async fn current_attachment_of(
    state: &AppState,
    container: &Content,
    attachment_text: &str,
) -> Result<Attachment, ApiError> {
    let attachment_id = ContentId::parse(attachment_text)
        .ok_or_else(|| ApiError::content_not_found(attachment_text))?;
    state
        .store
        .find_attachment(attachment_id)
        .await?
        .filter(|attachment| {
            attachment.container_id == container.id && attachment.status == "current"
        })
        .ok_or_else(|| ApiError::content_not_found(attachment_id))
}

/// A new version of `attachment` from one `file` part.
async fn new_version(
    state: &AppState,
    caller: &Principal,
    headers: &HeaderMap,
    container: &Content,
    attachment: &Attachment,
    mut multipart: Multipart,
) -> Result<ApiJson, ApiError> {
    access::require(state, caller.user.id, container, ContentAction::Attach).await?;
    let (received, comment, minor_edit) =
        receive_files(state, container, &mut multipart, true, Some(attachment)).await?;
    if received.len() != 1 {
        for file in &received {
            let _ = state.blobs.delete(&file.key).await;
        }
        return Err(ApiError::bad_request(
            "a new version takes exactly one file part",
        ));
    }
    let updated = record(state, container, received, &comment, minor_edit, caller).await?;
    let builder = JsonBuilder::new(state, request_base(state, headers), caller.user.id);
    let attachment = updated.first().ok_or_else(ApiError::internal)?;
    Ok(ApiJson(
        builder
            .attachment_json(attachment, &Expand::parse(Some("version,container")))
            .await?,
    ))
}

/// `PUT /rest/api/content/{attId}` with a multipart body: atlassian-python-api 5.x uploads a new
/// version of an attachment this way.
pub async fn new_version_by_content_put(
    state: &AppState,
    caller: &Principal,
    headers: &HeaderMap,
    attachment_id: ContentId,
    multipart: Multipart,
) -> Result<ApiJson, ApiError> {
    let attachment = state
        .store
        .find_attachment(attachment_id)
        .await?
        .filter(|attachment| attachment.status == "current")
        .ok_or_else(|| ApiError::content_not_found(attachment_id))?;
    let container = current_container(state, caller, &attachment.container_id.to_string()).await?;
    new_version(state, caller, headers, &container, &attachment, multipart).await
}

/// Parses `Range: bytes=a-b` (one range; other forms are ignored and the whole file is sent).
fn requested_range(headers: &HeaderMap) -> Option<ByteRange> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    let spec = value.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end = end.trim();
    if end.is_empty() {
        Some(ByteRange::from_start(start))
    } else {
        Some(ByteRange::inclusive(start, end.parse().ok()?))
    }
}

async fn serve_bytes(
    state: &AppState,
    headers: &HeaderMap,
    attachment: &Attachment,
    version_number: Option<i32>,
) -> Result<Response, ApiError> {
    let number = version_number.unwrap_or(attachment.version);
    let version = state
        .store
        .attachment_version(attachment.id, number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::VersionNotFound,
                format!("Attachment {} has no version {number}", attachment.id),
            )
        })?;
    let key = BlobKey::new(version.blob_key.clone()).map_err(|_| ApiError::internal())?;
    let range = requested_range(headers);
    let read = state.blobs.get(&key, range).await.map_err(blob_error)?;
    let partial = range.is_some();
    let length = read.range.end - read.range.start;
    let mut response =
        Response::new(Body::from_stream(read.stream.map(|chunk| {
            chunk.map_err(|error| std::io::Error::other(error.to_string()))
        })));
    *response.status_mut() = if partial {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let headers_out = response.headers_mut();
    let insert = |headers: &mut HeaderMap, name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    insert(
        headers_out,
        header::CONTENT_TYPE,
        version.media_type.clone(),
    );
    insert(headers_out, header::CONTENT_LENGTH, length.to_string());
    insert(headers_out, header::ACCEPT_RANGES, "bytes".to_string());
    insert(headers_out, header::ETAG, format!("\"{}\"", version.sha256));
    insert(
        headers_out,
        header::CONTENT_DISPOSITION,
        format!(
            "attachment; filename*=UTF-8''{}",
            encode_component(&attachment.title)
        ),
    );
    insert(
        headers_out,
        header::X_CONTENT_TYPE_OPTIONS,
        "nosniff".to_string(),
    );
    if partial {
        insert(
            headers_out,
            header::CONTENT_RANGE,
            format!(
                "bytes {}-{}/{}",
                read.range.start,
                read.range.end.saturating_sub(1),
                read.size_bytes
            ),
        );
    }
    Ok(response)
}

fn version_parameter(query: &QueryPairs) -> Result<Option<i32>, ApiError> {
    match query.get("version").filter(|text| !text.is_empty()) {
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| ApiError::bad_request("version must be a number")),
        None => Ok(None),
    }
}

/// `GET /download/attachments/{pageId}/{filename}[?version=N]`.
pub async fn download_by_name(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path((page_text, filename)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let container = current_container(&state, &caller, &page_text).await?;
    let attachment = state
        .store
        .find_attachment_by_title(container.id, &filename)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::AttachmentNotFound,
                format!("No attachment {filename} on content {}", container.id),
            )
        })?;
    serve_bytes(&state, &headers, &attachment, version_parameter(&query)?).await
}

/// `GET /rest/api/content/{pageId}/child/attachment/{attId}/download[?version=N]`.
pub async fn download_by_id(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    Path((page_text, attachment_text)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let container = current_container(&state, &caller, &page_text).await?;
    let attachment = current_attachment_of(&state, &container, &attachment_text).await?;
    serve_bytes(&state, &headers, &attachment, version_parameter(&query)?).await
}

/// `DELETE /rest/api/content/{attId}`: to the trash; with `status=trashed`, purged with its bytes.
/// Deletes bytes that no attachment version records any more (a failure is left to the sweeper).
pub(crate) async fn delete_unreferenced_blob(state: &AppState, blob_key: String) {
    match state.store.blob_key_is_referenced(&blob_key).await {
        Ok(false) => {
            if let Ok(key) = BlobKey::new(blob_key) {
                let _ = state.blobs.delete(&key).await;
            }
        }
        Ok(true) => {}
        Err(error) => tracing::warn!(%error, "could not check a blob before deleting it"),
    }
}

/// `POST /json/removeattachment.action?pageId=N&fileName=x[&version=n]` (atlassian-python-api 4.x
/// `delete_attachment`): without a version the attachment goes for good, with one that version.
pub async fn remove_by_action(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let page_text = query
        .get("pageId")
        .ok_or_else(|| ApiError::bad_request("pageId is required"))?;
    // 4.x sends fileName, 5.x filename.
    let filename = query
        .get("fileName")
        .or_else(|| query.get("filename"))
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ApiError::bad_request("fileName is required"))?;
    let container = current_container(&state, &caller, page_text).await?;
    let attachment = state
        .store
        .find_attachment_by_title(container.id, filename)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::AttachmentNotFound,
                format!("No attachment {filename} on content {}", container.id),
            )
        })?;
    access::require_remove_attachment(&state, caller.user.id, &container, &attachment).await?;
    match query.get("version").filter(|text| !text.is_empty()) {
        Some(text) => {
            let number: i32 = text
                .parse()
                .map_err(|_| ApiError::bad_request("version must be a number"))?;
            let blob_key = state
                .store
                .delete_attachment_version(attachment.id, number)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found(
                        ErrorCode::VersionNotFound,
                        format!("Attachment {} has no version {number}", attachment.id),
                    )
                })?;
            delete_unreferenced_blob(&state, blob_key).await;
        }
        None => {
            delete_attachment(&state, &attachment, true).await?;
        }
    }
    tracing::info!(attachment = %attachment.id, user = %caller.user.username, "attachment removed by action");
    Ok(ApiJson(json!({"success": true})))
}

pub async fn delete_attachment(
    state: &AppState,
    attachment: &Attachment,
    purge: bool,
) -> Result<Response, ApiError> {
    if purge || attachment.status == "trashed" {
        let keys = state.store.purge_attachment(attachment.id).await?;
        for key in keys {
            if let Ok(key) = BlobKey::new(key) {
                let _ = state.blobs.delete(&key).await;
            }
        }
    } else {
        state.store.trash_attachment(attachment.id).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_come_from_the_part_or_the_name() {
        assert_eq!(media_type_for(Some("image/png"), "x.bin"), "image/png");
        assert_eq!(
            media_type_for(Some("application/binary"), "diagram.PNG"),
            "image/png"
        );
        assert_eq!(media_type_for(None, "notes.md"), "text/markdown");
        assert_eq!(
            media_type_for(Some("application/octet-stream"), "blob"),
            "application/octet-stream"
        );
    }

    #[test]
    fn single_ranges_are_understood() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=10-19"));
        assert_eq!(
            requested_range(&headers),
            Some(ByteRange::inclusive(10, 19))
        );
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=5-"));
        assert_eq!(requested_range(&headers), Some(ByteRange::from_start(5)));
        headers.insert(header::RANGE, HeaderValue::from_static("bytes=0-1,5-6"));
        assert_eq!(requested_range(&headers), None);
    }
}
