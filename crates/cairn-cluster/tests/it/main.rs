//! The balancer's forwarding path against fake nodes on 127.0.0.1: which failures are retried and
//! which are not, streaming in both directions, upgraded connections and forwarded headers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use cairn_cluster::metrics::Metrics;
use cairn_cluster::proxy::{
    BoxError, Proxy, ProxyBody, ProxySettings, empty_body, full_body, node_client,
};
use cairn_cluster::registry::{Node, NodeId, NodeState, Registry};
use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(10);

/// Serves `handler` on a fresh 127.0.0.1 port (upgrades allowed) for the rest of the test.
async fn spawn_server<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(Request<Incoming>, SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<ProxyBody>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(request, peer).await) }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    address
}

/// A balancer in front of `nodes` (all ready), and what it shares.
struct Front {
    address: SocketAddr,
    registry: Arc<Registry>,
    metrics: Arc<Metrics>,
}

async fn front(nodes: &[SocketAddr]) -> Front {
    let registry = Arc::new(Registry::default());
    for (index, address) in nodes.iter().enumerate() {
        let id = NodeId(index as u64 + 1);
        registry.add(Arc::new(Node::new(id, *address, 0)));
        registry.record_health(id, true);
    }
    let metrics = Arc::new(Metrics::default());
    let proxy = Arc::new(Proxy {
        registry: registry.clone(),
        client: node_client(),
        metrics: metrics.clone(),
        settings: ProxySettings {
            queue_timeout: Duration::from_secs(2),
            ejection: Duration::from_secs(30),
        },
        stopped: CancellationToken::new(),
    });
    let address = spawn_server(move |request, peer| {
        let proxy = proxy.clone();
        async move { proxy.forward(request, peer).await }
    })
    .await;
    Front {
        address,
        registry,
        metrics,
    }
}

/// A node that answers every request with what it received, and counts requests.
async fn echo_node(requests: Arc<AtomicUsize>) -> SocketAddr {
    spawn_server(move |request: Request<Incoming>, _| {
        let requests = requests.clone();
        async move {
            requests.fetch_add(1, Ordering::SeqCst);
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_string)
            };
            let seen = json!({
                "method": request.method().as_str(),
                "path": request.uri().to_string(),
                "host": header("host"),
                "x-forwarded-for": header("x-forwarded-for"),
                "x-forwarded-proto": header("x-forwarded-proto"),
                "x-forwarded-host": header("x-forwarded-host"),
            });
            let body = request
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            let mut answer = seen;
            answer["body"] = json!(String::from_utf8_lossy(&body));
            Response::new(full_body(Bytes::from(answer.to_string())))
        }
    })
    .await
}

/// A node that reads a request head, then closes the connection without answering.
async fn dropping_node(requests: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let requests = requests.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 1024];
                while !head.windows(4).any(|window| window == b"\r\n\r\n") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&buffer[..read]),
                    }
                }
                requests.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            });
        }
    });
    address
}

/// An address where nothing listens.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address")
}

async fn call(request: Request<ProxyBody>) -> (StatusCode, Value) {
    let response = node_client()
        .request(request)
        .await
        .expect("the balancer answers");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn request(front: &Front, method: &str, path: &str, body: ProxyBody) -> Request<ProxyBody> {
    Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", front.address))
        .header("host", "wiki.example.com")
        .body(body)
        .expect("request")
}

#[tokio::test]
async fn a_read_whose_node_drops_the_connection_is_answered_by_another_node() {
    let (dropped, echoed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let nodes = [
        dropping_node(dropped.clone()).await,
        echo_node(echoed.clone()).await,
    ];
    let front = front(&nodes).await;
    // The first choice among idle nodes is the first node: the one that drops connections.
    let (status, seen) = call(request(&front, "GET", "/rest/api/space", empty_body())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["path"], "/rest/api/space");
    assert_eq!(
        (
            dropped.load(Ordering::SeqCst),
            echoed.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
    assert_eq!(front.metrics.retries.load(Ordering::SeqCst), 1);
    let states: Vec<NodeState> = front
        .registry
        .snapshot(std::time::Instant::now())
        .iter()
        .map(|node| node.state)
        .collect();
    assert_eq!(states, [NodeState::Ejected, NodeState::Ready]);
}

#[tokio::test]
async fn a_write_whose_node_drops_the_connection_is_answered_502_and_not_repeated() {
    let (dropped, echoed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let nodes = [
        dropping_node(dropped.clone()).await,
        echo_node(echoed.clone()).await,
    ];
    let front = front(&nodes).await;
    let body = full_body(Bytes::from_static(b"{\"title\":\"once\"}"));
    let (status, error) = call(request(&front, "POST", "/rest/api/content", body)).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(error["code"], "node_failed");
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    assert_eq!(
        echoed.load(Ordering::SeqCst),
        0,
        "the write was not sent again"
    );
    assert_eq!(front.metrics.not_retried.load(Ordering::SeqCst), 1);

    // Without a body too: the node may have acted on the request head alone.
    let front = self::front(&nodes).await;
    let (status, _) = call(request(
        &front,
        "DELETE",
        "/rest/api/content/7",
        empty_body(),
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(dropped.load(Ordering::SeqCst), 2);
    assert_eq!(
        echoed.load(Ordering::SeqCst),
        0,
        "the delete was not sent again"
    );
}

#[tokio::test]
async fn a_refused_connection_sends_even_a_write_to_another_node() {
    let echoed = Arc::new(AtomicUsize::new(0));
    let nodes = [closed_port(), echo_node(echoed.clone()).await];
    let front = front(&nodes).await;
    let body = full_body(Bytes::from_static(b"page body"));
    let (status, seen) = call(request(&front, "PUT", "/rest/api/content/7", body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["method"], "PUT");
    assert_eq!(
        seen["body"], "page body",
        "the unread body went to the second node"
    );
    assert_eq!(echoed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn forwarded_headers_reach_the_node_with_the_original_host() {
    let nodes = [echo_node(Arc::new(AtomicUsize::new(0))).await];
    let front = front(&nodes).await;
    let (status, seen) = call(request(&front, "GET", "/wiki?x=1", empty_body())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["path"], "/wiki?x=1");
    assert_eq!(seen["host"], "wiki.example.com");
    assert_eq!(seen["x-forwarded-for"], "127.0.0.1");
    assert_eq!(seen["x-forwarded-proto"], "http");
    assert_eq!(seen["x-forwarded-host"], "wiki.example.com");
}

#[tokio::test]
async fn with_no_ready_node_the_answer_is_503_with_retry_after() {
    let front = front(&[]).await;
    let response = node_client()
        .request(request(&front, "GET", "/", empty_body()))
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
}

/// A body fed from a channel, chunk by chunk.
struct ChannelBody(mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.get_mut()
            .0
            .poll_recv(context)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

const CHUNK: usize = 1024 * 1024;
const CHUNKS: usize = 16;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_stream_through_in_both_directions() {
    let first_upload_chunk_seen = Arc::new(Notify::new());
    let release_download = Arc::new(Notify::new());
    let node = {
        let (seen, release) = (first_upload_chunk_seen.clone(), release_download.clone());
        spawn_server(move |request: Request<Incoming>, _| {
            let (seen, release) = (seen.clone(), release.clone());
            async move {
                if request.uri().path() == "/upload" {
                    let mut body = request.into_body();
                    let mut received = 0;
                    while let Some(frame) = body.frame().await {
                        if let Ok(data) = frame.expect("frame").into_data() {
                            received += data.len();
                            if received >= CHUNK {
                                seen.notify_one();
                            }
                        }
                    }
                    return Response::new(full_body(Bytes::from(received.to_string())));
                }
                // A download whose rest is only sent once the client has the first chunk.
                let (sender, receiver) = mpsc::channel(1);
                tokio::spawn(async move {
                    let _ = sender.send(Bytes::from(vec![1u8; CHUNK])).await;
                    release.notified().await;
                    for _ in 1..CHUNKS {
                        let _ = sender.send(Bytes::from(vec![2u8; CHUNK])).await;
                    }
                });
                Response::new(ChannelBody(receiver).boxed_unsync())
            }
        })
        .await
    };
    let front = front(&[node]).await;

    let (sender, receiver) = mpsc::channel(1);
    let upload = tokio::spawn(call_owned(request(
        &front,
        "POST",
        "/upload",
        ChannelBody(receiver).boxed_unsync(),
    )));
    sender
        .send(Bytes::from(vec![0u8; CHUNK]))
        .await
        .expect("first chunk");
    tokio::time::timeout(WAIT, first_upload_chunk_seen.notified())
        .await
        .expect("the node gets the first chunk before the client has sent the rest");
    for _ in 1..CHUNKS {
        sender
            .send(Bytes::from(vec![0u8; CHUNK]))
            .await
            .expect("chunk");
    }
    drop(sender);
    let (status, received) = upload.await.expect("upload task");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(received, (CHUNK * CHUNKS).to_string());

    let response = node_client()
        .request(request(&front, "GET", "/download", empty_body()))
        .await
        .expect("download answers");
    let mut body = response.into_body();
    let mut downloaded = 0;
    while downloaded < CHUNK {
        let frame = tokio::time::timeout(WAIT, body.frame())
            .await
            .expect("the first chunk arrives while the node holds back the rest")
            .expect("a frame")
            .expect("data");
        downloaded += frame.into_data().map_or(0, |data| data.len());
    }
    release_download.notify_one();
    while let Some(frame) = tokio::time::timeout(WAIT, body.frame())
        .await
        .expect("more")
    {
        downloaded += frame
            .expect("frame")
            .into_data()
            .map_or(0, |data| data.len());
    }
    assert_eq!(downloaded, CHUNK * CHUNKS);
}

async fn call_owned(request: Request<ProxyBody>) -> (StatusCode, String) {
    let response = node_client().request(request).await.expect("answer");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgraded_connections_pass_through_both_ways() {
    let node = spawn_server(|request: Request<Incoming>, _| async move {
        if !request.headers().contains_key("upgrade") {
            return Response::new(full_body(Bytes::from_static(b"not upgraded")));
        }
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(request).await else {
                return;
            };
            let mut io = TokioIo::new(upgraded);
            let mut buffer = [0u8; 4];
            while io.read_exact(&mut buffer).await.is_ok() {
                buffer.reverse();
                if io.write_all(&buffer).await.is_err() {
                    return;
                }
            }
        });
        Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("connection", "upgrade")
            .header("upgrade", "reverse")
            .body(empty_body())
            .expect("101")
    })
    .await;
    let front = front(&[node]).await;
    let mut stream = TcpStream::connect(front.address).await.expect("connect");
    stream
        .write_all(b"GET /socket HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: reverse\r\n\r\n")
        .await
        .expect("handshake");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tokio::time::timeout(WAIT, stream.read_exact(&mut byte))
            .await
            .expect("answer in time")
            .expect("read");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(head.contains("upgrade: reverse"), "{head}");
    for word in [b"ping", b"abcd"] {
        stream.write_all(word).await.expect("write");
        let mut answer = [0u8; 4];
        tokio::time::timeout(WAIT, stream.read_exact(&mut answer))
            .await
            .expect("echo in time")
            .expect("read");
        let mut expected = *word;
        expected.reverse();
        assert_eq!(answer, expected);
    }
    assert_eq!(front.metrics.upgrades.load(Ordering::SeqCst), 1);
    // The upgraded connection counts as one request in flight on its node.
    assert_eq!(
        front.registry.snapshot(std::time::Instant::now())[0].in_flight,
        1
    );
}
