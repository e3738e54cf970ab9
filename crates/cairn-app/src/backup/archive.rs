//! The zip file of a backup, written and read on blocking threads: the async side sends or
//! receives chunks over bounded channels, so neither a table nor a blob is ever whole in memory,
//! and compression and file IO stay off the async workers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::{
    BLOB_INDEX_ENTRY, BackupError, BlobEntry, FORMAT, FORMAT_VERSION, MANIFEST_ENTRY,
    MAX_BLOB_BYTES, MAX_MANIFEST_BYTES, MAX_ROW_BYTES, Manifest, blob_entry_name, columns_of, hex,
    row_from_json, table_entry_name,
};

/// Chunks in flight between the async side and an archive thread.
const CHANNEL_CHUNKS: usize = 8;
/// Bytes per chunk an entry reader sends.
const READ_CHUNK_BYTES: usize = 256 * 1024;
/// Entries of 4 GiB and more need zip64 headers; rows' sizes are not known in advance.
const ZIP64_THRESHOLD: u64 = u32::MAX as u64;

enum Command {
    /// Starts an entry; what follows is its data until the next `Start`.
    Start {
        name: String,
        compressed: bool,
        size_hint: Option<u64>,
    },
    Data(Bytes),
}

/// Writes the archive on a blocking thread. Entries are written one after the other.
pub(super) struct ArchiveWriter {
    sender: Option<mpsc::Sender<Command>>,
    thread: Option<tokio::task::JoinHandle<Result<(), String>>>,
}

impl ArchiveWriter {
    /// Starts writing a zip file into `file`.
    pub(super) fn create(file: std::fs::File) -> ArchiveWriter {
        let (sender, mut receiver) = mpsc::channel::<Command>(CHANNEL_CHUNKS);
        let thread = tokio::task::spawn_blocking(move || -> Result<(), String> {
            let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
            while let Some(command) = receiver.blocking_recv() {
                match command {
                    Command::Start {
                        name,
                        compressed,
                        size_hint,
                    } => {
                        let method = if compressed {
                            CompressionMethod::Deflated
                        } else {
                            CompressionMethod::Stored
                        };
                        let large = size_hint.is_none_or(|size| size >= ZIP64_THRESHOLD);
                        let options = SimpleFileOptions::default()
                            .compression_method(method)
                            .large_file(large);
                        zip.start_file(name, options)
                            .map_err(|error| error.to_string())?;
                    }
                    Command::Data(bytes) => {
                        zip.write_all(&bytes).map_err(|error| error.to_string())?;
                    }
                }
            }
            let buffered = zip.finish().map_err(|error| error.to_string())?;
            let file = buffered
                .into_inner()
                .map_err(|error| error.error().to_string())?;
            file.sync_all().map_err(|error| error.to_string())
        });
        ArchiveWriter {
            sender: Some(sender),
            thread: Some(thread),
        }
    }

    async fn send(&mut self, command: Command) -> Result<(), BackupError> {
        let sent = match &self.sender {
            Some(sender) => sender.send(command).await.is_ok(),
            None => false,
        };
        if sent {
            return Ok(());
        }
        // The thread stopped: its own error says why.
        Err(self.stopped().await)
    }

    async fn stopped(&mut self) -> BackupError {
        self.sender = None;
        match self.thread.take() {
            Some(thread) => match thread.await {
                Ok(Err(error)) => BackupError::ArchiveWriter(error),
                Ok(Ok(())) => BackupError::ArchiveWriter("it finished early".into()),
                Err(error) => BackupError::ArchiveWriter(error.to_string()),
            },
            None => BackupError::ArchiveWriter("it is closed".into()),
        }
    }

    /// Starts the entry `name`: deflated, or stored as it is (blobs, often compressed already).
    pub(super) async fn start(
        &mut self,
        name: String,
        compressed: bool,
        size_hint: Option<u64>,
    ) -> Result<(), BackupError> {
        self.send(Command::Start {
            name,
            compressed,
            size_hint,
        })
        .await
    }

    pub(super) async fn write(&mut self, bytes: Bytes) -> Result<(), BackupError> {
        self.send(Command::Data(bytes)).await
    }

    /// Writes the central directory and syncs the file.
    pub(super) async fn finish(mut self) -> Result<(), BackupError> {
        self.sender = None;
        match self.thread.take() {
            Some(thread) => match thread.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(BackupError::ArchiveWriter(error)),
                Err(error) => Err(BackupError::ArchiveWriter(error.to_string())),
            },
            None => Err(BackupError::ArchiveWriter("it is closed".into())),
        }
    }
}

/// Reads the entry `name` of the zip at `path` on a blocking thread and sends its bytes in
/// chunks; at most `max_bytes`, and the zip's CRC is checked at its end (an error is sent).
pub(super) fn read_entry(
    path: PathBuf,
    name: String,
    max_bytes: u64,
) -> mpsc::Receiver<Result<Bytes, std::io::Error>> {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let outcome = (|| -> Result<(), std::io::Error> {
            let file = std::fs::File::open(&path)?;
            let mut zip = zip::ZipArchive::new(file).map_err(std::io::Error::other)?;
            let entry = zip.by_name(&name).map_err(std::io::Error::other)?;
            let mut limited = entry.take(max_bytes.saturating_add(1));
            let mut total: u64 = 0;
            loop {
                let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
                let read = limited.read(&mut buffer)?;
                if read == 0 {
                    return Ok(());
                }
                total += read as u64;
                if total > max_bytes {
                    return Err(std::io::Error::other(format!(
                        "{name} is larger than {max_bytes} bytes"
                    )));
                }
                buffer.truncate(read);
                if sender.blocking_send(Ok(Bytes::from(buffer))).is_err() {
                    // The reader went away; nothing more to do.
                    return Ok(());
                }
            }
        })();
        if let Err(error) = outcome {
            let _ = sender.blocking_send(Err(error));
        }
    });
    receiver
}

/// What [`read_blobs`] sends: each blob's index entry, then its bytes in chunks, then `End`.
pub(super) enum BlobMessage {
    Start(BlobEntry),
    Chunk(Bytes),
    End,
    Failed(String),
}

/// Reads every blob of the archive at `path` in the order of its index (`blobs.jsonl`, at most
/// `index_bytes`) on one blocking thread, which opens the archive once: the central directory of
/// an archive with many blobs is too large to read again for each.
pub(super) fn read_blobs(path: PathBuf, index_bytes: u64) -> mpsc::Receiver<BlobMessage> {
    let (sender, receiver) = mpsc::channel(CHANNEL_CHUNKS);
    tokio::task::spawn_blocking(move || {
        let outcome = (|| -> Result<(), String> {
            let open = || -> Result<zip::ZipArchive<std::fs::File>, String> {
                let file = std::fs::File::open(&path).map_err(|error| error.to_string())?;
                zip::ZipArchive::new(file).map_err(|error| error.to_string())
            };
            let mut index_zip = open()?;
            let mut blob_zip = open()?;
            let index = index_zip
                .by_name(BLOB_INDEX_ENTRY)
                .map_err(|error| format!("{BLOB_INDEX_ENTRY}: {error}"))?;
            let mut index = BufReader::new(index.take(index_bytes));
            let mut line = Vec::new();
            loop {
                line.clear();
                let read = (&mut index)
                    .take(MAX_INDEX_LINE_BYTES)
                    .read_until(b'\n', &mut line)
                    .map_err(|error| format!("{BLOB_INDEX_ENTRY}: {error}"))?;
                if read == 0 {
                    return Ok(());
                }
                if line.last() != Some(&b'\n') {
                    return Err(format!("{BLOB_INDEX_ENTRY} is cut off"));
                }
                let entry: BlobEntry = serde_json::from_slice(&line[..line.len() - 1])
                    .map_err(|error| format!("{BLOB_INDEX_ENTRY}: {error}"))?;
                let name = blob_entry_name(&entry.key);
                let expected = entry.bytes;
                if sender.blocking_send(BlobMessage::Start(entry)).is_err() {
                    return Ok(());
                }
                let blob = blob_zip
                    .by_name(&name)
                    .map_err(|error| format!("{name}: {error}"))?;
                let mut limited = blob.take(expected.saturating_add(1));
                let mut total: u64 = 0;
                loop {
                    let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
                    let read = limited
                        .read(&mut buffer)
                        .map_err(|error| format!("{name}: {error}"))?;
                    if read == 0 {
                        break;
                    }
                    total += read as u64;
                    buffer.truncate(read);
                    if sender
                        .blocking_send(BlobMessage::Chunk(Bytes::from(buffer)))
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                if total != expected {
                    return Err(format!("{name} does not have the size its index says"));
                }
                if sender.blocking_send(BlobMessage::End).is_err() {
                    return Ok(());
                }
            }
        })();
        if let Err(reason) = outcome {
            let _ = sender.blocking_send(BlobMessage::Failed(reason));
        }
    });
    receiver
}

/// The longest line of `blobs.jsonl` (a key is at most 512 bytes).
const MAX_INDEX_LINE_BYTES: u64 = 64 * 1024;

/// Splits a stream of chunks into lines (without their `\n`), none longer than `MAX_ROW_BYTES`.
pub(super) struct LineReader {
    chunks: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
    finished: bool,
}

impl LineReader {
    pub(super) fn new(chunks: mpsc::Receiver<Result<Bytes, std::io::Error>>) -> LineReader {
        LineReader {
            chunks,
            buffer: Vec::new(),
            finished: false,
        }
    }

    /// The next line, or `None` at the end.
    pub(super) async fn next_line(&mut self) -> Result<Option<Vec<u8>>, String> {
        loop {
            if let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let rest = self.buffer.split_off(end + 1);
                let mut line = std::mem::replace(&mut self.buffer, rest);
                line.pop();
                return Ok(Some(line));
            }
            if self.buffer.len() > MAX_ROW_BYTES {
                return Err(format!("a line is longer than {MAX_ROW_BYTES} bytes"));
            }
            if self.finished {
                if self.buffer.is_empty() {
                    return Ok(None);
                }
                return Err("the last line is cut off".into());
            }
            match self.chunks.recv().await {
                Some(Ok(chunk)) => self.buffer.extend_from_slice(&chunk),
                Some(Err(error)) => return Err(error.to_string()),
                None => self.finished = true,
            }
        }
    }
}

/// Reads and checks the whole archive at `path` before anything is restored: the manifest, every
/// table's rows (count, SHA-256, each row against its columns) and every blob (size, SHA-256).
/// Runs on a blocking thread. Returns the manifest.
pub(super) async fn verify(path: &Path) -> Result<Manifest, BackupError> {
    let owned = path.to_path_buf();
    let checked = tokio::task::spawn_blocking(move || verify_blocking(&owned)).await;
    match checked {
        Ok(outcome) => outcome,
        Err(error) => Err(BackupError::Damaged {
            path: path.to_path_buf(),
            reason: format!("the check stopped: {error}"),
        }),
    }
}

fn verify_blocking(path: &Path) -> Result<Manifest, BackupError> {
    let damaged = |reason: String| BackupError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let foreign = |reason: String| BackupError::Foreign {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|source| BackupError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|error| foreign(format!("it is not a complete zip file ({error})")))?;
    let manifest = read_manifest(&mut zip).map_err(foreign)?;

    // Every entry is one the manifest accounts for, so a file cannot smuggle in more.
    let expected_entries = manifest.tables.len() as u64 + manifest.blobs.count + 2;
    if zip.len() as u64 != expected_entries {
        return Err(damaged(format!(
            "it has {} entries, the manifest accounts for {expected_entries}",
            zip.len()
        )));
    }

    for table in &manifest.tables {
        let columns = columns_of(table).map_err(&damaged)?;
        let name = table_entry_name(&table.name);
        let entry = zip
            .by_name(&name)
            .map_err(|error| damaged(format!("{name}: {error}")))?;
        if entry.size() != table.bytes {
            return Err(damaged(format!(
                "{name} holds {} bytes, the manifest says {}",
                entry.size(),
                table.bytes
            )));
        }
        let mut hasher = Sha256::new();
        let mut rows: u64 = 0;
        let mut bytes: u64 = 0;
        let mut reader = BufReader::new(entry);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut reader)
                .take(MAX_ROW_BYTES as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|error| damaged(format!("{name}: {error}")))?;
            if read == 0 {
                break;
            }
            if line.last() != Some(&b'\n') {
                return Err(damaged(format!(
                    "{name}: a row is cut off or longer than {MAX_ROW_BYTES} bytes"
                )));
            }
            hasher.update(&line);
            bytes += line.len() as u64;
            // The zip's sizes are the file's word: never inflate past what the manifest says.
            if bytes > table.bytes || rows >= table.rows {
                return Err(damaged(format!("{name} does not match the manifest")));
            }
            row_from_json(&line[..line.len() - 1], &columns)
                .map_err(|reason| damaged(format!("{name}, row {}: {reason}", rows + 1)))?;
            rows += 1;
        }
        if rows != table.rows || bytes != table.bytes || hex(&hasher.finalize()) != table.sha256 {
            return Err(damaged(format!(
                "{name} does not match the manifest ({rows} rows read, {} expected)",
                table.rows
            )));
        }
    }

    // The index first (small lines), then each blob it names.
    let mut blobs: Vec<BlobEntry> = Vec::new();
    {
        let entry = zip
            .by_name(BLOB_INDEX_ENTRY)
            .map_err(|error| damaged(format!("{BLOB_INDEX_ENTRY}: {error}")))?;
        let mut hasher = Sha256::new();
        let mut bytes: u64 = 0;
        let mut reader = BufReader::new(entry);
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = (&mut reader)
                .take(MAX_INDEX_LINE_BYTES)
                .read_until(b'\n', &mut line)
                .map_err(|error| damaged(format!("{BLOB_INDEX_ENTRY}: {error}")))?;
            if read == 0 {
                break;
            }
            if line.last() != Some(&b'\n') || blobs.len() as u64 >= manifest.blobs.count {
                return Err(damaged(format!(
                    "{BLOB_INDEX_ENTRY} does not match the manifest"
                )));
            }
            hasher.update(&line);
            bytes += line.len() as u64;
            let blob: BlobEntry = serde_json::from_slice(&line[..line.len() - 1])
                .map_err(|error| damaged(format!("{BLOB_INDEX_ENTRY}: {error}")))?;
            cairn_blob::BlobKey::new(blob.key.clone())
                .map_err(|error| damaged(format!("{BLOB_INDEX_ENTRY}: {error}")))?;
            if blob.bytes > MAX_BLOB_BYTES {
                return Err(damaged(format!("blob {} is too large", blob.key)));
            }
            blobs.push(blob);
        }
        if blobs.len() as u64 != manifest.blobs.count
            || bytes != manifest.blobs.index_bytes
            || hex(&hasher.finalize()) != manifest.blobs.index_sha256
        {
            return Err(damaged(format!(
                "{BLOB_INDEX_ENTRY} does not match the manifest"
            )));
        }
    }
    let mut total_bytes: u64 = 0;
    for blob in &blobs {
        let name = blob_entry_name(&blob.key);
        let entry = zip
            .by_name(&name)
            .map_err(|error| damaged(format!("{name}: {error}")))?;
        let mut hasher = Sha256::new();
        let mut limited = entry.take(blob.bytes.saturating_add(1));
        let mut size: u64 = 0;
        let mut buffer = vec![0_u8; READ_CHUNK_BYTES];
        loop {
            let read = limited
                .read(&mut buffer)
                .map_err(|error| damaged(format!("{name}: {error}")))?;
            if read == 0 {
                break;
            }
            size += read as u64;
            hasher.update(&buffer[..read]);
        }
        if size != blob.bytes || hex(&hasher.finalize()) != blob.sha256 {
            return Err(damaged(format!("{name} does not match its checksum")));
        }
        total_bytes += size;
    }
    if total_bytes != manifest.blobs.bytes {
        return Err(damaged(
            "the blobs do not add up to the manifest's bytes".into(),
        ));
    }
    Ok(manifest)
}

fn read_manifest(zip: &mut zip::ZipArchive<std::fs::File>) -> Result<Manifest, String> {
    let entry = zip
        .by_name(MANIFEST_ENTRY)
        .map_err(|_| format!("it has no {MANIFEST_ENTRY}"))?;
    let mut text = Vec::new();
    entry
        .take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|error| format!("{MANIFEST_ENTRY}: {error}"))?;
    if text.len() as u64 > MAX_MANIFEST_BYTES {
        return Err(format!("{MANIFEST_ENTRY} is too large"));
    }
    let value: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|error| format!("{MANIFEST_ENTRY} is not JSON: {error}"))?;
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
        return Err(format!("{MANIFEST_ENTRY} does not say {FORMAT:?}"));
    }
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|error| format!("{MANIFEST_ENTRY} is not understood: {error}"))?;
    if manifest.format_version != FORMAT_VERSION {
        return Err(format!(
            "it is format version {}, this release reads {FORMAT_VERSION}",
            manifest.format_version
        ));
    }
    let mut seen = HashMap::new();
    for table in &manifest.tables {
        if seen.insert(table.name.clone(), ()).is_some() {
            return Err(format!("table {} is listed twice", table.name));
        }
    }
    Ok(manifest)
}
