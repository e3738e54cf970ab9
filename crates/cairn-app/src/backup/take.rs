//! Taking a backup: blobs, then rows, from one snapshot, into a temporary file renamed at the end.

use std::collections::HashSet;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use cairn_blob::{BlobKey, BlobStore};
use cairn_store::{BACKUP_TABLES, Cell, Snapshot, Store, TablePolicy};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::archive::ArchiveWriter;
use super::{
    BLOB_INDEX_ENTRY, BackupError, BlobEntry, BlobsManifest, ColumnManifest, FORMAT,
    FORMAT_VERSION, LeftOut, MANIFEST_ENTRY, MAX_ROW_BYTES, Manifest, Progress, ProgressSink,
    ROWS_PER_PAGE, ROWS_PER_REPORT, TableManifest, blob_entry_name, hex, row_to_json,
    table_entry_name,
};

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub manifest: Manifest,
    /// Size of the backup file.
    pub file_bytes: u64,
}

/// Row text gathered before it goes to the archive.
const WRITE_CHUNK_BYTES: usize = 1 << 20;

/// Blobs reported per progress line.
const BLOBS_PER_REPORT: u64 = 100;

/// Backs up the site in `store` and `blobs` into the zip file `destination`, consistent as of
/// one moment while nodes go on writing (see the module documentation). The file appears only
/// when complete: it is written as `<destination>.partial-<pid>` and renamed.
pub async fn create(
    store: &Store,
    blobs: &BlobStore,
    destination: &Path,
    cairn_version: &str,
    progress: ProgressSink<'_>,
) -> Result<BackupSummary, BackupError> {
    let status = store.migration_status().await?;
    if !status.is_current() {
        return Err(BackupError::SchemaNotCurrent {
            found: status.applied.last().copied().unwrap_or(0),
            expected: status.expected.last().copied().unwrap_or(0),
        });
    }
    let partial = partial_path(destination);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&partial)
        .map_err(|source| BackupError::Write {
            path: partial.clone(),
            source,
        })?;
    let outcome = write_archive(store, blobs, file, cairn_version, progress).await;
    let manifest = match outcome {
        Ok(manifest) => manifest,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, destination).map_err(|source| {
        let _ = std::fs::remove_file(&partial);
        BackupError::Write {
            path: destination.to_path_buf(),
            source,
        }
    })?;
    let file_bytes = std::fs::metadata(destination)
        .map(|metadata| metadata.len())
        .map_err(|source| BackupError::Read {
            path: destination.to_path_buf(),
            source,
        })?;
    Ok(BackupSummary {
        manifest,
        file_bytes,
    })
}

fn partial_path(destination: &Path) -> PathBuf {
    let mut name = destination.as_os_str().to_owned();
    name.push(format!(".partial-{}", std::process::id()));
    PathBuf::from(name)
}

/// Attachments and versions whose bytes vanished after the snapshot, left out of the backup.
#[derive(Default)]
struct Vanished {
    attachments: HashSet<i64>,
    versions: HashSet<(i64, i64)>,
}

async fn write_archive(
    store: &Store,
    blobs: &BlobStore,
    file: std::fs::File,
    cairn_version: &str,
    progress: ProgressSink<'_>,
) -> Result<Manifest, BackupError> {
    let mut snapshot = store.open_snapshot().await?;
    let created_ms = crate::clock::now_ms();
    let mut writer = ArchiveWriter::create(file);
    let written = write_snapshot(store, blobs, &mut snapshot, &mut writer, progress).await;
    let _ = snapshot.close().await;
    let (tables, blobs_manifest, left_out, migrations) = match written {
        Ok(parts) => parts,
        Err(error) => {
            drop(writer);
            return Err(error);
        }
    };
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        cairn_version: cairn_version.into(),
        dialect: store.dialect().name().into(),
        created_ms,
        migrations,
        tables,
        blobs: blobs_manifest,
        left_out,
    };
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| BackupError::ArchiveWriter(error.to_string()))?;
    writer.start(MANIFEST_ENTRY.into(), true, None).await?;
    writer.write(Bytes::from(text)).await?;
    writer.finish().await?;
    Ok(manifest)
}

type SnapshotParts = (Vec<TableManifest>, BlobsManifest, LeftOut, Vec<i64>);

async fn write_snapshot(
    store: &Store,
    blobs: &BlobStore,
    snapshot: &mut Snapshot,
    writer: &mut ArchiveWriter,
    progress: ProgressSink<'_>,
) -> Result<SnapshotParts, BackupError> {
    let migrations = snapshot.applied_migrations().await?;
    let existing = snapshot.tables().await?;
    for table in &existing {
        if cairn_store::backup_table(table).is_none() {
            return Err(BackupError::UnknownTable(table.clone()));
        }
    }
    for table in BACKUP_TABLES {
        if !existing.iter().any(|name| name == table.name) {
            return Err(BackupError::MissingTable(table.name.into()));
        }
    }

    progress(Progress::Step("copying attachment bytes"));
    let (blobs_manifest, vanished) = write_blobs(store, blobs, snapshot, writer, progress).await?;
    let left_out = LeftOut {
        attachments: vanished.attachments.len() as u64,
        attachment_versions: vanished.versions.len() as u64,
    };

    progress(Progress::Step("copying rows"));
    let mut tables = Vec::new();
    for table in BACKUP_TABLES {
        if table.policy != TablePolicy::Copy {
            continue;
        }
        let columns = snapshot.columns(table.name).await?;
        let key_positions: Vec<usize> = table
            .key
            .iter()
            .map(|key| {
                columns
                    .iter()
                    .position(|column| column.name == *key)
                    .ok_or_else(|| BackupError::MissingTable(format!("{}.{key}", table.name)))
            })
            .collect::<Result<_, _>>()?;
        let attachment_position = table
            .attachment_column
            .and_then(|name| columns.iter().position(|column| column.name == name));
        let number_position = columns.iter().position(|column| column.name == "number");
        writer
            .start(table_entry_name(table.name), true, None)
            .await?;
        let mut hasher = Sha256::new();
        let mut rows: u64 = 0;
        let mut bytes: u64 = 0;
        let mut after: Option<Vec<Cell>> = None;
        loop {
            let mut page_rows = 0;
            let mut last_key = None;
            let rows_before = rows;
            let mut text = String::new();
            let mut page = snapshot.rows_after(table, &columns, after.as_deref(), ROWS_PER_PAGE)?;
            while let Some(row) = page.next().await {
                let row = row?;
                page_rows += 1;
                last_key = Some(
                    key_positions
                        .iter()
                        .map(|at| row[*at].clone())
                        .collect::<Vec<_>>(),
                );
                if is_left_out(&row, attachment_position, number_position, &vanished) {
                    continue;
                }
                let line = row_to_json(&row);
                if line.len() >= MAX_ROW_BYTES {
                    return Err(BackupError::RowTooLarge {
                        table: table.name.into(),
                        limit: MAX_ROW_BYTES,
                    });
                }
                text.push_str(&line);
                text.push('\n');
                rows += 1;
                if text.len() >= WRITE_CHUNK_BYTES {
                    hasher.update(text.as_bytes());
                    bytes += text.len() as u64;
                    writer.write(Bytes::from(std::mem::take(&mut text))).await?;
                }
            }
            drop(page);
            hasher.update(text.as_bytes());
            bytes += text.len() as u64;
            writer.write(Bytes::from(text)).await?;
            if rows / ROWS_PER_REPORT > rows_before / ROWS_PER_REPORT {
                progress(Progress::Rows {
                    table: table.name.into(),
                    rows,
                });
            }
            if page_rows < ROWS_PER_PAGE {
                break;
            }
            after = last_key;
        }
        progress(Progress::Table {
            name: table.name.into(),
            rows,
        });
        tables.push(TableManifest {
            name: table.name.into(),
            columns: columns
                .iter()
                .map(|column| ColumnManifest {
                    name: column.name.clone(),
                    kind: column.kind.name().into(),
                })
                .collect(),
            rows,
            bytes,
            sha256: hex(&hasher.finalize()),
        });
    }
    Ok((tables, blobs_manifest, left_out, migrations))
}

/// A row that goes with an attachment (or version) whose bytes vanished during the backup.
fn is_left_out(
    row: &[Cell],
    attachment_position: Option<usize>,
    number_position: Option<usize>,
    vanished: &Vanished,
) -> bool {
    let Some(Cell::Integer(attachment_id)) = attachment_position.map(|at| &row[at]) else {
        return false;
    };
    if vanished.attachments.contains(attachment_id) {
        return true;
    }
    match number_position.map(|at| &row[at]) {
        Some(Cell::Integer(number)) => vanished.versions.contains(&(*attachment_id, *number)),
        _ => false,
    }
}

/// Copies the bytes of every attachment version in the snapshot into `blobs/<key>` entries, and
/// their index into `blobs.jsonl`; the index is spilled to a temporary file meanwhile, since the
/// archive is written one entry at a time.
async fn write_blobs(
    store: &Store,
    blobs: &BlobStore,
    snapshot: &mut Snapshot,
    writer: &mut ArchiveWriter,
    progress: ProgressSink<'_>,
) -> Result<(BlobsManifest, Vanished), BackupError> {
    let spill_error = |source: std::io::Error| BackupError::Write {
        path: std::env::temp_dir(),
        source,
    };
    let mut index = tempfile::tempfile().map_err(spill_error)?;
    let mut vanished = Vanished::default();
    let mut manifest = BlobsManifest::default();
    let mut index_hasher = Sha256::new();
    let mut after = None;
    loop {
        let page = snapshot
            .attachment_blobs_after(after, ROWS_PER_PAGE)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some((last.attachment_id, last.number));
        for version in &page {
            // Every version has bytes of its own (keys are never shared or reused), so each
            // key is one entry.
            let key = BlobKey::new(version.blob_key.clone())?;
            let read = match blobs.get(&key, None).await {
                Ok(read) => read,
                Err(error) if error.is_not_found() => {
                    if store.blob_key_is_referenced(key.as_str()).await? {
                        return Err(BackupError::BlobMissing {
                            attachment_id: version.attachment_id,
                            number: version.number,
                            key: key.as_str().into(),
                        });
                    }
                    // Deleted after the snapshot, with its rows: leave them out too.
                    if version
                        .current_version
                        .is_none_or(|current| current == version.number)
                    {
                        vanished.attachments.insert(version.attachment_id);
                    } else {
                        vanished
                            .versions
                            .insert((version.attachment_id, version.number));
                    }
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            writer
                .start(blob_entry_name(key.as_str()), false, Some(read.size_bytes))
                .await?;
            let mut hasher = Sha256::new();
            let mut size: u64 = 0;
            let mut stream = read.stream;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                writer.write(chunk).await?;
            }
            let entry = BlobEntry {
                key: key.as_str().into(),
                bytes: size,
                sha256: hex(&hasher.finalize()),
            };
            let mut line = serde_json::to_vec(&entry)
                .map_err(|error| BackupError::ArchiveWriter(error.to_string()))?;
            line.push(b'\n');
            index_hasher.update(&line);
            index.write_all(&line).map_err(spill_error)?;
            manifest.count += 1;
            manifest.bytes += size;
            manifest.index_bytes += line.len() as u64;
            if manifest.count.is_multiple_of(BLOBS_PER_REPORT) {
                progress(Progress::Blobs {
                    count: manifest.count,
                    bytes: manifest.bytes,
                });
            }
        }
        if page.len() < ROWS_PER_PAGE {
            break;
        }
    }
    progress(Progress::Blobs {
        count: manifest.count,
        bytes: manifest.bytes,
    });
    manifest.index_sha256 = hex(&index_hasher.finalize());

    writer.start(BLOB_INDEX_ENTRY.into(), true, None).await?;
    index
        .seek(std::io::SeekFrom::Start(0))
        .map_err(spill_error)?;
    let mut buffer = vec![0_u8; 256 * 1024];
    loop {
        let read = index.read(&mut buffer).map_err(spill_error)?;
        if read == 0 {
            break;
        }
        writer
            .write(Bytes::copy_from_slice(&buffer[..read]))
            .await?;
    }
    Ok((manifest, vanished))
}
