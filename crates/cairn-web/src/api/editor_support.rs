//! What the page editor asks the server while a person writes (Cairn's own routes, signed-in
//! users only):
//!
//! - `GET /rest/cairn/1/editor/users?query=jo[&limit=8]`: people to @mention, by username or
//!   display name (active users only; no email addresses).
//! - `POST /rest/cairn/1/editor/paste` `{"format": "html" | "markdown", "value": "…"}`: pasted
//!   text cleaned through the sanitizer into storage format, answered as the editor's document.

use super::parse_json_body;
use super::request::{PasteRequest, decode};
use super::view::{PastedContent, SuggestedUser, UserSuggestions};
use crate::error::{ApiError, ApiJson};
use crate::people::People;
use crate::request::QueryPairs;
use crate::request_context::ApiContext;
use axum::body::Bytes;

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
    let document =
        crate::render::storage_to_editor_document(&storage, None, None, None, &People::default())
            .map_err(|error| {
            ApiError::bad_request(format!("the pasted content cannot be used: {error}"))
        })?;
    let mut document: serde_json::Value =
        serde_json::from_str(&document).map_err(|_| ApiError::internal())?;
    // Word's and Google Docs' classes and styles mean nothing here: blocks keep none of them.
    drop_block_attributes(&mut document);
    // Written fresh by the editor's converter: the storage the editor itself would publish
    // (`<strong>` for `<b>`, and so on).
    let empty = cairn_format::parse("").map_err(|_| ApiError::internal())?;
    let storage =
        cairn_format::editor_json_to_storage(&document.to_string(), &empty).map_err(|error| {
            ApiError::bad_request(format!("the pasted content cannot be used: {error}"))
        })?;
    Ok(ApiJson(PastedContent { document, storage }))
}

/// Removes the XHTML attributes kept on blocks (`class`, `style`…) throughout a document.
fn drop_block_attributes(node: &mut serde_json::Value) {
    if let Some(attributes) = node
        .get_mut("attrs")
        .and_then(serde_json::Value::as_object_mut)
    {
        attributes.remove("html");
    }
    if let Some(children) = node
        .get_mut("content")
        .and_then(serde_json::Value::as_array_mut)
    {
        for child in children {
            drop_block_attributes(child);
        }
    }
}
