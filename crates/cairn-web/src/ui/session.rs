//! Login and logout.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::UiError;
use super::layout::bare_page;
use crate::AppState;
use crate::auth::{
    is_same_origin, login_attempt, session_clear_cookie, session_cookie, session_set_cookie,
    start_session,
};
use crate::request::QueryPairs;
use crate::request::parse_query;
use cairn_app::credentials::check_password;

/// Only paths of this site are followed after login, so the login page cannot send people elsewhere.
/// Browsers drop tabs and line breaks from a URL (`/\t/evil.example` becomes `//evil.example`) and
/// read `\` as `/`, so a destination must be printable ASCII without either, start with one `/`,
/// and not a second one.
fn safe_destination(destination: Option<&str>) -> String {
    match destination {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path
                    .bytes()
                    .all(|byte| byte.is_ascii_graphic() && byte != b'\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_page(destination: &str, error: Option<&str>) -> Markup {
    bare_page(
        "Log in",
        html! {
            main.content id="content" tabindex="-1" {
                div.card.login {
                    h1.title { "Log in" }
                    @if let Some(error) = error { p.notice.error role="alert" { (error) } }
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
    parts: Parts,
    body: Bytes,
) -> Result<Response, UiError> {
    refuse_cross_site(&parts)?;
    let headers = &parts.headers;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let destination = safe_destination(form.get("os_destination"));
    let username = form.get("os_username").unwrap_or("");
    let password = form.get("os_password").unwrap_or("");
    let attempt = login_attempt(&parts, Some(username));
    let checked = match check_password(&state.node, username, password, &attempt).await {
        Err(error) if error.code.kind() == cairn_app::FailureKind::TooMany => {
            let status = crate::error::status_of(error.code.kind());
            let mut page = (status, login_page(&destination, Some(&error.message))).into_response();
            if let Some(seconds) = error.retry_after
                && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
            {
                page.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(page);
        }
        other => other?,
    };
    let Some(user) = checked else {
        tracing::info!(username, "login failed");
        let page = login_page(
            &destination,
            Some("Sorry, your username and password are incorrect."),
        );
        // A page that rendered fine: 200, as Confluence answers a failed form login.
        return Ok(page.into_response());
    };
    let secret = start_session(&state, &parts, &user).await?;
    tracing::info!(user = %user.username, "logged in");
    let cookie = session_set_cookie(&state, headers, &secret);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&destination)).into_response())
}

/// Login and logout change who the browser is signed in as: another site may not post them (login
/// CSRF would sign a victim into the attacker's account; a forced logout is a nuisance).
fn refuse_cross_site(parts: &Parts) -> Result<(), UiError> {
    if is_same_origin(parts) {
        Ok(())
    } else {
        Err(UiError::new(
            StatusCode::FORBIDDEN,
            "cross-site form submission refused",
        ))
    }
}

pub async fn logout(State(state): State<AppState>, parts: Parts) -> Result<Response, UiError> {
    refuse_cross_site(&parts)?;
    if let Some(secret) = session_cookie(&parts.headers) {
        cairn_app::credentials::end_session(&state, &secret).await?;
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
        assert_eq!(safe_destination(Some("/\t/evil.example/")), "/");
        assert_eq!(safe_destination(Some("/\n/evil.example/")), "/");
        assert_eq!(safe_destination(Some("/x\r\ny")), "/");
        assert_eq!(safe_destination(Some("/x\u{7f}")), "/");
        assert_eq!(safe_destination(Some("/ /evil.example")), "/");
        assert_eq!(safe_destination(Some("/caf\u{e9}")), "/");
        assert_eq!(
            safe_destination(Some("/pages/viewpage.action?pageId=1&x=%2F")),
            "/pages/viewpage.action?pageId=1&x=%2F"
        );
        assert_eq!(safe_destination(None), "/");
    }
}
