//! The autoscaler's decision: how many nodes the cluster should run, from measured load.
//!
//! The signal is the average number of requests in flight per ready node, sampled often and judged
//! over a sliding window (see "Running a cluster on one host" in docs/operations.md for why). The
//! cluster grows by one node when the load stayed above `scale_up_load` for a whole
//! `scale_up_window`, and shrinks by one when it stayed at or below `scale_down_load` for a whole
//! `scale_down_window`, never outside `min_nodes..=max_nodes`. Samples are only taken while the
//! membership is settled (no node starting or draining), and the window starts afresh after every
//! change, so the effect of one decision is measured before the next.
//!
//! Everything here is pure: time comes in as an argument, so tests drive it with made-up instants.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Thresholds, windows, cooldowns and bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerPolicy {
    pub min_nodes: usize,
    pub max_nodes: usize,
    /// Grow when the load (in-flight requests per ready node) is above this for a whole window.
    pub scale_up_load: f64,
    pub scale_up_window: Duration,
    /// Least time between a change and the next growth.
    pub scale_up_cooldown: Duration,
    /// Shrink when the load is at or below this for a whole window.
    pub scale_down_load: f64,
    pub scale_down_window: Duration,
    /// Least time between a change and the next shrink.
    pub scale_down_cooldown: Duration,
}

impl AutoscalerPolicy {
    /// Whether the autoscaler can ever change anything.
    pub fn is_enabled(&self) -> bool {
        self.min_nodes < self.max_nodes
    }

    fn longest_window(&self) -> Duration {
        self.scale_up_window.max(self.scale_down_window)
    }
}

/// What the autoscaler decided after a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Hold,
    ScaleUp,
    ScaleDown,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Hold => "hold",
            Decision::ScaleUp => "scale_up",
            Decision::ScaleDown => "scale_down",
        }
    }
}

/// One change the autoscaler made, as shown in `/_cluster/state`.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub decision: Decision,
    pub from_nodes: usize,
    pub to_nodes: usize,
    /// Average load over the window that justified the change.
    pub window_average_load: f64,
    pub reason: String,
    /// When, in milliseconds since the Unix epoch (filled in by the caller, which owns the clock).
    pub at_ms: u64,
}

/// How many recent changes [`Autoscaler::recent_decisions`] keeps.
const KEPT_DECISIONS: usize = 20;

/// The autoscaler's memory: recent samples and the last change.
#[derive(Debug)]
pub struct Autoscaler {
    pub policy: AutoscalerPolicy,
    /// (when, load) since the last change or unsettled moment, oldest first, at most the longest
    /// window old (plus one older sample that proves the window is covered).
    samples: VecDeque<(Instant, f64)>,
    last_change: Option<Instant>,
    /// Average load over the window that justified the last change.
    last_change_average: Option<f64>,
    recent: VecDeque<DecisionRecord>,
}

impl Autoscaler {
    pub fn new(policy: AutoscalerPolicy) -> Autoscaler {
        Autoscaler {
            policy,
            samples: VecDeque::new(),
            last_change: None,
            last_change_average: None,
            recent: VecDeque::new(),
        }
    }

    /// The membership is changing (a node starting or draining): what is measured now says
    /// nothing about the settled cluster, so the window starts again.
    pub fn unsettled(&mut self) {
        self.samples.clear();
    }

    /// Records `load` (in-flight requests per ready node) at `now` for a cluster of `nodes`, and
    /// decides. A change is remembered (its cooldown starts and the window restarts); the caller
    /// applies it.
    pub fn observe(&mut self, now: Instant, load: f64, nodes: usize) -> Decision {
        self.samples.push_back((now, load));
        if let Some(horizon) = now.checked_sub(self.policy.longest_window()) {
            self.forget_samples_older_than(horizon);
        }
        let decision = self.decide(now, nodes);
        if decision != Decision::Hold {
            let window = match decision {
                Decision::ScaleUp => self.policy.scale_up_window,
                _ => self.policy.scale_down_window,
            };
            self.last_change_average = self.average_load(now, window);
            self.last_change = Some(now);
            self.samples.clear();
        }
        decision
    }

    /// Keeps the change in the list of recent decisions.
    pub fn remember(&mut self, record: DecisionRecord) {
        if self.recent.len() == KEPT_DECISIONS {
            self.recent.pop_front();
        }
        self.recent.push_back(record);
    }

    pub fn recent_decisions(&self) -> impl Iterator<Item = &DecisionRecord> {
        self.recent.iter()
    }

    /// Average load over the window that justified the last change.
    pub fn last_change_average(&self) -> Option<f64> {
        self.last_change_average
    }

    /// The newest sample's load.
    pub fn current_load(&self) -> Option<f64> {
        self.samples.back().map(|(_, load)| *load)
    }

    /// Average load over the last `window` before `now`.
    pub fn average_load(&self, now: Instant, window: Duration) -> Option<f64> {
        let start = now.checked_sub(window)?;
        let recent: Vec<f64> = self
            .samples
            .iter()
            .filter(|(at, _)| *at >= start)
            .map(|(_, load)| *load)
            .collect();
        if recent.is_empty() {
            return None;
        }
        Some(recent.iter().sum::<f64>() / recent.len() as f64)
    }

    fn forget_samples_older_than(&mut self, horizon: Instant) {
        // Keep the newest sample at or before the horizon: it shows the window is fully covered.
        while self.samples.len() >= 2 && self.samples[1].0 <= horizon {
            self.samples.pop_front();
        }
    }

    /// Whether every sample in the last `window` satisfies `condition` and the samples cover the
    /// whole window.
    fn held_for_whole_window(
        &self,
        now: Instant,
        window: Duration,
        condition: impl Fn(f64) -> bool,
    ) -> bool {
        let Some(start) = now.checked_sub(window) else {
            return false;
        };
        let covered = self.samples.front().is_some_and(|(at, _)| *at <= start);
        covered
            && self
                .samples
                .iter()
                .filter(|(at, _)| *at >= start)
                .all(|(_, load)| condition(*load))
    }

    fn cooled_down(&self, now: Instant, cooldown: Duration) -> bool {
        self.last_change
            .is_none_or(|changed| now.saturating_duration_since(changed) >= cooldown)
    }

    fn decide(&self, now: Instant, nodes: usize) -> Decision {
        let policy = &self.policy;
        if nodes < policy.min_nodes {
            return Decision::ScaleUp;
        }
        if nodes > policy.max_nodes {
            return Decision::ScaleDown;
        }
        let busy = self.held_for_whole_window(now, policy.scale_up_window, |load| {
            load > policy.scale_up_load
        });
        if busy && nodes < policy.max_nodes && self.cooled_down(now, policy.scale_up_cooldown) {
            return Decision::ScaleUp;
        }
        let idle = self.held_for_whole_window(now, policy.scale_down_window, |load| {
            load <= policy.scale_down_load
        });
        if idle && nodes > policy.min_nodes && self.cooled_down(now, policy.scale_down_cooldown) {
            return Decision::ScaleDown;
        }
        Decision::Hold
    }
}

/// Parses a duration written as a number with a unit: `250ms`, `5s`, `2m`, `1h` (a bare number is
/// seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|character: char| !(character.is_ascii_digit() || character == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. 500ms, 30s, 5m)"))?;
    let seconds = match unit.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|error| format!("{text:?}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> AutoscalerPolicy {
        AutoscalerPolicy {
            min_nodes: 1,
            max_nodes: 3,
            scale_up_load: 2.0,
            scale_up_window: Duration::from_secs(10),
            scale_up_cooldown: Duration::from_secs(15),
            scale_down_load: 0.5,
            scale_down_window: Duration::from_secs(20),
            scale_down_cooldown: Duration::from_secs(30),
        }
    }

    /// Feeds one sample a second with `load` for `seconds`, starting at `*clock`; returns the
    /// decisions that were not `Hold`, with the second they came at.
    fn feed(
        autoscaler: &mut Autoscaler,
        clock: &mut Instant,
        start: Instant,
        seconds: u64,
        load: f64,
        nodes: &mut usize,
    ) -> Vec<(u64, Decision)> {
        let mut changes = Vec::new();
        for _ in 0..seconds {
            let decision = autoscaler.observe(*clock, load, *nodes);
            match decision {
                Decision::ScaleUp => *nodes += 1,
                Decision::ScaleDown => *nodes -= 1,
                Decision::Hold => {}
            }
            if decision != Decision::Hold {
                changes.push((clock.duration_since(start).as_secs(), decision));
            }
            *clock += Duration::from_secs(1);
        }
        changes
    }

    #[test]
    fn scales_up_only_after_load_stayed_high_for_the_whole_window() {
        let start = Instant::now();
        let mut clock = start;
        let mut nodes = 1;
        let mut autoscaler = Autoscaler::new(policy());
        // A short burst (5 s) is not enough.
        assert!(feed(&mut autoscaler, &mut clock, start, 5, 9.0, &mut nodes).is_empty());
        // One quiet sample restarts the count.
        assert!(feed(&mut autoscaler, &mut clock, start, 1, 1.0, &mut nodes).is_empty());
        // Sustained load: the window (10 s) must be covered by high samples only.
        let changes = feed(&mut autoscaler, &mut clock, start, 11, 3.0, &mut nodes);
        assert_eq!(changes, [(16, Decision::ScaleUp)]);
        assert_eq!(nodes, 2);
    }

    #[test]
    fn cooldown_and_a_fresh_window_separate_two_growths() {
        let start = Instant::now();
        let mut clock = start;
        let mut nodes = 1;
        let mut autoscaler = Autoscaler::new(policy());
        let changes = feed(&mut autoscaler, &mut clock, start, 40, 5.0, &mut nodes);
        // First at 10 s (window covered), then the window restarts and is covered again at 21 s, but
        // the 15 s cooldown from 10 s has passed only at 25 s.
        assert_eq!(changes, [(10, Decision::ScaleUp), (25, Decision::ScaleUp)]);
        assert_eq!(nodes, 3, "never above max");
    }

    #[test]
    fn scales_down_after_an_idle_window_and_never_below_min() {
        let start = Instant::now();
        let mut clock = start;
        let mut nodes = 3;
        let mut autoscaler = Autoscaler::new(policy());
        let changes = feed(&mut autoscaler, &mut clock, start, 100, 0.0, &mut nodes);
        // Idle window 20 s; cooldown 30 s after the first shrink.
        assert_eq!(
            changes,
            [(20, Decision::ScaleDown), (50, Decision::ScaleDown)]
        );
        assert_eq!(nodes, 1, "never below min");
    }

    #[test]
    fn moderate_load_holds() {
        let start = Instant::now();
        let mut clock = start;
        let mut nodes = 2;
        let mut autoscaler = Autoscaler::new(policy());
        assert!(feed(&mut autoscaler, &mut clock, start, 120, 1.0, &mut nodes).is_empty());
        assert_eq!(nodes, 2);
    }

    #[test]
    fn unsettled_membership_restarts_the_window() {
        let start = Instant::now();
        let mut clock = start;
        let mut nodes = 1;
        let mut autoscaler = Autoscaler::new(policy());
        assert!(feed(&mut autoscaler, &mut clock, start, 8, 9.0, &mut nodes).is_empty());
        autoscaler.unsettled();
        assert!(feed(&mut autoscaler, &mut clock, start, 10, 9.0, &mut nodes).is_empty());
        let changes = feed(&mut autoscaler, &mut clock, start, 1, 9.0, &mut nodes);
        assert_eq!(changes, [(18, Decision::ScaleUp)]);
    }

    #[test]
    fn out_of_bounds_sizes_are_corrected_at_once() {
        let start = Instant::now();
        let mut autoscaler = Autoscaler::new(policy());
        assert_eq!(autoscaler.observe(start, 0.0, 0), Decision::ScaleUp);
        assert_eq!(autoscaler.observe(start, 9.0, 4), Decision::ScaleDown);
    }

    #[test]
    fn average_covers_only_the_window() {
        let start = Instant::now();
        let mut autoscaler = Autoscaler::new(policy());
        autoscaler.observe(start, 10.0, 2);
        autoscaler.observe(start + Duration::from_secs(9), 2.0, 2);
        autoscaler.observe(start + Duration::from_secs(10), 4.0, 2);
        let now = start + Duration::from_secs(10);
        assert_eq!(
            autoscaler.average_load(now, Duration::from_secs(5)),
            Some(3.0)
        );
        assert_eq!(autoscaler.current_load(), Some(4.0));
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("fast").is_err());
    }
}
