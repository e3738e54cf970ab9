//! Database URLs as people bring them: Cairn's own (`postgres://…`, `mysql://…`, `sqlite:…`) or a
//! JDBC URL pasted verbatim from a Confluence configuration (`jdbc:postgresql://host:5432/db`,
//! `jdbc:mysql://host/db?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8`,
//! `jdbc:mariadb://…`), with the username and password given apart as Confluence's setup asks for
//! them. [`DatabaseUrl::parse`] turns any of these into the URL the pool connects with.
//!
//! JDBC parameters that only steer the Java driver (`sessionVariables`, `useUnicode`,
//! `characterEncoding`, `autoReconnect`…) are dropped: Cairn always speaks UTF-8 (utf8mb4 on
//! MySQL) and InnoDB. PostgreSQL's `user` and `password` parameters are honoured.

use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// What may stand unescaped in the user or password part of a URL.
const USERINFO: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b':')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The database engines Cairn connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

/// A database URL understood and rewritten for the pool.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub engine: Engine,
    /// The URL the pool connects with (credentials included).
    url: String,
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("DatabaseUrl")
            .field("engine", &self.engine)
            .field("url", &crate::redact_url(&self.url))
            .finish()
    }
}

/// Why a database URL was not understood, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DatabaseUrlError(String);

impl DatabaseUrl {
    /// Understands `input` (Cairn's form or a JDBC URL), with `user` and `password` given apart
    /// (`None` keeps what the URL says; an empty password is a password).
    pub fn parse(
        input: &str,
        user: Option<&str>,
        password: Option<&str>,
    ) -> Result<DatabaseUrl, DatabaseUrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(DatabaseUrlError("the database URL is empty".into()));
        }
        if input.starts_with("sqlite:") {
            return Ok(DatabaseUrl {
                engine: Engine::Sqlite,
                url: input.to_string(),
            });
        }
        let (engine, rest) = if let Some(rest) = input.strip_prefix("jdbc:postgresql:") {
            (Engine::Postgres, rest)
        } else if let Some(rest) = input
            .strip_prefix("jdbc:mysql:")
            .or_else(|| input.strip_prefix("jdbc:mariadb:"))
        {
            (Engine::Mysql, rest)
        } else if let Some(rest) = input
            .strip_prefix("postgres:")
            .or_else(|| input.strip_prefix("postgresql:"))
        {
            (Engine::Postgres, rest)
        } else if let Some(rest) = input
            .strip_prefix("mysql:")
            .or_else(|| input.strip_prefix("mariadb:"))
        {
            (Engine::Mysql, rest)
        } else if input.starts_with("jdbc:") {
            return Err(DatabaseUrlError(format!(
                "{} is a JDBC URL for a database Cairn does not run on; use PostgreSQL, MySQL or MariaDB",
                input.split(':').take(2).collect::<Vec<_>>().join(":")
            )));
        } else {
            return Err(DatabaseUrlError(
                "the database URL must start with postgres://, mysql://, sqlite: or a JDBC prefix (jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb://)".into(),
            ));
        };
        // Cairn's own URLs pass as they are unless credentials are given apart: whatever the
        // pool understands (a socket directory in `host=`, say) keeps working.
        let is_jdbc = input.starts_with("jdbc:");
        if !is_jdbc && user.is_none() && password.is_none() {
            return Ok(DatabaseUrl {
                engine,
                url: input.to_string(),
            });
        }
        let parts = Parts::of(rest, engine)?;
        Ok(parts.into_url(engine, user, password))
    }

    /// The URL the pool connects with.
    pub fn as_str(&self) -> &str {
        &self.url
    }
}

/// The pieces of a server URL after its scheme.
struct Parts {
    user: Option<String>,
    password: Option<String>,
    /// `host` or `host:port`.
    host: String,
    database: String,
    /// Parameters kept for the pool, as `key=value`.
    kept: Vec<String>,
}

impl Parts {
    fn of(rest: &str, engine: Engine) -> Result<Parts, DatabaseUrlError> {
        // `jdbc:postgresql:db` (no host) means the local server.
        let rest = match rest.strip_prefix("//") {
            Some(rest) => rest.to_string(),
            None => format!("localhost/{rest}"),
        };
        let (location, query) = match rest.split_once('?') {
            Some((location, query)) => (location, Some(query)),
            None => (rest.as_str(), None),
        };
        let (credentials, address) = match location.rsplit_once('@') {
            Some((credentials, address)) => (Some(credentials), address),
            None => (None, location),
        };
        let (host, database) = match address.split_once('/') {
            Some((host, database)) => (host, database.trim_end_matches('/')),
            None => (address, ""),
        };
        if host.is_empty() {
            return Err(DatabaseUrlError("the database URL names no host".into()));
        }
        // A JDBC failover list (`host1,host2`) is more than one server: Cairn connects to one.
        if host.contains(',') {
            return Err(DatabaseUrlError(
                "the database URL names several hosts; give the one Cairn should connect to".into(),
            ));
        }
        if database.is_empty() {
            return Err(DatabaseUrlError(
                "the database URL names no database (…/DATABASE)".into(),
            ));
        }
        let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
        let (mut user, mut password) = match credentials {
            Some(credentials) => match credentials.split_once(':') {
                Some((user, password)) => (Some(decode(user)), Some(decode(password))),
                None => (Some(decode(credentials)), None),
            },
            None => (None, None),
        };
        let mut kept = Vec::new();
        for pair in query
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (engine, key) {
                (_, "user") => user = Some(decode(value)),
                (_, "password") => password = Some(decode(value)),
                // What the pool understands and a person may mean.
                (Engine::Postgres, "sslmode" | "application_name" | "options")
                | (Engine::Mysql, "ssl-mode" | "ssl-ca" | "socket") => kept.push(pair.to_string()),
                // Everything else steers the Java driver only.
                _ => {}
            }
        }
        Ok(Parts {
            user,
            password,
            host: host.to_string(),
            database: database.to_string(),
            kept,
        })
    }

    fn into_url(self, engine: Engine, user: Option<&str>, password: Option<&str>) -> DatabaseUrl {
        let user = user
            .filter(|user| !user.is_empty())
            .map(str::to_string)
            .or(self.user);
        let password = password.map(str::to_string).or(self.password);
        let scheme = match engine {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
        };
        let credentials = match (&user, &password) {
            (Some(user), Some(password)) => format!(
                "{}:{}@",
                utf8_percent_encode(user, USERINFO),
                utf8_percent_encode(password, USERINFO)
            ),
            (Some(user), None) => format!("{}@", utf8_percent_encode(user, USERINFO)),
            (None, _) => String::new(),
        };
        let query = if self.kept.is_empty() {
            String::new()
        } else {
            format!("?{}", self.kept.join("&"))
        };
        DatabaseUrl {
            engine,
            url: format!(
                "{scheme}://{credentials}{}/{}{query}",
                self.host, self.database
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(input: &str, user: Option<&str>, password: Option<&str>) -> String {
        DatabaseUrl::parse(input, user, password)
            .unwrap_or_else(|error| panic!("{input}: {error}"))
            .as_str()
            .to_string()
    }

    #[test]
    fn confluences_mysql_url_is_taken_verbatim() {
        let jdbc = "jdbc:mysql://db.example.test/confluence?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8";
        assert_eq!(
            parsed(jdbc, Some("confluence"), Some("s3cret")),
            "mysql://confluence:s3cret@db.example.test/confluence"
        );
        let engine = DatabaseUrl::parse(jdbc, None, None).expect("parsed").engine;
        assert_eq!(engine, Engine::Mysql);
    }

    #[test]
    fn mariadb_and_ports_and_empty_passwords() {
        assert_eq!(
            parsed("jdbc:mariadb://127.0.0.1:3306/wiki", Some("root"), Some("")),
            "mysql://root:@127.0.0.1:3306/wiki"
        );
        assert_eq!(
            parsed("jdbc:mariadb://127.0.0.1:3306/wiki", Some("root"), None),
            "mysql://root@127.0.0.1:3306/wiki"
        );
    }

    #[test]
    fn postgres_jdbc_urls_with_and_without_a_host_and_with_a_user_parameter() {
        assert_eq!(
            parsed(
                "jdbc:postgresql://pg:5432/confluence",
                Some("wiki"),
                Some("pw")
            ),
            "postgres://wiki:pw@pg:5432/confluence"
        );
        assert_eq!(
            parsed(
                "jdbc:postgresql://pg/confluence?user=wiki&password=pw&ssl=true",
                None,
                None
            ),
            "postgres://wiki:pw@pg/confluence"
        );
        assert_eq!(
            parsed("jdbc:postgresql:confluence", Some("wiki"), None),
            "postgres://wiki@localhost/confluence"
        );
        assert_eq!(
            parsed("jdbc:postgresql://pg/db?sslmode=require", None, None),
            "postgres://pg/db?sslmode=require"
        );
    }

    #[test]
    fn native_urls_pass_and_separate_credentials_win() {
        assert_eq!(
            parsed("postgres://postgres@127.0.0.1:5432/cairn", None, None),
            "postgres://postgres@127.0.0.1:5432/cairn"
        );
        assert_eq!(
            parsed("mysql://old:old@h/db", Some("new"), Some("p@ss:w/rd")),
            "mysql://new:p%40ss%3Aw%2Frd@h/db"
        );
        assert_eq!(
            parsed("sqlite:///var/lib/cairn/cairn.db", None, None),
            "sqlite:///var/lib/cairn/cairn.db"
        );
        // Without credentials apart, Cairn's own URLs pass untouched, parameters and all.
        assert_eq!(
            parsed("postgres:///cairn?host=/var/run/postgresql", None, None),
            "postgres:///cairn?host=/var/run/postgresql"
        );
    }

    #[test]
    fn what_cannot_be_used_is_explained() {
        for (input, words) in [
            ("", "empty"),
            ("jdbc:oracle:thin:@h:1521:db", "does not run on"),
            ("jdbc:sqlserver://h;databaseName=db", "does not run on"),
            ("oracle://h/db", "must start with"),
            ("jdbc:mysql://h1,h2/db", "several hosts"),
            ("jdbc:postgresql://h:5432/", "no database"),
            ("jdbc:mysql:///db", "no host"),
            ("jdbc:postgresql://h:5432/", "no database"),
        ] {
            let error = DatabaseUrl::parse(input, None, None).expect_err(input);
            assert!(error.to_string().contains(words), "{input}: {error}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let url = DatabaseUrl::parse("mysql://u:secret@h/db", None, None).expect("parsed");
        assert!(!format!("{url:?}").contains("secret"));
    }
}
