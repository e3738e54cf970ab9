//! `POST /rest/cairn/1/import/confluence`: a Confluence export (multipart part `file`, or
//! `serverFile` naming a file in the node's import folder) imported as a long task, site
//! administrators only, with the importer's options as query parameters or parts
//! (`spaceKeyMap=OLD=NEW`, repeatable; `dryRun=true`). The work is
//! `cairn_app::confluence_import`.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::view::{TaskStarted, TaskStatusLink};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use crate::request::QueryPairs;

/// 202 with the long task that imports the upload; its progress and, at the end, its report are
/// at `/rest/api/longtask/{id}`.
pub async fn import_confluence(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    query: QueryPairs,
    mut multipart: Multipart,
) -> Result<Response, ApiError> {
    let caller = caller.as_caller();
    let asked = crate::upload::import_request_from_query(&query)?;
    let (export, request) =
        crate::upload::receive_export(&state, &caller, &mut multipart, asked).await?;
    let task = cairn_app::confluence_import::start(&state, &caller, export, &request).await?;
    let body = TaskStarted {
        id: task.to_string(),
        links: TaskStatusLink {
            status: format!("/rest/api/longtask/{task}"),
        },
    };
    Ok((StatusCode::ACCEPTED, crate::error::json_body(&body)).into_response())
}
