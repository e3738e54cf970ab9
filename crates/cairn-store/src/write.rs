//! The write transaction: every write that other nodes must hear about commits with its journal
//! entries, or not at all.
//!
//! A [`WriteTx`] counts the changes recorded in it ([`WriteTx::record`]). [`WriteTx::commit`]
//! refuses (and rolls back) a transaction that recorded none, so a write path that forgets its
//! journal entry fails the first test that takes it instead of leaving other nodes' caches and
//! search indexes stale. A write that may change nothing ends with [`WriteTx::commit_if_changed`]
//! (a forgotten entry then loses the write, which tests see as surely). The few writes no other
//! node needs to hear about say so by name ([`WriteTx::commit_unjournaled`] with an
//! [`Unjournaled`] reason).
//!
//! Architecture invariant: outside this module nothing in the store commits a write transaction
//! any other way; the application layer composes several store operations in one `WriteTx`
//! (`Store::begin_write`) and commits once.

use std::ops::{Deref, DerefMut};

use sqlx::AnyConnection;
use sqlx::{Any, Transaction};

use crate::journal::{Change, insert_journal_entry};
use crate::{Store, StoreError, StoreResult};

/// Why a write needs no journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unjournaled {
    /// A block of ids was reserved; nothing anyone reads changed.
    IdAllocation,
    /// A person's own unpublished draft of a page: only they read it, and no node caches it.
    PersonalDraft,
    /// A whole site restored from a backup while no node runs: the restored site starts with an
    /// empty journal, and nodes that start afterwards read everything from the rows.
    Restore,
}

/// A write transaction that cannot commit without its journal entries (see the module
/// documentation). Dropping it rolls back.
pub struct WriteTx {
    transaction: Transaction<'static, Any>,
    /// Journal entries written in this transaction so far.
    recorded: usize,
    store: Store,
}

impl WriteTx {
    pub(crate) fn new(store: &Store, transaction: Transaction<'static, Any>) -> WriteTx {
        WriteTx {
            transaction,
            recorded: 0,
            store: store.clone(),
        }
    }

    /// Writes `change` to the journal in this transaction: it becomes visible to every node when
    /// (and only if) the transaction commits.
    pub async fn record(&mut self, change: &Change) -> StoreResult<()> {
        let store = self.store.clone();
        insert_journal_entry(&store, &mut self.transaction, change).await?;
        self.recorded += 1;
        Ok(())
    }

    /// How many journal entries this transaction has written.
    pub fn recorded_changes(&self) -> usize {
        self.recorded
    }

    /// Commits. A transaction that recorded no change is rolled back and refused with
    /// [`StoreError::Unjournaled`]: when a write turns out to change nothing, drop the transaction
    /// instead.
    pub async fn commit(self) -> StoreResult<()> {
        if self.recorded == 0 {
            self.transaction.rollback().await?;
            return Err(StoreError::Unjournaled);
        }
        self.transaction.commit().await?;
        Ok(())
    }

    /// For a write that may turn out to change nothing (adding what is there, removing what is
    /// not): commits when a change was recorded, otherwise rolls back, as nothing changed.
    pub async fn commit_if_changed(self) -> StoreResult<()> {
        if self.recorded == 0 {
            self.transaction.rollback().await?;
            return Ok(());
        }
        self.commit().await
    }

    /// Commits a write that no other node needs to hear about, for the reason given.
    pub async fn commit_unjournaled(self, _reason: Unjournaled) -> StoreResult<()> {
        self.transaction.commit().await?;
        Ok(())
    }
}

/// Store code runs its statements on the transaction's connection (`&mut *tx`, or `&mut **tx`
/// through a `&mut WriteTx`), as with a plain transaction.
impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.transaction
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.transaction
    }
}
