//! User administration in Confluence Data Center's shapes (8.4 and later): creating a user, setting
//! a password, deactivating and reactivating (site administrators), and a user changing their own
//! password.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::account::NewAccount;
use cairn_app::users;

use super::json::JsonBuilder;
use super::parse_json_body;
use super::request::{NewUserRequest, PasswordChangeRequest, PasswordRequest, decode};
use super::view::UserView;
use crate::error::{ApiError, ApiJson};
use crate::request_context::ApiContext;

/// `POST /rest/api/admin/user` with `userName`, `fullName`, `email`, `password`: the new user.
pub async fn create_user(
    ApiContext {
        state,
        caller,
        base,
    }: ApiContext,
    body: Bytes,
) -> Result<ApiJson<UserView>, ApiError> {
    let request: NewUserRequest = decode(&parse_json_body(&body)?, "a new user")?;
    let username = request
        .user_name
        .ok_or_else(|| ApiError::bad_request("a new user needs a userName"))?;
    let password = request
        .password
        .ok_or_else(|| ApiError::bad_request("a new user needs a password"))?;
    let account = NewAccount {
        display_name: request.full_name.unwrap_or_else(|| username.clone()),
        username,
        email: request.email.unwrap_or_default(),
        password,
        administrator: false,
    };
    let user = users::create(&state, &caller.as_caller(), account).await?;
    let builder = JsonBuilder::new(&state, base.clone(), caller.user.id);
    Ok(ApiJson(builder.user_view(Some(&user))))
}

/// `POST /rest/api/admin/user/{username}/password` with `{"password": …}`: 204.
pub async fn set_password(
    ApiContext { state, caller, .. }: ApiContext,
    Path(username): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: PasswordRequest = decode(&parse_json_body(&body)?, "a password")?;
    let password = request
        .password
        .ok_or_else(|| ApiError::bad_request("give the new password: {\"password\": \"…\"}"))?;
    users::set_password(&state, &caller.as_caller(), &username, &password).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /rest/api/admin/user/{username}/disable`: 204; the user's sessions and tokens stop at once.
pub async fn disable(
    ApiContext { state, caller, .. }: ApiContext,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    users::set_active(&state, &caller.as_caller(), &username, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /rest/api/admin/user/{username}/enable`: 204.
pub async fn enable(
    ApiContext { state, caller, .. }: ApiContext,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    users::set_active(&state, &caller.as_caller(), &username, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /rest/api/user/current/password` with `oldPassword` and `newPassword`: 204.
pub async fn change_own_password(
    ApiContext { state, caller, .. }: ApiContext,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: PasswordChangeRequest = decode(&parse_json_body(&body)?, "a password change")?;
    let old = request.old_password.unwrap_or_default();
    let new = request
        .new_password
        .ok_or_else(|| ApiError::bad_request("give newPassword"))?;
    users::change_own_password(&state, &caller.as_caller(), &old, &new).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
