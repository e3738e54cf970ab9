//! `/rest/api/space`: list, create, get.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use cairn_core::{ContentType, SpaceKey};
use cairn_store::NewSpace;

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::parse_json_body;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::links::request_base;
use crate::time_format::now_ms;

pub async fn list_spaces(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let paging = Paging::from_query(&query, 25, 500)?;
    let expand = Expand::parse(query.get("expand"));
    let wanted_keys: Vec<SpaceKey> = query
        .list("spaceKey")
        .into_iter()
        .map(SpaceKey::from_stored)
        .collect();
    let wanted_type = query.get("type").filter(|kind| !kind.is_empty());
    let wanted_status = query.get("status").filter(|status| !status.is_empty());
    let (spaces, has_more) =
        if wanted_keys.is_empty() && wanted_type.is_none() && wanted_status.is_none() {
            state.store.list_spaces(paging.start, paging.limit).await?
        } else {
            // Filtered listings are small (explicit keys) or rare; filter after an ordered fetch.
            let mut matching = if wanted_keys.is_empty() {
                state.store.list_spaces(0, i64::from(u16::MAX)).await?.0
            } else {
                state.store.spaces_by_keys(&wanted_keys).await?
            };
            matching.retain(|space| {
                wanted_type.is_none_or(|kind| space.space_type == kind)
                    && wanted_status.is_none_or(|status| space.status == status)
            });
            let start = usize::try_from(paging.start).unwrap_or(usize::MAX);
            let limit = usize::try_from(paging.limit).unwrap_or(0);
            let has_more = matching.len() > start.saturating_add(limit);
            (
                matching.into_iter().skip(start).take(limit).collect(),
                has_more,
            )
        };
    let builder = JsonBuilder::new(&state, request_base(&state, &headers));
    let mut results = Vec::with_capacity(spaces.len());
    for space in &spaces {
        results.push(builder.space_json(space, &expand).await?);
    }
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/space",
        &query,
    )))
}

pub async fn create_space(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson, ApiError> {
    let request = parse_json_body(&body)?;
    let key_text = request["key"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("space key is required"))?;
    let key =
        SpaceKey::new_global(key_text).map_err(|error| ApiError::bad_request(error.message))?;
    let name = request["name"].as_str().unwrap_or(key_text).to_string();
    let description = request["description"]["plain"]["value"]
        .as_str()
        .unwrap_or("")
        .to_string();
    if let Some(kind) = request["type"].as_str()
        && kind != "global"
    {
        return Err(ApiError::bad_request(format!(
            "space type {kind} cannot be created here; use global"
        )));
    }
    let space = state
        .store
        .create_space(NewSpace {
            key,
            name,
            description,
            creator_id: caller.user.id,
            now_ms: now_ms(),
        })
        .await?;
    tracing::info!(space = %space.key, user = %caller.user.username, "space created");
    let builder = JsonBuilder::new(&state, request_base(&state, &headers));
    Ok(ApiJson(
        builder
            .space_json(&space, &Expand::parse(Some("description.plain")))
            .await?,
    ))
}

pub async fn get_space(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    Path(key): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    let builder = JsonBuilder::new(&state, request_base(&state, &headers));
    Ok(ApiJson(
        builder
            .space_json(&space, &Expand::parse(query.get("expand")))
            .await?,
    ))
}

/// `GET /rest/api/space/{key}/content`: `{"page": …, "blogpost": …}`, `depth=root` for root pages only.
pub async fn space_content(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    Path(key): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    let base = request_base(&state, &headers);
    let mut body = serde_json::Map::new();
    for content_type in [ContentType::Page, ContentType::BlogPost] {
        let list = space_content_list(&state, &space, content_type, &query, &base).await?;
        body.insert(content_type.as_str().to_string(), list);
    }
    body.insert(
        "_links".into(),
        serde_json::json!({"base": base, "context": ""}),
    );
    Ok(ApiJson(serde_json::Value::Object(body)))
}

/// `GET /rest/api/space/{key}/content/{type}` (page or blogpost).
pub async fn space_content_of_type(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    Path((key, type_text)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    let content_type = ContentType::parse(&type_text)
        .filter(|kind| *kind != ContentType::Comment)
        .ok_or_else(|| {
            ApiError::bad_request(format!("content type {type_text} is not page or blogpost"))
        })?;
    let base = request_base(&state, &headers);
    Ok(ApiJson(
        space_content_list(&state, &space, content_type, &query, &base).await?,
    ))
}

async fn space_content_list(
    state: &AppState,
    space: &cairn_core::Space,
    content_type: ContentType,
    query: &QueryPairs,
    base: &str,
) -> Result<serde_json::Value, ApiError> {
    let paging = Paging::from_query(query, 25, 500)?;
    let expand = Expand::parse(query.get("expand"));
    let root_only = query.get("depth") == Some("root");
    let (contents, has_more) = state
        .store
        .list_space_content(
            space.id,
            content_type,
            root_only,
            paging.start,
            paging.limit,
        )
        .await?;
    let builder = JsonBuilder::new(state, base.to_string());
    let mut results = Vec::with_capacity(contents.len());
    for content in &contents {
        results.push(builder.content_json(content, &expand).await?);
    }
    let path = format!(
        "/rest/api/space/{}/content/{}",
        space.key,
        content_type.as_str()
    );
    Ok(paged_list(results, paging, has_more, base, &path, query))
}
