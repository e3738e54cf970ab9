//! Who is asking: HTTP Basic, Bearer personal access tokens, and cookie sessions.
//!
//! Sessions and tokens live in the database (hashed), so any node can serve any request. Verified
//! Basic credentials are cached per node for a short time because argon2 is deliberately slow.
//!
//! Cookie-authenticated writes must come from our own pages: a browser sends `Origin` (or `Referer`)
//! on such requests and it must name this host; the cookie is also `SameSite=Lax`.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use cairn_app::cache::CredentialKind;
use cairn_app::credentials::{check_password, secret_hash};
use cairn_app::throttle::Attempt;
use cairn_core::{GlobalPermission, User};

use crate::error::ApiError;
use crate::links::request_scheme;
use crate::time_format::now_ms;
use crate::{AppState, CookieSecurity};

/// Name of the login session cookie.
pub const SESSION_COOKIE: &str = "cairn_session";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Token,
    Session,
    /// Nobody signed in, reading under anonymous access.
    Anonymous,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub method: AuthMethod,
    /// Whether the user is a site administrator (from a per-node cache the journal invalidates).
    pub administrator: bool,
    /// The client address of the request (see [`client_address`]).
    pub address: Option<IpAddr>,
}

impl Principal {
    /// The reader of a request nobody signed in to, while anonymous access is on: viewer
    /// `cairn_core::ANONYMOUS`, who sees what spaces grant to anonymous and nothing else.
    pub fn anonymous(parts: &Parts) -> Principal {
        Principal {
            user: User {
                id: cairn_core::ANONYMOUS,
                username: String::new(),
                user_key: String::new(),
                display_name: "Anonymous".to_string(),
                email: String::new(),
                active: true,
                created_ms: 0,
            },
            method: AuthMethod::Anonymous,
            administrator: false,
            address: client_address(parts),
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.method == AuthMethod::Anonymous
    }

    /// The caller of a use case.
    pub fn as_caller(&self) -> cairn_app::Caller {
        cairn_app::Caller {
            user: self.user.clone(),
            site_administrator: self.administrator,
            signed_in_with_token: self.method == AuthMethod::Token,
            address: self.address.map(|address| address.to_string()),
        }
    }
}

/// The sign-in attempt of a request, for the login throttle: its client address and, when known,
/// the username tried.
pub fn login_attempt(parts: &Parts, username: Option<&str>) -> Attempt {
    Attempt::new(username, client_address(parts))
}

/// The client address of a request (see the module documentation).
pub fn client_address(parts: &Parts) -> Option<IpAddr> {
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
        .next_back();
    forwarded.or_else(|| {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
    })
}

/// The value of the session cookie, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// Resolves the caller from `Authorization` or the session cookie. `Ok(None)` is an anonymous
/// request; wrong credentials are an error (401), never silently anonymous.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Principal>, ApiError> {
    if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
        let authorization = authorization
            .to_str()
            .map_err(|_| ApiError::bad_credentials())?;
        let (scheme, credentials) = authorization
            .split_once(' ')
            .ok_or_else(ApiError::bad_credentials)?;
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials.trim())
                .map_err(|_| ApiError::bad_credentials())?;
            let decoded = String::from_utf8(decoded).map_err(|_| ApiError::bad_credentials())?;
            let (username, password) = decoded
                .split_once(':')
                .ok_or_else(ApiError::bad_credentials)?;
            let attempt = login_attempt(parts, Some(username));
            let user = check_password(&state.node, username, password, &attempt)
                .await?
                .ok_or_else(ApiError::bad_credentials)?;
            return Ok(Some(
                principal(state, parts, user, AuthMethod::Basic).await?,
            ));
        }
        if scheme.eq_ignore_ascii_case("bearer") {
            // A wrong token counts against the client address, as a wrong password does.
            let attempt = login_attempt(parts, None);
            state.login_throttle.check(&attempt, Instant::now())?;
            let Some(user) = token_user(state, &secret_hash(credentials.trim())).await? else {
                state
                    .login_throttle
                    .record_failure(&attempt, Instant::now());
                return Err(ApiError::bad_credentials());
            };
            return Ok(Some(
                principal(state, parts, user, AuthMethod::Token).await?,
            ));
        }
        return Err(ApiError::bad_credentials());
    }
    let Some(cookie) = session_cookie(&parts.headers) else {
        return Ok(None);
    };
    match session_user(state, &secret_hash(&cookie)).await? {
        Some(user) => Ok(Some(
            principal(state, parts, user, AuthMethod::Session).await?,
        )),
        None => Ok(None),
    }
}

/// Whether the per-node caches may be used: not while the journal tailer is stalled, since they
/// could then miss an invalidation.
fn caches_usable(state: &AppState) -> bool {
    !state.cluster.journal_stalled()
}

/// The user of a live session, from the per-node cache or the database.
async fn session_user(state: &AppState, hash: &str) -> Result<Option<User>, ApiError> {
    let now = now_ms();
    if caches_usable(state)
        && let Some(user) = state
            .credential_lookups
            .get(CredentialKind::Session, hash, now)
    {
        return Ok(Some(user));
    }
    let Some((user_id, expires_ms)) = state.store.session_user_until(hash, now).await? else {
        return Ok(None);
    };
    let user = state.store.find_user(user_id).await?;
    if let Some(user) = &user {
        state.credential_lookups.put(
            CredentialKind::Session,
            hash,
            user.clone(),
            Some(expires_ms),
        );
    }
    Ok(user)
}

/// The owner of a live personal access token, from the per-node cache or the database.
async fn token_user(state: &AppState, hash: &str) -> Result<Option<User>, ApiError> {
    let now = now_ms();
    if caches_usable(state)
        && let Some(user) = state
            .credential_lookups
            .get(CredentialKind::Token, hash, now)
    {
        return Ok(Some(user));
    }
    let Some(user_id) = state.store.access_token_user(hash, now).await? else {
        return Ok(None);
    };
    let user = state.store.find_user(user_id).await?;
    if let Some(user) = &user {
        state
            .credential_lookups
            .put(CredentialKind::Token, hash, user.clone(), None);
    }
    Ok(user)
}

/// `user` as an authenticated principal, with their administrator flag.
async fn principal(
    state: &AppState,
    parts: &Parts,
    user: User,
    method: AuthMethod,
) -> Result<Principal, ApiError> {
    let held = cairn_app::global_permission::held(state, user.id).await?;
    let administrator = held.iter().any(|permission| permission.administers());
    if !administrator && !held.contains(&GlobalPermission::Use) {
        return Err(ApiError::forbidden(format!(
            "{} does not have permission to use this site; ask a site administrator",
            user.username
        )));
    }
    Ok(Principal {
        user,
        method,
        administrator,
        address: client_address(parts),
    })
}

/// True when a cookie-authenticated write plainly comes from our own pages (or from a non-browser
/// client, which sends neither `Origin` nor `Referer`).
pub fn is_same_origin(parts: &Parts) -> bool {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let source = parts
        .headers
        .get(header::ORIGIN)
        .or_else(|| parts.headers.get(header::REFERER))
        .and_then(|value| value.to_str().ok());
    let Some(source) = source else { return true };
    let authority = source.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    let authority = authority.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// The reader of a request that only reads pages, spaces, attachments or search: the signed-in
/// user, or, when nobody signed in and anonymous access is on, [`Principal::anonymous`]. Otherwise
/// 401, as [`ApiUser`].
pub async fn reader(state: &AppState, parts: &Parts) -> Result<Principal, ApiError> {
    if let Some(principal) = authenticate(state, parts).await? {
        return Ok(principal);
    }
    let reads = matches!(parts.method, Method::GET | Method::HEAD);
    if reads && cairn_app::global_permission::anonymous_access(state).await? {
        return Ok(Principal::anonymous(parts));
    }
    Err(ApiError::unauthorized())
}

/// An authenticated API caller; anonymous requests get 401 (anonymous access is off).
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(state, parts)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if principal.method == AuthMethod::Session && unsafe_method && !is_same_origin(parts) {
            return Err(ApiError::forbidden("cross-site request refused"));
        }
        Ok(ApiUser(principal))
    }
}

/// The `Set-Cookie` value for a new session.
pub fn session_set_cookie(state: &AppState, headers: &HeaderMap, secret: &str) -> String {
    let max_age = state.node.settings.session_ttl.as_secs();
    let secure = cookie_is_secure(state, headers);
    format!(
        "{SESSION_COOKIE}={secret}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn session_clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

fn cookie_is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    match state.settings.cookie_security {
        CookieSecurity::Always => true,
        CookieSecurity::Never => false,
        CookieSecurity::Auto => {
            let base_is_https = state
                .settings
                .base_url
                .as_deref()
                .is_some_and(|base| base.starts_with("https://"));
            base_is_https || request_scheme(headers) == "https"
        }
    }
}

/// Starts a session for `user`, signing in from the request's client address, and returns the
/// cookie secret.
pub async fn start_session(
    state: &AppState,
    parts: &Parts,
    user: &User,
) -> Result<String, ApiError> {
    let address = client_address(parts).map(|address| address.to_string());
    Ok(cairn_app::credentials::start_session(state, user, address.as_deref()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; cairn_session=xyz; b=2".parse().expect("valid header"),
        );
        assert_eq!(session_cookie(&headers).as_deref(), Some("xyz"));
    }
}
