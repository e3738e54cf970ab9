//! Cluster state through the database, with real `cairn serve` processes: singleton jobs move when
//! their node is killed, and nodes ride out a PostgreSQL restart without losing acknowledged writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestDb, every_dialect};
use serde_json::{Value, json};

use crate::{Node, cairn};

/// Longest wait for anything these tests wait for.
const DEADLINE: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts `cairn serve` on `database_url` with short cluster timings.
fn start_node(home: &Path, database_url: &str) -> Node {
    let mut node = Node::start(
        cairn()
            .arg("serve")
            .arg("--home")
            .arg(home)
            .env("CAIRN_DATABASE_URL", database_url)
            .env("CAIRN_ADMIN_USER", ADMIN_USERNAME)
            .env("CAIRN_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CAIRN_CLUSTER_LEASE_SECONDS", "3")
            .env("CAIRN_CLUSTER_DEAD_AFTER_SECONDS", "3"),
    );
    node.wait_until_serving();
    node
}

fn base(node: &Node) -> String {
    node.base_url.clone().expect("serving")
}

async fn admin_get(client: &reqwest::Client, url: String) -> Option<Value> {
    let response = client
        .get(url)
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

/// The live holder of `lease` in a `/rest/cairn/1/cluster` document.
fn holder(cluster: &Value, lease: &str) -> Option<String> {
    cluster["leases"]
        .as_array()?
        .iter()
        .find(|entry| entry["name"] == lease)?["holder"]
        .as_str()
        .map(str::to_string)
}

/// Whether a node's `/metrics` says it holds `lease`.
async fn metrics_say_held(client: &reqwest::Client, node: &Node, lease: &str) -> bool {
    let Ok(response) = client
        .get(format!("{}/metrics", base(node)))
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
    else {
        return false;
    };
    let text = response.text().await.unwrap_or_default();
    text.contains(&format!("cairn_cluster_lease_held{{lease=\"{lease}\"}} 1"))
}

every_dialect!(a_singleton_job_moves_when_its_node_is_killed);

async fn a_singleton_job_moves_when_its_node_is_killed(db: TestDb) {
    let home = tempfile::tempdir().expect("temp dir");
    let mut nodes = vec![
        start_node(home.path(), &db.url),
        start_node(home.path(), &db.url),
    ];
    let client = cairn_testkit::anonymous_client();
    // Which process is which node id.
    let mut ids = Vec::new();
    for node in &nodes {
        let deadline = Instant::now() + DEADLINE;
        let id = loop {
            if let Some(cluster) =
                admin_get(&client, format!("{}/rest/cairn/1/cluster", base(node))).await
            {
                break cluster["thisNode"]["id"].as_str().expect("id").to_string();
            }
            assert!(Instant::now() < deadline, "no cluster view");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        ids.push(id);
    }
    let lease = "journal-prune";
    let deadline = Instant::now() + DEADLINE;
    let first_holder = loop {
        let cluster = admin_get(&client, format!("{}/rest/cairn/1/cluster", base(&nodes[0]))).await;
        if let Some(id) = cluster.as_ref().and_then(|cluster| holder(cluster, lease)) {
            break id;
        }
        assert!(Instant::now() < deadline, "nobody took {lease}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // For two lease lifetimes, exactly one node runs the job: the one the database names.
    let holder_index = ids
        .iter()
        .position(|id| *id == first_holder)
        .expect("known node");
    let watch_until = Instant::now() + Duration::from_secs(6);
    while Instant::now() < watch_until {
        let mut holding = Vec::new();
        for (index, node) in nodes.iter().enumerate() {
            if metrics_say_held(&client, node, lease).await {
                holding.push(index);
            }
        }
        assert!(
            holding.len() <= 1,
            "{lease} held by nodes {holding:?} at once"
        );
        if let [index] = holding[..] {
            assert_eq!(
                index, holder_index,
                "the lease did not move while its node lived"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let mut killed = nodes.remove(holder_index);
    let survivor_id = ids[1 - holder_index].clone();
    killed.child.kill().expect("kill -9 the holder");
    let _ = killed.child.wait();
    let killed_at = Instant::now();
    let survivor = &nodes[0];
    loop {
        let cluster = admin_get(&client, format!("{}/rest/cairn/1/cluster", base(survivor))).await;
        if cluster.as_ref().and_then(|cluster| holder(cluster, lease)) == Some(survivor_id.clone())
            && metrics_say_held(&client, survivor, lease).await
        {
            break;
        }
        assert!(
            killed_at.elapsed() < DEADLINE,
            "the job never moved: {cluster:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let takeover = killed_at.elapsed();
    eprintln!("{lease} moved to the surviving node {takeover:?} after kill -9");
    assert!(
        takeover < Duration::from_secs(8),
        "takeover took {takeover:?} with a 3 s lease"
    );
    // The killed node is shown dead once its heartbeat is older than 3 s.
    loop {
        let cluster = admin_get(&client, format!("{}/rest/cairn/1/cluster", base(survivor)))
            .await
            .expect("cluster view");
        let dead = cluster["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|node| node["id"] == ids[holder_index].as_str() && node["alive"] == false);
        if dead {
            break;
        }
        assert!(killed_at.elapsed() < DEADLINE, "{cluster:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    nodes.pop().expect("survivor").stop();
}

/// A PostgreSQL server of this test's own, in a temporary directory, on a free port. The machine's
/// shared server is never touched. Stopped (immediately) and removed on drop.
struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Run the server binaries as this user (initdb refuses root).
    run_as: Option<&'static str>,
    _directory: tempfile::TempDir,
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect(
                "PostgreSQL server binaries in /usr/lib/postgresql (Debian's postgresql package)",
            )
            .filter_map(Result::ok)
            .map(|entry| entry.path().join("bin"))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("an initdb under /usr/lib/postgresql/*/bin");
        let running_as_root = Command::new("id")
            .arg("-u")
            .output()
            .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
            .unwrap_or(false);
        let run_as = running_as_root.then_some("postgres");
        let directory = tempfile::tempdir().expect("temp dir");
        if run_as.is_some() {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(directory.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot hand the data directory to postgres"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("free port")
            .local_addr()
            .expect("address")
            .port();
        let server = PrivatePostgres {
            bin,
            data: directory.path().join("data"),
            port,
            run_as,
            _directory: directory,
        };
        let data = server.data.display().to_string();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        server.start_server();
        server
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(path);
                command
            }
            None => Command::new(path),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let output = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|error| panic!("{program} runs: {error}"));
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start_server(&self) {
        let data = self.data.display().to_string();
        let socket_directory = self.data.parent().expect("parent").display().to_string();
        let options = format!(
            "-p {} -k {socket_directory} -c listen_addresses=127.0.0.1 -c fsync=on",
            self.port
        );
        let log = self.data.parent().expect("parent").join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// Stops the server the hard way (no checkpoint), as a crash or a failover would.
    fn stop_immediately(&self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// Creates pages through `base` until `stop`, recording the id and title of every acknowledged one
/// and the time of the last acknowledgement.
async fn write_pages(
    base: String,
    writer: &'static str,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<BTreeMap<String, String>>>,
    last_success: Arc<Mutex<Option<Instant>>>,
) {
    let client = cairn_testkit::anonymous_client();
    let mut sequence = 0;
    while !stop.load(Ordering::Relaxed) {
        sequence += 1;
        let title = format!("{writer} page {sequence}");
        let sent = client
            .post(format!("{base}/rest/api/content"))
            .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
            .timeout(REQUEST_TIMEOUT)
            .json(&json!({
                "type": "page",
                "title": title,
                "space": {"key": "LOAD"},
                "body": {"storage": {"value": "<p>load</p>", "representation": "storage"}},
            }))
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                let body: Value = response.json().await.expect("json");
                let id = body["id"].as_str().expect("id").to_string();
                acknowledged.lock().expect("map").insert(id, title);
                *last_success.lock().expect("time") = Some(Instant::now());
            }
            // Refused while the database is away: not acknowledged, so nothing is owed.
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn readiness(client: &reqwest::Client, node: &Node) -> Option<u16> {
    client
        .get(format!("{}/readyz", base(node)))
        .timeout(REQUEST_TIMEOUT)
        .send()
        .await
        .ok()
        .map(|response| response.status().as_u16())
}

async fn wait_for_readiness(client: &reqwest::Client, nodes: &[Node], wanted: u16, what: &str) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let mut all = true;
        for node in nodes {
            all &= readiness(client, node).await == Some(wanted);
        }
        if all {
            return;
        }
        assert!(Instant::now() < deadline, "nodes never became {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_ride_out_a_postgres_restart_without_losing_acknowledged_writes() {
    let postgres = PrivatePostgres::start();
    let url = postgres.url("cairn");
    cairn_store::Store::create_database(&url)
        .await
        .expect("create the database");
    let home = tempfile::tempdir().expect("temp dir");
    let nodes = vec![start_node(home.path(), &url), start_node(home.path(), &url)];
    let client = cairn_testkit::anonymous_client();
    wait_for_readiness(&client, &nodes, 200, "ready").await;
    let created = client
        .post(format!("{}/rest/api/space", base(&nodes[0])))
        .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
        .json(&json!({"key": "LOAD", "name": "Load"}))
        .send()
        .await
        .expect("sent");
    assert!(created.status().is_success());

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(BTreeMap::new()));
    let mut writers = Vec::new();
    let mut last_successes = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let last_success = Arc::new(Mutex::new(None));
        last_successes.push(last_success.clone());
        writers.push(tokio::spawn(write_pages(
            base(node),
            ["a", "b"][index],
            stop.clone(),
            acknowledged.clone(),
            last_success,
        )));
    }
    // Load runs, then the database goes away under it.
    let warm_up = Instant::now() + Duration::from_secs(2);
    while Instant::now() < warm_up || acknowledged.lock().expect("map").len() < 10 {
        assert!(warm_up.elapsed() < DEADLINE, "no writes succeed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    postgres.stop_immediately();
    let stopped_at = Instant::now();
    wait_for_readiness(&client, &nodes, 503, "not ready without their database").await;
    eprintln!(
        "both nodes not ready {:?} after the database stopped",
        stopped_at.elapsed()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;

    postgres.start_server();
    let restarted_at = Instant::now();
    wait_for_readiness(&client, &nodes, 200, "ready again").await;
    eprintln!(
        "both nodes ready {:?} after the database came back",
        restarted_at.elapsed()
    );
    // Every node writes again, without a restart.
    let deadline = Instant::now() + DEADLINE;
    loop {
        let all_writing = last_successes.iter().all(|last| {
            last.lock()
                .expect("time")
                .is_some_and(|at| at > restarted_at)
        });
        if all_writing {
            break;
        }
        assert!(Instant::now() < deadline, "a node never wrote again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("map").clone();
    eprintln!("{} acknowledged writes to check", acknowledged.len());
    for (id, title) in &acknowledged {
        let response = client
            .get(format!("{}/rest/api/content/{id}", base(&nodes[1])))
            .basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD))
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .expect("sent");
        assert_eq!(
            response.status(),
            reqwest::StatusCode::OK,
            "acknowledged page {id} lost"
        );
        let page: Value = response.json().await.expect("json");
        assert_eq!(page["title"], title.as_str());
    }
    for mut node in nodes {
        assert!(
            matches!(node.child.try_wait(), Ok(None)),
            "nodes recover without a restart"
        );
        node.stop();
    }
}
