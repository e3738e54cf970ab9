//! The wizard's content step: an empty site, the example space, or a Confluence export. The
//! export is uploaded with the step's form (`POST /setup/content`, multipart, streamed into the
//! node's import folder under a hidden name and bounded by `import_max_mb`) or chosen among the
//! exports an administrator copied into that folder. The import itself starts as a long task once
//! the site runs (the binary's backend does that), so a large export does not hold the browser's
//! request.

use std::sync::Arc;

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use tokio::io::AsyncWriteExt;

use super::{
    Answers, ContentChoice, ImportChoice, Wizard, html_response, problem, users_screen, wizard_page,
};
use crate::request::QueryPairs;

/// Files the wizard received start with this (a dot: the import screen does not list them); the
/// import removes them once done.
pub const UPLOAD_PREFIX: &str = ".setup-upload-";
/// Largest text field of the content step's form (the answers so far, carried along).
const MAX_TEXT_FIELD_BYTES: usize = 8 * 1024;
/// Most fields the content step's form has.
const MAX_FIELDS: usize = 32;

/// The content step; `preset_database` names the database the node was started with, `applied`
/// the migrations the database step just ran, `error` what was wrong with the last answer.
pub(super) fn screen(
    wizard: &Wizard,
    answers: &Answers,
    preset_database: Option<&str>,
    applied: Option<&[String]>,
    error: Option<&str>,
) -> Markup {
    let folder = wizard.backend.import_folder();
    let folder_files = folder
        .as_deref()
        .map(cairn_app::confluence_import::exports_in_folder)
        .unwrap_or_default();
    let limit_mb = wizard.backend.import_limit_bytes() / (1024 * 1024);
    let chosen_file = match &answers.content {
        ContentChoice::Import(import) => import.file.as_str(),
        _ => "",
    };
    wizard_page(
        "Choose what to start with",
        3,
        html! {
            @if let Some(applied) = applied {
                div.notice.ok role="status" id="migrations" {
                    @if applied.is_empty() {
                        p { "The database's tables are current: no migration was needed." }
                    } @else {
                        p { "The database is ready: " (applied.len()) " migrations applied." }
                        ol.muted { @for migration in applied { li { code { (migration) } " — done" } } }
                    }
                }
            }
            @if let Some(described) = preset_database {
                p.notice.ok role="status" id="database-check" {
                    "This node was started with its database, " code { (described) } ", which every node of the cluster shares: nothing to choose there."
                }
            }
            (problem(error))
            form.card method="post" action="/setup/content" enctype="multipart/form-data" {
                (answers.hidden_except(&["content", "importFile", "importName"]))
                input type="hidden" name="step" value="content";
                fieldset {
                    legend { "Content" }
                    label.check {
                        input type="radio" name="content" value="empty" checked[answers.content == ContentChoice::Empty];
                        "An empty site"
                    }
                    label.check {
                        input type="radio" name="content" value="example" checked[answers.content == ContentChoice::Example];
                        "An example space with pages, a blog post and an attachment, to see what a page can hold"
                    }
                    @if let Some(folder) = &folder {
                        label.check {
                            input type="radio" name="content" value="import" checked[matches!(answers.content, ContentChoice::Import(_))];
                            "A Confluence space or site export (its XML export, a .zip)"
                        }
                        div.indented {
                            label for="setup-import-file" { "Upload the export" }
                            input id="setup-import-file" type="file" name="file" accept=".zip,application/zip";
                            p.muted { "At most " (limit_mb) " MiB (import_max_mb)." }
                            label for="setup-import-folder" { "Or an export in the import folder " code { (folder.display()) } }
                            select id="setup-import-folder" name="importFile" {
                                option value="" { "(none)" }
                                @for (name, size) in &folder_files {
                                    option value=(name) selected[chosen_file == name.as_str()] {
                                        (name) " (" (format!("{:.1}", *size as f64 / (1024.0 * 1024.0))) " MiB)"
                                    }
                                }
                            }
                            p.muted { "The import starts when setup is finished and runs in the background; the Import space screen shows its progress and report. Users it creates are deactivated and have no password." }
                        }
                    }
                }
                p { button.button type="submit" { "Next" } }
            }
        },
    )
}

/// The content step answered (by the plain form or after an upload): an import must name an
/// export that is in the folder.
pub(super) fn chosen(wizard: &Wizard, answers: &Answers) -> Response {
    if let ContentChoice::Import(import) = &answers.content {
        let refuse = |message: &str| {
            html_response(
                StatusCode::BAD_REQUEST,
                screen(wizard, answers, None, None, Some(message)),
            )
        };
        let Some(folder) = wizard.backend.import_folder() else {
            return refuse("This node has no import folder.");
        };
        if import.file.is_empty() {
            return refuse("Upload the export, or choose one in the import folder.");
        }
        let uploaded = import.file.starts_with(UPLOAD_PREFIX)
            && !import.file.contains(['/', '\\'])
            && import.file.ends_with(".zip");
        let named_export = cairn_app::confluence_import::is_export_name(&import.file);
        if !(uploaded || named_export) || !folder.join(&import.file).is_file() {
            return refuse("That export is not in the import folder (any more): choose it again.");
        }
    }
    html_response(StatusCode::OK, users_screen(answers))
}

/// `POST /setup/content`: the content step's form, with the export's upload when there is one.
/// The token is checked before a byte of the file is kept.
pub(super) async fn receive(
    State(wizard): State<Arc<Wizard>>,
    mut multipart: Multipart,
) -> Response {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut received: Option<ImportChoice> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return unreadable(&wizard, &fields, &error.to_string()),
        };
        if fields.len() >= MAX_FIELDS {
            return unreadable(&wizard, &fields, "too many fields");
        }
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let shown_as: String = field
                .file_name()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            // A form posted without a file still sends the part, empty and unnamed.
            if shown_as.is_empty() {
                let _ = field.bytes().await;
                continue;
            }
            let answers = Answers::from_form(&QueryPairs(fields.clone()));
            if !wizard.token_matches(&answers.token) {
                return html_response(
                    StatusCode::FORBIDDEN,
                    super::token_screen(Some("That is not the setup token.")),
                );
            }
            match keep_upload(&wizard, field).await {
                Ok(file) => received = Some(ImportChoice { file, shown_as }),
                Err(message) => {
                    return html_response(
                        StatusCode::BAD_REQUEST,
                        screen(&wizard, &answers, None, None, Some(&message)),
                    );
                }
            }
            continue;
        }
        match bounded_text(field).await {
            Ok(text) => fields.push((name, text)),
            Err(message) => return unreadable(&wizard, &fields, &message),
        }
    }
    let mut answers = Answers::from_form(&QueryPairs(fields));
    if !wizard.token_matches(&answers.token) {
        return html_response(
            StatusCode::FORBIDDEN,
            super::token_screen(Some("That is not the setup token.")),
        );
    }
    if let ContentChoice::Import(choice) = &mut answers.content {
        match received {
            Some(upload) => *choice = upload,
            None if choice.shown_as.is_empty() => choice.shown_as = choice.file.clone(),
            None => {}
        }
    } else if let Some(upload) = received {
        // An upload with another choice: nothing will import it.
        if let Some(folder) = wizard.backend.import_folder() {
            let _ = tokio::fs::remove_file(folder.join(upload.file)).await;
        }
    }
    chosen(&wizard, &answers)
}

fn unreadable(wizard: &Wizard, fields: &[(String, String)], why: &str) -> Response {
    let answers = Answers::from_form(&QueryPairs(fields.to_vec()));
    if !wizard.token_matches(&answers.token) {
        return html_response(
            StatusCode::FORBIDDEN,
            super::token_screen(Some("That is not the setup token.")),
        );
    }
    html_response(
        StatusCode::BAD_REQUEST,
        screen(
            wizard,
            &answers,
            None,
            None,
            Some(&format!("The form could not be read: {why}.")),
        ),
    )
}

async fn bounded_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|error| error.to_string())? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_TEXT_FIELD_BYTES {
            return Err("a field is too long".to_string());
        }
    }
    String::from_utf8(bytes).map_err(|_| "a field is not UTF-8".to_string())
}

/// Streams the uploaded export into the import folder under a fresh hidden name, within the
/// limit; answers that name. Nothing stays behind when it fails.
async fn keep_upload(
    wizard: &Wizard,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<String, String> {
    let Some(folder) = wizard.backend.import_folder() else {
        return Err("This node has no import folder.".to_string());
    };
    let limit = wizard.backend.import_limit_bytes();
    tokio::fs::create_dir_all(&folder).await.map_err(|error| {
        format!(
            "The import folder {} cannot be made: {error}.",
            folder.display()
        )
    })?;
    let name = format!(
        "{UPLOAD_PREFIX}{}.zip",
        cairn_app::credentials::new_secret()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect::<String>()
    );
    let path = folder.join(&name);
    let written = async {
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|error| format!("The upload cannot be kept in {}: {error}.", folder.display()))?;
        let mut size: u64 = 0;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|error| format!("The upload broke off: {error}."))?
        {
            size += chunk.len() as u64;
            if size > limit {
                return Err(format!(
                    "The export is larger than {} MiB (import_max_mb). Copy it into {} on this node's host and choose it there.",
                    limit / (1024 * 1024),
                    folder.display()
                ));
            }
            file.write_all(&chunk)
                .await
                .map_err(|error| format!("The upload cannot be kept: {error}."))?;
        }
        file.flush()
            .await
            .map_err(|error| format!("The upload cannot be kept: {error}."))?;
        if size == 0 {
            return Err("The uploaded file is empty.".to_string());
        }
        Ok(())
    }
    .await;
    match written {
        Ok(()) => Ok(name),
        Err(message) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(message)
        }
    }
}
