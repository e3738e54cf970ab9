//! Node processes never outlive their supervisor: they stop when `cairn cluster` is killed with
//! SIGKILL, when the supervisor's pipe closes, and on SIGTERM even after their output has closed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::cluster::{Cluster, DEADLINE, REQUEST_TIMEOUT, pids, signal};
use crate::{Node, cairn};

/// How long a node may take to stop once its supervisor is gone.
const STOP_DEADLINE: Duration = Duration::from_secs(10);
/// The drain timeout given to nodes here; with nothing in flight a drain ends at once.
const DRAIN_TIMEOUT_SECONDS: u64 = 5;

/// Whether process `pid` has ended: no `/proc` entry, or a zombie (dead, and waiting for a parent
/// that reaps it; the reaper here may never do so).
fn has_ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // "PID (COMMAND) STATE …": the state follows the command's closing parenthesis.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])),
    }
}

/// Whether process `pid` is a `cairn serve` still running.
fn is_running_node(pid: u32) -> bool {
    let command_line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    !has_ended(pid)
        && command_line
            .split(|byte| *byte == 0)
            .any(|arg| arg == b"serve")
}

/// Kills the node processes that still run when a test ends, so a failed test leaves no orphan.
struct KillLeftovers(Vec<u32>);

impl Drop for KillLeftovers {
    fn drop(&mut self) {
        for pid in &self.0 {
            if is_running_node(*pid) {
                signal(*pid, "-KILL");
            }
        }
    }
}

/// Waits until every process of `pids` has ended; returns those still running at the deadline.
fn wait_until_ended(pids: &[u32], deadline: Duration) -> Vec<u32> {
    let until = Instant::now() + deadline;
    loop {
        let running: Vec<u32> = pids
            .iter()
            .copied()
            .filter(|pid| !has_ended(*pid))
            .collect();
        if running.is_empty() || Instant::now() >= until {
            return running;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `child` exits and returns its status, or `None` at the deadline.
fn wait_for_exit(child: &mut Child, deadline: Duration) -> Option<std::process::ExitStatus> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `GET base/readyz` until it answers 200.
async fn wait_until_ready(base: &str) {
    let client = cairn_testkit::anonymous_client();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let answer = client
            .get(format!("{base}/readyz"))
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await;
        if answer.is_ok_and(|response| response.status() == reqwest::StatusCode::OK) {
            return;
        }
        assert!(Instant::now() < deadline, "{base} never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_stop_when_the_cluster_is_killed() {
    let mut cluster = Cluster::start_on(None, &["--nodes", "2"]);
    let state = cluster.wait_for_ready_nodes(2).await;
    let node_pids: Vec<u32> = pids(&state)
        .into_iter()
        .map(|pid| u32::try_from(pid).expect("pid"))
        .collect();
    assert_eq!(node_pids.len(), 2, "{state:#}");
    let _leftovers = KillLeftovers(node_pids.clone());

    signal(cluster.child.id(), "-KILL");
    cluster.child.wait().expect("the cluster is reaped");
    let still_running = wait_until_ended(&node_pids, STOP_DEADLINE);
    assert!(
        still_running.is_empty(),
        "node processes {still_running:?} outlived the killed cluster by {} s:\n{}",
        STOP_DEADLINE.as_secs(),
        cluster.log_text()
    );
}

/// Starts `cairn serve` on a fresh home as the supervisor would, with this process as the
/// supervisor and a pipe on its standard input.
fn start_supervised_node(home: &std::path::Path) -> Node {
    Node::start(
        cairn()
            .arg("serve")
            .arg("--home")
            .arg(home)
            .env("CAIRN_SUPERVISOR_PID", std::process::id().to_string())
            .env(
                "CAIRN_DRAIN_TIMEOUT_SECONDS",
                DRAIN_TIMEOUT_SECONDS.to_string(),
            )
            .stdin(Stdio::piped()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_stops_when_its_supervisor_pipe_closes() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut node = start_supervised_node(home.path());
    let _leftovers = KillLeftovers(vec![node.child.id()]);
    let base = node.wait_until_serving();
    wait_until_ready(&base).await;
    assert!(
        node.child.try_wait().expect("wait").is_none(),
        "the node runs while its supervisor's pipe is open"
    );

    drop(node.child.stdin.take());
    let status = wait_for_exit(&mut node.child, STOP_DEADLINE).unwrap_or_else(|| {
        panic!(
            "the node still runs {} s after its supervisor's pipe closed",
            STOP_DEADLINE.as_secs()
        )
    });
    assert!(
        status.success(),
        "the node drains and exits 0, got {status}"
    );
    node.wait_for_line("the supervisor is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_node_whose_output_has_closed() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = cairn()
        .arg("serve")
        .arg("--home")
        .arg(home.path())
        .args(["--listen", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        // An administrator from the settings: the site starts at once, not in the setup wizard.
        .env("CAIRN_ADMIN_USER", "admin")
        .env("CAIRN_ADMIN_PASSWORD", "admin-password")
        .env(
            "CAIRN_DRAIN_TIMEOUT_SECONDS",
            DRAIN_TIMEOUT_SECONDS.to_string(),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cairn starts");
    let _leftovers = KillLeftovers(vec![child.id()]);
    // Standard output is read until the node is ready, then closed, as when the process reading
    // it has died; standard error is closed from the start.
    drop(child.stderr.take());
    let stdout = child.stdout.take().expect("stdout");
    let (serving_sender, serving) = std::sync::mpsc::channel();
    let (close_sender, close) = std::sync::mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some((_, url)) = line.rsplit_once("serving on ") {
                let _ = serving_sender.send(url.trim().to_string());
                break;
            }
        }
        // Lines written meanwhile wait in the pipe; returning drops its reading end.
        let _ = close.recv();
    });
    let base = serving
        .recv_timeout(DEADLINE)
        .expect("the node says where it serves");
    wait_until_ready(&base).await;
    drop(close_sender);
    reader.join().expect("the reader closed standard output");

    signal(child.id(), "-TERM");
    let stop_deadline = Duration::from_secs(DRAIN_TIMEOUT_SECONDS) + STOP_DEADLINE;
    let status = wait_for_exit(&mut child, stop_deadline).unwrap_or_else(|| {
        panic!(
            "the node ignored SIGTERM with its output closed (still running after {} s)",
            stop_deadline.as_secs()
        )
    });
    assert!(
        status.success(),
        "the node drains and exits 0, got {status}"
    );
}
