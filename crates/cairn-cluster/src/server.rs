//! The balancer's listener: HTTP/1.1 keep-alive connections from clients, the `/_cluster/` pages,
//! and everything else forwarded to a node.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::proxy::{Proxy, ProxyBody, error_response, full_body};
use crate::status::ClusterView;

/// The balancer: forwarding plus its own pages.
#[derive(Debug)]
pub struct Balancer {
    pub proxy: Proxy,
    pub view: ClusterView,
}

impl Balancer {
    async fn handle(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<ProxyBody> {
        let path = request.uri().path();
        if path != "/_cluster" && !path.starts_with("/_cluster/") {
            return self.proxy.forward(request, peer).await;
        }
        match (request.method(), path.trim_end_matches('/')) {
            (&Method::GET, "/_cluster/state") => {
                let body = self.view.state_json().to_string();
                with_content_type(body, "application/json;charset=UTF-8")
            }
            (&Method::GET, "/_cluster/metrics") => with_content_type(
                self.view.metrics_text(),
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            (&Method::POST, "/_cluster/rolling-restart") => self.rolling_restart(peer),
            _ => error_response(
                StatusCode::NOT_FOUND,
                "not_found",
                "the balancer answers GET /_cluster/state, GET /_cluster/metrics and POST /_cluster/rolling-restart",
            ),
        }
    }

    fn rolling_restart(&self, peer: SocketAddr) -> Response<ProxyBody> {
        // Restarting every node is an operator's action: only from the balancer's own host.
        if !peer.ip().is_loopback() {
            return error_response(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a rolling restart can only be asked for from the cluster's own host",
            );
        }
        match self.view.supervisor.start_rolling_restart() {
            Ok(nodes) => {
                let body = serde_json::json!({"started": true, "nodes": nodes}).to_string();
                let mut response = with_content_type(body, "application/json;charset=UTF-8");
                *response.status_mut() = StatusCode::ACCEPTED;
                response
            }
            Err(error) => error_response(
                StatusCode::CONFLICT,
                "rolling_restart_running",
                &error.to_string(),
            ),
        }
    }
}

fn with_content_type(body: String, content_type: &'static str) -> Response<ProxyBody> {
    let mut response = Response::new(full_body(Bytes::from(body)));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Accepts clients on `listener` until `shutdown` is cancelled, then lets every connection finish
/// its request in flight (closing idle keep-alive connections), waiting at most `drain_timeout`.
pub async fn serve(
    listener: TcpListener,
    balancer: Arc<Balancer>,
    shutdown: CancellationToken,
    drain_timeout: Duration,
) {
    // Each connection task holds a sender; when the last one is dropped, `all_closed` yields None.
    let (connection_alive, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    loop {
        let accepted = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // Out of file descriptors and the like: pause instead of spinning.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let balancer = balancer.clone();
        let shutdown = shutdown.clone();
        let alive = connection_alive.clone();
        tokio::spawn(async move {
            let _alive = alive;
            let service = service_fn(move |request| {
                let balancer = balancer.clone();
                async move { Ok::<_, Infallible>(balancer.handle(request, peer).await) }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%error, %peer, "client connection ended with an error");
                    }
                }
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    drop(listener);
    drop(connection_alive);
    if tokio::time::timeout(drain_timeout, all_closed.recv())
        .await
        .is_err()
    {
        tracing::warn!("client connections still open after the drain timeout");
    }
}
