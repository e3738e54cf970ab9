//! `POST /rest/api/content/{id}/copy`: copying a page, as Confluence Data Center and Cloud take it
//! (`destination` of type `space`, `parent_page`, `parent_content` or `existing_page`, `pageTitle`,
//! `body`, and `copyAttachments`, `copyPermissions`, `copyProperties`, `copyLabels`).

use axum::body::Bytes;
use axum::extract::Path;
use cairn_app::copy::{self, CopyDestination, CopyPage};
use cairn_core::{ContentId, SpaceKey};

use super::json::{Expand, JsonBuilder};
use super::parse_json_body;
use super::request::{CopyRequest, decode};
use super::view::ContentView;
use crate::error::{ApiError, ApiJson};
use crate::render::check_storage;
use crate::request_context::ApiContext;

/// What the answer expands, as Confluence's copy answers.
const COPY_RESPONSE_EXPAND: &str = "space,history,version";

fn destination_of(request: &CopyRequest) -> Result<CopyDestination, ApiError> {
    let destination = request.destination.clone().unwrap_or_default();
    let value = destination.value.unwrap_or_default();
    let page = || {
        ContentId::parse(&value).ok_or_else(|| {
            ApiError::bad_request(format!("destination value {value:?} is not a page id"))
        })
    };
    match destination.destination_type.as_deref() {
        Some("space") if !value.is_empty() => {
            Ok(CopyDestination::SpaceRoot(SpaceKey::from_stored(&value)))
        }
        Some("parent_page" | "parent_content") => Ok(CopyDestination::Below(page()?)),
        Some("existing_page") => Ok(CopyDestination::Onto(page()?)),
        _ => Err(ApiError::bad_request(
            "destination must be {\"type\": \"space\" | \"parent_page\" | \"existing_page\", \"value\": …}",
        )),
    }
}

pub async fn copy_page(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(id_text): Path<String>,
    body: Bytes,
) -> Result<ApiJson<ContentView>, ApiError> {
    let source = ContentId::parse(&id_text).ok_or_else(|| ApiError::content_not_found(&id_text))?;
    let request: CopyRequest = decode(&parse_json_body(&body)?, "a copy request")?;
    let destination = destination_of(&request)?;
    let new_body = request
        .body
        .as_ref()
        .and_then(|body| body.storage.as_ref())
        .and_then(|storage| storage.value.clone());
    if let Some(storage) = &new_body {
        check_storage(storage).map_err(ApiError::bad_request)?;
    }
    let command = CopyPage {
        source,
        destination,
        title: request
            .page_title
            .clone()
            .filter(|title| !title.trim().is_empty()),
        body: new_body,
        labels: request.copy_labels.unwrap_or(false),
        properties: request.copy_properties.unwrap_or(false),
        restrictions: request.copy_permissions.unwrap_or(false),
        attachments: request.copy_attachments.unwrap_or(false),
    };
    let copied = copy::copy(&state, &caller.as_caller(), command).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(
        builder
            .content_view(&copied, &Expand::parse(Some(COPY_RESPONSE_EXPAND)))
            .await?,
    ))
}
