//! `/rest/api/user/...`.

use axum::extract::State;
use axum::http::HeaderMap;

use super::json::JsonBuilder;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson};
use crate::links::request_base;

pub async fn current_user(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    headers: HeaderMap,
) -> Result<ApiJson, ApiError> {
    let builder = JsonBuilder::new(&state, request_base(&state, &headers));
    Ok(ApiJson(builder.user_json(Some(&caller.user))))
}
