//! Block id allocation (hi/lo). Each process reserves a range of ids for a sequence in one short
//! transaction and hands them out from memory, so inserts need no `RETURNING` and no extra round trip.
//! Ranges are disjoint across nodes because the reservation is an atomic `UPDATE`; ids left unused
//! when a process stops are simply never used.

use std::collections::HashMap;

use sqlx::Row;
use tokio::sync::Mutex;

use crate::StoreResult;
use crate::db::Store;

/// The named sequences in `id_block`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Sequence {
    /// Pages, blog posts (and later comments and attachments): one instance-wide sequence.
    Content,
    Space,
    User,
    Group,
    Token,
    Label,
    Property,
    Task,
}

impl Sequence {
    /// Every sequence, for moving them all past restored ids.
    pub(crate) const ALL: [Sequence; 8] = [
        Sequence::Content,
        Sequence::Space,
        Sequence::User,
        Sequence::Group,
        Sequence::Token,
        Sequence::Label,
        Sequence::Property,
        Sequence::Task,
    ];

    /// The `(table, column)` pairs whose ids this sequence hands out.
    pub(crate) fn tables(self) -> &'static [(&'static str, &'static str)] {
        match self {
            // Comments are content rows; attachments take their ids from the same sequence.
            Sequence::Content => &[("content", "id"), ("attachment", "id")],
            Sequence::Space => &[("space", "id")],
            Sequence::User => &[("app_user", "id")],
            Sequence::Group => &[("user_group", "id")],
            Sequence::Token => &[("access_token", "id")],
            Sequence::Label => &[("label", "id")],
            Sequence::Property => &[("content_property", "id")],
            Sequence::Task => &[("long_task", "id")],
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Sequence::Content => "content",
            Sequence::Space => "space",
            Sequence::User => "user",
            Sequence::Group => "group",
            Sequence::Token => "token",
            Sequence::Label => "label",
            Sequence::Property => "property",
            Sequence::Task => "task",
        }
    }

    fn block_size(self) -> i64 {
        match self {
            Sequence::Content => 100,
            Sequence::Space
            | Sequence::User
            | Sequence::Group
            | Sequence::Token
            | Sequence::Label
            | Sequence::Property
            | Sequence::Task => 10,
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Block {
    next: i64,
    end: i64,
}

/// This process's reserved ranges.
#[derive(Default)]
pub(crate) struct IdAllocator {
    /// One async lock for all sequences: held across the reservation's round trip (which is why it is
    /// an async lock), so two tasks never reserve a range for the same need. Refills are rare (one per
    /// block), so contention is negligible.
    blocks: Mutex<HashMap<Sequence, Block>>,
}

impl Store {
    /// The next id of `sequence`. Call it before opening the transaction that uses the id.
    pub(crate) async fn next_id(&self, sequence: Sequence) -> StoreResult<i64> {
        let mut blocks = self.ids().blocks.lock().await;
        let block = blocks.entry(sequence).or_default();
        if block.next >= block.end {
            let end = self.reserve_block(sequence).await?;
            *block = Block {
                next: end - sequence.block_size(),
                end,
            };
        }
        let id = block.next;
        block.next += 1;
        Ok(id)
    }

    /// Reserves the next block of `sequence` and returns its end (exclusive).
    async fn reserve_block(&self, sequence: Sequence) -> StoreResult<i64> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(self.sql("UPDATE id_block SET next_value = next_value + ? WHERE name = ?"))
            .bind(sequence.block_size())
            .bind(sequence.name())
            .execute(&mut *transaction)
            .await?;
        let row = sqlx::query(self.sql("SELECT next_value FROM id_block WHERE name = ?"))
            .bind(sequence.name())
            .fetch_one(&mut *transaction)
            .await?;
        let end: i64 = row.try_get("next_value")?;
        transaction
            .commit_unjournaled(crate::Unjournaled::IdAllocation)
            .await?;
        Ok(end)
    }
}
