//! Search on this node: the per-node index ([`cairn_search::index::SearchIndex`]), kept current from
//! the cluster journal, and the one entry point handlers search through ([`search_content`]).
//!
//! - [`indexer`]: prepares the index at start (reuses the local one, restores the newest snapshot
//!   from the blob store, or rebuilds from the database), then applies journal entries to it.
//! - [`snapshot`]: writes and reads index snapshots in the blob store; one node writes them, under a
//!   lease.
//!
//! There is one evaluator of queries, the index: while a node prepares its index, its searches wait
//! for it (up to [`SEARCH_PREPARATION_PATIENCE`], then they are refused as busy), and the node
//! reports not ready, so a balancer sends searches to nodes that have one.

pub mod indexer;
pub mod snapshot;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use cairn_core::{Content, ContentId, ContentQuery, Predicate, UserId};
use cairn_search::index::{SearchIndex, Visibility};

use crate::Node;
use crate::error::{Error, ErrorCode};

/// How search runs on this node.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    /// Where this node keeps its index; `None` for a temporary directory removed at exit (the
    /// index is then restored from a snapshot or rebuilt at every start).
    pub index_dir: Option<PathBuf>,
    /// Time between index snapshots (written by one node of the cluster). Keep it well under the
    /// journal's retention (`journal_keep_for`), or new nodes cannot replay from a snapshot.
    pub snapshot_interval: Duration,
    /// The node is ready only while its index is at most this many journal entries behind.
    pub max_ready_lag: i64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            index_dir: None,
            snapshot_interval: Duration::from_secs(300),
            max_ready_lag: 1000,
        }
    }
}

/// Where the index is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// Not opened yet.
    Starting,
    /// Restoring a snapshot from the blob store.
    Restoring,
    /// Building from the database.
    Rebuilding,
    /// Open and following the journal.
    Current,
    /// No index could be opened (no usable directory); searches are refused until a restart.
    Failed,
}

impl IndexState {
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Starting => "starting",
            IndexState::Restoring => "restoring",
            IndexState::Rebuilding => "rebuilding",
            IndexState::Current => "current",
            IndexState::Failed => "failed",
        }
    }
}

/// This node's search index and where it stands. Shared by handlers and the indexer task.
pub struct SearchService {
    pub settings: SearchSettings,
    /// The open index, once it is current. Std lock: held only to clone or replace the `Arc`.
    index: RwLock<Option<Arc<SearchIndex>>>,
    /// Std mutex: one read or write of a small value.
    state: Mutex<IndexState>,
    /// Journal position the index includes (applied, maybe not yet committed).
    pub position: AtomicI64,
    /// Documents written during the current rebuild, for progress.
    pub rebuilt_documents: AtomicU64,
    /// Journal entries applied since start.
    pub applied_entries: AtomicU64,
    /// Snapshots this node wrote since start.
    pub snapshots_written: AtomicU64,
    /// How the index was prepared at start: `reused`, `snapshot`, `rebuilt`.
    prepared_from: Mutex<&'static str>,
    /// Owner of a temporary index directory (removed when the service is dropped).
    temporary_directory: Mutex<Option<tempfile::TempDir>>,
    /// The highest journal id whose change is searchable, published after each commit; searches
    /// wait on it to see every change committed before they started.
    searchable: tokio::sync::watch::Sender<i64>,
    /// Wakes the indexer before its next poll is due (a search is waiting).
    pub(crate) wake: tokio::sync::Notify,
}

impl SearchService {
    pub fn new(settings: SearchSettings) -> SearchService {
        SearchService {
            settings,
            index: RwLock::new(None),
            state: Mutex::new(IndexState::Starting),
            position: AtomicI64::new(0),
            rebuilt_documents: AtomicU64::new(0),
            applied_entries: AtomicU64::new(0),
            snapshots_written: AtomicU64::new(0),
            prepared_from: Mutex::new(""),
            temporary_directory: Mutex::new(None),
            searchable: tokio::sync::watch::Sender::new(0),
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Records that every journal entry up to `highest` is searchable.
    pub(crate) fn publish_searchable(&self, highest: i64) {
        self.searchable.send_if_modified(|current| {
            let moved = highest > *current;
            if moved {
                *current = highest;
            }
            moved
        });
    }

    /// Waits (at most `patience`) until every change up to journal id `head` is searchable; false if
    /// it took longer.
    pub async fn wait_until_searchable(&self, head: i64, patience: Duration) -> bool {
        let mut watcher = self.searchable.subscribe();
        if *watcher.borrow_and_update() >= head {
            return true;
        }
        self.wake.notify_one();
        tokio::time::timeout(patience, watcher.wait_for(|highest| *highest >= head))
            .await
            .is_ok_and(|waited| waited.is_ok())
    }

    /// The temporary directory holding this node's index, when no `index_dir` is configured.
    pub fn temporary_directory(&self) -> Option<PathBuf> {
        self.temporary_directory.lock().ok().and_then(|slot| {
            slot.as_ref()
                .map(|directory| directory.path().to_path_buf())
        })
    }

    /// Deletes the temporary index directory (at shutdown; searches still open on it keep their
    /// files until they finish).
    pub(crate) fn remove_temporary_directory(&self) {
        let taken = self
            .temporary_directory
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        if let Some(directory) = taken {
            let path = directory.path().to_path_buf();
            if let Err(error) = directory.close() {
                tracing::warn!(%error, path = %path.display(), "temporary search index not removed");
            }
        }
    }

    /// The index, when it is current.
    pub fn index(&self) -> Option<Arc<SearchIndex>> {
        self.index.read().ok().and_then(|index| index.clone())
    }

    fn install(&self, index: Arc<SearchIndex>) {
        if let Ok(mut slot) = self.index.write() {
            *slot = Some(index);
        }
        self.set_state(IndexState::Current);
    }

    pub fn state(&self) -> IndexState {
        self.state
            .lock()
            .map(|state| *state)
            .unwrap_or(IndexState::Starting)
    }

    pub(crate) fn set_state(&self, state: IndexState) {
        if let Ok(mut current) = self.state.lock() {
            *current = state;
        }
    }

    pub fn prepared_from(&self) -> &'static str {
        self.prepared_from.lock().map(|from| *from).unwrap_or("")
    }

    fn set_prepared_from(&self, from: &'static str) {
        if let Ok(mut current) = self.prepared_from.lock() {
            *current = from;
        }
    }

    /// Journal entries above the index's position, against the journal head `head`.
    pub fn lag(&self, head: i64) -> i64 {
        (head - self.position.load(Ordering::Relaxed)).max(0)
    }

    /// Whether search on this node is fit to serve: the index is current and at most
    /// `max_ready_lag` entries behind `head`.
    pub fn ready(&self, head: i64) -> bool {
        self.state() == IndexState::Current && self.lag(head) <= self.settings.max_ready_lag
    }

    /// The lowest journal position this node still needs (for journal pruning): the index's,
    /// unless it has none.
    pub fn needs_journal_from(&self) -> Option<i64> {
        match self.state() {
            IndexState::Failed => None,
            _ => Some(self.position.load(Ordering::Relaxed)),
        }
    }

    /// Waits (at most `patience`) until the index is open, then returns it; `None` when it is not
    /// open by then or could not be opened at all.
    pub async fn wait_for_index(&self, patience: Duration) -> Option<Arc<SearchIndex>> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if let Some(index) = self.index() {
                return Some(index);
            }
            if self.state() == IndexState::Failed || tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(INDEX_POLL_INTERVAL).await;
        }
    }
}

/// One result: content, or an attachment.
pub enum Found {
    Content(Content),
    Attachment(cairn_core::Attachment),
    /// Only when the query asks for `type = space`.
    Space(cairn_core::Space),
}

impl Found {
    pub fn id(&self) -> ContentId {
        match self {
            Found::Content(content) => content.id,
            Found::Attachment(attachment) => attachment.id,
            Found::Space(space) => cairn_core::SearchDocument::space_document_id(space.id),
        }
    }

    pub fn space_id(&self) -> cairn_core::SpaceId {
        match self {
            Found::Content(content) => content.space_id,
            Found::Attachment(attachment) => attachment.space_id,
            Found::Space(space) => space.id,
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Found::Content(content) => &content.title,
            Found::Attachment(attachment) => &attachment.title,
            Found::Space(space) => &space.name,
        }
    }

    pub fn last_modified_ms(&self) -> i64 {
        match self {
            Found::Content(content) => content.last_modified_ms,
            Found::Attachment(attachment) => attachment.last_modified_ms,
            Found::Space(space) => space.created_ms,
        }
    }

    /// `page`, `blogpost`, `comment` or `attachment`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Found::Content(content) => content.content_type.as_str(),
            Found::Attachment(_) => "attachment",
            Found::Space(_) => "space",
        }
    }
}

/// What a search found: content the viewer may see, in order, the total, and an excerpt per
/// content (highlighted where words matched).
pub struct SearchOutcome {
    /// What was found, in order.
    pub hits: Vec<Found>,
    pub total: i64,
    /// Excerpts from the index, by content id; absent when the search ran on the database.
    pub excerpts: std::collections::HashMap<ContentId, String>,
    /// Relevance scores from the index (0 when results are ordered by a field), by content id.
    pub scores: std::collections::HashMap<ContentId, f32>,
}

/// Longest a search waits for the node's index to be prepared (restored, reopened or rebuilt at
/// start) before it is refused as busy.
pub const SEARCH_PREPARATION_PATIENCE: Duration = Duration::from_secs(10);
/// How often a waiting search looks whether the index is open.
const INDEX_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Longest a search waits for the index to include changes committed before it started.
const SEARCH_CATCH_UP_PATIENCE: Duration = Duration::from_secs(2);

/// `mention = NAME` matches bodies that name the user by username or by user key: adds each named
/// user's key to the names.
async fn with_user_keys(state: &Node, predicate: &Predicate) -> Result<Predicate, Error> {
    Ok(match predicate {
        Predicate::MentionIn(names) => {
            let mut all = names.clone();
            for name in names {
                if let Some(user) = state.store.find_user_by_username(name).await? {
                    all.push(user.user_key.to_lowercase());
                }
            }
            Predicate::MentionIn(all)
        }
        Predicate::And(parts) | Predicate::Or(parts) => {
            let mut rewritten = Vec::with_capacity(parts.len());
            for part in parts {
                rewritten.push(Box::pin(with_user_keys(state, part)).await?);
            }
            if matches!(predicate, Predicate::And(_)) {
                Predicate::And(rewritten)
            } else {
                Predicate::Or(rewritten)
            }
        }
        Predicate::Not(inner) => {
            Predicate::Not(Box::new(Box::pin(with_user_keys(state, inner)).await?))
        }
        other => other.clone(),
    })
}

/// How far into the ranked results a search reaches (`start` + `limit`). Ranking keeps that many hits
/// in memory, so the window is bounded before the index is asked; past it, narrow the query.
pub const MAX_SEARCH_WINDOW: i64 = 10_000;

/// Runs `query` for `viewer` on this node's index.
pub async fn search_content(
    state: &Node,
    viewer: UserId,
    query: &ContentQuery,
    start: i64,
    limit: i64,
) -> Result<SearchOutcome, Error> {
    if start < 0 || limit < 0 || start.saturating_add(limit) > MAX_SEARCH_WINDOW {
        return Err(Error::bad_request(format!(
            "search results are served up to the {MAX_SEARCH_WINDOW}th; start {start} with limit {limit} is past that (narrow the query)"
        )));
    }
    let query = &ContentQuery {
        predicate: with_user_keys(state, &query.predicate).await?,
        order: query.order.clone(),
    };
    let Some(index) = state
        .search
        .wait_for_index(SEARCH_PREPARATION_PATIENCE)
        .await
    else {
        return Err(Error::new(
            ErrorCode::Busy,
            format!(
                "the search index of this node is {} ({} documents so far); try again shortly",
                state.search.state().as_str(),
                state.search.rebuilt_documents.load(Ordering::Relaxed)
            ),
        )
        .with_retry_after(5));
    };
    // Read-after-write across the cluster: whatever was committed before this search started is
    // found. Usually the index is already there; else the indexer is woken.
    let head = state.store.journal_head().await?;
    if !state
        .search
        .wait_until_searchable(head, SEARCH_CATCH_UP_PATIENCE)
        .await
    {
        tracing::warn!(
            head,
            "search index behind the journal; answering from it anyway"
        );
    }
    let scope = state.store.viewer_scope(viewer).await?;
    let visibility = Visibility {
        all_spaces: scope.all_spaces,
        spaces: scope.spaces,
        hidden_roots: scope.hidden_roots,
    };
    let query = query.clone();
    let start = usize::try_from(start).unwrap_or(0);
    let limit = usize::try_from(limit).unwrap_or(0);
    let searched =
        tokio::task::spawn_blocking(move || index.search(&query, &visibility, start, limit)).await;
    let page = match searched {
        Ok(Ok(page)) => page,
        Ok(Err(error)) => {
            tracing::error!(%error, "search on the index failed");
            return Err(Error::internal());
        }
        Err(error) => {
            tracing::error!(%error, "search task failed");
            return Err(Error::internal());
        }
    };
    let ids: Vec<ContentId> = page.hits.iter().map(|hit| hit.id).collect();
    // The database has the last word: content trashed a moment ago is left out even if the index
    // has not caught up yet.
    let mut contents: std::collections::HashMap<ContentId, Content> = state
        .store
        .current_contents(&ids)
        .await?
        .into_iter()
        .map(|content| (content.id, content))
        .collect();
    let attachment_ids: Vec<ContentId> = ids
        .iter()
        .filter(|id| !contents.contains_key(id))
        .filter(|id| cairn_core::SearchDocument::space_of_document_id(**id).is_none())
        .copied()
        .collect();
    let mut spaces = std::collections::HashMap::new();
    for id in &ids {
        if let Some(space_id) = cairn_core::SearchDocument::space_of_document_id(*id)
            && let Some(space) = state.store.find_space_by_id(space_id).await?
        {
            spaces.insert(*id, space);
        }
    }
    let mut attachments: std::collections::HashMap<ContentId, cairn_core::Attachment> = state
        .store
        .current_attachments(&attachment_ids)
        .await?
        .into_iter()
        .map(|attachment| (attachment.id, attachment))
        .collect();
    let hits = ids
        .iter()
        .filter_map(|id| {
            contents
                .remove(id)
                .map(Found::Content)
                .or_else(|| attachments.remove(id).map(Found::Attachment))
                .or_else(|| spaces.remove(id).map(Found::Space))
        })
        .collect();
    let scores = page.hits.iter().map(|hit| (hit.id, hit.score)).collect();
    let excerpts = page
        .hits
        .into_iter()
        .map(|hit| (hit.id, hit.excerpt))
        .collect();
    Ok(SearchOutcome {
        hits,
        total: i64::try_from(page.total).unwrap_or(i64::MAX),
        excerpts,
        scores,
    })
}

/// The index's state for `/readyz`, the cluster view and metrics.
pub fn status_json(state: &Node) -> serde_json::Value {
    let service = &state.search;
    let head = state.cluster.journal.head.load(Ordering::Relaxed);
    serde_json::json!({
        "state": service.state().as_str(),
        "preparedFrom": service.prepared_from(),
        "position": service.position.load(Ordering::Relaxed),
        "lag": service.lag(head),
        "documents": service.index().map_or(0, |index| index.document_count()),
        "rebuiltDocuments": service.rebuilt_documents.load(Ordering::Relaxed),
        "appliedEntries": service.applied_entries.load(Ordering::Relaxed),
        "snapshotsWritten": service.snapshots_written.load(Ordering::Relaxed),
    })
}
