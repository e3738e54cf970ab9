//! Cairn on one host: `cairn cluster` runs a load balancer in front of several `cairn serve` node
//! processes, supervises them and scales their number with the load.
//!
//! - [`server`] and [`proxy`]: the balancer. HTTP/1.1 keep-alive on both sides, least-connections
//!   among ready nodes, retries only where a request cannot be applied twice, streamed bodies,
//!   WebSocket pass-through, `X-Forwarded-*` headers; its own `/_cluster/` pages ([`status`]).
//! - [`registry`]: the nodes and their routing state (starting, ready, draining, ejected).
//! - [`supervisor`]: node processes: start, readiness checks, restart after a crash with backoff,
//!   drain then SIGTERM, rolling restart.
//! - [`supervision`]: the node's side of it: a node stops when its supervisor is gone.
//! - [`autoscaler`] (the pure decision) and [`scaler`] (its loop).
//!
//! Entry point: [`run`] with a bound listener, [`ClusterOptions`] and a shutdown token.
//!
//! Must not: know Cairn's routes, users or SQL. Nodes are black boxes that answer HTTP and report
//! readiness on `/readyz`; every node shares one database and one blob store, so any node can
//! serve any request and the balancer needs no sticky sessions.

pub mod autoscaler;
mod error;
pub mod metrics;
pub mod proxy;
pub mod registry;
pub mod scaler;
pub mod server;
pub mod status;
pub mod supervision;
pub mod supervisor;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use autoscaler::{AutoscalerPolicy, parse_duration};
pub use error::ClusterError;
pub use proxy::ProxySettings;
pub use supervisor::{NodeCommand, SupervisorSettings};

/// Everything `cairn cluster` needs besides the listener.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    pub node_command: NodeCommand,
    /// Nodes started at first; the autoscaler moves the count within the policy's bounds.
    pub initial_nodes: usize,
    pub autoscaler: AutoscalerPolicy,
    /// How often the autoscaler samples the load.
    pub sample_interval: Duration,
    pub supervisor: SupervisorSettings,
    pub proxy: ProxySettings,
}

impl ClusterOptions {
    /// Checks `1 <= min <= initial <= max`.
    pub fn validate(&self) -> Result<(), ClusterError> {
        let policy = &self.autoscaler;
        if policy.min_nodes == 0 {
            return Err(ClusterError::InvalidSize(
                "the minimum must be at least 1 node".to_string(),
            ));
        }
        if !(policy.min_nodes <= self.initial_nodes && self.initial_nodes <= policy.max_nodes) {
            return Err(ClusterError::InvalidSize(format!(
                "expected min <= nodes <= max, got min {}, nodes {}, max {}",
                policy.min_nodes, self.initial_nodes, policy.max_nodes
            )));
        }
        Ok(())
    }
}

/// Runs the balancer on `listener` and the nodes until `shutdown` is cancelled; then stops taking
/// connections, lets requests in flight finish, drains and stops every node, and returns.
pub async fn run(
    listener: TcpListener,
    options: ClusterOptions,
    shutdown: CancellationToken,
) -> Result<(), ClusterError> {
    options.validate()?;
    let listen = listener.local_addr().map_err(ClusterError::Accept)?;
    let registry = Arc::new(registry::Registry::default());
    let metrics = Arc::new(metrics::Metrics::default());
    let client = proxy::node_client();
    // Separate from `shutdown`: nodes keep serving until the balancer has finished its requests.
    let stop_nodes = CancellationToken::new();
    let supervisor = Arc::new(supervisor::Supervisor::new(
        registry.clone(),
        client.clone(),
        metrics.clone(),
        options.node_command.clone(),
        options.supervisor.clone(),
        options.initial_nodes,
        stop_nodes.clone(),
    ));
    let autoscaler_enabled = options.autoscaler.is_enabled();
    let autoscaler = Arc::new(Mutex::new(autoscaler::Autoscaler::new(
        options.autoscaler.clone(),
    )));
    let upgrades_stop = CancellationToken::new();
    let balancer = Arc::new(server::Balancer {
        proxy: proxy::Proxy {
            registry: registry.clone(),
            client,
            metrics: metrics.clone(),
            settings: options.proxy.clone(),
            stopped: upgrades_stop.clone(),
        },
        view: status::ClusterView {
            listen,
            registry,
            supervisor: supervisor.clone(),
            autoscaler: autoscaler.clone(),
            metrics: metrics.clone(),
        },
    });

    let supervisor_task = tokio::spawn(supervisor.clone().run());
    let autoscaler_task = autoscaler_enabled.then(|| {
        tokio::spawn(scaler::run_autoscaler(
            supervisor.clone(),
            autoscaler,
            metrics,
            options.sample_interval,
            shutdown.clone(),
        ))
    });
    tracing::info!(
        nodes = options.initial_nodes,
        min = options.autoscaler.min_nodes,
        max = options.autoscaler.max_nodes,
        autoscaler = autoscaler_enabled,
        "Cairn cluster is serving on http://{listen}"
    );
    server::serve(
        listener,
        balancer,
        shutdown.clone(),
        options.supervisor.drain_timeout,
    )
    .await;
    tracing::info!("balancer closed; stopping the nodes");
    stop_nodes.cancel();
    let _ = supervisor_task.await;
    upgrades_stop.cancel();
    if let Some(task) = autoscaler_task {
        let _ = task.await;
    }
    tracing::info!("cluster stopped");
    Ok(())
}
