//! Version lists of content: `/rest/experimental/content/{id}/version` (atlassian-python-api 4.x) and
//! `/rest/api/content/{id}/version` (5.x), a single version, and removal of a historical version.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_core::{Content, ContentId};
use cairn_store::Listed;

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::view::{Collaborators, PagedList, VersionView};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::request_context::ReadContext;

async fn content_of(
    state: &AppState,
    caller: &crate::auth::Principal,
    id_text: &str,
) -> Result<Content, ApiError> {
    let id = ContentId::parse(id_text).ok_or_else(|| ApiError::content_not_found(id_text))?;
    Ok(crate::access::viewable_content(state, caller.user.id, id).await?)
}

/// The attachment `id_text` names, when it is one the caller may view (`None`: not an attachment).
async fn attachment_of(
    state: &AppState,
    caller: &crate::auth::Principal,
    id_text: &str,
) -> Result<Option<cairn_core::Attachment>, ApiError> {
    let Some(id) = ContentId::parse(id_text) else {
        return Ok(None);
    };
    let Some(attachment) = state.store.find_attachment(id).await? else {
        return Ok(None);
    };
    crate::access::require_view_attachment(state, caller.user.id, &attachment).await?;
    Ok(Some(attachment))
}

fn version_number(text: &str) -> Result<i32, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request(format!("version must be a number, got {text:?}")))
}

/// Versions, newest first (default limit 200).
pub async fn list_versions(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    Path(id_text): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<VersionView>>, ApiError> {
    let paging = Paging::from_query(&query, 200, 1000)?;
    if let Some(attachment) = attachment_of(&state, &caller, &id_text).await? {
        // Attachments share the id space: their versions are listed here too, newest first.
        let versions = state.store.attachment_versions(attachment.id).await?;
        let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
        let start = usize::try_from(paging.start).unwrap_or(usize::MAX);
        let limit = usize::try_from(paging.limit).unwrap_or(0);
        let shown: Vec<_> = versions.iter().skip(start).take(limit).collect();
        builder
            .preload_users(shown.iter().map(|version| version.author_id).collect())
            .await?;
        let mut results = Vec::new();
        for version in shown {
            results.push(builder.attachment_version_view(version).await?);
        }
        let has_more = versions.len() > start.saturating_add(limit);
        return Ok(ApiJson(paged_list(
            results,
            paging,
            has_more,
            &builder.base,
            uri.path(),
            &query,
        )));
    }
    let content = content_of(&state, &caller, &id_text).await?;
    let Listed {
        items: versions,
        has_more,
    } = state
        .store
        .list_versions(content.id, paging.window())
        .await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    builder
        .preload_users(versions.iter().map(|version| version.author_id).collect())
        .await?;
    let mut results = Vec::with_capacity(versions.len());
    for version in &versions {
        results.push(builder.stored_version_view(version).await?);
    }
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        uri.path(),
        &query,
    )))
}

/// One version; `expand=content` adds the content as it was then.
pub async fn get_version(
    ReadContext {
        state,
        caller,
        base,
    }: ReadContext,
    Path((id_text, number_text)): Path<(String, String)>,
    query: QueryPairs,
) -> Result<ApiJson<VersionView>, ApiError> {
    let content = content_of(&state, &caller, &id_text).await?;
    let number = version_number(&number_text)?;
    let version = state
        .store
        .find_version(content.id, number)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::VersionNotFound,
                format!("Content {} has no version {number}", content.id),
            )
        })?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let mut body = builder.stored_version_view(&version).await?;
    let expand = Expand::parse(query.get("expand"));
    if expand.has("content") {
        let then = builder
            .content_view_at(&content, Some(&version), &expand.below("content"))
            .await?;
        body.content = Some(Box::new(then));
    }
    if expand.has("collaborators") {
        let author = builder.user_view_by_id(version.author_id).await?;
        body.collaborators = Some(Collaborators {
            user_keys: vec![author.user_key.clone()],
            users: vec![author],
        });
    }
    Ok(ApiJson(body))
}

/// Removes a historical version: 204; 400 for the current version.
pub async fn delete_version(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((id_text, number_text)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if let Some(attachment) = attachment_of(&state, &caller, &id_text).await? {
        let container =
            crate::access::require_view_attachment(&state, caller.user.id, &attachment).await?;
        crate::access::require_remove_attachment(&state, caller.user.id, &container, &attachment)
            .await?;
        let number = version_number(&number_text)?;
        return match state
            .store
            .delete_attachment_version(attachment.id, number)
            .await?
        {
            Some(blob_key) => {
                cairn_app::attachment::delete_unreferenced_blob(&state, blob_key).await;
                tracing::info!(attachment = %attachment.id, version = number, user = %caller.user.username, "attachment version removed");
                Ok(StatusCode::NO_CONTENT.into_response())
            }
            None => Err(ApiError::not_found(
                ErrorCode::VersionNotFound,
                format!("Attachment {} has no version {number}", attachment.id),
            )),
        };
    }
    let content = content_of(&state, &caller, &id_text).await?;
    let number = version_number(&number_text)?;
    cairn_app::lifecycle::delete_version(&state, &caller.as_caller(), &content, number).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
