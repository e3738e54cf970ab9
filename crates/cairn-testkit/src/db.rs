//! Fresh databases for tests.

use std::sync::atomic::{AtomicU64, Ordering};

use cairn_store::{Store, StoreOptions};
use rand::RngExt;

/// The SQL dialects tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestDialect {
    Sqlite,
    Postgres,
    Mysql,
}

impl TestDialect {
    /// The environment variable naming the server's administrative URL.
    pub fn url_variable(self) -> Option<&'static str> {
        match self {
            TestDialect::Sqlite => None,
            TestDialect::Postgres => Some("CAIRN_TEST_POSTGRES_URL"),
            TestDialect::Mysql => Some("CAIRN_TEST_MYSQL_URL"),
        }
    }
}

/// A database that exists for one test. Dropping it drops the database (server dialects) or removes
/// the file (SQLite).
pub struct TestDb {
    pub dialect: TestDialect,
    /// URL of this test's own database.
    pub url: String,
    /// Server dialects: the database name, to drop it afterwards.
    server: Option<String>,
    /// SQLite: the directory holding the file; removed on drop.
    _directory: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    /// A new empty database, or `None` when the dialect's server URL is not set.
    pub async fn create(dialect: TestDialect) -> Option<TestDb> {
        match dialect.url_variable() {
            None => {
                let directory = tempfile::tempdir().expect("temporary directory for SQLite");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    directory.path().join("cairn.db").display()
                );
                Some(TestDb {
                    dialect,
                    url,
                    server: None,
                    _directory: Some(directory),
                })
            }
            Some(variable) => {
                let admin_url = std::env::var(variable).ok().filter(|url| !url.is_empty())?;
                let suffix: u32 = rand::rng().random();
                let name = format!(
                    "cairn_test_{}_{}_{suffix:08x}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed)
                );
                let url = replace_database(&admin_url, &name);
                Store::create_database(&url).await.unwrap_or_else(|error| {
                    panic!("cannot create test database {name} via {variable}={admin_url}: {error}")
                });
                Some(TestDb {
                    dialect,
                    url,
                    server: Some(name),
                    _directory: None,
                })
            }
        }
    }

    /// Another handle on the same database, for a second node; dropping it leaves the database
    /// (the original handle owns it).
    pub fn share(&self) -> TestDb {
        TestDb {
            dialect: self.dialect,
            url: self.url.clone(),
            server: None,
            _directory: None,
        }
    }

    /// A connected store on this database with the schema migrated.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&StoreOptions::new(self.url.clone()))
            .await
            .unwrap_or_else(|error| panic!("connect to {}: {error}", self.url));
        store.migrate().await.expect("migrations apply");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.server.take() else {
            return;
        };
        let url = self.url.clone();
        // Drop runs inside the test's runtime; a separate thread with its own runtime can block on
        // the DROP without stalling it.
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            if let Err(error) = runtime.block_on(Store::drop_database(&url)) {
                eprintln!("could not drop test database {name}: {error}");
            }
        });
        let _ = dropper.join();
    }
}

/// `scheme://user@host:port/old?params` with the database name replaced.
fn replace_database(admin_url: &str, name: &str) -> String {
    let (without_query, query) = match admin_url.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = without_query.find("://").map_or(0, |index| index + 3);
    let base = match without_query[scheme_end..].find('/') {
        Some(slash) => &without_query[..scheme_end + slash],
        None => without_query,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            replace_database("mysql://root@127.0.0.1:3306", "t2"),
            "mysql://root@127.0.0.1:3306/t2"
        );
        assert_eq!(
            replace_database("mysql://root@h/mysql?ssl-mode=disabled", "t3"),
            "mysql://root@h/t3?ssl-mode=disabled"
        );
    }
}
