//! Two nodes on one database: changes made through one reach the other through the journal within
//! a second; the cluster is visible to administrators and to Prometheus.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_store::JournalEntry;
use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, TestDb, TestDialect, every_dialect};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{call, new_page, new_space};

every_dialect!(
    a_logout_through_one_node_is_seen_by_the_other_within_a_second,
    page_updates_reach_the_other_node_within_a_second,
    the_cluster_is_visible_to_administrators_and_prometheus,
    a_node_without_its_database_is_not_ready,
    the_cluster_view_includes_the_balancer_state,
    with_a_slow_poll_a_commit_wakes_the_other_node_on_postgresql,
    a_stopping_node_drains_then_deregisters
);

/// Longest wait for something that should take at most a few seconds.
const DEADLINE: Duration = Duration::from_secs(30);

async fn two_nodes(db: TestDb) -> (TestApp, TestApp) {
    let second = db.share();
    let first = TestApp::start(db).await;
    let other = TestApp::start(second).await;
    (first, other)
}

/// Logs in through the form on `app` and returns the session cookie value.
async fn log_in(app: &TestApp) -> String {
    let login = app
        .browser()
        .post(app.url("/login.action"))
        .form(&[
            ("os_username", ADMIN_USERNAME),
            ("os_password", ADMIN_PASSWORD),
            ("os_destination", "/"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let set_cookie = login.headers()["set-cookie"].to_str().expect("ascii");
    set_cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_string())
        .expect("session cookie")
}

async fn current_user_status(app: &TestApp, cookie: &str) -> StatusCode {
    cairn_testkit::anonymous_client()
        .get(app.url("/rest/api/user/current"))
        .header("cookie", format!("cairn_session={cookie}"))
        .send()
        .await
        .expect("sent")
        .status()
}

async fn a_logout_through_one_node_is_seen_by_the_other_within_a_second(db: TestDb) {
    let (node_a, node_b) = two_nodes(db).await;
    let cookie = log_in(&node_a).await;
    for _ in 0..3 {
        assert_eq!(current_user_status(&node_b, &cookie).await, StatusCode::OK);
    }
    let (hits, _) = node_b.state.credential_lookups.counts();
    assert!(hits >= 2, "node B answers the session from its cache");

    let logout = node_a
        .browser()
        .post(node_a.url("/logout.action"))
        .header("cookie", format!("cairn_session={cookie}"))
        .send()
        .await
        .expect("sent");
    assert!(logout.status().is_redirection());
    let acknowledged = Instant::now();
    assert_eq!(
        current_user_status(&node_a, &cookie).await,
        StatusCode::UNAUTHORIZED,
        "the node that logged out forgets the session at once"
    );
    loop {
        if current_user_status(&node_b, &cookie).await == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            acknowledged.elapsed() < DEADLINE,
            "node B never dropped the session"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let propagation = acknowledged.elapsed();
    eprintln!("logout propagation to the other node: {propagation:?}");
    assert!(
        propagation < Duration::from_secs(1),
        "logout took {propagation:?} to reach the other node"
    );
    node_b.stop().await;
    node_a.stop().await;
}

/// Percentile `p` (0..=100) of sorted `samples`.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted[index.min(sorted.len() - 1)]
}

/// Updates one page through node A `CAIRN_PROPAGATION_CHANGES` times (20 unless set) and measures,
/// for each, the time from A's acknowledgement until node B's tailer delivered the journal entry.
/// Prints p50, p99 and max, and the same from the moment the update was sent (B often delivers
/// before A's answer arrives, which the first figure counts as 0): docs/benchmarks.md describes
/// the method.
async fn page_updates_reach_the_other_node_within_a_second(db: TestDb) {
    let changes: usize = std::env::var("CAIRN_PROPAGATION_CHANGES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(20);
    let dialect = db.dialect;
    let (node_a, node_b) = two_nodes(db).await;
    let admin = node_a.admin();
    let (status, _) = call(
        admin
            .post(node_a.url("/rest/api/space"))
            .json(&new_space("PROP")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = call(admin.post(node_a.url("/rest/api/content")).json(&new_page(
        "PROP",
        "Propagation",
        None,
    )))
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let page_id: i64 = page["id"].as_str().expect("id").parse().expect("number");

    // Stamp each entry the moment node B delivers it.
    let (stamped_sender, mut stamped) =
        tokio::sync::mpsc::unbounded_channel::<(Arc<JournalEntry>, Instant)>();
    let mut events = node_b.state.cluster.subscribe();
    let stamper = tokio::spawn(async move {
        while let Ok(entry) = events.recv().await {
            if stamped_sender.send((entry, Instant::now())).is_err() {
                return;
            }
        }
    });

    let mut samples = Vec::with_capacity(changes);
    // From the moment the update was sent: an upper bound when B is faster than A's answer.
    let mut since_sent = Vec::with_capacity(changes);
    for number in 2..(changes as i64 + 2) {
        let sent = Instant::now();
        let (status, body) = call(admin.put(node_a.url(&format!("/rest/api/content/{page_id}"))).json(&json!({
            "type": "page",
            "title": "Propagation",
            "version": {"number": number},
            "body": {"storage": {"value": format!("<p>change {number}</p>"), "representation": "storage"}},
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let acknowledged = Instant::now();
        let delivered = loop {
            let received = tokio::time::timeout(DEADLINE, stamped.recv())
                .await
                .expect("node B delivers the change")
                .expect("stamper runs");
            let (entry, at) = received;
            if entry.kind == "content.updated" && entry.entity_id == Some(page_id) {
                break at;
            }
        };
        // Delivered before A's answer reached the client counts as no delay.
        samples.push(delivered.saturating_duration_since(acknowledged));
        since_sent.push(delivered.saturating_duration_since(sent));
    }
    stamper.abort();
    samples.sort();
    since_sent.sort();
    let (p50, p99, max) = (
        percentile(&samples, 50),
        percentile(&samples, 99),
        samples[samples.len() - 1],
    );
    eprintln!(
        "propagation on {dialect:?} over {changes} page updates: p50 {p50:?}, p99 {p99:?}, max {max:?}; \
         from sending the update: p50 {:?}, p99 {:?}",
        percentile(&since_sent, 50),
        percentile(&since_sent, 99),
    );
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?} over {samples:?}");
    node_b.stop().await;
    node_a.stop().await;
}

/// GETs `path` on `app` as the administrator and returns the JSON.
async fn admin_json(app: &TestApp, path: &str) -> Value {
    let (status, body) = call(app.admin().get(app.url(path))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn the_cluster_is_visible_to_administrators_and_prometheus(db: TestDb) {
    let (node_a, node_b) = two_nodes(db).await;
    node_a.create_user("reader", "reader-password").await;
    let deadline = Instant::now() + DEADLINE;
    let cluster = loop {
        let cluster = admin_json(&node_a, "/rest/cairn/1/cluster").await;
        let alive = cluster["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|node| node["alive"] == true)
            .count();
        let prune_holder = cluster["leases"]
            .as_array()
            .expect("leases")
            .iter()
            .find(|lease| lease["name"] == "journal-prune")
            .map(|lease| lease["holder"].clone());
        if alive == 2 && prune_holder.as_ref().is_some_and(Value::is_string) {
            break cluster;
        }
        assert!(
            Instant::now() < deadline,
            "cluster never settled: {cluster:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let this_node = cluster["thisNode"]["id"].as_str().expect("id");
    assert_eq!(this_node, node_a.state.cluster.node_id);
    assert!(cluster["databaseTimeMs"].as_i64().expect("time") > 1_600_000_000_000);
    for node in cluster["nodes"].as_array().expect("nodes") {
        assert!(
            node["heartbeatAgeMs"].as_i64().expect("age") < 10_000,
            "{node}"
        );
        assert_eq!(node["version"], env!("CARGO_PKG_VERSION"));
    }
    for key in ["head", "position", "lag", "pendingIds", "state"] {
        assert!(
            !cluster["journal"][key].is_null(),
            "journal.{key} in {cluster:#}"
        );
    }
    let leases = cluster["leases"].as_array().expect("leases");
    assert_eq!(leases.len(), 4, "{cluster:#}");
    // Each singleton job's lease is held by one node, and that node alone says it holds it.
    for lease in leases {
        let name = lease["name"].as_str().expect("name");
        let holders = [&node_a, &node_b]
            .iter()
            .filter(|node| {
                node.state
                    .cluster
                    .leases_held()
                    .get(name)
                    .copied()
                    .unwrap_or(false)
            })
            .count();
        assert!(holders <= 1, "{name} held by {holders} nodes");
    }

    let (status, _) = call(
        node_b
            .client_as("reader", "reader-password")
            .get(node_b.url("/rest/cairn/1/cluster")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators only");

    let anonymous = cairn_testkit::anonymous_client()
        .get(node_b.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        anonymous.status(),
        StatusCode::UNAUTHORIZED,
        "administrators only"
    );
    let reader = node_b
        .client_as("reader", "reader-password")
        .get(node_b.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        reader.status(),
        StatusCode::FORBIDDEN,
        "administrators only"
    );
    let metrics = node_b
        .admin()
        .get(node_b.url("/metrics"))
        .send()
        .await
        .expect("sent");
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.expect("text");
    for name in [
        "cairn_http_requests_total{route=\"/rest/cairn/1/cluster\",method=\"GET\",status_class=\"4xx\"} 1",
        "cairn_http_request_duration_seconds_bucket{route=\"/rest/cairn/1/cluster\"",
        "cairn_http_requests_in_flight 1",
        "cairn_journal_lag_entries ",
        "cairn_journal_position_id ",
        "cairn_cluster_heartbeat_age_seconds ",
        "cairn_cluster_lease_held{lease=\"journal-prune\"} ",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }

    let page = node_b
        .admin()
        .get(node_b.url("/admin/cluster.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("<h1 class=\"title\">Clustering</h1>"),
        "{html}"
    );
    assert!(
        html.contains(&node_a.state.cluster.node_id),
        "both nodes listed"
    );
    assert!(html.contains(&node_b.state.cluster.node_id));
    assert!(html.contains("journal-prune"));
    assert!(
        html.contains("href=\"/admin/cluster.action\""),
        "admins get the header link"
    );
    let reader = node_b.client_as("reader", "reader-password");
    let refused = reader
        .get(node_b.url("/admin/cluster.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let dashboard = reader
        .get(node_b.url("/dashboard.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    assert!(
        !dashboard.contains("/admin/cluster.action"),
        "no link for others"
    );
    node_b.stop().await;
    node_a.stop().await;
}

async fn a_node_without_its_database_is_not_ready(db: TestDb) {
    let app = TestApp::start(db).await;
    let (status, body) = call(cairn_testkit::anonymous_client().get(app.url("/readyz"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["checks"]["journal"]["state"].is_string(), "{body}");
    app.store.close().await;
    let (status, body) = call(cairn_testkit::anonymous_client().get(app.url("/readyz"))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["ready"], false);
    assert_eq!(body["checks"]["database"], "unreachable");
    app.stop().await;
}

async fn the_cluster_view_includes_the_balancer_state(db: TestDb) {
    // A stand-in for `cairn cluster`'s balancer: its status endpoint on the loopback.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let balancer_address = listener.local_addr().expect("address");
    let router = axum::Router::new().route(
        "/_cluster/state",
        axum::routing::get(|| async {
            axum::Json(json!({"target_nodes": 2, "autoscaler": {"min_nodes": 1, "max_nodes": 3}}))
        }),
    );
    let balancer = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    let mut settings = cairn_app::NodeSettings::default();
    settings.cluster.balancer_url = Some(format!("http://{balancer_address}"));
    let app = TestApp::start_with_settings(db, None, settings).await;
    let (status, view) = call(app.admin().get(app.url("/rest/cairn/1/cluster"))).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(view["balancer"]["target_nodes"], 2);
    assert_eq!(view["balancer"]["autoscaler"]["max_nodes"], 3);

    // A balancer that does not answer is reported, and the rest of the view still comes.
    balancer.abort();
    let _ = balancer.await;
    let (status, view) = call(app.admin().get(app.url("/rest/cairn/1/cluster"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(view["balancer"]["error"].is_string(), "{view}");
    assert!(view["nodes"].is_array());
    app.stop().await;
}

/// Two nodes polling the journal only every 4 s. On PostgreSQL a commit through node A wakes node
/// B's tailer (LISTEN/NOTIFY), so B applies each change well within a second, where polling alone
/// would take 2 s on average and under a second for all four changes about once in 250 runs. On
/// the other databases polling still delivers each change within an interval.
async fn with_a_slow_poll_a_commit_wakes_the_other_node_on_postgresql(db: TestDb) {
    let poll_interval = Duration::from_secs(4);
    let dialect = db.dialect;
    let mut settings = cairn_app::NodeSettings::default();
    settings.cluster.journal_poll_interval = poll_interval;
    let second = db.share();
    let node_a = TestApp::start_with_settings(db, None, settings.clone()).await;
    let node_b = TestApp::start_with_settings(second, None, settings).await;
    let expected_wakeups = if dialect == TestDialect::Postgres {
        "listening"
    } else {
        "off"
    };
    let deadline = Instant::now() + DEADLINE;
    loop {
        let journal = admin_json(&node_b, "/rest/cairn/1/cluster").await["journal"].clone();
        if journal["wakeUps"] == expected_wakeups {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "wake-ups never {expected_wakeups}: {journal}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let admin = node_a.admin();
    let (status, _) = call(
        admin
            .post(node_a.url("/rest/api/space"))
            .json(&new_space("WAKE")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = call(
        admin
            .post(node_a.url("/rest/api/content"))
            .json(&new_page("WAKE", "Woken", None)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let page_id: i64 = page["id"].as_str().expect("id").parse().expect("number");

    // Four changes show the wake-up; two show that polling still works elsewhere.
    let changes: i64 = if dialect == TestDialect::Postgres {
        4
    } else {
        2
    };
    let mut events = node_b.state.cluster.subscribe();
    let mut delays = Vec::new();
    for number in 2..(changes + 2) {
        let (status, body) = call(admin.put(node_a.url(&format!("/rest/api/content/{page_id}"))).json(&json!({
            "type": "page",
            "title": "Woken",
            "version": {"number": number},
            "body": {"storage": {"value": format!("<p>change {number}</p>"), "representation": "storage"}},
        })))
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let acknowledged = Instant::now();
        loop {
            let entry = tokio::time::timeout(DEADLINE, events.recv())
                .await
                .expect("node B delivers the change")
                .expect("subscribed");
            if entry.kind == "content.updated" && entry.entity_id == Some(page_id) {
                break;
            }
        }
        delays.push(acknowledged.elapsed());
    }
    eprintln!(
        "{dialect:?}, polling every {poll_interval:?}: changes reached node B after {delays:?}"
    );
    let slowest = delays.iter().max().copied().unwrap_or_default();
    if dialect == TestDialect::Postgres {
        assert!(slowest < Duration::from_secs(1), "not woken: {delays:?}");
        let woken = node_b
            .state
            .cluster
            .journal
            .wakeups_total
            .load(std::sync::atomic::Ordering::Relaxed);
        assert!(woken >= 4, "{woken} wake-ups for {changes} changes");
    } else {
        assert!(
            slowest < poll_interval + Duration::from_secs(2),
            "{delays:?}"
        );
    }
    node_b.stop().await;
    node_a.stop().await;
}

/// The condition of node `id` in a `/rest/cairn/1/cluster` document.
fn condition_of(cluster: &Value, id: &str) -> Option<String> {
    cluster["nodes"]
        .as_array()?
        .iter()
        .find(|node| node["id"] == id)?["condition"]
        .as_str()
        .map(str::to_string)
}

/// Polls node `observer`'s cluster view until node `id` is in `condition`.
async fn wait_for_condition(observer: &TestApp, id: &str, condition: &str) -> Value {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let cluster = admin_json(observer, "/rest/cairn/1/cluster").await;
        if condition_of(&cluster, id).as_deref() == Some(condition) {
            return cluster;
        }
        assert!(
            Instant::now() < deadline,
            "{id} never {condition}: {cluster:#}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A node told to stop while a save is still arriving: it reports not ready and `draining` (in
/// the database, so the other node and its Clustering page show it), keeps serving, completes the
/// save, and only then closes and marks itself stopped.
async fn a_stopping_node_drains_then_deregisters(db: TestDb) {
    // Node B owns the database and outlives node A.
    let (node_b, node_a) = two_nodes(db).await;
    let node_a_id = node_a.state.cluster.node_id.clone();
    wait_for_condition(&node_b, &node_a_id, "alive").await;
    let (status, _) = call(
        node_a
            .admin()
            .post(node_a.url("/rest/api/space"))
            .json(&new_space("DRAIN")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A save whose body has only half arrived when the stop begins.
    let body = serde_json::to_vec(&new_page("DRAIN", "Saved while draining", None)).expect("json");
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let (chunks, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(2);
    chunks.send(Ok(first_half.to_vec())).await.expect("queued");
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let save = tokio::spawn(
        node_a
            .admin()
            .post(node_a.url("/rest/api/content"))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send(),
    );
    let deadline = Instant::now() + DEADLINE;
    while node_a.state.http_metrics.in_flight() < 1 {
        assert!(Instant::now() < deadline, "the save never arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    node_a.begin_stop();
    let deadline = Instant::now() + DEADLINE;
    let readiness = loop {
        let (status, body) =
            call(cairn_testkit::anonymous_client().get(node_a.url("/readyz"))).await;
        if status == StatusCode::SERVICE_UNAVAILABLE {
            break body;
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(Instant::now() < deadline, "still ready: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(readiness["ready"], false);
    assert_eq!(readiness["state"], "draining", "{readiness}");
    assert_eq!(
        readiness["checks"]["database"], "ok",
        "only the drain makes it unready"
    );

    let cluster = wait_for_condition(&node_b, &node_a_id, "draining").await;
    let row = cluster["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|node| node["id"] == node_a_id.as_str())
        .expect("node A listed");
    assert_eq!(row["state"], "draining");
    assert_eq!(row["alive"], true, "draining nodes still serve");
    let page = node_b
        .admin()
        .get(node_b.url("/admin/cluster.action"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("html");
    let row_html = page
        .split("<tr>")
        .find(|row| row.contains(&node_a_id))
        .expect("node A on the Clustering page");
    assert!(row_html.contains("draining"), "{row_html}");
    let own_view = admin_json(&node_a, "/rest/cairn/1/cluster").await;
    assert_eq!(
        own_view["thisNode"]["state"], "draining",
        "a draining node still answers"
    );
    assert!(!node_a.server_finished(), "closed with a save in flight");

    chunks.send(Ok(second_half.to_vec())).await.expect("queued");
    drop(chunks);
    let saved = save.await.expect("joined").expect("the save completes");
    assert_eq!(saved.status(), StatusCode::OK);
    let saved: Value = saved.json().await.expect("json");
    let page_id = saved["id"].as_str().expect("id").to_string();
    let (status, _) = call(
        node_b
            .admin()
            .get(node_b.url(&format!("/rest/api/content/{page_id}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the save committed");

    node_a.stop().await;
    wait_for_condition(&node_b, &node_a_id, "stopped").await;
    node_b.stop().await;
}
