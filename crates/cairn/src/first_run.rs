//! The first start of a node whose home has no database configured and no users: the setup
//! wizard (`cairn_web::setup`) is served until someone with the setup token has made the choices;
//! then the node goes on to serve the site from the same listening socket, without a restart.
//!
//! This module is the wizard's backend: it looks at and creates databases, writes the choices into
//! the home's `cairn.toml` (the same way `cairn setup` does), and prepares the site.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use cairn_store::probe::{Probe, ProbeProblem};
use cairn_store::{DatabaseUrl, Engine};
use cairn_web::setup::{
    BackendFuture, ContentChoice, DatabaseCheck, DatabaseChoice, DatabaseKind, SetupBackend,
    SetupChoices, Wizard,
};
use tokio_util::sync::CancellationToken;

use crate::config::{self, Settings};
use crate::{HomeArgs, connect, load_settings, setup};

/// The file the setup token is written to, in the home.
pub const TOKEN_FILE: &str = "setup-token";

/// How this start reaches a site that is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstRun {
    /// The site is set up (or an administrator is given): serve it.
    NotNeeded,
    /// A home with no database and no users: this node runs the wizard, database step included.
    Home,
    /// A database given in the settings, shared by the cluster's nodes, with no users yet: one
    /// node at a time runs the wizard under a lease, the others wait (see [`run_shared`]).
    SharedDatabase,
}

/// Which first start this is: no administrator given in the settings, not a node of `cairn
/// cluster`, and no user yet, in the configured database (migrated here) or the embedded one.
pub async fn needed(settings: &Settings) -> anyhow::Result<FirstRun> {
    if (settings.admin_user.is_some() && settings.admin_password.is_some())
        || cairn_cluster::supervision::supervisor_pid_from_environment()?.is_some()
    {
        return Ok(FirstRun::NotNeeded);
    }
    if settings.database_url.is_some() {
        let store = connect(settings).await?;
        store.migrate().await.context("database migration failed")?;
        let users = store.count_users().await?;
        store.close().await;
        return Ok(if users == 0 {
            FirstRun::SharedDatabase
        } else {
            FirstRun::NotNeeded
        });
    }
    Ok(if is_needed_at_home(settings).await? {
        FirstRun::Home
    } else {
        FirstRun::NotNeeded
    })
}

/// Whether a home without a configured database still needs its first setup: no user in the
/// embedded database yet.
async fn is_needed_at_home(settings: &Settings) -> anyhow::Result<bool> {
    let embedded = settings.home.join("cairn.db");
    if !embedded.exists() {
        return Ok(true);
    }
    let store = connect(settings).await?;
    let users = match store.migration_status().await {
        Ok(status) if !status.applied.is_empty() => store.count_users().await?,
        _ => 0,
    };
    store.close().await;
    Ok(users == 0)
}

/// Serves the wizard on `listener` until setup is finished (`true`) or the node is stopped
/// (`false`). The setup token is logged and written to the home; it is removed once used.
pub async fn run(
    home: &HomeArgs,
    settings: &Settings,
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<FirstRunEnd> {
    serve_setup(home, settings, listener, shutdown, false).await
}

/// The wizard, for a home (`shared_database` false: the database is chosen there) or for a node
/// started with its cluster's database (the database step is skipped and nothing about the
/// database is written to the home).
async fn serve_setup(
    home: &HomeArgs,
    settings: &Settings,
    listener: std::net::TcpListener,
    shutdown: CancellationToken,
    shared_database: bool,
) -> anyhow::Result<FirstRunEnd> {
    let token: String = cairn_app::credentials::new_secret()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    let token_path = settings.home.join(TOKEN_FILE);
    write_private(&token_path, &token)?;
    let address = listener.local_addr().context("listener has no address")?;
    let pending_import = Arc::new(std::sync::Mutex::new(None));
    let backend = Arc::new(HomeSetup {
        home: home.clone(),
        home_path: settings.home.clone(),
        shared_database,
        import_limit_bytes: settings.import_max_bytes,
        pending_import: pending_import.clone(),
    });
    let wizard = if shared_database {
        let described = settings
            .database_url
            .as_deref()
            .map(cairn_store::redact_url)
            .unwrap_or_default();
        Wizard::with_database(token.clone(), backend, described)
    } else {
        let embedded = settings.home.join("cairn.db").display().to_string();
        Wizard::new(token.clone(), backend, embedded)
    };
    tracing::warn!(
        "Cairn is not set up yet. Open http://{address}/setup in a browser and enter the setup token {token} (also in {}). Or run: cairn setup --help",
        token_path.display()
    );
    if !shared_database {
        // Supervisors and tests read the address from the end of this line: keep it last. (A
        // cluster's node said it before it took the wizard.)
        tracing::info!("Cairn is serving on http://{address}");
    }
    let listener =
        tokio::net::TcpListener::from_std(listener).context("cannot serve on the listener")?;
    let finished = cairn_web::setup::serve_wizard(listener, wizard, shutdown).await?;
    if !finished {
        return Ok(FirstRunEnd::Stopped);
    }
    let _ = std::fs::remove_file(&token_path);
    let import = pending_import.lock().ok().and_then(|mut slot| slot.take());
    Ok(FirstRunEnd::Serve(import))
}

/// The lease the node running a shared database's wizard holds.
const SETUP_LEASE: &str = "setup-wizard";
/// How long the lease lasts without renewal: a wizard node that dies frees it within this.
const SETUP_LEASE_TTL: std::time::Duration = std::time::Duration::from_secs(20);
/// How often waiting nodes look again, and the wizard node renews its lease.
const SETUP_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// The first start of a node whose configured database has no users yet, with other nodes of the
/// cluster possibly starting at the same moment: the node that takes the `setup-wizard` lease
/// serves the wizard (without its database step; it alone reports ready, so a load balancer sends
/// the newcomer there) and renews the lease while it runs; every other node serves a page saying
/// on which node setup is in progress, and looks every two seconds whether the site has users (go
/// on and serve it) or the lease is free (the wizard node died: take over). Answers whether to go
/// on, and with which import when this node ran the wizard.
pub async fn run_shared(
    home: &HomeArgs,
    settings: &Settings,
    listener: &std::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<FirstRunEnd> {
    let address = listener.local_addr().context("listener has no address")?;
    let me = format!(
        "{}:{} (pid {})",
        node_host(),
        address.port(),
        std::process::id()
    );
    let store = connect(settings).await?;
    let holder = Arc::new(std::sync::Mutex::new(String::new()));
    // Supervisors and tests read the address from the end of this line: keep it last.
    tracing::info!("Cairn is serving on http://{address}");
    let outcome = loop {
        if shutdown.is_cancelled() {
            break Ok(FirstRunEnd::Stopped);
        }
        if store.count_users().await? > 0 {
            break Ok(FirstRunEnd::Serve(None));
        }
        if store
            .acquire_lease(SETUP_LEASE, &me, SETUP_LEASE_TTL)
            .await?
        {
            tracing::info!(node = %me, "this node runs the setup wizard");
            let renewing = tokio::spawn(renew_setup_lease(store.clone(), me.clone()));
            let finished = match listener.try_clone() {
                Ok(listener) => serve_setup(home, settings, listener, shutdown.clone(), true).await,
                Err(error) => {
                    Err(anyhow::Error::new(error).context("cannot serve on the listener"))
                }
            };
            renewing.abort();
            let _ = store.release_lease(SETUP_LEASE, &me).await;
            break finished;
        }
        let current = store
            .list_leases()
            .await
            .ok()
            .and_then(|(_, leases)| leases.into_iter().find(|lease| lease.name == SETUP_LEASE))
            .map(|lease| lease.holder)
            .unwrap_or_default();
        if let Ok(mut named) = holder.lock() {
            named.clone_from(&current);
        }
        tracing::info!(wizard_node = %current, "setup is in progress on another node; waiting");
        wait_while_another_node_sets_up(&store, listener, holder.clone(), &shutdown).await?;
    };
    store.close().await;
    outcome
}

/// This machine's name for other people: `HOSTNAME` (set in containers), else `localhost`.
fn node_host() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

async fn renew_setup_lease(store: cairn_store::Store, me: String) {
    loop {
        tokio::time::sleep(SETUP_POLL).await;
        match store.acquire_lease(SETUP_LEASE, &me, SETUP_LEASE_TTL).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!("another node took the setup lease while this node runs the wizard")
            }
            Err(error) => tracing::warn!(%error, "the setup lease could not be renewed; retrying"),
        }
    }
}

/// Serves the waiting page until the site has users, the lease is free, or the node stops.
async fn wait_while_another_node_sets_up(
    store: &cairn_store::Store,
    listener: &std::net::TcpListener,
    holder: Arc<std::sync::Mutex<String>>,
    shutdown: &CancellationToken,
) -> anyhow::Result<()> {
    let done = CancellationToken::new();
    let serving = {
        let listener = tokio::net::TcpListener::from_std(
            listener
                .try_clone()
                .context("cannot serve on the listener")?,
        )
        .context("cannot serve on the listener")?;
        let named = holder.clone();
        let name_of_holder: Arc<dyn Fn() -> String + Send + Sync> =
            Arc::new(move || named.lock().map(|name| name.clone()).unwrap_or_default());
        tokio::spawn(cairn_web::setup::serve_waiting(
            listener,
            name_of_holder,
            done.clone(),
            shutdown.clone(),
        ))
    };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(SETUP_POLL) => {}
        }
        let has_users = store
            .count_users()
            .await
            .map(|users| users > 0)
            .unwrap_or(false);
        let lease_free = store
            .list_leases()
            .await
            .ok()
            .map(|(now, leases)| {
                leases
                    .iter()
                    .find(|lease| lease.name == SETUP_LEASE)
                    .is_none_or(|lease| lease.holder.is_empty() || lease.expires_ms <= now)
            })
            .unwrap_or(false);
        if has_users || lease_free {
            break;
        }
    }
    done.cancel();
    let _ = serving.await;
    Ok(())
}

/// Writes `text` to `path`, readable by its owner only (the token grants the whole site).
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, format!("{text}\n"))
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    Ok(())
}

/// The wizard's backend for one home.
struct HomeSetup {
    home: HomeArgs,
    home_path: PathBuf,
    /// The database was given in the settings (a cluster's): the wizard's database choice is not
    /// asked and not written.
    shared_database: bool,
    /// The largest export the wizard takes as an upload (`import_max_mb`).
    import_limit_bytes: u64,
    /// The export to import once the site runs, set when setup finished with one.
    pending_import: Arc<std::sync::Mutex<Option<PendingImport>>>,
}

/// A Confluence export the setup wizard was asked to start the site with: imported as a long
/// task by the node once it serves (see `serve`), as the administrator.
#[derive(Debug, Clone)]
pub struct PendingImport {
    pub path: PathBuf,
    /// The name to show (an upload's own name).
    pub shown_as: String,
    /// The wizard received it (a hidden file in the folder): removed once imported.
    pub uploaded: bool,
    pub administrator: String,
}

/// How a first start ended.
#[derive(Debug)]
pub enum FirstRunEnd {
    /// The node was stopped before setup was finished.
    Stopped,
    /// Setup is finished (here or on another node): serve the site, and start the import when
    /// there is one.
    Serve(Option<PendingImport>),
}

/// The database URL a choice names, with its credentials; `None` for the embedded database.
fn database_url(choice: &DatabaseChoice) -> Result<Option<DatabaseUrl>, String> {
    let engine = match choice.kind {
        DatabaseKind::Embedded => return Ok(None),
        DatabaseKind::Postgres => Engine::Postgres,
        DatabaseKind::Mysql => Engine::Mysql,
    };
    if choice.url.is_empty() {
        return Err("Give the database URL.".to_string());
    }
    let (user, password) = if choice.user.is_empty() {
        (None, None)
    } else {
        (Some(choice.user.as_str()), Some(choice.password.as_str()))
    };
    let url = DatabaseUrl::parse(&choice.url, user, password)
        .map_err(|error| format!("The database URL cannot be used: {error}."))?;
    if url.engine != engine {
        let named = match url.engine {
            Engine::Postgres => "PostgreSQL",
            Engine::Mysql => "MySQL or MariaDB",
            Engine::Sqlite => "SQLite",
        };
        return Err(format!(
            "The URL is a {named} URL, but another database is chosen above."
        ));
    }
    Ok(Some(url))
}

impl SetupBackend for HomeSetup {
    fn import_folder(&self) -> Option<PathBuf> {
        Some(self.home_path.join(crate::IMPORT_FOLDER))
    }

    fn import_limit_bytes(&self) -> u64 {
        self.import_limit_bytes
    }

    fn check_database(&self, choice: DatabaseChoice) -> BackendFuture<DatabaseCheck> {
        let embedded = self.home_path.join("cairn.db");
        Box::pin(async move {
            let url = match database_url(&choice) {
                Ok(Some(url)) => url,
                Ok(None) => {
                    return DatabaseCheck::Ready(format!(
                        "Cairn will keep its data in {}. This suits one node; choose PostgreSQL or MySQL for a cluster.",
                        embedded.display()
                    ));
                }
                Err(message) => {
                    return DatabaseCheck::Problem {
                        message,
                        may_create: false,
                    };
                }
            };
            match cairn_store::probe::probe(&url).await {
                Probe::Empty => DatabaseCheck::Ready(
                    "Connected. The database is empty: Cairn will create its tables there."
                        .to_string(),
                ),
                Probe::CairnSite { users } => DatabaseCheck::Ready(format!(
                    "Connected. This database already holds a Cairn site with {users} users: this node joins it, and the administrator is added if missing."
                )),
                Probe::Problem(problem) => DatabaseCheck::Problem {
                    may_create: matches!(
                        problem,
                        ProbeProblem::Missing {
                            server_reachable: true
                        }
                    ),
                    message: problem.explain(),
                },
            }
        })
    }

    fn create_database(&self, choice: DatabaseChoice) -> BackendFuture<Result<(), String>> {
        Box::pin(async move {
            match database_url(&choice)? {
                Some(url) => cairn_store::probe::create_database(&url).await,
                None => Ok(()),
            }
        })
    }

    fn prepare_database(
        &self,
        choice: DatabaseChoice,
    ) -> BackendFuture<Result<Vec<String>, String>> {
        let embedded = self.home_path.join("cairn.db");
        Box::pin(async move {
            let url = match database_url(&choice)? {
                Some(url) => url.as_str().to_string(),
                None => format!("sqlite://{}?mode=rwc", embedded.display()),
            };
            let store = cairn_store::Store::connect(&cairn_store::StoreOptions::new(url))
                .await
                .map_err(|error| format!("Cannot connect to the database: {error}."))?;
            let applied = store
                .migrate_reporting()
                .await
                .map_err(|error| format!("Creating the tables failed: {error}."));
            store.close().await;
            let applied = applied?;
            tracing::info!(
                applied = applied.len(),
                "setup: the database's tables are ready"
            );
            Ok(applied)
        })
    }

    fn finish(&self, choices: SetupChoices) -> BackendFuture<Result<String, String>> {
        let home = self.home.clone();
        let home_path = self.home_path.clone();
        let shared_database = self.shared_database;
        let pending = match &choices.content {
            ContentChoice::Import(import) => Some(PendingImport {
                path: home_path.join(crate::IMPORT_FOLDER).join(&import.file),
                shown_as: import.shown_as.clone(),
                uploaded: import.file.starts_with(cairn_web::setup::UPLOAD_PREFIX),
                administrator: choices.administrator.username.clone(),
            }),
            _ => None,
        };
        if let Some(pending) = &pending
            && !pending.path.is_file()
        {
            return Box::pin(async {
                Err("Setup did not finish: the export to import is not in the import folder any more; go back to the content step.".to_string())
            });
        }
        let slot = self.pending_import.clone();
        Box::pin(async move {
            let secret = prepare(&home, &home_path, choices, shared_database)
                .await
                .map_err(|error| format!("Setup did not finish: {error:#}"))?;
            // Recorded only once setup succeeded: a failed finish leaves nothing to import.
            if let Ok(mut slot) = slot.lock() {
                *slot = pending;
            }
            Ok(secret)
        })
    }
}

/// Applies the wizard's choices and signs the administrator in: answers the session secret.
async fn prepare(
    home: &HomeArgs,
    home_path: &Path,
    choices: SetupChoices,
    shared_database: bool,
) -> anyhow::Result<String> {
    let url = if shared_database {
        None
    } else {
        database_url(&choices.database).map_err(anyhow::Error::msg)?
    };
    let mut settings_written: Vec<(&str, String)> =
        vec![("cluster_name", choices.cluster_name.clone())];
    if let Some(url) = &url {
        // The URL as typed (a JDBC URL stays one) and the credentials apart, as an administrator
        // would write them.
        settings_written.push(("database_url", choices.database.url.clone()));
        if !choices.database.user.is_empty() {
            settings_written.push(("database_user", choices.database.user.clone()));
            settings_written.push(("database_password", choices.database.password.clone()));
        }
        tracing::info!(database = %cairn_store::redact_url(url.as_str()), "setup: database chosen");
    }
    setup::write_choices(home_path, &settings_written)?;
    let settings = load_settings(home, config::FlagValues::default())?;
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    // Every node of a cluster that shares this database learns the name here (see main.rs).
    store
        .set_site_setting(
            crate::CLUSTER_NAME_SETTING,
            &choices.cluster_name,
            cairn_app::clock::now_ms(),
        )
        .await?;
    let administrator = &choices.administrator;
    let user = match store.find_user_by_username(&administrator.username).await? {
        Some(existing) => {
            let hash = store
                .find_login(&existing.username)
                .await?
                .map(|(_, hash)| hash)
                .unwrap_or_default();
            if !cairn_app::credentials::verify_password(&hash, &administrator.password) {
                anyhow::bail!(
                    "user {} exists in this database with another password",
                    existing.username
                );
            }
            existing
        }
        None => cairn_app::account::create_unattended(
            &store,
            cairn_app::account::NewAccount {
                username: administrator.username.clone(),
                display_name: administrator.full_name.clone(),
                email: administrator.email.clone(),
                password: administrator.password.clone(),
                administrator: true,
            },
            "cairn (setup wizard)",
        )
        .await
        .map_err(|error| anyhow::anyhow!(error.message))?,
    };
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    let node_settings = cairn_app::NodeSettings {
        session_ttl: settings.session_ttl,
        ..cairn_app::NodeSettings::default()
    };
    let node = cairn_app::Node::new(store.clone(), blobs, node_settings);
    if choices.content == ContentChoice::Example {
        let caller = cairn_app::Caller {
            site_administrator: store.is_site_administrator(user.id).await?,
            user: user.clone(),
            signed_in_with_token: false,
            address: None,
        };
        cairn_app::example::create(&node, &caller)
            .await
            .map_err(|error| anyhow::anyhow!(error.message))?;
    }
    let secret = cairn_app::credentials::start_session(&node, &user, None)
        .await
        .map_err(|error| anyhow::anyhow!(error.message))?;
    store.close().await;
    tracing::info!(user = %user.username, cluster = %choices.cluster_name, "setup finished");
    Ok(secret)
}

/// Starts the import the setup wizard was asked for, as its administrator, on `node` (which
/// serves from now on). A failure to start is logged: the site runs, and the administrator can
/// import from the Import space screen, where the export stays listed unless it was an upload.
pub async fn start_import(node: &cairn_app::Node, import: PendingImport) {
    let started = async {
        let user = node
            .store
            .find_user_by_username(&import.administrator)
            .await?
            .context("the administrator is missing")?;
        let caller = cairn_app::Caller {
            site_administrator: node.store.is_site_administrator(user.id).await?,
            user,
            signed_in_with_token: false,
            address: None,
        };
        let export = if import.uploaded {
            cairn_app::confluence_import::SpooledExport::received_by_setup(
                import.path.clone(),
                &import.shown_as,
            )?
        } else {
            let name = import
                .path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            cairn_app::confluence_import::from_import_folder(node, &caller, name)
                .map_err(|error| anyhow::anyhow!(error.message))?
        };
        cairn_app::confluence_import::start(
            node,
            &caller,
            export,
            &cairn_app::confluence_import::ImportRequest::default(),
        )
        .await
        .map_err(|error| anyhow::anyhow!(error.message))
    }
    .await;
    match started {
        Ok(task) => {
            tracing::info!(task, file = %import.shown_as, "the setup wizard's import started")
        }
        Err(error) => {
            tracing::error!(file = %import.shown_as, "the setup wizard's import could not start: {error:#}")
        }
    }
}
