//! Personal access tokens, at Confluence Data Center's paths: `GET/POST /rest/pat/latest/tokens`,
//! `DELETE /rest/pat/latest/tokens/{id}`. The raw token is returned once, at creation.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::token::CreateToken;
use serde_json::Value;

use super::view::TokenView;

use super::parse_json_body;
use super::request::{TokenRequest, decode};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, json_body};
use crate::time_format::iso_from_ms;

fn token_view(token: &cairn_store::AccessTokenInfo) -> TokenView {
    TokenView {
        id: token.id,
        name: token.name.clone(),
        created_at: iso_from_ms(token.created_ms),
        expiring_at: token.expires_ms.map(iso_from_ms),
        last_accessed_at: token.last_used_ms.map(iso_from_ms),
        raw_token: None,
    }
}

pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: TokenRequest = decode(&parse_json_body(&body)?, "a token request")?;
    let expires_in_days = match &request.expiration_duration {
        Value::Null => None,
        value => Some(value.as_i64().ok_or_else(|| {
            ApiError::bad_request("expirationDuration must be a number of days from 1 to 3650")
        })?),
    };
    let command = CreateToken {
        name: request.name.clone().unwrap_or_default(),
        expires_in_days,
    };
    let created = cairn_app::token::create(&state, &caller.as_caller(), command).await?;
    let body = TokenView {
        raw_token: Some(created.secret),
        ..token_view(&created.token)
    };
    Ok((StatusCode::CREATED, json_body(&body)).into_response())
}

pub async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> Result<ApiJson<Vec<TokenView>>, ApiError> {
    let tokens = state.store.list_access_tokens(caller.user.id).await?;
    Ok(ApiJson(tokens.iter().map(token_view).collect()))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    cairn_app::token::revoke(&state, &caller.as_caller(), id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
