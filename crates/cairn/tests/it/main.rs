//! The `cairn` binary as a user runs it: settings, exit codes, first start, serving, clusters.

mod backup;
mod backup_consistency;
mod backup_refusals;
mod bench;
mod cluster;
mod cluster_state;
mod cluster_supervision;
mod cluster_surfaces;
mod first_run;
mod import;
mod layering;
mod setup;
mod setup_import;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cairn_testkit::{TestDb, every_dialect};

fn cairn() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CAIRN_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `cairn` to completion within a deadline and returns (success, stdout + stderr).
fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("cairn runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn malformed_database_url_is_refused_with_its_source() {
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, text) = run(cairn()
        .args(["serve", "--home"])
        .arg(home.path())
        .args(["--database-url", "oracle://db/x"]));
    assert!(!ok, "{text}");
    assert!(
        text.contains("database_url") && text.contains("--database-url") && text.contains("oracle"),
        "{text}"
    );

    let (ok, text) = run(cairn()
        .arg("--home")
        .arg(home.path())
        .env("CAIRN_LISTEN", "not-an-address"));
    assert!(!ok, "{text}");
    assert!(
        text.contains("listen") && text.contains("CAIRN_LISTEN"),
        "{text}"
    );

    let (ok, text) = run(cairn()
        .arg("--home")
        .arg(home.path())
        .env("CAIRN_DATABASE_URL", "postgres://"));
    assert!(!ok, "{text}");
    assert!(text.contains("cannot connect to the database"), "{text}");
}

#[test]
fn unreachable_database_exits_non_zero() {
    let home = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let (ok, text) = run(cairn().arg("migrate").arg("--home").arg(home.path()).args([
        "--database-url",
        "postgres://postgres:secret@127.0.0.1:1/cairn",
    ]));
    assert!(!ok, "{text}");
    assert!(
        text.contains(
            "cannot connect to the database at postgres://postgres:***@127.0.0.1:1/cairn"
        ),
        "{text}"
    );
    assert!(
        !text.contains("secret"),
        "passwords never reach the output: {text}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn first_start_without_admin_leads_to_the_setup_wizard() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut node = Node::start(cairn().arg("--home").arg(home.path()));
    let warning = node.wait_for_line("Cairn is not set up yet");
    assert!(warning.contains("/setup"), "{warning}");
    assert!(warning.contains("cairn setup"), "{warning}");
    assert!(
        home.path().join("cairn.toml").exists(),
        "a commented settings file is written"
    );
    let token = std::fs::read_to_string(home.path().join("setup-token")).expect("setup token");
    assert!(warning.contains(token.trim()), "{warning}");
    node.stop();
}

/// A running `cairn serve` whose log is read line by line.
struct Node {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    base_url: Option<String>,
}

impl Node {
    fn start(command: &mut Command) -> Node {
        let mut child = command
            .args(["--listen", "127.0.0.1:0"])
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cairn starts");
        let (sender, lines) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Node {
            child,
            lines,
            base_url: None,
        }
    }

    fn wait_for_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(_) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!(
                            "cairn exited with {status} before printing {needle:?}:\n{}",
                            seen.join("\n")
                        );
                    }
                }
            }
        }
        panic!(
            "no line containing {needle:?} within a minute:\n{}",
            seen.join("\n")
        );
    }

    /// Waits for the "serving on" line and returns the base URL.
    fn wait_until_serving(&mut self) -> String {
        let line = self.wait_for_line("Cairn is serving on ");
        let url = line
            .rsplit("serving on ")
            .next()
            .expect("url")
            .trim()
            .to_string();
        self.base_url = Some(url.clone());
        url
    }

    fn stop(mut self) {
        // SIGTERM, then wait: the node shuts down gracefully.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "graceful stop exits 0, got {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("cairn did not stop within 20 s of SIGTERM");
    }
}

every_dialect!(serves_with_admin_from_environment_and_cli_users);

async fn serves_with_admin_from_environment_and_cli_users(db: TestDb) {
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, text) = run(cairn()
        .arg("migrate")
        .arg("--home")
        .arg(home.path())
        .env("CAIRN_DATABASE_URL", &db.url));
    assert!(ok, "{text}");
    assert!(text.contains("schema is current"), "{text}");
    let (ok, text) = run(cairn()
        .args([
            "admin",
            "create-user",
            "--username",
            "writer",
            "--password",
            "writer-password",
            "--home",
        ])
        .arg(home.path())
        .env("CAIRN_DATABASE_URL", &db.url));
    assert!(ok, "{text}");
    let (ok, token) = run(cairn()
        .args(["admin", "create-token", "--username", "writer", "--home"])
        .arg(home.path())
        .env("CAIRN_DATABASE_URL", &db.url));
    assert!(ok, "{token}");
    let token = token.trim().to_string();

    let mut node = Node::start(
        cairn()
            .arg("serve")
            .arg("--home")
            .arg(home.path())
            .env("CAIRN_DATABASE_URL", &db.url)
            .env("CAIRN_ADMIN_USER", "boss")
            .env("CAIRN_ADMIN_PASSWORD", "boss-password"),
    );
    let base = node.wait_until_serving();
    let client = cairn_testkit::anonymous_client();
    let status: serde_json::Value = client
        .get(format!("{base}/status"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(status["state"], "RUNNING");
    // Users already existed, so no administrator was created from the environment.
    let boss = client
        .get(format!("{base}/rest/api/user/current"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent");
    assert_eq!(boss.status(), reqwest::StatusCode::UNAUTHORIZED);
    let created = client
        .post(format!("{base}/rest/api/space"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"key": "CLI", "name": "From the CLI"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), reqwest::StatusCode::OK);
    node.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_comes_from_environment_on_an_empty_database() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut node = Node::start(
        cairn()
            .arg("--home")
            .arg(home.path())
            .env("CAIRN_ADMIN_USER", "boss")
            .env("CAIRN_ADMIN_PASSWORD", "boss-password"),
    );
    let base = node.wait_until_serving();
    let me: serde_json::Value = cairn_testkit::anonymous_client()
        .get(format!("{base}/rest/api/user/current"))
        .basic_auth("boss", Some("boss-password"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(me["username"], "boss");
    node.stop();
}

/// Peak resident memory of process `pid`, in bytes.
fn peak_resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("linux /proc");
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kilobytes: u64 = line
        .split_whitespace()
        .nth(1)
        .expect("value")
        .parse()
        .expect("number");
    kilobytes * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_megabyte_upload_is_streamed_not_held() {
    let home = tempfile::tempdir().expect("temp dir");
    let mut node = Node::start(
        cairn()
            .arg("--home")
            .arg(home.path())
            .env("CAIRN_ADMIN_USER", "boss")
            .env("CAIRN_ADMIN_PASSWORD", "boss-password")
            .env("CAIRN_ATTACHMENT_MAX_MB", "300"),
    );
    let base = node.wait_until_serving();
    let client = cairn_testkit::anonymous_client();
    let created = client
        .post(format!("{base}/rest/api/space"))
        .basic_auth("boss", Some("boss-password"))
        .json(&serde_json::json!({"key": "BIG", "name": "Big"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(created.status(), reqwest::StatusCode::OK);
    let space: serde_json::Value = created.json().await.expect("json");
    let homepage = space["_expandable"]["homepage"]
        .as_str()
        .expect("homepage")
        .rsplit('/')
        .next()
        .expect("id")
        .to_string();
    let before = peak_resident_bytes(node.child.id());

    const SIZE: u64 = 200 * 1024 * 1024;
    const CHUNK: usize = 1024 * 1024;
    let chunks = futures_util::stream::iter(
        (0..SIZE / CHUNK as u64).map(|_| Ok::<_, std::io::Error>(vec![42u8; CHUNK])),
    );
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), SIZE)
            .file_name("big.bin")
            .mime_str("application/octet-stream")
            .expect("mime");
    let uploaded = client
        .post(format!(
            "{base}/rest/api/content/{homepage}/child/attachment"
        ))
        .basic_auth("boss", Some("boss-password"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("sent");
    assert_eq!(uploaded.status(), reqwest::StatusCode::OK);
    let body: serde_json::Value = uploaded.json().await.expect("json");
    assert_eq!(body["results"][0]["extensions"]["fileSize"], SIZE);
    let growth = peak_resident_bytes(node.child.id()).saturating_sub(before);
    assert!(
        growth < 64 * 1024 * 1024,
        "the server's peak memory grew by {growth} bytes for a 200 MB upload"
    );
    node.stop();
}
