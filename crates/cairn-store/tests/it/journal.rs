//! The cluster journal, leases and node registry on every dialect, including the gap rule against
//! real concurrent transactions.

use std::time::{Duration, Instant};

use cairn_core::ContentId;
use cairn_store::{
    Change, ChangeKind, JournalCursor, JournalEntry, NodeHeartbeat, Store, UpdateContent,
};
use cairn_testkit::{TestDb, TestDialect, every_dialect};

use crate::fixtures::{NOW, new_page, space, user, version_by};

every_dialect!(
    changes_are_journaled_with_their_transaction,
    a_write_without_its_journal_entry_cannot_commit,
    the_gap_rule_delivers_a_late_commit_once,
    a_rolled_back_entry_is_given_up_after_the_grace_period,
    a_lease_has_one_holder_until_it_expires,
    heartbeats_register_nodes_and_pruning_waits_for_live_nodes,
    a_task_whose_node_stopped_is_recorded_as_failed,
    commits_wake_listeners_on_postgresql_even_after_a_lost_connection,
);

/// A write transaction that recorded no change is rolled back and refused: a write path that
/// forgets its journal entry fails here and in every test that takes it.
async fn a_write_without_its_journal_entry_cannot_commit(db: TestDb) {
    let store = db.store().await;
    let writer = user(&store, "writer").await;
    let dev = space(&store, "DEV", &writer).await;
    let home = dev.homepage_id.expect("home page");
    let forgetful = store.begin_write().await.expect("begin");
    assert_eq!(forgetful.recorded_changes(), 0);
    let outcome = forgetful.commit().await;
    assert!(
        matches!(outcome, Err(cairn_store::StoreError::Unjournaled)),
        "{outcome:?}"
    );

    // Through the store's own operations: what they write commits only with their entries.
    let mut cursor = store
        .journal_start(Duration::from_secs(5))
        .await
        .expect("start");
    let labels = store
        .prepare_labels(&[("global".into(), "kept".into())], NOW)
        .await
        .expect("labels prepared");
    let mut together = store.begin_write().await.expect("begin");
    store
        .set_labels_in(&mut together, home, &labels, NOW)
        .await
        .expect("labels");
    assert_eq!(together.recorded_changes(), 1);
    together.commit().await.expect("commit");
    let entries = poll_all(&store, &mut cursor).await;
    let last = entries.last().expect("an entry");
    assert_eq!(
        (last.kind.as_str(), last.entity_id),
        ("content.labels_changed", Some(home.0))
    );
}

/// Polls until `cursor` has delivered something, or the deadline passes.
async fn poll_all(store: &Store, cursor: &mut JournalCursor) -> Vec<JournalEntry> {
    let mut delivered = Vec::new();
    loop {
        let (entries, more) = store.poll_journal(cursor).await.expect("poll");
        delivered.extend(entries);
        if !more {
            return delivered;
        }
    }
}

fn kinds(entries: &[JournalEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.kind.as_str()).collect()
}

async fn changes_are_journaled_with_their_transaction(db: TestDb) {
    let store = db.store().await;
    let mut cursor = store
        .journal_start(Duration::from_secs(5))
        .await
        .expect("start");
    let writer = user(&store, "writer").await;
    let dev = space(&store, "DEV", &writer).await;
    let page = store
        .create_content(new_page(&dev, None, "Plans", &writer))
        .await
        .expect("page");
    let update = |number: i32| UpdateContent {
        id: page.id,
        new_version_number: number,
        title: None,
        body: Some("<p>v</p>".into()),
        new_parent_id: None,
        version: version_by(&writer, ""),
    };
    store.update_content(update(2)).await.expect("update");
    assert!(
        store.update_content(update(2)).await.is_err(),
        "a stale edit fails"
    );
    store
        .add_labels(page.id, &[("global".into(), "roadmap".into())], NOW)
        .await
        .expect("label");
    store.trash_content(page.id, NOW).await.expect("trash");
    let entries = poll_all(&store, &mut cursor).await;
    assert_eq!(
        kinds(&entries),
        vec![
            "user.created",
            "space.created",
            "content.created",
            "content.created",
            "content.updated",
            "content.labels_changed",
            "content.trashed"
        ],
        "one entry per committed change, none for the stale edit"
    );
    assert_eq!(
        entries[2].entity_id,
        dev.homepage_id.map(|home| home.0),
        "the home page is created with its space"
    );
    let updated = &entries[4];
    assert_eq!(updated.entity_id, Some(page.id.0));
    assert_eq!(updated.space_id, Some(dev.id.0));
    assert_eq!(updated.payload, "page");
    assert_eq!(updated.change_kind(), Some(ChangeKind::ContentUpdated));
    let database_now = store.database_now_ms().await.expect("now");
    assert!(
        (database_now - updated.created_ms).abs() < 60_000,
        "entries carry the database's time"
    );
    assert_eq!(cursor.position(), store.journal_head().await.expect("head"));
    assert!(poll_all(&store, &mut cursor).await.is_empty());
}

/// Opens a second connection and inserts an entry in a transaction left open.
async fn hold_entry_open(db: &TestDb) -> (sqlx::AnyPool, sqlx::Transaction<'static, sqlx::Any>) {
    let pool = sqlx::AnyPool::connect(&db.url).await.expect("raw pool");
    let mut transaction = pool.begin().await.expect("begin");
    sqlx::query("INSERT INTO cluster_journal (created_ms, kind, entity_id, space_id, payload) VALUES (0, 'content.updated', 1, NULL, 'held')")
        .execute(&mut *transaction)
        .await
        .expect("insert held entry");
    (pool, transaction)
}

fn change(entity: i64) -> Change {
    Change::of_content_id(ChangeKind::ContentUpdated, ContentId(entity))
}

async fn the_gap_rule_delivers_a_late_commit_once(db: TestDb) {
    let store = db.store().await;
    store.record_change(&change(100)).await.expect("first");
    let mut cursor = store
        .journal_start(Duration::from_secs(30))
        .await
        .expect("start");
    let first = poll_all(&store, &mut cursor).await;
    assert_eq!(first.len(), 1);
    if db.dialect == TestDialect::Sqlite {
        // SQLite has one writer at a time: an id is never committed after a higher one.
        return;
    }
    // A transaction takes the next id and stays open while a later one commits.
    let (_pool, held) = hold_entry_open(&db).await;
    store
        .record_change(&change(102))
        .await
        .expect("later entry");
    let seen = poll_all(&store, &mut cursor).await;
    assert_eq!(
        seen.iter().map(|e| e.entity_id).collect::<Vec<_>>(),
        vec![Some(102)]
    );
    let held_position = cursor.position();
    assert_eq!(
        cursor.pending_ids(),
        1,
        "the open transaction's id is pending"
    );
    assert!(held_position < cursor.highest_seen());
    assert!(poll_all(&store, &mut cursor).await.is_empty());
    held.commit().await.expect("commit the held entry");
    let late = poll_all(&store, &mut cursor).await;
    assert_eq!(kinds(&late), vec!["content.updated"]);
    assert_eq!(late[0].payload, "held", "the late commit is delivered");
    assert_eq!(cursor.position(), cursor.highest_seen());
    assert_eq!(cursor.pending_ids(), 0);
    assert!(
        poll_all(&store, &mut cursor).await.is_empty(),
        "and only once"
    );
}

async fn a_rolled_back_entry_is_given_up_after_the_grace_period(db: TestDb) {
    let store = db.store().await;
    let grace = Duration::from_millis(400);
    let mut cursor = store.journal_start(grace).await.expect("start");
    if db.dialect == TestDialect::Sqlite {
        store.record_change(&change(1)).await.expect("entry");
        assert_eq!(poll_all(&store, &mut cursor).await.len(), 1);
        return;
    }
    let (_pool, held) = hold_entry_open(&db).await;
    store.record_change(&change(7)).await.expect("later entry");
    assert_eq!(poll_all(&store, &mut cursor).await.len(), 1);
    held.rollback().await.expect("rollback");
    let stuck_at = cursor.position();
    assert!(stuck_at < cursor.highest_seen());
    let deadline = Instant::now() + Duration::from_secs(10);
    while cursor.position() < cursor.highest_seen() {
        assert!(Instant::now() < deadline, "the gap never expired");
        assert!(poll_all(&store, &mut cursor).await.is_empty());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cursor.pending_ids(), 0);
}

async fn a_lease_has_one_holder_until_it_expires(db: TestDb) {
    let store = db.store().await;
    let ttl = Duration::from_millis(600);
    assert!(
        store
            .acquire_lease("journal-prune", "a", ttl)
            .await
            .expect("a takes")
    );
    assert!(
        !store
            .acquire_lease("journal-prune", "b", ttl)
            .await
            .expect("b waits")
    );
    assert!(
        store
            .acquire_lease("journal-prune", "a", ttl)
            .await
            .expect("a renews")
    );
    assert!(
        store
            .acquire_lease("custom-job", "b", ttl)
            .await
            .expect("new lease"),
        "a lease no migration made is created by its first taker"
    );
    let (now, leases) = store.list_leases().await.expect("list");
    let prune = leases
        .iter()
        .find(|lease| lease.name == "journal-prune")
        .expect("prune lease");
    assert_eq!(prune.holder, "a");
    assert!(prune.expires_ms > now);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !store
        .acquire_lease("journal-prune", "b", ttl)
        .await
        .expect("b tries")
    {
        assert!(Instant::now() < deadline, "the lease never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !store
            .acquire_lease("journal-prune", "a", ttl)
            .await
            .expect("a lost it")
    );
    store
        .release_lease("journal-prune", "b")
        .await
        .expect("release");
    assert!(
        store
            .acquire_lease("journal-prune", "a", ttl)
            .await
            .expect("a again")
    );
}

fn beat(node_id: &str, position: i64) -> NodeHeartbeat {
    NodeHeartbeat {
        node_id: node_id.into(),
        address: "127.0.0.1:1".into(),
        version: "test".into(),
        state: cairn_store::NodeState::Running,
        requests_in_flight: 2,
        requests_total: 10,
        journal_position: position,
    }
}

async fn heartbeats_register_nodes_and_pruning_waits_for_live_nodes(db: TestDb) {
    let store = db.store().await;
    for entity in 0..5 {
        store.record_change(&change(entity)).await.expect("entry");
    }
    let head = store.journal_head().await.expect("head");
    let keep_nothing = Duration::ZERO;
    let alive = Duration::from_secs(30);
    assert_eq!(
        store
            .prune_journal(alive, keep_nothing)
            .await
            .expect("prune"),
        0,
        "with no live node nothing is pruned"
    );
    store.heartbeat(&beat("fast", head)).await.expect("beat");
    store
        .heartbeat(&beat("slow", head - 2))
        .await
        .expect("beat");
    store
        .heartbeat(&beat("slow", head - 2))
        .await
        .expect("second beat updates");
    let (_, nodes) = store.list_nodes().await.expect("nodes");
    assert_eq!(nodes.len(), 2);
    assert!(
        nodes
            .iter()
            .all(|node| node.heartbeat_age_ms < 30_000 && node.requests_in_flight == 2)
    );
    let pruned = store
        .prune_journal(alive, keep_nothing)
        .await
        .expect("prune");
    assert_eq!(
        pruned, 3,
        "entries up to the slowest live node's position go"
    );
    assert_eq!(
        store
            .prune_journal(alive, Duration::from_secs(3600))
            .await
            .expect("prune"),
        0,
        "young entries are kept"
    );
    assert_eq!(
        store
            .forget_dead_nodes(Duration::from_secs(3600))
            .await
            .expect("forget"),
        0
    );
}

async fn a_task_whose_node_stopped_is_recorded_as_failed(db: TestDb) {
    let store = db.store().await;
    let creator = user(&store, "admin").await;
    let alive = Duration::from_secs(30);
    store.heartbeat(&beat("live", 0)).await.expect("beat");
    store.heartbeat(&beat("stopping", 0)).await.expect("beat");
    let on_live = store
        .start_task("Import a.zip", creator.id, "live", NOW)
        .await
        .expect("task");
    let on_stopped = store
        .start_task("Import b.zip", creator.id, "stopping", NOW)
        .await
        .expect("task");
    let on_forgotten = store
        .start_task("Export DEV", creator.id, "gone", NOW)
        .await
        .expect("task");
    let finished = store
        .start_task("Import c.zip", creator.id, "gone", NOW)
        .await
        .expect("task");
    store
        .finish_task(finished, true, "imported", NOW + 5)
        .await
        .expect("finish");
    store
        .heartbeat(&NodeHeartbeat {
            state: cairn_store::NodeState::Stopped,
            ..beat("stopping", 0)
        })
        .await
        .expect("the node stops");

    assert_eq!(
        store
            .fail_orphaned_tasks(alive, NOW + 10)
            .await
            .expect("close orphans"),
        0,
        "a task younger than dead_after is left alone: its node may not have beaten yet"
    );
    let later = NOW + 60_000;
    let failed = store
        .fail_orphaned_tasks(alive, later)
        .await
        .expect("close orphans");
    assert_eq!(
        failed, 2,
        "the stopped node's task and the forgotten node's"
    );
    let task = |id| {
        let store = store.clone();
        async move { store.find_task(id).await.expect("read").expect("the task") }
    };
    let live = task(on_live).await;
    assert_eq!(live.status, "running", "a live node's task runs on");
    for orphan in [on_stopped, on_forgotten] {
        let orphan = task(orphan).await;
        assert_eq!(orphan.status, "failed");
        assert_eq!(orphan.finished_ms, Some(later));
        assert!(
            orphan.message.contains("stopped before the task finished"),
            "{}",
            orphan.message
        );
    }
    assert!(task(on_stopped).await.message.contains("(stopping)"));
    let done = task(finished).await;
    assert_eq!(
        (done.status.as_str(), done.message.as_str()),
        ("succeeded", "imported"),
        "a finished task stays as it ended"
    );
    // A node that stops beating counts as gone once `dead_after` has passed.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        store
            .fail_orphaned_tasks(Duration::from_millis(10), later + 20)
            .await
            .expect("close orphans"),
        1
    );
    assert_eq!(task(on_live).await.status, "failed");
}

/// Waits for a wake-up for at most `limit`; true when one came.
async fn woken_within(wakeups: &mut cairn_store::JournalWakeups, limit: Duration) -> bool {
    tokio::time::timeout(limit, wakeups.wait()).await.is_ok()
}

/// The process id of the session listening for journal notifications on `db`, once there is one.
async fn listening_backend(admin: &mut sqlx::PgConnection) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pid: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
        )
        .fetch_optional(&mut *admin)
        .await
        .expect("pg_stat_activity");
        if let Some(pid) = pid {
            return pid;
        }
        assert!(Instant::now() < deadline, "nobody listens");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn commits_wake_listeners_on_postgresql_even_after_a_lost_connection(db: TestDb) {
    use cairn_store::WakeupState;
    use sqlx::Connection;

    let store = db.store().await;
    let mut wakeups = store.journal_wakeups();
    let change = Change::of_content_id(ChangeKind::ContentUpdated, ContentId(7));
    if db.dialect != TestDialect::Postgres {
        assert_eq!(wakeups.status().state(), WakeupState::Off);
        store.record_change(&change).await.expect("recorded");
        assert!(
            !woken_within(&mut wakeups, Duration::from_millis(300)).await,
            "no notifications here: the tailer polls"
        );
        return;
    }
    let mut admin = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let first_backend = listening_backend(&mut admin).await;
    // Connecting announces itself once, for commits made while nobody listened.
    assert!(woken_within(&mut wakeups, Duration::from_secs(30)).await);
    assert_eq!(wakeups.status().state(), WakeupState::Listening);
    assert!(
        !woken_within(&mut wakeups, Duration::from_millis(300)).await,
        "nothing committed, nothing to wake for"
    );
    store.record_change(&change).await.expect("recorded");
    assert!(
        woken_within(&mut wakeups, Duration::from_secs(5)).await,
        "a commit wakes"
    );

    // The listening session is killed: the listener connects again by itself.
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(first_backend)
        .execute(&mut admin)
        .await
        .expect("terminate the listener's session");
    let deadline = Instant::now() + Duration::from_secs(30);
    let second_backend = loop {
        let backend = listening_backend(&mut admin).await;
        if backend != first_backend {
            break backend;
        }
        assert!(Instant::now() < deadline, "the listener never reconnected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_ne!(second_backend, first_backend);
    while wakeups.status().state() != WakeupState::Listening {
        assert!(
            Instant::now() < deadline,
            "the listener never listened again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The reconnection's own wake-up, if it has not been taken yet; then a commit wakes again.
    let _ = woken_within(&mut wakeups, Duration::from_millis(300)).await;
    store.record_change(&change).await.expect("recorded");
    assert!(
        woken_within(&mut wakeups, Duration::from_secs(5)).await,
        "a commit wakes after the reconnection"
    );
}
