//! The load this node carries, as its heartbeat reports it to the cluster (the `cairn cluster`
//! autoscaler reads it from the node table). The web layer counts requests into it.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// Requests in flight and served. Lock-free counters, updated by every request.
#[derive(Debug, Default)]
pub struct RequestLoad {
    /// Requests being served now.
    in_flight: AtomicI64,
    /// Requests finished since start.
    total: AtomicU64,
}

impl RequestLoad {
    /// Counts a request from now until the returned guard drops, however the request ends.
    pub fn begin(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

/// A request in flight; dropping it counts the request as served.
pub struct InFlight<'a>(&'a RequestLoad);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.total.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_while_in_flight_and_after() {
        let load = RequestLoad::default();
        let first = load.begin();
        let second = load.begin();
        assert_eq!((load.in_flight(), load.total()), (2, 0));
        drop(first);
        assert_eq!((load.in_flight(), load.total()), (1, 1));
        drop(second);
        assert_eq!((load.in_flight(), load.total()), (0, 2));
    }
}
