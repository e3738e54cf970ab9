//! Attachments: list, upload (multipart, streamed to the blob store), new versions, download with
//! ranges. Bytes are stored before the row is committed; a failed upload leaves nothing visible.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use cairn_app::ErrorCode;
use cairn_blob::{BlobError, BlobKey, ByteRange};
use cairn_core::{Attachment, AttachmentVersion, Content, ContentId, ContentStatus, ContentType};
use cairn_store::AttachmentListing;
use cairn_store::Listed;
use futures_util::StreamExt;

use super::view::{
    ActionDone, AttachmentExtensions, AttachmentMetadata, AttachmentView, Links, PagedList,
    VersionView, links,
};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::request::{AttachmentUpdateRequest, decode};
use crate::AppState;
use crate::request_context::{ApiContext, ReadContext};
use cairn_app::attachment::{self, Upload, UploadTarget};

use crate::access::{self, ContentAction};
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
pub use crate::links::download_path;
use crate::links::{encode_component, request_base};
use crate::time_format::now_ms;
use crate::upload::receive_form;

/// The attachment id as clients see it.
pub fn attachment_id_text(id: ContentId) -> String {
    format!("att{id}")
}

fn blob_error(error: BlobError) -> ApiError {
    ApiError::from(attachment::blob_error(error))
}

impl JsonBuilder<'_> {
    /// The attachment object (§3.1.5): `metadata` and `extensions` always, `version` and `container`
    /// when asked for (uploads always include `version`).
    pub async fn attachment_view(
        &self,
        attachment: &Attachment,
        expand: &Expand,
    ) -> Result<AttachmentView, ApiError> {
        let space = self.space_of(attachment.space_id).await?;
        let id = attachment_id_text(attachment.id);
        let container = attachment.container_id;
        let mut expandable = links([
            ("container", format!("/rest/api/content/{container}")),
            ("space", format!("/rest/api/space/{}", space.key)),
            ("history", format!("/rest/api/content/{id}/history")),
            ("operations", String::new()),
            ("children", String::new()),
            ("ancestors", String::new()),
            ("body", String::new()),
            ("descendants", String::new()),
        ]);
        let version = if expand.has("version") {
            let version = self
                .attachment_version(attachment.id, attachment.version)
                .await?;
            match version {
                Some(version) => Some(
                    self.attachment_version_view_of(attachment, &version)
                        .await?,
                ),
                None => None,
            }
        } else {
            expandable.insert("version", String::new());
            None
        };
        let container_view = if expand.has("container")
            && let Some(page) = self.content_by_id(container).await?
        {
            Some(Box::new(
                Box::pin(self.content_view(&page, &expand.below("container"))).await?,
            ))
        } else {
            None
        };
        let space_view = if expand.has("space") {
            Some(Box::new(self.space_view(&space, &Expand::default()).await?))
        } else {
            None
        };
        let preview = format!("/{container}/{}/{}", attachment.id, attachment.title);
        Ok(AttachmentView {
            id: id.clone(),
            content_type: "attachment",
            status: attachment.status.as_str(),
            title: attachment.title.clone(),
            metadata: AttachmentMetadata {
                media_type: attachment.media_type.clone(),
                comment: attachment.comment.clone(),
                labels: PagedList {
                    results: Vec::new(),
                    start: 0,
                    limit: 200,
                    size: 0,
                    links: Links::new(),
                },
                expandable: links([
                    ("currentuser", String::new()),
                    ("properties", String::new()),
                    ("frontend", String::new()),
                    ("editorHtml", String::new()),
                ]),
            },
            extensions: AttachmentExtensions {
                media_type: attachment.media_type.clone(),
                file_size: attachment.size_bytes,
                comment: attachment.comment.clone(),
            },
            version,
            container: container_view,
            space: space_view,
            links: links([
                ("download", download_path(attachment)),
                (
                    "webui",
                    format!(
                        "/pages/viewpageattachments.action?pageId={container}&preview={}",
                        encode_component(&preview)
                    ),
                ),
                ("self", format!("{}/rest/api/content/{id}", self.base)),
                ("base", self.base.clone()),
                ("context", String::new()),
            ]),
            expandable,
        })
    }

    /// Each of `attachments` as [`JsonBuilder::attachment_view`] shows it, in order, with their
    /// spaces loaded in one batch first.
    pub async fn attachment_views(
        &self,
        attachments: &[Attachment],
        expand: &Expand,
    ) -> Result<Vec<AttachmentView>, ApiError> {
        self.preload_attachments(attachments, expand).await?;
        let mut results = Vec::with_capacity(attachments.len());
        for attachment in attachments {
            results.push(self.attachment_view(attachment, expand).await?);
        }
        Ok(results)
    }

    async fn attachment_version_view_of(
        &self,
        attachment: &Attachment,
        version: &AttachmentVersion,
    ) -> Result<VersionView, ApiError> {
        let author = self.user_view_by_id(version.author_id).await?;
        Ok(self.version_view_of(
            &attachment_id_text(attachment.id),
            version.number,
            author,
            version.created_ms,
            &version.comment,
            version.minor_edit,
        ))
    }
}

/// The page or blog post `id_text` names, when the caller may view it: current, or an unpublished
/// draft of theirs (the editor attaches images to a new page's draft before it is published).
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
            matches!(
                content.status,
                ContentStatus::Current | ContentStatus::Draft
            ) && content.content_type != ContentType::Comment
        })
        .ok_or_else(|| ApiError::content_not_found(id))?;
    // A draft is visible to its creator only.
    access::require_view(state, caller.user.id, &container).await?;
    Ok(container)
}

pub async fn list_attachments(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<AttachmentView>>, ApiError> {
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
        window: paging.window(),
    };
    let Listed {
        items: attachments,
        has_more,
    } = state.store.list_attachments(&listing).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let expand = Expand::parse(query.get("expand"));
    let results = builder.attachment_views(&attachments, &expand).await?;
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

/// `POST /rest/api/content/{id}/child/attachment`: one or more `file` parts; answers a paged list.
pub async fn upload(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
    mut multipart: Multipart,
) -> Result<ApiJson<PagedList<AttachmentView>>, ApiError> {
    let container = current_container(&state, &caller, &id_text).await?;
    let allow_duplicated = query.get("allowDuplicated") == Some("true");
    let target = UploadTarget::Files { allow_duplicated };
    let upload = Upload::start(&state, &caller.as_caller(), container.clone(), target).await?;
    let (upload, form) = receive_form(upload, &mut multipart).await?;
    let attachments = upload
        .record(&caller.as_caller(), &form.comment, form.minor_edit)
        .await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let expand = Expand::parse(Some("version,container"));
    let results = builder.attachment_views(&attachments, &expand).await?;
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
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path((id_text, attachment_text)): Path<(String, String)>,
    multipart: Multipart,
) -> Result<ApiJson<AttachmentView>, ApiError> {
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
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path((id_text, attachment_text)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<ApiJson<AttachmentView>, ApiError> {
    let request: AttachmentUpdateRequest =
        decode(&super::parse_json_body(&body)?, "an attachment object")?;
    let container = current_container(&state, &caller, &id_text).await?;
    access::require(&state, caller.user.id, &container, ContentAction::Attach).await?;
    let attachment = current_attachment_of(&state, &container, &attachment_text).await?;
    if let Some(number) = request.version.as_ref().and_then(|version| version.number)
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
            request.title.as_deref(),
            request
                .metadata
                .as_ref()
                .and_then(|metadata| metadata.media_type.as_deref()),
            caller.user.id,
            now_ms(),
        )
        .await?;
    tracing::info!(attachment = %updated.id, user = %caller.user.username, "attachment properties changed");
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .attachment_view(&updated, &Expand::parse(Some("version,container")))
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
            attachment.container_id == container.id
                && attachment.status == cairn_core::ContentStatus::Current
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
) -> Result<ApiJson<AttachmentView>, ApiError> {
    let target = UploadTarget::NewVersionOf(attachment.clone());
    let upload = Upload::start(state, &caller.as_caller(), container.clone(), target).await?;
    let (upload, form) = receive_form(upload, &mut multipart).await?;
    let updated = upload
        .record(&caller.as_caller(), &form.comment, form.minor_edit)
        .await?;
    let builder = JsonBuilder::new(state, request_base(state, headers), caller.user.id);
    let attachment = updated.first().ok_or_else(ApiError::internal)?;
    Ok(ApiJson(
        builder
            .attachment_view(attachment, &Expand::parse(Some("version,container")))
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
) -> Result<ApiJson<AttachmentView>, ApiError> {
    let attachment = state
        .store
        .find_attachment(attachment_id)
        .await?
        .filter(|attachment| attachment.status == cairn_core::ContentStatus::Current)
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
    ReadContext {
        state,
        caller,
        base: _,
    }: ReadContext,
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
    ReadContext {
        state,
        caller,
        base: _,
    }: ReadContext,
    headers: HeaderMap,
    Path((page_text, attachment_text)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let container = current_container(&state, &caller, &page_text).await?;
    let attachment = current_attachment_of(&state, &container, &attachment_text).await?;
    serve_bytes(&state, &headers, &attachment, version_parameter(&query)?).await
}

/// `POST /json/removeattachment.action?pageId=N&fileName=x[&version=n]` (atlassian-python-api 4.x
/// `delete_attachment`): without a version the attachment goes for good, with one that version.
pub async fn remove_by_action(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<ApiJson<ActionDone>, ApiError> {
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
            attachment::delete_unreferenced_blob(&state, blob_key).await;
        }
        None => {
            attachment::delete_attachment(&state, &caller.as_caller(), &attachment, true).await?;
        }
    }
    tracing::info!(attachment = %attachment.id, user = %caller.user.username, "attachment removed by action");
    Ok(ApiJson(ActionDone { success: true }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
