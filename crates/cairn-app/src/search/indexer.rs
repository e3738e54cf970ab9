//! Keeps this node's index current: prepares it at start, then applies the cluster journal.
//!
//! Preparing, in order of preference: the local index, if its journal position can still be
//! replayed (nothing above it was pruned); else the newest usable snapshot in the blob store; else
//! a rebuild from the database. Then the indexer tails the journal with its own cursor from the
//! index's position: every content change re-reads the content from the database and rewrites its
//! document (applying an entry twice is harmless, so replay may overlap what the index holds).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use cairn_core::{ContentId, SearchDocument, SpaceId};
use cairn_search::index::SearchIndex;
use cairn_store::{ChangeKind, JournalCursor, JournalEntry, ParentMap, SearchSource};
use tokio_util::sync::CancellationToken;

use super::{IndexState, SearchService, snapshot};
use crate::Node;

/// Content read per batch while rebuilding.
const REBUILD_BATCH: i64 = 500;
/// Longest the index goes without a commit while only the position moves.
const IDLE_COMMIT_EVERY: Duration = Duration::from_secs(10);

/// Why preparing or updating the index failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Index(#[from] cairn_search::index::IndexError),
    #[error(transparent)]
    Store(#[from] cairn_store::StoreError),
    #[error(transparent)]
    Blob(#[from] cairn_blob::BlobError),
    #[error("index task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("index directory: {0}")]
    Io(#[from] std::io::Error),
}

/// Plain text of a storage-format body and the users it mentions (unparseable bodies are indexed
/// by title only).
fn body_text(body: &str) -> (String, Vec<String>) {
    match cairn_format::parse(body) {
        Ok(document) => {
            let mut mentions: Vec<String> = cairn_format::outgoing_links(&document)
                .into_iter()
                .filter_map(|resource| match resource {
                    cairn_format::Resource::User(user) => Some(user.value().to_lowercase()),
                    _ => None,
                })
                .collect();
            mentions.sort();
            mentions.dedup();
            (cairn_format::extract_text(&document), mentions)
        }
        Err(_) => (String::new(), Vec::new()),
    }
}

/// Largest attachment whose text is indexed.
const MAX_INDEXED_FILE_BYTES: i64 = 10 * 1024 * 1024;

/// Whether an attachment's text is worth reading: text, Markdown, JSON, XML and PDF files.
fn has_indexable_text(media_type: &str) -> bool {
    let media_type = media_type.to_ascii_lowercase();
    media_type.starts_with("text/")
        || media_type == "application/pdf"
        || media_type.contains("markdown")
        || media_type == "application/json"
        || media_type == "application/xml"
}

/// Plain text of an attachment's bytes.
fn file_text(media_type: &str, bytes: &[u8]) -> String {
    if media_type.eq_ignore_ascii_case("application/pdf") {
        cairn_format::pdf_text(bytes)
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// The documents of `sources`, with their text: extracted from the storage-format body, or read
/// from the attachment's file (a file that cannot be read is indexed by name only).
async fn documents_of(
    state: &Node,
    sources: Vec<SearchSource>,
) -> Result<Vec<SearchDocument>, IndexerError> {
    let mut files = Vec::with_capacity(sources.len());
    for source in &sources {
        let bytes = match &source.file {
            Some(file)
                if has_indexable_text(&file.media_type)
                    && file.size_bytes <= MAX_INDEXED_FILE_BYTES =>
            {
                let read = match cairn_blob::BlobKey::new(file.blob_key.clone()) {
                    Ok(key) => state.blobs.get_bytes(&key).await.ok(),
                    Err(_) => None,
                };
                if read.is_none() {
                    tracing::warn!(
                        attachment = source.document.id.0,
                        "attachment bytes unreadable; indexed by name only"
                    );
                }
                read
            }
            _ => None,
        };
        files.push(bytes);
    }
    Ok(tokio::task::spawn_blocking(move || {
        sources
            .into_iter()
            .zip(files)
            .map(|(source, bytes)| {
                let (text, mentions) = match (&source.file, bytes) {
                    (Some(file), Some(bytes)) => (file_text(&file.media_type, &bytes), Vec::new()),
                    (Some(_), None) => (String::new(), Vec::new()),
                    // Spaces come with their text (the description) and no body.
                    (None, _) if source.body.is_empty() => {
                        (source.document.text.clone(), Vec::new())
                    }
                    (None, _) => body_text(&source.body),
                };
                SearchDocument {
                    text,
                    mentions,
                    ..source.document
                }
            })
            .collect()
    })
    .await?)
}

/// The directory this node's index lives in.
fn index_directory(service: &SearchService) -> Result<PathBuf, IndexerError> {
    if let Some(directory) = &service.settings.index_dir {
        return Ok(directory.clone());
    }
    let temporary = tempfile::Builder::new().prefix("cairn-index-").tempdir()?;
    let path = temporary.path().to_path_buf();
    if let Ok(mut slot) = service.temporary_directory.lock() {
        *slot = Some(temporary);
    }
    Ok(path)
}

async fn open_index(directory: PathBuf) -> Result<Arc<SearchIndex>, IndexerError> {
    Ok(Arc::new(
        tokio::task::spawn_blocking(move || SearchIndex::open(&directory)).await??,
    ))
}

/// Whether an index at `position` can be brought current from the journal.
fn replayable(position: i64, oldest: Option<i64>, head: i64) -> bool {
    position >= head || oldest.is_some_and(|oldest| oldest <= position + 1)
}

/// Opens, restores or rebuilds the index; returns it with the cursor to tail from.
async fn prepare(
    state: &Node,
    directory: PathBuf,
) -> Result<(Arc<SearchIndex>, JournalCursor), IndexerError> {
    let service = &state.search;
    let grace = state.cluster.settings.journal_gap_grace;
    let index = open_index(directory.clone()).await?;
    let local_position = index.committed_position()?;
    let oldest = state.store.journal_oldest().await?;
    let head = state.store.journal_head().await?;
    if local_position > 0 && replayable(local_position, oldest, head) {
        tracing::info!(
            position = local_position,
            documents = index.document_count(),
            "search index reopened"
        );
        service.set_prepared_from("reused");
        return Ok((index, JournalCursor::starting_after(local_position, grace)));
    }
    if let Some(found) = snapshot::newest(&state.blobs).await? {
        if replayable(found.position, oldest, head) {
            service.set_state(IndexState::Restoring);
            drop(index);
            let started = Instant::now();
            match snapshot::restore(&state.blobs, &found, &directory).await {
                Ok(position) => {
                    let restored = open_index(directory.clone()).await?;
                    tracing::info!(
                        position,
                        documents = restored.document_count(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "search index restored from a snapshot"
                    );
                    service.set_prepared_from("snapshot");
                    return Ok((restored, JournalCursor::starting_after(position, grace)));
                }
                Err(error) => {
                    tracing::warn!(%error, key = %found.key, "snapshot unusable; rebuilding the index");
                }
            }
            let reopened = open_index(directory.clone()).await?;
            return rebuild(state, reopened).await;
        }
        tracing::info!(
            position = found.position,
            "the newest snapshot is older than the journal; rebuilding the index"
        );
    }
    rebuild(state, index).await
}

/// Empties the index and fills it from the database.
pub(crate) async fn rebuild(
    state: &Node,
    index: Arc<SearchIndex>,
) -> Result<(Arc<SearchIndex>, JournalCursor), IndexerError> {
    let service = &state.search;
    service.set_state(IndexState::Rebuilding);
    service.rebuilt_documents.store(0, Ordering::Relaxed);
    let started = Instant::now();
    // Read the start before the content: changes made during the rebuild are replayed after it.
    let cursor = state
        .store
        .journal_start(state.cluster.settings.journal_gap_grace)
        .await?;
    {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
    }
    let mut parents = ParentMap::default();
    for attachments in [false, true] {
        let mut after = ContentId(0);
        loop {
            let (sources, last) = if attachments {
                state
                    .store
                    .search_attachment_sources_after(after, REBUILD_BATCH, &mut parents)
                    .await?
            } else {
                state
                    .store
                    .search_sources_after(after, REBUILD_BATCH, &mut parents)
                    .await?
            };
            let Some(last) = last else {
                break;
            };
            after = last;
            let count = sources.len() as u64;
            let documents = documents_of(state, sources).await?;
            let writer = index.clone();
            tokio::task::spawn_blocking(move || writer.write(&documents, &[])).await??;
            service
                .rebuilt_documents
                .fetch_add(count, Ordering::Relaxed);
        }
    }
    let spaces = state.store.search_space_sources(None).await?;
    let count = spaces.len() as u64;
    let documents = documents_of(state, spaces).await?;
    {
        let writer = index.clone();
        tokio::task::spawn_blocking(move || writer.write(&documents, &[])).await??;
    }
    service
        .rebuilt_documents
        .fetch_add(count, Ordering::Relaxed);
    let position = cursor.position();
    {
        let index = index.clone();
        tokio::task::spawn_blocking(move || index.commit(position)).await??;
    }
    tracing::info!(
        documents = service.rebuilt_documents.load(Ordering::Relaxed),
        position,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index rebuilt from the database"
    );
    service.set_prepared_from("rebuilt");
    Ok((index, cursor))
}

/// What a batch of journal entries asks of the index.
#[derive(Default, Clone)]
struct Work {
    /// Content to re-read (rewritten if current, removed otherwise).
    content: BTreeSet<ContentId>,
    /// Content whose documents below it (pages, comments) must be re-read too.
    subtrees: BTreeSet<ContentId>,
    /// Spaces whose own document (name, description) is re-read.
    spaces_changed: BTreeSet<SpaceId>,
    spaces_removed: BTreeSet<SpaceId>,
}

impl Work {
    fn is_empty(&self) -> bool {
        self.content.is_empty()
            && self.subtrees.is_empty()
            && self.spaces_changed.is_empty()
            && self.spaces_removed.is_empty()
    }

    fn add(&mut self, entry: &JournalEntry) {
        let Some(kind) = entry.change_kind() else {
            return;
        };
        let content = entry.entity_id.map(ContentId);
        match kind {
            ChangeKind::ContentCreated
            | ChangeKind::ContentUpdated
            | ChangeKind::ContentVersionDeleted
            | ChangeKind::LabelsChanged
            | ChangeKind::AttachmentCreated
            | ChangeKind::AttachmentUpdated
            | ChangeKind::AttachmentTrashed
            | ChangeKind::AttachmentPurged => self.content.extend(content),
            ChangeKind::ContentMoved
            | ChangeKind::ContentTrashed
            | ChangeKind::ContentRestored
            | ChangeKind::ContentPurged => {
                self.content.extend(content);
                self.subtrees.extend(content);
            }
            ChangeKind::SpaceCreated | ChangeKind::SpaceUpdated => {
                if let Some(space) = entry.entity_id.or(entry.space_id) {
                    self.spaces_changed.insert(SpaceId(space));
                }
            }
            ChangeKind::SpaceDeleted => {
                if let Some(space) = entry.entity_id.or(entry.space_id) {
                    self.spaces_removed.insert(SpaceId(space));
                }
            }
            _ => {}
        }
    }
}

/// Applies `work` to the index (not committed).
async fn apply(state: &Node, index: &Arc<SearchIndex>, work: Work) -> Result<(), IndexerError> {
    let mut ids = work.content;
    for root in &work.subtrees {
        let reader = index.clone();
        let root = *root;
        ids.extend(tokio::task::spawn_blocking(move || reader.ids_below(root)).await??);
    }
    let ids: Vec<ContentId> = ids.into_iter().collect();
    // Content and attachment ids come from one sequence: an id is found in one table at most.
    let mut sources = state.store.search_sources(&ids).await?;
    sources.extend(state.store.search_attachment_sources(&ids).await?);
    let changed_spaces: Vec<SpaceId> = work
        .spaces_changed
        .iter()
        .filter(|space| !work.spaces_removed.contains(space))
        .copied()
        .collect();
    sources.extend(
        state
            .store
            .search_space_sources(Some(&changed_spaces))
            .await?,
    );
    let present: BTreeSet<ContentId> = sources.iter().map(|source| source.document.id).collect();
    let removed: Vec<ContentId> = ids
        .iter()
        .filter(|id| !present.contains(id))
        .copied()
        .collect();
    let documents = documents_of(state, sources).await?;
    let writer = index.clone();
    let spaces = work.spaces_removed;
    tokio::task::spawn_blocking(move || {
        for space in spaces {
            writer.remove_space(space)?;
        }
        writer.write(&documents, &removed)
    })
    .await??;
    Ok(())
}

async fn commit(index: &Arc<SearchIndex>, position: i64) -> Result<(), IndexerError> {
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(position)).await??;
    Ok(())
}

/// Prepares the index, then follows the journal until `shutdown`.
pub(crate) async fn run(state: Node, shutdown: CancellationToken) {
    let service = state.search.clone();
    follow(state, shutdown).await;
    // A temporary index is this process's alone: remove it rather than leave a copy per start.
    service.remove_temporary_directory();
}

async fn follow(state: Node, shutdown: CancellationToken) {
    let service = state.search.clone();
    let poll_interval = state.cluster.settings.journal_poll_interval;
    let directory = match index_directory(&service) {
        Ok(directory) => directory,
        Err(error) => {
            tracing::error!(%error, "no directory for the search index; searches are refused until the node restarts");
            service.set_state(IndexState::Failed);
            return;
        }
    };
    let (index, mut cursor) = loop {
        match prepare(&state, directory.clone()).await {
            Ok(prepared) => break prepared,
            Err(error) => {
                tracing::warn!(%error, "search index could not be prepared; retrying");
                service.set_state(IndexState::Starting);
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    };
    service.position.store(cursor.position(), Ordering::Relaxed);
    service.install(index.clone());
    service.publish_searchable(cursor.position());
    let mut committed_position = cursor.position();
    let mut last_commit = Instant::now();
    // Entries whose work failed are retried before the cursor's position is committed past them.
    let mut unfinished = Work::default();
    let mut failing = false;
    loop {
        let mut more = false;
        match state.store.poll_journal(&mut cursor).await {
            Ok((entries, full_batch)) => {
                more = full_batch;
                for entry in &entries {
                    unfinished.add(entry);
                }
                let applied = entries.len() as u64;
                let changed = !unfinished.is_empty();
                let work = std::mem::take(&mut unfinished);
                let outcome = if changed {
                    apply(&state, &index, work.clone()).await
                } else {
                    Ok(())
                };
                match outcome {
                    Ok(()) => {
                        let position = cursor.position();
                        let idle_due = position != committed_position
                            && last_commit.elapsed() >= IDLE_COMMIT_EVERY;
                        if changed || idle_due {
                            match commit(&index, position).await {
                                Ok(()) => {
                                    committed_position = position;
                                    last_commit = Instant::now();
                                }
                                Err(error) => tracing::warn!(%error, "search index commit failed"),
                            }
                        }
                        service.position.store(position, Ordering::Relaxed);
                        service.publish_searchable(cursor.highest_seen());
                        service
                            .applied_entries
                            .fetch_add(applied, Ordering::Relaxed);
                        if failing {
                            tracing::info!(position, "search index updates restored");
                            failing = false;
                        }
                    }
                    Err(error) => {
                        // The entries were consumed from the cursor: keep their work for the next try.
                        unfinished = work;
                        if !failing {
                            tracing::warn!(%error, "search index update failed; retrying");
                            failing = true;
                        }
                    }
                }
            }
            Err(error) => {
                if !failing {
                    tracing::warn!(%error, "search index cannot read the journal; retrying");
                    failing = true;
                }
            }
        }
        if more {
            continue;
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(poll_interval) => {}
            _ = service.wake.notified() => {}
        }
    }
    if unfinished.is_empty()
        && let Err(error) = commit(&index, cursor.position()).await
    {
        tracing::warn!(%error, "search index final commit failed");
    }
}

/// Rebuilds the index in `directory` from the database (what `cairn reindex` runs) and makes it
/// this service's index. Progress is readable from `rebuilt_documents` meanwhile. Returns the
/// journal position it includes and the number of documents.
pub async fn reindex(state: &Node, directory: PathBuf) -> Result<(i64, u64), IndexerError> {
    let index = open_index(directory).await?;
    let (index, cursor) = rebuild(state, index).await?;
    let documents = index.document_count();
    state
        .search
        .position
        .store(cursor.position(), Ordering::Relaxed);
    state.search.install(index);
    Ok((cursor.position(), documents))
}

#[cfg(test)]
mod tests {
    use super::replayable;

    #[test]
    fn an_index_is_replayable_only_when_nothing_above_it_was_pruned() {
        assert!(replayable(10, Some(5), 20));
        assert!(replayable(10, Some(11), 20));
        assert!(!replayable(10, Some(12), 20));
        assert!(replayable(20, Some(30), 20), "nothing new since");
        assert!(!replayable(10, None, 20));
        assert!(replayable(0, None, 0));
    }
}
