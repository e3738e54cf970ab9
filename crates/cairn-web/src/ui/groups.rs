//! The Groups administration screens at Confluence's paths: `/admin/users/browsegroups.action`
//! (every group, create one, remove one) and `/admin/users/viewmembersofgroup.action` (a group's
//! members, add and remove). Site administrators only; the work is `cairn_app::group`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_app::group::{self, Membership};
use cairn_store::{Listed, Window};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::links::encode_component;
use crate::request::{QueryPairs, parse_query};

/// Most groups or members a screen lists at once.
const SHOWN: i64 = 500;

fn message_markup(message: Option<(&str, bool)>) -> Markup {
    html! {
        @if let Some((text, is_error)) = message {
            @if is_error { p.notice.error role="alert" { (text) } }
            @else { p.notice.ok role="status" { (text) } }
        }
    }
}

fn members_path(name: &str) -> String {
    format!(
        "/admin/users/viewmembersofgroup.action?membersOfGroupTerm={}",
        encode_component(name)
    )
}

async fn groups_markup(
    state: &AppState,
    user: &Principal,
    message: Option<(&str, bool)>,
) -> Result<Markup, UiError> {
    let Listed {
        items: groups,
        has_more,
    } = state.store.list_groups(Window::first(SHOWN)).await?;
    Ok(page(
        "Groups",
        user,
        Some(super::layout::administration_sidebar("Groups")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Groups" }
                (message_markup(message))
                div.card {
                    table.grid id="groups" {
                        thead { tr { th { "Group" } th { "" } } }
                        tbody {
                            @for listed in &groups {
                                tr {
                                    td { a href=(members_path(&listed.name)) { (listed.name) } }
                                    td {
                                        @if cairn_core::access::group_is_removable(&listed.name) {
                                            form.inline method="post" action="/admin/users/browsegroups.action" {
                                                input type="hidden" name="action" value="remove";
                                                input type="hidden" name="name" value=(listed.name);
                                                button.button.danger type="submit" { "Remove" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if has_more { p.muted { "Only the first " (SHOWN) " groups are shown." } }
                }
                div.card {
                    h2 { "Create a group" }
                    form method="post" action="/admin/users/browsegroups.action" {
                        input type="hidden" name="action" value="create";
                        label for="name" { "Group name" }
                        input type="text" id="name" name="name" required;
                        p { button.button type="submit" { "Create group" } }
                    }
                }
            }
        },
    ))
}

pub async fn groups_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "manage groups")?;
    groups_markup(&state, &user, None).await
}

pub async fn groups_action(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "manage groups")?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let name = form.get("name").unwrap_or("").trim().to_string();
    let caller = user.as_caller();
    let outcome = match form.get("action") {
        Some("create") => group::create(&state, &caller, &name)
            .await
            .map(|created| format!("Group {} created.", created.name)),
        Some("remove") => group::delete(&state, &caller, &name)
            .await
            .map(|()| format!("Group {name} removed.")),
        _ => Err(cairn_app::Error::bad_request("choose create or remove")),
    };
    let (status, text, is_error) = shown(outcome)?;
    let markup = groups_markup(&state, &user, Some((&text, is_error))).await?;
    Ok((status, markup).into_response())
}

async fn members_markup(
    state: &AppState,
    user: &Principal,
    name: &str,
    message: Option<(&str, bool)>,
) -> Result<Markup, UiError> {
    let group = group::named(state, name).await?;
    let Listed {
        items: members,
        has_more,
    } = state
        .store
        .group_members(group.id, Window::first(SHOWN))
        .await?;
    let action = members_path(&group.name);
    Ok(page(
        &format!("Members of {}", group.name),
        user,
        Some(super::layout::administration_sidebar("Groups")),
        html! {
            main.content.wide id="content" tabindex="-1" {
                p.muted { a href="/admin/users/browsegroups.action" { "Groups" } }
                h1.title { "Members of " (group.name) }
                (message_markup(message))
                div.card {
                    table.grid id="members" {
                        thead { tr { th { "Username" } th { "Full name" } th { "" } } }
                        tbody {
                            @for member in &members {
                                tr {
                                    td { code { (member.username) } }
                                    td { (member.display_name) }
                                    td {
                                        form.inline method="post" action=(action) {
                                            input type="hidden" name="action" value="remove";
                                            input type="hidden" name="username" value=(member.username);
                                            button.button.secondary type="submit" { "Remove from group" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if members.is_empty() { p.muted { "No members." } }
                    @if has_more { p.muted { "Only the first " (SHOWN) " members are shown." } }
                }
                div.card {
                    h2 { "Add a member" }
                    form method="post" action=(action) {
                        input type="hidden" name="action" value="add";
                        label for="username" { "Username" }
                        input type="text" id="username" name="username" required;
                        p { button.button type="submit" { "Add to group" } }
                    }
                }
            }
        },
    ))
}

fn group_of(query: &QueryPairs) -> Result<String, UiError> {
    query
        .get("membersOfGroupTerm")
        .map(str::to_string)
        .ok_or_else(|| {
            UiError::new(
                StatusCode::BAD_REQUEST,
                "name a group: ?membersOfGroupTerm=NAME",
            )
        })
}

pub async fn members_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "manage groups")?;
    let name = group_of(&query)?;
    members_markup(&state, &user, &name, None).await
}

pub async fn members_action(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "manage groups")?;
    let name = group_of(&query)?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let username = form.get("username").unwrap_or("").trim().to_string();
    let change = match form.get("action") {
        Some("remove") => Membership::Remove,
        _ => Membership::Add,
    };
    let outcome = group::change_membership(&state, &user.as_caller(), &name, &username, change)
        .await
        .map(|()| match change {
            Membership::Add => format!("{username} is a member of {name} now."),
            Membership::Remove => format!("{username} is no longer a member of {name}."),
        });
    let (status, text, is_error) = shown(outcome)?;
    let markup = members_markup(&state, &user, &name, Some((&text, is_error))).await?;
    Ok((status, markup).into_response())
}

/// What to show after an action: its status, the message, and whether it is a refusal. A
/// refusal is shown on the screen (400, or 404 for what does not exist); an internal failure is
/// an error page.
fn shown(outcome: Result<String, cairn_app::Error>) -> Result<(StatusCode, String, bool), UiError> {
    match outcome {
        Ok(done) => Ok((StatusCode::OK, done, false)),
        Err(error) if error.code.kind() == cairn_app::FailureKind::Internal => Err(error.into()),
        Err(error) if error.code.kind() == cairn_app::FailureKind::NotFound => {
            Ok((StatusCode::NOT_FOUND, error.message, true))
        }
        Err(error) => Ok((StatusCode::BAD_REQUEST, error.message, true)),
    }
}
