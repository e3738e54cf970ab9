//! Personal access tokens, at Confluence Data Center's paths: `GET/POST /rest/pat/latest/tokens`,
//! `DELETE /rest/pat/latest/tokens/{id}`. The raw token is returned once, at creation.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::ErrorCode;
use cairn_store::NewAccessToken;
use serde_json::{Value, json};

use super::parse_json_body;
use super::request::{TokenRequest, decode};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiJson, json_body};
use crate::time_format::{iso_from_ms, now_ms};
use cairn_app::credentials::{new_secret, secret_hash};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn token_json(token: &cairn_store::AccessTokenInfo) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "createdAt": iso_from_ms(token.created_ms),
        "expiringAt": token.expires_ms.map(iso_from_ms),
        "lastAccessedAt": token.last_used_ms.map(iso_from_ms),
    })
}

pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    crate::auth::refuse_token_minting(&caller)?;
    let request: TokenRequest = decode(&parse_json_body(&body)?, "a token request")?;
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    let name = name.ok_or_else(|| ApiError::bad_request("token name is required"))?;
    let expires_in_days = match &request.expiration_duration {
        Value::Null => None,
        value => Some(
            value
                .as_i64()
                .filter(|days| (1..=3650).contains(days))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "expirationDuration must be a number of days from 1 to 3650",
                    )
                })?,
        ),
    };
    let secret = new_secret();
    let now = now_ms();
    let token = state
        .store
        .create_access_token(NewAccessToken {
            user_id: caller.user.id,
            name: name.to_string(),
            token_hash: secret_hash(&secret),
            now_ms: now,
            expires_ms: expires_in_days.map(|days| now + days * DAY_MS),
        })
        .await?;
    let mut body = token_json(&token);
    body["rawToken"] = json!(secret);
    Ok((StatusCode::CREATED, json_body(&body)).into_response())
}

pub async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
) -> Result<ApiJson, ApiError> {
    let tokens = state.store.list_access_tokens(caller.user.id).await?;
    Ok(ApiJson(Value::Array(
        tokens.iter().map(token_json).collect(),
    )))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(caller): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    if state.store.revoke_access_token(caller.user.id, id).await? {
        state.credential_lookups.forget_user(caller.user.id);
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(
            ErrorCode::TokenNotFound,
            format!("No token found with id: {id}"),
        ))
    }
}
