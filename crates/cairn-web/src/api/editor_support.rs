//! What the page editor asks the server while a person writes (Cairn's own routes, signed-in
//! users only):
//!
//! - `GET /rest/cairn/1/editor/users?query=jo[&limit=8]`: people to @mention, by username or
//!   display name (active users only; no email addresses).
//! - `POST /rest/cairn/1/editor/paste` `{"format": "html" | "markdown", "value": "…"}`: pasted
//!   text cleaned through the sanitizer into storage format, answered as the editor's document.

use axum::body::Bytes;
use super::parse_json_body;
use super::request::{PasteRequest, decode};
use super::view::{PastedContent, SuggestedUser, UserSuggestions};
use crate::error::{ApiError, ApiJson};
use crate::request::QueryPairs;
use crate::request_context::ApiContext;

/// Longest text a suggestion is looked up by.
const MAX_QUERY_CHARS: usize = 100;
const DEFAULT_SUGGESTIONS: i64 = 8;
const MAX_SUGGESTIONS: i64 = 20;

/// `GET /rest/cairn/1/editor/users`.
pub async fn suggest_users(
    ApiContext { state, .. }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson<UserSuggestions>, ApiError> {
    let text = query.get("query").unwrap_or("").trim();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(format!(
            "query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = match query.get("limit") {
        None => DEFAULT_SUGGESTIONS,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|limit| (1..=MAX_SUGGESTIONS).contains(limit))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "limit must be a whole number from 1 to {MAX_SUGGESTIONS}"
                ))
            })?,
    };
    let users = state.store.suggest_users(text, limit).await?;
    let results = users
        .into_iter()
        .map(|user| SuggestedUser {
            user_key: user.user_key,
            username: user.username,
            display_name: user.display_name,
        })
        .collect();
    Ok(ApiJson(UserSuggestions { results }))
}

/// `POST /rest/cairn/1/editor/paste`.
pub async fn paste(
    _signed_in: ApiContext,
    body: Bytes,
) -> Result<ApiJson<PastedContent>, ApiError> {
    let request: PasteRequest = decode(&parse_json_body(&body)?, "pasted content")?;
    let storage = match request.format.as_str() {
        "html" => cairn_format::sanitize_html(&request.value),
        "markdown" => cairn_format::markdown_to_storage(&request.value),
        other => {
            return Err(ApiError::bad_request(format!(
                "format must be html or markdown, not {other:?}"
            )));
        }
    };
    let document = crate::render::storage_to_editor_document(&storage, None, None, None)
        .map_err(|error| ApiError::bad_request(format!("the pasted content cannot be used: {error}")))?;
    let document = serde_json::from_str(&document)
        .map_err(|_| ApiError::internal())?;
    Ok(ApiJson(PastedContent { document, storage }))
}
