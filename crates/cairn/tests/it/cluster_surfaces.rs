//! `cairn cluster` as shipped, on the embedded SQLite database of a fresh home: every GET route of
//! the health, cluster and admin surfaces answers through the balancer, for the administrator and
//! for anonymous callers, with a real HTTP response and never a server error.

use cairn_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME};
use serde_json::Value;

use crate::cluster::{Cluster, REQUEST_TIMEOUT};

/// What a caller may be answered on one route.
struct Route {
    path: &'static str,
    administrator: &'static [u16],
    anonymous: &'static [u16],
}

/// The GET routes of cairn-web's `health.rs`, `cluster/view.rs` and `ui/cluster.rs`, and the
/// balancer's own `/_cluster/` pages.
const ROUTES: &[Route] = &[
    Route {
        path: "/healthz",
        administrator: &[200],
        anonymous: &[200],
    },
    Route {
        path: "/readyz",
        administrator: &[200],
        anonymous: &[200],
    },
    Route {
        path: "/status",
        administrator: &[200],
        anonymous: &[200],
    },
    Route {
        path: "/metrics",
        administrator: &[200],
        anonymous: &[200, 401, 403, 404],
    },
    Route {
        path: "/rest/cairn/1/cluster",
        administrator: &[200],
        anonymous: &[401, 403, 404],
    },
    Route {
        path: "/admin/cluster.action",
        administrator: &[200],
        // To the login page.
        anonymous: &[302, 303, 401, 403],
    },
    Route {
        path: "/_cluster/state",
        administrator: &[200],
        anonymous: &[200],
    },
    Route {
        path: "/_cluster/metrics",
        administrator: &[200],
        anonymous: &[200],
    },
];

/// Sends `GET path` through the balancer and returns the status and body; a request that gets no
/// HTTP answer at all fails the test.
async fn get(
    client: &reqwest::Client,
    cluster: &Cluster,
    path: &str,
    administrator: bool,
) -> (u16, String) {
    let mut request = client.get(cluster.url(path)).timeout(REQUEST_TIMEOUT);
    if administrator {
        request = request.basic_auth(ADMIN_USERNAME, Some(ADMIN_PASSWORD));
    }
    let response = request.send().await.unwrap_or_else(|error| {
        panic!(
            "GET {path} (administrator: {administrator}) got no HTTP answer: {error}\nlog:\n{}",
            cluster.log_text()
        )
    });
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_else(|error| {
        panic!(
            "GET {path} (administrator: {administrator}) answered {status} with a broken body: {error}"
        )
    });
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_health_cluster_and_admin_route_answers_through_the_balancer() {
    let cluster = Cluster::start_on(None, &["--nodes", "2"]);
    cluster.wait_for_ready_nodes(2).await;
    // Built after the cluster's client, which installs the TLS provider reqwest needs. Redirects
    // are not followed, so an anonymous caller's answer is the page's own.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");

    // Several rounds, so least connections sends each route to both nodes.
    for _ in 0..3 {
        for route in ROUTES {
            for (administrator, allowed) in [(true, route.administrator), (false, route.anonymous)]
            {
                let (status, body) = get(&client, &cluster, route.path, administrator).await;
                assert!(
                    allowed.contains(&status),
                    "GET {} (administrator: {administrator}) answered {status}, expected one of \
                     {allowed:?}: {body}\nlog:\n{}",
                    route.path,
                    cluster.log_text()
                );
            }
        }
    }

    // The node fetched the balancer's state for its cluster view and page, over reqwest.
    let (_, body) = get(&client, &cluster, "/rest/cairn/1/cluster", true).await;
    let view: Value = serde_json::from_str(&body).expect("the cluster view is JSON");
    assert_eq!(
        view["balancer"]["nodes"].as_array().map(Vec::len),
        Some(2),
        "the cluster view shows the balancer's nodes: {view:#}"
    );
    let (_, page) = get(&client, &cluster, "/admin/cluster.action", true).await;
    assert!(
        page.contains(&cluster.base) && !page.contains("did not answer"),
        "the Clustering page shows the balancer at {}: {page}",
        cluster.base
    );
    let log = cluster.log_text();
    assert!(!log.contains("panicked"), "a node panicked:\n{log}");
    cluster.stop();
}
