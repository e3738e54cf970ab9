//! The Users administration screen at Confluence's `/admin/users/browseusers.action`: every
//! account with its status, a form to create one, and deactivation and reactivation. Site
//! administrators only; the work is `cairn_app::users`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::account::NewAccount;
use cairn_store::{Listed, Window};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::{QueryPairs, parse_query};

/// Most users the screen lists at once.
const USERS_SHOWN: i64 = 500;

async fn users_markup(
    state: &AppState,
    user: &Principal,
    form: Option<&QueryPairs>,
    message: Option<(&str, bool)>,
) -> Result<Markup, UiError> {
    let Listed {
        items: users,
        has_more,
    } = state.store.list_users(Window::first(USERS_SHOWN)).await?;
    let field = |name: &str| {
        form.and_then(|form| form.get(name))
            .unwrap_or("")
            .to_string()
    };
    Ok(page(
        "Users",
        user,
        Some(super::layout::administration_sidebar("Users")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Users" }
                @if let Some((text, is_error)) = message {
                    @if is_error { p.notice.error role="alert" { (text) } }
                    @else { p.notice.ok role="status" { (text) } }
                }
                div.card {
                    table.grid id="users" {
                        thead { tr { th { "Username" } th { "Full name" } th { "Email" } th { "Status" } th { "" } } }
                        tbody {
                            @for listed in &users {
                                tr {
                                    td { code { (listed.username) } }
                                    td { (listed.display_name) }
                                    td { (listed.email) }
                                    td { @if listed.active { "Active" } @else { "Deactivated" } }
                                    td {
                                        a.button.secondary href={ "/admin/users/edituser.action?username=" (crate::links::encode_component(&listed.username)) } { "Edit" }
                                        " "
                                        @if listed.id != user.user.id {
                                            form.inline method="post" action="/admin/users/browseusers.action" {
                                                input type="hidden" name="username" value=(listed.username);
                                                @if listed.active {
                                                    input type="hidden" name="action" value="deactivate";
                                                    button.button.secondary type="submit" { "Deactivate" }
                                                } @else {
                                                    input type="hidden" name="action" value="reactivate";
                                                    button.button.secondary type="submit" { "Reactivate" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if has_more { p.muted { "Only the first " (USERS_SHOWN) " users are shown." } }
                }
                div.card {
                    h2 { "Create a user" }
                    form method="post" action="/admin/users/browseusers.action" {
                        input type="hidden" name="action" value="create";
                        label for="username" { "Username" }
                        input type="text" id="username" name="username" value=(field("username")) required autocomplete="off";
                        label for="fullName" { "Full name" }
                        input type="text" id="fullName" name="fullName" value=(field("fullName"));
                        label for="email" { "Email" }
                        input type="email" id="email" name="email" value=(field("email"));
                        label for="password" { "Password (at least 8 characters)" }
                        input type="password" id="password" name="password" required minlength="8" autocomplete="new-password";
                        p { button.button type="submit" { "Create user" } }
                    }
                }
            }
        },
    ))
}

pub async fn users_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "manage users")?;
    users_markup(&state, &user, None, None).await
}

pub async fn users_action(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "manage users")?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let username = form.get("username").unwrap_or("").trim().to_string();
    let caller = user.as_caller();
    let outcome = match form.get("action") {
        Some("create") => {
            let account = NewAccount {
                display_name: form
                    .get("fullName")
                    .filter(|name| !name.trim().is_empty())
                    .unwrap_or(&username)
                    .trim()
                    .to_string(),
                email: form.get("email").unwrap_or("").trim().to_string(),
                password: form.get("password").unwrap_or("").to_string(),
                username: username.clone(),
                administrator: false,
            };
            cairn_app::users::create(&state, &caller, account)
                .await
                .map(|created| format!("User {} created.", created.username))
        }
        Some("deactivate") => cairn_app::users::set_active(&state, &caller, &username, false)
            .await
            .map(|changed| format!("{} is deactivated: they cannot sign in, and their sessions and tokens stopped.", changed.username)),
        Some("reactivate") => cairn_app::users::set_active(&state, &caller, &username, true)
            .await
            .map(|changed| format!("{} is active again.", changed.username)),
        _ => return Ok(Redirect::to("/admin/users/browseusers.action").into_response()),
    };
    match outcome {
        Ok(done) => Ok(users_markup(&state, &user, None, Some((&done, false)))
            .await?
            .into_response()),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) => {
            let markup =
                users_markup(&state, &user, Some(&form), Some((&error.message, true))).await?;
            Ok((StatusCode::BAD_REQUEST, markup).into_response())
        }
    }
}
