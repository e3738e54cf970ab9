//! `/rest/api/content`: pages and blog posts. Create, read (current, historical, trashed), optimistic
//! update, trash and purge, child pages, history.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_core::{Content, ContentId, ContentStatus, ContentType, NewVersion, SpaceKey};
use cairn_store::Listed;
use cairn_store::{CommentListing, ContentListing};
use serde_json::Value;

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::label::requested_labels;
use super::parse_json_body;
use super::property::value_text;
use super::view::{AnyContent, ChildrenView, ContentView, HistoryView, PagedList};
use crate::AppState;
use crate::access::{self};
use crate::auth::{ApiUser, Principal};
use crate::request_context::{ApiContext, ReadContext};
use cairn_app::page;
use cairn_core::CommentLocation;

use super::request::{BodyRequest, ContentRequest, Representation, decode};
use crate::error::{ApiError, ApiJson};
use crate::links::request_base;
use crate::render::{check_storage, wiki_to_storage};
use crate::time_format::now_ms;

/// What a create or update response expands, so clients find what they read right after a write.
const WRITE_RESPONSE_EXPAND: &str = "space,version,history,ancestors,body.storage,metadata.labels";

fn path_id(text: &str) -> Result<ContentId, ApiError> {
    ContentId::parse(text).ok_or_else(|| ApiError::content_not_found(text))
}

/// The storage body of a create or update request; `None` when the request has no body.
fn request_body_storage(request: &ContentRequest) -> Result<Option<String>, ApiError> {
    let Some(body) = &request.body else {
        return Ok(None);
    };
    let body: BodyRequest = serde_json::from_value(body.clone()).unwrap_or_default();
    let value_of = |representation: &Option<Representation>| {
        representation
            .as_ref()
            .and_then(|representation| representation.value.clone())
    };
    if let Some(value) = value_of(&body.storage).or_else(|| value_of(&body.editor)) {
        check_storage(&value).map_err(ApiError::bad_request)?;
        return Ok(Some(value));
    }
    if let Some(wiki) = value_of(&body.wiki) {
        return Ok(Some(wiki_to_storage(&wiki)));
    }
    Err(ApiError::bad_request(
        "body must have a storage or wiki representation: {\"storage\":{\"value\":\"…\",\"representation\":\"storage\"}}",
    ))
}

/// Labels and properties a create or update request carries in `metadata`, checked before any write.
struct RequestMetadata {
    /// `None` when the request carries no `metadata.labels` (labels stay as they are).
    labels: Option<Vec<(String, String)>>,
    properties: Vec<(String, String)>,
}

impl RequestMetadata {
    fn from_request(request: &ContentRequest) -> Result<RequestMetadata, ApiError> {
        let metadata = request.metadata();
        let labels = match &metadata.labels {
            None => None,
            Some(labels) => Some(requested_labels(labels)?),
        };
        let mut properties = Vec::new();
        for (key, entry) in metadata.properties.unwrap_or_default() {
            cairn_core::validate_property_key(&key)
                .map_err(|error| ApiError::bad_request(error.message))?;
            let value = entry.get("value").cloned().unwrap_or(Value::Null);
            properties.push((key, value_text(&value)?));
        }
        Ok(RequestMetadata { labels, properties })
    }
}

fn request_version(request: &ContentRequest, caller: &Principal) -> NewVersion {
    let version = request.version();
    NewVersion {
        author_id: caller.user.id,
        now_ms: now_ms(),
        message: version.message.unwrap_or_default(),
        minor_edit: version.minor_edit.unwrap_or(false),
    }
}

/// The parent named by `ancestors` (the last element is the direct parent).
fn request_parent(request: &ContentRequest) -> Result<Option<ContentId>, ApiError> {
    match request
        .ancestors
        .as_ref()
        .and_then(|ancestors| ancestors.last())
    {
        Some(last) => last
            .id
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("ancestors must name a page id")),
        None => Ok(None),
    }
}

pub async fn create_content(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<ContentView>, ApiError> {
    let request: ContentRequest = decode(&parse_json_body(&body)?, "a content object")?;
    let type_text = request
        .content_type
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("content type is required"))?;
    let content_type = ContentType::parse(type_text).ok_or_else(|| {
        ApiError::bad_request(format!("content type {type_text} cannot be created here"))
    })?;
    if content_type == ContentType::Comment {
        return create_comment(&state, &caller, &headers, &request).await;
    }
    let title = request
        .title
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("title is required"))?;
    let space_key = request
        .space_key()
        .filter(|key| !key.is_empty())
        .ok_or_else(|| ApiError::bad_request("space key is required"))?;
    let draft = match request.status.as_deref() {
        None | Some("current") => false,
        Some("draft") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "content cannot be created with status {other}"
            )));
        }
    };
    let metadata = RequestMetadata::from_request(&request)?;
    let version = request_version(&request, &caller);
    let command = page::CreatePage {
        content_type,
        space_key: SpaceKey::from_stored(space_key),
        parent_id: request_parent(&request)?,
        title: title.to_string(),
        body: request_body_storage(&request)?.unwrap_or_default(),
        draft,
        message: version.message,
        minor_edit: version.minor_edit,
        labels: metadata.labels.unwrap_or_default(),
        properties: metadata.properties,
    };
    let content = page::create(&state, &caller.as_caller(), command).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .content_view(&content, &Expand::parse(Some(WRITE_RESPONSE_EXPAND)))
            .await?,
    ))
}

/// `POST /rest/api/content` with `type: comment`: on `container.id`, replying to the last of
/// `ancestors`, at `extensions.location` (footer or inline).
async fn create_comment(
    state: &AppState,
    caller: &Principal,
    headers: &HeaderMap,
    request: &ContentRequest,
) -> Result<ApiJson<ContentView>, ApiError> {
    let container_id = request
        .container
        .as_ref()
        .and_then(|container| container.id)
        .ok_or_else(|| ApiError::bad_request("a comment needs container.id (the page it is on)"))?;
    let body = request_body_storage(request)?
        .ok_or_else(|| ApiError::bad_request("a comment needs a body"))?;
    let extensions = request.extensions.clone().unwrap_or_default();
    let inline_properties = extensions
        .inline_properties
        .filter(|properties| !properties.is_null())
        .map(|properties| properties.to_string());
    let version = request_version(request, caller);
    let command = cairn_app::comment::AddComment {
        container_id,
        reply_to: request_parent(request)?,
        body,
        location: match extensions.location.as_deref() {
            None | Some("") | Some("footer") => CommentLocation::Footer,
            Some("inline") => CommentLocation::Inline,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "comment location {other} is not footer or inline"
                )));
            }
        },
        inline_properties,
        message: version.message,
        minor_edit: version.minor_edit,
    };
    let (comment, _) = cairn_app::comment::add(state, &caller.as_caller(), command).await?;
    let builder = JsonBuilder::new(state, request_base(state, headers), caller.user.id);
    let expand = Expand::parse(Some(
        "space,version,history,ancestors,body.storage,container,extensions.inlineProperties",
    ));
    Ok(ApiJson(builder.content_view(&comment, &expand).await?))
}

/// `postingDay=YYYY-MM-DD`: that UTC day as `[start, end)` in epoch milliseconds.
fn posting_day(text: &str) -> Result<(i64, i64), ApiError> {
    let invalid =
        || ApiError::bad_request(format!("postingDay {text} is not a date like 2024-05-01"));
    let mut parts = text.trim().splitn(3, '-');
    let mut number = || -> Result<i64, ApiError> {
        parts
            .next()
            .and_then(|part| part.parse::<i64>().ok())
            .ok_or_else(invalid)
    };
    let (year, month, day) = (number()?, number()?, number()?);
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| time::Month::try_from(month).ok())
        .ok_or_else(invalid)?;
    let date = i32::try_from(year)
        .ok()
        .zip(u8::try_from(day).ok())
        .and_then(|(year, day)| time::Date::from_calendar_date(year, month, day).ok())
        .ok_or_else(invalid)?;
    let start_ms = date.midnight().assume_utc().unix_timestamp() * 1000;
    Ok((start_ms, start_ms + 86_400_000))
}

pub async fn list_content(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<ContentView>>, ApiError> {
    let paging = Paging::from_query(&query, 25, 500)?;
    let expand = Expand::parse(query.get("expand"));
    let type_text = query
        .get("type")
        .filter(|kind| !kind.is_empty())
        .unwrap_or("page");
    let content_type = ContentType::parse(type_text)
        .ok_or_else(|| ApiError::bad_request(format!("unknown content type {type_text}")))?;
    let status_text = query
        .get("status")
        .filter(|status| !status.is_empty())
        .unwrap_or("current");
    let base = base.clone();
    // Confluence also lists `archived` and `historical` content; Cairn archives nothing and keeps
    // history as versions, so those lists are empty (publishers look a title up under every status
    // before creating it).
    if matches!(status_text, "archived" | "historical") {
        return Ok(ApiJson(paged_list(
            Vec::new(),
            paging,
            false,
            &base,
            "/rest/api/content",
            &query,
        )));
    }
    let status = match status_text {
        "any" => None,
        text => Some(
            ContentStatus::parse(text)
                .ok_or_else(|| ApiError::bad_request(format!("unknown status {text}")))?,
        ),
    };
    let space_id = match query.get("spaceKey").filter(|key| !key.is_empty()) {
        Some(key) => match state
            .store
            .find_space_by_key(&SpaceKey::from_stored(key))
            .await?
        {
            Some(space) => Some(space.id),
            None => {
                return Ok(ApiJson(paged_list(
                    Vec::new(),
                    paging,
                    false,
                    &base,
                    "/rest/api/content",
                    &query,
                )));
            }
        },
        None => None,
    };
    let listing = ContentListing {
        content_type,
        space_id,
        title: query.get("title").map(str::to_string),
        status,
        label: query
            .get("label")
            .filter(|label| !label.is_empty())
            .map(|label| label.trim().to_lowercase()),
        // atlassian-python-api 5.x sends depth=root here for the root pages of a space.
        root_only: query.get("depth") == Some("root"),
        viewer: caller.user.id,
        created_between: match query.get("postingDay").filter(|day| !day.is_empty()) {
            Some(day) => Some(posting_day(day)?),
            None => None,
        },
        window: paging.window(),
    };
    let Listed {
        items: contents,
        has_more,
    } = state.store.list_content(&listing).await?;
    let builder = JsonBuilder::new(&state, base, caller.user.id);
    let results = builder.content_views(&contents, &expand).await?;
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        "/rest/api/content",
        &query,
    )))
}

pub async fn get_content(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<AnyContent>, ApiError> {
    let id = path_id(&id_text)?;
    let expand = match query.get("expand") {
        Some(expand) => Expand::parse(Some(expand)),
        None => Expand::parse(Some("history,space,version")),
    };
    let Some(content) = state.store.find_content(id).await? else {
        // Attachments share the id space and this endpoint.
        let attachment = state
            .store
            .find_attachment(id)
            .await?
            .ok_or_else(|| ApiError::content_not_found(id))?;
        access::require_view_attachment(&state, caller.user.id, &attachment).await?;
        let wanted = query.get("status").unwrap_or("current");
        if wanted != "any" && wanted != attachment.status.as_str() {
            return Err(ApiError::content_not_found(id));
        }
        let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
        let found = builder.attachment_view(&attachment, &expand).await?;
        return Ok(ApiJson(AnyContent::Attachment(Box::new(found))));
    };
    let requested_status = query.get("status").unwrap_or("current");
    if requested_status == "draft" && content.status == ContentStatus::Current {
        // As Confluence: a published page asked for with `status=draft` answers with the caller's
        // unpublished draft of it (the editor's autosave), under the page's own id.
        access::require_view(&state, caller.user.id, &content).await?;
        let draft = cairn_app::draft::find(&state, &caller.as_caller(), &content)
            .await?
            .ok_or_else(|| ApiError::content_not_found(id))?;
        let shown = Content {
            status: ContentStatus::Draft,
            title: draft.title,
            body: draft.body,
            ..content
        };
        let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
        let found = builder.content_view(&shown, &expand).await?;
        return Ok(ApiJson(AnyContent::Content(Box::new(found))));
    }
    let visible = match requested_status {
        "any" => true,
        "historical" => content.status == ContentStatus::Current,
        other => other == content.status.as_str(),
    };
    if !visible {
        return Err(ApiError::content_not_found(id));
    }
    access::require_view(&state, caller.user.id, &content).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let wanted_version = match query.get("version").filter(|text| !text.is_empty()) {
        Some(text) => Some(
            text.parse::<i32>()
                .map_err(|_| ApiError::bad_request("version must be a number"))?,
        ),
        None => None,
    };
    match wanted_version {
        Some(number) if number != content.version => {
            let version = state
                .store
                .find_version(id, number)
                .await?
                .ok_or_else(|| ApiError::content_not_found(id))?;
            let found = builder
                .content_view_at(&content, Some(&version), &expand)
                .await?;
            Ok(ApiJson(AnyContent::Content(Box::new(found))))
        }
        _ => {
            let found = builder.content_view(&content, &expand).await?;
            Ok(ApiJson(AnyContent::Content(Box::new(found))))
        }
    }
}

/// `PUT /rest/api/content/{id}`: a JSON update, or (atlassian-python-api 5.x) a multipart body that
/// is a new version of an attachment. The route has no body limit, so JSON bodies are limited here.
pub async fn update_content(
    ApiContext {
        state,
        caller,
        base: _,
    }: ApiContext,
    headers: HeaderMap,
    Path(id_text): Path<String>,
    request: axum::extract::Request,
) -> Result<ApiJson<AnyContent>, ApiError> {
    let is_multipart = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    if is_multipart {
        let id = path_id(&id_text)?;
        let multipart =
            <axum::extract::Multipart as axum::extract::FromRequest<AppState>>::from_request(
                request, &state,
            )
            .await
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        let ApiJson(updated) =
            super::attachment::new_version_by_content_put(&state, &caller, &headers, id, multipart)
                .await?;
        return Ok(ApiJson(AnyContent::Attachment(Box::new(updated))));
    }
    let body = axum::body::to_bytes(request.into_body(), crate::MAX_REQUEST_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::RequestTooLarge,
                format!(
                    "The request body is larger than the limit of {} bytes",
                    crate::MAX_REQUEST_BODY_BYTES
                ),
            )
        })?;
    let ApiJson(updated) = update_content_json(state, caller, headers, id_text, body).await?;
    Ok(ApiJson(AnyContent::Content(Box::new(updated))))
}

async fn update_content_json(
    state: AppState,
    caller: Principal,
    headers: HeaderMap,
    id_text: String,
    body: Bytes,
) -> Result<ApiJson<ContentView>, ApiError> {
    let id = path_id(&id_text)?;
    let request: ContentRequest = decode(&parse_json_body(&body)?, "a content object")?;
    if request.content_type.is_none() {
        return Err(ApiError::bad_request("content type is required"));
    }
    let number = request.version().number.ok_or_else(|| {
        ApiError::bad_request(
            "Must supply an incremented version when updating Content. No version supplied.",
        )
    })?;
    let version_number = i32::try_from(number)
        .map_err(|_| ApiError::bad_request(format!("version {number} is out of range")))?;
    let metadata = RequestMetadata::from_request(&request)?;
    let version = request_version(&request, &caller);
    let command = page::SavePage {
        id,
        version_number,
        title: request.title.clone(),
        body: request_body_storage(&request)?,
        parent_id: request_parent(&request)?,
        space_key: request.space_key().map(str::to_string),
        status: match request.status.as_deref() {
            None => page::WantedStatus::Unnamed,
            Some("current") => page::WantedStatus::Current,
            Some("draft") => page::WantedStatus::Draft,
            Some(other) => page::WantedStatus::Other(other.to_string()),
        },
        message: version.message,
        minor_edit: version.minor_edit,
        labels: metadata.labels,
        properties: metadata.properties,
    };
    let saved = page::save(&state, &caller.as_caller(), command).await?;
    let builder = JsonBuilder::new(&state, request_base(&state, &headers), caller.user.id);
    Ok(ApiJson(
        builder
            .content_view(&saved.content, &Expand::parse(Some(WRITE_RESPONSE_EXPAND)))
            .await?,
    ))
}

pub async fn delete_content(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let id = path_id(&id_text)?;
    let Some(content) = state.store.find_content(id).await? else {
        let attachment = state
            .store
            .find_attachment(id)
            .await?
            .ok_or_else(|| ApiError::content_not_found(id))?;
        let container =
            access::require_view_attachment(&state, caller.user.id, &attachment).await?;
        access::require_remove_attachment(&state, caller.user.id, &container, &attachment).await?;
        let purge = query.get("status") == Some("trashed");
        tracing::info!(attachment = %id, purge, user = %caller.user.username, "attachment deleted");
        cairn_app::attachment::delete_attachment(&state, &caller.as_caller(), &attachment, purge)
            .await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    cairn_app::lifecycle::remove(&state, &caller.as_caller(), &content, query.get("status"))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Loads current content for a read endpoint: trashed content, and content the caller may not view,
/// is not found here.
async fn current_content(
    state: &AppState,
    caller: &Principal,
    id_text: &str,
) -> Result<Content, ApiError> {
    let id = path_id(id_text)?;
    let content = state
        .store
        .find_content(id)
        .await?
        .filter(|content| content.status == ContentStatus::Current)
        .ok_or_else(|| ApiError::content_not_found(id))?;
    access::require_view(state, caller.user.id, &content).await?;
    Ok(content)
}

pub async fn list_child_pages(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<ContentView>>, ApiError> {
    let parent = current_content(&state, &caller, &id_text).await?;
    // 200 when no limit is asked (Confluence's site default), so clients that delete children while
    // paging through them lazily do not skip any.
    let paging = Paging::from_query(&query, 200, 1000)?;
    let Listed {
        items: children,
        has_more,
    } = state
        .store
        .list_children(caller.user.id, parent.id, paging.window())
        .await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let path = format!("/rest/api/content/{}/child/page", parent.id);
    Ok(ApiJson(
        builder
            .content_page(&children, has_more, paging, &path, &query)
            .await?,
    ))
}

pub async fn get_history(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
) -> Result<ApiJson<HistoryView>, ApiError> {
    let content = current_content(&state, &caller, &id_text).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(builder.history_view(&content, true).await?))
}

/// `GET /rest/api/content/{id}/child/comment`: top-level comments, or all with `depth=all`;
/// `location` filters to footer or inline comments. The id may be an attachment's (comments on a
/// file, visible exactly when the file's page is).
pub async fn list_child_comments(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<ContentView>>, ApiError> {
    let id = path_id(&id_text)?;
    let container_id = match state.store.find_attachment(id).await? {
        Some(attachment) => {
            access::require_view_attachment(&state, caller.user.id, &attachment).await?;
            if attachment.status != ContentStatus::Current {
                return Err(ApiError::content_not_found(id));
            }
            attachment.id
        }
        None => current_content(&state, &caller, &id_text).await?.id,
    };
    let paging = Paging::from_query(&query, 25, 1000)?;
    let expand = Expand::parse(query.get("expand"));
    let locations = query.list("location");
    let wants = |name: &str| locations.iter().any(|location| location == name);
    let location = match (wants("footer"), wants("inline")) {
        (true, false) => Some(CommentLocation::Footer),
        (false, true) => Some(CommentLocation::Inline),
        _ => None,
    };
    let listing = CommentListing {
        container_id,
        include_replies: query.get("depth") == Some("all"),
        location,
        window: paging.window(),
    };
    let Listed {
        items: comments,
        has_more,
    } = state.store.list_comments(listing).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let comment_contents: Vec<&Content> = comments.iter().map(|(content, _)| content).collect();
    let results = builder.content_views(comment_contents, &expand).await?;
    let path = format!("/rest/api/content/{container_id}/child/comment");
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        &path,
        &query,
    )))
}

/// `GET /rest/api/content/{id}/descendant/page`: every page below, level by level.
pub async fn list_descendant_pages(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<ContentView>>, ApiError> {
    let root = current_content(&state, &caller, &id_text).await?;
    let paging = Paging::from_query(&query, 25, 1000)?;
    let Listed {
        items: pages,
        has_more,
    } = state
        .store
        .list_descendants(caller.user.id, root.id, paging.window())
        .await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let path = format!("/rest/api/content/{}/descendant/page", root.id);
    Ok(ApiJson(
        builder
            .content_page(&pages, has_more, paging, &path, &query)
            .await?,
    ))
}

/// `GET /rest/api/content/{id}/child`: the children of every kind, each kind as asked in `expand`.
pub async fn list_children_by_kind(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<ChildrenView>, ApiError> {
    let content = current_content(&state, &caller, &id_text).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let expand = Expand::parse(query.get("expand"));
    Ok(ApiJson(builder.children_view(&content, &expand).await?))
}
