//! Dashboard, space creation and space home.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::space::CreateSpace;
use cairn_core::SpaceKey;
use cairn_store::{Listed, Window};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiReader, UiUser};
use crate::AppState;
use crate::links::{encode_component, view_path};
use crate::request::parse_query;
use crate::time_format::{friendly_from_ms, now_ms};

pub async fn dashboard(
    State(state): State<AppState>,
    UiReader(user): UiReader,
) -> Result<Markup, UiError> {
    let Listed {
        items: spaces,
        has_more: more_spaces,
    } = state
        .store
        .list_spaces(user.user.id, Window::first(100))
        .await?;
    let recent = state.store.recently_updated(user.user.id, 20).await?;
    let (new_drafts, page_drafts) = if user.is_anonymous() {
        (Vec::new(), Vec::new())
    } else {
        (
            state.store.new_content_drafts_of(user.user.id, 20).await?,
            state.store.page_drafts_of(user.user.id, 20).await?,
        )
    };
    let space_names: std::collections::HashMap<_, _> = spaces
        .iter()
        .map(|space| (space.id, (space.key.clone(), space.name.clone())))
        .collect();
    let now = now_ms();
    Ok(page(
        "Dashboard",
        &user,
        None,
        html! {
            main.content.wide id="content" tabindex="-1" {
                h1.title { "Dashboard" }
                div.card {
                    h2 { "Spaces" }
                    @if spaces.is_empty() {
                        p.muted { "No spaces yet. " a href="/spaces/createspace.action" { "Create the first space" } "." }
                    } @else {
                        table.grid {
                            thead { tr { th { "Space" } th { "Key" } th { "Description" } } }
                            tbody {
                                @for space in &spaces {
                                    tr {
                                        td { a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) } }
                                        td { (space.key) }
                                        td.muted { (space.description) }
                                    }
                                }
                            }
                        }
                        @if more_spaces { p.muted { "Showing the first 100 spaces." } }
                    }
                }
                @if !new_drafts.is_empty() || !page_drafts.is_empty() {
                    div.card {
                        h2 { "Your drafts" }
                        ul.draft-list {
                            @for draft in &new_drafts {
                                li {
                                    a href={ "/pages/resumedraft.action?draftId=" (draft.id) } { (draft.title) }
                                    span.muted { " new " (draft.content_type.as_str()) ", saved " (friendly_from_ms(draft.last_modified_ms, now)) }
                                }
                            }
                            @for draft in &page_drafts {
                                li {
                                    a href={ "/pages/editpage.action?pageId=" (draft.content_id) } { (draft.title) }
                                    span.muted { " unpublished changes, saved " (friendly_from_ms(draft.saved_ms, now)) }
                                }
                            }
                        }
                    }
                }
                div.card {
                    h2 { "Recently updated" }
                    @if recent.is_empty() {
                        p.muted { "Nothing has been written yet." }
                    } @else {
                        table.grid {
                            thead { tr { th { "Title" } th { "Space" } th { "Updated" } th { "Version" } } }
                            tbody {
                                @for content in &recent {
                                    tr {
                                        td { a href=(view_path(content.id)) { (content.title) } }
                                        td { @if let Some((_, name)) = space_names.get(&content.space_id) { (name) } }
                                        td.muted { (friendly_from_ms(content.last_modified_ms, now)) }
                                        td.muted { "v" (content.version) }
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

fn create_space_page(
    user: &crate::auth::Principal,
    key: &str,
    name: &str,
    description: &str,
    error: Option<&str>,
) -> Markup {
    page(
        "Create space",
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { "Create space" }
                @if let Some(error) = error { p.notice.error role="alert" { (error) } }
                form.card method="post" action="/spaces/createspace.action" {
                    label for="name" { "Space name" }
                    input type="text" id="name" name="name" value=(name) required maxlength="200";
                    label for="key" { "Space key" }
                    input type="text" id="key" name="key" value=(key) required maxlength="255" pattern="[A-Za-z0-9]+";
                    p.muted { "Letters and digits; it appears in every link to the space." }
                    label for="description" { "Description" }
                    textarea id="description" name="description" rows="3" { (description) }
                    p { button.button type="submit" { "Create" } " " a.button.secondary href="/" { "Cancel" } }
                }
            }
        },
    )
}

pub async fn create_space_form(UiUser(user): UiUser) -> Markup {
    create_space_page(&user, "", "", "", None)
}

pub async fn create_space(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    body: Bytes,
) -> Result<Response, UiError> {
    let form = parse_query(&String::from_utf8_lossy(&body));
    let key_text = form.get("key").unwrap_or("");
    let name = form.get("name").unwrap_or("");
    let description = form.get("description").unwrap_or("");
    let command = CreateSpace {
        key: key_text.to_string(),
        name: Some(name.to_string()),
        description: description.to_string(),
    };
    let created = cairn_app::space::create(&state, &user.as_caller(), command).await;
    match created {
        Ok(space) => Ok(Redirect::to(&format!(
            "/display/{}",
            encode_component(space.key.as_str())
        ))
        .into_response()),
        Err(error) => {
            let message = error.message;
            Ok(
                create_space_page(&user, key_text, name, description, Some(&message))
                    .into_response(),
            )
        }
    }
}

pub async fn space_home(
    State(state): State<AppState>,
    UiReader(user): UiReader,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    // `/display/~username` is a person's personal space, or their profile when they have none
    // (mentions link there).
    if let Some(username) = key.strip_prefix('~')
        && state
            .store
            .find_space_by_key(&SpaceKey::from_stored(key.clone()))
            .await?
            .is_none()
    {
        let profile = super::profile::view_profile(&state, &user, username).await?;
        return Ok(profile.into_response());
    }
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    crate::access::require_view_space(&state, user.user.id, &space).await?;
    match space.homepage_id {
        Some(homepage) => super::page::render_view(&state, &user, homepage, None)
            .await
            .map(IntoResponse::into_response),
        None => Err(UiError::not_found(format!(
            "space {} has no home page",
            space.key
        ))),
    }
}
