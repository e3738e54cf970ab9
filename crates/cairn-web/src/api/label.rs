//! `/rest/api/content/{id}/label`: list, add (one object or an array), remove.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::label;
use cairn_core::{ContentId, Label};
use serde_json::Value;

use super::view::{LabelView, PagedList};

use super::json::{Paging, QueryPairs, paged_list};
use super::parse_json_body;
use super::request::LabelsRequest;
use crate::AppState;
use crate::access;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::request_context::{ApiContext, ReadContext};

pub fn label_view(label: &Label) -> LabelView {
    LabelView {
        prefix: label.prefix.clone(),
        name: label.name.clone(),
        id: label.id.to_string(),
        label: label.name.clone(),
    }
}

/// The labels of a write request: `[{"prefix","name"}]` or a single object; prefix defaults to global.
pub fn requested_labels(value: &Value) -> Result<Vec<(String, String)>, ApiError> {
    let requested: LabelsRequest = serde_json::from_value(value.clone()).map_err(|_| {
        ApiError::bad_request("labels must be an object or an array of {\"prefix\",\"name\"}")
    })?;
    let mut labels = Vec::new();
    for label in requested.into_vec() {
        let name = label
            .name
            .ok_or_else(|| ApiError::bad_request("every label needs a name"))?;
        let prefix = label.prefix.unwrap_or_else(|| "global".to_string());
        cairn_core::validate_label_name(&name)
            .map_err(|error| ApiError::bad_request(error.message))?;
        cairn_core::validate_label_prefix(&prefix)
            .map_err(|error| ApiError::bad_request(error.message))?;
        labels.push((prefix, name));
    }
    Ok(labels)
}

fn path_id(text: &str) -> Result<ContentId, ApiError> {
    ContentId::parse(text).ok_or_else(|| ApiError::content_not_found(text))
}

fn labels_page(
    labels: &[Label],
    query: &QueryPairs,
    base: &str,
    id: ContentId,
) -> Result<PagedList<LabelView>, ApiError> {
    let paging = Paging::from_query(query, 200, 1000)?;
    let prefix = query.get("prefix").filter(|prefix| !prefix.is_empty());
    let matching: Vec<&Label> = labels
        .iter()
        .filter(|label| prefix.is_none_or(|prefix| label.prefix == prefix))
        .collect();
    let start = usize::try_from(paging.start).unwrap_or(usize::MAX);
    let limit = usize::try_from(paging.limit).unwrap_or(0);
    let has_more = matching.len() > start.saturating_add(limit);
    let results = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|label| label_view(label))
        .collect();
    Ok(paged_list(
        results,
        paging,
        has_more,
        base,
        &format!("/rest/api/content/{id}/label"),
        query,
    ))
}

pub async fn list_labels(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<LabelView>>, ApiError> {
    let id = path_id(&id_text)?;
    access::require_view_target(&state, caller.user.id, id).await?;
    let labels = state.store.labels_of(id).await?;
    Ok(ApiJson(labels_page(&labels, &query, &base.clone(), id)?))
}

pub async fn add_labels(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
    body: Bytes,
) -> Result<ApiJson<PagedList<LabelView>>, ApiError> {
    let id = path_id(&id_text)?;
    let labels = requested_labels(&parse_json_body(&body)?)?;
    let now_on_content = label::add(&state, &caller.as_caller(), id, &labels).await?;
    Ok(ApiJson(labels_page(
        &now_on_content,
        &QueryPairs::default(),
        &base.clone(),
        id,
    )?))
}

async fn remove(
    state: &AppState,
    caller: &crate::auth::Principal,
    id: ContentId,
    name: &str,
) -> Result<Response, ApiError> {
    label::remove(state, &caller.as_caller(), id, name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /label?name=x` (clients also send a stray `id=`).
pub async fn remove_label_by_query(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let id = path_id(&id_text)?;
    let name = query
        .get("name")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    remove(&state, &caller, id, name).await
}

/// `DELETE /label/{name}`.
pub async fn remove_label_by_path(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id_text, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    remove(&state, &caller, path_id(&id_text)?, &name).await
}
