//! Moving and copying a page in the browser: choose a space (the form lists its pages), then a
//! parent page or the top of the space; a copy also takes a title and what it carries (labels,
//! properties, restrictions, attachments). The work is `cairn_app::movement` and `cairn_app::copy`,
//! the same use cases as the REST API's.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_app::copy::{CopyDestination, CopyPage};
use cairn_app::movement::MovePage;
use cairn_core::{Content, ContentId, ContentType, Space, SpaceKey};
use cairn_store::{Listed, MovePosition, Window};
use maud::{Markup, html};

use super::page::query_id;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::links::{encode_component, view_path};
use crate::request::{QueryPairs, parse_query};

/// Most pages a space offers as parents in the form.
const PARENTS_SHOWN: i64 = 500;

/// What the move and copy forms are about.
enum Arrangement {
    Move,
    Copy,
}

impl Arrangement {
    fn path(&self) -> &'static str {
        match self {
            Arrangement::Move => "/pages/movepagedialog.action",
            Arrangement::Copy => "/pages/copypage.action",
        }
    }

    fn id_parameter(&self) -> &'static str {
        match self {
            Arrangement::Move => "pageId",
            Arrangement::Copy => "idOfPageToCopy",
        }
    }
}

async fn viewable_page(
    state: &AppState,
    user: &Principal,
    id: ContentId,
) -> Result<Content, UiError> {
    let page = crate::access::viewable_content(state, user.user.id, id).await?;
    if page.content_type != ContentType::Page {
        return Err(UiError::new(
            StatusCode::BAD_REQUEST,
            "Only pages can be moved or copied.",
        ));
    }
    Ok(page)
}

/// The space the form shows: the one asked for, else the page's own.
async fn chosen_space(
    state: &AppState,
    user: &Principal,
    query: &QueryPairs,
    page: &Content,
) -> Result<Space, UiError> {
    let space = match query.get("spaceKey").filter(|key| !key.is_empty()) {
        Some(key) => {
            state
                .store
                .space_by_key(&SpaceKey::from_stored(key))
                .await?
        }
        None => state
            .store
            .find_space_by_id(page.space_id)
            .await?
            .ok_or_else(|| UiError::not_found("the page's space is gone"))?,
    };
    crate::access::require_view_space(state, user.user.id, &space).await?;
    Ok(space)
}

async fn form(
    state: &AppState,
    user: &Principal,
    arrangement: Arrangement,
    page: &Content,
    space: &Space,
    error: Option<&str>,
) -> Result<Markup, UiError> {
    let Listed { items: spaces, .. } = state
        .store
        .list_spaces(user.user.id, Window::first(200))
        .await?;
    let Listed {
        items: candidates,
        has_more,
    } = state
        .store
        .list_space_content(
            user.user.id,
            space.id,
            ContentType::Page,
            false,
            Window::first(PARENTS_SHOWN),
        )
        .await?;
    let parents: Vec<&Content> = candidates
        .iter()
        .filter(|candidate| candidate.id != page.id)
        .collect();
    let (title, verb) = match arrangement {
        Arrangement::Move => (format!("Move “{}”", page.title), "Move"),
        Arrangement::Copy => (format!("Copy “{}”", page.title), "Copy"),
    };
    let action = format!(
        "{}?{}={}&spaceKey={}",
        arrangement.path(),
        arrangement.id_parameter(),
        page.id,
        encode_component(space.key.as_str())
    );
    Ok(super::layout::page(
        &title,
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { (title) }
                @if let Some(error) = error { p.notice.error role="alert" { (error) } }
                form.card method="get" action=(arrangement.path()) {
                    input type="hidden" name=(arrangement.id_parameter()) value=(page.id);
                    label for="spaceKey" { "Space" }
                    select id="spaceKey" name="spaceKey" {
                        @for candidate in &spaces {
                            option value=(candidate.key.as_str()) selected[candidate.id == space.id] { (candidate.name) " (" (candidate.key.as_str()) ")" }
                        }
                    }
                    p { button.button.secondary type="submit" { "Show this space's pages" } }
                }
                form.card method="post" action=(action) {
                    @if let Arrangement::Copy = arrangement {
                        label for="title" { "Title of the copy" }
                        input type="text" id="title" name="title" value={ "Copy of " (page.title) } required maxlength="255";
                    }
                    label for="parentId" { "Put it under" }
                    select id="parentId" name="parentId" {
                        option value="" { "The top of " (space.name) }
                        @for parent in &parents {
                            option value=(parent.id) selected[Some(parent.id) == page.parent_id && space.id == page.space_id] { (parent.title) }
                        }
                    }
                    @if has_more { p.muted { "Only the first " (PARENTS_SHOWN) " pages of the space are offered." } }
                    @if let Arrangement::Copy = arrangement {
                        fieldset {
                            legend { "Also copy" }
                            label.check { input type="checkbox" name="copyAttachments" value="true" checked; "Attachments" }
                            label.check { input type="checkbox" name="copyLabels" value="true" checked; "Labels" }
                            label.check { input type="checkbox" name="copyProperties" value="true" checked; "Page properties" }
                            label.check { input type="checkbox" name="copyPermissions" value="true" checked; "Restrictions" }
                        }
                    }
                    p {
                        button.button type="submit" { (verb) }
                        " "
                        a.button.secondary href=(view_path(page.id)) { "Cancel" }
                    }
                }
            }
        },
    ))
}

pub async fn move_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let page = viewable_page(&state, &user, query_id(&query, "pageId")?).await?;
    crate::access::require(
        &state,
        user.user.id,
        &page,
        crate::access::ContentAction::Edit,
    )
    .await?;
    let space = chosen_space(&state, &user, &query, &page).await?;
    form(&state, &user, Arrangement::Move, &page, &space, None).await
}

pub async fn copy_form(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let page = viewable_page(&state, &user, query_id(&query, "idOfPageToCopy")?).await?;
    let space = chosen_space(&state, &user, &query, &page).await?;
    form(&state, &user, Arrangement::Copy, &page, &space, None).await
}

/// The chosen parent, or `None` for the top of the space.
fn parent_of(form: &QueryPairs) -> Result<Option<ContentId>, UiError> {
    match form.get("parentId").filter(|id| !id.is_empty()) {
        None => Ok(None),
        Some(text) => ContentId::parse(text)
            .map(Some)
            .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "choose a parent page")),
    }
}

/// A refusal the person can act on is shown on the form; anything else is an error page.
async fn refused(
    state: &AppState,
    user: &Principal,
    arrangement: Arrangement,
    page: &Content,
    space: &Space,
    error: cairn_app::Error,
) -> Result<Response, UiError> {
    if error.code.kind() != cairn_app::FailureKind::Invalid {
        return Err(error.into());
    }
    let markup = form(state, user, arrangement, page, space, Some(&error.message)).await?;
    Ok((StatusCode::BAD_REQUEST, markup).into_response())
}

pub async fn move_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let page = viewable_page(&state, &user, query_id(&query, "pageId")?).await?;
    let space = chosen_space(&state, &user, &query, &page).await?;
    let form_fields = parse_query(&String::from_utf8_lossy(&body));
    let command = match parent_of(&form_fields)? {
        Some(parent) => MovePage {
            page: page.id,
            target: parent,
            position: MovePosition::Append,
        },
        None => MovePage {
            page: page.id,
            // The top of a space is named by any page of it: its home page.
            target: space.homepage_id.ok_or_else(|| {
                UiError::new(
                    StatusCode::BAD_REQUEST,
                    "that space has no home page to go beside",
                )
            })?,
            position: MovePosition::TopLevel,
        },
    };
    match cairn_app::movement::move_page(&state, &user.as_caller(), command).await {
        Ok(moved) => Ok(Redirect::to(&view_path(moved.id)).into_response()),
        Err(error) => refused(&state, &user, Arrangement::Move, &page, &space, error).await,
    }
}

pub async fn copy_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
    body: Bytes,
) -> Result<Response, UiError> {
    let page = viewable_page(&state, &user, query_id(&query, "idOfPageToCopy")?).await?;
    let space = chosen_space(&state, &user, &query, &page).await?;
    let form_fields = parse_query(&String::from_utf8_lossy(&body));
    let flag = |name: &str| form_fields.get(name) == Some("true");
    let destination = match parent_of(&form_fields)? {
        Some(parent) => CopyDestination::Below(parent),
        None => CopyDestination::SpaceRoot(space.key.clone()),
    };
    let command = CopyPage {
        source: page.id,
        destination,
        title: form_fields
            .get("title")
            .map(str::trim)
            .filter(|title| !title.is_empty())
            .map(str::to_string),
        body: None,
        labels: flag("copyLabels"),
        properties: flag("copyProperties"),
        restrictions: flag("copyPermissions"),
        attachments: flag("copyAttachments"),
    };
    match cairn_app::copy::copy(&state, &user.as_caller(), command).await {
        Ok(copied) => Ok(Redirect::to(&view_path(copied.id)).into_response()),
        Err(error) => refused(&state, &user, Arrangement::Copy, &page, &space, error).await,
    }
}
