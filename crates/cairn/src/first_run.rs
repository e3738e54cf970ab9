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

/// Whether this start should run the wizard: no database configured, no administrator given in
/// the settings, not a node of `cairn cluster`, and no user in the embedded database yet.
pub async fn is_needed(settings: &Settings) -> anyhow::Result<bool> {
    if settings.database_url.is_some()
        || (settings.admin_user.is_some() && settings.admin_password.is_some())
        || cairn_cluster::supervision::supervisor_pid_from_environment()?.is_some()
    {
        return Ok(false);
    }
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
) -> anyhow::Result<bool> {
    let token: String = cairn_app::credentials::new_secret()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    let token_path = settings.home.join(TOKEN_FILE);
    write_private(&token_path, &token)?;
    let address = listener.local_addr().context("listener has no address")?;
    let backend = Arc::new(HomeSetup {
        home: home.clone(),
        home_path: settings.home.clone(),
    });
    let embedded = settings.home.join("cairn.db").display().to_string();
    let wizard = Wizard::new(token.clone(), backend, embedded);
    tracing::warn!(
        "Cairn is not set up yet. Open http://{address}/setup in a browser and enter the setup token {token} (also in {}). Or run: cairn setup --help",
        token_path.display()
    );
    // Supervisors and tests read the address from the end of this line: keep it last.
    tracing::info!("Cairn is serving on http://{address}");
    let listener =
        tokio::net::TcpListener::from_std(listener).context("cannot serve on the listener")?;
    let finished = cairn_web::setup::serve_wizard(listener, wizard, shutdown).await?;
    if finished {
        let _ = std::fs::remove_file(&token_path);
    }
    Ok(finished)
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

    fn finish(&self, choices: SetupChoices) -> BackendFuture<Result<String, String>> {
        let home = self.home.clone();
        let home_path = self.home_path.clone();
        Box::pin(async move {
            prepare(&home, &home_path, choices)
                .await
                .map_err(|error| format!("Setup did not finish: {error:#}"))
        })
    }
}

/// Applies the wizard's choices and signs the administrator in: answers the session secret.
async fn prepare(
    home: &HomeArgs,
    home_path: &Path,
    choices: SetupChoices,
) -> anyhow::Result<String> {
    let url = database_url(&choices.database).map_err(anyhow::Error::msg)?;
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
