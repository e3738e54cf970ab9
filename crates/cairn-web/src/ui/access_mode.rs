//! The access mode screen (`/admin/accessmode.action`): turning read-only mode on and off, as
//! Confluence Data Center's administrators do before an upgrade or a migration. Site
//! administrators only; the work is `cairn_app::access_mode`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use cairn_app::access_mode::{self, AccessMode};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::parse_query;

fn screen(user: &Principal, mode: AccessMode) -> Markup {
    let read_only = mode == AccessMode::ReadOnly;
    page(
        "Access mode",
        user,
        Some(super::layout::administration_sidebar("Access mode")),
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "Access mode" }
                div.card {
                    p id="access-mode" {
                        @if read_only { "The site is " strong { "read-only" } ": people can read and search, nothing can be changed." }
                        @else { "The site is " strong { "read-write" } ": people read and write as their permissions allow." }
                    }
                    p.muted { "Read-only mode holds every change on every node (pages, comments, attachments, spaces, permissions, users) for an upgrade, a migration or an incident. Signing in and out keeps working." }
                    form method="post" action="/admin/accessmode.action" {
                        @if read_only {
                            input type="hidden" name="mode" value="READ_WRITE";
                            button.button type="submit" { "Turn read-only mode off" }
                        } @else {
                            input type="hidden" name="mode" value="READ_ONLY";
                            button.button.danger type="submit" { "Turn read-only mode on" }
                        }
                    }
                }
            }
        },
    )
}

pub async fn access_mode_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "change the access mode")?;
    Ok(screen(&user, access_mode::current(&state).await))
}

pub async fn change_access_mode(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "change the access mode")?;
    let form = parse_query(&String::from_utf8_lossy(&body));
    let mode = form
        .get("mode")
        .and_then(AccessMode::parse)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "choose READ_ONLY or READ_WRITE"))?;
    let now = access_mode::set(&state, &user.as_caller(), mode).await?;
    Ok(screen(&user, now))
}
