//! A user's details: one's own profile (`/users/editmyprofile.action`: full name, email, password,
//! and the way to personal access tokens) and a site administrator's edit of anyone's
//! (`/admin/users/edituser.action?username=…`: full name, email, a new password). The work is
//! `cairn_app::users`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::users;
use cairn_core::User;
use maud::{Markup, html};

use super::layout::{administration_sidebar, page};
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::{QueryPairs, parse_query};

const OWN: &str = "/users/editmyprofile.action";
const ADMIN: &str = "/admin/users/edituser.action";

/// Whose details a screen edits: the signed-in user's own, or (administration) anyone's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Editing {
    Own,
    Administered,
}

fn screen(
    user: &Principal,
    target: &User,
    editing: Editing,
    message: Option<(&str, bool)>,
) -> Markup {
    let (title, action, sidebar) = match editing {
        Editing::Own => ("Your profile", OWN.to_string(), None),
        Editing::Administered => (
            "Edit user",
            format!(
                "{ADMIN}?username={}",
                crate::links::encode_component(&target.username)
            ),
            Some(administration_sidebar("Users")),
        ),
    };
    page(
        title,
        user,
        sidebar,
        html! {
            main.content {
                h1.title { (title) }
                @if let Some((text, is_error)) = message {
                    @if is_error { p.notice.error role="alert" { (text) } }
                    @else { p.notice.ok role="status" { (text) } }
                }
                form.card method="post" action=(action) {
                    input type="hidden" name="action" value="details";
                    p { "Username: " code { (target.username) } }
                    label for="fullName" { "Full name" }
                    input type="text" id="fullName" name="fullName" value=(target.display_name) required maxlength="255";
                    label for="email" { "Email" }
                    input type="email" id="email" name="email" value=(target.email) maxlength="255";
                    p { button.button type="submit" { "Save details" } }
                }
                form.card method="post" action=(action) {
                    input type="hidden" name="action" value="password";
                    h2 { "Password" }
                    @if editing == Editing::Own {
                        label for="oldPassword" { "Current password" }
                        input type="password" id="oldPassword" name="oldPassword" required autocomplete="current-password";
                    }
                    label for="newPassword" { "New password (at least 8 characters)" }
                    input type="password" id="newPassword" name="newPassword" required minlength="8" autocomplete="new-password";
                    p { button.button type="submit" { "Change password" } }
                }
                @if editing == Editing::Own {
                    p { a href="/plugins/personalaccesstokens/usertokens.action" { "Personal access tokens" } " for scripts and tools." }
                }
            }
        },
    )
}

async fn apply(
    state: &AppState,
    user: &Principal,
    target: &User,
    editing: Editing,
    form: &QueryPairs,
) -> Result<String, cairn_app::Error> {
    let caller = user.as_caller();
    let field = |name: &str| form.get(name).unwrap_or("").to_string();
    match form.get("action") {
        Some("password") => {
            match editing {
                Editing::Own => {
                    users::change_own_password(
                        state,
                        &caller,
                        &field("oldPassword"),
                        &field("newPassword"),
                    )
                    .await?
                }
                Editing::Administered => {
                    users::set_password(state, &caller, &target.username, &field("newPassword"))
                        .await?
                }
            }
            Ok("Password changed.".to_string())
        }
        _ => {
            users::update_profile(
                state,
                &caller,
                &target.username,
                &field("fullName"),
                &field("email"),
            )
            .await?;
            Ok("Details saved.".to_string())
        }
    }
}

async fn answer(
    state: &AppState,
    user: &Principal,
    target: User,
    editing: Editing,
    form: &QueryPairs,
) -> Result<Response, UiError> {
    match apply(state, user, &target, editing, form).await {
        Ok(done) => {
            let now = users::named(state, &target.username).await?;
            Ok(screen(user, &now, editing, Some((&done, false))).into_response())
        }
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) => Ok((
            StatusCode::BAD_REQUEST,
            screen(user, &target, editing, Some((&error.message, true))),
        )
            .into_response()),
    }
}

pub async fn own_profile(UiUser(user): UiUser) -> Markup {
    let target = user.user.clone();
    screen(&user, &target, Editing::Own, None)
}

pub async fn change_own_profile(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let target = user.user.clone();
    answer(&state, &user, target, Editing::Own, &form).await
}

async fn administered(
    state: &AppState,
    user: &Principal,
    query: &QueryPairs,
) -> Result<User, UiError> {
    super::require_site_administrator(user, "edit users")?;
    let username = query.get("username").unwrap_or("");
    Ok(users::named(state, username).await?)
}

pub async fn edit_user(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let target = administered(&state, &user, &query).await?;
    Ok(screen(&user, &target, Editing::Administered, None))
}

pub async fn change_user(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let target = administered(&state, &user, &query).await?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    answer(&state, &user, target, Editing::Administered, &form).await
}
