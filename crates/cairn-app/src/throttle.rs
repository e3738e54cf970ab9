//! Login throttling: failed password and token checks are counted per username from one client
//! address, per client address, and per username from anywhere. After a few free failures each
//! further one makes the caller wait, twice as long each time up to a ceiling; while they must wait,
//! checks are refused with 429 and `Retry-After` before any password is hashed. The free failures of
//! a username from anywhere are many more than from one address, so a guesser elsewhere cannot lock
//! its owner out from their own machine, yet guessing spread over many addresses still meets a wall.
//! A success clears the counts of that username. Password hashing itself is bounded by a semaphore,
//! so a flood of guesses queues instead of taking every core.
//!
//! The counts are per node: behind a balancer spreading requests over N nodes a guesser gets at
//! most N times the attempts, still a handful a minute. The client address is the last entry of
//! `X-Forwarded-For` (the one the nearest proxy added) when present, else the peer address; the web
//! layer determines it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{Error, ErrorCode};

/// Failures a username gets from one address before waits begin.
pub const FREE_FAILURES_PER_USERNAME_AND_ADDRESS: u32 = 5;
/// Failures a username gets from all addresses together before waits begin.
pub const FREE_FAILURES_PER_USERNAME: u32 = 50;
/// Failures one client address gets before waits begin (many people may share one address).
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The longest wait imposed after a failure.
pub const LONGEST_WAIT: Duration = Duration::from_secs(300);
/// A count is forgotten this long after its last failure.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Counts kept before idle ones are dropped.
const MAX_ENTRIES: usize = 100_000;
/// Password hashes computed at once on a node; more wait their turn.
const CONCURRENT_HASHES: usize = 4;
/// How long a check waits for its turn to hash before the node answers that it is busy.
const HASH_QUEUE_PATIENCE: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    UsernameFrom(String, IpAddr),
    Username(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    /// No check is taken for this key before then.
    blocked_until: Instant,
}

/// How long to wait after the `count`-th failure when `free` are allowed without waiting: nothing
/// before, then 1 s, 2 s, 4 s… up to [`LONGEST_WAIT`].
pub fn wait_after_failures(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let doublings = (count - free).min(16);
    Duration::from_secs(1u64 << doublings).min(LONGEST_WAIT)
}

/// Who is trying to sign in: a username when one was given, and the client address.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub username: Option<String>,
    pub address: Option<IpAddr>,
}

impl Attempt {
    /// An attempt from `address` (the client's, as the web layer determines it), for `username`
    /// when one was given.
    pub fn new(username: Option<&str>, address: Option<IpAddr>) -> Attempt {
        Attempt {
            username: username.map(str::to_string),
            address,
        }
    }

    fn keys(&self) -> Vec<(Key, u32)> {
        let mut keys = Vec::with_capacity(3);
        if let Some(username) = self.username.as_deref().map(str::to_lowercase) {
            keys.push((Key::Username(username.clone()), FREE_FAILURES_PER_USERNAME));
            if let Some(address) = self.address {
                keys.push((
                    Key::UsernameFrom(username.clone(), address),
                    FREE_FAILURES_PER_USERNAME_AND_ADDRESS,
                ));
            }
        }
        if let Some(address) = self.address {
            keys.push((Key::Address(address), FREE_FAILURES_PER_ADDRESS));
        }
        keys
    }
}

/// The failure counts and the hashing queue of one node.
pub struct LoginThrottle {
    /// Guarded by a std mutex held only for a map update, never across `.await`.
    failures: Mutex<HashMap<Key, Failures>>,
    /// Permits to compute a password hash.
    hashing: Semaphore,
}

impl Default for LoginThrottle {
    fn default() -> LoginThrottle {
        LoginThrottle {
            failures: Mutex::new(HashMap::new()),
            hashing: Semaphore::new(CONCURRENT_HASHES),
        }
    }
}

impl LoginThrottle {
    /// `Err` with the seconds to wait while any key of `attempt` is blocked.
    pub fn check(&self, attempt: &Attempt, now: Instant) -> Result<(), Error> {
        let Ok(failures) = self.failures.lock() else {
            return Ok(());
        };
        let wait = attempt
            .keys()
            .iter()
            .filter_map(|(key, _)| failures.get(key))
            .filter(|entry| now.duration_since(entry.last) < FORGET_AFTER)
            .map(|entry| entry.blocked_until.saturating_duration_since(now))
            .max()
            .unwrap_or(Duration::ZERO);
        if wait.is_zero() {
            return Ok(());
        }
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        Err(Error::too_many_login_failures(seconds))
    }

    /// Counts a failed check against every key of `attempt`.
    pub fn record_failure(&self, attempt: &Attempt, now: Instant) {
        let Ok(mut failures) = self.failures.lock() else {
            return;
        };
        if failures.len() >= MAX_ENTRIES {
            failures.retain(|_, entry| now.duration_since(entry.last) < FORGET_AFTER);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        for (key, free) in attempt.keys() {
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                blocked_until: now,
            });
            if now.duration_since(entry.last) >= FORGET_AFTER {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
            entry.blocked_until = now + wait_after_failures(entry.count, free);
        }
    }

    /// Clears the username's counts after a successful check (the address keeps its own).
    pub fn record_success(&self, attempt: &Attempt) {
        let Some(username) = &attempt.username else {
            return;
        };
        if let Ok(mut failures) = self.failures.lock() {
            let username = username.to_lowercase();
            failures.remove(&Key::Username(username.clone()));
            if let Some(address) = attempt.address {
                failures.remove(&Key::UsernameFrom(username, address));
            }
        }
    }

    /// A turn to hash a password; 503 when the queue did not move for [`HASH_QUEUE_PATIENCE`].
    pub async fn hashing_turn(&self) -> Result<SemaphorePermit<'_>, Error> {
        match tokio::time::timeout(HASH_QUEUE_PATIENCE, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Error::new(
                ErrorCode::Busy,
                "This node is busy checking passwords; try again shortly",
            )
            .with_retry_after(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(username: &str, address: &str) -> Attempt {
        Attempt {
            username: Some(username.to_string()),
            address: Some(address.parse().expect("address")),
        }
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_ceiling() {
        assert_eq!(wait_after_failures(4, 5), Duration::ZERO);
        assert_eq!(wait_after_failures(5, 5), Duration::from_secs(1));
        assert_eq!(wait_after_failures(6, 5), Duration::from_secs(2));
        assert_eq!(wait_after_failures(9, 5), Duration::from_secs(16));
        assert_eq!(wait_after_failures(40, 5), LONGEST_WAIT);
        assert_eq!(wait_after_failures(u32::MAX, 5), LONGEST_WAIT);
    }

    #[test]
    fn a_username_is_blocked_from_the_guessing_address_and_freed_by_time() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES_PER_USERNAME_AND_ADDRESS {
            let from = attempt("Alice", "10.0.0.1");
            assert!(throttle.check(&from, start).is_ok());
            throttle.record_failure(&from, start);
        }
        let error = throttle
            .check(&attempt("alice", "10.0.0.1"), start)
            .expect_err("blocked");
        assert_eq!(error.retry_after, Some(1));
        assert_eq!(error.code, ErrorCode::TooManyLoginFailures);
        // Alice at her own desk, and other users, are not held up by the guesser.
        assert!(throttle.check(&attempt("alice", "10.9.9.9"), start).is_ok());
        assert!(throttle.check(&attempt("bob", "10.0.0.1"), start).is_ok());
        let later = start + Duration::from_secs(1);
        assert!(throttle.check(&attempt("alice", "10.0.0.1"), later).is_ok());
        // A success clears the counts.
        throttle.record_success(&attempt("alice", "10.0.0.1"));
        throttle.record_failure(&attempt("alice", "10.0.0.1"), later);
        assert!(throttle.check(&attempt("alice", "10.0.0.1"), later).is_ok());
    }

    #[test]
    fn a_username_guessed_from_many_addresses_is_blocked_everywhere() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for n in 0..FREE_FAILURES_PER_USERNAME {
            let from = attempt("alice", &format!("10.1.{}.{}", n / 200, n % 200));
            throttle.record_failure(&from, start);
        }
        assert!(
            throttle
                .check(&attempt("alice", "10.200.0.1"), start)
                .is_err()
        );
    }

    #[test]
    fn an_address_guessing_many_usernames_is_blocked() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for n in 0..FREE_FAILURES_PER_ADDRESS {
            throttle.record_failure(&attempt(&format!("user{n}"), "192.0.2.7"), start);
        }
        assert!(
            throttle
                .check(&attempt("someone-new", "192.0.2.7"), start)
                .is_err()
        );
        assert!(
            throttle
                .check(&attempt("someone-new", "192.0.2.8"), start)
                .is_ok()
        );
        // Forgotten after a quiet spell.
        let much_later = start + FORGET_AFTER;
        assert!(
            throttle
                .check(&attempt("someone-new", "192.0.2.7"), much_later)
                .is_ok()
        );
    }
}
