//! Login and logout.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::UiError;
use super::layout::bare_page;
use crate::AppState;
use crate::api::json::QueryPairs;
use crate::api::parse_query;
use crate::auth::{
    check_password, secret_hash, session_clear_cookie, session_cookie, session_set_cookie,
    start_session,
};

/// Only local paths are followed after login, so the login page cannot be used to send people elsewhere.
fn safe_destination(destination: Option<&str>) -> String {
    match destination {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_page(destination: &str, error: Option<&str>) -> Markup {
    bare_page(
        "Log in",
        html! {
            main.content {
                div.card.login {
                    h1.title { "Log in" }
                    @if let Some(error) = error { p.notice.error { (error) } }
                    form method="post" action="/login.action" {
                        input type="hidden" name="os_destination" value=(destination);
                        label for="os_username" { "Username" }
                        input type="text" id="os_username" name="os_username" autocomplete="username" autofocus required;
                        label for="os_password" { "Password" }
                        input type="password" id="os_password" name="os_password" autocomplete="current-password" required;
                        p { button.button type="submit" { "Log in" } }
                    }
                }
            }
        },
    )
}

pub async fn login_form(query: QueryPairs) -> Markup {
    login_page(&safe_destination(query.get("os_destination")), None)
}

pub async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let destination = safe_destination(form.get("os_destination"));
    let username = form.get("os_username").unwrap_or("");
    let password = form.get("os_password").unwrap_or("");
    let Some(user) = check_password(&state, username, password).await? else {
        tracing::info!(username, "login failed");
        let page = login_page(
            &destination,
            Some("Sorry, your username and password are incorrect."),
        );
        // A page that rendered fine: 200, as Confluence answers a failed form login.
        return Ok(page.into_response());
    };
    let secret = start_session(&state, user.id).await?;
    tracing::info!(user = %user.username, "logged in");
    let cookie = session_set_cookie(&state, &headers, &secret);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&destination)).into_response())
}

pub async fn logout(State(state): State<AppState>, parts: Parts) -> Result<Response, UiError> {
    if let Some(secret) = session_cookie(&parts.headers) {
        let hash = secret_hash(&secret);
        state.store.delete_session(&hash).await?;
        // Other nodes drop it when the journal reaches them; this one at once.
        state
            .credential_lookups
            .forget(crate::cache::CredentialKind::Session, &hash);
    }
    Ok((
        [(header::SET_COOKIE, session_clear_cookie())],
        Redirect::to("/login.action"),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_stay_on_this_site() {
        assert_eq!(safe_destination(Some("/display/DEV")), "/display/DEV");
        assert_eq!(safe_destination(Some("//evil.example")), "/");
        assert_eq!(safe_destination(Some("https://evil.example")), "/");
        assert_eq!(safe_destination(Some("/\\evil")), "/");
        assert_eq!(safe_destination(None), "/");
    }
}
