//! Forwarding one client request to a node: choice, headers, retries, streaming, upgrades.
//!
//! Retry rule: a request is sent again to another node only when that cannot apply it twice.
//! - The connection to the node could not be opened: nothing was sent, so any request is retried
//!   (its body has not been read yet).
//! - The connection broke after the request was sent, before the answer arrived: only GET, HEAD
//!   and OPTIONS without a body are retried; anything else is answered 502, because the node may
//!   have applied it.
//!
//! Bodies stream in both directions. The one exception: the answer to a retryable request, when it
//! is small (at most [`SMALL_RESPONSE_BYTES`] by its Content-Length), is read whole before it is
//! passed on, so a node dying in the middle of it is one more retry rather than a truncated answer.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio_util::sync::CancellationToken;

use crate::metrics::{FailureKind, Metrics, increment};
use crate::registry::{InFlightGuard, Registry};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Body of requests to nodes and of responses to clients.
pub type ProxyBody = UnsyncBoxBody<Bytes, BoxError>;
/// The pooled HTTP/1.1 client that talks to nodes.
pub type NodeClient = Client<HttpConnector, ProxyBody>;

/// Answers to retryable requests up to this size are read whole before being passed on.
pub const SMALL_RESPONSE_BYTES: u64 = 256 * 1024;
/// How many nodes one request may be tried on.
const MAX_ATTEMPTS: usize = 3;

/// A pooled keep-alive client for nodes (plain HTTP on 127.0.0.1).
pub fn node_client() -> NodeClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(128)
        .build(connector)
}

/// Settings of the forwarding path.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// How long a request waits for a ready node before it is answered 503.
    pub queue_timeout: Duration,
    /// How long a node whose connection failed gets no requests.
    pub ejection: Duration,
}

/// What the forwarding path shares.
#[derive(Debug, Clone)]
pub struct Proxy {
    pub registry: Arc<Registry>,
    pub client: NodeClient,
    pub metrics: Arc<Metrics>,
    pub settings: ProxySettings,
    /// Cancelled when the cluster has stopped its nodes: ends upgraded connections still open.
    pub stopped: CancellationToken,
}

impl Proxy {
    /// Forwards `request` from `peer` to a node and returns the node's answer, or the balancer's own
    /// 502/503 when no node could answer.
    pub async fn forward(
        &self,
        mut request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<ProxyBody> {
        let started = Instant::now();
        let upgrade = wants_upgrade(request.headers());
        let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
        let (mut parts, body) = request.into_parts();
        prepare_request_headers(&mut parts.headers, peer, upgrade);
        let idempotent = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let body_is_empty = body.is_end_stream();
        // Bodies of retryable requests are empty: each attempt sends a fresh empty one.
        let replayable = idempotent && body_is_empty && !upgrade;
        let body_slot = Arc::new(Mutex::new(Some(body)));
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/".to_string(), |value| value.as_str().to_string());

        let mut tried = Vec::new();
        let outcome = loop {
            let Some(guard) = self.wait_for_node(&tried).await else {
                increment(&self.metrics.no_node_ready);
                break error_response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no_node_ready",
                    "no Cairn node is ready to answer; try again shortly",
                );
            };
            let node = guard.node().clone();
            tried.push(node.id);
            let attempt_body = if replayable {
                empty_body()
            } else {
                match take_body(&body_slot) {
                    Some(body) => body,
                    None => {
                        // The previous attempt read the body: it cannot be sent again.
                        break self.not_retried(&parts.method, &path_and_query);
                    }
                }
            };
            let uri = match format!("http://{}{path_and_query}", node.address).parse::<Uri>() {
                Ok(uri) => uri,
                Err(_) => {
                    break error_response(
                        StatusCode::BAD_REQUEST,
                        "bad_request_target",
                        "the request target is not valid",
                    );
                }
            };
            let mut attempt = Request::new(attempt_body);
            *attempt.method_mut() = parts.method.clone();
            *attempt.uri_mut() = uri;
            *attempt.version_mut() = Version::HTTP_11;
            *attempt.headers_mut() = parts.headers.clone();

            let failure = match self.client.request(attempt).await {
                Ok(response) if upgrade && response.status() == StatusCode::SWITCHING_PROTOCOLS => {
                    break self.pass_upgrade(response, client_upgrade, guard);
                }
                Ok(response) => {
                    let small = content_length(response.headers())
                        .is_some_and(|length| length <= SMALL_RESPONSE_BYTES);
                    if !(replayable && small) {
                        break stream_response(response, guard);
                    }
                    let (head, node_body) = response.into_parts();
                    match node_body.collect().await {
                        Ok(collected) => {
                            drop(guard);
                            break finish_response(head, full_body(collected.to_bytes()));
                        }
                        Err(_) => FailureKind::Broken,
                    }
                }
                Err(error) if error.is_connect() => {
                    // Nothing reached the node; hand the unread body back for the next attempt.
                    FailureKind::Connect
                }
                Err(_) => FailureKind::Broken,
            };
            drop(guard);
            self.metrics.count_failure(failure);
            if self
                .registry
                .eject(node.id, Instant::now(), self.settings.ejection)
            {
                increment(&self.metrics.ejections);
                tracing::warn!(node = %node.id, port = node.address.port(), failure = ?failure, "node ejected after a failed connection");
            }
            let retry_allowed = match failure {
                FailureKind::Connect => true,
                FailureKind::Broken => replayable,
            };
            if !retry_allowed {
                break self.not_retried(&parts.method, &path_and_query);
            }
            if tried.len() >= MAX_ATTEMPTS {
                break error_response(
                    StatusCode::BAD_GATEWAY,
                    "nodes_failed",
                    "every node tried failed before answering",
                );
            }
            increment(&self.metrics.retries);
            tracing::debug!(method = %parts.method, path = %path_and_query, failed_node = %node.id, "retrying on another node");
        };
        self.metrics.count_response(outcome.status().as_u16());
        self.metrics.observe_duration(started.elapsed());
        outcome
    }

    /// A routable node with the fewest requests, preferring one not tried yet; waits (up to the
    /// queue timeout) while none is ready.
    async fn wait_for_node(&self, tried: &[crate::registry::NodeId]) -> Option<InFlightGuard> {
        let deadline = Instant::now() + self.settings.queue_timeout;
        loop {
            let now = Instant::now();
            if let Some(guard) = self
                .registry
                .choose(tried, now)
                .or_else(|| self.registry.choose(&[], now))
            {
                return Some(guard);
            }
            if now >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn not_retried(&self, method: &Method, path: &str) -> Response<ProxyBody> {
        increment(&self.metrics.not_retried);
        tracing::warn!(%method, %path, "node failed during a request that is not safe to repeat; answered 502");
        error_response(
            StatusCode::BAD_GATEWAY,
            "node_failed",
            "the node handling this request failed before answering; the request was not repeated because it may have been applied",
        )
    }

    /// Passes a 101 answer to the client and joins the two upgraded connections.
    fn pass_upgrade(
        &self,
        mut response: Response<Incoming>,
        client_upgrade: Option<hyper::upgrade::OnUpgrade>,
        guard: InFlightGuard,
    ) -> Response<ProxyBody> {
        let node_upgrade = hyper::upgrade::on(&mut response);
        increment(&self.metrics.upgrades);
        let stopped = self.stopped.clone();
        tokio::spawn(async move {
            // The upgraded connection counts as a request in flight on its node until it closes.
            let _guard = guard;
            let Some(client_upgrade) = client_upgrade else {
                return;
            };
            let joined = async {
                let (client, node) = tokio::try_join!(client_upgrade, node_upgrade)?;
                let mut client = TokioIo::new(client);
                let mut node = TokioIo::new(node);
                tokio::io::copy_bidirectional(&mut client, &mut node).await?;
                Ok::<_, BoxError>(())
            };
            tokio::select! {
                result = joined => {
                    if let Err(error) = result {
                        tracing::debug!(%error, "upgraded connection ended with an error");
                    }
                }
                () = stopped.cancelled() => {}
            }
        });
        let (head, _) = response.into_parts();
        Response::from_parts(head, empty_body())
    }
}

/// A client request body kept aside until an attempt sends it, so a refused connection can give it
/// back for the next attempt.
struct SlotBody {
    slot: Arc<Mutex<Option<Incoming>>>,
    taken: Option<Incoming>,
    size_hint: SizeHint,
    end_stream: bool,
}

fn take_body(slot: &Arc<Mutex<Option<Incoming>>>) -> Option<ProxyBody> {
    let guard = slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let body = guard.as_ref()?;
    let size_hint = body.size_hint();
    let end_stream = body.is_end_stream();
    drop(guard);
    Some(
        SlotBody {
            slot: slot.clone(),
            taken: None,
            size_hint,
            end_stream,
        }
        .map_err(BoxError::from)
        .boxed_unsync(),
    )
}

impl Body for SlotBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        if this.taken.is_none() {
            this.taken = this
                .slot
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
        }
        match this.taken.as_mut() {
            Some(body) => Pin::new(body).poll_frame(context),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.taken
            .as_ref()
            .map_or(self.end_stream, Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.taken
            .as_ref()
            .map_or_else(|| self.size_hint, Body::size_hint)
    }
}

/// A node's response body that keeps its request counted in flight until the body ends.
struct GuardedBody {
    inner: Incoming,
    guard: Option<InFlightGuard>,
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(context);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            this.guard = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn stream_response(response: Response<Incoming>, guard: InFlightGuard) -> Response<ProxyBody> {
    let (head, inner) = response.into_parts();
    let body = GuardedBody {
        inner,
        guard: Some(guard),
    }
    .map_err(BoxError::from)
    .boxed_unsync();
    finish_response(head, body)
}

fn finish_response(mut head: hyper::http::response::Parts, body: ProxyBody) -> Response<ProxyBody> {
    remove_hop_by_hop_headers(&mut head.headers, false);
    Response::from_parts(head, body)
}

pub fn empty_body() -> ProxyBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

pub fn full_body(bytes: Bytes) -> ProxyBody {
    Full::new(bytes)
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// The balancer's own JSON answer, shaped like Cairn's errors (`statusCode`, `code`, `message`).
pub fn error_response(status: StatusCode, code: &str, message: &str) -> Response<ProxyBody> {
    let body = serde_json::json!({
        "statusCode": status.as_u16(),
        "code": code,
        "message": message,
    });
    let mut response = Response::new(full_body(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether the client asks to switch protocols (`Connection: upgrade` with an `Upgrade` header).
pub fn wants_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && connection_tokens(headers).any(|token| token.eq_ignore_ascii_case("upgrade"))
}

fn connection_tokens(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

/// Headers that describe one connection, not the message (RFC 9110 section 7.6.1).
const HOP_BY_HOP: [HeaderName; 8] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes hop-by-hop headers (and those the `Connection` header names). With `keep_upgrade`,
/// `Connection: upgrade` and `Upgrade` stay, so the node sees the protocol switch.
fn remove_hop_by_hop_headers(headers: &mut HeaderMap, keep_upgrade: bool) {
    let named: Vec<HeaderName> = connection_tokens(headers)
        .filter_map(|token| HeaderName::from_bytes(token.as_bytes()).ok())
        .collect();
    for name in named {
        if !(keep_upgrade && name == header::UPGRADE) {
            headers.remove(name);
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    if keep_upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
}

/// Removes hop-by-hop headers and adds `X-Forwarded-For` (appended), `X-Forwarded-Proto` and
/// `X-Forwarded-Host` (kept when a proxy in front already set them).
fn prepare_request_headers(headers: &mut HeaderMap, peer: SocketAddr, upgrade: bool) {
    let upgrade_protocol = headers.get(header::UPGRADE).cloned();
    remove_hop_by_hop_headers(headers, upgrade);
    if let (true, Some(protocol)) = (upgrade, upgrade_protocol) {
        headers.insert(header::UPGRADE, protocol);
    }
    let forwarded_for = HeaderName::from_static("x-forwarded-for");
    let client_ip = peer.ip().to_string();
    let chain = match headers
        .get(&forwarded_for)
        .and_then(|value| value.to_str().ok())
    {
        Some(earlier) if !earlier.trim().is_empty() => format!("{}, {client_ip}", earlier.trim()),
        _ => client_ip,
    };
    if let Ok(value) = HeaderValue::from_str(&chain) {
        headers.insert(forwarded_for, value);
    }
    let forwarded_proto = HeaderName::from_static("x-forwarded-proto");
    if !headers.contains_key(&forwarded_proto) {
        headers.insert(forwarded_proto, HeaderValue::from_static("http"));
    }
    let forwarded_host = HeaderName::from_static("x-forwarded-host");
    if !headers.contains_key(&forwarded_host)
        && let Some(host) = headers.get(header::HOST).cloned()
    {
        headers.insert(forwarded_host, host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            );
        }
        map
    }

    #[test]
    fn forwarded_headers_are_added_and_chained() {
        let peer: SocketAddr = "10.0.0.7:5555".parse().expect("address");
        let mut plain = headers(&[
            ("host", "wiki.example.com"),
            ("connection", "keep-alive, x-secret"),
            ("x-secret", "1"),
            ("keep-alive", "timeout=5"),
        ]);
        prepare_request_headers(&mut plain, peer, false);
        assert_eq!(plain["x-forwarded-for"], "10.0.0.7");
        assert_eq!(plain["x-forwarded-proto"], "http");
        assert_eq!(plain["x-forwarded-host"], "wiki.example.com");
        assert!(!plain.contains_key("connection"));
        assert!(!plain.contains_key("keep-alive"));
        assert!(
            !plain.contains_key("x-secret"),
            "headers named by Connection are hop-by-hop"
        );

        let mut behind_tls = headers(&[
            ("host", "node"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "wiki.example.com"),
        ]);
        prepare_request_headers(&mut behind_tls, peer, false);
        assert_eq!(behind_tls["x-forwarded-for"], "203.0.113.9, 10.0.0.7");
        assert_eq!(behind_tls["x-forwarded-proto"], "https");
        assert_eq!(behind_tls["x-forwarded-host"], "wiki.example.com");
    }

    #[test]
    fn upgrade_headers_survive_only_for_upgrades() {
        let peer: SocketAddr = "127.0.0.1:1".parse().expect("address");
        let asked = headers(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
        ]);
        assert!(wants_upgrade(&asked));
        let mut upgraded = asked.clone();
        prepare_request_headers(&mut upgraded, peer, true);
        assert_eq!(upgraded["connection"], "upgrade");
        assert_eq!(upgraded["upgrade"], "websocket");

        let mut not_upgraded = headers(&[("upgrade", "h2c")]);
        assert!(
            !wants_upgrade(&not_upgraded),
            "Upgrade without Connection: upgrade is ignored"
        );
        prepare_request_headers(&mut not_upgraded, peer, false);
        assert!(!not_upgraded.contains_key("upgrade"));
    }
}
