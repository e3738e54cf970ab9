//! The nodes the balancer knows, their routing state, and the least-connections choice.
//!
//! A node is routable when it has passed its readiness check, is not draining, and is not ejected
//! after failed connections. Choosing a node and counting the request as in flight on it happen
//! under one lock, the same lock that marks a node as draining: once `start_draining` returns, no
//! new request can be counted on that node, so waiting for its in-flight count to reach zero is
//! enough to know it is idle.

use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

/// A node process incarnation. A restarted node is a new node with a new id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u64);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node-{}", self.0)
    }
}

impl Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What the balancer does with a node, as shown in `/_cluster/state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Started, not yet ready: gets no requests.
    Starting,
    /// Passing its readiness check: gets requests.
    Ready,
    /// Finishing its requests before it is stopped: gets no new ones.
    Draining,
    /// Failed its readiness check after being ready, or its connections failed recently: gets no
    /// requests until it recovers.
    Ejected,
}

/// One node process as the balancer sees it. Shared between the registry, the proxy (through
/// [`InFlightGuard`]) and the supervisor.
#[derive(Debug)]
pub struct Node {
    pub id: NodeId,
    /// Where the node listens (always on 127.0.0.1).
    pub address: SocketAddr,
    /// The node's process id.
    pub pid: u32,
    pub started_at: Instant,
    /// Requests forwarded to this node and not finished (the response body included). Incremented
    /// only under the registry lock (see the module docs); decremented without it by
    /// [`InFlightGuard`].
    in_flight: AtomicUsize,
    /// Requests this node finished, successfully or not.
    served: AtomicU64,
    /// Connections to this node that failed (refused, reset, closed early).
    connection_failures: AtomicU64,
}

impl Node {
    pub fn new(id: NodeId, address: SocketAddr, pid: u32) -> Node {
        Node {
            id,
            address,
            pid,
            started_at: Instant::now(),
            in_flight: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            connection_failures: AtomicU64::new(0),
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }
}

/// Counts one request as in flight on a node until dropped (when the response body has been
/// passed on, or the request failed).
#[derive(Debug)]
pub struct InFlightGuard {
    node: Arc<Node>,
}

impl InFlightGuard {
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.node.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.node.served.fetch_add(1, Ordering::Relaxed);
    }
}

/// Routing facts about one node, kept under the registry lock.
#[derive(Debug)]
struct Entry {
    node: Arc<Node>,
    /// Has passed a readiness check at least once.
    ever_ready: bool,
    /// The last readiness check passed.
    ready: bool,
    draining: bool,
    /// Passive ejection after failed connections: no requests before this instant.
    ejected_until: Option<Instant>,
}

impl Entry {
    fn state(&self, now: Instant) -> NodeState {
        if self.draining {
            NodeState::Draining
        } else if !self.ever_ready {
            NodeState::Starting
        } else if !self.ready || self.ejected_until.is_some_and(|until| until > now) {
            NodeState::Ejected
        } else {
            NodeState::Ready
        }
    }
}

/// A node's figures at one moment, for status pages and the autoscaler.
#[derive(Debug, Clone, Serialize)]
pub struct NodeSnapshot {
    pub id: NodeId,
    pub port: u16,
    pub pid: u32,
    pub state: NodeState,
    pub in_flight: usize,
    pub served: u64,
    pub connection_failures: u64,
    pub uptime_ms: u64,
}

/// The set of nodes. Cheap operations only under its lock; never held across `.await`.
#[derive(Debug, Default)]
pub struct Registry {
    entries: Mutex<Vec<Entry>>,
    /// Rotates the starting point of the least-connections scan, so ties are spread evenly.
    rotation: AtomicUsize,
}

/// What a readiness check changed, for logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthChange {
    Unchanged,
    BecameReady,
    BecameUnready,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        // A panic while holding this lock cannot leave the entries half-updated (each update is one
        // field assignment), so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a node in the starting state.
    pub fn add(&self, node: Arc<Node>) {
        self.lock().push(Entry {
            node,
            ever_ready: false,
            ready: false,
            draining: false,
            ejected_until: None,
        });
    }

    /// Forgets a node (it has exited). Requests still in flight on it keep their guards.
    pub fn remove(&self, id: NodeId) {
        self.lock().retain(|entry| entry.node.id != id);
    }

    pub fn node(&self, id: NodeId) -> Option<Arc<Node>> {
        self.lock()
            .iter()
            .find(|entry| entry.node.id == id)
            .map(|entry| entry.node.clone())
    }

    /// Picks the routable node with the fewest requests in flight, skipping `excluded`, and counts
    /// one more request on it.
    pub fn choose(&self, excluded: &[NodeId], now: Instant) -> Option<InFlightGuard> {
        let entries = self.lock();
        let candidates: Vec<Candidate> = entries
            .iter()
            .map(|entry| Candidate {
                routable: entry.state(now) == NodeState::Ready
                    && !excluded.contains(&entry.node.id),
                in_flight: entry.node.in_flight(),
            })
            .collect();
        let rotation = self.rotation.fetch_add(1, Ordering::Relaxed);
        let index = least_connections(&candidates, rotation)?;
        let node = entries[index].node.clone();
        node.in_flight.fetch_add(1, Ordering::AcqRel);
        Some(InFlightGuard { node })
    }

    /// Records the result of a readiness check.
    pub fn record_health(&self, id: NodeId, ready: bool) -> HealthChange {
        let mut entries = self.lock();
        let Some(entry) = entries.iter_mut().find(|entry| entry.node.id == id) else {
            return HealthChange::Unchanged;
        };
        let change = match (entry.ready, ready) {
            (false, true) => HealthChange::BecameReady,
            (true, false) => HealthChange::BecameUnready,
            _ => HealthChange::Unchanged,
        };
        entry.ready = ready;
        entry.ever_ready |= ready;
        change
    }

    /// Passive ejection: no requests to `id` for `duration`. Returns whether it was routable before.
    pub fn eject(&self, id: NodeId, now: Instant, duration: Duration) -> bool {
        let mut entries = self.lock();
        let Some(entry) = entries.iter_mut().find(|entry| entry.node.id == id) else {
            return false;
        };
        let was_routable = entry.state(now) == NodeState::Ready;
        entry.ejected_until = Some(now + duration);
        entry
            .node
            .connection_failures
            .fetch_add(1, Ordering::Relaxed);
        was_routable
    }

    /// Stops routing new requests to `id`. After this returns, its in-flight count only falls.
    pub fn start_draining(&self, id: NodeId) {
        if let Some(entry) = self.lock().iter_mut().find(|entry| entry.node.id == id) {
            entry.draining = true;
        }
    }

    pub fn state_of(&self, id: NodeId, now: Instant) -> Option<NodeState> {
        self.lock()
            .iter()
            .find(|entry| entry.node.id == id)
            .map(|entry| entry.state(now))
    }

    /// Every node, oldest first.
    pub fn snapshot(&self, now: Instant) -> Vec<NodeSnapshot> {
        self.lock()
            .iter()
            .map(|entry| NodeSnapshot {
                id: entry.node.id,
                port: entry.node.address.port(),
                pid: entry.node.pid,
                state: entry.state(now),
                in_flight: entry.node.in_flight(),
                served: entry.node.served(),
                connection_failures: entry.node.connection_failures.load(Ordering::Relaxed),
                uptime_ms: u64::try_from(
                    now.saturating_duration_since(entry.node.started_at)
                        .as_millis(),
                )
                .unwrap_or(u64::MAX),
            })
            .collect()
    }

    /// Nodes that are not draining: the ones that count towards the target size.
    pub fn live_nodes(&self) -> Vec<Arc<Node>> {
        self.lock()
            .iter()
            .filter(|entry| !entry.draining)
            .map(|entry| entry.node.clone())
            .collect()
    }

    /// Every node, draining ones included.
    pub fn all_nodes(&self) -> Vec<Arc<Node>> {
        self.lock().iter().map(|entry| entry.node.clone()).collect()
    }
}

/// One node as the least-connections choice sees it.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    routable: bool,
    in_flight: usize,
}

/// Index of the routable candidate with the fewest requests in flight. Among equals, the first one
/// met when scanning from `rotation` (modulo the length) wins, so a rotating value spreads ties.
fn least_connections(candidates: &[Candidate], rotation: usize) -> Option<usize> {
    let count = candidates.len();
    let mut best: Option<(usize, usize)> = None;
    for offset in 0..count {
        let index = (rotation + offset) % count;
        let candidate = candidates[index];
        if !candidate.routable {
            continue;
        }
        let better = match best {
            None => true,
            Some((_, fewest)) => candidate.in_flight < fewest,
        };
        if better {
            best = Some((index, candidate.in_flight));
        }
    }
    best.map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(routable: bool, in_flight: usize) -> Candidate {
        Candidate {
            routable,
            in_flight,
        }
    }

    #[test]
    fn the_node_with_fewest_requests_wins() {
        let candidates = [candidate(true, 3), candidate(true, 1), candidate(true, 2)];
        for rotation in 0..6 {
            assert_eq!(least_connections(&candidates, rotation), Some(1));
        }
    }

    #[test]
    fn unroutable_nodes_are_never_chosen_even_when_idle() {
        let candidates = [candidate(false, 0), candidate(true, 7), candidate(false, 0)];
        for rotation in 0..6 {
            assert_eq!(least_connections(&candidates, rotation), Some(1));
        }
        assert_eq!(least_connections(&[candidate(false, 0)], 0), None);
        assert_eq!(least_connections(&[], 3), None);
    }

    #[test]
    fn ties_rotate_over_the_tied_nodes() {
        let candidates = [candidate(true, 1), candidate(true, 5), candidate(true, 1)];
        let chosen: Vec<_> = (0..3)
            .map(|rotation| least_connections(&candidates, rotation))
            .collect();
        assert_eq!(chosen, [Some(0), Some(2), Some(2)]);
        assert!(chosen.contains(&Some(0)) && chosen.contains(&Some(2)));
    }

    fn registry_with_ready_nodes(count: u64) -> Registry {
        let registry = Registry::default();
        for number in 1..=count {
            let address = SocketAddr::from(([127, 0, 0, 1], 10_000 + number as u16));
            registry.add(Arc::new(Node::new(NodeId(number), address, 0)));
            registry.record_health(NodeId(number), true);
        }
        registry
    }

    #[test]
    fn requests_spread_over_nodes_and_guards_release_them() {
        let registry = registry_with_ready_nodes(3);
        let now = Instant::now();
        let guards: Vec<_> = (0..6)
            .map(|_| registry.choose(&[], now).expect("a node"))
            .collect();
        for snapshot in registry.snapshot(now) {
            assert_eq!(snapshot.in_flight, 2, "{snapshot:?}");
        }
        drop(guards);
        for snapshot in registry.snapshot(now) {
            assert_eq!(snapshot.in_flight, 0);
            assert_eq!(snapshot.served, 2);
        }
    }

    #[test]
    fn starting_draining_and_ejected_nodes_get_no_requests() {
        let registry = registry_with_ready_nodes(3);
        let now = Instant::now();
        registry.add(Arc::new(Node::new(
            NodeId(4),
            SocketAddr::from(([127, 0, 0, 1], 4)),
            0,
        )));
        registry.start_draining(NodeId(1));
        assert!(registry.eject(NodeId(2), now, Duration::from_secs(5)));
        for _ in 0..5 {
            let guard = registry.choose(&[], now).expect("node 3 is routable");
            assert_eq!(guard.node().id, NodeId(3));
        }
        assert!(registry.choose(&[NodeId(3)], now).is_none());
        let states: Vec<_> = registry
            .snapshot(now)
            .iter()
            .map(|node| node.state)
            .collect();
        assert_eq!(
            states,
            [
                NodeState::Draining,
                NodeState::Ejected,
                NodeState::Ready,
                NodeState::Starting
            ]
        );
        // The ejection ends by itself.
        let later = now + Duration::from_secs(6);
        assert_eq!(registry.state_of(NodeId(2), later), Some(NodeState::Ready));
    }

    #[test]
    fn a_node_that_fails_its_readiness_check_is_taken_out_until_it_passes() {
        let registry = registry_with_ready_nodes(1);
        let now = Instant::now();
        assert_eq!(
            registry.record_health(NodeId(1), false),
            HealthChange::BecameUnready
        );
        assert!(registry.choose(&[], now).is_none());
        assert_eq!(
            registry.record_health(NodeId(1), true),
            HealthChange::BecameReady
        );
        assert!(registry.choose(&[], now).is_some());
    }
}
