//! Restoring a backup: check the whole file, migrate, copy the blobs, then every row in one
//! transaction. On any failure the transaction rolls back and the blobs this restore wrote are
//! deleted, so the target is left as it was.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobStore};
use cairn_store::{BACKUP_TABLES, Cell, Column, Restoring, Store, TablePolicy};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use super::archive::{BlobMessage, LineReader, read_blobs, read_entry, verify};
use super::{
    BYTES_PER_INSERT, BackupError, BlobEntry, Manifest, Progress, ProgressSink, ROWS_PER_INSERT,
    ROWS_PER_REPORT, columns_of, row_from_json, table_entry_name,
};

/// How to restore.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreOptions {
    /// Replace a site already in the target database: every backed-up table is emptied first (in
    /// the restore's transaction). Without it, a database holding a site is refused.
    pub replace: bool,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub manifest: Manifest,
    /// Blobs written into the blob store.
    pub blobs_written: u64,
    /// Blobs the blob store held already, with the same size (keys are never reused).
    pub blobs_present: u64,
    /// Search index snapshots removed from the blob store (they describe another database).
    pub search_snapshots_removed: usize,
}

/// Restores the backup at `source` into `store` and `blobs`. Run it while no node uses them.
pub async fn restore(
    store: &Store,
    blobs: &BlobStore,
    source: &Path,
    options: RestoreOptions,
    progress: ProgressSink<'_>,
) -> Result<RestoreSummary, BackupError> {
    progress(Progress::Step("checking the backup file"));
    let manifest = verify(source).await?;
    let damaged = |reason: String| BackupError::Damaged {
        path: source.to_path_buf(),
        reason,
    };
    for table in &manifest.tables {
        let known = cairn_store::backup_table(&table.name)
            .is_some_and(|known| known.policy == TablePolicy::Copy);
        if !known {
            return Err(damaged(format!(
                "it holds table {}, which is not backed up",
                table.name
            )));
        }
    }
    let expected: Vec<i64> = store
        .dialect()
        .migrator()
        .iter()
        .map(|migration| migration.version)
        .collect();
    // A backup of an older release is restored at its own schema and then migrated forward, as
    // that release's database would be on upgrade; a newer release's is refused.
    let older = !manifest.migrations.is_empty()
        && manifest.migrations.len() < expected.len()
        && expected.starts_with(&manifest.migrations);
    if manifest.migrations != expected && !older {
        return Err(BackupError::SchemaMismatch {
            backup: manifest.schema_version(),
            backup_migrations: list(&manifest.migrations),
            expected: expected.last().copied().unwrap_or(0),
            expected_migrations: list(&expected),
            cairn_version: manifest.cairn_version.clone(),
        });
    }
    let applied = store.migration_status().await?.applied;
    if let Some(past) = applied
        .iter()
        .copied()
        .filter(|version| !manifest.migrations.contains(version))
        .max()
    {
        return Err(BackupError::TargetSchemaNewer {
            target: past,
            backup: manifest.schema_version(),
        });
    }

    if !options.replace
        && let Some((table, rows)) = store.first_table_with_site_content().await?
    {
        return Err(BackupError::TargetNotEmpty { table, rows });
    }
    progress(Progress::Step("preparing the database"));
    store
        .migrate_up_to(older.then(|| manifest.schema_version()))
        .await?;
    let existing = store.database_tables().await?;
    for table in BACKUP_TABLES {
        let listed = manifest
            .tables
            .iter()
            .any(|listed| listed.name == table.name);
        let exists = existing.iter().any(|name| name == table.name);
        if table.policy == TablePolicy::Copy && exists != listed {
            return Err(damaged(format!(
                "its table {} does not match the schema it names",
                table.name
            )));
        }
    }
    let mut tables = Vec::with_capacity(manifest.tables.len());
    for table in &manifest.tables {
        let columns = columns_of(table).map_err(&damaged)?;
        let target = store.table_columns(&table.name).await?;
        let same =
            target.len() == columns.len() && columns.iter().all(|column| target.contains(column));
        if !same {
            return Err(damaged(format!(
                "the columns of {} differ from this database's",
                table.name
            )));
        }
        tables.push((table.name.clone(), columns));
    }

    let mut written: Vec<BlobKey> = Vec::new();
    let outcome = restore_all(
        store,
        blobs,
        source,
        &manifest,
        &tables,
        &existing,
        options,
        &mut written,
        progress,
    )
    .await;
    if older && outcome.is_ok() {
        progress(Progress::Step(
            "migrating the restored site to this release's schema",
        ));
        store
            .migrate()
            .await
            .map_err(|source| BackupError::MigrateAfterRestore {
                backup: manifest.schema_version(),
                source,
            })?;
    }
    match outcome {
        Ok((blobs_present, search_snapshots_removed)) => Ok(RestoreSummary {
            blobs_written: written.len() as u64,
            blobs_present,
            search_snapshots_removed,
            manifest,
        }),
        Err(error) => {
            for key in &written {
                if let Err(delete_error) = blobs.delete(key).await {
                    tracing::warn!(key = %key, error = %delete_error, "a restored blob could not be removed after the restore failed");
                }
            }
            Err(error)
        }
    }
}

fn list(versions: &[i64]) -> String {
    versions
        .iter()
        .map(|version| format!("{version:04}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[allow(clippy::too_many_arguments)]
async fn restore_all(
    store: &Store,
    blobs: &BlobStore,
    source: &Path,
    manifest: &Manifest,
    tables: &[(String, Vec<Column>)],
    existing: &[String],
    options: RestoreOptions,
    written: &mut Vec<BlobKey>,
    progress: ProgressSink<'_>,
) -> Result<(u64, usize), BackupError> {
    let damaged = |reason: String| BackupError::Damaged {
        path: source.to_path_buf(),
        reason,
    };
    progress(Progress::Step("restoring attachment bytes"));
    let blobs_present = restore_blobs(blobs, source, manifest, written, progress).await?;

    progress(Progress::Step("restoring rows"));
    let mut transaction = store.begin_restore().await?;
    for table in BACKUP_TABLES {
        let exists = existing.iter().any(|name| name == table.name);
        if table.policy == TablePolicy::Copy
            && exists
            && (options.replace || table.seeded_by_migrations)
        {
            transaction.clear(table).await?;
        }
    }
    for table in BACKUP_TABLES {
        let Some((_, columns)) = tables.iter().find(|(name, _)| name == table.name) else {
            continue;
        };
        let listed = manifest
            .tables
            .iter()
            .find(|listed| listed.name == table.name)
            .ok_or_else(|| damaged(format!("it lacks table {}", table.name)))?;
        let mut lines = LineReader::new(read_entry(
            source.to_path_buf(),
            table_entry_name(table.name),
            listed.bytes,
        ));
        let mut batch: Vec<Vec<Cell>> = Vec::new();
        let mut batch_bytes = 0;
        let mut rows: u64 = 0;
        while let Some(line) = lines.next_line().await.map_err(&damaged)? {
            let row = row_from_json(&line, columns).map_err(&damaged)?;
            batch_bytes += line.len();
            batch.push(row);
            rows += 1;
            if rows.is_multiple_of(ROWS_PER_REPORT) {
                progress(Progress::Rows {
                    table: table.name.into(),
                    rows,
                });
            }
            if batch.len() >= ROWS_PER_INSERT || batch_bytes >= BYTES_PER_INSERT {
                insert(&mut transaction, table, columns, &mut batch).await?;
                batch_bytes = 0;
            }
        }
        insert(&mut transaction, table, columns, &mut batch).await?;
        if rows != listed.rows {
            return Err(damaged(format!(
                "{} does not match the manifest",
                table.name
            )));
        }
        progress(Progress::Table {
            name: table.name.into(),
            rows,
        });
    }
    transaction.advance_id_generators(existing).await?;
    // Snapshots of the search index describe the database they were taken from; journal
    // positions cannot tell two histories apart, so nodes must build their index anew.
    let snapshots = crate::search::snapshot::list(blobs).await?;
    for snapshot in &snapshots {
        blobs.delete(&snapshot.key).await?;
    }
    progress(Progress::Step("committing"));
    transaction.commit().await?;
    Ok((blobs_present, snapshots.len()))
}

async fn insert(
    transaction: &mut Restoring,
    table: &cairn_store::BackupTable,
    columns: &[Column],
    batch: &mut Vec<Vec<Cell>>,
) -> Result<(), BackupError> {
    transaction.insert(table, columns, batch).await?;
    batch.clear();
    Ok(())
}

/// Blobs up to this size are read whole and written several at once: each write of the blob
/// store ends with an fsync, which dominates for many small files.
const SMALL_BLOB_BYTES: u64 = 1 << 20;
/// Small blobs being written at once (at most this many times `SMALL_BLOB_BYTES` in memory).
const BLOB_WRITES_IN_FLIGHT: usize = 8;

/// What one blob write ended with: its key when the bytes were stored (even if they then failed
/// their checksum, so that they are removed with the rest), and the error, if any.
type BlobWritten = (Option<BlobKey>, Result<(), BackupError>);
type BlobWrite<'a> = Pin<Box<dyn Future<Output = BlobWritten> + Send + 'a>>;

async fn write_blob<S>(
    blobs: &BlobStore,
    source: &Path,
    key: BlobKey,
    expected: BlobEntry,
    data: S,
) -> BlobWritten
where
    S: futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send,
{
    match blobs.put_stream(&key, data, Some(expected.bytes)).await {
        Ok(stored)
            if stored.sha256_hex == expected.sha256 && stored.size_bytes == expected.bytes =>
        {
            (Some(key), Ok(()))
        }
        Ok(_) => {
            let error = BackupError::Damaged {
                path: source.to_path_buf(),
                reason: format!("blob {key} does not match its checksum"),
            };
            (Some(key), Err(error))
        }
        Err(error) => (None, Err(error.into())),
    }
}

async fn restore_blobs(
    blobs: &BlobStore,
    source: &Path,
    manifest: &Manifest,
    written: &mut Vec<BlobKey>,
    progress: ProgressSink<'_>,
) -> Result<u64, BackupError> {
    let mut in_flight: FuturesUnordered<BlobWrite<'_>> = FuturesUnordered::new();
    let outcome = copy_blobs(blobs, source, manifest, written, &mut in_flight, progress).await;
    // Whatever happened, every write started finishes and is recorded, so that a failure
    // removes every blob this restore stored.
    let mut failure = None;
    while let Some((key, result)) = in_flight.next().await {
        written.extend(key);
        if let Err(error) = result
            && failure.is_none()
        {
            failure = Some(error);
        }
    }
    match (outcome, failure) {
        (Err(error), _) | (Ok(_), Some(error)) => Err(error),
        (Ok(present), None) => Ok(present),
    }
}

async fn copy_blobs<'a>(
    blobs: &'a BlobStore,
    source: &'a Path,
    manifest: &Manifest,
    written: &mut Vec<BlobKey>,
    in_flight: &mut FuturesUnordered<BlobWrite<'a>>,
    progress: ProgressSink<'_>,
) -> Result<u64, BackupError> {
    let damaged = |reason: String| BackupError::Damaged {
        path: source.to_path_buf(),
        reason,
    };
    let mut messages = read_blobs(source.to_path_buf(), manifest.blobs.index_bytes);
    let mut present: u64 = 0;
    let mut count: u64 = 0;
    let mut bytes: u64 = 0;
    while let Some(message) = messages.recv().await {
        let entry = match message {
            BlobMessage::Start(entry) => entry,
            BlobMessage::Failed(reason) => return Err(damaged(reason)),
            BlobMessage::Chunk(_) | BlobMessage::End => {
                return Err(damaged("the blobs are out of step with their index".into()));
            }
        };
        let key = BlobKey::new(entry.key.clone())?;
        count += 1;
        bytes += entry.bytes;
        if count.is_multiple_of(100) {
            progress(Progress::Blobs { count, bytes });
        }
        match blobs.head(&key).await? {
            Some(size) if size == entry.bytes => {
                present += 1;
                blob_chunks(&mut messages, None).await.map_err(&damaged)?;
            }
            Some(_) => {
                return Err(damaged(format!(
                    "the blob store holds other bytes under {key}"
                )));
            }
            None if entry.bytes <= SMALL_BLOB_BYTES => {
                let chunks = blob_chunks(&mut messages, Some(entry.bytes))
                    .await
                    .map_err(&damaged)?;
                while in_flight.len() >= BLOB_WRITES_IN_FLIGHT {
                    if let Some((stored, result)) = in_flight.next().await {
                        written.extend(stored);
                        result?;
                    }
                }
                let data = futures_util::stream::iter(chunks.into_iter().map(Ok));
                in_flight.push(Box::pin(write_blob(blobs, source, key, entry, data)));
            }
            None => {
                let data = futures_util::stream::unfold(&mut messages, |messages| async move {
                    match messages.recv().await {
                        Some(BlobMessage::Chunk(chunk)) => Some((Ok(chunk), messages)),
                        Some(BlobMessage::End) => None,
                        Some(BlobMessage::Failed(reason)) => {
                            Some((Err(std::io::Error::other(reason)), messages))
                        }
                        Some(BlobMessage::Start(_)) | None => {
                            Some((Err(std::io::Error::other("a blob is cut off")), messages))
                        }
                    }
                });
                let (stored, result) = write_blob(blobs, source, key, entry, data).await;
                written.extend(stored);
                result?;
            }
        }
    }
    if count != manifest.blobs.count {
        return Err(damaged(format!(
            "it holds {count} blobs, the manifest says {}",
            manifest.blobs.count
        )));
    }
    progress(Progress::Blobs { count, bytes });
    Ok(present)
}

/// The bytes of the current blob: kept (at most `keep_up_to` bytes) or passed over (`None`).
async fn blob_chunks(
    messages: &mut tokio::sync::mpsc::Receiver<BlobMessage>,
    keep_up_to: Option<u64>,
) -> Result<Vec<Bytes>, String> {
    let mut kept = Vec::new();
    let mut size: u64 = 0;
    loop {
        match messages.recv().await {
            Some(BlobMessage::Chunk(chunk)) => {
                if let Some(limit) = keep_up_to {
                    size += chunk.len() as u64;
                    if size > limit {
                        return Err("a blob is larger than its index says".into());
                    }
                    kept.push(chunk);
                }
            }
            Some(BlobMessage::End) => return Ok(kept),
            Some(BlobMessage::Failed(reason)) => return Err(reason),
            Some(BlobMessage::Start(_)) | None => return Err("a blob is cut off".into()),
        }
    }
}
