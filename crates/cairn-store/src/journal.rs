//! The cluster journal: an ordered log of changes every node tails to invalidate its caches (and,
//! later, to feed its search index).
//!
//! Writing: repositories call [`record`] inside the transaction of the change itself, so an entry
//! exists if and only if its change committed.
//!
//! Reading: ids come from the database at insert time, but transactions commit in another order, so
//! a reader that asks for `id > last_seen` can pass id 10 while it is still uncommitted and never see
//! it. [`JournalCursor`] applies the gap rule instead: an id missing below the highest id seen is
//! *pending* until it appears or a grace period (longer than any write transaction) expires; pending
//! ranges are re-read on every poll; each entry is delivered once. Rolled-back transactions leave
//! permanent gaps, which simply expire. The cursor's [`position`](JournalCursor::position) is the
//! low-water mark: every id at or below it was delivered or given up.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use cairn_core::{Content, ContentId, SpaceId, UserId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::sql::{now_ms_expression, owned_for_dialect};
use crate::wakeup::JOURNAL_CHANNEL;
use crate::{Dialect, Store, StoreResult, WriteTx};

/// What kind of change an entry describes. The stored text (`as_str`) is part of the schema:
/// nodes of two adjacent releases read each other's entries during a rolling upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    ContentCreated,
    ContentUpdated,
    ContentTrashed,
    ContentRestored,
    ContentPurged,
    ContentMoved,
    ContentVersionDeleted,
    LabelsChanged,
    PropertiesChanged,
    RestrictionsChanged,
    AttachmentCreated,
    AttachmentUpdated,
    AttachmentTrashed,
    AttachmentPurged,
    SpaceCreated,
    SpaceUpdated,
    SpaceDeleted,
    SpacePermissionsChanged,
    SessionRevoked,
    TokenRevoked,
    UserCreated,
    UserChanged,
    GroupCreated,
    GroupDeleted,
    GroupMembersChanged,
    WatchesChanged,
    /// Someone liked content or stopped liking it (entity: the content).
    LikesChanged,
    SettingsChanged,
    GlobalPermissionsChanged,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 29] = [
        ChangeKind::ContentCreated,
        ChangeKind::ContentUpdated,
        ChangeKind::ContentTrashed,
        ChangeKind::ContentRestored,
        ChangeKind::ContentPurged,
        ChangeKind::ContentMoved,
        ChangeKind::ContentVersionDeleted,
        ChangeKind::LabelsChanged,
        ChangeKind::PropertiesChanged,
        ChangeKind::RestrictionsChanged,
        ChangeKind::AttachmentCreated,
        ChangeKind::AttachmentUpdated,
        ChangeKind::AttachmentTrashed,
        ChangeKind::AttachmentPurged,
        ChangeKind::SpaceCreated,
        ChangeKind::SpaceUpdated,
        ChangeKind::SpaceDeleted,
        ChangeKind::SpacePermissionsChanged,
        ChangeKind::SessionRevoked,
        ChangeKind::TokenRevoked,
        ChangeKind::UserCreated,
        ChangeKind::UserChanged,
        ChangeKind::GroupCreated,
        ChangeKind::GroupDeleted,
        ChangeKind::GroupMembersChanged,
        ChangeKind::WatchesChanged,
        ChangeKind::LikesChanged,
        ChangeKind::SettingsChanged,
        ChangeKind::GlobalPermissionsChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::ContentCreated => "content.created",
            ChangeKind::ContentUpdated => "content.updated",
            ChangeKind::ContentTrashed => "content.trashed",
            ChangeKind::ContentRestored => "content.restored",
            ChangeKind::ContentPurged => "content.purged",
            ChangeKind::ContentMoved => "content.moved",
            ChangeKind::ContentVersionDeleted => "content.version_deleted",
            ChangeKind::LabelsChanged => "content.labels_changed",
            ChangeKind::PropertiesChanged => "content.properties_changed",
            ChangeKind::RestrictionsChanged => "content.restrictions_changed",
            ChangeKind::AttachmentCreated => "attachment.created",
            ChangeKind::AttachmentUpdated => "attachment.updated",
            ChangeKind::AttachmentTrashed => "attachment.trashed",
            ChangeKind::AttachmentPurged => "attachment.purged",
            ChangeKind::SpaceCreated => "space.created",
            ChangeKind::SpaceUpdated => "space.updated",
            ChangeKind::SpaceDeleted => "space.deleted",
            ChangeKind::SpacePermissionsChanged => "space.permissions_changed",
            ChangeKind::SessionRevoked => "session.revoked",
            ChangeKind::TokenRevoked => "token.revoked",
            ChangeKind::UserCreated => "user.created",
            ChangeKind::UserChanged => "user.changed",
            ChangeKind::GroupCreated => "group.created",
            ChangeKind::GroupDeleted => "group.deleted",
            ChangeKind::GroupMembersChanged => "group.members_changed",
            ChangeKind::WatchesChanged => "user.watches_changed",
            ChangeKind::LikesChanged => "content.likes_changed",
            ChangeKind::SettingsChanged => "settings.changed",
            ChangeKind::GlobalPermissionsChanged => "global.permissions_changed",
        }
    }

    /// The kind stored as `text`; `None` for kinds this release does not know (a newer node wrote
    /// them), which readers skip.
    pub fn parse(text: &str) -> Option<ChangeKind> {
        ChangeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// A change to record, in the transaction that makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The content, space, user or group changed.
    pub entity_id: Option<i64>,
    /// The space the entity is in, when it is in one.
    pub space_id: Option<i64>,
    /// Small detail for readers (a content type, a label name); at most 1024 bytes are kept.
    pub payload: String,
}

impl Change {
    /// A change of `content` (page, blog post or comment); the payload is its type.
    pub fn of_content(kind: ChangeKind, content: &Content) -> Change {
        Change {
            kind,
            entity_id: Some(content.id.0),
            space_id: Some(content.space_id.0),
            payload: content.content_type.as_str().to_string(),
        }
    }

    /// A change of the content with id `id` when only the id is at hand.
    pub fn of_content_id(kind: ChangeKind, id: ContentId) -> Change {
        Change {
            kind,
            entity_id: Some(id.0),
            space_id: None,
            payload: String::new(),
        }
    }

    pub fn of_space(kind: ChangeKind, space_id: SpaceId) -> Change {
        Change {
            kind,
            entity_id: Some(space_id.0),
            space_id: Some(space_id.0),
            payload: String::new(),
        }
    }

    /// A change about a user (their sessions, tokens, password, memberships).
    pub fn of_user(kind: ChangeKind, user_id: UserId) -> Change {
        Change {
            kind,
            entity_id: Some(user_id.0),
            space_id: None,
            payload: String::new(),
        }
    }

    pub fn with_payload(self, payload: impl Into<String>) -> Change {
        Change {
            payload: payload.into(),
            ..self
        }
    }
}

/// One entry as read back from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: i64,
    /// Database time of the insert, epoch milliseconds.
    pub created_ms: i64,
    /// The stored kind; see [`JournalEntry::change_kind`].
    pub kind: String,
    pub entity_id: Option<i64>,
    pub space_id: Option<i64>,
    pub payload: String,
}

impl JournalEntry {
    pub fn change_kind(&self) -> Option<ChangeKind> {
        ChangeKind::parse(&self.kind)
    }
}

/// Largest payload kept, in bytes (the column is VARCHAR(1024)).
const MAX_PAYLOAD_BYTES: usize = 1024;

/// Writes `change` inside `transaction` and counts it there (see [`WriteTx`]).
pub(crate) async fn record(
    _store: &Store,
    transaction: &mut WriteTx,
    change: &Change,
) -> StoreResult<()> {
    transaction.record(change).await
}

/// Writes `change` inside `transaction`, stamped with the database's clock.
///
/// On PostgreSQL the same statement also notifies [`JOURNAL_CHANNEL`], which PostgreSQL delivers to
/// listeners when (and only if) the transaction commits, and folds into one notification however
/// many entries the transaction writes. Listeners use it only to poll at once
/// ([`crate::JournalWakeups`]); what they read still comes from the table.
pub(crate) async fn insert_journal_entry(
    store: &Store,
    transaction: &mut Transaction<'static, Any>,
    change: &Change,
) -> StoreResult<()> {
    let insert = format!(
        "INSERT INTO cluster_journal (created_ms, kind, entity_id, space_id, payload) VALUES ({}, ?, ?, ?, ?)",
        now_ms_expression(store.dialect())
    );
    let statement = match store.dialect() {
        // One statement, so writes pay no extra round trip. The cast: the Any driver cannot
        // carry pg_notify's `void` result.
        Dialect::Postgres => format!(
            "WITH inserted AS ({insert} RETURNING id) SELECT CAST(pg_notify('{JOURNAL_CHANNEL}', '') AS TEXT) AS notified FROM inserted"
        ),
        Dialect::Sqlite | Dialect::Mysql => insert,
    };
    sqlx::query(owned_for_dialect(store.dialect(), statement))
        .bind(change.kind.as_str())
        .bind(change.entity_id)
        .bind(change.space_id)
        .bind(truncate_to_boundary(&change.payload, MAX_PAYLOAD_BYTES))
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

pub(crate) fn truncate_to_boundary(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn entry_from_row(row: &AnyRow) -> StoreResult<JournalEntry> {
    Ok(JournalEntry {
        id: row.try_get("id")?,
        created_ms: row.try_get("created_ms")?,
        kind: row.try_get("kind")?,
        entity_id: row.try_get("entity_id")?,
        space_id: row.try_get("space_id")?,
        payload: row.try_get("payload")?,
    })
}

/// A gap in the ids seen so far: ids `start..=end` may still be committed by a running transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PendingGap {
    end: i64,
    /// When this node first noticed the gap (its own monotonic clock: only durations matter here).
    noticed: Instant,
}

/// One node's reading position in the journal, with the gap rule. Pure state: the store reads, the
/// cursor decides what is new. Not shared between tasks (one tailer owns it).
#[derive(Debug, Clone)]
pub struct JournalCursor {
    /// Every id at or below this was delivered or given up (a gap that expired).
    low_water: i64,
    /// The highest id delivered.
    highest_seen: i64,
    /// Gaps below `highest_seen`, by first id.
    pending: BTreeMap<i64, PendingGap>,
    /// Ids above `low_water` already delivered (they are re-read while a lower gap is pending).
    delivered_above_low_water: BTreeSet<i64>,
    /// How long a gap stays pending.
    grace: Duration,
}

/// Most entries read per query.
const READ_BATCH: i64 = 500;
/// Most pending gaps re-read per poll (lowest first); the rest wait for the next poll.
const GAPS_PER_POLL: usize = 16;

impl JournalCursor {
    /// A cursor that has seen everything up to `position`.
    pub fn starting_after(position: i64, grace: Duration) -> JournalCursor {
        JournalCursor {
            low_water: position,
            highest_seen: position,
            pending: BTreeMap::new(),
            delivered_above_low_water: BTreeSet::new(),
            grace,
        }
    }

    /// The low-water mark: nothing at or below it is pending. A search index snapshot taken now is
    /// complete up to this id.
    pub fn position(&self) -> i64 {
        self.low_water
    }

    /// The highest id delivered.
    pub fn highest_seen(&self) -> i64 {
        self.highest_seen
    }

    /// How many ids are pending (possibly committed later, possibly rolled back).
    pub fn pending_ids(&self) -> i64 {
        self.pending
            .iter()
            .map(|(start, gap)| gap.end - start + 1)
            .sum()
    }

    /// The pending ranges to re-read, lowest first.
    pub fn pending_ranges(&self) -> Vec<(i64, i64)> {
        self.pending
            .iter()
            .take(GAPS_PER_POLL)
            .map(|(start, gap)| (*start, gap.end))
            .collect()
    }

    /// Takes entries read from the database (any order, repeats allowed) and returns those never
    /// delivered before, in id order. Gaps older than the grace period at `now` are given up.
    pub fn accept(&mut self, mut entries: Vec<JournalEntry>, now: Instant) -> Vec<JournalEntry> {
        entries.sort_by_key(|entry| entry.id);
        entries.dedup_by_key(|entry| entry.id);
        let mut fresh = Vec::new();
        for entry in entries {
            let id = entry.id;
            if id <= self.low_water || self.delivered_above_low_water.contains(&id) {
                continue;
            }
            if id > self.highest_seen {
                if id > self.highest_seen + 1 {
                    self.pending.insert(
                        self.highest_seen + 1,
                        PendingGap {
                            end: id - 1,
                            noticed: now,
                        },
                    );
                }
                self.highest_seen = id;
            } else if !self.fill_gap(id) {
                // Neither new nor pending: a gap already given up. Too late to deliver in order;
                // deliver anyway, since a late invalidation beats none.
                tracing::warn!(
                    id,
                    "journal entry committed after its gap expired; raise the grace period"
                );
            }
            self.delivered_above_low_water.insert(id);
            fresh.push(entry);
        }
        self.settle(now);
        fresh
    }

    /// Removes `id` from the pending gap holding it; false when no gap holds it.
    fn fill_gap(&mut self, id: i64) -> bool {
        let Some((&start, &gap)) = self.pending.range(..=id).next_back() else {
            return false;
        };
        if id > gap.end {
            return false;
        }
        self.pending.remove(&start);
        if start < id {
            self.pending.insert(
                start,
                PendingGap {
                    end: id - 1,
                    noticed: gap.noticed,
                },
            );
        }
        if id < gap.end {
            self.pending.insert(
                id + 1,
                PendingGap {
                    end: gap.end,
                    noticed: gap.noticed,
                },
            );
        }
        true
    }

    /// Gives up expired gaps and moves the low-water mark up to the lowest pending id.
    pub fn settle(&mut self, now: Instant) {
        let grace = self.grace;
        self.pending
            .retain(|_, gap| now.saturating_duration_since(gap.noticed) < grace);
        self.low_water = match self.pending.keys().next() {
            Some(lowest_pending) => lowest_pending - 1,
            None => self.highest_seen,
        };
        let low_water = self.low_water;
        self.delivered_above_low_water
            .retain(|delivered| *delivered > low_water);
    }
}

impl Store {
    /// Records `change` on its own (for changes with no other row, such as "flush every cache").
    pub async fn record_change(&self, change: &Change) -> StoreResult<()> {
        let mut transaction = self.begin_write().await?;
        record(self, &mut transaction, change).await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Where a node that starts now begins tailing: after the newest entry older than `grace` (newer
    /// ones are delivered, as one of them may belong to a transaction still running).
    pub async fn journal_start(&self, grace: Duration) -> StoreResult<JournalCursor> {
        let grace_ms = i64::try_from(grace.as_millis()).unwrap_or(i64::MAX);
        let statement = format!(
            "SELECT MAX(id) AS position FROM cluster_journal WHERE created_ms < {} - ?",
            now_ms_expression(self.dialect())
        );
        let row = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(grace_ms)
            .fetch_one(self.pool())
            .await?;
        let older: Option<i64> = row.try_get("position")?;
        let position = match older {
            Some(position) => position,
            None => {
                let row = sqlx::query("SELECT MIN(id) AS lowest FROM cluster_journal")
                    .fetch_one(self.pool())
                    .await?;
                let lowest: Option<i64> = row.try_get("lowest")?;
                lowest.map_or(0, |lowest| lowest - 1)
            }
        };
        Ok(JournalCursor::starting_after(position, grace))
    }

    /// Reads what is new for `cursor` (entries above the highest seen, and any that filled a pending
    /// gap) and returns them in id order, each once. The second value says whether a full batch was
    /// read, so more may be waiting.
    pub async fn poll_journal(
        &self,
        cursor: &mut JournalCursor,
    ) -> StoreResult<(Vec<JournalEntry>, bool)> {
        let mut read = Vec::new();
        for (start, end) in cursor.pending_ranges() {
            let rows = sqlx::query(self.sql(
                "SELECT id, created_ms, kind, entity_id, space_id, payload FROM cluster_journal WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?",
            ))
            .bind(start)
            .bind(end)
            .bind(READ_BATCH)
            .fetch_all(self.pool())
            .await?;
            for row in &rows {
                read.push(entry_from_row(row)?);
            }
        }
        let rows = sqlx::query(self.sql(
            "SELECT id, created_ms, kind, entity_id, space_id, payload FROM cluster_journal WHERE id > ? ORDER BY id LIMIT ?",
        ))
        .bind(cursor.highest_seen())
        .bind(READ_BATCH)
        .fetch_all(self.pool())
        .await?;
        let full_batch = rows.len() as i64 >= READ_BATCH;
        for row in &rows {
            read.push(entry_from_row(row)?);
        }
        Ok((cursor.accept(read, Instant::now()), full_batch))
    }

    /// The highest id in the journal (0 when it is empty).
    pub async fn journal_head(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT MAX(id) AS head FROM cluster_journal")
            .fetch_one(self.pool())
            .await?;
        let head: Option<i64> = row.try_get("head")?;
        Ok(head.unwrap_or(0))
    }

    /// Deletes entries every live node (running or draining) has passed (its heartbeat is younger than `dead_after`) and
    /// that are older than `keep_for`. With no live node nothing is deleted. Returns how many.
    pub async fn prune_journal(
        &self,
        dead_after: Duration,
        keep_for: Duration,
    ) -> StoreResult<u64> {
        let now = now_ms_expression(self.dialect());
        let statement = format!(
            "DELETE FROM cluster_journal WHERE id <= (SELECT MIN(n.journal_position) FROM cluster_node n WHERE n.state IN ('running', 'draining') AND n.heartbeat_ms > {now} - ?) AND created_ms < {now} - ?"
        );
        let result = sqlx::query(owned_for_dialect(self.dialect(), statement))
            .bind(duration_ms(dead_after))
            .bind(duration_ms(keep_for))
            .execute(self.pool())
            .await?;
        Ok(result.rows_affected())
    }
}

pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64) -> JournalEntry {
        JournalEntry {
            id,
            created_ms: 0,
            kind: ChangeKind::ContentUpdated.as_str().to_string(),
            entity_id: Some(id),
            space_id: None,
            payload: String::new(),
        }
    }

    fn ids(entries: &[JournalEntry]) -> Vec<i64> {
        entries.iter().map(|entry| entry.id).collect()
    }

    const GRACE: Duration = Duration::from_secs(5);

    #[test]
    fn in_order_entries_are_delivered_once() {
        let start = Instant::now();
        let mut cursor = JournalCursor::starting_after(0, GRACE);
        assert_eq!(
            ids(&cursor.accept(vec![entry(1), entry(2)], start)),
            vec![1, 2]
        );
        assert_eq!(cursor.position(), 2);
        assert!(cursor.accept(vec![entry(2), entry(1)], start).is_empty());
    }

    #[test]
    fn a_late_commit_below_the_highest_id_is_delivered_when_it_appears() {
        let start = Instant::now();
        let mut cursor = JournalCursor::starting_after(9, GRACE);
        // 10 is taken by a transaction still running; 11 and 12 committed.
        assert_eq!(
            ids(&cursor.accept(vec![entry(11), entry(12)], start)),
            vec![11, 12]
        );
        assert_eq!(cursor.position(), 9, "10 is pending");
        assert_eq!(cursor.pending_ranges(), vec![(10, 10)]);
        assert_eq!(cursor.pending_ids(), 1);
        // The re-read returns 11 and 12 again with 10: only 10 is new.
        let later = start + Duration::from_secs(1);
        assert_eq!(
            ids(&cursor.accept(vec![entry(10), entry(11), entry(12)], later)),
            vec![10]
        );
        assert_eq!(cursor.position(), 12);
        assert!(cursor.pending_ranges().is_empty());
    }

    #[test]
    fn a_rolled_back_id_is_given_up_after_the_grace_period() {
        let start = Instant::now();
        let mut cursor = JournalCursor::starting_after(0, GRACE);
        cursor.accept(vec![entry(1), entry(4)], start);
        assert_eq!(cursor.pending_ranges(), vec![(2, 3)]);
        cursor.accept(vec![entry(3)], start + Duration::from_secs(1));
        assert_eq!(cursor.pending_ranges(), vec![(2, 2)]);
        assert_eq!(cursor.position(), 1);
        cursor.settle(start + Duration::from_secs(4));
        assert_eq!(cursor.position(), 1, "still within the grace period");
        cursor.settle(start + GRACE);
        assert_eq!(cursor.position(), 4, "the gap expired");
        assert!(cursor.pending_ranges().is_empty());
    }

    #[test]
    fn a_big_gap_is_one_range_and_fills_in_pieces() {
        let start = Instant::now();
        let mut cursor = JournalCursor::starting_after(0, GRACE);
        cursor.accept(vec![entry(100_000)], start);
        assert_eq!(cursor.pending_ids(), 99_999);
        assert_eq!(ids(&cursor.accept(vec![entry(500)], start)), vec![500]);
        assert_eq!(cursor.pending_ranges(), vec![(1, 499), (501, 99_999)]);
        assert_eq!(cursor.position(), 0);
        cursor.settle(start + GRACE);
        assert_eq!(cursor.position(), 100_000);
    }

    #[test]
    fn kinds_round_trip_through_their_stored_text() {
        for kind in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ChangeKind::parse("from.a.newer.release"), None);
    }

    #[test]
    fn payloads_are_cut_on_a_character_boundary() {
        let text = "é".repeat(600);
        let cut = truncate_to_boundary(&text, MAX_PAYLOAD_BYTES);
        assert!(cut.len() <= MAX_PAYLOAD_BYTES && cut.len() >= MAX_PAYLOAD_BYTES - 1);
    }
}
