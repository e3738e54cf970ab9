//! The autoscaler's loop: samples the load, asks [`Autoscaler`] for a decision, applies it to the
//! supervisor's target, logs it and counts it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use crate::autoscaler::{Autoscaler, Decision, DecisionRecord};
use crate::metrics::{Metrics, increment};
use crate::registry::NodeState;
use crate::supervisor::Supervisor;

/// Samples every `sample_interval` until `stop` is cancelled.
pub async fn run_autoscaler(
    supervisor: Arc<Supervisor>,
    autoscaler: Arc<Mutex<Autoscaler>>,
    metrics: Arc<Metrics>,
    sample_interval: Duration,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(sample_interval) => {}
        }
        sample_once(&supervisor, &autoscaler, &metrics);
    }
}

fn sample_once(supervisor: &Supervisor, autoscaler: &Mutex<Autoscaler>, metrics: &Metrics) {
    let now = Instant::now();
    let nodes = supervisor.registry.snapshot(now);
    let target = supervisor.target();
    // Only a settled cluster is measured: every node ready, as many as the target, no rolling
    // restart. A starting node would make the others look busier than the cluster will be.
    let settled = nodes.len() == target
        && nodes.iter().all(|node| node.state == NodeState::Ready)
        && !supervisor.rolling_restart_running();
    let mut autoscaler = autoscaler
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !settled || nodes.is_empty() {
        autoscaler.unsettled();
        return;
    }
    let in_flight: usize = nodes.iter().map(|node| node.in_flight).sum();
    let load = in_flight as f64 / nodes.len() as f64;
    let decision = autoscaler.observe(now, load, target);
    let to_nodes = match decision {
        Decision::Hold => return,
        Decision::ScaleUp => target + 1,
        Decision::ScaleDown => target.saturating_sub(1),
    };
    let policy = autoscaler.policy.clone();
    let window_average_load = autoscaler.last_change_average().unwrap_or(load);
    let reason = match decision {
        Decision::ScaleUp if target < policy.min_nodes => "below the minimum".to_string(),
        Decision::ScaleDown if target > policy.max_nodes => "above the maximum".to_string(),
        Decision::ScaleUp => format!(
            "load above {} for {} ms",
            policy.scale_up_load,
            policy.scale_up_window.as_millis()
        ),
        _ => format!(
            "load at or below {} for {} ms",
            policy.scale_down_load,
            policy.scale_down_window.as_millis()
        ),
    };
    match decision {
        Decision::ScaleUp => increment(&metrics.scale_ups),
        _ => increment(&metrics.scale_downs),
    }
    tracing::info!(
        decision = decision.name(),
        from_nodes = target,
        to_nodes,
        window_average_load,
        %reason,
        "autoscaler decision"
    );
    let at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        });
    autoscaler.remember(DecisionRecord {
        decision,
        from_nodes: target,
        to_nodes,
        window_average_load,
        reason,
        at_ms,
    });
    drop(autoscaler);
    supervisor.set_target(to_nodes);
}
