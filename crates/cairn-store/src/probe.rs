//! Looking at a database before a site is set up on it, for the setup wizard's "Test connection":
//! can Cairn reach the server, log in, find the database, is the database empty or already a Cairn
//! site's, and (MySQL) does it store utf8mb4? Each answer is put in words a person can act on.

use std::time::Duration;

use sqlx::{Connection, Row};

use crate::database_url::{DatabaseUrl, Engine};

/// How long a probe waits for the server before calling it unreachable.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// An empty database Cairn can set up on.
    Empty,
    /// A database that already holds a Cairn site with this many users: setting up on it joins
    /// that site (another node of the same cluster).
    CairnSite { users: i64 },
    /// Something stands in the way.
    Problem(ProbeProblem),
}

/// What stands in the way of setting up on a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeProblem {
    /// The server did not answer (wrong host or port, firewall, server down).
    Unreachable(String),
    /// The server refused the user or password.
    Refused(String),
    /// The database does not exist; `server_reachable` says the server itself answered with
    /// these credentials, so creating it may be offered.
    Missing { server_reachable: bool },
    /// The database holds tables of something else.
    NotEmpty { tables: Vec<String> },
    /// A MySQL/MariaDB database whose default character set is not utf8mb4.
    Charset { found: String, database: String },
    /// Anything else the server said.
    Other(String),
}

impl ProbeProblem {
    /// The problem in words, with what to do about it.
    pub fn explain(&self) -> String {
        match self {
            ProbeProblem::Unreachable(detail) => format!(
                "The database server cannot be reached: check the host and port, and that the server runs and accepts connections from here ({detail})."
            ),
            ProbeProblem::Refused(detail) => format!(
                "The database server refused the username or password ({detail})."
            ),
            ProbeProblem::Missing { server_reachable: true } => {
                "The database does not exist on the server. Create it, or let setup create it.".to_string()
            }
            ProbeProblem::Missing { server_reachable: false } => {
                "The database does not exist, and this user cannot reach the server without it: ask the database administrator to create it.".to_string()
            }
            ProbeProblem::NotEmpty { tables } => format!(
                "The database is not empty: it holds tables of another application ({}). Use an empty database.",
                tables.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ),
            ProbeProblem::Charset { found, database } => format!(
                "The database stores {found}, not utf8mb4, so emoji and many scripts would be lost. Run: ALTER DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
            ),
            ProbeProblem::Other(detail) => format!("The database answered: {detail}"),
        }
    }
}

/// Connects to `url` once (not a pool) within the probe's timeout.
async fn connect_once(url: &str) -> Result<sqlx::AnyConnection, sqlx::Error> {
    crate::db::install_drivers();
    match tokio::time::timeout(PROBE_TIMEOUT, sqlx::AnyConnection::connect(url)).await {
        Ok(connected) => connected,
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

/// Sorts a connection failure into what a person can act on.
fn classify(error: &sqlx::Error) -> ProbeProblem {
    match error {
        sqlx::Error::Io(io) => ProbeProblem::Unreachable(io.to_string()),
        sqlx::Error::PoolTimedOut => ProbeProblem::Unreachable(format!(
            "no answer within {} seconds",
            PROBE_TIMEOUT.as_secs()
        )),
        sqlx::Error::Tls(tls) => ProbeProblem::Unreachable(tls.to_string()),
        sqlx::Error::Database(database) => {
            let code = database
                .code()
                .map(|code| code.to_string())
                .unwrap_or_default();
            let message = database.message().to_string();
            let lower = message.to_lowercase();
            if code == "3D000"
                || lower.contains("unknown database")
                || lower.contains("does not exist") && lower.contains("database")
            {
                ProbeProblem::Missing {
                    server_reachable: false,
                }
            } else if code.starts_with("28")
                || lower.contains("access denied")
                || lower.contains("password authentication failed")
            {
                ProbeProblem::Refused(message)
            } else {
                ProbeProblem::Other(message)
            }
        }
        other => ProbeProblem::Other(other.to_string()),
    }
}

/// The URL of the server's own database (PostgreSQL's `postgres`, MySQL without a database), for
/// checking that the server answers these credentials and for creating the database.
fn server_url(url: &DatabaseUrl) -> Option<(String, String)> {
    let text = url.as_str();
    let (prefix, rest) = text.split_once("://")?;
    let (authority, path) = rest.split_once('/')?;
    let (database, query) = match path.split_once('?') {
        Some((database, query)) => (database, format!("?{query}")),
        None => (path, String::new()),
    };
    let maintenance = match url.engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "",
        Engine::Sqlite => return None,
    };
    Some((
        format!("{prefix}://{authority}/{maintenance}{query}"),
        database.to_string(),
    ))
}

/// Looks at the database `url` names.
pub async fn probe(url: &DatabaseUrl) -> Probe {
    let mut connection = match connect_once(url.as_str()).await {
        Ok(connection) => connection,
        Err(error) => {
            let mut problem = classify(&error);
            if let ProbeProblem::Missing { .. } = problem
                && let Some((server, _)) = server_url(url)
            {
                let reachable = connect_once(&server).await.is_ok();
                problem = ProbeProblem::Missing {
                    server_reachable: reachable,
                };
            }
            return Probe::Problem(problem);
        }
    };
    let outcome = inspect(&mut connection, url).await;
    let _ = connection.close().await;
    match outcome {
        Ok(probe) => probe,
        Err(error) => Probe::Problem(classify(&error)),
    }
}

async fn inspect(
    connection: &mut sqlx::AnyConnection,
    url: &DatabaseUrl,
) -> Result<Probe, sqlx::Error> {
    let tables_query = match url.engine {
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        Engine::Mysql => {
            "SELECT CAST(table_name AS CHAR) AS name FROM information_schema.tables WHERE table_schema = DATABASE()"
        }
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
    };
    let rows = sqlx::query(tables_query)
        .fetch_all(&mut *connection)
        .await?;
    let mut tables = Vec::with_capacity(rows.len());
    for row in &rows {
        tables.push(row.try_get::<String, _>("name")?);
    }
    if url.engine == Engine::Mysql {
        let row = sqlx::query(
            "SELECT CAST(@@character_set_database AS CHAR) AS charset, CAST(DATABASE() AS CHAR) AS name",
        )
        .fetch_one(&mut *connection)
        .await?;
        let charset: String = row.try_get("charset")?;
        if !charset.starts_with("utf8mb4") {
            return Ok(Probe::Problem(ProbeProblem::Charset {
                found: charset,
                database: row.try_get("name")?,
            }));
        }
    }
    if tables.is_empty() {
        return Ok(Probe::Empty);
    }
    let is_cairn = tables.iter().any(|table| table == "app_user")
        && tables.iter().any(|table| table == "cluster_journal");
    if is_cairn {
        let row = sqlx::query("SELECT COUNT(*) AS users FROM app_user")
            .fetch_one(&mut *connection)
            .await?;
        return Ok(Probe::CairnSite {
            users: row.try_get("users")?,
        });
    }
    tables.sort();
    Ok(Probe::Problem(ProbeProblem::NotEmpty { tables }))
}

/// Creates the database `url` names on its server, in utf8mb4 on MySQL. The error is in words.
pub async fn create_database(url: &DatabaseUrl) -> Result<(), String> {
    let Some((server, database)) = server_url(url) else {
        return Ok(());
    };
    // The name goes into a statement: only plain names, as any administrator would choose.
    let plain = !database.is_empty()
        && database.len() <= 63
        && database.chars().all(|character| {
            character.is_ascii_alphanumeric() || character == '_' || character == '-'
        });
    if !plain {
        return Err(format!(
            "the database name {database:?} has characters setup will not put into a statement; create the database yourself"
        ));
    }
    let mut connection = connect_once(&server)
        .await
        .map_err(|error| classify(&error).explain())?;
    let statement = match url.engine {
        Engine::Postgres => format!("CREATE DATABASE \"{database}\" ENCODING 'UTF8'"),
        _ => format!("CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"),
    };
    let created = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    created.map(|_| ()).map_err(|error| match &error {
        sqlx::Error::Database(database_error) => format!(
            "the server did not create the database: {}",
            database_error.message()
        ),
        other => format!("the server did not create the database: {other}"),
    })
}

/// Drops the database `url` names, if it exists (benchmarks make a fresh one per run and remove
/// it after). The error is in words.
pub async fn drop_database(url: &DatabaseUrl) -> Result<(), String> {
    let Some((server, database)) = server_url(url) else {
        return Ok(());
    };
    let plain = !database.is_empty()
        && database.len() <= 63
        && database
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_');
    if !plain {
        return Err(format!(
            "the database name {database:?} has characters that will not be put into a statement"
        ));
    }
    let mut connection = connect_once(&server)
        .await
        .map_err(|error| classify(&error).explain())?;
    let statement = match url.engine {
        Engine::Postgres => format!("DROP DATABASE IF EXISTS \"{database}\""),
        _ => format!("DROP DATABASE IF EXISTS `{database}`"),
    };
    let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
        .execute(&mut connection)
        .await;
    let _ = connection.close().await;
    dropped
        .map(|_| ())
        .map_err(|error| format!("the server did not drop the database: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_url_keeps_credentials_and_parameters() {
        let url = DatabaseUrl::parse("postgres://u:p@h:5432/wiki?sslmode=require", None, None)
            .expect("url");
        assert_eq!(
            server_url(&url),
            Some((
                "postgres://u:p@h:5432/postgres?sslmode=require".to_string(),
                "wiki".to_string()
            ))
        );
        let url = DatabaseUrl::parse("jdbc:mysql://h/wiki", Some("root"), Some("")).expect("url");
        assert_eq!(
            server_url(&url),
            Some(("mysql://root:@h/".to_string(), "wiki".to_string()))
        );
    }

    #[test]
    fn problems_say_what_to_do() {
        assert!(
            ProbeProblem::Missing {
                server_reachable: true
            }
            .explain()
            .contains("Create it")
        );
        assert!(
            ProbeProblem::Charset {
                found: "latin1".into(),
                database: "wiki".into()
            }
            .explain()
            .contains("ALTER DATABASE `wiki` CHARACTER SET utf8mb4")
        );
        assert!(
            ProbeProblem::NotEmpty {
                tables: vec!["jiraissue".into()]
            }
            .explain()
            .contains("jiraissue")
        );
    }
}
