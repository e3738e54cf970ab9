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

/// What the profile says about the user's personal space: theirs, or whether they may create one.
enum PersonalSpace {
    Exists(cairn_core::SpaceKey),
    MayCreate,
    NotPermitted,
}

async fn personal_space(state: &AppState, user: &Principal) -> Result<PersonalSpace, UiError> {
    let key = cairn_core::SpaceKey::personal(&user.user.username);
    if state.store.find_space_by_key(&key).await?.is_some() {
        return Ok(PersonalSpace::Exists(key));
    }
    let caller = user.as_caller();
    let may = cairn_app::global_permission::require(
        state,
        &caller,
        cairn_core::GlobalPermission::CreatePersonalSpace,
    )
    .await
    .is_ok();
    Ok(if may {
        PersonalSpace::MayCreate
    } else {
        PersonalSpace::NotPermitted
    })
}

fn personal_space_card(personal: &PersonalSpace) -> Markup {
    html! {
        div.card id="personal-space" {
            h2 { "Personal space" }
            @match personal {
                PersonalSpace::Exists(key) => {
                    p { a href={ "/display/" (crate::links::encode_component(key.as_str())) } { "Go to your personal space" } " (" code { (key) } ")." }
                }
                PersonalSpace::MayCreate => {
                    p.muted { "A space of your own for notes and drafts: everyone can read it and comment, only you change it." }
                    form method="post" action=(OWN) {
                        input type="hidden" name="action" value="personal-space";
                        button.button type="submit" { "Create your personal space" }
                    }
                }
                PersonalSpace::NotPermitted => {
                    p.muted { "You do not have the global permission to create a personal space." }
                }
            }
        }
    }
}

fn screen(
    user: &Principal,
    target: &User,
    editing: Editing,
    message: Option<(&str, bool)>,
) -> Markup {
    screen_with(user, target, editing, message, None)
}

fn screen_with(
    user: &Principal,
    target: &User,
    editing: Editing,
    message: Option<(&str, bool)>,
    personal: Option<&PersonalSpace>,
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
            main.content id="content" tabindex="-1" {
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
                @if let Some(personal) = personal { (personal_space_card(personal)) }
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
        Some("personal-space") => {
            let space = cairn_app::space::create_personal(state, &caller).await?;
            Ok(format!("Your personal space {} is ready.", space.key))
        }
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
            let personal = match editing {
                Editing::Own => Some(personal_space(state, user).await?),
                Editing::Administered => None,
            };
            Ok(
                screen_with(user, &now, editing, Some((&done, false)), personal.as_ref())
                    .into_response(),
            )
        }
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) => Ok((
            StatusCode::BAD_REQUEST,
            screen(user, &target, editing, Some((&error.message, true))),
        )
            .into_response()),
    }
}

pub async fn own_profile(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    let target = user.user.clone();
    let personal = personal_space(&state, &user).await?;
    Ok(screen_with(
        &user,
        &target,
        Editing::Own,
        None,
        Some(&personal),
    ))
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

/// A person's profile as others see it (`/users/viewuserprofile.action?username=…`, and
/// `/display/~username` when they have no personal space): name, username, their personal space,
/// and their email address for themselves and site administrators only.
pub async fn view_profile(
    state: &AppState,
    viewer: &Principal,
    username: &str,
) -> Result<Markup, UiError> {
    let person = state
        .store
        .find_user_by_username(&username.to_lowercase())
        .await?
        .ok_or_else(|| UiError::not_found(format!("there is no user {username:?}")))?;
    let own = viewer.user.id == person.id;
    let personal_key = cairn_core::SpaceKey::personal(&person.username);
    let personal = match state.store.find_space_by_key(&personal_key).await? {
        Some(space) => crate::access::can_view_space(state, viewer.user.id, space.id)
            .await?
            .then_some(space),
        None => None,
    };
    Ok(page(
        &person.display_name,
        viewer,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.profile-head {
                    img.avatar src="/assets/default-avatar.svg" alt="" width="64" height="64";
                    div {
                        h1.title { (person.display_name) }
                        p.muted { "@" (person.username) @if !person.active { " · deactivated" } }
                    }
                }
                div.card {
                    dl.details {
                        dt { "Username" } dd { (person.username) }
                        @if own || viewer.administrator {
                            dt { "Email" } dd { (person.email) }
                        }
                        dt { "Personal space" }
                        dd {
                            @match &personal {
                                Some(space) => a href={ "/display/" (crate::links::encode_component(space.key.as_str())) } { (space.name) },
                                None => span.muted { "None" },
                            }
                        }
                    }
                    @if own {
                        p { a href=(OWN) { "Edit your profile" } }
                    } @else if viewer.administrator {
                        p { a href={ (ADMIN) "?username=" (crate::links::encode_component(&person.username)) } { "Edit this user" } }
                    }
                }
            }
        },
    ))
}

/// `GET /users/viewuserprofile.action?username=…`.
pub async fn view_profile_page(
    State(state): State<AppState>,
    super::UiReader(viewer): super::UiReader,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    view_profile(&state, &viewer, query.get("username").unwrap_or("")).await
}
