//! Settings: defaults < `cairn.toml` in the home < `CAIRN_*` environment < command-line flags.
//! Every value remembers where it came from, so a bad one is reported with its key and its source.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cairn_web::CookieSecurity;

/// Name of the settings file inside the home directory.
pub const CONFIG_FILE: &str = "cairn.toml";

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Environment(String),
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Environment(variable) => write!(f, "environment variable {variable}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A setting that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid value {value:?} for {key} (from {origin}): {reason}")]
    InvalidValue {
        key: &'static str,
        value: String,
        origin: Source,
        reason: String,
    },
    #[error("unknown setting {key:?} in {path}; known settings: {known}")]
    UnknownKey {
        key: String,
        path: String,
        known: String,
    },
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

/// Values given on the command line (highest precedence).
#[derive(Debug, Default, Clone)]
pub struct FlagValues {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub log: Option<String>,
}

/// The resolved settings of a node.
#[derive(Clone)]
pub struct Settings {
    pub home: PathBuf,
    pub listen: SocketAddr,
    /// `None`: embedded SQLite in the home. Cairn's form or a JDBC URL from a Confluence
    /// configuration.
    pub database_url: Option<String>,
    /// The database user, when not in the URL (Confluence's setup asks for it apart).
    pub database_user: Option<String>,
    /// The database password, when not in the URL; an empty password is a password.
    pub database_password: Option<String>,
    /// The cluster's name, shown on the Clustering page and in `/rest/cairn/1/cluster`.
    pub cluster_name: String,
    pub database_pool_size: u32,
    pub base_url: Option<String>,
    pub log: String,
    pub cookie_security: CookieSecurity,
    pub session_ttl: Duration,
    pub admin_user: Option<String>,
    pub admin_password: Option<String>,
    /// Where attachment bytes live: a directory or `s3://bucket/prefix`.
    pub blob_store: cairn_blob::BlobLocation,
    pub attachment_max_bytes: u64,
    /// Largest Confluence export accepted by the import endpoint and screen.
    pub import_max_bytes: u64,
    /// REST requests a minute per credential on each node; 0: no limit.
    pub rate_limit_per_minute: u32,
    /// Lifetime of singleton-job leases (a dead holder's job moves after at most this).
    pub cluster_lease_ttl: Duration,
    /// The `cairn cluster` balancer in front of this node, for the cluster view (set by the balancer).
    pub cluster_balancer_url: Option<String>,
    /// A node without a heartbeat for this long is shown dead and stops holding back pruning.
    pub cluster_dead_after: Duration,
    /// Where this node keeps its search index; `None`: a temporary directory (restored from a
    /// snapshot or rebuilt at every start).
    pub search_index_dir: Option<PathBuf>,
    /// Time between search index snapshots in the blob store.
    pub search_snapshot_interval: Duration,
    /// Longest a stopping node keeps serving (not ready) while its requests in flight finish.
    pub drain_timeout: Duration,
}

impl fmt::Debug for Settings {
    // Passwords (the admin's, and one inside a database URL) stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("home", &self.home)
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self.database_url.as_deref().map(cairn_store::redact_url),
            )
            .field("database_user", &self.database_user)
            .field("cluster_name", &self.cluster_name)
            .field("base_url", &self.base_url)
            .field("admin_user", &self.admin_user)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The database URL to connect to: the configured one, or SQLite in the home.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            // Validated when the settings were read; a JDBC URL becomes the pool's form here,
            // with the user and password given apart.
            Some(url) => cairn_store::DatabaseUrl::parse(
                url,
                self.database_user.as_deref(),
                self.database_password.as_deref(),
            )
            .map(|parsed| parsed.as_str().to_string())
            .unwrap_or_else(|_| url.clone()),
            None => format!("sqlite://{}?mode=rwc", self.home.join("cairn.db").display()),
        }
    }
}

/// One known setting: its key in the file, its environment variable, and the flag that sets it.
struct Key {
    name: &'static str,
    environment: &'static str,
}

const KEYS: &[Key] = &[
    Key {
        name: "listen",
        environment: "CAIRN_LISTEN",
    },
    Key {
        name: "database_url",
        environment: "CAIRN_DATABASE_URL",
    },
    Key {
        name: "database_user",
        environment: "CAIRN_DATABASE_USER",
    },
    Key {
        name: "database_password",
        environment: "CAIRN_DATABASE_PASSWORD",
    },
    Key {
        name: "cluster_name",
        environment: "CAIRN_CLUSTER_NAME",
    },
    Key {
        name: "database_pool_size",
        environment: "CAIRN_DATABASE_POOL_SIZE",
    },
    Key {
        name: "base_url",
        environment: "CAIRN_BASE_URL",
    },
    Key {
        name: "log",
        environment: "CAIRN_LOG",
    },
    Key {
        name: "cookie_secure",
        environment: "CAIRN_COOKIE_SECURE",
    },
    Key {
        name: "session_hours",
        environment: "CAIRN_SESSION_HOURS",
    },
    Key {
        name: "blob_store",
        environment: "CAIRN_BLOB_STORE",
    },
    Key {
        name: "attachment_max_mb",
        environment: "CAIRN_ATTACHMENT_MAX_MB",
    },
    Key {
        name: "import_max_mb",
        environment: "CAIRN_IMPORT_MAX_MB",
    },
    Key {
        name: "rate_limit_per_minute",
        environment: "CAIRN_RATE_LIMIT_PER_MINUTE",
    },
    Key {
        name: "cluster_lease_seconds",
        environment: "CAIRN_CLUSTER_LEASE_SECONDS",
    },
    Key {
        name: "cluster_dead_after_seconds",
        environment: "CAIRN_CLUSTER_DEAD_AFTER_SECONDS",
    },
    Key {
        name: "cluster_balancer_url",
        environment: "CAIRN_CLUSTER_BALANCER_URL",
    },
    Key {
        name: "search_index",
        environment: "CAIRN_SEARCH_INDEX",
    },
    Key {
        name: "search_index_dir",
        environment: "CAIRN_SEARCH_INDEX_DIR",
    },
    Key {
        name: "search_snapshot_minutes",
        environment: "CAIRN_SEARCH_SNAPSHOT_MINUTES",
    },
    Key {
        name: "drain_timeout_seconds",
        environment: "CAIRN_DRAIN_TIMEOUT_SECONDS",
    },
    Key {
        name: "admin_user",
        environment: "CAIRN_ADMIN_USER",
    },
    Key {
        name: "admin_password",
        environment: "CAIRN_ADMIN_PASSWORD",
    },
];

/// Raw layered values before parsing: for each key, the winning text and its source.
struct Layers {
    values: BTreeMap<&'static str, (String, Source)>,
}

impl Layers {
    fn collect(
        home: &Path,
        environment: &dyn Fn(&str) -> Option<String>,
        flags: &FlagValues,
    ) -> Result<Layers, ConfigError> {
        let mut values = BTreeMap::new();
        let path = home.join(CONFIG_FILE);
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::Unreadable {
                path: path.display().to_string(),
                reason: error.to_string(),
            })?;
            let table: toml::Table =
                toml::from_str(&text).map_err(|error| ConfigError::Unreadable {
                    path: path.display().to_string(),
                    reason: error.to_string(),
                })?;
            for (file_key, value) in table {
                let Some(key) = KEYS.iter().find(|key| key.name == file_key) else {
                    return Err(ConfigError::UnknownKey {
                        key: file_key,
                        path: path.display().to_string(),
                        known: KEYS
                            .iter()
                            .map(|key| key.name)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                };
                let text = match value {
                    toml::Value::String(text) => text,
                    toml::Value::Integer(number) => number.to_string(),
                    toml::Value::Boolean(flag) => flag.to_string(),
                    toml::Value::Float(number) => number.to_string(),
                    _ => {
                        return Err(ConfigError::InvalidValue {
                            key: key.name,
                            value: format!("{value:?}"),
                            origin: Source::File(path.clone()),
                            reason: "expected a string, number or boolean".to_string(),
                        });
                    }
                };
                values.insert(key.name, (text, Source::File(path.clone())));
            }
        }
        for key in KEYS {
            if let Some(text) = environment(key.environment) {
                values.insert(
                    key.name,
                    (text, Source::Environment(key.environment.to_string())),
                );
            }
        }
        let flag_values = [
            ("listen", "--listen", &flags.listen),
            ("database_url", "--database-url", &flags.database_url),
            ("base_url", "--base-url", &flags.base_url),
            ("log", "--log", &flags.log),
        ];
        for (name, flag, value) in flag_values {
            if let Some(text) = value {
                values.insert(name, (text.clone(), Source::Flag(flag.to_string())));
            }
        }
        Ok(Layers { values })
    }

    /// Parses `key` with `parse`, or returns `default` when no layer set it.
    fn get<T>(
        &self,
        key: &'static str,
        default: T,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        match self.values.get(key) {
            None => Ok(default),
            Some((text, source)) => parse(text).map_err(|reason| ConfigError::InvalidValue {
                key,
                value: text.clone(),
                origin: source.clone(),
                reason,
            }),
        }
    }
}

fn parse_optional_text(text: &str) -> Result<Option<String>, String> {
    let trimmed = text.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

fn parse_database_url(text: &str) -> Result<Option<String>, String> {
    let Some(url) = parse_optional_text(text)? else {
        return Ok(None);
    };
    let parsed =
        cairn_store::DatabaseUrl::parse(&url, None, None).map_err(|error| error.to_string())?;
    cairn_store::Dialect::from_url(parsed.as_str()).map_err(|error| error.to_string())?;
    Ok(Some(url))
}

fn parse_cluster_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("a cluster name is 1 to 100 characters, without control characters".into());
    }
    Ok(name.to_string())
}

fn parse_base_url(text: &str) -> Result<Option<String>, String> {
    let Some(url) = parse_optional_text(text)? else {
        return Ok(None);
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err("must start with http:// or https://".to_string());
    }
    if url.trim_end_matches('/').matches('/').count() > 2 {
        return Err("must be the site root (no path): Cairn is served at the root, as Confluence's REST clients require".to_string());
    }
    Ok(Some(url.trim_end_matches('/').to_string()))
}

/// Every node keeps a search index: it is the one evaluator of searches. `on` is accepted for
/// files written for older releases; `off` is refused rather than silently ignored.
fn parse_index_setting(text: &str) -> Result<(), String> {
    match parse_on_off(text)? {
        true => Ok(()),
        false => Err(
            "off is no longer supported: every node keeps a search index; remove the setting"
                .to_string(),
        ),
    }
}

fn parse_on_off(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" => Ok(true),
        "off" | "false" | "no" => Ok(false),
        other => Err(format!("{other} is not on or off")),
    }
}

fn parse_cookie_security(text: &str) -> Result<CookieSecurity, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(CookieSecurity::Auto),
        "always" | "true" => Ok(CookieSecurity::Always),
        "never" | "false" => Ok(CookieSecurity::Never),
        _ => Err("expected auto, always or never".to_string()),
    }
}

fn parse_number_in(range: std::ops::RangeInclusive<u64>) -> impl Fn(&str) -> Result<u64, String> {
    move |text| {
        let number: u64 = text
            .trim()
            .parse()
            .map_err(|_| "expected a whole number".to_string())?;
        if range.contains(&number) {
            Ok(number)
        } else {
            Err(format!(
                "must be between {} and {}",
                range.start(),
                range.end()
            ))
        }
    }
}

/// Resolves settings for `home` from the file, `environment` and `flags`.
pub fn load(
    home: &Path,
    environment: &dyn Fn(&str) -> Option<String>,
    flags: &FlagValues,
) -> Result<Settings, ConfigError> {
    let layers = Layers::collect(home, environment, flags)?;
    let default_listen = SocketAddr::from(([127, 0, 0, 1], 8090));
    let pool_size = layers.get("database_pool_size", 10, parse_number_in(1..=500))?;
    let session_hours = layers.get("session_hours", 14 * 24, parse_number_in(1..=24 * 365))?;
    // Kept so a file that says `on` still loads; `off` is refused (see parse_index_setting).
    layers.get("search_index", (), parse_index_setting)?;
    Ok(Settings {
        home: home.to_path_buf(),
        listen: layers.get("listen", default_listen, |text| {
            text.trim()
                .parse::<SocketAddr>()
                .map_err(|error| format!("{error} (expected host:port, e.g. 127.0.0.1:8090)"))
        })?,
        database_url: layers.get("database_url", None, parse_database_url)?,
        database_user: layers.get("database_user", None, parse_optional_text)?,
        database_password: layers
            .get("database_password", None, |text| Ok(Some(text.to_string())))?,
        cluster_name: layers.get("cluster_name", "cairn".to_string(), parse_cluster_name)?,
        database_pool_size: u32::try_from(pool_size).unwrap_or(10),
        base_url: layers.get("base_url", None, parse_base_url)?,
        log: layers.get("log", "info".to_string(), |text| {
            Ok(text.trim().to_string())
        })?,
        cookie_security: layers.get(
            "cookie_secure",
            CookieSecurity::Auto,
            parse_cookie_security,
        )?,
        session_ttl: Duration::from_secs(session_hours * 3600),
        admin_user: layers.get("admin_user", None, parse_optional_text)?,
        admin_password: layers.get("admin_password", None, |text| {
            Ok((!text.is_empty()).then(|| text.to_string()))
        })?,
        blob_store: layers.get(
            "blob_store",
            cairn_blob::BlobLocation::Directory {
                root: home.join("shared").join("blobs"),
            },
            |text| cairn_blob::BlobLocation::parse(text.trim()).map_err(|error| error.to_string()),
        )?,
        attachment_max_bytes: layers.get(
            "attachment_max_mb",
            100,
            parse_number_in(1..=1024 * 1024),
        )? * 1024
            * 1024,
        import_max_bytes: layers.get("import_max_mb", 1024, parse_number_in(1..=1024 * 1024))?
            * 1024
            * 1024,
        rate_limit_per_minute: u32::try_from(layers.get(
            "rate_limit_per_minute",
            0,
            parse_number_in(0..=1_000_000),
        )?)
        .unwrap_or(0),
        cluster_lease_ttl: Duration::from_secs(layers.get(
            "cluster_lease_seconds",
            15,
            parse_number_in(3..=3600),
        )?),
        cluster_balancer_url: layers.get("cluster_balancer_url", None, parse_base_url)?,
        cluster_dead_after: Duration::from_secs(layers.get(
            "cluster_dead_after_seconds",
            10,
            parse_number_in(3..=3600),
        )?),
        search_index_dir: layers.get("search_index_dir", None, |text| {
            Ok(parse_optional_text(text)?.map(PathBuf::from))
        })?,
        search_snapshot_interval: Duration::from_secs(
            60 * layers.get("search_snapshot_minutes", 5, parse_number_in(1..=1440))?,
        ),
        drain_timeout: Duration::from_secs(layers.get(
            "drain_timeout_seconds",
            30,
            parse_number_in(0..=3600),
        )?),
    })
}

/// The settings file written into a new home, every setting shown with its default.
pub const TEMPLATE: &str = r#"# Cairn settings. Precedence: defaults < this file < CAIRN_* environment variables < flags.

# Address to listen on (CAIRN_LISTEN, --listen).
# listen = "127.0.0.1:8090"

# Database (CAIRN_DATABASE_URL, --database-url). Unset: embedded SQLite in this directory.
# A JDBC URL from a Confluence configuration works as it is, with the user and password apart.
# database_url = "postgres://cairn@127.0.0.1:5432/cairn"
# database_url = "mysql://cairn:secret@127.0.0.1:3306/cairn"
# database_url = "jdbc:mysql://db/confluence?sessionVariables=storage_engine%3DInnoDB&useUnicode=true&characterEncoding=utf8"

# Database user and password when they are not in the URL (CAIRN_DATABASE_USER,
# CAIRN_DATABASE_PASSWORD); an empty password is a password.
# database_user = "cairn"
# database_password = ""

# The cluster's name, shown on the Clustering page (CAIRN_CLUSTER_NAME).
# cluster_name = "cairn"

# Connections per node (CAIRN_DATABASE_POOL_SIZE).
# database_pool_size = 10

# Public address for links (CAIRN_BASE_URL, --base-url). Unset: taken from each request's Host.
# base_url = "https://wiki.example.com"

# Log filter (CAIRN_LOG, --log), e.g. "info" or "cairn_web=debug,info".
# log = "info"

# Secure attribute of the session cookie (CAIRN_COOKIE_SECURE): auto, always or never.
# cookie_secure = "auto"

# Login session lifetime in hours (CAIRN_SESSION_HOURS).
# session_hours = 336

# Where attachment bytes live (CAIRN_BLOB_STORE): a directory shared by every node, or
# s3://bucket/prefix (with CAIRN_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY...).
# blob_store = "<home>/shared/blobs"

# Largest attachment in MiB (CAIRN_ATTACHMENT_MAX_MB); larger uploads get 413.
# attachment_max_mb = 100

# Largest Confluence export in MiB an administrator may upload to import (CAIRN_IMPORT_MAX_MB);
# larger uploads get 413. `cairn import confluence` reads files of any size.
# import_max_mb = 1024

# REST requests a minute per credential on each node (CAIRN_RATE_LIMIT_PER_MINUTE); 0 = no limit.
# Over it, clients get 429 with Retry-After.
# rate_limit_per_minute = 0

# Lifetime in seconds of the leases under which singleton jobs (journal pruning, sweeps) run on one
# node at a time (CAIRN_CLUSTER_LEASE_SECONDS). A job whose node dies moves after at most this long.
# cluster_lease_seconds = 15

# Seconds without a heartbeat after which a node counts as dead (CAIRN_CLUSTER_DEAD_AFTER_SECONDS).
# cluster_dead_after_seconds = 10


# Where each node keeps its search index (CAIRN_SEARCH_INDEX_DIR): a local directory, never one shared
# between nodes. Unset: a temporary directory, restored from the newest snapshot (or rebuilt) at start.
# search_index_dir = "/var/lib/cairn/index"

# Minutes between search index snapshots in the blob store (CAIRN_SEARCH_SNAPSHOT_MINUTES); new nodes
# start from the newest. Keep it well under the 10 minutes the cluster journal is kept.
# search_snapshot_minutes = 5
# Longest time in seconds a stopping node (SIGTERM, Ctrl-C) keeps serving while it reports not
# ready and waits for its requests in flight to finish (CAIRN_DRAIN_TIMEOUT_SECONDS).
# drain_timeout_seconds = 30

# First administrator, created at start when there are no users (CAIRN_ADMIN_USER, CAIRN_ADMIN_PASSWORD).
# admin_user = "admin"
# admin_password = "change me"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn env_from(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn defaults_apply_without_file_environment_or_flags() {
        let home = tempfile::tempdir().expect("temp dir");
        let settings =
            load(home.path(), &env_from(&[]), &FlagValues::default()).expect("defaults load");
        assert_eq!(settings.listen, SocketAddr::from(([127, 0, 0, 1], 8090)));
        assert_eq!(settings.database_url, None);
        assert!(settings.effective_database_url().starts_with("sqlite://"));
        assert!(
            settings
                .effective_database_url()
                .ends_with("cairn.db?mode=rwc")
        );
    }

    #[test]
    fn file_then_environment_then_flags_win() {
        let home = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            home.path().join(CONFIG_FILE),
            "listen = \"127.0.0.1:9001\"\nlog = \"debug\"\ndatabase_pool_size = 4\n",
        )
        .expect("write config");
        let from_file =
            load(home.path(), &env_from(&[]), &FlagValues::default()).expect("file loads");
        assert_eq!(from_file.listen.port(), 9001);
        assert_eq!(from_file.log, "debug");
        assert_eq!(from_file.database_pool_size, 4);

        let environment = env_from(&[("CAIRN_LISTEN", "127.0.0.1:9002")]);
        let from_env = load(home.path(), &environment, &FlagValues::default()).expect("env loads");
        assert_eq!(from_env.listen.port(), 9002);
        assert_eq!(from_env.log, "debug");

        let flags = FlagValues {
            listen: Some("127.0.0.1:9003".into()),
            ..FlagValues::default()
        };
        let from_flag = load(home.path(), &environment, &flags).expect("flags load");
        assert_eq!(from_flag.listen.port(), 9003);
    }

    #[test]
    fn bad_values_name_their_key_and_source() {
        let home = tempfile::tempdir().expect("temp dir");
        let environment = env_from(&[("CAIRN_LISTEN", "not-an-address")]);
        let error =
            load(home.path(), &environment, &FlagValues::default()).expect_err("bad listen fails");
        let message = error.to_string();
        assert!(message.contains("listen"), "{message}");
        assert!(message.contains("CAIRN_LISTEN"), "{message}");
        assert!(message.contains("not-an-address"), "{message}");

        let environment = env_from(&[("CAIRN_DATABASE_URL", "oracle://db")]);
        let error =
            load(home.path(), &environment, &FlagValues::default()).expect_err("bad url fails");
        assert!(error.to_string().contains("database_url"));

        std::fs::write(home.path().join(CONFIG_FILE), "database_pool_size = 0\n")
            .expect("write config");
        let error =
            load(home.path(), &env_from(&[]), &FlagValues::default()).expect_err("bad pool fails");
        assert!(error.to_string().contains("cairn.toml"), "{error}");

        std::fs::write(home.path().join(CONFIG_FILE), "lisen = \"x\"\n").expect("write config");
        let error =
            load(home.path(), &env_from(&[]), &FlagValues::default()).expect_err("typo fails");
        assert!(matches!(error, ConfigError::UnknownKey { .. }), "{error}");
    }

    #[test]
    fn the_search_index_cannot_be_turned_off() {
        let home = tempfile::tempdir().expect("temp dir");
        let on = env_from(&[("CAIRN_SEARCH_INDEX", "on")]);
        assert!(load(home.path(), &on, &FlagValues::default()).is_ok());
        let off = env_from(&[("CAIRN_SEARCH_INDEX", "off")]);
        let message = load(home.path(), &off, &FlagValues::default())
            .expect_err("off is refused")
            .to_string();
        assert!(message.contains("no longer supported"), "{message}");
    }

    #[test]
    fn base_url_must_be_a_site_root() {
        assert_eq!(
            parse_base_url("https://wiki.example.com/").ok(),
            Some(Some("https://wiki.example.com".into()))
        );
        assert!(parse_base_url("https://wiki.example.com/confluence").is_err());
        assert!(parse_base_url("wiki.example.com").is_err());
    }
}
