//! `GET /spaces/flyingpdf/pdfpageexport.action?pageId=N`: the page as a PDF file.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use cairn_core::{ContentId, ContentStatus};

use super::json::QueryPairs;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::links::encode_component;
use crate::time_format::human_from_ms;

pub async fn page_pdf(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let id = query
        .get("pageId")
        .and_then(ContentId::parse)
        .ok_or_else(|| ApiError::bad_request("pageId must be a content id"))?;
    let content = state
        .store
        .find_content(id)
        .await?
        .filter(|content| content.status == ContentStatus::Current)
        .ok_or_else(|| ApiError::content_not_found(id))?;
    crate::access::require_view(&state, caller.user.id, &content).await?;
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
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}.pdf",
        encode_component(&content.title)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}
