//! The Clustering page shows the `cairn cluster` balancer in front of the node: its nodes with
//! their routing state and requests in flight, and its autoscaler; or says plainly that there is
//! no balancer, or that it does not answer. The balancer's `/_cluster/state` comes from
//! `cairn-cluster`'s own status code over a registry, supervisor and autoscaler set up here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cairn_cluster::autoscaler::{Autoscaler, Decision, DecisionRecord};
use cairn_cluster::registry::{InFlightGuard, Node, NodeId, Registry};
use cairn_cluster::status::ClusterView;
use cairn_cluster::supervisor::Supervisor;
use cairn_cluster::{AutoscalerPolicy, NodeCommand, SupervisorSettings};
use cairn_testkit::{TestApp, TestDb, every_dialect};
use reqwest::StatusCode;
use tokio_util::sync::CancellationToken;

every_dialect!(the_clustering_page_shows_the_balancer_and_autoscaler);

/// A balancer's state: `ready_port` is a ready node with two requests in flight, `draining_port` a
/// node being drained; the autoscaler (1 to 3 nodes) has scaled up once.
fn balancer_view(
    listen: SocketAddr,
    ready_port: u16,
    draining_port: u16,
) -> (ClusterView, Vec<InFlightGuard>) {
    let registry = Arc::new(Registry::default());
    let ready = NodeId(7);
    let draining = NodeId(8);
    registry.add(Arc::new(Node::new(
        ready,
        SocketAddr::from(([127, 0, 0, 1], ready_port)),
        4242,
    )));
    registry.add(Arc::new(Node::new(
        draining,
        SocketAddr::from(([127, 0, 0, 1], draining_port)),
        4343,
    )));
    registry.record_health(ready, true);
    registry.record_health(draining, true);
    registry.start_draining(draining);
    let now = Instant::now();
    let in_flight: Vec<InFlightGuard> = (0..2)
        .map(|_| registry.choose(&[], now).expect("a ready node"))
        .collect();
    let policy = AutoscalerPolicy {
        min_nodes: 1,
        max_nodes: 3,
        scale_up_load: 4.0,
        scale_up_window: Duration::from_secs(30),
        scale_up_cooldown: Duration::from_secs(60),
        scale_down_load: 0.5,
        scale_down_window: Duration::from_secs(300),
        scale_down_cooldown: Duration::from_secs(300),
    };
    let mut autoscaler = Autoscaler::new(policy);
    autoscaler.remember(DecisionRecord {
        decision: Decision::ScaleUp,
        from_nodes: 1,
        to_nodes: 2,
        window_average_load: 5.25,
        reason: "load above 4 for the whole 30s window".to_string(),
        at_ms: 1_700_000_000_000,
    });
    let metrics = Arc::new(cairn_cluster::metrics::Metrics::default());
    let supervisor = Arc::new(Supervisor::new(
        registry.clone(),
        cairn_cluster::proxy::node_client(),
        metrics.clone(),
        NodeCommand {
            program: "cairn".into(),
            args: Vec::new(),
            env: Vec::new(),
        },
        SupervisorSettings {
            drain_timeout: Duration::from_secs(30),
            stop_timeout: Duration::from_secs(30),
            health_interval: Duration::from_secs(1),
            start_timeout: Duration::from_secs(120),
        },
        2,
        CancellationToken::new(),
    ));
    let view = ClusterView {
        listen,
        registry,
        supervisor,
        autoscaler: Arc::new(Mutex::new(autoscaler)),
        metrics,
    };
    (view, in_flight)
}

async fn clustering_page(app: &TestApp) -> String {
    let response = app
        .admin()
        .get(app.url("/admin/cluster.action"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("html")
}

/// The HTML of the balancer card.
fn balancer_card(page: &str) -> &str {
    let start = page.find("id=\"cluster-balancer\"").expect("balancer card");
    let rest = &page[start..];
    let end = rest.find("id=\"cluster-leases\"").unwrap_or(rest.len());
    &rest[..end]
}

/// The row of the balancer's node table that mentions `needle`.
fn row_with<'a>(card: &'a str, needle: &str) -> &'a str {
    card.split("<tr>")
        .find(|row| row.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle} in {card}"))
}

async fn the_clustering_page_shows_the_balancer_and_autoscaler(db: TestDb) {
    let without = TestApp::start(db.share()).await;
    let page = clustering_page(&without).await;
    let card = balancer_card(&page);
    assert!(
        card.contains("No <code>cairn cluster</code> balancer is configured"),
        "{card}"
    );
    without.stop().await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let balancer_address = listener.local_addr().expect("address");
    let mut settings = cairn_app::NodeSettings::default();
    settings.cluster.balancer_url = Some(format!("http://{balancer_address}"));
    let app = TestApp::start_with_settings(db, None, settings).await;
    let app_port: u16 = app
        .base_url
        .rsplit(':')
        .next()
        .and_then(|port| port.parse().ok())
        .expect("port");
    // The ready process is this very node, so the page can name its Cairn node id.
    let (view, _in_flight) = balancer_view(balancer_address, app_port, 1);
    let state_document = Arc::new(view);
    let router = axum::Router::new().route(
        "/_cluster/state",
        axum::routing::get(move || {
            let view = state_document.clone();
            async move { axum::Json(view.state_json()) }
        }),
    );
    let balancer = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });

    // The JSON view and the page show the same document.
    let (status, json) =
        crate::support::call(app.admin().get(app.url("/rest/cairn/1/cluster"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["balancer"]["nodes"][0]["in_flight"], 2, "{json}");
    assert_eq!(
        json["balancer"]["autoscaler"]["recent_decisions"][0]["to_nodes"],
        2
    );

    let page = clustering_page(&app).await;
    let card = balancer_card(&page);
    let ready_row = row_with(card, "<td>node-7</td>");
    assert!(
        ready_row.contains(&app.state.cluster.node_id),
        "matched by port: {ready_row}"
    );
    assert!(ready_row.contains(">ready<"), "{ready_row}");
    assert!(
        ready_row.contains("<td>2</td>"),
        "two requests in flight: {ready_row}"
    );
    assert!(ready_row.contains("4242"), "{ready_row}");
    let draining_row = row_with(card, "<td>node-8</td>");
    assert!(
        draining_row.contains("<strong>draining</strong>"),
        "{draining_row}"
    );
    assert!(draining_row.contains("not registered"), "{draining_row}");
    let bounds = row_with(card, "Nodes: minimum, target, maximum");
    assert!(bounds.contains("1, 2, 3"), "{bounds}");
    assert!(row_with(card, "Autoscaling").contains(">on<"));
    let decision = row_with(card, "load above 4 for the whole 30s window");
    assert!(decision.contains("scale_up"), "{decision}");
    assert!(decision.contains("1 → 2"), "{decision}");
    assert!(decision.contains("5.25"), "{decision}");

    // The balancer goes away: the page says so and still shows the nodes the database knows.
    balancer.abort();
    let _ = balancer.await;
    let page = clustering_page(&app).await;
    let card = balancer_card(&page);
    assert!(card.contains("did not answer"), "{card}");
    assert!(card.contains(&balancer_address.to_string()), "{card}");
    assert!(page.contains(&app.state.cluster.node_id));
    app.stop().await;
}
