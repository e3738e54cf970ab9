//! Restoring a backup: check the whole file, migrate, copy the blobs, then every row in one
//! transaction. On any failure the transaction rolls back and the blobs this restore wrote are
//! deleted, so the target is left as it was.

use std::path::Path;

use cairn_blob::{BlobKey, BlobStore};
use cairn_store::{BACKUP_TABLES, Cell, Column, Restoring, Store, TablePolicy};

use super::archive::{BlobMessage, LineReader, read_blobs, read_entry, verify};
use super::{
    BYTES_PER_INSERT, BackupError, Manifest, Progress, ProgressSink, ROWS_PER_INSERT,
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
    if manifest.migrations != expected {
        return Err(BackupError::SchemaMismatch {
            backup: manifest.schema_version(),
            backup_migrations: list(&manifest.migrations),
            expected: expected.last().copied().unwrap_or(0),
            expected_migrations: list(&expected),
            cairn_version: manifest.cairn_version.clone(),
        });
    }
    for table in BACKUP_TABLES {
        let listed = manifest
            .tables
            .iter()
            .any(|listed| listed.name == table.name);
        if table.policy == TablePolicy::Copy && !listed {
            return Err(damaged(format!("it lacks table {}", table.name)));
        }
    }

    if !options.replace
        && let Some((table, rows)) = store.first_table_with_site_content().await?
    {
        return Err(BackupError::TargetNotEmpty { table, rows });
    }
    progress(Progress::Step("preparing the database"));
    store.migrate().await?;
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
        options,
        &mut written,
        progress,
    )
    .await;
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
        if table.policy == TablePolicy::Copy && (options.replace || table.seeded_by_migrations) {
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
    transaction.advance_id_generators().await?;
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

async fn restore_blobs(
    blobs: &BlobStore,
    source: &Path,
    manifest: &Manifest,
    written: &mut Vec<BlobKey>,
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
        match blobs.head(&key).await? {
            Some(size) if size == entry.bytes => {
                present += 1;
                skip_blob(&mut messages).await.map_err(&damaged)?;
            }
            Some(_) => {
                return Err(damaged(format!(
                    "the blob store holds other bytes under {key}"
                )));
            }
            None => {
                let stream = futures_util::stream::unfold(&mut messages, |messages| async move {
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
                let stored = blobs.put_stream(&key, stream, Some(entry.bytes)).await?;
                written.push(key.clone());
                if stored.sha256_hex != entry.sha256 || stored.size_bytes != entry.bytes {
                    return Err(damaged(format!("blob {key} does not match its checksum")));
                }
            }
        }
        count += 1;
        bytes += entry.bytes;
        if count.is_multiple_of(100) {
            progress(Progress::Blobs { count, bytes });
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

/// Passes over the bytes of a blob the blob store holds already.
async fn skip_blob(messages: &mut tokio::sync::mpsc::Receiver<BlobMessage>) -> Result<(), String> {
    loop {
        match messages.recv().await {
            Some(BlobMessage::Chunk(_)) => {}
            Some(BlobMessage::End) => return Ok(()),
            Some(BlobMessage::Failed(reason)) => return Err(reason),
            Some(BlobMessage::Start(_)) | None => return Err("a blob is cut off".into()),
        }
    }
}
