//! Pages and blog posts in the UI: view (any version), create, edit, history, trash and restore.

use cairn_store::{Listed, Window};
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{Content, ContentId, ContentStatus, ContentType, Space, SpaceKey};
use cairn_store::ContentListing;
use maud::{Markup, PreEscaped, html};
use percent_encoding::percent_decode_str;

use super::layout::page;
use super::{UiError, UiReader, UiUser};
use crate::AppState;
use crate::access::{self, ContentAction};
use cairn_app::page;

use crate::auth::Principal;
use crate::links::{encode_component, view_path};
use crate::request::QueryPairs;
use crate::time_format::human_from_ms;

/// Most entries shown in one level of the sidebar tree.
const TREE_LEVEL_LIMIT: i64 = 200;

pub(super) fn query_id(query: &QueryPairs, name: &str) -> Result<ContentId, UiError> {
    query.get(name).and_then(ContentId::parse).ok_or_else(|| {
        UiError::new(
            StatusCode::BAD_REQUEST,
            format!("{name} must be a content id"),
        )
    })
}

/// A current page or blog post the user may view; anything else (a comment included: it is shown
/// on its page, never as one) is the same "not found".
pub(super) async fn current_content(
    state: &AppState,
    user: &Principal,
    id: ContentId,
) -> Result<Content, UiError> {
    let not_found = || {
        UiError::not_found(format!(
            "page {id} does not exist or was moved to the trash"
        ))
    };
    let content = state
        .store
        .find_content(id)
        .await?
        .filter(|content| {
            content.status == ContentStatus::Current && content.content_type != ContentType::Comment
        })
        .ok_or_else(not_found)?;
    if !access::can_view(state, user.user.id, &content).await? {
        return Err(not_found());
    }
    Ok(content)
}

async fn space_of(state: &AppState, content: &Content) -> Result<Space, UiError> {
    state
        .store
        .find_space_by_id(content.space_id)
        .await?
        .ok_or_else(|| UiError::not_found("space not found"))
}

/// `/display/KEY/Title` (page) or `/display/KEY/YYYY/MM/DD/Title` (blog post).
pub async fn display(
    State(state): State<AppState>,
    UiReader(user): UiReader,
    Path((key, _decoded_rest)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Result<Response, UiError> {
    // Confluence writes spaces as `+` and a literal `+` as `%2B`, so the title is decoded from the
    // raw path: `+` to space first, then percent escapes (the router's decoding would merge both).
    let rest = uri.path().splitn(4, '/').nth(3).unwrap_or("").to_string();
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    let segments: Vec<&str> = rest.split('/').collect();
    let is_blog_path = segments.len() == 4
        && segments[..3]
            .iter()
            .all(|part| part.bytes().all(|b| b.is_ascii_digit()));
    let (content_type, title_segment) = if is_blog_path {
        (ContentType::BlogPost, segments[3])
    } else {
        (ContentType::Page, rest.as_str())
    };
    let title = percent_decode_str(&title_segment.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned();
    let listing = ContentListing {
        content_type,
        space_id: Some(space.id),
        title: Some(title.clone()),
        status: Some(ContentStatus::Current),
        label: None,
        root_only: false,
        viewer: user.user.id,
        created_between: None,
        window: Window::first(1),
    };
    let Listed { items: found, .. } = state.store.list_content(&listing).await?;
    let content = found.into_iter().next().ok_or_else(|| {
        UiError::not_found(format!("no page titled {title:?} in space {}", space.key))
    })?;
    Ok(render_view(&state, &user, content.id, None)
        .await?
        .into_response())
}

/// `/pages/viewpage.action?pageId=N[&pageVersion=M]`.
pub async fn view_page(
    State(state): State<AppState>,
    UiReader(user): UiReader,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let id = query_id(&query, "pageId")?;
    let version =
        match query.get("pageVersion") {
            Some(text) => Some(text.parse::<i32>().map_err(|_| {
                UiError::new(StatusCode::BAD_REQUEST, "pageVersion must be a number")
            })?),
            None => None,
        };
    render_view(&state, &user, id, version).await
}

/// The page view, of the current version or of an older one.
pub async fn render_view(
    state: &AppState,
    user: &Principal,
    id: ContentId,
    version: Option<i32>,
) -> Result<Markup, UiError> {
    let content = current_content(state, user, id).await?;
    let space = space_of(state, &content).await?;
    let ancestors = state.store.ancestors(&content).await?;
    let old_version =
        match version {
            Some(number) if number != content.version => {
                Some(state.store.find_version(id, number).await?.ok_or_else(|| {
                    UiError::not_found(format!("page {id} has no version {number}"))
                })?)
            }
            _ => None,
        };
    let (title, body, author_id, when_ms, number) = match &old_version {
        Some(old) => (
            &old.title,
            &old.body,
            old.author_id,
            old.created_ms,
            old.number,
        ),
        None => (
            &content.title,
            &content.body,
            content.last_modifier_id,
            content.last_modified_ms,
            content.version,
        ),
    };
    let author = state.store.find_user(author_id).await?;
    let author_name = author
        .as_ref()
        .map_or("Unknown user", |author| author.display_name.as_str());
    let padlock = padlock_words(state, &content, &ancestors).await?;
    let sidebar = sidebar(state, user.user.id, &space, &content, &ancestors).await?;
    // A `children` macro lists the children as they are now and as this viewer sees them; the
    // cache key says which.
    let children =
        crate::child_pages::gather(state, user.user.id, &space.key, content.id, body).await?;
    let people = crate::people::gather(state, body).await?;
    let render_context = format!(
        "{}{}-{:x}",
        space.key.as_str(),
        crate::child_pages::fingerprint(&children),
        people.fingerprint()
    );
    let body_html =
        state
            .rendered_pages
            .get_or_render(content.id, number, when_ms, &render_context, || {
                crate::render::storage_to_view_with_children(
                    body,
                    Some(space.key.as_str()),
                    Some(title),
                    Some(content.id),
                    &children,
                    &people,
                )
            });
    let labels = state.store.labels_of(content.id).await?;
    // Only what the viewer may do is offered (an edit restriction or a missing space permission
    // hides Edit, as in Confluence, instead of answering it with a refusal).
    let may_edit = access::can_do(state, user.user.id, &content, ContentAction::Edit).await?;
    let may_delete = access::can_do(state, user.user.id, &content, ContentAction::Delete).await?;
    let attachments = match old_version {
        None => Some(super::attachment::section(state, &content).await?),
        Some(_) => None,
    };
    let comments = match old_version {
        None => Some(super::comment::thread(state, &content, space.key.as_str()).await?),
        Some(_) => None,
    };
    Ok(page(
        title,
        user,
        Some(sidebar),
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs {
                    a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) }
                    @for ancestor in &ancestors { " / " a href=(view_path(ancestor.id)) { (ancestor.title) } }
                }
                @if let Some(old) = &old_version {
                    div.notice {
                        "You are viewing an old version of this page (v" (old.number) "). "
                        a href=(view_path(id)) { "View the current version" } "."
                        @if may_edit {
                            " " a.button.secondary.write-action href={ "/pages/revertpagebacktoversion.action?pageId=" (id) "&version=" (old.number) } { "Restore this version" }
                        }
                    }
                }
                h1.title { (title) }
                div.byline {
                    @if let Some(padlock) = padlock {
                        span.padlock id="padlock" role="img" aria-label=(padlock) title=(padlock) { "\u{1f512}" }
                        " "
                    }
                    @if content.content_type == ContentType::BlogPost { "Blog post · " }
                    "Version " (number) " by " (author_name) ", " (human_from_ms(when_ms))
                }
                @if old_version.is_none() {
                    div.actions {
                        @if may_edit {
                            a.button.write-action href={ "/pages/editpage.action?pageId=" (id) } title="Edit (e)" data-keyboard-shortcut="e" { "Edit" }
                        }
                        @if content.content_type == ContentType::Page {
                            a.button.secondary.write-action href={ "/pages/createpage.action?spaceKey=" (encode_component(space.key.as_str())) "&fromPageId=" (id) } { "Create child page" }
                        }
                        @if content.content_type == ContentType::Page && may_edit {
                            a.button.secondary.write-action href={ "/pages/movepagedialog.action?pageId=" (id) } { "Move" }
                        }
                        @if content.content_type == ContentType::Page {
                            a.button.secondary.write-action href={ "/pages/copypage.action?idOfPageToCopy=" (id) } { "Copy" }
                        }
                        a.button.secondary href={ "/pages/viewpreviousversions.action?pageId=" (id) } { "Page history" }
                        @if may_edit {
                            a.button.secondary.write-action href={ "/pages/restrictions.action?pageId=" (id) } { "Restrictions" }
                        }
                        @if may_delete {
                            // Asks first (Confluence's delete dialog, as a page of its own).
                            a.button.secondary.write-action href={ "/pages/removepage.action?pageId=" (id) } { "Move to trash" }
                        }
                    }
                    p.muted.exports id="page-exports" {
                        "Export: "
                        a href={ "/exportword?pageId=" (id) } { "Word" }
                        " · "
                        a href={ "/rest/cairn/1/export/markdown/" (id) } { "Markdown" }
                        " · "
                        a href={ "/spaces/flyingpdf/pdfpageexport.action?pageId=" (id) } { "PDF" }
                    }
                }
                @if old_version.is_none() { (super::label::labels_bar(content.id, &labels)) }
                article.card.wiki-content { (PreEscaped(body_html)) }
                @if let Some(attachments) = attachments { (attachments) }
                @if let Some(comments) = comments { (comments) }
            }
        },
    ))
}

/// The space's page tree, opened along the path to `current`, plus recent blog posts.
async fn sidebar(
    state: &AppState,
    viewer: cairn_core::UserId,
    space: &Space,
    current: &Content,
    ancestors: &[Content],
) -> Result<Markup, UiError> {
    let Listed {
        items: roots,
        has_more: more_roots,
    } = state
        .store
        .list_root_pages(viewer, space.id, Window::first(TREE_LEVEL_LIMIT))
        .await?;
    let mut children_of: HashMap<ContentId, Listed<Content>> = HashMap::new();
    for open in ancestors.iter().chain(std::iter::once(current)) {
        if open.content_type == ContentType::Page {
            children_of.insert(
                open.id,
                state
                    .store
                    .list_children(viewer, open.id, Window::first(TREE_LEVEL_LIMIT))
                    .await?,
            );
        }
    }
    let blog_posts = state.store.list_blog_posts(viewer, space.id, 10).await?;
    let held = state.store.space_permissions_of(viewer, space.id).await?;
    let administers = held.contains(&cairn_core::SpacePermission::SetSpacePermissions);
    let exports = held.contains(&cairn_core::SpacePermission::ExportSpace);
    Ok(html! {
        h2 { a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) } }
        p.write-action { a href={ "/pages/createpage.action?spaceKey=" (encode_component(space.key.as_str())) } { "+ Create page" }
            " · " a href={ "/pages/createblogpost.action?spaceKey=" (encode_component(space.key.as_str())) } { "+ Blog post" } }
        h2 { "Pages" }
        (tree_level(&roots, more_roots, current.id, &children_of))
        h2 { "Blog" }
        @if blog_posts.is_empty() { p.muted { "No blog posts yet." } }
        ul { @for post in &blog_posts { li class=[(post.id == current.id).then_some("current")] { a href=(view_path(post.id)) { (post.title) } } } }
        @if administers {
            p {
                a.muted href={ "/pages/viewtrash.action?spaceKey=" (encode_component(space.key.as_str())) } { "Trash" }
                " · "
                a.muted href={ "/spaces/spacepermissions.action?key=" (encode_component(space.key.as_str())) } { "Space permissions" }
                " · "
                a.muted href={ "/spaces/exportspacexml.action?key=" (encode_component(space.key.as_str())) } { "Export space" }
            }
        }
        @if exports {
            p {
                a.muted href={ "/spaces/exportspacehtml.action?key=" (encode_component(space.key.as_str())) } { "Export to HTML" }
                " · "
                a.muted href={ "/spaces/flyingpdf/flyingpdf.action?key=" (encode_component(space.key.as_str())) } { "Export to PDF" }
            }
        }
    })
}

fn tree_level(
    pages: &[Content],
    more: bool,
    current: ContentId,
    children_of: &HashMap<ContentId, Listed<Content>>,
) -> Markup {
    html! {
        ul {
            @for page in pages {
                li class=[(page.id == current).then_some("current")] {
                    a href=(view_path(page.id)) { (page.title) }
                    @if let Some(children) = children_of.get(&page.id) {
                        @if !children.items.is_empty() { (tree_level(&children.items, children.has_more, current, children_of)) }
                    }
                }
            }
            @if more { li.muted { "…more pages" } }
        }
    }
}

/// `/pages/viewpreviousversions.action?pageId=N`: every version, newest first.
pub async fn history(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let content = current_content(&state, &user, query_id(&query, "pageId")?).await?;
    let start = crate::request::Paging::start_from(&query, "start")?;
    let limit = 50;
    let Listed {
        items: versions,
        has_more: more,
    } = state
        .store
        .list_versions(content.id, Window::new(start, limit))
        .await?;
    let mut authors = HashMap::new();
    for version in &versions {
        if let std::collections::hash_map::Entry::Vacant(slot) = authors.entry(version.author_id) {
            let name = state
                .store
                .find_user(version.author_id)
                .await?
                .map(|author| author.display_name);
            slot.insert(name.unwrap_or_else(|| "Unknown user".to_string()));
        }
    }
    Ok(page(
        &format!("History of {}", content.title),
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs { a href=(view_path(content.id)) { (content.title) } }
                h1.title { "Page history" }
                table.grid {
                    thead { tr { th { "Version" } th { "Published" } th { "By" } th { "Comment" } th {} } }
                    tbody {
                        @for version in &versions {
                            tr {
                                td {
                                    a href={ (view_path(content.id)) "&pageVersion=" (version.number) } { "v" (version.number) }
                                    @if version.number == content.version { " (current)" }
                                }
                                td.muted { (human_from_ms(version.created_ms)) }
                                td { (authors.get(&version.author_id).map(String::as_str).unwrap_or("")) }
                                td { (version.message) @if version.minor_edit { span.muted { " (minor)" } } }
                                td {
                                    @if version.number != content.version {
                                        a.button.secondary href={ "/pages/diffpagesbyversion.action?pageId=" (content.id) "&selectedPageVersions=" (version.number) "&selectedPageVersions=" (content.version) } { "Compare with current" }
                                        " "
                                        a.button.secondary href={ "/pages/revertpagebacktoversion.action?pageId=" (content.id) "&version=" (version.number) } { "Restore" }
                                    }
                                }
                            }
                        }
                    }
                }
                div.pager {
                    @if start > 0 { a href={ "/pages/viewpreviousversions.action?pageId=" (content.id) "&start=" ((start - limit).max(0)) } { "Newer" } }
                    @if more { a href={ "/pages/viewpreviousversions.action?pageId=" (content.id) "&start=" (start + limit) } { "Older" } }
                }
            }
        },
    ))
}

/// What the padlock beside a page's byline says, when the page is restricted: its own view or
/// edit restrictions, or a view restriction on a page above it (which also holds for it).
async fn padlock_words(
    state: &AppState,
    content: &Content,
    ancestors: &[Content],
) -> Result<Option<&'static str>, UiError> {
    use cairn_core::RestrictionOperation;
    let ids: Vec<ContentId> = ancestors
        .iter()
        .map(|ancestor| ancestor.id)
        .chain(std::iter::once(content.id))
        .collect();
    let restricted = state.store.restricted_operations(&ids).await?;
    let view_restricted = restricted
        .iter()
        .any(|(_, operation)| *operation == RestrictionOperation::Read);
    let edit_restricted = restricted
        .iter()
        .any(|(id, operation)| *id == content.id && *operation == RestrictionOperation::Update);
    Ok(match (view_restricted, edit_restricted) {
        (true, _) => Some("Restricted: only some people can view this page"),
        (false, true) => Some("Restricted: only some people can edit this page"),
        (false, false) => None,
    })
}

/// The page and the old version a restore names (`pageId`, `version`), for someone who may edit
/// the page.
async fn version_to_restore(
    state: &AppState,
    user: &Principal,
    query: &QueryPairs,
) -> Result<(Content, cairn_core::ContentVersion), UiError> {
    let content = current_content(state, user, query_id(query, "pageId")?).await?;
    access::require(state, user.user.id, &content, ContentAction::Edit).await?;
    let number: i32 = query
        .get("version")
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "version is required"))?;
    let old = state
        .store
        .find_version(content.id, number)
        .await?
        .ok_or_else(|| {
            UiError::not_found(format!("page {} has no version {number}", content.id))
        })?;
    Ok((content, old))
}

/// `GET /pages/revertpagebacktoversion.action?pageId=N&version=V`: asks before an old version
/// is made current again.
pub async fn confirm_revert(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let (content, old) = version_to_restore(&state, &user, &query).await?;
    let author = state
        .store
        .find_user(old.author_id)
        .await?
        .map(|author| author.display_name)
        .unwrap_or_default();
    let heading = format!(
        "Restore version {} of \u{201c}{}\u{201d}?",
        old.number, content.title
    );
    let history = format!("/pages/viewpreviousversions.action?pageId={}", content.id);
    Ok(page(
        &format!("Restore version {}: {}", old.number, content.title),
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.card {
                    h1.title { (heading) }
                    p id="restore-what" {
                        "Version " (old.number)
                        @if !author.is_empty() { " by " (author) }
                        ", " (human_from_ms(old.created_ms)) ", becomes the current version, v" (content.version + 1) ". "
                        "Nothing is lost: the current version, v" (content.version) ", stays in the page history."
                    }
                    @if old.title != content.title {
                        p { "The title goes back to \u{201c}" (old.title) "\u{201d}." }
                    }
                    form method="post" action={ "/pages/revertpagebacktoversion.action?pageId=" (content.id) "&version=" (old.number) } {
                        button.button type="submit" { "Restore version " (old.number) }
                        " "
                        a.button.secondary href=(history) { "Cancel" }
                    }
                }
            }
        },
    ))
}

/// Makes an old version current again, as a new version.
pub async fn revert(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let (content, old) = version_to_restore(&state, &user, &query).await?;
    let number = old.number;
    let command = page::SavePage {
        id: content.id,
        version_number: content.version + 1,
        title: Some(old.title),
        body: Some(old.body),
        parent_id: None,
        space_key: None,
        status: page::WantedStatus::Unnamed,
        message: format!("Restored from v{number}"),
        minor_edit: false,
        labels: None,
        properties: Vec::new(),
    };
    page::save(&state, &user.as_caller(), command).await?;
    Ok(Redirect::to(&view_path(content.id)).into_response())
}

/// `GET /pages/removepage.action?pageId=N`: asks before a page or blog post goes to the trash.
pub async fn confirm_remove(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let content = current_content(&state, &user, query_id(&query, "pageId")?).await?;
    access::require(&state, user.user.id, &content, ContentAction::Delete).await?;
    let children = state
        .store
        .list_children(
            user.user.id,
            content.id,
            Window {
                start: 0,
                limit: 100,
            },
        )
        .await?;
    let children_shown = match (children.items.len(), children.has_more) {
        (0, _) => None,
        (1, false) => Some("Its child page moves up".to_string()),
        (count, false) => Some(format!("Its {count} child pages move up")),
        (count, true) => Some(format!("Its child pages (more than {count}) move up")),
    };
    let kind = match content.content_type {
        ContentType::BlogPost => "blog post",
        _ => "page",
    };
    let heading = format!("Move \u{201c}{}\u{201d} to the trash?", content.title);
    Ok(page(
        &format!("Move to trash: {}", content.title),
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.card {
                    h1.title { (heading) }
                    p {
                        "The " (kind) " goes to the space's trash, with its history, comments and attachments; "
                        "a space administrator can restore it from there."
                    }
                    @if let Some(children) = children_shown {
                        p { (children) " to take its place in the page tree." }
                    }
                    form method="post" action={ "/pages/removepage.action?pageId=" (content.id) } {
                        button.button type="submit" { "Move to trash" }
                        " "
                        a.button.secondary href=(view_path(content.id)) { "Cancel" }
                    }
                }
            }
        },
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let content = current_content(&state, &user, query_id(&query, "pageId")?).await?;
    let space = space_of(&state, &content).await?;
    cairn_app::lifecycle::remove(&state, &user.as_caller(), &content, Some("current")).await?;
    let destination = match content.parent_id {
        Some(parent) => view_path(parent),
        None => format!("/display/{}", encode_component(space.key.as_str())),
    };
    Ok(Redirect::to(&destination).into_response())
}

pub async fn trash(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let key = query
        .get("spaceKey")
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "spaceKey is required"))?;
    let space = state
        .store
        .space_by_key(&SpaceKey::from_stored(key))
        .await?;
    administer_space(&state, &user, &space).await?;
    let trashed = state.store.list_trash(space.id, 200).await?;
    Ok(page(
        "Trash",
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs { a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) } }
                h1.title { "Trash" }
                @if trashed.is_empty() { p.muted { "The trash is empty." } }
                @else {
                    table.grid {
                        thead { tr { th { "Title" } th { "Type" } th {} } }
                        tbody {
                            @for item in &trashed {
                                tr {
                                    td { (item.title) }
                                    td.muted { (item.content_type.as_str()) }
                                    td {
                                        form.inline method="post" action={ "/pages/restoretrashitem.action?pageId=" (item.id) } {
                                            button.button.secondary type="submit" { "Restore" }
                                        }
                                        " "
                                        form.inline method="post" action={ "/pages/purgetrashitem.action?pageId=" (item.id) } {
                                            button.button.danger type="submit" { "Purge" }
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

pub async fn restore(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let id = query_id(&query, "pageId")?;
    let restored = cairn_app::trash::restore(&state, &user.as_caller(), id).await?;
    Ok(Redirect::to(&view_path(restored.id)).into_response())
}

/// The trash belongs to the space's administrators.
async fn administer_space(
    state: &AppState,
    user: &Principal,
    space: &Space,
) -> Result<(), UiError> {
    access::require_space_permission(
        state,
        user.user.id,
        space,
        cairn_core::SpacePermission::SetSpacePermissions,
    )
    .await?;
    Ok(())
}

/// Deletes a trashed page or blog post for good, with all its versions.
pub async fn purge(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let id = query_id(&query, "pageId")?;
    let space = cairn_app::trash::purge(&state, &user.as_caller(), id).await?;
    Ok(Redirect::to(&format!(
        "/pages/viewtrash.action?spaceKey={}",
        encode_component(space.key.as_str())
    ))
    .into_response())
}
