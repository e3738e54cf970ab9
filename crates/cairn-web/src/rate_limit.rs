//! Per-caller request rate limits for the REST API: a token bucket per credential (the
//! `Authorization` header or the session cookie), refilled continuously. Over the limit a request
//! gets 429 with an integer `Retry-After`, which atlassian-python-api honours by waiting and retrying.
//! Limits are per node (a cluster of N nodes allows up to N times the rate).

use cairn_app::ErrorCode;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::session_cookie;
use crate::error::ApiError;
use cairn_app::credentials::secret_hash;

/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 50_000;

struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// The buckets of one node.
#[derive(Default)]
pub struct RateLimiter {
    /// Guarded by a std mutex held only for one bucket update, never across `.await`.
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Takes one token for `key`; `Err(seconds)` says how long until one is available.
    fn take(&self, key: &str, per_minute: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(per_minute);
        let per_second = capacity / 60.0;
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            // Full buckets carry no information: a caller idle for a minute is back to full anyway.
            buckets.retain(|_, bucket| now.duration_since(bucket.refilled_at).as_secs() < 60);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: capacity,
            refilled_at: now,
        });
        let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / per_second).ceil().max(1.0);
            Err(wait as u64)
        }
    }
}

/// Applies the limit to `/rest/` requests that carry credentials (anonymous ones are refused anyway).
pub async fn limit_rest_requests(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let per_minute = cairn_app::configuration::current(&state)
        .await
        .rate_limit_per_minute
        .unwrap_or(state.settings.rate_limit_per_minute);
    if per_minute == 0 || !request.uri().path().starts_with("/rest/") {
        return next.run(request).await;
    }
    let headers = request.headers();
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| session_cookie(headers));
    let Some(credential) = credential else {
        return next.run(request).await;
    };
    match state
        .rate_limiter
        .take(&secret_hash(&credential), per_minute, Instant::now())
    {
        Ok(()) => next.run(request).await,
        Err(seconds) => {
            let mut response = ApiError::new(
                ErrorCode::RateLimited,
                format!(
                    "Too many requests: the limit is {per_minute} a minute; retry in {seconds} s"
                ),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_empty_then_refill() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.take("caller", 60, start).is_ok());
        }
        assert_eq!(
            limiter.take("caller", 60, start),
            Err(1),
            "one token a second at 60 a minute"
        );
        assert!(
            limiter.take("other", 60, start).is_ok(),
            "callers have their own buckets"
        );
        assert!(
            limiter
                .take("caller", 60, start + Duration::from_secs(1))
                .is_ok()
        );
        assert_eq!(
            limiter.take("caller", 6, start + Duration::from_secs(1)),
            Err(10)
        );
    }
}
