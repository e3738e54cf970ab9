//! The "Export space" screen (`/spaces/exportspacexml.action?key=KEY`, Confluence's path): a
//! space administrator (or a site administrator) exports the space as a Confluence XML space
//! export; the export runs as a long task and the screen shows its progress, its summary and the
//! link that downloads the zip. The work is `cairn_app::space_export`, as for
//! `POST /rest/cairn/1/export/confluence/{spaceKey}`.

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

const PATH: &str = "/spaces/exportspacexml.action";
/// Tasks looked through for this space's recent exports.
const RECENT_TASKS: i64 = 50;

fn space_key(query: &QueryPairs) -> Result<SpaceKey, UiError> {
    query
        .get("key")
        .filter(|key| !key.is_empty())
        .map(SpaceKey::from_stored)
        .ok_or_else(|| UiError::new(StatusCode::BAD_REQUEST, "key is required"))
}

fn screen_path(key: &SpaceKey) -> String {
    format!("{PATH}?key={}", encode_component(key.as_str()))
}

fn status_text(task: &LongTask) -> String {
    match task.status.as_str() {
        "running" => format!("running, {}%", task.percent),
        "succeeded" => "exported".to_string(),
        _ => "failed".to_string(),
    }
}

fn screen(
    user: &Principal,
    space: &Space,
    shown: Option<&LongTask>,
    recent: &[LongTask],
) -> Markup {
    let action = screen_path(&space.key);
    page(
        &format!("Export {}", space.name),
        user,
        None,
        html! {
            main.content id="content" tabindex="-1" {
                div.breadcrumbs { a href={ "/display/" (encode_component(space.key.as_str())) } { (space.name) } }
                h1.title { "Export space" }
                p id="other-formats" {
                    "Other formats: "
                    a href={ "/spaces/exportspacehtml.action?key=" (encode_component(space.key.as_str())) } { "HTML" }
                    " · "
                    a href={ "/spaces/flyingpdf/flyingpdf.action?key=" (encode_component(space.key.as_str())) } { "PDF" }
                }
                @if let Some(task) = shown {
                    div.card id="export-task" {
                        h2 { (task.name) }
                        p id="export-status" { strong { (status_text(task)) } }
                        @if task.status == "succeeded" {
                            p { a.button id="export-download" href=(cairn_app::space_export::download_path(&space.key, task.id)) { "Download the zip" } }
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
                    p { "Export this space as a Confluence XML space export: a zip that Confluence and Cairn import. It holds every page and blog post with all their versions, the trash, comments, labels, attachments with every version, content properties, restrictions, watches, the space's permissions, and the users and groups they name." }
                    p.muted { "The export runs in the background; this screen shows it when it is done. On a node's host, " code { "cairn export confluence " (space.key) " FILE.zip" } " does the same." }
                    form method="post" action=(action) {
                        button.button type="submit" { "Export" }
                    }
                }
                @if !recent.is_empty() {
                    div.card {
                        h2 { "Recent exports" }
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

/// The form, the export named by `taskId` and the space's recent exports.
pub async fn export_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    let key = space_key(&query)?;
    let space = cairn_app::space_export::exportable_space(&state, &user.as_caller(), &key).await?;
    let is_this_space = |task: &LongTask| cairn_app::space_export::is_export_of(task, &space.key);
    let shown = match query.get("taskId").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => state.store.find_task(id).await?.filter(is_this_space),
        None => None,
    };
    let recent: Vec<LongTask> = state
        .store
        .list_tasks(None, Window::new(0, RECENT_TASKS))
        .await?
        .items
        .into_iter()
        .filter(is_this_space)
        .collect();
    Ok(screen(&user, &space, shown.as_ref(), &recent))
}

/// Starts the export and shows its task.
pub async fn start_export(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Response, UiError> {
    let key = space_key(&query)?;
    let task = cairn_app::space_export::start(&state, &user.as_caller(), &key).await?;
    Ok(Redirect::to(&format!("{}&taskId={task}", screen_path(&key))).into_response())
}
