//! API errors in Confluence's shape, mapped from domain errors in one place.
//!
//! Body: `{"statusCode":404,"data":{…},"message":"…","reason":"Not Found","code":"content_not_found"}`
//! with `Content-Type: application/json;charset=UTF-8` exactly (atlassian-python-api checks the
//! header byte for byte before it reads `message`). `code` is Cairn's stable snake_case name.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_store::StoreError;
use serde_json::json;

/// The one content type of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After`, on a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 after repeated failed sign-ins (see `throttle.rs`).
    pub fn too_many_login_failures(seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_login_failures",
                format!("Too many failed sign-ins; try again in {seconds} s"),
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            "This request requires authentication: send HTTP Basic credentials or a Bearer personal access token",
        )
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "The credentials supplied are not valid",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn content_not_found(id: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "content_not_found",
            format!("No content found with id: ContentId{{id={id}}}"),
        )
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An internal error occurred; it has been logged",
        )
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "The database cannot be reached right now; try again shortly",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::ContentNotFound(id) => ApiError::content_not_found(id),
            StoreError::SpaceNotFound(key) => {
                ApiError::not_found("space_not_found", format!("No space with key : {key}"))
            }
            StoreError::SpaceKeyTaken(key) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "space_key_taken",
                format!("A space already exists with key {key}"),
            ),
            StoreError::TitleTaken { title, space_key } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "duplicate_title",
                format!(
                    "A page with this title already exists: A page already exists with the title {title} in the space with key {space_key}"
                ),
            ),
            StoreError::StaleVersion { current, .. } => ApiError::new(
                StatusCode::CONFLICT,
                "stale_version",
                format!("Version must be incremented on update. Current version is: {current}"),
            ),
            StoreError::Invalid(validation) => ApiError::bad_request(validation.message),
            StoreError::PropertyKeyTaken(key) => ApiError::new(
                StatusCode::CONFLICT,
                "property_key_taken",
                format!("Cannot create property: a property with key {key} already exists"),
            ),
            StoreError::PropertyStale { key, current } => ApiError::new(
                StatusCode::CONFLICT,
                "stale_property_version",
                format!(
                    "Version must be incremented on update of property {key}. Current version is: {current}"
                ),
            ),
            StoreError::PropertyNotFound(key) => ApiError::not_found(
                "property_not_found",
                format!("Cannot find property with key: {key}"),
            ),
            StoreError::AttachmentNameTaken(name) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "attachment_name_taken",
                format!(
                    "Cannot add a new attachment with same file name as an existing attachment: {name}"
                ),
            ),
            StoreError::GroupTaken(name) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "group_taken",
                format!("A group named {name} already exists"),
            ),
            StoreError::UsernameTaken(name) => ApiError::new(
                StatusCode::BAD_REQUEST,
                "username_taken",
                format!("A user with username {name} already exists"),
            ),
            StoreError::UserNotFound(name) => ApiError::not_found(
                "user_not_found",
                format!("No user found with username: {name}"),
            ),
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                ApiError::unavailable()
            }
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "statusCode": self.status.as_u16(),
            "data": {
                "authorized": self.status != StatusCode::UNAUTHORIZED && self.status != StatusCode::FORBIDDEN,
                "valid": self.status != StatusCode::BAD_REQUEST,
                "allowedInReadOnlyMode": true,
                "errors": [],
                "successful": false,
            },
            "message": self.message,
            "reason": self.status.canonical_reason().unwrap_or("Error"),
            "code": self.code,
        });
        let mut response = (self.status, json_body(&body)).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Cairn\""),
            );
        }
        response
    }
}

/// A JSON body with Confluence's exact content type.
pub fn json_body(value: &serde_json::Value) -> Response {
    let mut response = value.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// A JSON response with status 200.
pub struct ApiJson(pub serde_json::Value);

impl IntoResponse for ApiJson {
    fn into_response(self) -> Response {
        json_body(&self.0)
    }
}

/// Gives every error under `/rest/` Confluence's JSON body, including those made before a handler
/// runs (405 for a wrong method, 413 for an oversized body, rejections of the framework's extractors).
pub async fn json_errors_under_rest(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/rest/");
    let response = next.run(request).await;
    let status = response.status();
    let already_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if !is_api || already_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "request_too_large",
            format!(
                "The request body is larger than the limit of {} bytes",
                crate::MAX_REQUEST_BODY_BYTES
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This endpoint does not accept that method".to_string(),
        ),
        StatusCode::NOT_FOUND => ("not_found", "Not found".to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Unsupported content type".to_string(),
        ),
        _ => (
            "bad_request",
            status.canonical_reason().unwrap_or("Error").to_string(),
        ),
    };
    let message = match text {
        Ok(text) if !text.trim().is_empty() && status != StatusCode::PAYLOAD_TOO_LARGE => {
            text.trim().to_string()
        }
        _ => message,
    };
    let mut converted = ApiError::new(status, code, message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        converted.headers_mut().insert(header::ALLOW, allow.clone());
    }
    converted
}
