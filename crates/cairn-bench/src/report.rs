//! Latency and error accounting per action, on HDR histograms (microseconds, 3 significant digits),
//! and the report table.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::mix::Action;

/// Longest latency recorded exactly; longer ones are recorded as this.
const MAX_TRACKED_MICROS: u64 = 600_000_000;

/// Outcomes of one action.
#[derive(Debug, Clone)]
pub struct ActionRecord {
    /// Latencies of successful actions, in microseconds.
    latencies: Histogram<u64>,
    errors: u64,
    /// A few error messages, for the report.
    sample_errors: Vec<String>,
}

impl Default for ActionRecord {
    fn default() -> Self {
        ActionRecord {
            latencies: new_histogram(),
            errors: 0,
            sample_errors: Vec::new(),
        }
    }
}

fn new_histogram() -> Histogram<u64> {
    // 1 µs to 10 min at 3 significant digits; the bounds are valid constants, so this cannot fail.
    Histogram::new_with_bounds(1, MAX_TRACKED_MICROS, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

/// Every action's outcomes in one run.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    by_action: BTreeMap<Action, ActionRecord>,
}

impl Recorder {
    pub fn record_success(&mut self, action: Action, latency: Duration) {
        let micros = (latency.as_micros() as u64).clamp(1, MAX_TRACKED_MICROS);
        let record = self.by_action.entry(action).or_default();
        // In range by the clamp above.
        let _ = record.latencies.record(micros);
    }

    pub fn record_error(&mut self, action: Action, message: String) {
        let record = self.by_action.entry(action).or_default();
        record.errors += 1;
        if record.sample_errors.len() < 3 {
            record.sample_errors.push(message);
        }
    }

    pub fn merge(&mut self, other: &Recorder) {
        for (action, record) in &other.by_action {
            let mine = self.by_action.entry(*action).or_default();
            let _ = mine.latencies.add(&record.latencies);
            mine.errors += record.errors;
            for message in &record.sample_errors {
                if mine.sample_errors.len() < 3 {
                    mine.sample_errors.push(message.clone());
                }
            }
        }
    }

    /// The summary of the run, given how long it lasted (for throughput).
    pub fn summarize(&self, elapsed: Duration) -> RunSummary {
        let seconds = elapsed.as_secs_f64().max(0.001);
        let actions: Vec<ActionSummary> = self
            .by_action
            .iter()
            .map(|(action, record)| {
                let ok = record.latencies.len();
                let total = ok + record.errors;
                let millis = |quantile: f64| {
                    if ok == 0 {
                        0.0
                    } else {
                        record.latencies.value_at_quantile(quantile) as f64 / 1_000.0
                    }
                };
                ActionSummary {
                    action: action.name().to_string(),
                    count: total,
                    errors: record.errors,
                    error_rate: if total == 0 {
                        0.0
                    } else {
                        record.errors as f64 / total as f64
                    },
                    per_second: total as f64 / seconds,
                    p50_ms: millis(0.50),
                    p90_ms: millis(0.90),
                    p95_ms: millis(0.95),
                    p99_ms: millis(0.99),
                    max_ms: if ok == 0 {
                        0.0
                    } else {
                        record.latencies.max() as f64 / 1_000.0
                    },
                    sample_errors: record.sample_errors.clone(),
                }
            })
            .collect();
        let total: u64 = actions.iter().map(|summary| summary.count).sum();
        let errors: u64 = actions.iter().map(|summary| summary.errors).sum();
        RunSummary {
            elapsed_seconds: seconds,
            total_actions: total,
            total_errors: errors,
            per_second: total as f64 / seconds,
            actions,
        }
    }
}

/// One action's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionSummary {
    pub action: String,
    pub count: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub sample_errors: Vec<String>,
}

/// A run's figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RunSummary {
    pub elapsed_seconds: f64,
    pub total_actions: u64,
    pub total_errors: u64,
    pub per_second: f64,
    pub actions: Vec<ActionSummary>,
}

impl RunSummary {
    /// The largest p95 among actions, in milliseconds.
    pub fn worst_p95_ms(&self) -> f64 {
        self.actions
            .iter()
            .map(|summary| summary.p95_ms)
            .fold(0.0, f64::max)
    }

    /// Whether every action kept its p95 under `target_ms` with at most `max_error_rate` errors.
    pub fn meets(&self, target_ms: f64, max_error_rate: f64) -> bool {
        !self.actions.is_empty()
            && self
                .actions
                .iter()
                .all(|summary| summary.p95_ms < target_ms && summary.error_rate <= max_error_rate)
    }

    /// The table printed after a run.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<22} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            "action", "count", "errors", "per s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms"
        );
        for summary in &self.actions {
            out.push_str(&format!(
                "{:<22} {:>7} {:>6.1}% {:>8.2} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}\n",
                summary.action,
                summary.count,
                summary.error_rate * 100.0,
                summary.per_second,
                summary.p50_ms,
                summary.p90_ms,
                summary.p95_ms,
                summary.p99_ms,
                summary.max_ms
            ));
        }
        out.push_str(&format!(
            "{:<22} {:>7} {:>7} {:>8.2}   over {:.1} s\n",
            "all", self.total_actions, self.total_errors, self.per_second, self.elapsed_seconds
        ));
        for summary in &self.actions {
            for message in &summary.sample_errors {
                out.push_str(&format!("  error in {}: {message}\n", summary.action));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_recorded_latencies() {
        let mut recorder = Recorder::default();
        for millis in 1..=100 {
            recorder.record_success(Action::ViewPage, Duration::from_millis(millis));
        }
        recorder.record_error(Action::ViewPage, "500 from /x".to_string());
        let summary = recorder.summarize(Duration::from_secs(10));
        let view = &summary.actions[0];
        assert_eq!(view.action, "view_page");
        assert_eq!(view.count, 101);
        assert_eq!(view.errors, 1);
        assert!((view.p50_ms - 50.0).abs() < 0.1, "{}", view.p50_ms);
        assert!((view.p95_ms - 95.0).abs() < 0.1, "{}", view.p95_ms);
        assert!((view.p99_ms - 99.0).abs() < 0.1, "{}", view.p99_ms);
        assert!((view.per_second - 10.1).abs() < 1e-9);
        assert!(summary.meets(96.0, 0.01));
        assert!(!summary.meets(95.0, 0.01));
        assert!(!summary.meets(96.0, 0.001));
        assert!(summary.table().contains("500 from /x"));
    }

    #[test]
    fn merged_recorders_add_up() {
        let mut first = Recorder::default();
        first.record_success(Action::SearchCql, Duration::from_millis(10));
        let mut second = Recorder::default();
        second.record_success(Action::SearchCql, Duration::from_millis(30));
        second.record_error(Action::LikePage, "timeout".to_string());
        first.merge(&second);
        let summary = first.summarize(Duration::from_secs(1));
        assert_eq!(summary.total_actions, 3);
        assert_eq!(summary.total_errors, 1);
        assert!((summary.worst_p95_ms() - 30.0).abs() < 0.1);
    }

    #[test]
    fn an_empty_run_meets_nothing() {
        assert!(
            !Recorder::default()
                .summarize(Duration::from_secs(1))
                .meets(50.0, 0.0)
        );
    }
}
