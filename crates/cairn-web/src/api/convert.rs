//! `POST /rest/api/contentbody/convert/{to}`: between wiki markup, Markdown, storage, editor HTML and
//! the rendered views. And the JSON-RPC method atlassian-python-api 4.x calls for space permissions.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use cairn_format::NoContext;
use serde_json::{Value, json};

use super::parse_json_body;
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
) -> Result<ApiJson, ApiError> {
    let request = parse_json_body(&body)?;
    let value = request["value"]
        .as_str()
        .ok_or_else(|| ApiError::bad_request("value is required"))?;
    let representation = request["representation"].as_str().unwrap_or("storage");
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
    Ok(ApiJson(json!({
        "value": converted,
        "representation": target,
        "_links": {"base": base, "context": ""},
    })))
}

/// The space permission sets every space has today: everyone in `confluence-users` may do
/// everything, and administrators administer.
fn space_permission_sets() -> Value {
    let for_users = |kind: &str| json!({"type": kind, "spacePermissions": [{"type": kind, "userName": null, "groupName": "confluence-users"}]});
    let mut sets: Vec<Value> = [
        "VIEWSPACE",
        "EDITSPACE",
        "EDITBLOG",
        "COMMENT",
        "CREATEATTACHMENT",
        "REMOVEOWNCONTENT",
    ]
    .into_iter()
    .map(for_users)
    .collect();
    sets.push(json!({"type": "SETSPACEPERMISSIONS", "spacePermissions": [
        {"type": "SETSPACEPERMISSIONS", "userName": null, "groupName": "confluence-administrators"}]}));
    Value::Array(sets)
}

/// `POST /rpc/json-rpc/confluenceservice-v2`: JSON-RPC 2.0; `getSpacePermissionSets` is served.
pub async fn json_rpc(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    body: Bytes,
) -> Result<(StatusCode, ApiJson), ApiError> {
    let request = parse_json_body(&body)?;
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request["method"].as_str().unwrap_or("");
    let answer = match method {
        "getSpacePermissionSets" => {
            let key = request["params"][0].as_str().unwrap_or("");
            if state
                .store
                .find_space_by_key(&cairn_core::SpaceKey::from_stored(key))
                .await?
                .is_none()
            {
                json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32602, "message": format!("No space with key : {key}")}})
            } else {
                json!({"jsonrpc": "2.0", "id": id, "result": space_permission_sets()})
            }
        }
        other => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": format!("Method not found: {other}")}})
        }
    };
    Ok((StatusCode::OK, ApiJson(answer)))
}
