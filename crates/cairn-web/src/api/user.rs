//! `/rest/api/user/...`, groups and their members.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use cairn_app::ErrorCode;
use cairn_app::group::Membership;
use cairn_core::Group;
use cairn_store::Listed;

use super::view::{AccessModeView, GroupView, Links, PagedList, ProfilePicture, UserView, links};

use super::json::{Expand, JsonBuilder, Paging, QueryPairs, paged_list};
use super::parse_json_body;
use super::request::{AccessModeRequest, NameRequest, decode};
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
) -> Result<ApiJson<UserView>, ApiError> {
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(builder.user_view(Some(&caller.user))))
}

/// `GET /rest/api/user?username=…` or `?key=…`.
pub async fn find_user(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    query: QueryPairs,
) -> Result<ApiJson<UserView>, ApiError> {
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
    let mut body = builder.user_view(Some(&user));
    if Expand::parse(query.get("expand")).has("status") {
        body.status = Some(if user.active { "Active" } else { "Deactivated" });
    }
    Ok(ApiJson(body))
}

/// `GET /rest/api/user/anonymous`.
pub async fn anonymous_user() -> ApiJson<UserView> {
    ApiJson(UserView {
        kind: "anonymous",
        username: None,
        user_key: None,
        profile_picture: ProfilePicture::default_for("/images/icons/profilepics/anonymous.svg"),
        display_name: "Anonymous".to_string(),
        status: None,
        links: Links::new(),
        expandable: None,
    })
}

fn group_view(group: &Group, base: &str) -> GroupView {
    GroupView {
        kind: "group",
        name: group.name.clone(),
        links: links([(
            "self",
            format!("{base}/rest/api/group/{}", encode_component(&group.name)),
        )]),
    }
}

/// `GET /rest/api/group`, by name (default limit 200).
pub async fn list_groups(
    State(state): State<AppState>,
    ApiUser(_caller): ApiUser,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<ApiJson<PagedList<GroupView>>, ApiError> {
    let paging = Paging::from_query(&query, 200, 1000)?;
    let Listed {
        items: groups,
        has_more,
    } = state.store.list_groups(paging.window()).await?;
    let base = request_base(&state, &headers);
    let results = groups
        .iter()
        .map(|group| group_view(group, &base))
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
) -> Result<ApiJson<PagedList<UserView>>, ApiError> {
    let group = cairn_app::group::named(&state, &name).await?;
    let paging = Paging::from_query(&query, 200, 1000)?;
    let Listed {
        items: members,
        has_more,
    } = state.store.group_members(group.id, paging.window()).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    let results = members
        .iter()
        .map(|member| builder.user_view(Some(member)))
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
/// `POST /rest/api/admin/group` with `{"name": "…"}`: creates a group (site administrators).
pub async fn create_group(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<GroupView>, ApiError> {
    let request: NameRequest = decode(&parse_json_body(&body)?, "a group")?;
    let name = request
        .name
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("a group needs a name"))?;
    let group = cairn_app::group::create(&state, &caller.as_caller(), name).await?;
    Ok(ApiJson(group_view(&group, &base.clone())))
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
    let change = if adding {
        Membership::Add
    } else {
        Membership::Remove
    };
    cairn_app::group::change_membership(state, &caller.as_caller(), name, username, change).await?;
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
    cairn_app::group::delete(&state, &caller.as_caller(), &name).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// `GET /rest/api/accessmode`: `READ_WRITE`, or `READ_ONLY` while an administrator has turned on
/// read-only mode.
pub async fn access_mode(State(state): State<AppState>) -> ApiJson<&'static str> {
    ApiJson(cairn_app::access_mode::current(&state).await.as_str())
}

/// `PUT /rest/cairn/1/accessmode` with `{"mode": "READ_ONLY" | "READ_WRITE"}` (site
/// administrators): answers the mode now in force, on every node within a moment.
pub async fn set_access_mode(
    ApiContext { state, caller, .. }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<AccessModeView>, ApiError> {
    let request: AccessModeRequest = decode(&parse_json_body(&body)?, "an access mode")?;
    let mode = request
        .mode
        .as_deref()
        .and_then(cairn_app::access_mode::AccessMode::parse)
        .ok_or_else(|| ApiError::bad_request("mode must be READ_ONLY or READ_WRITE"))?;
    let now = cairn_app::access_mode::set(&state, &caller.as_caller(), mode).await?;
    Ok(ApiJson(AccessModeView { mode: now.as_str() }))
}
