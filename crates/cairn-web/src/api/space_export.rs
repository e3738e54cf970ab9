//! `POST /rest/cairn/1/export/confluence/{spaceKey}`: the space exported as a Confluence XML space
//! export, as a long task (space administrators and site administrators); `GET
//! /rest/cairn/1/export/confluence/{spaceKey}/{taskId}` downloads the zip once the task has
//! succeeded. The work is `cairn_app::space_export`.
//!
//! `POST /rest/cairn/1/export/html/{spaceKey}` and `GET /rest/cairn/1/export/html/{spaceKey}/{taskId}`
//! do the same for the space as a static HTML site (`cairn_app::space_site`): what the caller may
//! see, for those holding EXPORTSPACE, downloadable by the user who started it.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_core::SpaceKey;
use futures_util::StreamExt;

use super::view::{ExportLinks, ExportStarted};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;

/// 202 with the long task that exports the space; `links.download` serves the zip once the
/// task (`links.status`) has succeeded.
pub async fn start_export(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let caller = caller.as_caller();
    let key = SpaceKey::from_stored(key);
    let task = cairn_app::space_export::start(&state, &caller, &key).await?;
    let body = ExportStarted {
        id: task.to_string(),
        links: ExportLinks {
            status: format!("/rest/api/longtask/{task}"),
            download: cairn_app::space_export::download_path(&key, task),
        },
    };
    Ok((StatusCode::ACCEPTED, crate::error::json_body(&body)).into_response())
}

/// The zip of a finished export, streamed from the blob store.
pub async fn download_export(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((key, task)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let caller = caller.as_caller();
    let key = SpaceKey::from_stored(key);
    let Ok(task) = task.parse::<i64>() else {
        return Err(ApiError::not_found(
            ErrorCode::TaskNotFound,
            format!("space {key} has no export {task}"),
        ));
    };
    let read = cairn_app::space_export::download(&state, &caller, &key, task).await?;
    Ok(zip_response(
        read,
        &cairn_app::space_export::file_name(&key),
    ))
}

/// A stored zip, streamed from the blob store, as a download called `file_name`.
fn zip_response(read: cairn_blob::BlobRead, file_name: &str) -> Response {
    let length = read.size_bytes;
    let mut response =
        Response::new(Body::from_stream(read.stream.map(|chunk| {
            chunk.map_err(|error| std::io::Error::other(error.to_string()))
        })));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(value) = HeaderValue::from_str(&length.to_string()) {
        headers.insert(header::CONTENT_LENGTH, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// 202 with the long task that exports the space as a static HTML site.
pub async fn start_site_export(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let caller = caller.as_caller();
    let key = SpaceKey::from_stored(key);
    let task = cairn_app::space_site::start(&state, &caller, &key).await?;
    let body = ExportStarted {
        id: task.to_string(),
        links: ExportLinks {
            status: format!("/rest/api/longtask/{task}"),
            download: cairn_app::space_site::download_path(&key, task),
        },
    };
    Ok((StatusCode::ACCEPTED, crate::error::json_body(&body)).into_response())
}

/// The zip of a finished static-site export, for the user who started it.
pub async fn download_site_export(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((key, task)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let caller = caller.as_caller();
    let key = SpaceKey::from_stored(key);
    let Ok(task) = task.parse::<i64>() else {
        return Err(ApiError::not_found(
            ErrorCode::TaskNotFound,
            format!("space {key} has no export {task}"),
        ));
    };
    let read = cairn_app::space_site::download(&state, &caller, &key, task).await?;
    Ok(zip_response(read, &cairn_app::space_site::file_name(&key)))
}
