//! This node's part in the cluster, coordinated through the database only:
//!
//! - [`heartbeat`]: writes the node's row in `cluster_node` every second or so (database time),
//!   with its load and journal position.
//! - [`tailer`]: tails `cluster_journal` with the gap rule, invalidates this node's caches, and
//!   publishes every entry to subscribers ([`ClusterNode::subscribe`]).
//! - [`singleton`]: jobs that run on one node of the cluster at a time, under a lease.
//!
//! What an operator sees of it (`GET /rest/cairn/1/cluster`, `GET /metrics`, the Clustering admin
//! page) is served by `cairn-web`.
//!
//! Main types: [`ClusterSettings`], [`ClusterNode`] (shared, in `Node`), and [`spawn`], which
//! starts the background tasks and returns their owner handle.

mod heartbeat;
pub mod singleton;
pub mod tailer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use cairn_store::{JournalEntry, WakeupState, WakeupStatus};
use rand::RngExt;
use tokio::sync::{Notify, broadcast};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::Node;

/// Timing of the cluster machinery. Defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    /// The cluster's name, as its administrators call it (shown with the nodes).
    pub name: String,
    /// Time between heartbeats.
    pub heartbeat_interval: Duration,
    /// A node whose heartbeat is older than this (database time) is dead.
    pub dead_after: Duration,
    /// Time between journal polls. On PostgreSQL a commit wakes the tailer sooner (LISTEN/NOTIFY);
    /// this interval is the fallback there and the rule elsewhere.
    pub journal_poll_interval: Duration,
    /// How long an id missing below the highest seen stays pending; longer than any write
    /// transaction may run.
    pub journal_gap_grace: Duration,
    /// Journal entries younger than this are never pruned, even when every node passed them.
    pub journal_keep_for: Duration,
    /// Time between runs of the journal pruning job.
    pub journal_prune_interval: Duration,
    /// Lease lifetime; holders renew at a third of it and stop their job at two thirds without a
    /// successful renewal.
    pub lease_ttl: Duration,
    /// The journal tailer counts as stalled (caches bypassed, node not ready) when its last
    /// successful poll is older than this.
    pub stalled_after: Duration,
    /// The `cairn cluster` balancer in front of this node (`http://127.0.0.1:8090`), whose state the
    /// cluster view includes; `None` behind any other load balancer.
    pub balancer_url: Option<String>,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            name: "cairn".to_string(),
            heartbeat_interval: Duration::from_secs(1),
            dead_after: Duration::from_secs(10),
            journal_poll_interval: Duration::from_millis(150),
            journal_gap_grace: Duration::from_secs(10),
            journal_keep_for: Duration::from_secs(600),
            journal_prune_interval: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(15),
            stalled_after: Duration::from_secs(10),
            balancer_url: None,
        }
    }
}

/// The singleton jobs, by lease name.
pub const JOURNAL_PRUNE_LEASE: &str = "journal-prune";
pub const SESSION_SWEEP_LEASE: &str = "session-sweep";
pub const BLOB_SWEEP_LEASE: &str = "blob-sweep";
pub const SEARCH_SNAPSHOT_LEASE: &str = "search-snapshot";

/// Where the tailer is, for readiness, metrics and the admin views. Written by the tailer task only.
#[derive(Default)]
pub struct JournalStatus {
    /// Low-water mark: every id at or below it was applied (or given up as rolled back).
    pub position: AtomicI64,
    /// Highest id delivered.
    pub highest_seen: AtomicI64,
    /// Highest id in the journal at the last check.
    pub head: AtomicI64,
    /// Ids pending under the gap rule.
    pub pending_ids: AtomicI64,
    /// Entries delivered since start.
    pub delivered_total: AtomicU64,
    /// Milliseconds since `ClusterNode::started` of the last successful poll; -1 before the first.
    pub last_poll_ok_ms: AtomicI64,
    /// Polls started early by a PostgreSQL notification.
    pub wakeups_total: AtomicU64,
}

/// This node in the cluster. Shared by handlers and background tasks; every field is safe to read
/// concurrently.
pub struct ClusterNode {
    /// Random id, new for every process start.
    pub node_id: String,
    pub version: &'static str,
    pub settings: ClusterSettings,
    /// Monotonic start time, the origin of the `*_ms` instants below.
    started: Instant,
    /// `host:port` this node listens on; set once the listener is bound.
    address: Mutex<String>,
    pub journal: JournalStatus,
    /// Milliseconds since start of the last successful heartbeat; -1 before the first.
    last_heartbeat_ok_ms: AtomicI64,
    /// Leases this node holds now, by name. Std mutex, held for one map operation.
    leases_held: Mutex<BTreeMap<&'static str, bool>>,
    /// Runs of each singleton job on this node since start. Std mutex, one map operation.
    job_runs: Mutex<BTreeMap<&'static str, u64>>,
    /// Journal entries as this node delivers them; see [`ClusterNode::subscribe`].
    events: broadcast::Sender<Arc<JournalEntry>>,
    /// The tailer's LISTEN/NOTIFY state; set once when the tailer starts.
    journal_wakeups: OnceLock<WakeupStatus>,
    /// Set once when the node begins shutting down; never cleared.
    draining: AtomicBool,
    /// Wakes the heartbeat so a change of state reaches the database at once.
    state_changed: Notify,
}

/// Entries buffered per subscriber before a slow one starts missing them.
const EVENT_BUFFER: usize = 4096;

impl ClusterNode {
    pub fn new(settings: ClusterSettings) -> ClusterNode {
        let suffix: u64 = rand::rng().random();
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let node = ClusterNode {
            node_id: format!("node-{:012x}", suffix & 0xffff_ffff_ffff),
            version: env!("CARGO_PKG_VERSION"),
            settings,
            started: Instant::now(),
            address: Mutex::new(String::new()),
            journal: JournalStatus::default(),
            last_heartbeat_ok_ms: AtomicI64::new(-1),
            leases_held: Mutex::new(BTreeMap::new()),
            job_runs: Mutex::new(BTreeMap::new()),
            events,
            journal_wakeups: OnceLock::new(),
            draining: AtomicBool::new(false),
            state_changed: Notify::new(),
        };
        node.journal.last_poll_ok_ms.store(-1, Ordering::Relaxed);
        node
    }

    /// Every journal entry this node delivers from now on, each once, in the order the tailer
    /// delivers them (id order, except that an entry whose transaction committed late comes when it
    /// appears). A receiver that falls more than 4096 entries behind gets `RecvError::Lagged` and
    /// must treat everything it holds as stale (rebuild or re-read), then continue.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<JournalEntry>> {
        self.events.subscribe()
    }

    /// The node begins shutting down: it reports not ready and `draining` in its `cluster_node`
    /// row (written at once) while it finishes its requests.
    pub fn begin_draining(&self) {
        if !self.draining.swap(true, Ordering::SeqCst) {
            self.state_changed.notify_one();
        }
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// The state this node writes into its `cluster_node` row while it serves.
    pub fn serving_state(&self) -> cairn_store::NodeState {
        if self.is_draining() {
            cairn_store::NodeState::Draining
        } else {
            cairn_store::NodeState::Running
        }
    }

    pub fn address(&self) -> String {
        self.address.lock().map(|a| a.clone()).unwrap_or_default()
    }

    pub fn set_address(&self, address: String) {
        if let Ok(mut current) = self.address.lock() {
            *current = address;
        }
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    /// How long ago `stamp` (from [`ClusterNode::elapsed_ms`]) was; `None` if never.
    fn age_of(&self, stamp: &AtomicI64) -> Option<Duration> {
        let at = stamp.load(Ordering::Relaxed);
        (at >= 0).then(|| Duration::from_millis(u64::try_from(self.elapsed_ms() - at).unwrap_or(0)))
    }

    /// Time since the last successful journal poll; `None` before the first.
    pub fn journal_poll_age(&self) -> Option<Duration> {
        self.age_of(&self.journal.last_poll_ok_ms)
    }

    /// Time since the last successful heartbeat; `None` before the first.
    pub fn heartbeat_age(&self) -> Option<Duration> {
        self.age_of(&self.last_heartbeat_ok_ms)
    }

    /// True when the tailer has polled and its last success is older than `stalled_after`: caches
    /// may miss invalidations, so they are bypassed, and the node is not ready.
    pub fn journal_stalled(&self) -> bool {
        self.journal_poll_age()
            .is_some_and(|age| age > self.settings.stalled_after)
    }

    /// `starting`, `current` or `stalled`.
    pub fn journal_state(&self) -> &'static str {
        match self.journal_poll_age() {
            None => "starting",
            Some(age) if age > self.settings.stalled_after => "stalled",
            Some(_) => "current",
        }
    }

    /// Whether commits wake the tailer: `listening` on PostgreSQL when all is well, `off` on the
    /// other databases (polling only), `connecting` or `reconnecting` while the listener is down.
    pub fn journal_wakeup_state(&self) -> WakeupState {
        self.journal_wakeups
            .get()
            .map_or(WakeupState::Off, WakeupStatus::state)
    }

    /// Entries in the journal above this node's position.
    pub fn journal_lag(&self) -> i64 {
        let head = self.journal.head.load(Ordering::Relaxed);
        let position = self.journal.position.load(Ordering::Relaxed);
        (head - position).max(0)
    }

    pub fn leases_held(&self) -> BTreeMap<&'static str, bool> {
        self.leases_held
            .lock()
            .map(|held| held.clone())
            .unwrap_or_default()
    }

    fn set_lease_held(&self, lease: &'static str, held: bool) {
        if let Ok(mut leases) = self.leases_held.lock() {
            leases.insert(lease, held);
        }
    }

    pub fn job_runs(&self) -> BTreeMap<&'static str, u64> {
        self.job_runs
            .lock()
            .map(|runs| runs.clone())
            .unwrap_or_default()
    }

    fn count_job_run(&self, job: &'static str) {
        if let Ok(mut runs) = self.job_runs.lock() {
            *runs.entry(job).or_default() += 1;
        }
    }
}

/// Starts heartbeat, journal tailer and singleton jobs for `state`'s node, listening on `address`.
/// They stop when `shutdown` is cancelled; await the returned set to wait for them (the node then
/// marks itself stopped and releases its leases). Cancel `shutdown` after the server has finished
/// its requests (the web server returned): until then the node keeps its row `draining` and its
/// caches current.
pub fn spawn(state: &Node, address: String, shutdown: CancellationToken) -> JoinSet<()> {
    state.cluster.set_address(address);
    let mut tasks = JoinSet::new();
    tasks.spawn(heartbeat::run(state.clone(), shutdown.clone()));
    tasks.spawn(tailer::run(state.clone(), shutdown.clone()));
    tasks.spawn(crate::search::indexer::run(state.clone(), shutdown.clone()));
    tasks.spawn(singleton::run_jobs(state.clone(), shutdown));
    tasks
}
