//! Personal access tokens in the UI: list, create (the secret is shown once), revoke.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use cairn_app::token::CreateToken;
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::parse_query;
use crate::time_format::human_from_ms;

async fn tokens_markup(
    state: &AppState,
    user: &Principal,
    created_secret: Option<&str>,
    error: Option<&str>,
) -> Result<Markup, UiError> {
    let tokens = state.store.list_access_tokens(user.user.id).await?;
    Ok(page(
        "Personal access tokens",
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "Personal access tokens" }
                p.muted { "Scripts and tools send a token as " code { "Authorization: Bearer <token>" } " instead of your password." }
                @if let Some(secret) = created_secret {
                    div.notice.ok {
                        p { "Your new token. Copy it now: it will not be shown again." }
                        p.token { (secret) }
                    }
                }
                @if let Some(error) = error { p.notice.error role="alert" { (error) } }
                form.card method="post" action="/plugins/personalaccesstokens/usertokens.action" {
                    input type="hidden" name="action" value="create";
                    label for="name" { "Token name" }
                    input type="text" id="name" name="name" required maxlength="255";
                    label for="days" { "Expires after (days, empty for never)" }
                    input type="number" id="days" name="days" min="1" max="3650" value="90";
                    p { button.button type="submit" { "Create token" } }
                }
                @if !tokens.is_empty() {
                    table.grid {
                        thead { tr { th { "Name" } th { "Created" } th { "Expires" } th {} } }
                        tbody {
                            @for token in &tokens {
                                tr {
                                    td { (token.name) }
                                    td.muted { (human_from_ms(token.created_ms)) }
                                    td.muted { @match token.expires_ms { Some(ms) => (human_from_ms(ms)), None => "never" } }
                                    td {
                                        form.inline method="post" action="/plugins/personalaccesstokens/usertokens.action" {
                                            input type="hidden" name="action" value="revoke";
                                            input type="hidden" name="id" value=(token.id);
                                            button.button.secondary type="submit" { "Revoke" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub async fn tokens_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    tokens_markup(&state, &user, None, None).await
}

pub async fn tokens_action(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    match form.get("action") {
        Some("create") => {
            let name = form.get("name").map(str::trim).unwrap_or("");
            if name.is_empty() {
                return Ok(
                    tokens_markup(&state, &user, None, Some("A token needs a name."))
                        .await?
                        .into_response(),
                );
            }
            let days = form
                .get("days")
                .filter(|text| !text.is_empty())
                .map(str::parse::<i64>);
            let expires_in_days = match days {
                None => None,
                Some(Ok(days)) if (1..=3650).contains(&days) => Some(days),
                Some(_) => {
                    let markup =
                        tokens_markup(&state, &user, None, Some("Expiry must be 1 to 3650 days."))
                            .await?;
                    return Ok(markup.into_response());
                }
            };
            let command = CreateToken {
                name: name.to_string(),
                expires_in_days,
            };
            let created = cairn_app::token::create(&state, &user.as_caller(), command).await?;
            Ok(tokens_markup(&state, &user, Some(&created.secret), None)
                .await?
                .into_response())
        }
        Some("revoke") => {
            let id = form
                .get("id")
                .and_then(|text| text.parse().ok())
                .unwrap_or(-1);
            match cairn_app::token::revoke(&state, &user.as_caller(), id).await {
                // A token revoked already (in another tab, say) is simply gone from the list.
                Err(error) if error.code == cairn_app::ErrorCode::TokenNotFound => {}
                outcome => outcome?,
            }
            Ok(tokens_markup(&state, &user, None, None)
                .await?
                .into_response())
        }
        _ => Ok(tokens_markup(&state, &user, None, Some("Unknown action."))
            .await?
            .into_response()),
    }
}
