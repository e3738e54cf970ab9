//! Exporting a space as a Confluence XML space export from the web
//! (`POST /rest/cairn/1/export/confluence/{spaceKey}` and the "Export space" screen), for the
//! space's administrators (SETSPACEPERMISSIONS) and site administrators.
//!
//! [`start`] records a long task and exports in the background with `cairn-import`'s exporter
//! (what `cairn export confluence` runs) into a temporary file, then stores the zip in the blob
//! store under `exports/{task}.zip`, where every node finds it; [`download`] streams it to the
//! same people once the task has succeeded.

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobRead};
use cairn_core::{Space, SpaceKey, SpacePermission};
use futures_util::stream;
use tokio::io::AsyncReadExt;

use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::{Caller, Error, ErrorCode, Node};

/// How an export task's name starts; the space key follows.
const TASK_PREFIX: &str = "Export space ";
/// Bytes read from the finished zip at once while storing it.
const CHUNK_BYTES: usize = 256 * 1024;

/// 404 unless `caller` may see `space` (site administrators may always), 403 unless they
/// administer it or the site.
async fn require_exporter(node: &Node, caller: &Caller, space: &Space) -> Result<(), Error> {
    if caller.site_administrator {
        return Ok(());
    }
    crate::access::require_space_permission(
        node,
        caller.user.id,
        space,
        SpacePermission::SetSpacePermissions,
    )
    .await
}

/// The space of `key`, when `caller` may export it (404 when they cannot see it, 403 when they
/// may see it but administer neither it nor the site).
pub async fn exportable_space(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
) -> Result<Space, Error> {
    let space = node.store.space_by_key(key).await?;
    require_exporter(node, caller, &space).await?;
    Ok(space)
}

/// Whether long task `task` is an export of the space of `key`.
pub fn is_export_of(task: &cairn_store::LongTask, key: &SpaceKey) -> bool {
    task.name == format!("{TASK_PREFIX}{key}")
}

/// The blob holding the zip of export task `task`.
fn blob_key(task: i64) -> Result<BlobKey, Error> {
    BlobKey::new(format!("exports/{task}.zip")).map_err(|error| {
        tracing::error!(task, %error, "an export's blob key is not valid");
        Error::internal()
    })
}

/// The path a finished export is downloaded from.
pub fn download_path(key: &SpaceKey, task: i64) -> String {
    format!(
        "/rest/cairn/1/export/confluence/{}/{task}",
        cairn_format::encode_path_segment(key.as_str())
    )
}

/// The file name a browser saves the export under, as Confluence names its space exports.
pub fn file_name(key: &SpaceKey) -> String {
    let safe: String = key
        .as_str()
        .chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character
            } else {
                '_'
            }
        })
        .collect();
    format!("Confluence-space-export-{safe}.xml.zip")
}

/// Starts exporting the space of `key` as a long task; answers the task's id at once.
pub async fn start(node: &Node, caller: &Caller, key: &SpaceKey) -> Result<i64, Error> {
    let space = exportable_space(node, caller, key).await?;
    let task = node
        .store
        .start_task(
            &format!("{TASK_PREFIX}{}", space.key),
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
            "Space export started",
            object::SPACE,
            space.key.to_string(),
        )
        .with_id(task),
    )
    .await;
    // The export owns itself: it runs to its end whatever happens to the request. If the process
    // dies first, the task stays `running` and no zip is stored (its temporary file goes with the
    // process's temporary directory).
    tokio::spawn(run(node.clone(), task, space));
    Ok(task)
}

async fn run(node: Node, task: i64, space: Space) {
    if let Err(error) = node
        .store
        .set_task_progress(task, 10, &format!("exporting space {}", space.key))
        .await
    {
        tracing::warn!(task, %error, "cannot record an export's progress");
    }
    let outcome = export_and_store(&node, task, &space).await;
    let (succeeded, message) = match outcome {
        Ok(summary) => (
            true,
            format!("{summary}download: {}", download_path(&space.key, task)),
        ),
        Err(message) => (false, message),
    };
    if let Err(error) = node
        .store
        .finish_task(task, succeeded, &message, now_ms())
        .await
    {
        tracing::error!(task, %error, "cannot record the end of an export");
    }
}

/// Stores the finished zip at `path` as the blob of export task `task` (shared by every export
/// that runs as a long task: the XML export here, the static HTML site in `space_site`).
pub(crate) async fn store_zip(
    node: &Node,
    task: i64,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let file = tokio::fs::File::open(path).await?;
    let chunks = stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0_u8; CHUNK_BYTES];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    let key = blob_key(task).map_err(|_| "an export's blob key is not valid")?;
    node.blobs.put_stream(&key, chunks, None).await?;
    Ok(())
}

/// Exports into a temporary file and stores it; a failure is answered as the task's message.
async fn export_and_store(
    node: &Node,
    task: i64,
    space: &Space,
) -> Result<cairn_import::ExportSummary, String> {
    let server_failed = |what: &str, error: &dyn std::fmt::Display| {
        tracing::error!(task, space = %space.key, %error, "{what}");
        format!(
            "space {} was not exported: the server failed (its log says why)",
            space.key
        )
    };
    let directory =
        tempfile::tempdir().map_err(|error| server_failed("no temporary directory", &error))?;
    let path = directory.path().join("export.zip");
    let summary = cairn_import::export_space(&node.store, &node.blobs, &space.key, &path)
        .await
        .map_err(|error| match error {
            cairn_import::ImportError::SpaceNotFound(_) => {
                format!("space {} was not exported: it no longer exists", space.key)
            }
            other => server_failed("a space export failed", &other),
        })?;
    store_zip(node, task, &path)
        .await
        .map_err(|error| server_failed("cannot store a finished export", &error))?;
    tracing::info!(task, space = %space.key, bytes = summary.zip_bytes, "space exported");
    Ok(summary)
}

/// The zip of export task `task` of the space of `key`, for the people who may export that
/// space: 404 when there is no such finished export of that space.
pub async fn download(
    node: &Node,
    caller: &Caller,
    key: &SpaceKey,
    task: i64,
) -> Result<BlobRead, Error> {
    let space = exportable_space(node, caller, key).await?;
    let not_found = || {
        Error::not_found(
            ErrorCode::TaskNotFound,
            format!("space {} has no finished export {task}", space.key),
        )
    };
    stored_zip(
        node,
        task,
        |found| is_export_of(found, &space.key),
        not_found,
    )
    .await
}

/// The stored zip of finished long task `task` when `is_wanted` says it is the export asked for;
/// `not_found` otherwise (also when the zip is gone).
pub(crate) async fn stored_zip(
    node: &Node,
    task: i64,
    is_wanted: impl Fn(&cairn_store::LongTask) -> bool,
    not_found: impl Fn() -> Error,
) -> Result<BlobRead, Error> {
    let found = node.store.find_task(task).await?.ok_or_else(&not_found)?;
    if !is_wanted(&found) || found.status != "succeeded" {
        return Err(not_found());
    }
    match node.blobs.get(&blob_key(task)?, None).await {
        Ok(read) => Ok(read),
        Err(error) if error.is_not_found() => Err(not_found()),
        Err(error) => {
            tracing::error!(task, %error, "cannot read a stored export");
            Err(Error::internal())
        }
    }
}
