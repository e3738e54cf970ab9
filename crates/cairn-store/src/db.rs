//! The connection pool, the dialect it speaks, migrations and readiness.

use std::sync::{Arc, Once};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Row};

use crate::error::StoreError;
use crate::ids::IdAllocator;
use crate::sql;
use crate::{StoreResult, WriteTx};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");
static MYSQL_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/mysql");

/// The SQL dialect behind a database URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl Dialect {
    /// Reads the dialect from a URL's scheme; anything else is a clear error naming the schemes we take.
    pub fn from_url(url: &str) -> StoreResult<Dialect> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            _ => Err(StoreError::InvalidUrl(format!(
                "unsupported scheme {scheme:?}: use sqlite://, postgres:// or mysql://"
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// The migrations written for this dialect.
    pub fn migrator(self) -> &'static Migrator {
        match self {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
            Dialect::Mysql => &MYSQL_MIGRATIONS,
        }
    }
}

/// How to reach the database.
#[derive(Clone)]
pub struct StoreOptions {
    pub url: String,
    pub max_connections: u32,
    /// How long a request waits for a connection (or a connection attempt) before failing.
    pub acquire_timeout: Duration,
}

impl std::fmt::Debug for StoreOptions {
    // The URL may carry a password; it stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("url", &redact_url(&self.url))
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> StoreOptions {
        StoreOptions {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// A database URL with its password replaced by `***`, for logs and messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Whether the schema is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<i64>,
    pub expected: Vec<i64>,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.expected
            .iter()
            .all(|version| self.applied.contains(version))
    }
}

/// The data layer's handle: a pool, its dialect and the id allocator. Cheap to clone; every clone
/// shares the same pool.
#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    pool: AnyPool,
    dialect: Dialect,
    /// Reserved id ranges of this process; see [`IdAllocator`] for its locking.
    ids: IdAllocator,
    /// SQLite only: the database file, beside which migrations take their lock file.
    sqlite_path: Option<std::path::PathBuf>,
    /// The URL the pool connects to, for connections outside the pool (the PostgreSQL journal
    /// listener). May hold a password: never logged, and `Store` has no `Debug`.
    url: String,
}

/// The file path of a `sqlite://path?params` URL; `None` for in-memory databases.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    (!path.is_empty() && path != ":memory:").then(|| std::path::PathBuf::from(path))
}

/// Opens `<path>.migrate-lock` and waits for an exclusive lock on it (on a blocking thread).
async fn lock_file_beside(path: &std::path::Path) -> StoreResult<std::fs::File> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".migrate-lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    let locked = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        file.lock()?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|error| {
        StoreError::Database(sqlx::Error::Protocol(format!(
            "migration lock task failed: {error}"
        )))
    })?;
    locked.map_err(|error| StoreError::Database(sqlx::Error::Io(error)))
}

static INSTALL_DRIVERS: Once = Once::new();

/// Makes sqlx's `Any` driver know the three databases (once per process).
pub(crate) fn install_drivers() {
    INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
}

impl Store {
    /// Connects to the database. Fails with a clear error when the URL is malformed or the server is
    /// unreachable; runs no migrations (see [`Store::migrate`]).
    pub async fn connect(options: &StoreOptions) -> StoreResult<Store> {
        let dialect = Dialect::from_url(&options.url)?;
        INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
        let pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(move |connection, _meta| {
                Box::pin(async move {
                    for statement in session_setup(dialect) {
                        connection.execute(*statement).await?;
                    }
                    Ok(())
                })
            });
        let pool = pool_options
            .connect(&options.url)
            .await
            .map_err(|error| match error {
                sqlx::Error::Configuration(cause) => StoreError::InvalidUrl(cause.to_string()),
                other => StoreError::Database(other),
            })?;
        if dialect == Dialect::Sqlite {
            // WAL lets readers proceed during a write; the setting is stored in the database file.
            // Switching to it needs the file to itself, and SQLite answers "locked" at once (no
            // busy handler) while another process does the same on a new file, as two nodes
            // started together do: try again for a while.
            let mut attempts = 0;
            loop {
                match pool.execute("PRAGMA journal_mode = WAL").await {
                    Ok(_) => break,
                    Err(error) if attempts < 100 && is_sqlite_locked(&error) => {
                        attempts += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
        }
        let sqlite_path = match dialect {
            Dialect::Sqlite => sqlite_file(&options.url),
            Dialect::Postgres | Dialect::Mysql => None,
        };
        Ok(Store {
            inner: Arc::new(StoreInner {
                pool,
                dialect,
                ids: IdAllocator::default(),
                sqlite_path,
                url: options.url.clone(),
            }),
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// The database URL (with its password, if any): for connections outside the pool only.
    pub(crate) fn url(&self) -> &str {
        &self.inner.url
    }

    pub(crate) fn ids(&self) -> &IdAllocator {
        &self.inner.ids
    }

    /// Statement text for this store's dialect.
    pub(crate) fn sql(&self, statement: &'static str) -> sqlx::SqlStr {
        sql::for_dialect(self.inner.dialect, statement)
    }

    /// Begins a transaction that will write, and commits only with its journal entries
    /// ([`WriteTx`]). On SQLite it takes the write lock at once, so a transaction that reads first
    /// never fails to upgrade under concurrency.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let transaction = match self.inner.dialect {
            Dialect::Sqlite => self.inner.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres | Dialect::Mysql => self.inner.pool.begin().await?,
        };
        Ok(WriteTx::new(self, transaction))
    }

    /// Applies pending migrations. Safe when several nodes start at once: PostgreSQL and MySQL hold a
    /// database lock for the duration (an advisory lock, `GET_LOCK`); SQLite processes hold an
    /// exclusive lock on `<database file>.migrate-lock`.
    pub async fn migrate(&self) -> StoreResult<()> {
        self.migrate_up_to(None).await
    }

    /// As [`Store::migrate`], applying only the migrations up to `target` (all when `None`): a
    /// restore puts an older release's backup into the schema it was taken at, then migrates it
    /// forward as an upgrade would.
    pub async fn migrate_up_to(&self, target: Option<i64>) -> StoreResult<()> {
        let mut migrator =
            Migrator::with_migrations(self.inner.dialect.migrator().iter().cloned().collect());
        // Locking is ours (below): sqlx's MySQL lock does not wait on MariaDB.
        migrator.set_locking(false);
        // Schema changes are expand/contract: during a rolling upgrade an older node must still start
        // on a database a newer node has already migrated, so migrations it does not know are fine.
        migrator.set_ignore_missing(true);
        let mut connection = self.inner.pool.acquire().await?;
        match self.inner.dialect {
            Dialect::Postgres => {
                // A session-level lock, scoped to this database; DO avoids decoding `void`.
                connection
                    .execute("DO $$ BEGIN PERFORM pg_advisory_lock(7461626); END $$")
                    .await?;
            }
            Dialect::Mysql => {
                let row = sqlx::query(
                    "SELECT GET_LOCK(CONCAT('cairn_migrate_', DATABASE()), 120) AS acquired",
                )
                .fetch_one(&mut *connection)
                .await?;
                let acquired: Option<i64> = row.try_get("acquired")?;
                if acquired != Some(1) {
                    return Err(StoreError::Database(sqlx::Error::Protocol(
                        "timed out waiting for another node's migration lock".into(),
                    )));
                }
            }
            Dialect::Sqlite => {}
        }
        // SQLite has no advisory lock: processes sharing the file take an exclusive lock on a file
        // beside it (released when the handle drops).
        let _sqlite_lock = match &self.inner.sqlite_path {
            Some(path) => Some(lock_file_beside(path).await?),
            None => None,
        };
        let outcome = migrator.run_direct(target, &mut *connection, false).await;
        match self.inner.dialect {
            Dialect::Postgres => {
                connection
                    .execute("DO $$ BEGIN PERFORM pg_advisory_unlock(7461626); END $$")
                    .await?;
            }
            Dialect::Mysql => {
                connection
                    .execute("DO RELEASE_LOCK(CONCAT('cairn_migrate_', DATABASE()))")
                    .await?;
            }
            Dialect::Sqlite => {}
        }
        drop(connection);
        outcome.map_err(StoreError::from)
    }

    /// Creates an empty database at `url` (server dialects; for tests and first installs).
    pub async fn create_database(url: &str) -> StoreResult<()> {
        Dialect::from_url(url)?;
        INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
        <Any as sqlx::migrate::MigrateDatabase>::create_database(url).await?;
        Ok(())
    }

    /// Drops the database at `url`, closing other sessions on it where the server allows.
    pub async fn drop_database(url: &str) -> StoreResult<()> {
        let dialect = Dialect::from_url(url)?;
        INSTALL_DRIVERS.call_once(sqlx::any::install_default_drivers);
        match dialect {
            Dialect::Postgres => {
                <Any as sqlx::migrate::MigrateDatabase>::force_drop_database(url).await?
            }
            Dialect::Mysql | Dialect::Sqlite => {
                <Any as sqlx::migrate::MigrateDatabase>::drop_database(url).await?
            }
        }
        Ok(())
    }

    /// Which migrations are applied, against which are expected.
    /// Applies pending migrations as [`Store::migrate`] does and says which it applied, in order:
    /// `0003 comments` for each (what the setup wizard shows).
    pub async fn migrate_reporting(&self) -> StoreResult<Vec<String>> {
        let before = self.migration_status().await?.applied;
        self.migrate().await?;
        let after = self.migration_status().await?.applied;
        Ok(self
            .inner
            .dialect
            .migrator()
            .iter()
            .filter(|migration| {
                after.contains(&migration.version) && !before.contains(&migration.version)
            })
            .map(|migration| format!("{:04} {}", migration.version, migration.description))
            .collect())
    }

    pub async fn migration_status(&self) -> StoreResult<MigrationStatus> {
        let expected: Vec<i64> = self
            .inner
            .dialect
            .migrator()
            .iter()
            .map(|m| m.version)
            .collect();
        // A plain read (readiness probes call this often): no DDL, and a missing table means none
        // applied yet.
        let rows = match sqlx::query(
            "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.inner.pool)
        .await
        {
            Ok(rows) => rows,
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        let applied = rows
            .iter()
            .map(|row| row.try_get::<i64, _>("version"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MigrationStatus { applied, expected })
    }

    /// One round trip to the database.
    pub async fn ping(&self) -> StoreResult<()> {
        let _row: AnyRow = sqlx::query("SELECT 1").fetch_one(&self.inner.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }
}

/// Whether SQLite refused a statement because another connection holds the file (codes 5 and 6,
/// `SQLITE_BUSY` and `SQLITE_LOCKED`).
fn is_sqlite_locked(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(database) => {
            matches!(database.code().as_deref(), Some("5" | "6"))
                || database.message().contains("database is locked")
        }
        _ => false,
    }
}

/// Statements run on every new connection.
fn session_setup(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Sqlite => &["PRAGMA busy_timeout = 10000", "PRAGMA synchronous = NORMAL"],
        Dialect::Postgres => &["SET TIME ZONE 'UTC'"],
        // READ COMMITTED as on PostgreSQL, so both servers behave alike under concurrent writes.
        Dialect::Mysql => &[
            "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            "SET NAMES utf8mb4 COLLATE utf8mb4_bin",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_comes_from_the_scheme() {
        assert_eq!(
            Dialect::from_url("sqlite:///tmp/x.db").ok(),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::from_url("postgres://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            Dialect::from_url("postgresql://u@h/db").ok(),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            Dialect::from_url("mysql://root@h/db").ok(),
            Some(Dialect::Mysql)
        );
        assert!(matches!(
            Dialect::from_url("oracle://x"),
            Err(StoreError::InvalidUrl(_))
        ));
        assert!(matches!(
            Dialect::from_url("nonsense"),
            Err(StoreError::InvalidUrl(_))
        ));
    }

    #[test]
    fn sqlite_paths_come_from_the_url() {
        assert_eq!(
            sqlite_file("sqlite:///tmp/h/cairn.db?mode=rwc"),
            Some("/tmp/h/cairn.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(redact_url("sqlite:///x.db"), "sqlite:///x.db");
    }

    #[test]
    fn every_dialect_has_the_same_migration_versions() {
        let versions = |dialect: Dialect| -> Vec<(i64, String)> {
            dialect
                .migrator()
                .iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect()
        };
        let sqlite = versions(Dialect::Sqlite);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions(Dialect::Postgres));
        assert_eq!(sqlite, versions(Dialect::Mysql));
    }
}
