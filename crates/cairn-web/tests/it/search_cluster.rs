//! The search index in a cluster: changes saved through one node are found through another, a new
//! node starts from a snapshot, and a node reopens its own index.

use std::time::{Duration, Instant};

use cairn_app::NodeSettings;
use cairn_app::search::SearchSettings;
use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{call, new_page, new_space};

every_dialect!(
    a_page_saved_through_one_node_is_found_through_the_other_within_a_second,
    a_new_node_starts_from_the_newest_snapshot_and_replays_the_journal,
    a_node_reopens_its_own_index_and_catches_up
);

/// Longest wait for something that should take at most a few seconds.
const DEADLINE: Duration = Duration::from_secs(30);

async fn create_page(app: &TestApp, space: &str, title: &str, body: &str) -> String {
    let mut page = new_page(space, title, None);
    page["body"]["storage"]["value"] = json!(body);
    let (status, created) = call(app.admin().post(app.url("/rest/api/content")).json(&page)).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    created["id"].as_str().expect("id").to_string()
}

async fn found_ids(app: &TestApp, cql: &str) -> Vec<String> {
    let (status, found) = call(
        app.admin()
            .get(app.url("/rest/api/search"))
            .query(&[("cql", cql), ("limit", "50")]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cql}: {found}");
    found["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| result["content"]["id"].as_str().expect("id").to_string())
        .collect()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let rank = ((sorted.len() as f64) * fraction).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Saves pages through node A `CAIRN_SEARCH_PROPAGATION_CHANGES` times (10 unless set) and
/// measures, from A's answer, how long until a search through node B finds each one.
async fn a_page_saved_through_one_node_is_found_through_the_other_within_a_second(db: TestDb) {
    let second = db.share();
    let node_a = TestApp::start(db).await;
    let node_b = TestApp::start(second).await;
    let (status, _) = call(
        node_a
            .admin()
            .post(node_a.url("/rest/api/space"))
            .json(&new_space("FIND")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let changes: usize = std::env::var("CAIRN_SEARCH_PROPAGATION_CHANGES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(10);
    let mut delays = Vec::with_capacity(changes);
    for round in 0..changes {
        let word = format!("zebracorn{round}");
        let id = create_page(
            &node_a,
            "FIND",
            &format!("Round {round}"),
            &format!("<p>The {word} appears here.</p>"),
        )
        .await;
        let saved = Instant::now();
        loop {
            if found_ids(&node_b, &format!("text ~ \"{word}\"")).await == [id.clone()] {
                break;
            }
            assert!(saved.elapsed() < DEADLINE, "{word} never found through B");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        delays.push(saved.elapsed());
    }
    delays.sort();
    let (p50, p99) = (percentile(&delays, 0.5), percentile(&delays, 0.99));
    eprintln!(
        "search propagation A -> B over {changes} pages: p50 {p50:?}, p99 {p99:?}, max {:?}",
        delays.last().expect("some")
    );
    assert!(
        p99 < Duration::from_secs(1),
        "p99 {p99:?}: a page saved through A took over a second to be found through B"
    );
    // Updates and trashing follow too.
    let (status, _) = call(node_a.admin().delete(node_a.url(&format!(
        "/rest/api/content/{}",
        found_ids(&node_b, "text ~ zebracorn0").await[0]
    ))))
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(found_ids(&node_b, "text ~ zebracorn0").await.is_empty());
    node_b.stop().await;
    node_a.stop().await;
}

fn snapshot_settings() -> NodeSettings {
    NodeSettings {
        search: SearchSettings {
            snapshot_interval: Duration::from_millis(200),
            ..SearchSettings::default()
        },
        ..NodeSettings::default()
    }
}

async fn a_new_node_starts_from_the_newest_snapshot_and_replays_the_journal(db: TestDb) {
    let second = db.share();
    let node_a = TestApp::start_with_settings(db, None, snapshot_settings()).await;
    let (status, _) = call(
        node_a
            .admin()
            .post(node_a.url("/rest/api/space"))
            .json(&new_space("SNAP")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let before = create_page(
        &node_a,
        "SNAP",
        "Before",
        "<p>quasar before the snapshot</p>",
    )
    .await;
    // Wait for a snapshot that includes the page.
    let head = node_a.store.journal_head().await.expect("head");
    let started = Instant::now();
    loop {
        let newest = cairn_app::search::snapshot::newest(&node_a.state.blobs)
            .await
            .expect("list snapshots");
        if newest.is_some_and(|snapshot| snapshot.position >= head) {
            break;
        }
        assert!(started.elapsed() < DEADLINE, "no snapshot was written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let after = create_page(&node_a, "SNAP", "After", "<p>quasar after the snapshot</p>").await;

    let shared_blobs = cairn_blob::BlobStore::open_directory(node_a.blob_directory())
        .await
        .expect("shared blob store");
    let joined = Instant::now();
    let node_b =
        TestApp::start_with_settings(second, Some(shared_blobs), NodeSettings::default()).await;
    eprintln!("new node prepared its index in {:?}", joined.elapsed());
    assert_eq!(node_b.state.search.prepared_from(), "snapshot");
    let mut found = found_ids(&node_b, "text ~ quasar").await;
    found.sort();
    let mut expected = vec![before, after];
    expected.sort();
    assert_eq!(found, expected, "the snapshot and the journal since");
    let (status, ready) = call(cairn_testkit::anonymous_client().get(node_b.url("/readyz"))).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["checks"]["search"]["state"], "current");
    let temporary = node_b
        .state
        .search
        .temporary_directory()
        .expect("a temporary index directory");
    assert!(temporary.exists());
    node_b.stop().await;
    assert!(
        !temporary.exists(),
        "a stopped node removes its temporary index"
    );
    node_a.stop().await;
}

async fn a_node_reopens_its_own_index_and_catches_up(db: TestDb) {
    let index_directory = tempfile::tempdir().expect("index directory");
    let settings = || NodeSettings {
        search: SearchSettings {
            index_dir: Some(index_directory.path().to_path_buf()),
            ..SearchSettings::default()
        },
        ..NodeSettings::default()
    };
    // `db` owns the database and outlives every node below.
    let first = TestApp::start_with_settings(db.share(), None, settings()).await;
    assert_eq!(first.state.search.prepared_from(), "rebuilt");
    let (status, _) = call(
        first
            .admin()
            .post(first.url("/rest/api/space"))
            .json(&new_space("KEEP")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let kept = create_page(&first, "KEEP", "Kept", "<p>nebula kept</p>").await;
    assert_eq!(
        found_ids(&first, "text ~ nebula").await,
        std::slice::from_ref(&kept)
    );
    first.stop().await;

    // While the node is down, another node writes.
    let other = TestApp::start(db.share()).await;
    let missed = create_page(&other, "KEEP", "Missed", "<p>nebula missed</p>").await;
    other.stop().await;

    let again = TestApp::start_with_settings(db.share(), None, settings()).await;
    assert_eq!(again.state.search.prepared_from(), "reused");
    let mut found = found_ids(&again, "text ~ nebula").await;
    found.sort();
    let mut expected = vec![kept, missed];
    expected.sort();
    assert_eq!(found, expected);
    again.stop().await;
    drop(db);
}
