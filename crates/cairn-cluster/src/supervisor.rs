//! Node processes: starting them, checking their readiness, replacing the ones that crash,
//! draining and stopping them, rolling restarts.
//!
//! The supervisor keeps the number of live (not draining) nodes at a target that the autoscaler
//! moves. One membership change runs at a time (the `membership` lock): starting a node, draining
//! and stopping one, or a whole rolling restart. Each node process has a watcher task that owns the
//! child process; it is the only place a process is waited for, signalled and removed from the
//! registry.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use hyper::{Request, StatusCode};
use serde::Serialize;
use tokio::io::AsyncBufReadExt;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::error::ClusterError;
use crate::metrics::{Metrics, increment};
use crate::proxy::{NodeClient, empty_body};
use crate::registry::{HealthChange, Node, NodeId, NodeState, Registry};
use crate::supervision::SUPERVISOR_PID_VARIABLE;

/// How to run one node: the program and its arguments; the supervisor appends
/// `--listen 127.0.0.1:PORT`, sets [`SUPERVISOR_PID_VARIABLE`] and gives the node a pipe as its
/// standard input (see [`crate::supervision`]).
#[derive(Debug, Clone)]
pub struct NodeCommand {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Extra environment variables (the cluster's own environment is inherited).
    pub env: Vec<(OsString, OsString)>,
}

/// Timings of the supervisor.
#[derive(Debug, Clone)]
pub struct SupervisorSettings {
    /// Longest wait for a draining node's requests to finish before it is stopped anyway.
    pub drain_timeout: Duration,
    /// Longest wait after SIGTERM before SIGKILL.
    pub stop_timeout: Duration,
    /// Time between readiness checks of a ready node (starting nodes are checked more often).
    pub health_interval: Duration,
    /// Longest wait for a new node to become ready during a rolling restart.
    pub start_timeout: Duration,
}

/// Readiness checks of a starting node come this often, so it takes traffic soon after it is ready.
const STARTING_HEALTH_INTERVAL: Duration = Duration::from_millis(100);
/// A readiness check that takes longer than this counts as failed.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Restart delays after crashes: doubling from 0.5 s up to 30 s; a node that ran a minute resets it.
#[derive(Debug, Default)]
pub struct CrashBackoff {
    consecutive: u32,
    not_before: Option<Instant>,
}

impl CrashBackoff {
    const FIRST_DELAY: Duration = Duration::from_millis(500);
    const LONGEST_DELAY: Duration = Duration::from_secs(30);
    const STABLE_UPTIME: Duration = Duration::from_secs(60);

    /// Records a crash (or a failed start) after `uptime` and returns the delay before the next start.
    pub fn record_crash(&mut self, now: Instant, uptime: Duration) -> Duration {
        if uptime >= Self::STABLE_UPTIME {
            self.consecutive = 0;
        }
        self.consecutive = self.consecutive.saturating_add(1);
        let doublings = self.consecutive.saturating_sub(1).min(16);
        let delay = Self::FIRST_DELAY
            .saturating_mul(1 << doublings)
            .min(Self::LONGEST_DELAY);
        self.not_before = Some(now + delay);
        delay
    }

    /// How long a new start must still wait, if at all.
    pub fn wait_before_start(&self, now: Instant) -> Option<Duration> {
        self.not_before
            .and_then(|not_before| not_before.checked_duration_since(now))
            .filter(|wait| !wait.is_zero())
    }
}

/// Progress of the last rolling restart, as shown in `/_cluster/state`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RollingRestartStatus {
    /// `idle`, `running`, `completed`, `failed` or `aborted`.
    pub state: &'static str,
    pub restarted: usize,
    pub total: usize,
    pub message: Option<String>,
}

/// What the supervisor controls in a running node process.
#[derive(Debug)]
struct ProcessControl {
    /// Cancelled to ask the process to stop: SIGTERM, then SIGKILL after the stop timeout.
    stop: CancellationToken,
    /// Set before `stop` is cancelled, so the watcher does not take the exit for a crash.
    expected_exit: Arc<AtomicBool>,
    /// Turns true once the process has exited and left the registry.
    exited: watch::Receiver<bool>,
}

/// The node supervisor. Shared (`Arc`) by its loop, the watchers, the autoscaler and the
/// balancer's rolling-restart endpoint.
#[derive(Debug)]
pub struct Supervisor {
    pub registry: Arc<Registry>,
    client: NodeClient,
    metrics: Arc<Metrics>,
    command: NodeCommand,
    settings: SupervisorSettings,
    /// Nodes the cluster should run (draining ones not counted). Set by the autoscaler, read by the
    /// loop.
    target: AtomicUsize,
    /// One membership change at a time. An async lock, held across the waits of a change (a drain
    /// or a whole rolling restart) on purpose.
    membership: tokio::sync::Mutex<()>,
    /// Wakes the loop: the target changed or a node exited.
    wake: Notify,
    processes: Mutex<HashMap<NodeId, ProcessControl>>,
    crashes: Mutex<CrashBackoff>,
    last_node_number: AtomicU64,
    rolling_restart: Mutex<RollingRestartStatus>,
    /// Cancelled when the cluster stops: no more starts; the loop drains and stops every node.
    stopping: CancellationToken,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section here is a few field updates; a panic in one leaves consistent data.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Supervisor {
    pub fn new(
        registry: Arc<Registry>,
        client: NodeClient,
        metrics: Arc<Metrics>,
        command: NodeCommand,
        settings: SupervisorSettings,
        initial_nodes: usize,
        stopping: CancellationToken,
    ) -> Supervisor {
        Supervisor {
            registry,
            client,
            metrics,
            command,
            settings,
            target: AtomicUsize::new(initial_nodes),
            membership: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
            processes: Mutex::new(HashMap::new()),
            crashes: Mutex::new(CrashBackoff::default()),
            last_node_number: AtomicU64::new(0),
            rolling_restart: Mutex::new(RollingRestartStatus {
                state: "idle",
                ..RollingRestartStatus::default()
            }),
            stopping,
        }
    }

    pub fn target(&self) -> usize {
        self.target.load(Ordering::Acquire)
    }

    pub fn set_target(&self, nodes: usize) {
        self.target.store(nodes, Ordering::Release);
        self.wake.notify_one();
    }

    pub fn rolling_restart_status(&self) -> RollingRestartStatus {
        lock(&self.rolling_restart).clone()
    }

    pub fn rolling_restart_running(&self) -> bool {
        lock(&self.rolling_restart).state == "running"
    }

    /// Keeps the node count at the target until the cluster stops, then drains and stops every node.
    pub async fn run(self: Arc<Self>) {
        while !self.stopping.is_cancelled() {
            let pause = {
                let _membership = self.membership.lock().await;
                if self.stopping.is_cancelled() {
                    break;
                }
                self.reconcile_once().await
            };
            let Some(pause) = pause else {
                continue;
            };
            tokio::select! {
                () = self.stopping.cancelled() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(pause) => {}
            }
        }
        self.stop_every_node().await;
    }

    /// Starts or stops one node if the count is off target. Returns how long to pause before the
    /// next look, or `None` to look again at once.
    async fn reconcile_once(self: &Arc<Self>) -> Option<Duration> {
        let live = self.registry.live_nodes();
        let target = self.target();
        if live.len() < target {
            if let Some(wait) = lock(&self.crashes).wait_before_start(Instant::now()) {
                return Some(wait);
            }
            return match self.start_node() {
                Ok(_) => None,
                Err(error) => {
                    let delay = lock(&self.crashes).record_crash(Instant::now(), Duration::ZERO);
                    tracing::error!(%error, retry_in_ms = delay.as_millis() as u64, "cannot start a node");
                    Some(delay)
                }
            };
        }
        if live.len() > target {
            let now = Instant::now();
            // Prefer a node that takes no traffic anyway, then the least busy, then the newest.
            let victim = live.iter().min_by_key(|node| {
                let ready = self.registry.state_of(node.id, now) == Some(NodeState::Ready);
                (ready, node.in_flight(), std::cmp::Reverse(node.id))
            });
            if let Some(victim) = victim {
                self.drain_and_stop(victim, "scale down").await;
            }
            return None;
        }
        Some(Duration::from_secs(1))
    }

    /// Starts a node process on a free port and registers it (starting: no traffic until ready).
    pub fn start_node(self: &Arc<Self>) -> Result<Arc<Node>, ClusterError> {
        let port = free_port()?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let id = NodeId(self.last_node_number.fetch_add(1, Ordering::Relaxed) + 1);
        let mut command = tokio::process::Command::new(&self.command.program);
        command
            .args(&self.command.args)
            .arg("--listen")
            .arg(address.to_string())
            .envs(self.command.env.iter().map(|(name, value)| (name, value)))
            // The node stops when this process is gone (`supervision`): its parent dies, or its
            // standard input, a pipe only this process writes to, reaches end of file. For
            // PR_SET_PDEATHSIG the parent is the spawning thread, a runtime worker that lives as
            // long as the process (nothing here calls `block_in_place`, which could retire it).
            .env(SUPERVISOR_PID_VARIABLE, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // Its own process group: a Ctrl-C in the terminal reaches only the cluster, which then
        // drains the nodes before stopping them.
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn().map_err(|source| ClusterError::StartNode {
            program: self.command.program.display().to_string(),
            source,
        })?;
        let pid = child.id().unwrap_or(0);
        // Held open until the node has exited; the kernel closes it if this process dies.
        let supervisor_pipe = child.stdin.take();
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(relay_output(id, stdout));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(relay_output(id, stderr));
        }
        let node = Arc::new(Node::new(id, address, pid));
        self.registry.add(node.clone());
        increment(&self.metrics.nodes_started);
        tracing::info!(node = %id, pid, port, "node started");

        let health_stop = CancellationToken::new();
        tokio::spawn(check_health(
            self.registry.clone(),
            self.client.clone(),
            node.clone(),
            self.settings.health_interval,
            health_stop.clone(),
        ));
        let stop = CancellationToken::new();
        let expected_exit = Arc::new(AtomicBool::new(false));
        let (exited_sender, exited) = watch::channel(false);
        lock(&self.processes).insert(
            id,
            ProcessControl {
                stop: stop.clone(),
                expected_exit: expected_exit.clone(),
                exited,
            },
        );
        let supervisor = self.clone();
        let watched = node.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                () = stop.cancelled() => supervisor.terminate(&watched, &mut child).await,
            };
            drop(supervisor_pipe);
            health_stop.cancel();
            supervisor.registry.remove(watched.id);
            lock(&supervisor.processes).remove(&watched.id);
            let uptime = watched.started_at.elapsed();
            let status_text = match &status {
                Ok(status) => status.to_string(),
                Err(error) => format!("unknown ({error})"),
            };
            if expected_exit.load(Ordering::Acquire) {
                increment(&supervisor.metrics.nodes_stopped);
                tracing::info!(node = %watched.id, pid = watched.pid, status = %status_text, "node stopped");
            } else {
                increment(&supervisor.metrics.nodes_crashed);
                let delay = lock(&supervisor.crashes).record_crash(Instant::now(), uptime);
                tracing::warn!(
                    node = %watched.id,
                    pid = watched.pid,
                    status = %status_text,
                    uptime_ms = uptime.as_millis() as u64,
                    restart_in_ms = delay.as_millis() as u64,
                    "node exited unexpectedly; a replacement will start"
                );
            }
            let _ = exited_sender.send(true);
            supervisor.wake.notify_one();
        });
        Ok(node)
    }

    /// SIGTERM, then SIGKILL if the node has not exited within the stop timeout.
    async fn terminate(
        &self,
        node: &Node,
        child: &mut tokio::process::Child,
    ) -> std::io::Result<std::process::ExitStatus> {
        if let Some(pid) = i32::try_from(node.pid)
            .ok()
            .and_then(rustix::process::Pid::from_raw)
            && let Err(error) = rustix::process::kill_process(pid, rustix::process::Signal::TERM)
        {
            tracing::warn!(node = %node.id, %error, "cannot send SIGTERM");
        }
        match tokio::time::timeout(self.settings.stop_timeout, child.wait()).await {
            Ok(status) => status,
            Err(_) => {
                tracing::warn!(node = %node.id, timeout_ms = self.settings.stop_timeout.as_millis() as u64, "node did not stop after SIGTERM; killing it");
                child.kill().await?;
                child.wait().await
            }
        }
    }

    /// Stops routing to `node`, waits for its requests to finish (up to the drain timeout), then
    /// stops its process and waits until it has exited.
    pub async fn drain_and_stop(&self, node: &Node, reason: &str) {
        self.registry.start_draining(node.id);
        tracing::info!(node = %node.id, reason, in_flight = node.in_flight(), "draining node");
        self.wait_until_idle(node).await;
        self.stop_process(node.id).await;
    }

    async fn wait_until_idle(&self, node: &Node) {
        let deadline = Instant::now() + self.settings.drain_timeout;
        while node.in_flight() > 0 {
            if Instant::now() >= deadline {
                increment(&self.metrics.drain_timeouts);
                tracing::warn!(node = %node.id, in_flight = node.in_flight(), "drain timeout: stopping the node with requests in flight");
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Asks the process of `id` to stop and waits for it to exit.
    async fn stop_process(&self, id: NodeId) {
        let control = lock(&self.processes).get(&id).map(|control| {
            (
                control.stop.clone(),
                control.expected_exit.clone(),
                control.exited.clone(),
            )
        });
        let Some((stop, expected_exit, mut exited)) = control else {
            return;
        };
        expected_exit.store(true, Ordering::Release);
        stop.cancel();
        let _ = exited.wait_for(|exited| *exited).await;
    }

    /// Drains every node at once, then stops them all.
    async fn stop_every_node(&self) {
        let _membership = self.membership.lock().await;
        let nodes = self.registry.all_nodes();
        tracing::info!(
            nodes = nodes.len(),
            "stopping the cluster: draining every node"
        );
        for node in &nodes {
            self.registry.start_draining(node.id);
        }
        for node in &nodes {
            self.wait_until_idle(node).await;
        }
        let mut waits = Vec::new();
        for node in &nodes {
            let control = lock(&self.processes).get(&node.id).map(|control| {
                (
                    control.stop.clone(),
                    control.expected_exit.clone(),
                    control.exited.clone(),
                )
            });
            if let Some((stop, expected_exit, exited)) = control {
                expected_exit.store(true, Ordering::Release);
                stop.cancel();
                waits.push(exited);
            }
        }
        for mut exited in waits {
            let _ = exited.wait_for(|exited| *exited).await;
        }
    }

    /// Starts a rolling restart in the background. Returns the number of nodes it will replace, or
    /// an error when one is already running.
    pub fn start_rolling_restart(self: &Arc<Self>) -> Result<usize, ClusterError> {
        let total = self.registry.live_nodes().len();
        {
            let mut status = lock(&self.rolling_restart);
            if status.state == "running" {
                return Err(ClusterError::RollingRestartRunning);
            }
            *status = RollingRestartStatus {
                state: "running",
                restarted: 0,
                total,
                message: None,
            };
        }
        tokio::spawn(self.clone().rolling_restart());
        Ok(total)
    }

    /// Replaces each node, one at a time: start a new one, wait until it is ready, drain and stop
    /// the old one. Capacity never drops below the target.
    async fn rolling_restart(self: Arc<Self>) {
        let _membership = self.membership.lock().await;
        let old_nodes = self.registry.live_nodes();
        lock(&self.rolling_restart).total = old_nodes.len();
        tracing::info!(nodes = old_nodes.len(), "rolling restart started");
        let outcome = self.replace_one_by_one(&old_nodes).await;
        let mut status = lock(&self.rolling_restart);
        match outcome {
            Ok(()) => {
                increment(&self.metrics.rolling_restarts);
                status.state = "completed";
                tracing::info!(restarted = status.restarted, "rolling restart completed");
            }
            Err((state, message)) => {
                status.state = state;
                tracing::error!(restarted = status.restarted, %message, "rolling restart {state}");
                status.message = Some(message);
            }
        }
    }

    async fn replace_one_by_one(
        self: &Arc<Self>,
        old_nodes: &[Arc<Node>],
    ) -> Result<(), (&'static str, String)> {
        for old in old_nodes {
            if self.stopping.is_cancelled() {
                return Err(("aborted", "the cluster is stopping".to_string()));
            }
            if self.registry.node(old.id).is_none() {
                // It exited on its own meanwhile; the supervisor loop replaces it afterwards.
                continue;
            }
            let replacement = self.start_node().map_err(|error| {
                (
                    "failed",
                    format!("cannot start a replacement for {}: {error}", old.id),
                )
            })?;
            if let Err(reason) = self.wait_until_ready(&replacement).await {
                self.drain_and_stop(&replacement, "replacement not ready")
                    .await;
                return Err((
                    "failed",
                    format!("replacement {} for {}: {reason}", replacement.id, old.id),
                ));
            }
            self.drain_and_stop(old, "rolling restart").await;
            lock(&self.rolling_restart).restarted += 1;
            tracing::info!(old = %old.id, new = %replacement.id, "node replaced");
        }
        Ok(())
    }

    async fn wait_until_ready(&self, node: &Node) -> Result<(), String> {
        let deadline = Instant::now() + self.settings.start_timeout;
        loop {
            match self.registry.state_of(node.id, Instant::now()) {
                Some(NodeState::Ready) => return Ok(()),
                None => return Err("it exited before it was ready".to_string()),
                Some(_) => {}
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "not ready within {} s",
                    self.settings.start_timeout.as_secs()
                ));
            }
            tokio::select! {
                () = self.stopping.cancelled() => return Err("the cluster is stopping".to_string()),
                () = tokio::time::sleep(Duration::from_millis(50)) => {}
            }
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago. Another process may take it before the node
/// binds it; the node then exits and is replaced on another port.
fn free_port() -> Result<u16, ClusterError> {
    let listener =
        std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(ClusterError::NoFreePort)?;
    Ok(listener
        .local_addr()
        .map_err(ClusterError::NoFreePort)?
        .port())
}

/// Copies a node's output lines to the cluster's standard error, prefixed with the node id, until
/// the node closes the stream. Stopping earlier would close the pipe under the node, whose writes
/// would then fail: so a line that is not UTF-8 is relayed lossily, and a closed standard error
/// here is ignored (not eprintln!, which panics).
async fn relay_output(id: NodeId, stream: impl tokio::io::AsyncRead + Unpin) {
    let mut reader = tokio::io::BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let decoded = String::from_utf8_lossy(&line);
        let text = decoded.trim_end_matches(['\r', '\n']);
        let _ = writeln!(std::io::stderr().lock(), "{id} | {text}");
    }
}

/// Checks `GET /readyz` on `node` until `stop` is cancelled, and records the results.
async fn check_health(
    registry: Arc<Registry>,
    client: NodeClient,
    node: Arc<Node>,
    interval: Duration,
    stop: CancellationToken,
) {
    let uri = format!("http://{}/readyz", node.address);
    loop {
        let starting = registry.state_of(node.id, Instant::now()) == Some(NodeState::Starting);
        let pause = if starting {
            STARTING_HEALTH_INTERVAL
        } else {
            interval
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        let ready = readiness(&client, &uri).await;
        match registry.record_health(node.id, ready) {
            HealthChange::BecameReady => {
                tracing::info!(node = %node.id, port = node.address.port(), "node ready");
            }
            HealthChange::BecameUnready if !stop.is_cancelled() => {
                tracing::warn!(node = %node.id, port = node.address.port(), "node failed its readiness check");
            }
            _ => {}
        }
    }
}

async fn readiness(client: &NodeClient, uri: &str) -> bool {
    let Ok(request) = Request::get(uri).body(empty_body()) else {
        return false;
    };
    let check = async {
        let response = client.request(request).await.ok()?;
        let ready = response.status() == StatusCode::OK;
        // Reading the (tiny) body lets the connection go back to the pool.
        response.into_body().collect().await.ok()?;
        Some(ready)
    };
    matches!(
        tokio::time::timeout(HEALTH_TIMEOUT, check).await,
        Ok(Some(true))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_delay_doubles_and_resets_after_a_stable_run() {
        let now = Instant::now();
        let mut backoff = CrashBackoff::default();
        assert_eq!(backoff.wait_before_start(now), None);
        let quick = Duration::from_secs(1);
        let delays: Vec<u64> = (0..8)
            .map(|_| backoff.record_crash(now, quick).as_millis() as u64)
            .collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(
            backoff.wait_before_start(now + Duration::from_secs(10)),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            backoff.wait_before_start(now + Duration::from_secs(31)),
            None
        );
        let after_stable_run = backoff.record_crash(now, Duration::from_secs(600));
        assert_eq!(after_stable_run, Duration::from_millis(500));
    }
}
