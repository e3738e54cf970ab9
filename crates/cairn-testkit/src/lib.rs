//! Test support shared by every crate's integration tests.
//!
//! - [`TestDb`]: a fresh, empty database per test on SQLite (always), PostgreSQL
//!   (`CAIRN_TEST_POSTGRES_URL`) and MySQL/MariaDB (`CAIRN_TEST_MYSQL_URL`), dropped afterwards.
//! - [`TestApp`]: a real Cairn server on `127.0.0.1:0` over such a database, with an administrator
//!   and HTTP clients.
//! - [`dump_space`]: everything a space holds, comparable across two wikis (export round trips).
//! - [`every_dialect!`]: turns one `async fn(TestDb)` into a test per dialect.
//!
//! The server URLs name an administrative database (e.g. `postgres://postgres@127.0.0.1:5432/postgres`,
//! `mysql://root@127.0.0.1:3306/mysql`); each test creates its own database next to it.

mod app;
mod db;
mod s3;
mod space_dump;

pub use app::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, anonymous_client};
pub use db::{TestDb, TestDialect};
pub use s3::{S3_ENDPOINT_VARIABLE, s3_blob_store};
pub use space_dump::{AttachmentDump, ContentDump, SpaceDump, dump_space};

/// Generates, for each named `async fn(TestDb)`, a module with one test per dialect. PostgreSQL and
/// MySQL tests pass without running when their server URL is not set; CI always sets both.
#[macro_export]
macro_rules! every_dialect {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::run_on(super::$name, $crate::TestDialect::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::run_on(super::$name, $crate::TestDialect::Postgres).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn mysql() {
                    $crate::run_on(super::$name, $crate::TestDialect::Mysql).await;
                }
            }
        )*
    };
}

/// Runs `test` on a fresh database of `dialect`, if that dialect is configured.
pub async fn run_on<F, Fut>(test: F, dialect: TestDialect)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match TestDb::create(dialect).await {
        Some(db) => test(db).await,
        None => eprintln!(
            "{dialect:?} not configured ({}); not run",
            dialect.url_variable().unwrap_or("")
        ),
    }
}
