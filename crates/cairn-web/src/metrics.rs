//! HTTP request metrics of this node and the Prometheus text they are rendered into.
//!
//! Labels are bounded: the route template (`/rest/api/content/{id}`, never a raw path), the method,
//! and the status class (`2xx`…). Requests that match no route share the `unmatched` template.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use cairn_app::load::RequestLoad;

use crate::AppState;

/// Upper bounds (seconds) of the latency histogram buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default, Clone)]
struct RouteFigures {
    /// Requests by status class (index 1..=5 for 1xx..5xx; 0 for anything else).
    by_status_class: [u64; 6],
    /// Cumulative counts per bucket of [`LATENCY_BUCKETS`].
    buckets: [u64; LATENCY_BUCKETS.len()],
    seconds_sum: f64,
    count: u64,
}

/// Counters of one node.
#[derive(Default)]
pub struct HttpMetrics {
    /// Requests being served now and served since start: the node's load, which its heartbeat
    /// reports.
    load: Arc<RequestLoad>,
    /// Per (route template, method). Guarded by a std mutex held for one update, never across
    /// `.await`.
    routes: Mutex<BTreeMap<(String, String), RouteFigures>>,
}

impl HttpMetrics {
    /// Metrics counting requests into `load`.
    pub fn new(load: Arc<RequestLoad>) -> HttpMetrics {
        HttpMetrics {
            load,
            routes: Mutex::default(),
        }
    }

    pub fn in_flight(&self) -> i64 {
        self.load.in_flight()
    }

    pub fn total(&self) -> u64 {
        self.load.total()
    }

    fn record(&self, route: String, method: String, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let figures = routes.entry((route, method)).or_default();
        let class = usize::from(status / 100);
        figures.by_status_class[if (1..=5).contains(&class) { class } else { 0 }] += 1;
        for (index, bound) in LATENCY_BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                figures.buckets[index] += 1;
            }
        }
        figures.seconds_sum += seconds;
        figures.count += 1;
    }

    /// Appends the HTTP metrics in Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let routes = match self.routes.lock() {
            Ok(routes) => routes.clone(),
            Err(_) => BTreeMap::new(),
        };
        let _ = writeln!(
            out,
            "# HELP cairn_http_requests_total HTTP requests served, by route template, method and status class.\n# TYPE cairn_http_requests_total counter"
        );
        for ((route, method), figures) in &routes {
            for (class, count) in figures.by_status_class.iter().enumerate() {
                if *count == 0 {
                    continue;
                }
                let class = if class == 0 {
                    "other".to_string()
                } else {
                    format!("{class}xx")
                };
                let _ = writeln!(
                    out,
                    "cairn_http_requests_total{{route=\"{}\",method=\"{method}\",status_class=\"{class}\"}} {count}",
                    escape_label(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP cairn_http_request_duration_seconds Time to the response head, by route template and method.\n# TYPE cairn_http_request_duration_seconds histogram"
        );
        for ((route, method), figures) in &routes {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape_label(route));
            for (index, bound) in LATENCY_BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "cairn_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    figures.buckets[index]
                );
            }
            let _ = writeln!(
                out,
                "cairn_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\ncairn_http_request_duration_seconds_sum{{{labels}}} {}\ncairn_http_request_duration_seconds_count{{{labels}}} {}",
                figures.count, figures.seconds_sum, figures.count
            );
        }
        gauge(
            out,
            "cairn_http_requests_in_flight",
            "HTTP requests being served now.",
            self.in_flight() as f64,
        );
    }
}

/// Writes one unlabelled gauge.
pub(crate) fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: counts and times every request.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let metrics = state.http_metrics.clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let method = request.method().as_str().to_string();
    let guard = metrics.load.begin();
    let started = Instant::now();
    let response = next.run(request).await;
    drop(guard);
    metrics.record(
        route,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_render_as_prometheus_text() {
        let metrics = HttpMetrics::default();
        metrics.record("/rest/api/content/{id}".into(), "GET".into(), 200, 0.003);
        metrics.record("/rest/api/content/{id}".into(), "GET".into(), 404, 0.2);
        let mut text = String::new();
        metrics.render(&mut text);
        assert!(text.contains(
            "cairn_http_requests_total{route=\"/rest/api/content/{id}\",method=\"GET\",status_class=\"2xx\"} 1"
        ), "{text}");
        assert!(text.contains("status_class=\"4xx\"} 1"), "{text}");
        assert!(text.contains("le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 2"), "{text}");
        assert!(text.contains("cairn_http_requests_in_flight 0"), "{text}");
    }
}
