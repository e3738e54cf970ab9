//! `/rest/api/user/...`, groups and their members.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use cairn_app::ErrorCode;
use cairn_core::Group;
use cairn_store::Listed;
use serde_json::{Value, json};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::parse_json_body;
use super::request::{NameRequest, decode};
use crate::AppState;
use crate::auth::{ApiUser, Principal};
use crate::error::{ApiError, ApiJson};
use crate::links::encode_component;
use crate::links::request_base;
use crate::request_context::ApiContext;

pub async fn current_user(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
) -> Result<ApiJson, ApiError> {
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(builder.user_json(Some(&caller.user))))
}

/// `GET /rest/api/user?username=…` or `?key=…`.
pub async fn find_user(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let user = match (query.get("username"), query.get("key")) {
        (Some(username), _) => state.store.find_user_by_username(username).await?,
        (None, Some(key)) => state.store.find_user_by_key(key).await?,
        (None, None) => return Err(ApiError::bad_request("give username or key")),
    };
    let user = user.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::UserNotFound,
            "No user found with the given username or key",
        )
    })?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let mut body = builder.user_json(Some(&user));
    if Expand::parse(query.get("expand")).has("status") {
        body["status"] = json!(if user.active { "Active" } else { "Deactivated" });
    }
    Ok(ApiJson(body))
}

/// `GET /rest/api/user/anonymous`.
pub async fn anonymous_user() -> ApiJson {
    ApiJson(json!({
        "type": "anonymous",
        "displayName": "Anonymous",
        "profilePicture": {"path": "/images/icons/profilepics/anonymous.svg", "width": 48, "height": 48, "isDefault": true},
        "_links": {},
    }))
}

fn group_json(group: &Group, base: &str) -> Value {
    json!({
        "type": "group",
        "name": group.name,
        "_links": {"self": format!("{base}/rest/api/group/{}", encode_component(&group.name))},
    })
}

/// `GET /rest/api/group`, by name (default limit 200).
pub async fn list_groups(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let paging = Paging::from_query(&query, 200, 1000)?;
    let Listed {
        items: groups,
        has_more,
    } = state.store.list_groups(paging.window()).await?;
    let base = request_base(&state, &headers);
    let results = groups
        .iter()
        .map(|group| group_json(group, &base))
        .collect();
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &base,
        "/rest/api/group",
        &query,
    )))
}

/// `GET /rest/api/group/{name}/member` (default limit 200).
pub async fn group_members(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    Path(name): Path<String>,
    query: QueryPairs,
) -> Result<ApiJson, ApiError> {
    let group = group_named(&state, &name).await?;
    let paging = Paging::from_query(&query, 200, 1000)?;
    let Listed {
        items: members,
        has_more,
    } = state.store.group_members(group.id, paging.window()).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let results = members
        .iter()
        .map(|member| builder.user_json(Some(member)))
        .collect();
    let path = format!("/rest/api/group/{}/member", encode_component(&group.name));
    Ok(ApiJson(paged_list(
        results,
        paging,
        has_more,
        &builder.base,
        &path,
        &query,
    )))
}

/// 403 unless the caller administers the site (group management is theirs).
async fn require_site_administrator(state: &AppState, caller: &Principal) -> Result<(), ApiError> {
    if state.store.is_site_administrator(caller.user.id).await? {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only members of confluence-administrators may manage groups",
        ))
    }
}

async fn group_named(state: &AppState, name: &str) -> Result<Group, ApiError> {
    state.store.find_group(name).await?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::GroupNotFound,
            format!("No group found with name: {name}"),
        )
    })
}

/// `POST /rest/api/admin/group` with `{"name": "…"}`: creates a group (site administrators).
pub async fn create_group(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    body: Bytes,
) -> Result<ApiJson, ApiError> {
    let request: NameRequest = decode(&parse_json_body(&body)?, "a group")?;
    require_site_administrator(&state, &caller).await?;
    let name = request
        .name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("a group needs a name"))?;
    let group = state.store.create_group(name).await?;
    tracing::info!(group = %group.name, user = %caller.user.username, "group created");
    Ok(ApiJson(group_json(&group, &base.clone())))
}

/// `PUT` / `DELETE /rest/api/user/{username}/group/{name}` (atlassian-python-api 4.x): adds or
/// removes a member (site administrators); 204. Removing a member who is not one changes nothing.
pub async fn change_membership(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    method: axum::http::Method,
    Path((username, name)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let adding = method != axum::http::Method::DELETE;
    set_membership(&state, &caller, &name, &username, adding).await
}

/// `POST /rest/api/group/{name}/member` with `{"name": username}` (atlassian-python-api 5.x).
pub async fn add_member_by_body(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    let request: NameRequest = decode(&parse_json_body(&body)?, "a member")?;
    let username = request
        .name
        .as_deref()
        .or(request.username.as_deref())
        .ok_or_else(|| ApiError::bad_request("name the user to add: {\"name\": \"username\"}"))?;
    set_membership(&state, &caller, &name, username, true).await
}

/// `DELETE /rest/api/group/{name}/member/{username}` (atlassian-python-api 5.x).
pub async fn remove_member_by_path(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path((name, username)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    set_membership(&state, &caller, &name, &username, false).await
}

async fn set_membership(
    state: &AppState,
    caller: &Principal,
    name: &str,
    username: &str,
    adding: bool,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    require_site_administrator(state, caller).await?;
    let group = group_named(state, name).await?;
    let member = state
        .store
        .find_user_by_username(username)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::UserNotFound,
                format!("No user found with username: {username}"),
            )
        })?;
    if adding {
        state.store.add_group_member(group.id, member.id).await?;
    } else {
        state.store.remove_group_member(group.id, member.id).await?;
    }
    tracing::info!(group = %group.name, member = %member.username, adding, user = %caller.user.username, "group membership changed");
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /rest/api/admin/group/{name}`: removes a group with its memberships, grants and
/// restrictions (site administrators). The two built-in groups stay.
pub async fn delete_group(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(name): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    require_site_administrator(&state, &caller).await?;
    let group = group_named(&state, &name).await?;
    if group.name == cairn_core::USERS_GROUP || group.name == cairn_core::ADMINISTRATORS_GROUP {
        return Err(ApiError::bad_request(format!(
            "the built-in group {} cannot be removed",
            group.name
        )));
    }
    state.store.delete_group(group.id).await?;
    tracing::info!(group = %group.name, user = %caller.user.username, "group removed");
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `GET /rest/api/accessmode`: Cairn is never read-only.
pub async fn access_mode() -> ApiJson {
    ApiJson(json!("READ_WRITE"))
}
