//! The setup wizard's look at a database, on real servers: empty, already a Cairn site's, another
//! application's, missing (and created), unreachable, refused, and MySQL's character set.

use cairn_store::probe::{Probe, ProbeProblem, create_database, probe};
use cairn_store::{DatabaseUrl, NewUser, Store};
use cairn_testkit::{TestDb, TestDialect, every_dialect};

every_dialect!(probes_tell_empty_cairn_and_foreign_databases_apart);

/// Runs one statement on `url`, outside Cairn's store (as another application would).
async fn execute(url: &str, statement: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
        .execute(&mut connection)
        .await
        .expect("statement runs");
    connection.close().await.expect("closed");
}

fn url(text: &str) -> DatabaseUrl {
    DatabaseUrl::parse(text, None, None).expect("a usable URL")
}

async fn probes_tell_empty_cairn_and_foreign_databases_apart(db: TestDb) {
    assert_eq!(probe(&url(&db.url)).await, Probe::Empty);

    let store = db.store().await;
    store
        .create_user(NewUser {
            username: "first".into(),
            display_name: String::new(),
            email: String::new(),
            password_hash: "x".into(),
            administrator: true,
            now_ms: 1,
        })
        .await
        .expect("user");
    assert_eq!(probe(&url(&db.url)).await, Probe::CairnSite { users: 1 });
    store.close().await;

    let other = TestDb::create(db.dialect).await.expect("a second database");
    execute(&other.url, "CREATE TABLE jiraissue (id INTEGER)").await;
    match probe(&url(&other.url)).await {
        Probe::Problem(ProbeProblem::NotEmpty { tables }) => {
            assert_eq!(tables, vec!["jiraissue".to_string()])
        }
        found => panic!("a foreign database is not empty: {found:?}"),
    }
}

/// The server URL of a dialect's test settings, with its database replaced by `name`.
fn on_server(dialect: TestDialect, name: &str) -> Option<String> {
    let variable = dialect.url_variable()?;
    let admin = std::env::var(variable).ok().filter(|url| !url.is_empty())?;
    let (server, _) = admin.rsplit_once('/')?;
    Some(format!("{server}/{name}"))
}

#[tokio::test]
async fn missing_databases_are_offered_and_created() {
    for dialect in [TestDialect::Postgres, TestDialect::Mysql] {
        let name = format!("cairn_probe_{}", std::process::id());
        let Some(missing) = on_server(dialect, &name) else {
            continue;
        };
        assert_eq!(
            probe(&url(&missing)).await,
            Probe::Problem(ProbeProblem::Missing {
                server_reachable: true
            }),
            "{dialect:?}"
        );
        create_database(&url(&missing)).await.expect("created");
        assert_eq!(probe(&url(&missing)).await, Probe::Empty, "{dialect:?}");
        Store::drop_database(&missing).await.expect("dropped");
    }
}

#[tokio::test]
async fn unreachable_servers_and_refused_passwords_are_told_apart() {
    match probe(&url("postgres://postgres@127.0.0.1:1/cairn")).await {
        Probe::Problem(ProbeProblem::Unreachable(_)) => {}
        found => panic!("nothing listens on port 1: {found:?}"),
    }
    // PostgreSQL here trusts local connections; MariaDB checks root's (empty) password.
    if let Some(server) = on_server(TestDialect::Mysql, "mysql") {
        let wrong =
            DatabaseUrl::parse(&server, Some("root"), Some("not-the-password")).expect("url");
        match probe(&wrong).await {
            Probe::Problem(problem @ ProbeProblem::Refused(_)) => {
                assert!(problem.explain().contains("refused"), "{problem:?}")
            }
            found => panic!("a wrong password is refused: {found:?}"),
        }
    }
}

#[tokio::test]
async fn a_mysql_database_not_in_utf8mb4_is_named_with_the_fix() {
    let Some(server) = on_server(TestDialect::Mysql, "mysql") else {
        return;
    };
    let name = format!("cairn_latin1_{}", std::process::id());
    execute(
        &server,
        &format!("CREATE DATABASE {name} CHARACTER SET latin1"),
    )
    .await;
    let latin1 = on_server(TestDialect::Mysql, &name).expect("url");
    let found = probe(&url(&latin1)).await;
    Store::drop_database(&latin1).await.expect("dropped");
    match found {
        Probe::Problem(problem @ ProbeProblem::Charset { .. }) => {
            assert!(problem.explain().contains("utf8mb4"), "{problem:?}")
        }
        other => panic!("latin1 is named: {other:?}"),
    }
}
