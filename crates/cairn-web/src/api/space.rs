//! `/rest/api/space`: list, create, get.

use super::request::{SpaceRequest, decode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use cairn_app::ErrorCode;
use cairn_app::space::{CreateSpace, UpdateSpace};
use cairn_core::{ContentType, SpaceKey};
use cairn_store::{Listed, Window};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::parse_json_body;
use super::view::{
    ContentView, LongTaskView, PagedList, SpaceContent, SpaceView, TaskMessage, TaskName,
    TaskStarted, TaskStatusLink, links,
};
use crate::AppState;
use crate::access;
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::request_context::{ApiContext, ReadContext};
use crate::time_format::now_ms;

pub async fn list_spaces(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<SpaceView>>, ApiError> {
    let paging = Paging::from_query(&query, 25, 500)?;
    let expand = Expand::parse(query.get("expand"));
    let wanted_keys: Vec<SpaceKey> = query
        .list("spaceKey")
        .into_iter()
        .map(SpaceKey::from_stored)
        .collect();
    let wanted_type = query.get("type").filter(|kind| !kind.is_empty());
    let wanted_status = query.get("status").filter(|status| !status.is_empty());
    let Listed {
        items: spaces,
        has_more,
    } = if wanted_keys.is_empty() && wanted_type.is_none() && wanted_status.is_none() {
        state
            .store
            .list_spaces(caller.user.id, paging.window())
            .await?
    } else {
        // Filtered listings are small (explicit keys) or rare; filter after an ordered fetch.
        let mut matching = if wanted_keys.is_empty() {
            state
                .store
                .list_spaces(caller.user.id, Window::first(i64::from(u16::MAX)))
                .await?
                .items
        } else {
            let mut visible = Vec::new();
            for space in state.store.spaces_by_keys(&wanted_keys).await? {
                if access::can_view_space(&state, caller.user.id, space.id).await? {
                    visible.push(space);
                }
            }
            visible
        };
        matching.retain(|space| {
            wanted_type.is_none_or(|kind| space.space_type.as_str() == kind)
                && wanted_status.is_none_or(|status| space.status.as_str() == status)
        });
        let start = usize::try_from(paging.start).unwrap_or(usize::MAX);
        let limit = usize::try_from(paging.limit).unwrap_or(0);
        let has_more = matching.len() > start.saturating_add(limit);
        Listed {
            items: matching.into_iter().skip(start).take(limit).collect(),
            has_more,
        }
    };
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let mut results = Vec::with_capacity(spaces.len());
    for space in &spaces {
        results.push(builder.space_view(space, &expand).await?);
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
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<SpaceView>, ApiError> {
    let request: SpaceRequest = decode(&parse_json_body(&body)?, "a space object")?;
    if request.space_type.as_deref() == Some("personal") {
        // The caller's own personal space, `~username`; a key, if sent, is not theirs to choose.
        let space = cairn_app::space::create_personal(&state, &caller.as_caller()).await?;
        let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
        return Ok(ApiJson(
            builder
                .space_view(&space, &Expand::parse(Some("description.plain")))
                .await?,
        ));
    }
    let key = request
        .key
        .clone()
        .ok_or_else(|| ApiError::bad_request("space key is required"))?;
    if let Some(kind) = request.space_type.as_deref()
        && kind != "global"
    {
        return Err(ApiError::bad_request(format!(
            "space type {kind} cannot be created here; use global or personal"
        )));
    }
    let command = CreateSpace {
        key,
        name: request.name.clone(),
        description: request
            .description
            .as_ref()
            .and_then(|description| description.text())
            .unwrap_or("")
            .to_string(),
    };
    let space = cairn_app::space::create(&state, &caller.as_caller(), command).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .space_view(&space, &Expand::parse(Some("description.plain")))
            .await?,
    ))
}

pub async fn get_space(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(key): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<SpaceView>, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    access::require_view_space(&state, caller.user.id, &space).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .space_view(&space, &Expand::parse(query.get("expand")))
            .await?,
    ))
}

/// `GET /rest/api/space/{key}/content`: `{"page": …, "blogpost": …}`, `depth=root` for root pages only.
pub async fn space_content(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(key): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<SpaceContent>, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    access::require_view_space(&state, caller.user.id, &space).await?;
    let base = base.clone();
    let page =
        space_content_list(&state, &caller, &space, ContentType::Page, &query, &base).await?;
    let blogpost = space_content_list(
        &state,
        &caller,
        &space,
        ContentType::BlogPost,
        &query,
        &base,
    )
    .await?;
    Ok(ApiJson(SpaceContent {
        page,
        blogpost,
        links: links([("base", base), ("context", String::new())]),
    }))
}

/// `GET /rest/api/space/{key}/content/{type}` (page or blogpost).
pub async fn space_content_of_type(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path((key, type_text)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<ContentView>>, ApiError> {
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    access::require_view_space(&state, caller.user.id, &space).await?;
    let content_type = ContentType::parse(&type_text)
        .filter(|kind| *kind != ContentType::Comment)
        .ok_or_else(|| {
            ApiError::bad_request(format!("content type {type_text} is not page or blogpost"))
        })?;
    let base = base.clone();
    Ok(ApiJson(
        space_content_list(&state, &caller, &space, content_type, &query, &base).await?,
    ))
}

async fn space_content_list(
    state: &AppState,
    caller: &Principal,
    space: &cairn_core::Space,
    content_type: ContentType,
    query: &QueryPairs,
    base: &str,
) -> Result<PagedList<ContentView>, ApiError> {
    let paging = Paging::from_query(query, 25, 500)?;
    let expand = Expand::parse(query.get("expand"));
    let root_only = query.get("depth") == Some("root");
    let Listed {
        items: contents,
        has_more,
    } = state
        .store
        .list_space_content(
            caller.user.id,
            space.id,
            content_type,
            root_only,
            paging.window(),
        )
        .await?;
    let builder = JsonBuilder::new(state, base.to_string(), caller.user.id);
    let results = builder.content_views(&contents, &expand).await?;
    let path = format!(
        "/rest/api/space/{}/content/{}",
        space.key,
        content_type.as_str()
    );
    Ok(paged_list(results, paging, has_more, base, &path, query))
}

/// `PUT /rest/api/space/{key}`: `name` and `description.plain.value`.
pub async fn update_space(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<ApiJson<SpaceView>, ApiError> {
    let request: SpaceRequest = decode(&parse_json_body(&body)?, "a space object")?;
    // `homepage` comes as a whole content object or as `{"id": …}`.
    let homepage = match &request.homepage {
        None => None,
        Some(homepage) => Some(
            homepage
                .id
                .ok_or_else(|| ApiError::bad_request("homepage must name a page id"))?,
        ),
    };
    let command = UpdateSpace {
        name: request.name.clone(),
        description: request
            .description
            .as_ref()
            .and_then(|description| description.text())
            .map(str::to_string),
        homepage,
    };
    let space = cairn_app::space::update(
        &state,
        &caller.as_caller(),
        &SpaceKey::from_stored(key),
        command,
    )
    .await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .space_view(&space, &Expand::parse(Some("description.plain")))
            .await?,
    ))
}

/// `DELETE /rest/api/space/{key}`: 202 with a long task. The deletion runs in one transaction before
/// the answer, so the task is already finished when a client looks at it.
pub async fn delete_space(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(key): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let task =
        cairn_app::space::delete(&state, &caller.as_caller(), &SpaceKey::from_stored(key)).await?;
    let body = TaskStarted {
        id: task.to_string(),
        links: TaskStatusLink {
            status: format!("/rest/api/longtask/{task}"),
        },
    };
    Ok((
        axum::http::StatusCode::ACCEPTED,
        crate::error::json_body(&body),
    )
        .into_response())
}

fn task_view(task: &cairn_store::LongTask, base: &str) -> LongTaskView {
    let elapsed = task.finished_ms.unwrap_or_else(now_ms) - task.created_ms;
    LongTaskView {
        id: task.id.to_string(),
        name: TaskName {
            key: task.name.clone(),
            args: Vec::new(),
        },
        elapsed_time: elapsed,
        percentage_complete: task.percent,
        successful: task.status == "succeeded",
        finished: task.status != "running",
        messages: vec![TaskMessage {
            translation: task.message.clone(),
            args: Vec::new(),
        }],
        links: links([
            ("self", format!("{base}/rest/api/longtask/{}", task.id)),
            ("base", base.to_string()),
            ("context", String::new()),
        ]),
    }
}

/// `GET /rest/api/longtask/{id}`.
pub async fn get_task(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id): Path<String>,
) -> Result<ApiJson<LongTaskView>, ApiError> {
    let task = match id.parse::<i64>() {
        Ok(id) => state.store.find_task(id).await?,
        Err(_) => None,
    };
    // A task is its creator's and the administrators' to see (its name says what was done where).
    let task = task.filter(|task| caller.administrator || task.creator_id == caller.user.id);
    let task = task.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::TaskNotFound,
            format!("No long task with id: {id}"),
        )
    })?;
    Ok(ApiJson(task_view(&task, &base.clone())))
}

/// `GET /rest/api/longtask`, newest first: the caller's own, or every one for administrators.
pub async fn list_tasks(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<LongTaskView>>, ApiError> {
    let paging = Paging::from_query(&query, 100, 1000)?;
    let creator = (!caller.administrator).then_some(caller.user.id);
    let Listed {
        items: tasks,
        has_more,
    } = state.store.list_tasks(creator, paging.window()).await?;
    let base = base.clone();
    let results = tasks.iter().map(|task| task_view(task, &base)).collect();
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &base,
        "/rest/api/longtask",
        &query,
    )))
}
