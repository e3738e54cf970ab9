//! What every request and response passes through: input with control characters is refused before
//! any handler sees it, a panic in a handler becomes a 500 (the node keeps serving), and every
//! response carries the security headers.
//!
//! The headers, and why:
//! - `Content-Security-Policy`: scripts only from this origin (the UI's one script file; no inline
//!   script anywhere), no plugins, forms post only here, and `frame-ancestors 'self'` so no other site
//!   can frame a form and trick a click. Rendered pages keep the inline `style` attributes the
//!   storage format allows, and show images from anywhere (pages link images by URL).
//! - `X-Frame-Options: SAMEORIGIN`: the same framing rule for browsers without CSP level 2.
//! - `X-Content-Type-Options: nosniff`: an attachment served as text is never run as script.
//! - `Referrer-Policy: same-origin`: page URLs (titles, ids) do not leak to linked sites.
//! - `Cache-Control: no-store` on every response to a request that carried credentials, so a shared
//!   proxy or the browser's disk never keeps what one user saw; except responses that say `public`
//!   themselves (static assets, the same for everyone).
//! - `Strict-Transport-Security` when the request came over TLS (`X-Forwarded-Proto: https` from
//!   the proxy in front).

use std::panic::AssertUnwindSafe;

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cairn_core::limits::check_percent_encoded;
use futures_util::FutureExt;

use crate::error::ApiError;

/// Refuses, with 400 and before any handler runs, a request whose path, query or form body holds a
/// control character (see `cairn_core::limits`); JSON bodies are checked where they are parsed.
pub async fn refuse_bad_input(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/rest/");
    let refuse = |message: String| -> Response {
        if is_api {
            ApiError::bad_request(message).into_response()
        } else {
            crate::ui::UiError::new(axum::http::StatusCode::BAD_REQUEST, message).into_response()
        }
    };
    let uri = request.uri();
    if let Err(error) = check_percent_encoded(uri.path().as_bytes(), "path")
        .and_then(|()| check_percent_encoded(uri.query().unwrap_or("").as_bytes(), "query"))
    {
        return refuse(error.message);
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| {
            value
                .as_bytes()
                .starts_with(b"application/x-www-form-urlencoded")
        });
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_REQUEST_BODY_BYTES).await else {
        return (
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the form is larger than the request limit",
        )
            .into_response();
    };
    if let Err(error) = check_percent_encoded(&bytes, "form") {
        return refuse(error.message);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The policy of every response. `img-src` is open because page bodies show images by URL.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https: http:; media-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

/// One year, as browsers' preload lists expect.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Runs the rest of the stack; a panic anywhere below becomes a logged 500 instead of a dropped
/// connection, and the node goes on serving.
pub async fn catch_panics(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|text| text.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            tracing::error!(%method, path, panic = message, "request handler panicked");
            ApiError::internal().into_response()
        }
    }
}

/// Adds the security headers (see the module documentation) to every response.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let authenticated = carries_credentials(request.headers());
    let over_tls = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // A response that declares itself `public` (the fingerprinted editor bundle) is the same bytes
    // for everyone, so a session cookie on its request does not make it private.
    let declared_public = headers
        .get(header::CACHE_CONTROL)
        .is_some_and(|value| value.as_bytes().starts_with(b"public"));
    if authenticated && !declared_public {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if over_tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
    response
}

/// Whether a request carries a password, a token or a session cookie.
fn carries_credentials(headers: &HeaderMap) -> bool {
    if headers.contains_key(header::AUTHORIZATION) {
        return true;
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|cookie| cookie.split('=').next().map(str::trim) == Some(crate::auth::SESSION_COOKIE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_a_header_or_the_session_cookie() {
        let mut headers = HeaderMap::new();
        assert!(!carries_credentials(&headers));
        headers.insert(header::COOKIE, HeaderValue::from_static("theme=dark"));
        assert!(!carries_credentials(&headers));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {}=abc", crate::auth::SESSION_COOKIE))
                .expect("header"),
        );
        assert!(carries_credentials(&headers));
        let mut basic = HeaderMap::new();
        basic.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic eDp5"),
        );
        assert!(carries_credentials(&basic));
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_router_serves_on() {
        use tower::ServiceExt;
        async fn explode() -> &'static str {
            panic!("handler bug")
        }
        async fn fine() -> &'static str {
            "fine"
        }
        let router = axum::Router::new()
            .route("/explode", axum::routing::get(explode))
            .route("/fine", axum::routing::get(fine))
            .layer(axum::middleware::from_fn(catch_panics));
        let request = |path: &str| {
            axum::http::Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .expect("request")
        };
        for _ in 0..3 {
            let exploded = router
                .clone()
                .oneshot(request("/explode"))
                .await
                .expect("a response, not a dropped connection");
            assert_eq!(
                exploded.status(),
                axum::http::StatusCode::INTERNAL_SERVER_ERROR
            );
            let fine = router
                .clone()
                .oneshot(request("/fine"))
                .await
                .expect("response");
            assert_eq!(fine.status(), axum::http::StatusCode::OK);
        }
    }

    #[test]
    fn the_policy_allows_no_inline_script_and_no_foreign_frame() {
        let script = CONTENT_SECURITY_POLICY
            .split(';')
            .map(str::trim)
            .find(|directive| directive.starts_with("script-src"))
            .expect("script-src");
        assert_eq!(script, "script-src 'self'");
        assert!(CONTENT_SECURITY_POLICY.contains("frame-ancestors 'self'"));
    }
}
