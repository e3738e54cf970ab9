//! `POST /rest/api/contentbody/convert/{to}`: between wiki markup, Markdown, storage, editor HTML and
//! the rendered views.

use super::view::{ConvertedBody, links};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use cairn_format::NoContext;

use super::parse_json_body;
use super::request::{ConvertRequest, decode};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::links::request_base;
use crate::render::{check_storage, storage_to_view};

fn to_storage(value: &str, representation: &str) -> Result<String, ApiError> {
    match representation {
        "storage" => {
            check_storage(value).map_err(ApiError::bad_request)?;
            Ok(value.to_string())
        }
        "wiki" => Ok(cairn_format::wiki_to_storage(value)),
        "markdown" => Ok(cairn_format::markdown_to_storage(value)),
        "editor" => cairn_format::editor_html_to_storage(value)
            .map_err(|error| ApiError::bad_request(error.to_string())),
        other => Err(ApiError::bad_request(format!(
            "cannot convert from representation {other}"
        ))),
    }
}

pub async fn convert(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    Path(target): Path<String>,
    body: Bytes,
) -> Result<ApiJson<ConvertedBody>, ApiError> {
    let request: ConvertRequest = decode(&parse_json_body(&body)?, "a body to convert")?;
    let value = request
        .value
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("value is required"))?;
    let representation = request.representation.as_deref().unwrap_or("storage");
    let storage = to_storage(value, representation)?;
    let converted = match target.as_str() {
        "storage" => storage,
        "view" | "export_view" | "styled_view" | "anonymous_export_view" => {
            storage_to_view(&storage, None, None)
        }
        "editor" => {
            let document = cairn_format::parse(&storage)
                .map_err(|error| ApiError::bad_request(error.to_string()))?;
            cairn_format::storage_to_editor_html(&document, &NoContext)
        }
        "markdown" => {
            let document = cairn_format::parse(&storage)
                .map_err(|error| ApiError::bad_request(error.to_string()))?;
            cairn_format::storage_to_markdown(&document, &NoContext)
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "cannot convert to representation {other}"
            )));
        }
    };
    let base = request_base(&state, &headers);
    Ok(ApiJson(ConvertedBody {
        value: converted,
        representation: target,
        links: links([("base", base), ("context", String::new())]),
    }))
}
