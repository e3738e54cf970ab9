//! The screens that export a space as documents, at Confluence's paths: "Export to HTML"
//! (`/spaces/exportspacehtml.action?key=KEY`: a static site, built as a long task; the screen
//! starts it, shows its progress and links the zip) and "Export to PDF"
//! (`/spaces/flyingpdf/flyingpdf.action?key=KEY`: the screen links the PDF, made on request by
//! `GET /rest/cairn/1/export/pdf/{key}`). Both hold what the user may see, for those with
//! EXPORTSPACE; the work is `cairn_app::space_site` and `cairn_app::space_pdf`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_core::{Space, SpaceKey};
use cairn_store::{LongTask, Window};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::links::encode_component;
use crate::request::QueryPairs;

const HTML_PATH: &str = "/spaces/exportspacehtml.action";
/// Tasks looked through for the user's recent exports of this space.
const RECENT_TASKS: i64 = 50;

fn space_key(query: &QueryPairs) -> Result<SpaceKey, UiError> {
    query
        .get("key")
        .filter(|key| !key.is_empty())
        .map(SpaceKey::from_stored)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "key is required"))
}

fn html_screen_path(key: &SpaceKey) -> String {
    format!("{HTML_PATH}?key={}", encode_component(key.as_str()))
}

/// Where a space's PDF is made and downloaded.
pub fn pdf_download_path(key: &SpaceKey) -> String {
    format!(
        "/rest/cairn/1/export/pdf/{}",
        cairn_format::encode_path_segment(key.as_str())
    )
}

fn status_text(task: &LongTask) -> String {
    match task.status.as_str() {
        "running" => format!("running, {}%", task.percent),
        "succeeded" => "exported".to_string(),
        _ => "failed".to_string(),
    }
}

fn breadcrumbs(space: &Space) -> Markup {
    html! {
        div.breadcrumbs {
            a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) }
            " / "
            a href={ "/spaces/exportspacexml.action?key=" (encode_component(space.key.as_str())) } { "Export space" }
        }
    }
}

fn html_screen(
    user: &Principal,
    space: &Space,
    shown: Option<&LongTask>,
    recent: &[LongTask],
) -> Markup {
    let action = html_screen_path(&space.key);
    page(
        &format!("Export {} to HTML", space.name),
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                (breadcrumbs(space))
                h1.title { "Export space to HTML" }
                @if let Some(task) = shown {
                    div.card id="export-task" {
                        h2 { (task.name) }
                        p id="export-status" { strong { (status_text(task)) } }
                        @if task.status == "succeeded" {
                            p { a.button id="export-download" href=(cairn_app::space_site::download_path(&space.key, task.id)) { "Download the zip" } }
                        }
                        @if !task.message.is_empty() {
                            pre id="export-report" { (task.message) }
                        }
                        @if task.status == "running" {
                            p { a.button href=(format!("{action}&taskId={}", task.id)) { "Refresh" } }
                        }
                    }
                }
                div.card {
                    p { "Export this space as a static HTML site: a zip with an index of the page tree, one HTML file per page and blog post you can see, links between them that work offline, and the current version of their attachments." }
                    p.muted { "The export runs in the background; this screen shows it when it is done. Only you can download it." }
                    form method="post" action=(action) {
                        button.button type="submit" { "Export" }
                    }
                }
                @if !recent.is_empty() {
                    div.card {
                        h2 { "Your recent exports" }
                        table.grid id="exports" {
                            thead { tr { th { "Started" } th { "Status" } } }
                            tbody {
                                @for task in recent {
                                    tr {
                                        td { a href=(format!("{action}&taskId={}", task.id)) { (crate::time_format::human_from_ms(task.created_ms)) } }
                                        td { (status_text(task)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The form, the export named by `taskId` and the user's recent site exports of the space.
pub async fn html_export_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let key = space_key(&query)?;
    let space = cairn_app::space_pages::exportable_space(&state, &user.as_caller(), &key).await?;
    let viewer = user.user.id;
    let is_mine =
        |task: &LongTask| cairn_app::space_site::is_site_export_of(task, &space.key, viewer);
    let shown = match query.get("taskId").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => state.store.find_task(id).await?.filter(is_mine),
        None => None,
    };
    let recent: Vec<LongTask> = state
        .store
        .list_tasks(Some(viewer), Window::new(0, RECENT_TASKS))
        .await?
        .items
        .into_iter()
        .filter(is_mine)
        .collect();
    Ok(html_screen(&user, &space, shown.as_ref(), &recent))
}

/// Starts the site export and shows its task.
pub async fn start_html_export(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let key = space_key(&query)?;
    let task = cairn_app::space_site::start(&state, &user.as_caller(), &key).await?;
    Ok(Redirect::to(&format!("{}&taskId={task}", html_screen_path(&key))).into_response())
}

/// The "Export to PDF" screen: what the PDF holds and the button that makes it.
pub async fn pdf_export_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let key = space_key(&query)?;
    let space = cairn_app::space_pages::exportable_space(&state, &user.as_caller(), &key).await?;
    Ok(page(
        &format!("Export {} to PDF", space.name),
        &user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                (breadcrumbs(&space))
                h1.title { "Export space to PDF" }
                div.card {
                    p { "One PDF of every page of this space you can see, in the order of the page tree, each page starting on a new sheet, after a contents list." }
                    p.muted { "A PDF holds at most " (cairn_app::space_pdf::MAX_PAGES) " pages and " (cairn_app::space_pdf::MAX_BODY_BYTES / (1024 * 1024)) " MiB of page text; its contents page says when pages were left out. Text is set in the standard PDF fonts (Latin-1); images are left out." }
                    p { a.button id="export-pdf" href=(pdf_download_path(&space.key)) { "Export" } }
                }
            }
        },
    ))
}
