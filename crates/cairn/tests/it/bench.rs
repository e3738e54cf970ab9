//! `cairn bench`: a tiny generated dataset, then the load harness against a real `cairn serve`.

use super::{Node, cairn, run};

#[test]
fn the_harness_runs_every_action_without_errors_on_a_generated_tiny_tier() {
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, text) = run(cairn()
        .args([
            "bench", "generate", "--tier", "tiny", "--seed", "7", "--home",
        ])
        .arg(home.path()));
    assert!(ok, "{text}");
    assert!(text.contains("pages            40 "), "{text}");
    assert!(text.contains("pages/s"), "{text}");
    let manifest = home.path().join("bench-manifest.json");
    assert!(manifest.exists(), "{text}");

    let mut node = Node::start(cairn().arg("serve").arg("--home").arg(home.path()));
    let base_url = node.wait_until_serving();
    let figures_path = home.path().join("run.json");
    let (ok, text) = run(cairn()
        .args(["bench", "run", "--target", &base_url, "--manifest"])
        .arg(&manifest)
        .args(["--users", "3", "--rate", "40", "--duration", "4s", "--json"])
        .arg(&figures_path));
    node.stop();
    assert!(ok, "{text}");
    let figures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&figures_path).expect("figures written"))
            .expect("figures are JSON");
    let summary = &figures["summary"];
    assert_eq!(summary["total_errors"], 0, "{text}");
    assert_eq!(summary["total_actions"], 160, "{text}");
    let actions = summary["actions"].as_array().expect("actions");
    for expected in [
        "view_page",
        "view_dashboard",
        "view_blog",
        "search_cql",
        "create_blog",
        "create_and_edit_page",
        "comment_page",
        "view_attachment",
        "upload_attachment",
        "like_page (label)",
    ] {
        let ran = actions
            .iter()
            .find(|action| action["action"] == expected)
            .and_then(|action| action["count"].as_u64())
            .unwrap_or(0);
        assert!(ran > 0, "{expected} never ran:\n{text}");
    }
    assert!(text.contains("p95 ms"), "the table is printed: {text}");
}

#[test]
fn the_harness_refuses_targets_on_other_hosts() {
    let home = tempfile::tempdir().expect("temp dir");
    let (ok, text) = run(cairn()
        .args([
            "bench",
            "run",
            "--target",
            "http://192.0.2.10:8090",
            "--manifest",
        ])
        .arg(home.path().join("absent.json")));
    assert!(!ok, "{text}");
    assert!(text.contains("refused"), "{text}");
}

#[test]
fn a_second_generation_into_the_same_database_is_refused() {
    let home = tempfile::tempdir().expect("temp dir");
    let generate = |home: &std::path::Path| {
        run(cairn()
            .args(["bench", "generate", "--tier", "tiny", "--home"])
            .arg(home))
    };
    let (ok, text) = generate(home.path());
    assert!(ok, "{text}");
    let (ok, text) = generate(home.path());
    assert!(!ok, "{text}");
    assert!(text.contains("already holds a generated dataset"), "{text}");
}
