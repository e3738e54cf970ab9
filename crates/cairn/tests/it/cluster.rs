//! `cairn cluster` as an operator runs it: the built-in balancer in front of real `cairn serve`
//! processes on one database, with nodes killed, restarted, added and removed under load.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestDb, every_dialect};
use serde_json::{Value, json};

/// Longest wait for anything a test waits for (nodes ready, a restart, a scaling decision).
pub(crate) const DEADLINE: Duration = Duration::from_secs(90);
/// Longest time one HTTP request of a test may take.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `cairn cluster` and everything it printed.
pub(crate) struct Cluster {
    pub(crate) child: Child,
    /// `http://127.0.0.1:PORT` of the balancer.
    pub(crate) base: String,
    log: Arc<Mutex<Vec<String>>>,
    pub(crate) client: reqwest::Client,
    _home: tempfile::TempDir,
}

impl Cluster {
    /// Starts `cairn cluster` on `db` with `args` (sizes, autoscaler settings) and waits until it
    /// prints the balancer's address.
    fn start(db: &TestDb, args: &[&str]) -> Cluster {
        Cluster::start_on(Some(&db.url), args)
    }

    /// Starts `cairn cluster` on `database_url`, or on the embedded SQLite database of a fresh
    /// home as a first run does, and waits until it prints the balancer's address.
    pub(crate) fn start_on(database_url: Option<&str>, args: &[&str]) -> Cluster {
        let home = tempfile::tempdir().expect("temp dir");
        let mut command = crate::cairn();
        if let Some(url) = database_url {
            command.env("CAIRN_DATABASE_URL", url);
        }
        let mut child = command
            .arg("cluster")
            .arg("--home")
            .arg(home.path())
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env("CAIRN_ADMIN_USER", ADMIN_USERNAME)
            .env("CAIRN_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cairn cluster starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().expect("log").push(line);
                }
            });
        }
        let mut cluster = Cluster {
            child,
            base: String::new(),
            log,
            client: cairn_testkit::anonymous_client(),
            _home: home,
        };
        let line = cluster.wait_for_line("Cairn cluster is serving on http://");
        let address = line
            .split("serving on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("balancer address");
        cluster.base = address.to_string();
        cluster
    }

    pub(crate) fn log_text(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(line) = self
                .log
                .lock()
                .expect("log")
                .iter()
                .find(|line| line.contains(needle))
            {
                return line.clone();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "cairn cluster exited with {status} before printing {needle:?}:\n{}",
                    self.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no line containing {needle:?}:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request through the balancer as the administrator.
    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
            .timeout(REQUEST_TIMEOUT)
    }

    pub(crate) async fn state(&self) -> Value {
        let response = self
            .client
            .get(self.url("/_cluster/state"))
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .expect("state answers");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        response.json().await.expect("state is JSON")
    }

    /// Polls the state until `condition` holds; fails with the state and the log at the deadline.
    async fn wait_for_state(&self, what: &str, condition: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let state = self.state().await;
            if condition(&state) {
                return state;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting until {what}; state: {state:#}\nlog:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn wait_for_ready_nodes(&self, count: usize) -> Value {
        self.wait_for_state(&format!("{count} nodes are ready"), |state| {
            ready_nodes(state).len() == count && nodes(state).len() == count
        })
        .await
    }

    /// SIGTERM, then a clean exit within the deadline, with every node process gone.
    pub(crate) fn stop(mut self) {
        signal(self.child.id(), "-TERM");
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "cluster did not stop after SIGTERM:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        // The process has exited; its last lines may still be on their way through the readers.
        let drained_by = Instant::now() + Duration::from_secs(5);
        while !self.log_text().contains("cluster stopped") && Instant::now() < drained_by {
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = self.log_text();
        assert!(status.success(), "cluster exit status {status}:\n{log}");
        assert!(log.contains("cluster stopped"), "{log}");
        for pid in started_node_pids(&log) {
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists(),
                "node process {pid} still runs after the cluster stopped"
            );
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // After a failed assertion: leave no process behind.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            for pid in started_node_pids(&self.log_text()) {
                signal(pid, "-KILL");
            }
        }
    }
}

pub(crate) fn signal(pid: u32, which: &str) {
    let _ = std::process::Command::new("kill")
        .arg(which)
        .arg(pid.to_string())
        .status();
}

/// Pids from the supervisor's "node started … pid=N" lines.
fn started_node_pids(log: &str) -> Vec<u32> {
    log.lines()
        .filter(|line| line.contains("node started"))
        .filter_map(|line| {
            line.split_whitespace()
                .find_map(|field| field.strip_prefix("pid="))
                .and_then(|pid| pid.parse().ok())
        })
        .collect()
}

fn nodes(state: &Value) -> Vec<Value> {
    state["nodes"].as_array().cloned().unwrap_or_default()
}

fn ready_nodes(state: &Value) -> Vec<Value> {
    nodes(state)
        .into_iter()
        .filter(|node| node["state"] == "ready")
        .collect()
}

pub(crate) fn pids(state: &Value) -> Vec<u64> {
    nodes(state)
        .iter()
        .filter_map(|node| node["pid"].as_u64())
        .collect()
}

fn new_page(space: &str, title: &str) -> Value {
    json!({
        "type": "page",
        "title": title,
        "space": {"key": space},
        "body": {"storage": {"value": format!("<p>{title}</p>"), "representation": "storage"}},
    })
}

async fn create_space(cluster: &Cluster, key: &str) {
    let response = cluster
        .admin(reqwest::Method::POST, "/rest/api/space")
        .json(&json!({"key": key, "name": format!("Space {key}")}))
        .send()
        .await
        .expect("space request");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
}

/// Every page of `space` as (title, id), read through the balancer page by page.
async fn pages_in_space(cluster: &Cluster, space: &str) -> Vec<(String, String)> {
    let mut pages = Vec::new();
    let mut start = 0;
    loop {
        let path = format!("/rest/api/content?spaceKey={space}&type=page&limit=500&start={start}");
        let response = cluster
            .admin(reqwest::Method::GET, &path)
            .send()
            .await
            .expect("list request");
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let listing: Value = response.json().await.expect("json");
        let results = listing["results"].as_array().cloned().unwrap_or_default();
        for page in &results {
            pages.push((
                page["title"].as_str().unwrap_or_default().to_string(),
                page["id"].as_str().unwrap_or_default().to_string(),
            ));
        }
        if listing["_links"]["next"].is_null() || results.is_empty() {
            return pages;
        }
        start += results.len();
    }
}

/// What the load generators saw.
#[derive(Default)]
struct Outcomes {
    /// Acknowledged page creations: title -> id.
    acknowledged: HashMap<String, String>,
    /// Statuses (or 0 for a transport error) of page creations that were not acknowledged.
    failed_writes: Vec<(String, u16)>,
    reads_ok: usize,
    /// Statuses (or 0 for a transport error) of failed reads.
    failed_reads: Vec<u16>,
}

/// Writers creating pages and readers reading the space through the balancer until `stop`.
struct Load {
    outcomes: Arc<Mutex<Outcomes>>,
    acknowledged_count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Upper bound of requests each load task sends, so a test is bounded even if stopping fails.
const REQUESTS_PER_TASK: usize = 2000;

impl Load {
    fn start(cluster: &Cluster, space: &str, writers: usize, readers: usize) -> Load {
        let outcomes = Arc::new(Mutex::new(Outcomes::default()));
        let acknowledged_count = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for writer in 0..writers {
            let create = cluster.admin(reqwest::Method::POST, "/rest/api/content");
            let (outcomes, acknowledged_count, stop) =
                (outcomes.clone(), acknowledged_count.clone(), stop.clone());
            let space = space.to_string();
            tasks.push(tokio::spawn(async move {
                for number in 0..REQUESTS_PER_TASK {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let title = format!("writer {writer} page {number}");
                    let request = create.try_clone().expect("clonable request");
                    let sent = request.json(&new_page(&space, &title)).send().await;
                    let (status, body) = match sent {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            (status, response.json::<Value>().await.ok())
                        }
                        Err(_) => (0, None),
                    };
                    let mut outcomes = outcomes.lock().expect("outcomes");
                    match (status, body) {
                        (200, Some(page)) => {
                            let id = page["id"].as_str().unwrap_or_default().to_string();
                            outcomes.acknowledged.insert(title, id);
                            acknowledged_count.fetch_add(1, Ordering::Relaxed);
                        }
                        (status, _) => outcomes.failed_writes.push((title, status)),
                    }
                }
            }));
        }
        for reader in 0..readers {
            // Alternate between a single resource and a listing.
            let path = if reader % 2 == 0 {
                format!("/rest/api/space/{space}")
            } else {
                format!("/rest/api/content?spaceKey={space}&limit=10")
            };
            let read = cluster.admin(reqwest::Method::GET, &path);
            let (outcomes, stop) = (outcomes.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..REQUESTS_PER_TASK {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let request = read.try_clone().expect("clonable request");
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            // A body cut short is a failure too.
                            match response.bytes().await {
                                Ok(_) => status,
                                Err(_) => 0,
                            }
                        }
                        Err(_) => 0,
                    };
                    let mut outcomes = outcomes.lock().expect("outcomes");
                    if status == 200 {
                        outcomes.reads_ok += 1;
                    } else {
                        outcomes.failed_reads.push(status);
                    }
                }
            }));
        }
        Load {
            outcomes,
            acknowledged_count,
            stop,
            tasks,
        }
    }

    fn acknowledged(&self) -> usize {
        self.acknowledged_count.load(Ordering::Relaxed)
    }

    /// Waits until at least `count` writes were acknowledged.
    async fn wait_for_acknowledged(&self, count: usize, cluster: &Cluster) {
        let deadline = Instant::now() + DEADLINE;
        while self.acknowledged() < count {
            assert!(
                Instant::now() < deadline,
                "only {} writes acknowledged:\n{}",
                self.acknowledged(),
                cluster.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn finish(self) -> Outcomes {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.expect("load task");
        }
        Arc::try_unwrap(self.outcomes)
            .ok()
            .expect("tasks ended")
            .into_inner()
            .expect("outcomes")
    }
}

/// Every acknowledged page is stored exactly once, with the id it was acknowledged with.
async fn assert_acknowledged_pages_stored_once(
    cluster: &Cluster,
    space: &str,
    outcomes: &Outcomes,
) {
    let stored = pages_in_space(cluster, space).await;
    let mut by_title: HashMap<&str, Vec<&str>> = HashMap::new();
    for (title, id) in &stored {
        by_title.entry(title).or_default().push(id);
    }
    for (title, id) in &outcomes.acknowledged {
        assert_eq!(
            by_title.get(title.as_str()),
            Some(&vec![id.as_str()]),
            "acknowledged page {title:?} (id {id}) must be stored exactly once"
        );
    }
}

every_dialect!(killing_a_node_loses_no_acknowledged_write_and_no_read);

async fn killing_a_node_loses_no_acknowledged_write_and_no_read(db: TestDb) {
    let cluster = Cluster::start(&db, &["--nodes", "3"]);
    cluster.wait_for_ready_nodes(3).await;
    create_space(&cluster, "KILL").await;
    const WRITERS: usize = 6;
    let load = Load::start(&cluster, "KILL", WRITERS, 4);
    load.wait_for_acknowledged(30, &cluster).await;

    // The busiest node is the likeliest to have writes in flight.
    let state = cluster.state().await;
    let victim = ready_nodes(&state)
        .into_iter()
        .max_by_key(|node| node["in_flight"].as_u64())
        .expect("a ready node");
    let victim_pid = victim["pid"].as_u64().expect("pid");
    signal(u32::try_from(victim_pid).expect("pid"), "-KILL");
    let acknowledged_at_kill = load.acknowledged();

    // The cluster keeps taking writes, and the supervisor replaces the killed node.
    load.wait_for_acknowledged(acknowledged_at_kill + 30, &cluster)
        .await;
    let state = cluster
        .wait_for_state("the killed node is replaced", |state| {
            ready_nodes(state).len() == 3 && !pids(state).contains(&victim_pid)
        })
        .await;
    let outcomes = load.finish().await;
    assert!(state["counters"]["nodes_crashed"].as_u64() >= Some(1));

    eprintln!(
        "kill test: {} writes acknowledged, {} failed {:?}; {} reads, {} failed; {} requests retried",
        outcomes.acknowledged.len(),
        outcomes.failed_writes.len(),
        outcomes.failed_writes,
        outcomes.reads_ok,
        outcomes.failed_reads.len(),
        state["counters"]["retries"]
    );
    assert!(
        outcomes.failed_reads.is_empty(),
        "reads are retried on another node: {:?}",
        outcomes.failed_reads
    );
    // Only writes in flight on the killed node may fail (at most one per writer), and only as 502.
    assert!(
        outcomes.failed_writes.len() <= WRITERS,
        "{:?}",
        outcomes.failed_writes
    );
    for (title, status) in &outcomes.failed_writes {
        assert_eq!(*status, 502, "write {title:?} failed with {status}");
    }
    assert_acknowledged_pages_stored_once(&cluster, "KILL", &outcomes).await;
    cluster.stop();
}

every_dialect!(rolling_restart_under_load_fails_no_request);

async fn rolling_restart_under_load_fails_no_request(db: TestDb) {
    let cluster = Cluster::start(&db, &["--nodes", "2"]);
    let state = cluster.wait_for_ready_nodes(2).await;
    let old_pids = pids(&state);
    create_space(&cluster, "ROLL").await;
    let load = Load::start(&cluster, "ROLL", 3, 3);
    load.wait_for_acknowledged(10, &cluster).await;

    let started = cluster
        .client
        .post(cluster.url("/_cluster/rolling-restart"))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .expect("rolling restart request");
    assert_eq!(started.status(), reqwest::StatusCode::ACCEPTED);
    let state = cluster
        .wait_for_state("the rolling restart completes", |state| {
            state["rolling_restart"]["state"] != "running"
        })
        .await;
    assert_eq!(state["rolling_restart"]["state"], "completed", "{state:#}");
    assert_eq!(state["rolling_restart"]["restarted"], 2);
    let acknowledged_after_restart = load.acknowledged();
    load.wait_for_acknowledged(acknowledged_after_restart + 10, &cluster)
        .await;
    let outcomes = load.finish().await;

    let state = cluster.state().await;
    assert_eq!(ready_nodes(&state).len(), 2);
    for pid in old_pids {
        assert!(!pids(&state).contains(&pid), "node {pid} was replaced");
    }
    eprintln!(
        "rolling restart: {} writes and {} reads succeeded",
        outcomes.acknowledged.len(),
        outcomes.reads_ok
    );
    assert!(
        outcomes.failed_writes.is_empty() && outcomes.failed_reads.is_empty(),
        "failed writes {:?}, failed reads {:?}",
        outcomes.failed_writes,
        outcomes.failed_reads
    );
    assert_acknowledged_pages_stored_once(&cluster, "ROLL", &outcomes).await;
    cluster.stop();
}

every_dialect!(a_burst_adds_a_node_and_idleness_removes_it);

async fn a_burst_adds_a_node_and_idleness_removes_it(db: TestDb) {
    let cluster = Cluster::start(
        &db,
        &[
            "--nodes",
            "1",
            "--min",
            "1",
            "--max",
            "2",
            "--scale-up-load",
            "1",
            "--scale-up-window",
            "1s",
            "--scale-up-cooldown",
            "1s",
            "--scale-down-load",
            "0.5",
            "--scale-down-window",
            "2s",
            "--scale-down-cooldown",
            "2s",
            "--sample-interval",
            "50ms",
        ],
    );
    let state = cluster.wait_for_ready_nodes(1).await;
    let first_pid = pids(&state)[0];
    create_space(&cluster, "BURST").await;

    // A burst: many concurrent clients keep the single node busy until a second one serves too.
    let burst = Load::start(&cluster, "BURST", 4, 12);
    let state = cluster
        .wait_for_state("a second node takes traffic", |state| {
            ready_nodes(state).len() == 2
                && ready_nodes(state)
                    .iter()
                    .any(|node| node["pid"] != first_pid && node["served"].as_u64() > Some(0))
        })
        .await;
    let outcomes = burst.finish().await;
    let decisions = state["autoscaler"]["recent_decisions"].clone();
    assert_eq!(decisions[0]["decision"], "scale_up", "{decisions:#}");
    assert_eq!(decisions[0]["to_nodes"], 2);

    // Then a trickle (one client, so at most one request in flight): idle enough to shrink, and
    // every request still answered while a node drains.
    let trickle = Load::start(&cluster, "BURST", 0, 1);
    let state = cluster
        .wait_for_state("the extra node is drained and stopped", |state| {
            nodes(state).len() == 1 && state["target_nodes"] == 1
        })
        .await;
    let trickled = trickle.finish().await;
    let decisions = state["autoscaler"]["recent_decisions"].clone();
    assert_eq!(decisions[1]["decision"], "scale_down", "{decisions:#}");
    assert_eq!(decisions[1]["to_nodes"], 1);
    assert_eq!(state["counters"]["nodes_crashed"], 0);
    assert!(state["counters"]["nodes_stopped"].as_u64() >= Some(1));
    eprintln!(
        "autoscaler: burst {} writes and {} reads; trickle {} reads",
        outcomes.acknowledged.len(),
        outcomes.reads_ok,
        trickled.reads_ok
    );
    for seen in [&outcomes, &trickled] {
        assert!(
            seen.failed_writes.is_empty() && seen.failed_reads.is_empty(),
            "failed writes {:?}, failed reads {:?}",
            seen.failed_writes,
            seen.failed_reads
        );
    }
    let metrics = cluster
        .client
        .get(cluster.url("/_cluster/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("cairn_autoscaler_decisions_total{decision=\"scale_up\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cairn_autoscaler_decisions_total{decision=\"scale_down\"} 1"),
        "{metrics}"
    );
    cluster.stop();
}

every_dialect!(racing_updates_through_two_nodes_get_one_200_and_one_409);

async fn racing_updates_through_two_nodes_get_one_200_and_one_409(db: TestDb) {
    let cluster = Cluster::start(&db, &["--nodes", "2"]);
    cluster.wait_for_ready_nodes(2).await;
    create_space(&cluster, "RACE").await;
    let created = cluster
        .admin(reqwest::Method::POST, "/rest/api/content")
        .json(&new_page("RACE", "Contested"))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), reqwest::StatusCode::OK);
    let page: Value = created.json().await.expect("json");
    let id = page["id"].as_str().expect("id").to_string();
    let path = format!("/rest/api/content/{id}");

    for base_version in 1..=5_u64 {
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let editors: Vec<_> = ["left", "right"]
            .into_iter()
            .map(|editor| {
                let request = cluster.admin(reqwest::Method::PUT, &path).json(&json!({
                    "type": "page",
                    "title": "Contested",
                    "version": {"number": base_version + 1},
                    "body": {"storage": {"value": format!("<p>{editor} v{}</p>", base_version + 1), "representation": "storage"}},
                }));
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    let status = request.send().await.expect("update").status().as_u16();
                    (editor, status)
                })
            })
            .collect();
        let mut results = Vec::new();
        for editor in editors {
            results.push(editor.await.expect("editor task"));
        }
        let mut statuses: Vec<u16> = results.iter().map(|(_, status)| *status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {base_version}: {results:?}");
        let winner = results
            .iter()
            .find(|(_, status)| *status == 200)
            .map(|(editor, _)| *editor)
            .expect("a winner");
        let current: Value = cluster
            .admin(
                reqwest::Method::GET,
                &format!("{path}?expand=body.storage,version"),
            )
            .send()
            .await
            .expect("read")
            .json()
            .await
            .expect("json");
        assert_eq!(current["version"]["number"], base_version + 1);
        assert_eq!(
            current["body"]["storage"]["value"],
            format!("<p>{winner} v{}</p>", base_version + 1)
        );
    }
    let state = cluster.state().await;
    for node in nodes(&state) {
        assert!(
            node["served"].as_u64() > Some(0),
            "least connections spreads requests over both nodes: {state:#}"
        );
    }
    cluster.stop();
}
