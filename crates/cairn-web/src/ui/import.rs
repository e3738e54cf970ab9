//! The "Import space" screen (`/admin/importspace.action`): a site administrator uploads a
//! Confluence space or site export, or names one in the node's import folder, which is imported
//! (with space key mappings, or as a dry run) as a long task; the screen then shows the
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
        "succeeded" if task.name.ends_with("(dry run)") => {
            "checked (dry run): nothing was written".to_string()
        }
        "succeeded" => "imported".to_string(),
        _ => "failed: nothing was imported".to_string(),
    }
}

/// What the form offers besides the upload.
struct ImportChoices {
    /// Largest upload, MiB.
    limit_mb: u64,
    /// The node's import folder, when it has one.
    folder: Option<String>,
    /// The exports in it, with their sizes in bytes.
    folder_files: Vec<(String, u64)>,
}

fn screen(
    user: &Principal,
    shown: Option<&LongTask>,
    recent: &[LongTask],
    choices: &ImportChoices,
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
                    p { "Import a Confluence XML export (a space export or a site export, from Confluence 3.x to 9.x or Cloud). Everything in it is imported, or nothing: spaces, pages with every version, blog posts, comments, labels, attachments, permissions, restrictions, and in a site export its users (deactivated, without passwords) and groups. A space whose key exists already is refused: map it to another key." }
                    form method="post" action=(PATH) enctype="multipart/form-data" {
                        p {
                            label for="import-file" { "Upload an export (.zip)" }
                            " "
                            input id="import-file" type="file" name="file" accept=".zip,application/zip";
                        }
                        p.muted { "Largest upload: " (choices.limit_mb) " MiB (import_max_mb)." }
                        @if let Some(folder) = &choices.folder {
                            p {
                                label for="import-server-file" { "Or an export in this node's import folder" }
                                " "
                                select id="import-server-file" name="serverFile" {
                                    option value="" { "(none)" }
                                    @for (name, size) in &choices.folder_files {
                                        option value=(name) { (name) " (" (megabytes(*size)) ")" }
                                    }
                                }
                            }
                            p.muted { "Larger exports: copy them to " code { (folder) } " on the node's host, or run " code { "cairn import confluence FILE.zip" } " there." }
                        }
                        p {
                            label for="import-key-map" { "Space key mappings (optional)" }
                            input id="import-key-map" type="text" name="spaceKeyMap" placeholder="OLD=NEW, OTHER=NEW2" autocomplete="off" spellcheck="false";
                        }
                        p.muted { "Imports space OLD under the key NEW; links to it in the imported pages are rewritten." }
                        p {
                            label.check {
                                input type="checkbox" name="dryRun" value="true";
                                "Dry run: read and check the export, report what would be imported, change nothing"
                            }
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

/// How long a finished import is still shown without being asked for.
const RECENTLY_FINISHED_MS: i64 = 15 * 60 * 1000;

/// Whether `task` is running or ended a moment ago.
fn is_current(task: &LongTask) -> bool {
    match task.finished_ms {
        None => task.status == "running",
        Some(finished_ms) => cairn_app::clock::now_ms() - finished_ms < RECENTLY_FINISHED_MS,
    }
}

/// `bytes` in MiB, for a person.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The form, the task named by `taskId` (else a running import) and the recent imports.
pub async fn import_page(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    query: QueryPairs,
) -> Result<Markup, UiError> {
    super::require_site_administrator(&user, "import spaces")?;
    let recent: Vec<LongTask> = state
        .store
        .list_tasks(None, Window::new(0, RECENT_TASKS))
        .await?
        .items
        .into_iter()
        .filter(is_import)
        .collect();
    let shown = match query.get("taskId").and_then(|id| id.parse::<i64>().ok()) {
        Some(id) => state.store.find_task(id).await?.filter(is_import),
        // An import started elsewhere (the setup wizard's) is shown while it runs and for a
        // while after it ended, so whoever started it sees how it went.
        None => recent.first().filter(|task| is_current(task)).cloned(),
    };
    let choices = ImportChoices {
        limit_mb: state.node.settings.import_max_bytes / (1024 * 1024),
        folder: state
            .node
            .settings
            .import_directory
            .as_ref()
            .map(|folder| folder.display().to_string()),
        folder_files: cairn_app::confluence_import::import_folder_files(&state.node),
    };
    Ok(screen(&user, shown.as_ref(), &recent, &choices))
}

/// Spools the upload (or takes the file named from the import folder), starts the import and
/// shows its task.
pub async fn start_import(
    State(state): State<AppState>,
    UiUser(user): UiUser,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    super::require_site_administrator(&user, "import spaces")?;
    let caller = user.as_caller();
    let (export, request) = crate::upload::receive_export(
        &state,
        &caller,
        &mut multipart,
        cairn_app::confluence_import::ImportRequest::default(),
    )
    .await?;
    let task = cairn_app::confluence_import::start(&state, &caller, export, &request).await?;
    Ok(Redirect::to(&format!("{PATH}?taskId={task}")).into_response())
}
