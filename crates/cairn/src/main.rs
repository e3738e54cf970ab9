//! The `cairn` binary: `serve` (the default), `cluster`, `migrate`, and `admin` tasks.
//!
//! It reads settings ([`config`]), connects the store, and hands a bound listener to `cairn-web`.
//! It owns the process: logging, signals, exit codes.

mod backup;
mod bench;
mod config;
mod export;
mod first_run;
mod import;
mod setup;

use std::io::{BufRead, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow};
use cairn_app::{Node, NodeSettings};
use cairn_store::{Store, StoreOptions};
use cairn_web::{AppState, WebSettings};
use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use config::{FlagValues, Settings};

#[derive(Parser)]
#[command(
    name = "cairn",
    version,
    about = "Cairn: a clustered team wiki, compatible with Confluence's REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node (the default).
    Serve(ServeArgs),
    /// Run a load balancer and several nodes on this host, scaled with the load.
    Cluster(ClusterArgs),
    /// Set up a new site without a browser: cluster name, database (a JDBC URL works as it is),
    /// administrator and the content to start with. Safe to run again.
    Setup(setup::SetupArgs),
    /// Apply database migrations and exit.
    Migrate(HomeArgs),
    /// Rebuild the search index from the database, with a progress bar, and write it to the blob
    /// store as the newest snapshot (nodes that start next begin from it).
    Reindex(HomeArgs),
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        task: AdminTask,
    },
    /// Export a space in another wiki's format.
    Export {
        #[command(subcommand)]
        target: export::ExportTarget,
    },
    /// Back up the whole site (every table's rows and the attachment bytes they name) into one
    /// zip file, consistent as of one moment while nodes keep serving.
    Backup(backup::BackupArgs),
    /// Restore a backup into an empty database (any dialect) and blob store.
    Restore(backup::RestoreArgs),
    /// Import content from another wiki.
    Import {
        #[command(subcommand)]
        source: import::ImportSource,
    },
    /// Benchmark tooling: generate a dataset, load a Cairn on this host.
    Bench {
        #[command(subcommand)]
        task: bench::BenchTask,
    },
}

#[derive(Args, Clone, Default)]
struct HomeArgs {
    /// Home directory: settings (cairn.toml), embedded database, local data.
    #[arg(
        long,
        env = "CAIRN_HOME",
        default_value = "./cairn-home",
        global = true
    )]
    home: PathBuf,
    /// Database URL: postgres://…, mysql://…, sqlite://… or a JDBC URL (jdbc:postgresql://…,
    /// jdbc:mysql://…, jdbc:mariadb://…); default: SQLite in the home.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// Address to listen on (default 127.0.0.1:8090).
    #[arg(long)]
    listen: Option<String>,
    /// Public base URL used in links (default: from each request's Host header).
    #[arg(long)]
    base_url: Option<String>,
    /// Log filter, e.g. info or cairn_web=debug,info.
    #[arg(long)]
    log: Option<String>,
}

#[derive(Args, Clone)]
struct ClusterArgs {
    #[command(flatten)]
    home: HomeArgs,
    /// Address of the load balancer (default: the listen setting, 127.0.0.1:8090).
    #[arg(long)]
    listen: Option<String>,
    /// Nodes to start with.
    #[arg(long, default_value_t = 2)]
    nodes: usize,
    /// Fewest nodes the autoscaler keeps (default: --nodes).
    #[arg(long)]
    min: Option<usize>,
    /// Most nodes the autoscaler starts (default: --nodes; equal bounds turn the autoscaler off).
    #[arg(long)]
    max: Option<usize>,
    /// Add a node when requests in flight per ready node stay above this for a whole window.
    #[arg(long, default_value_t = 4.0)]
    scale_up_load: f64,
    #[arg(long, default_value = "30s", value_parser = cairn_cluster::parse_duration)]
    scale_up_window: Duration,
    /// Least time between a change of the node count and the next addition.
    #[arg(long, default_value = "60s", value_parser = cairn_cluster::parse_duration)]
    scale_up_cooldown: Duration,
    /// Remove a node when requests in flight per ready node stay at or below this for a whole window.
    #[arg(long, default_value_t = 0.5)]
    scale_down_load: f64,
    #[arg(long, default_value = "5m", value_parser = cairn_cluster::parse_duration)]
    scale_down_window: Duration,
    /// Least time between a change of the node count and the next removal.
    #[arg(long, default_value = "5m", value_parser = cairn_cluster::parse_duration)]
    scale_down_cooldown: Duration,
    /// How often the autoscaler samples requests in flight.
    #[arg(long, default_value = "250ms", value_parser = cairn_cluster::parse_duration)]
    sample_interval: Duration,
    /// Longest wait for a node's requests to finish before it is stopped.
    #[arg(long, default_value = "30s", value_parser = cairn_cluster::parse_duration)]
    drain_timeout: Duration,
    /// Time between readiness checks (GET /readyz) of each node.
    #[arg(long, default_value = "1s", value_parser = cairn_cluster::parse_duration)]
    health_interval: Duration,
    /// Log filter of the cluster and its nodes, e.g. info or cairn_web=debug,info.
    #[arg(long)]
    log: Option<String>,
}

#[derive(Subcommand)]
enum AdminTask {
    /// Create a user. The password comes from --password or, if absent, one line of standard input.
    CreateUser {
        #[command(flatten)]
        home: HomeArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long, default_value = "")]
        display_name: String,
        #[arg(long, default_value = "")]
        email: String,
        /// Also make the user a site administrator (confluence-administrators).
        #[arg(long)]
        admin: bool,
    },
    /// Turn read-only mode on or off for the whole site (every node refuses writes while it is on).
    ReadOnly {
        #[command(flatten)]
        home: HomeArgs,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Create a personal access token for a user and print it (for scripts: Authorization: Bearer …).
    CreateToken {
        #[command(flatten)]
        home: HomeArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// The site setting that holds the cluster's name chosen in the setup wizard.
pub(crate) const CLUSTER_NAME_SETTING: &str = "cluster_name";
/// The cluster name of a node whose settings name none.
const DEFAULT_CLUSTER_NAME: &str = "cairn";
/// The home's folder of Confluence exports to import (the browser's import screen lists it; the
/// setup wizard receives its upload there).
pub(crate) const IMPORT_FOLDER: &str = "import";

fn main() -> ExitCode {
    // reqwest (S3, a node fetching its balancer's state) is built on rustls without a bundled
    // provider, and building a client with none installed panics. Ring is the binary's one
    // provider; an error only means that one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report_error(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move {
        match cli.command {
            None => serve(cli.serve).await,
            Some(Command::Serve(args)) => serve(args).await,
            Some(Command::Cluster(args)) => cluster(args).await,
            Some(Command::Setup(args)) => setup::setup(args).await,
            Some(Command::Migrate(home)) => migrate(home).await,
            Some(Command::Reindex(home)) => reindex(home).await,
            Some(Command::Admin { task }) => admin(task).await,
            Some(Command::Export { target }) => export::export(target).await,
            Some(Command::Backup(args)) => backup::backup(args).await,
            Some(Command::Restore(args)) => backup::restore(args).await,
            Some(Command::Import { source }) => import::import(source).await,
            Some(Command::Bench { task }) => bench::bench(task).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report_error(&format!("{error:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Prints `message` on standard error; a closed standard error is no reason to panic.
fn report_error(message: &str) {
    let _ = writeln!(std::io::stderr(), "error: {message}");
}

/// Creates the home if needed (with a commented settings file) and loads settings.
fn load_settings(home: &HomeArgs, flags: FlagValues) -> anyhow::Result<Settings> {
    std::fs::create_dir_all(&home.home)
        .with_context(|| format!("cannot create home directory {}", home.home.display()))?;
    let home_path = std::fs::canonicalize(&home.home)
        .with_context(|| format!("cannot open home {}", home.home.display()))?;
    let config_path = home_path.join(config::CONFIG_FILE);
    if !config_path.exists() {
        std::fs::write(&config_path, config::TEMPLATE)
            .with_context(|| format!("cannot write {}", config_path.display()))?;
    }
    let flags = FlagValues {
        database_url: home.database_url.clone(),
        ..flags
    };
    Ok(config::load(
        &home_path,
        &|name| std::env::var(name).ok(),
        &flags,
    )?)
}

fn init_logging(filter: &str) {
    // RUST_LOG, when set, overrides the configured filter, as in every Rust service.
    let from_environment = std::env::var("RUST_LOG")
        .ok()
        .filter(|value| !value.trim().is_empty());
    let filter = from_environment.as_deref().unwrap_or(filter);
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: files and log collectors get plain text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    // A log line that cannot be written is dropped. Standard output can close under a running
    // process (its supervisor died, a log collector went away); tracing's default would report the
    // failure with eprintln!, which panics when standard error is closed too, ending whichever task
    // was logging: once that was the SIGTERM handler, and the node never stopped.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(colours)
        .log_internal_errors(false)
        .try_init();
}

async fn connect(settings: &Settings) -> anyhow::Result<Store> {
    let url = settings.effective_database_url();
    let options = StoreOptions {
        max_connections: settings.database_pool_size,
        ..StoreOptions::new(url.clone())
    };
    Store::connect(&options).await.with_context(|| {
        format!(
            "cannot connect to the database at {}",
            cairn_store::redact_url(&url)
        )
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let flags = FlagValues {
        listen: args.listen,
        base_url: args.base_url,
        log: args.log,
        database_url: None,
    };
    let flags_again = flags.clone();
    let settings = load_settings(&args.home, flags)?;
    init_logging(&settings.log);
    // Signals are handled from the start, so a stop during start-up is graceful too.
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    // Under `cairn cluster`, a node stops with its supervisor, as on SIGTERM.
    if let Some(supervisor_pid) = cairn_cluster::supervision::supervisor_pid_from_environment()? {
        let stop = shutdown.clone();
        cairn_cluster::supervision::watch_supervisor(supervisor_pid, move || {
            stop.cancel();
            tracing::warn!(
                supervisor_pid,
                "the supervisor is gone: draining, then stopping"
            );
        })?;
    }
    tracing::info!(home = %settings.home.display(), "starting Cairn {}", env!("CARGO_PKG_VERSION"));
    // A home without a database and without users is set up in the browser first; the site is
    // then served from the same socket, so the browser's next request finds it.
    // A database given in the settings with no users yet is set up the same way, by one node of
    // the cluster at a time; the others wait and then serve.
    let mut prebound = None;
    let mut setup_import = None;
    let first_run = first_run::needed(&settings).await?;
    let settings = if first_run == first_run::FirstRun::NotNeeded {
        settings
    } else {
        let listener = std::net::TcpListener::bind(settings.listen)
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        listener
            .set_nonblocking(true)
            .context("cannot serve on the listener")?;
        let end = if first_run == first_run::FirstRun::Home {
            let for_wizard = listener
                .try_clone()
                .context("cannot serve on the listener")?;
            first_run::run(&args.home, &settings, for_wizard, shutdown.clone()).await?
        } else {
            first_run::run_shared(&args.home, &settings, &listener, shutdown.clone()).await?
        };
        match end {
            first_run::FirstRunEnd::Stopped => return Ok(()),
            first_run::FirstRunEnd::Serve(import) => setup_import = import,
        }
        prebound = Some(listener);
        load_settings(&args.home, flags_again)?
    };
    let store = connect(&settings).await?;
    tracing::info!(dialect = store.dialect().name(), "database connected");
    store.migrate().await.context("database migration failed")?;
    bootstrap_administrator(&store, &settings).await?;

    let listener = match prebound {
        Some(listener) => {
            tokio::net::TcpListener::from_std(listener).context("cannot serve on the listener")?
        }
        None => tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?,
    };
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    // A node whose settings leave the cluster's name at its default takes the one chosen in the
    // setup wizard, kept in the database all nodes share.
    let cluster_name = if settings.cluster_name == DEFAULT_CLUSTER_NAME {
        store
            .site_setting(CLUSTER_NAME_SETTING)
            .await?
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| settings.cluster_name.clone())
    } else {
        settings.cluster_name.clone()
    };
    let node_settings = NodeSettings {
        session_ttl: settings.session_ttl,
        attachment_max_bytes: settings.attachment_max_bytes,
        import_max_bytes: settings.import_max_bytes,
        import_directory: Some(settings.home.join(IMPORT_FOLDER)),
        cluster: cairn_app::cluster::ClusterSettings {
            name: cluster_name,
            lease_ttl: settings.cluster_lease_ttl,
            dead_after: settings.cluster_dead_after,
            balancer_url: settings.cluster_balancer_url.clone(),
            ..cairn_app::cluster::ClusterSettings::default()
        },
        search: cairn_app::search::SearchSettings {
            index_dir: settings.search_index_dir.clone(),
            snapshot_interval: settings.search_snapshot_interval,
            ..cairn_app::search::SearchSettings::default()
        },
    };
    let web_settings = WebSettings {
        base_url: settings.base_url.clone(),
        cookie_security: settings.cookie_security,
        rate_limit_per_minute: settings.rate_limit_per_minute,
        drain_timeout: settings.drain_timeout,
    };
    let state = AppState::new(Node::new(store.clone(), blobs, node_settings), web_settings);
    let address = listener.local_addr().context("listener has no address")?;
    // Heartbeat, journal tailer and the singleton jobs (sweeps, journal pruning) under leases. They
    // outlive the server's drain: the node stays registered (draining) until its requests are done.
    let cluster_stop = CancellationToken::new();
    let mut cluster_tasks =
        cairn_app::cluster::spawn(&state.node, address.to_string(), cluster_stop.clone());
    tracing::info!(node = %state.cluster.node_id, "cluster node registered");
    // Before the first request is served, so the browser the wizard sent to the import screen
    // finds the task there.
    if let Some(import) = setup_import {
        first_run::start_import(&state.node, import).await;
    }
    // Supervisors and tests read the address from the end of this line: keep it last.
    tracing::info!("Cairn is serving on http://{address}");
    let served = cairn_web::serve(listener, state, shutdown.clone()).await;
    shutdown.cancel();
    cluster_stop.cancel();
    while cluster_tasks.join_next().await.is_some() {}
    served.context("server failed")?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// How nodes on this host reach the balancer bound to `listen`: its port on 127.0.0.1.
fn balancer_url_for_nodes(listen: &std::net::SocketAddr) -> String {
    format!("http://127.0.0.1:{}", listen.port())
}

/// Runs the balancer on the listen address and `cairn serve` nodes of this same executable, all on
/// the home's database and blob store.
async fn cluster(args: ClusterArgs) -> anyhow::Result<()> {
    let flags = FlagValues {
        listen: args.listen.clone(),
        log: args.log.clone(),
        ..FlagValues::default()
    };
    let settings = load_settings(&args.home, flags)?;
    init_logging(&settings.log);
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    // Bound first, so the nodes learn the balancer's real port even for `--listen …:0`.
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let listen = listener
        .local_addr()
        .context("the balancer's listener has no address")?;
    if settings.database_url.is_none() {
        tracing::warn!(
            "the nodes share the embedded SQLite database: fine for trying a cluster on one host; \
             use PostgreSQL or MySQL for real use"
        );
    }
    let program = std::env::current_exe().context("cannot find the cairn executable")?;
    // Nodes read the same home (settings file, blob store); flags given to the cluster reach them
    // through the environment, which outranks the settings file, as flags do.
    let mut env = Vec::new();
    if let Some(url) = &args.home.database_url {
        env.push(("CAIRN_DATABASE_URL".into(), url.into()));
    }
    if let Some(log) = &args.log {
        env.push(("CAIRN_LOG".into(), log.into()));
    }
    // Nodes show the balancer's state in their cluster view; they reach it on the loopback.
    env.push((
        "CAIRN_CLUSTER_BALANCER_URL".into(),
        balancer_url_for_nodes(&listen).into(),
    ));
    let node_command = cairn_cluster::NodeCommand {
        program,
        args: vec![
            "serve".into(),
            "--home".into(),
            settings.home.clone().into(),
        ],
        env,
    };
    let options = cairn_cluster::ClusterOptions {
        node_command,
        initial_nodes: args.nodes,
        autoscaler: cairn_cluster::AutoscalerPolicy {
            min_nodes: args.min.unwrap_or(args.nodes),
            max_nodes: args.max.unwrap_or(args.nodes),
            scale_up_load: args.scale_up_load,
            scale_up_window: args.scale_up_window,
            scale_up_cooldown: args.scale_up_cooldown,
            scale_down_load: args.scale_down_load,
            scale_down_window: args.scale_down_window,
            scale_down_cooldown: args.scale_down_cooldown,
        },
        sample_interval: args.sample_interval,
        supervisor: cairn_cluster::SupervisorSettings {
            drain_timeout: args.drain_timeout,
            stop_timeout: Duration::from_secs(30),
            health_interval: args.health_interval,
            start_timeout: Duration::from_secs(120),
        },
        proxy: cairn_cluster::ProxySettings {
            queue_timeout: Duration::from_secs(10),
            ejection: Duration::from_secs(5),
        },
    };
    options.validate()?;
    cairn_cluster::run(listener, options, shutdown).await?;
    Ok(())
}

/// Cancels `shutdown` on Ctrl-C or SIGTERM.
async fn stop_on_signal(shutdown: CancellationToken) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(error) => {
                    tracing::warn!(%error, "cannot listen for SIGTERM");
                    let _ = interrupt.await;
                    shutdown.cancel();
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    // Stopping comes first: nothing that happens to the log may keep the process running.
    shutdown.cancel();
    tracing::info!("shutting down: draining, then finishing requests in flight");
}

/// With no users at all, creates the administrator from settings, or says exactly how to.
async fn bootstrap_administrator(store: &Store, settings: &Settings) -> anyhow::Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    match (&settings.admin_user, &settings.admin_password) {
        (Some(username), Some(password)) => {
            let account = cairn_app::account::NewAccount {
                username: username.clone(),
                display_name: String::new(),
                email: String::new(),
                password: password.clone(),
                administrator: true,
            };
            match cairn_app::account::create_unattended(
                store,
                account,
                cairn_app::account::UNATTENDED_ACTOR,
            )
            .await
            {
                Ok(user) => {
                    tracing::info!(user = %user.username, "administrator created from settings")
                }
                // Another node starting at the same moment created it first.
                Err(error) if error.code == cairn_app::ErrorCode::UsernameTaken => {}
                Err(error) => {
                    return Err(anyhow!(
                        "cannot create the administrator from CAIRN_ADMIN_USER and CAIRN_ADMIN_PASSWORD: {}",
                        error.message
                    ));
                }
            }
        }
        _ => tracing::warn!(
            "there are no users yet. Create the administrator with: cairn admin create-user --home {} --username admin --admin \
             (it asks for the password), or set CAIRN_ADMIN_USER and CAIRN_ADMIN_PASSWORD and restart",
            settings.home.display()
        ),
    }
    Ok(())
}

async fn migrate(home: HomeArgs) -> anyhow::Result<()> {
    let settings = load_settings(&home, FlagValues::default())?;
    init_logging(&settings.log);
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    let status = store.migration_status().await?;
    println!(
        "{} migrations applied on {}; schema is current",
        status.applied.len(),
        store.dialect().name()
    );
    store.close().await;
    Ok(())
}

async fn reindex(home: HomeArgs) -> anyhow::Result<()> {
    let settings = load_settings(&home, FlagValues::default())?;
    // Logs share standard output with the summary line: only errors are worth it here.
    init_logging("error");
    let store = connect(&settings).await?;
    store.migrate().await.context("database migration failed")?;
    let s3_settings = cairn_blob::S3Settings::from_env().context("S3 settings are not valid")?;
    let blobs = cairn_blob::BlobStore::open(settings.blob_store.clone(), &s3_settings)
        .await
        .context("cannot open the blob store")?;
    let state = Node::new(store.clone(), blobs, NodeSettings::default());
    let total = store.count_search_sources().await?.max(0) as u64;
    let directory = match &settings.search_index_dir {
        Some(directory) => directory.clone(),
        None => std::env::temp_dir().join(format!("cairn-reindex-{}", std::process::id())),
    };
    let progress_state = state.clone();
    let progress = tokio::spawn(async move {
        let started = std::time::Instant::now();
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let done = progress_state
                .search
                .rebuilt_documents
                .load(std::sync::atomic::Ordering::Relaxed);
            eprint!("\r{}", progress_bar(done, total, started.elapsed()));
        }
    });
    let started = std::time::Instant::now();
    let rebuilt = cairn_app::search::indexer::reindex(&state, directory.clone()).await;
    progress.abort();
    let (position, documents) = rebuilt.context("reindexing failed")?;
    let elapsed = started.elapsed();
    eprintln!("\r{}", progress_bar(documents, documents, elapsed));
    let snapshot = cairn_app::search::snapshot::write_if_newer(&state)
        .await
        .context("the snapshot could not be written to the blob store")?;
    println!(
        "{documents} documents indexed in {:.1} s ({:.0}/s), journal position {position}{}",
        elapsed.as_secs_f64(),
        documents as f64 / elapsed.as_secs_f64().max(0.001),
        match snapshot {
            Some(_) => "; snapshot written to the blob store",
            None => "; the blob store already holds a snapshot this recent",
        }
    );
    if settings.search_index_dir.is_none() {
        drop(state);
        let _ = std::fs::remove_dir_all(&directory);
    }
    store.close().await;
    Ok(())
}

/// `[#####.....] 1234/5000 documents (456/s)`.
fn progress_bar(done: u64, total: u64, elapsed: std::time::Duration) -> String {
    const WIDTH: u64 = 30;
    let filled = (done.min(total) * WIDTH)
        .checked_div(total)
        .unwrap_or(WIDTH);
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    format!(
        "[{}{}] {done}/{total} documents ({rate:.0}/s)",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize)
    )
}

async fn admin(task: AdminTask) -> anyhow::Result<()> {
    match task {
        AdminTask::CreateUser {
            home,
            username,
            password,
            display_name,
            email,
            admin,
        } => {
            let settings = load_settings(&home, FlagValues::default())?;
            init_logging("warn");
            let password = match password {
                Some(password) => password,
                None => {
                    eprintln!("password for {username} (one line on standard input):");
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .context("cannot read the password")?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let store = connect(&settings).await?;
            store.migrate().await.context("database migration failed")?;
            let account = cairn_app::account::NewAccount {
                username,
                display_name,
                email,
                password,
                administrator: admin,
            };
            let user = cairn_app::account::create_unattended(
                &store,
                account,
                cairn_app::account::UNATTENDED_ACTOR,
            )
            .await
            .map_err(|error| anyhow!("cannot create the user: {}", error.message))?;
            println!(
                "created user {}{}",
                user.username,
                if admin { " (administrator)" } else { "" }
            );
            store.close().await;
            Ok(())
        }
        AdminTask::ReadOnly { home, state } => {
            let settings = load_settings(&home, FlagValues::default())?;
            init_logging("warn");
            let store = connect(&settings).await?;
            store.migrate().await.context("database migration failed")?;
            let mode = if state == "on" {
                cairn_app::access_mode::AccessMode::ReadOnly
            } else {
                cairn_app::access_mode::AccessMode::ReadWrite
            };
            cairn_app::access_mode::set_unattended(&store, mode)
                .await
                .map_err(|error| anyhow!("cannot change the access mode: {}", error.message))?;
            cairn_app::audit::record_unattended(
                &store,
                cairn_app::account::UNATTENDED_ACTOR,
                cairn_app::audit::Event::new(
                    cairn_app::audit::category::GLOBAL_CONFIGURATION,
                    "Access mode set",
                    cairn_app::audit::object::SETTING,
                    "Access mode",
                )
                .changed("access mode", "", mode.as_str()),
            )
            .await;
            println!(
                "the site is {} now (every node within a few seconds)",
                if state == "on" {
                    "read-only"
                } else {
                    "read-write"
                }
            );
            store.close().await;
            Ok(())
        }
        AdminTask::CreateToken {
            home,
            username,
            name,
        } => {
            let settings = load_settings(&home, FlagValues::default())?;
            init_logging("warn");
            let store = connect(&settings).await?;
            store.migrate().await.context("database migration failed")?;
            let (_, secret) = cairn_app::account::mint_token(&store, &username, &name)
                .await
                .map_err(|error| anyhow!("cannot create the token: {}", error.message))?;
            println!("{secret}");
            store.close().await;
            Ok(())
        }
    }
}
