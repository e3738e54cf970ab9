//! Counters of the balancer, the supervisor and the autoscaler, rendered as Prometheus text by
//! `status`. Every label value comes from a fixed set.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the request duration histogram's buckets.
pub const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Why a request could not be answered by a node.
#[derive(Debug, Clone, Copy)]
pub enum FailureKind {
    /// The node refused or did not accept the connection.
    Connect,
    /// The connection broke after the request was sent, before the whole answer arrived.
    Broken,
}

/// All counters. Shared by every task; each field is updated with relaxed atomics.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses sent to clients by status class: index 0 for 1xx … 4 for 5xx.
    pub responses_by_class: [AtomicU64; 5],
    /// Requests sent again to another node after a failure.
    pub retries: AtomicU64,
    pub upstream_connect_failures: AtomicU64,
    pub upstream_broken_connections: AtomicU64,
    /// Requests answered 502 because their node failed and they could not be retried.
    pub not_retried: AtomicU64,
    /// Requests answered 503 because no node was ready in time.
    pub no_node_ready: AtomicU64,
    /// Nodes taken out of rotation after failed connections.
    pub ejections: AtomicU64,
    /// Connections switched to another protocol (WebSocket) and passed through.
    pub upgrades: AtomicU64,
    pub nodes_started: AtomicU64,
    /// Nodes that exited without being asked to.
    pub nodes_crashed: AtomicU64,
    /// Nodes stopped on purpose (after draining).
    pub nodes_stopped: AtomicU64,
    /// Nodes stopped with requests still in flight when the drain timeout ran out.
    pub drain_timeouts: AtomicU64,
    pub rolling_restarts: AtomicU64,
    pub scale_ups: AtomicU64,
    pub scale_downs: AtomicU64,
    /// Request durations to the response head, per bucket of [`DURATION_BUCKETS`] (not cumulative;
    /// the last slot counts the rest).
    duration_buckets: [AtomicU64; DURATION_BUCKETS.len() + 1],
    duration_sum_micros: AtomicU64,
    duration_count: AtomicU64,
}

impl Metrics {
    pub fn count_response(&self, status: u16) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.responses_by_class[class].fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_failure(&self, kind: FailureKind) {
        let counter = match kind {
            FailureKind::Connect => &self.upstream_connect_failures,
            FailureKind::Broken => &self.upstream_broken_connections,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn observe_duration(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        let slot = DURATION_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(DURATION_BUCKETS.len());
        self.duration_buckets[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        self.duration_sum_micros
            .fetch_add(micros, Ordering::Relaxed);
        self.duration_count.fetch_add(1, Ordering::Relaxed);
    }

    /// Cumulative bucket counts (as Prometheus wants them), then the sum in seconds and the count.
    pub fn duration_histogram(&self) -> (Vec<(f64, u64)>, f64, u64) {
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(DURATION_BUCKETS.len());
        for (index, bound) in DURATION_BUCKETS.iter().enumerate() {
            cumulative += self.duration_buckets[index].load(Ordering::Relaxed);
            buckets.push((*bound, cumulative));
        }
        let sum = self.duration_sum_micros.load(Ordering::Relaxed) as f64 / 1_000_000.0;
        (buckets, sum, self.duration_count.load(Ordering::Relaxed))
    }
}

/// Shorthand for reading a counter.
pub fn read(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Shorthand for adding one to a counter.
pub fn increment(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.observe_duration(Duration::from_millis(3));
        metrics.observe_duration(Duration::from_millis(30));
        metrics.observe_duration(Duration::from_secs(60));
        let (buckets, sum, count) = metrics.duration_histogram();
        assert_eq!(buckets[0], (0.005, 1));
        assert_eq!(buckets[3], (0.05, 2));
        assert_eq!(buckets.last().map(|bucket| bucket.1), Some(2));
        assert_eq!(count, 3);
        assert!((sum - 60.033).abs() < 1e-6);
    }

    #[test]
    fn responses_are_counted_by_class() {
        let metrics = Metrics::default();
        for status in [101, 200, 204, 409, 502] {
            metrics.count_response(status);
        }
        let counts: Vec<u64> = metrics.responses_by_class.iter().map(read).collect();
        assert_eq!(counts, [1, 2, 0, 1, 1]);
    }
}
