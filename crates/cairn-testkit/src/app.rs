//! A real Cairn server on `127.0.0.1:0` for HTTP tests.

use base64::Engine;
use cairn_app::{Node, NodeSettings};
use cairn_store::{NewUser, Store};
use cairn_web::{AppState, WebSettings};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::db::TestDb;

/// The administrator every [`TestApp`] starts with.
pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password";

pub struct TestApp {
    pub store: Store,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The node's shared state (its cluster handle, caches, metrics), for tests that look inside.
    pub state: AppState,
    /// Cancelled to stop serving: the server drains, then closes.
    shutdown: CancellationToken,
    /// Cancelled after the server has finished, to stop the cluster tasks.
    cluster_stop: CancellationToken,
    server: Option<JoinHandle<std::io::Result<()>>>,
    /// Heartbeat, journal tailer and singleton jobs of this node.
    cluster_tasks: tokio::task::JoinSet<()>,
    /// Attachment bytes of this app; removed with it.
    _blob_directory: tempfile::TempDir,
    /// Kept last so the database outlives the server.
    pub db: TestDb,
}

impl TestApp {
    /// Migrates `db`, creates the administrator, binds `127.0.0.1:0` and serves, with this node's
    /// heartbeat, journal tailer and singleton jobs running. A second node on the same database
    /// starts from [`TestDb::share`].
    pub async fn start(db: TestDb) -> TestApp {
        TestApp::start_with_attachment_limit(db, 256 * 1024 * 1024).await
    }

    /// As [`TestApp::start`], with attachments limited to `attachment_max_bytes`.
    pub async fn start_with_attachment_limit(db: TestDb, attachment_max_bytes: u64) -> TestApp {
        TestApp::start_with_blobs(db, None, attachment_max_bytes).await
    }

    /// As [`TestApp::start`], keeping attachment bytes in `blobs` (a temporary directory when `None`).
    pub async fn start_with_blobs(
        db: TestDb,
        blobs: Option<cairn_blob::BlobStore>,
        attachment_max_bytes: u64,
    ) -> TestApp {
        let settings = NodeSettings {
            attachment_max_bytes,
            ..NodeSettings::default()
        };
        TestApp::start_with_settings(db, blobs, settings).await
    }

    /// As [`TestApp::start`], with these node settings (attachment bytes in `blobs`, or a temporary
    /// directory when `None`).
    pub async fn start_with_settings(
        db: TestDb,
        blobs: Option<cairn_blob::BlobStore>,
        settings: NodeSettings,
    ) -> TestApp {
        TestApp::start_configured(db, blobs, settings, WebSettings::default()).await
    }

    /// As [`TestApp::start`], with these HTTP settings.
    pub async fn start_with_web_settings(db: TestDb, web_settings: WebSettings) -> TestApp {
        let settings = NodeSettings {
            attachment_max_bytes: 256 * 1024 * 1024,
            ..NodeSettings::default()
        };
        TestApp::start_configured(db, None, settings, web_settings).await
    }

    async fn start_configured(
        db: TestDb,
        blobs: Option<cairn_blob::BlobStore>,
        settings: NodeSettings,
        web_settings: WebSettings,
    ) -> TestApp {
        let store = db.store().await;
        create_user(&store, ADMIN_USERNAME, ADMIN_PASSWORD, true).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("bound address");
        let shutdown = CancellationToken::new();
        let blob_directory = tempfile::tempdir().expect("temporary blob directory");
        let blobs = match blobs {
            Some(blobs) => blobs,
            None => cairn_blob::BlobStore::open_directory(blob_directory.path())
                .await
                .expect("blob store"),
        };
        let state = AppState::new(Node::new(store.clone(), blobs, settings), web_settings);
        let cluster_stop = CancellationToken::new();
        let cluster_tasks =
            cairn_app::cluster::spawn(&state.node, address.to_string(), cluster_stop.clone());
        let server = tokio::spawn(cairn_web::serve(listener, state.clone(), shutdown.clone()));
        wait_for_search_index(&state).await;
        TestApp {
            store,
            state,
            cluster_tasks,
            base_url: format!("http://{address}"),
            shutdown,
            cluster_stop,
            server: Some(server),
            _blob_directory: blob_directory,
            db,
        }
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A client that sends the administrator's Basic credentials.
    pub fn admin(&self) -> reqwest::Client {
        basic_client(ADMIN_USERNAME, ADMIN_PASSWORD)
    }

    /// A client that sends `username`'s Basic credentials.
    pub fn client_as(&self, username: &str, password: &str) -> reqwest::Client {
        basic_client(username, password)
    }

    /// A client with no credentials and a cookie jar (for UI flows); it does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        cairn_blob::install_ring_as_tls_provider();
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
    }

    /// Creates a normal user.
    pub async fn create_user(&self, username: &str, password: &str) {
        create_user(&self.store, username, password, false).await;
    }

    /// The directory holding this app's attachment bytes.
    pub fn blob_directory(&self) -> &std::path::Path {
        self._blob_directory.path()
    }

    /// Begins a graceful stop as SIGTERM does: the node drains (not ready, finishing its requests
    /// in flight) and then closes. [`TestApp::stop`] waits for the end.
    pub fn begin_stop(&self) {
        self.shutdown.cancel();
    }

    /// Whether the server has closed (after a stop, once drained).
    pub fn server_finished(&self) -> bool {
        self.server
            .as_ref()
            .is_none_or(tokio::task::JoinHandle::is_finished)
    }

    /// Stops the server, waits for it to drain and finish, then stops the cluster tasks (the node
    /// marks itself stopped).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.cluster_stop.cancel();
        while self.cluster_tasks.join_next().await.is_some() {}
        self.store.close().await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.cluster_stop.cancel();
    }
}

async fn create_user(store: &Store, username: &str, password: &str, administrator: bool) {
    let password_hash = cairn_app::credentials::hash_password_off_thread(password.to_string())
        .await
        .expect("hash password");
    let created = store
        .create_user(NewUser {
            username: username.to_string(),
            display_name: format!("{username} user"),
            email: format!("{username}@example.test"),
            password_hash,
            administrator,
            now_ms: 1_700_000_000_000,
        })
        .await;
    match created {
        Ok(_) => {}
        // A second node on the same database: the user is there already.
        Err(cairn_store::StoreError::UsernameTaken(_)) => {}
        Err(error) => panic!("create test user {username}: {error}"),
    }
}

fn basic_client(username: &str, password: &str) -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Basic {credentials}")
            .parse()
            .expect("valid header"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("http client")
}

/// A client without credentials.
pub fn anonymous_client() -> reqwest::Client {
    cairn_blob::install_ring_as_tls_provider();
    reqwest::Client::new()
}

/// Waits until the node's search index is prepared (restored, reopened or rebuilt), so tests
/// search what they wrote; a deadline turns a hang into a failure.
pub async fn wait_for_search_index(state: &AppState) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let prepared = matches!(state.search.state(), cairn_app::search::IndexState::Current);
        if prepared {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the search index was not prepared within 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
