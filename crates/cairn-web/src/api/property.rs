//! `/rest/api/content/{id}/property`: versioned JSON values under a key.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_app::property;
use cairn_core::{ContentId, ContentProperty};
use cairn_store::Listed;
use serde_json::Value;

use super::view::{PagedList, PropertyVersion, PropertyView, links};

use super::json::{Paging, QueryPairs, paged_list};
use super::parse_json_body;
use super::request::{PropertyRequest, decode};
use crate::AppState;
use crate::access;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::links::encode_component;
use crate::request_context::ApiContext;
use crate::time_format::iso_from_ms;

/// Largest property value accepted, in bytes of JSON (Confluence's limit is 32 KB).
pub const MAX_PROPERTY_BYTES: usize = 32 * 1024;

pub fn property_view(property: &ContentProperty, base: &str) -> PropertyView {
    let value: Value = serde_json::from_str(&property.value_json).unwrap_or(Value::Null);
    let id = property.content_id;
    PropertyView {
        id: property.id.to_string(),
        key: property.key.clone(),
        value,
        version: PropertyVersion {
            when: iso_from_ms(property.modified_ms),
            message: String::new(),
            number: property.version,
            minor_edit: false,
            hidden: false,
        },
        links: links([
            (
                "self",
                format!(
                    "{base}/rest/api/content/{id}/property/{}",
                    encode_component(&property.key)
                ),
            ),
            ("base", base.to_string()),
            ("context", String::new()),
        ]),
        expandable: links([("content", format!("/rest/api/content/{id}"))]),
    }
}

/// The JSON text of a property value, refusing oversized values with 413.
pub fn value_text(value: &Value) -> Result<String, ApiError> {
    if value.is_null() {
        return Err(ApiError::bad_request("a property needs a value"));
    }
    let text = value.to_string();
    if text.len() > MAX_PROPERTY_BYTES {
        return Err(ApiError::new(
            ErrorCode::PropertyTooLarge,
            format!(
                "property values are limited to {MAX_PROPERTY_BYTES} bytes; this one has {}",
                text.len()
            ),
        ));
    }
    Ok(text)
}

fn path_id(text: &str) -> Result<ContentId, ApiError> {
    ContentId::parse(text).ok_or_else(|| ApiError::content_not_found(text))
}

fn property_not_found(key: &str) -> ApiError {
    ApiError::not_found(
        ErrorCode::PropertyNotFound,
        format!("Cannot find property with key: {key}"),
    )
}

pub async fn list_properties(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<PropertyView>>, ApiError> {
    let id = path_id(&id_text)?;
    access::require_view_target(&state, caller.user.id, id).await?;
    let paging = Paging::from_query(&query, 25, 500)?;
    let Listed {
        items: properties,
        has_more,
    } = state.store.list_properties(id, paging.window()).await?;
    let base = base.clone();
    let results = properties
        .iter()
        .map(|property| property_view(property, &base))
        .collect();
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &base,
        &format!("/rest/api/content/{id}/property"),
        &query,
    )))
}

pub async fn get_property(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path((id_text, key)): Path<(String, String)>,
) -> Result<ApiJson<PropertyView>, ApiError> {
    let id = path_id(&id_text)?;
    access::require_view_target(&state, caller.user.id, id).await?;
    let property = state
        .store
        .find_property(id, &key)
        .await?
        .ok_or_else(|| property_not_found(&key))?;
    Ok(ApiJson(property_view(&property, &base.clone())))
}

pub async fn create_property(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
    body: Bytes,
) -> Result<ApiJson<PropertyView>, ApiError> {
    let id = path_id(&id_text)?;
    let request: PropertyRequest = decode(&parse_json_body(&body)?, "a property")?;
    let key = request
        .key
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("a property needs a key"))?;
    let value = value_text(&request.value)?;
    let property = property::create(&state, &caller.as_caller(), id, key, &value).await?;
    Ok(ApiJson(property_view(&property, &base.clone())))
}

pub async fn update_property(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path((id_text, key)): Path<(String, String)>,
    body: Bytes,
) -> Result<ApiJson<PropertyView>, ApiError> {
    let id = path_id(&id_text)?;
    let request: PropertyRequest = decode(&parse_json_body(&body)?, "a property")?;
    if let Some(body_key) = request.key.as_deref()
        && body_key != key
    {
        return Err(ApiError::bad_request(format!(
            "the key in the body ({body_key}) differs from the key in the path ({key})"
        )));
    }
    let value = value_text(&request.value)?;
    let number = request
        .version
        .and_then(|version| version.number)
        .ok_or_else(|| {
            ApiError::bad_request(
                "a property update needs version.number (the current version plus one)",
            )
        })?;
    let new_version = i32::try_from(number)
        .map_err(|_| ApiError::bad_request("version.number is out of range"))?;
    let property =
        property::update(&state, &caller.as_caller(), id, &key, &value, new_version).await?;
    Ok(ApiJson(property_view(&property, &base.clone())))
}

pub async fn delete_property(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id_text, key)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id_text)?;
    property::delete(&state, &caller.as_caller(), id, &key).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
