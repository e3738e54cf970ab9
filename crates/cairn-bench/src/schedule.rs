//! The open-model schedule: actions start at fixed intended times whatever the server does, and each
//! action's latency is measured from its intended start, so a slow server cannot slow the load down and
//! hide its own slowness (the "coordinated omission" correction).

use std::time::Duration;

/// Evenly spaced arrivals at `rate_per_second`, bounded by a duration and a count.
#[derive(Debug, Clone, Copy)]
pub struct OpenSchedule {
    pub rate_per_second: f64,
    pub duration: Duration,
    pub max_actions: u64,
}

impl OpenSchedule {
    /// When action `index` (from 0) is meant to start, after the run's start.
    pub fn intended_offset(&self, index: u64) -> Duration {
        Duration::from_secs_f64(index as f64 / self.rate_per_second)
    }

    /// How many actions the schedule holds.
    pub fn action_count(&self) -> u64 {
        let by_time = (self.duration.as_secs_f64() * self.rate_per_second).ceil() as u64;
        by_time.min(self.max_actions)
    }

    /// Whether the run is valid.
    pub fn check(&self) -> Result<(), String> {
        if !(self.rate_per_second > 0.0 && self.rate_per_second.is_finite()) {
            return Err(format!("rate {} must be above 0", self.rate_per_second));
        }
        if self.duration.is_zero() {
            return Err("duration must be above 0".to_string());
        }
        Ok(())
    }
}

/// The latency of an action that was meant to start at `intended` and finished at `finished` (both
/// since the run's start): the time a user waited, including any time the action spent queued.
pub fn corrected_latency(intended: Duration, finished: Duration) -> Duration {
    finished.saturating_sub(intended)
}

/// The rates a step-up search tries: `start`, then each one `factor` times the last, up to `max`.
pub fn step_rates(start: f64, factor: f64, max: f64) -> Vec<f64> {
    let mut rates = Vec::new();
    let mut rate = start;
    while rate <= max * (1.0 + 1e-9) && rates.len() < 64 {
        rates.push(rate);
        if factor <= 1.0 {
            break;
        }
        rate *= factor;
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_are_evenly_spaced_and_bounded() {
        let schedule = OpenSchedule {
            rate_per_second: 4.0,
            duration: Duration::from_secs(10),
            max_actions: 1_000,
        };
        assert_eq!(schedule.intended_offset(0), Duration::ZERO);
        assert_eq!(schedule.intended_offset(1), Duration::from_millis(250));
        assert_eq!(schedule.intended_offset(8), Duration::from_secs(2));
        assert_eq!(schedule.action_count(), 40);
        let capped = OpenSchedule {
            max_actions: 7,
            ..schedule
        };
        assert_eq!(capped.action_count(), 7);
    }

    #[test]
    fn latency_counts_from_the_intended_start() {
        // Meant to start at 1 s, started late at 3 s because the server was stalled, done at 3.1 s:
        // the user waited 2.1 s, not 0.1 s.
        let latency = corrected_latency(Duration::from_secs(1), Duration::from_millis(3_100));
        assert_eq!(latency, Duration::from_millis(2_100));
    }

    #[test]
    fn step_rates_grow_geometrically_up_to_the_maximum() {
        assert_eq!(step_rates(10.0, 2.0, 80.0), vec![10.0, 20.0, 40.0, 80.0]);
        assert_eq!(step_rates(10.0, 1.0, 80.0), vec![10.0]);
    }

    #[test]
    fn invalid_rates_are_refused() {
        let schedule = OpenSchedule {
            rate_per_second: 0.0,
            duration: Duration::from_secs(1),
            max_actions: 1,
        };
        assert!(schedule.check().is_err());
    }
}
