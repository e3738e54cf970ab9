//! API errors in Confluence's shape, mapped from domain errors in one place.
//!
//! Body: `{"statusCode":404,"data":{…},"message":"…","reason":"Not Found","code":"content_not_found"}`
//! with `Content-Type: application/json;charset=UTF-8` exactly (atlassian-python-api checks the
//! header byte for byte before it reads `message`). `code` is Cairn's stable snake_case name.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_app::{Error, ErrorCode, FailureKind};
use cairn_store::StoreError;

/// The one content type of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Confluence's error body, with Cairn's stable `code`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorBody {
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    pub data: ErrorData,
    pub message: String,
    /// The status's reason phrase (`Not Found`).
    pub reason: &'static str,
    /// Cairn's stable snake_case name of the failure (docs/confluence-compat.md lists them).
    pub code: &'static str,
}

/// The `data` of an error body.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct ErrorData {
    pub authorized: bool,
    pub valid: bool,
    #[serde(rename = "allowedInReadOnlyMode")]
    pub allowed_in_read_only_mode: bool,
    pub errors: Vec<String>,
    pub successful: bool,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds for `Retry-After`, on a 429 or 503.
    pub retry_after: Option<u64>,
}

/// The HTTP status of each kind of failure: the one place a use case's answer becomes a status.
pub fn status_of(kind: FailureKind) -> StatusCode {
    match kind {
        FailureKind::Invalid => StatusCode::BAD_REQUEST,
        FailureKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        FailureKind::Forbidden => StatusCode::FORBIDDEN,
        FailureKind::NotFound => StatusCode::NOT_FOUND,
        FailureKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        FailureKind::Conflict => StatusCode::CONFLICT,
        FailureKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        FailureKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        FailureKind::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        FailureKind::TooMany => StatusCode::TOO_MANY_REQUESTS,
        FailureKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        FailureKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl ApiError {
    /// An error whose status follows from its code.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::from(Error::new(code, message))
    }

    /// An error with a status the framework chose (see [`json_errors_under_rest`]).
    fn with_status(status: StatusCode, code: ErrorCode, message: String) -> ApiError {
        ApiError {
            status,
            code,
            message,
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            ErrorCode::NotAuthenticated,
            "This request requires authentication: send HTTP Basic credentials or a Bearer personal access token",
        )
    }

    pub fn bad_credentials() -> ApiError {
        ApiError::new(
            ErrorCode::BadCredentials,
            "The credentials supplied are not valid",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn content_not_found(id: impl std::fmt::Display) -> ApiError {
        ApiError::from(Error::content_not_found(id))
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError::new(code, message)
    }

    pub fn internal() -> ApiError {
        ApiError::from(Error::internal())
    }

    pub fn unavailable() -> ApiError {
        ApiError::from(Error::unavailable())
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> ApiError {
        ApiError {
            status: status_of(error.code.kind()),
            code: error.code,
            message: error.message,
            retry_after: error.retry_after,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::from(Error::from(error))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            status_code: self.status.as_u16(),
            data: ErrorData {
                authorized: self.status != StatusCode::UNAUTHORIZED
                    && self.status != StatusCode::FORBIDDEN,
                valid: self.status != StatusCode::BAD_REQUEST,
                allowed_in_read_only_mode: true,
                errors: Vec::new(),
                successful: false,
            },
            message: self.message,
            reason: self.status.canonical_reason().unwrap_or("Error"),
            code: self.code.as_str(),
        };
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
pub fn json_body<T: serde::Serialize + ?Sized>(value: &T) -> Response {
    let text = match serde_json::to_string(value) {
        Ok(text) => text,
        Err(error) => {
            // Only a map with non-string keys can fail here, and no response type has one.
            tracing::error!(%error, "a response could not be serialised");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// A JSON response with status 200: one of the typed bodies of `api/view`.
pub struct ApiJson<T = serde_json::Value>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
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
            ErrorCode::RequestTooLarge,
            format!(
                "The request body is larger than the limit of {} bytes",
                crate::MAX_REQUEST_BODY_BYTES
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "This endpoint does not accept that method".to_string(),
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "Not found".to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "Unsupported content type".to_string(),
        ),
        _ => (
            ErrorCode::BadRequest,
            status.canonical_reason().unwrap_or("Error").to_string(),
        ),
    };
    let message = match text {
        Ok(text) if !text.trim().is_empty() && status != StatusCode::PAYLOAD_TOO_LARGE => {
            text.trim().to_string()
        }
        _ => message,
    };
    let mut converted = ApiError::with_status(status, code, message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        converted.headers_mut().insert(header::ALLOW, allow.clone());
    }
    converted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compatibility notes list each code with the status Cairn answers it with.
    #[test]
    fn documented_statuses_are_the_ones_served() {
        let notes = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/confluence-compat.md"
        ))
        .expect("docs/confluence-compat.md");
        for code in ErrorCode::ALL {
            let row = format!(
                "| `{}` | {} |",
                code.as_str(),
                status_of(code.kind()).as_u16()
            );
            assert!(
                notes.contains(&row),
                "docs/confluence-compat.md lacks {row}"
            );
        }
    }

    #[test]
    fn an_error_answers_with_its_code_status_and_retry_after() {
        let error = ApiError::from(Error::too_many_login_failures(7));
        assert_eq!(error.status, StatusCode::TOO_MANY_REQUESTS);
        let response = error.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
