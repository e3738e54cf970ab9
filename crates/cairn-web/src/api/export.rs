//! A page or a space as a file to keep: `GET /spaces/flyingpdf/pdfpageexport.action?pageId=N` (the
//! page as PDF), `GET /exportword?pageId=N` (the page as Word-compatible HTML, Confluence's "Export
//! to Word"), `GET /rest/cairn/1/export/markdown/{id}` (the page as Markdown) and
//! `GET /rest/cairn/1/export/pdf/{key}` (every page of a space the caller may see, as one PDF;
//! `cairn_app::space_pdf`). The space's static HTML site is a long task: `space_export.rs`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cairn_core::{Content, ContentId, ContentStatus, SpaceKey, UserId};

use super::json::QueryPairs;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::links::encode_component;
use crate::time_format::human_from_ms;

/// The current page or blog post `id` when `viewer` may see it (404 otherwise, as if missing).
async fn viewable_current(
    state: &AppState,
    viewer: UserId,
    id: ContentId,
) -> Result<Content, ApiError> {
    let content = state
        .store
        .find_content(id)
        .await?
        .filter(|content| content.status == ContentStatus::Current)
        .ok_or_else(|| ApiError::content_not_found(id))?;
    crate::access::require_view(state, viewer, &content).await?;
    Ok(content)
}

/// The `pageId` query parameter, or a 400 naming it.
fn page_id(query: &QueryPairs) -> Result<ContentId, ApiError> {
    query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| ApiError::bad_request("pageId must be a content id"))
}

/// `bytes` as a download of `media_type` called `file_name` (RFC 5987, so any title works).
fn download(bytes: impl IntoResponse, media_type: &'static str, file_name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        encode_component(file_name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

pub async fn page_pdf(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let id = page_id(&query)?;
    let content = viewable_current(&state, caller.user.id, id).await?;
    let author = state.store.find_user(content.last_modifier_id).await?;
    let byline = format!(
        "Version {} by {}, {}",
        content.version,
        author.map_or_else(
            || "an unknown user".to_string(),
            |author| author.display_name
        ),
        human_from_ms(content.last_modified_ms)
    );
    let document = cairn_format::parse(&content.body)
        .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let title = content.title.clone();
    // Layout is CPU work proportional to the page: keep it off the async workers.
    let pdf = tokio::task::spawn_blocking(move || {
        cairn_format::storage_to_pdf(&title, &byline, &document)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    Ok(download(
        pdf,
        "application/pdf",
        &format!("{}.pdf", content.title),
    ))
}

/// The page as an HTML document Word opens (`application/msword`, saved as `Title.doc`): the
/// title as a heading and the body as the page view renders it.
pub async fn page_word(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let id = page_id(&query)?;
    let content = viewable_current(&state, caller.user.id, id).await?;
    let space = state.store.find_space_by_id(content.space_id).await?;
    let space_key = space.map(|space| space.key.to_string());
    let title = content.title.clone();
    // Rendering is CPU work proportional to the page: keep it off the async workers.
    let document = tokio::task::spawn_blocking(move || {
        let body = crate::render::storage_to_view_of_page(
            &content.body,
            space_key.as_deref(),
            Some(&content.title),
            Some(content.id),
        );
        cairn_format::word_document_html(&content.title, &body)
    })
    .await
    .map_err(|_| ApiError::internal())?;
    Ok(download(
        document,
        "application/msword",
        &format!("{title}.doc"),
    ))
}

/// The page as Markdown (`text/markdown`, saved as `Title.md`): a `# Title` line, then the body.
pub async fn page_markdown(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = ContentId::parse(&id).ok_or_else(|| ApiError::content_not_found(&id))?;
    let content = viewable_current(&state, caller.user.id, id).await?;
    let space = state.store.find_space_by_id(content.space_id).await?;
    let space_key = space.map(|space| space.key.to_string());
    let body = crate::render::storage_to_markdown_of_page(
        &content.body,
        space_key.as_deref(),
        Some(&content.title),
        Some(content.id),
    )
    .map_err(|error| ApiError::bad_request(error.to_string()))?;
    let markdown = format!("# {}\n\n{}", content.title, body.trim_start());
    Ok(download(
        markdown,
        "text/markdown; charset=utf-8",
        &format!("{}.md", content.title),
    ))
}

/// Every page of the space the caller may see, in tree order, as one PDF (EXPORTSPACE needed).
pub async fn space_pdf(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let key = SpaceKey::from_stored(key);
    let pdf = cairn_app::space_pdf::space_pdf(&state, &caller.as_caller(), &key).await?;
    Ok(download(
        pdf.bytes,
        "application/pdf",
        &format!("{}.pdf", pdf.space.key),
    ))
}
