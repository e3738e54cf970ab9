//! The "Import space" screen (`/admin/importspace.action`): a site administrator uploads a
//! Confluence space or site export, which is imported as a long task; the screen then shows the
//! task's progress and, at the end, the import's report. The work is
//! `cairn_app::confluence_import`, as for `POST /rest/cairn/1/import/confluence`.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use cairn_store::{LongTask, Window};
use maud::{Markup, html};

use super::layout::page;
use super::{UiError, UiUser};
use crate::AppState;
use crate::auth::Principal;
use crate::request::QueryPairs;

const PATH: &str = "/admin/importspace.action";
const TITLE: &str = "Import space";
/// Import tasks listed under the form.
const RECENT_TASKS: i64 = 50;

fn is_import(task: &LongTask) -> bool {
    task.name.starts_with("Import ")
}

fn status_text(task: &LongTask) -> String {
    match task.status.as_str() {
        "running" => format!("running, {}%", task.percent),
        "succeeded" => "imported".to_string(),
        _ => "failed: nothing was imported".to_string(),
    }
}

fn screen(
    user: &Principal,
    shown: Option<&LongTask>,
    recent: &[LongTask],
    limit_mb: u64,
) -> Markup {
    page(
        TITLE,
        user,
        Some(super::layout::administration_sidebar(TITLE)),
        html! {
            main.content id="content" tabindex="-1" {
                h1.title { (TITLE) }
                @if let Some(task) = shown {
                    div.card id="import-task" {
                        h2 { (task.name) }
                        p id="import-status" { strong { (status_text(task)) } }
                        @if !task.message.is_empty() {
                            pre id="import-report" { (task.message) }
                        }
                        @if task.status == "running" {
                            p { a.button href=(format!("{PATH}?taskId={}", task.id)) { "Refresh" } }
                        }
                    }
                }
                div.card {
                    p { "Upload a Confluence XML export (a space export or a site export, from Confluence 3.x to 9.x or Cloud). Everything in it is imported, or nothing: spaces, pages with every version, blog posts, comments, labels, attachments, permissions, restrictions, and in a site export its users (deactivated, without passwords) and groups. A space whose key exists already is refused." }
                    p.muted { "Largest upload: " (limit_mb) " MiB (import_max_mb). Larger exports: " code { "cairn import confluence FILE.zip" } " on a node's host." }
                    form method="post" action=(PATH) enctype="multipart/form-data" {
                        p {
                            label for="import-file" { "Export (.zip)" }
                            " "
                            input id="import-file" type="file" name="file" accept=".zip,application/zip" required;
                        }
                        button.button type="submit" { "Import" }
                    }
                }
                @if !recent.is_empty() {
                    div.card {
                        h2 { "Recent imports" }
                        table.grid id="imports" {
                            thead { tr { th { "Import" } th { "Started" } th { "Status" } } }
                            tbody {
                                @for task in recent {
                                    tr {
                                        td { a href=(format!("{PATH}?taskId={}", task.id)) { (task.name) } }
                                        td { (crate::time_format::human_from_ms(task.created_ms)) }
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

/// The form, the task named by `taskId` and the recent imports.
pub async fn import_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "import spaces")?;
    let shown = match query.get("taskId").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => state.store.find_task(id).await?.filter(is_import),
        None => None,
    };
    let recent: Vec<LongTask> = state
        .store
        .list_tasks(None, Window::new(0, RECENT_TASKS))
        .await?
        .items
        .into_iter()
        .filter(is_import)
        .collect();
    Ok(screen(
        &user,
        shown.as_ref(),
        &recent,
        state.node.settings.import_max_bytes / (1024 * 1024),
    ))
}

/// Spools the upload, starts the import and shows its task.
pub async fn start_import(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "import spaces")?;
    let caller = user.as_caller();
    let export = crate::upload::receive_export(&state, &caller, &mut multipart).await?;
    let task = cairn_app::confluence_import::start(&state, &caller, export).await?;
    Ok(Redirect::to(&format!("{PATH}?taskId={task}")).into_response())
}
