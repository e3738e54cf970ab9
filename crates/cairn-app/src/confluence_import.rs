//! Importing a Confluence export from the web (`POST /rest/cairn/1/import/confluence` and the
//! "Import space" screen), site administrators only.
//!
//! The upload is spooled to a temporary file ([`spool`]), never held in memory, and refused past
//! `NodeSettings::import_max_bytes`; an export too large to upload is put in the node's import
//! folder instead and named ([`from_import_folder`], listed by [`import_folder_files`]). [`start`]
//! then records a long task and imports the file in the background with `cairn-import` (the
//! importer `cairn import confluence` uses: all or nothing, with its key mapping and dry run);
//! `/rest/api/longtask/{id}` reports its progress and, at the end, the import's report or why
//! nothing was imported.

use std::io;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::{Caller, Error, ErrorCode, Node};

/// What the task says in the database at most: a report is a few lines per skipped object, and
/// MySQL's TEXT holds 64 KiB. The whole report is also logged.
const MAX_TASK_MESSAGE_BYTES: usize = 60_000;

/// What an administrator does here, for refusals.
const WHAT: &str = "import a Confluence export";

/// Where an export to import is.
#[derive(Debug)]
enum ExportFile {
    /// An upload in a temporary file, deleted when this is dropped.
    Spooled(tempfile::TempPath),
    /// A file an administrator put in the import folder (or the setup wizard received there):
    /// `delete_after` says whether the import removes it when it is done.
    InFolder {
        path: std::path::PathBuf,
        delete_after: bool,
    },
}

/// An export ready to import: an upload spooled to a temporary file, or a file in the node's
/// import folder.
#[derive(Debug)]
pub struct SpooledExport {
    file: ExportFile,
    /// The name the client gave the file, for the task and messages.
    file_name: String,
    pub size_bytes: u64,
}

impl SpooledExport {
    fn path(&self) -> &std::path::Path {
        match &self.file {
            ExportFile::Spooled(path) => path,
            ExportFile::InFolder { path, .. } => path,
        }
    }

    /// The export at `path`, a file the setup wizard received: removed once imported or not.
    pub fn received_by_setup(path: std::path::PathBuf, file_name: &str) -> io::Result<Self> {
        let size_bytes = std::fs::metadata(&path)?.len();
        Ok(SpooledExport {
            file: ExportFile::InFolder {
                path,
                delete_after: true,
            },
            file_name: file_name.to_string(),
            size_bytes,
        })
    }
}

impl Drop for SpooledExport {
    fn drop(&mut self) {
        if let ExportFile::InFolder {
            path,
            delete_after: true,
        } = &self.file
            && let Err(error) = std::fs::remove_file(path)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), %error, "cannot remove an imported export");
        }
    }
}

/// Largest number of files the import folder lists.
const MAX_FOLDER_FILES: usize = 200;

/// The Confluence exports (`*.zip`) in the node's import folder, by name, with their sizes;
/// empty when the node has no folder.
pub fn import_folder_files(node: &Node) -> Vec<(String, u64)> {
    node.settings
        .import_directory
        .as_deref()
        .map(exports_in_folder)
        .unwrap_or_default()
}

/// The Confluence exports (`*.zip`) in `directory`, by name, with their sizes; empty when it does
/// not exist. Names starting with a dot (the setup wizard's uploads) are not listed.
pub fn exports_in_folder(directory: &std::path::Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    let mut files: Vec<(String, u64)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let metadata = entry.metadata().ok()?;
            (metadata.is_file() && is_export_name(&name)).then_some((name, metadata.len()))
        })
        .collect();
    files.sort();
    files.truncate(MAX_FOLDER_FILES);
    files
}

/// Whether `name` is a plain file name of an export in the folder: no directory part, no
/// leading dot, ending in `.zip`.
pub fn is_export_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
        && name.to_ascii_lowercase().ends_with(".zip")
}

/// The export `name` in the node's import folder, kept there after the import.
pub fn from_import_folder(
    node: &Node,
    caller: &Caller,
    name: &str,
) -> Result<SpooledExport, Error> {
    crate::access::require_site_administrator(caller, WHAT)?;
    let Some(directory) = &node.settings.import_directory else {
        return Err(Error::bad_request("this node has no import folder"));
    };
    if !is_export_name(name) {
        return Err(Error::bad_request(format!(
            "{name:?} is not the name of a .zip file in the import folder"
        )));
    }
    let path = directory.join(name);
    let size_bytes = match std::fs::metadata(&path) {
        Ok(metadata) if metadata.is_file() => metadata.len(),
        _ => {
            return Err(Error::bad_request(format!(
                "the import folder {} has no file {name}",
                directory.display()
            )));
        }
    };
    Ok(SpooledExport {
        file: ExportFile::InFolder {
            path,
            delete_after: false,
        },
        file_name: name.to_string(),
        size_bytes,
    })
}

/// Writes the uploaded `bytes` to a temporary file, refusing more than the node's import limit
/// (413, `request_too_large`) or an empty upload.
pub async fn spool<S>(
    node: &Node,
    caller: &Caller,
    file_name: &str,
    bytes: S,
) -> Result<SpooledExport, Error>
where
    S: Stream<Item = Result<Bytes, io::Error>> + Send,
{
    crate::access::require_site_administrator(caller, WHAT)?;
    let limit = node.settings.import_max_bytes;
    let (file, path) = tokio::task::spawn_blocking(tempfile::NamedTempFile::new)
        .await
        .map_err(|_| Error::internal())?
        .map_err(|error| {
            tracing::error!(%error, "cannot make a temporary file for an uploaded export");
            Error::internal()
        })?
        .into_parts();
    let mut file = tokio::fs::File::from_std(file);
    let mut size_bytes: u64 = 0;
    let mut bytes = std::pin::pin!(bytes);
    while let Some(chunk) = bytes.next().await {
        let chunk = chunk.map_err(|error| {
            Error::bad_request(format!("the upload could not be read: {error}"))
        })?;
        size_bytes += chunk.len() as u64;
        if size_bytes > limit {
            return Err(Error::new(
                ErrorCode::RequestTooLarge,
                format!(
                    "the export is larger than the import limit of {} MiB (import_max_mb)",
                    limit / (1024 * 1024)
                ),
            ));
        }
        file.write_all(&chunk).await.map_err(|error| {
            tracing::error!(%error, "cannot spool an uploaded export");
            Error::internal()
        })?;
    }
    file.flush().await.map_err(|error| {
        tracing::error!(%error, "cannot spool an uploaded export");
        Error::internal()
    })?;
    if size_bytes == 0 {
        return Err(Error::bad_request("the upload holds no file"));
    }
    let file_name = file_name.trim();
    Ok(SpooledExport {
        file: ExportFile::Spooled(path),
        file_name: if file_name.is_empty() {
            "export.zip".to_string()
        } else {
            file_name
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect()
        },
        size_bytes,
    })
}

/// How to import an export, as an administrator asks: the importer's space key mapping and dry
/// run.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// `OLD=NEW` mappings, checked by [`start`].
    pub space_key_map: Vec<String>,
    pub dry_run: bool,
}

/// Starts importing `export` as a long task and answers the task's id at once.
pub async fn start(
    node: &Node,
    caller: &Caller,
    export: SpooledExport,
    request: &ImportRequest,
) -> Result<i64, Error> {
    crate::access::require_site_administrator(caller, WHAT)?;
    let mut options = cairn_import::ImportOptions {
        dry_run: request.dry_run,
        ..cairn_import::ImportOptions::default()
    };
    for mapping in &request.space_key_map {
        options
            .add_key_mapping(mapping)
            .map_err(|error| Error::bad_request(error.to_string()))?;
    }
    let task = node
        .store
        .start_task(
            &format!(
                "Import {}{}",
                export.file_name,
                if request.dry_run { " (dry run)" } else { "" }
            ),
            caller.user.id,
            &node.cluster.node_id,
            now_ms(),
        )
        .await?;
    audit::record(
        node,
        caller,
        Event::new(
            category::SPACES,
            "Confluence export import started",
            object::SPACE,
            export.file_name.clone(),
        )
        .with_id(task),
    )
    .await;
    // The import owns itself: it runs to its end whatever happens to the request. If the process
    // dies first, its transaction was never committed (nothing was imported), the bytes it had
    // stored are the blob sweeper's, and the task stays `running`.
    tokio::spawn(run(node.clone(), task, export, options));
    Ok(task)
}

/// How often a running import's progress is written to its task row.
const PROGRESS_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

async fn run(node: Node, task: i64, export: SpooledExport, options: cairn_import::ImportOptions) {
    // The importer reports every step; the latest is written to the task once a second, so a
    // large import costs the database a write a second, not one per object.
    let (latest, mut watched) = tokio::sync::watch::channel(None::<cairn_import::ImportProgress>);
    let sink = cairn_import::ProgressSink::new(move |progress| {
        latest.send_replace(Some(progress));
    });
    let store = node.store.clone();
    let file_name = export.file_name.clone();
    let recorder = tokio::spawn(async move {
        loop {
            tokio::time::sleep(PROGRESS_INTERVAL).await;
            if watched.changed().await.is_err() {
                return;
            }
            let Some(progress) = *watched.borrow_and_update() else {
                continue;
            };
            let message = format!("{file_name}: {}", progress.describe());
            // Whole percent, at least 1 once started: 0 reads as "not begun".
            let percent = (progress.percent() as i32).clamp(1, 99);
            if let Err(error) = store.set_task_progress(task, percent, &message).await {
                tracing::warn!(task, %error, "cannot record an import's progress");
            }
        }
    });
    let options = cairn_import::ImportOptions {
        progress: sink.clone(),
        ..options
    };
    let outcome = async {
        let mut read = cairn_import::Export::read_reporting(export.path(), &sink).await?;
        cairn_import::import(&node.store, &node.blobs, &mut read, &options).await
    }
    .await;
    // The sink's sender goes with the options and the sink: the recorder sees the channel
    // close and ends; waiting for it keeps its last write from landing after the final one.
    drop(options);
    drop(sink);
    let _ = recorder.await;
    let (succeeded, message) = match outcome {
        Ok(report) => {
            tracing::info!(task, file = %export.file_name, "Confluence export imported:\n{report}");
            (true, report.to_string())
        }
        Err(error) => (false, failure_message(&error, &export)),
    };
    let message = bounded(message);
    if let Err(error) = node
        .store
        .finish_task(task, succeeded, &message, now_ms())
        .await
    {
        tracing::error!(task, %error, "cannot record the end of an import");
    }
    drop(export);
}

/// Why nothing was imported, for the administrator: what is wrong with the export, or (for a
/// failure of the server) that the log says more.
fn failure_message(error: &cairn_import::ImportError, export: &SpooledExport) -> String {
    use cairn_import::ImportError as Failure;
    match error {
        Failure::Spill(_)
        | Failure::SpillDecode(_)
        | Failure::TempDir(_)
        | Failure::Store(_)
        | Failure::Blob(_)
        | Failure::ReaderGone => {
            tracing::error!(file = %export.file_name, %error, "a Confluence import failed");
            format!(
                "{} was not imported: the server failed (its log says why); nothing was changed",
                export.file_name
            )
        }
        _ => {
            let spooled = export.path().to_string_lossy();
            format!(
                "{} was not imported, nothing was changed: {}",
                export.file_name,
                error
                    .to_string()
                    .replace(spooled.as_ref(), &export.file_name)
            )
        }
    }
}

/// `message` cut to what the task row holds, at a character boundary.
fn bounded(mut message: String) -> String {
    if message.len() <= MAX_TASK_MESSAGE_BYTES {
        return message;
    }
    let mut end = MAX_TASK_MESSAGE_BYTES;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    message.push_str("\n… (cut; the node's log holds the whole report)");
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_TASK_MESSAGE_BYTES);
        let cut = bounded(long);
        assert!(cut.len() <= MAX_TASK_MESSAGE_BYTES + 64);
        assert!(cut.ends_with("whole report)"));
        assert_eq!(bounded("short".into()), "short");
    }
}
