//! What every REST handler starts from, extracted once: the node's state, the authenticated caller
//! and the base URL the response's links are built on.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::AppState;
use crate::auth::{ApiUser, Principal};
use crate::error::ApiError;
use crate::links::request_base;

/// The context of a REST request (see the module documentation). Extracting it authenticates the
/// caller, as [`ApiUser`] does: anonymous requests get 401.
pub struct ApiContext {
    pub state: AppState,
    pub caller: Principal,
    /// `https://wiki.example.com`: the configured base URL, else the one the request came to.
    pub base: String,
}

impl FromRequestParts<AppState> for ApiContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiUser(caller) = ApiUser::from_request_parts(parts, state).await?;
        Ok(ApiContext {
            state: state.clone(),
            caller,
            base: request_base(state, &parts.headers),
        })
    }
}

/// The context of a REST request that only reads pages, spaces, attachments or search: as
/// [`ApiContext`], except that while anonymous access is on a request without credentials reads
/// as the anonymous viewer (see [`crate::auth::reader`]).
pub struct ReadContext {
    pub state: AppState,
    pub caller: Principal,
    pub base: String,
}

impl FromRequestParts<AppState> for ReadContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = crate::auth::reader(state, parts).await?;
        Ok(ReadContext {
            state: state.clone(),
            caller,
            base: request_base(state, &parts.headers),
        })
    }
}
