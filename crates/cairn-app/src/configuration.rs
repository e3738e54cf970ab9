//! General configuration (Confluence's administration screen of that name): the site's title, its
//! base URL, the time zone times are shown in, the largest attachment accepted and the REST rate
//! limit, changed by site administrators while the cluster runs.
//!
//! Each value is a site setting in the database; a value never set falls back to what the node was
//! started with (`cairn.toml`, `CAIRN_*`). Each node keeps the configuration in memory, dropped
//! when the journal says settings changed and re-read at most a few seconds later in any case.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use crate::audit::{self, Event, category, object};
use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// How long a node trusts the configuration it read, when no journal entry said it changed.
const TRUST_MS: i64 = 5_000;

const TITLE: &str = "general.site_title";
const BASE_URL: &str = "general.base_url";
const ATTACHMENT_MAX_MB: &str = "general.attachment_max_mb";
const RATE_LIMIT: &str = "general.rate_limit_per_minute";
const TIME_ZONE: &str = "general.time_zone";

/// The title a site has until an administrator names it.
pub const DEFAULT_TITLE: &str = "Cairn";
/// Longest site title.
pub const MAX_TITLE_CHARS: usize = 100;
/// Largest attachment limit that can be set: 10 GiB, in MiB.
pub const MAX_ATTACHMENT_MB: u64 = 10 * 1024;
/// Highest rate limit that can be set, per minute and credential.
pub const MAX_RATE_LIMIT: u32 = 1_000_000;

/// The configuration as set in the database; `None` where nothing was set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Configuration {
    pub site_title: Option<String>,
    /// `https://wiki.example.com`, without a trailing slash.
    pub base_url: Option<String>,
    pub attachment_max_mb: Option<u64>,
    /// REST requests a minute per credential on each node; 0 is no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// The IANA time zone times are shown to people in (`Europe/Berlin`); UTC when none.
    pub time_zone: Option<String>,
}

impl Configuration {
    /// The site's title.
    pub fn title(&self) -> &str {
        self.site_title.as_deref().unwrap_or(DEFAULT_TITLE)
    }
}

/// A node's memory of the configuration (see the module documentation).
#[derive(Debug, Default)]
pub struct ConfigurationCache {
    current: RwLock<Arc<Configuration>>,
    /// When it was read (epoch ms); 0: never, or forgotten.
    read_at_ms: AtomicI64,
}

impl ConfigurationCache {
    /// Forgets the configuration, so the next request reads it again.
    pub fn forget(&self) {
        self.read_at_ms.store(0, Ordering::Release);
    }

    fn remember(&self, configuration: Configuration) -> Arc<Configuration> {
        let shared = Arc::new(configuration);
        if let Ok(mut current) = self.current.write() {
            *current = shared.clone();
        }
        self.read_at_ms.store(now_ms(), Ordering::Release);
        shared
    }

    fn cached(&self) -> Arc<Configuration> {
        self.current
            .read()
            .map(|current| current.clone())
            .unwrap_or_default()
    }
}

async fn read(node: &Node) -> Result<Configuration, Error> {
    let store = &node.store;
    Ok(Configuration {
        site_title: store
            .site_setting(TITLE)
            .await?
            .filter(|title| !title.is_empty()),
        base_url: store
            .site_setting(BASE_URL)
            .await?
            .filter(|url| !url.is_empty()),
        attachment_max_mb: store
            .site_setting(ATTACHMENT_MAX_MB)
            .await?
            .and_then(|text| text.parse().ok()),
        rate_limit_per_minute: store
            .site_setting(RATE_LIMIT)
            .await?
            .and_then(|text| text.parse().ok()),
        time_zone: store
            .site_setting(TIME_ZONE)
            .await?
            .filter(|zone| !zone.is_empty()),
    })
}

/// The configuration in force, as this node knows it. When the database cannot be read, the last
/// configuration read stands.
pub async fn current(node: &Node) -> Arc<Configuration> {
    let cache = &node.configuration;
    let read_at = cache.read_at_ms.load(Ordering::Acquire);
    if read_at > 0 && now_ms() - read_at < TRUST_MS {
        return cache.cached();
    }
    match read(node).await {
        Ok(configuration) => cache.remember(configuration),
        Err(_) => cache.cached(),
    }
}

/// The largest attachment accepted now: the configured limit, else the node's setting.
pub async fn attachment_max_bytes(node: &Node) -> u64 {
    current(node)
        .await
        .attachment_max_mb
        .map_or(node.settings.attachment_max_bytes, |mb| mb * 1024 * 1024)
}

/// A base URL as an administrator types it: `http(s)://host[:port]`, with no path, query or
/// trailing slash (Cairn is served at the root).
pub fn normalise_base_url(text: &str) -> Result<String, Error> {
    let trimmed = text.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| Error::bad_request("the base URL must start with http:// or https://"))?;
    let valid_host = !rest.is_empty()
        && rest
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "-.:[]".contains(character));
    if !valid_host || trimmed.len() > 255 {
        return Err(Error::bad_request(
            "the base URL must be a scheme and a host, with an optional port, and no path (https://wiki.example.com)",
        ));
    }
    Ok(trimmed.to_string())
}

/// What an administrator asks to change; `None` keeps a value, an empty text clears it (back to
/// the node's setting).
#[derive(Debug, Clone, Default)]
pub struct ChangeConfiguration {
    pub site_title: Option<String>,
    pub base_url: Option<String>,
    pub attachment_max_mb: Option<String>,
    pub rate_limit_per_minute: Option<String>,
    pub time_zone: Option<String>,
}

/// Applies `change` (site administrators): every value is checked before any is stored. Answers
/// the configuration now in force.
pub async fn change(
    node: &Node,
    caller: &Caller,
    change: ChangeConfiguration,
) -> Result<Arc<Configuration>, Error> {
    crate::access::require_site_administrator(caller, "change the general configuration")?;
    let mut writes: Vec<(&str, &str, String)> = Vec::new();
    if let Some(title) = change.site_title {
        let title = title.trim().to_string();
        if title.chars().count() > MAX_TITLE_CHARS || title.chars().any(char::is_control) {
            return Err(Error::bad_request(format!(
                "the site title must be at most {MAX_TITLE_CHARS} characters on one line"
            )));
        }
        writes.push((TITLE, "site title", title));
    }
    if let Some(url) = change.base_url {
        let url = if url.trim().is_empty() {
            String::new()
        } else {
            normalise_base_url(&url)?
        };
        writes.push((BASE_URL, "base URL", url));
    }
    if let Some(limit) = change.attachment_max_mb {
        let limit = limit.trim().to_string();
        if !limit.is_empty() {
            let mb: u64 = limit.parse().map_err(|_| {
                Error::bad_request("the attachment size limit must be a whole number of MB")
            })?;
            if !(1..=MAX_ATTACHMENT_MB).contains(&mb) {
                return Err(Error::bad_request(format!(
                    "the attachment size limit must be between 1 and {MAX_ATTACHMENT_MB} MB"
                )));
            }
        }
        writes.push((ATTACHMENT_MAX_MB, "attachment size limit (MB)", limit));
    }
    if let Some(limit) = change.rate_limit_per_minute {
        let limit = limit.trim().to_string();
        if !limit.is_empty() {
            let per_minute: u32 = limit.parse().map_err(|_| {
                Error::bad_request("the rate limit must be a whole number of requests a minute")
            })?;
            if per_minute > MAX_RATE_LIMIT {
                return Err(Error::bad_request(format!(
                    "the rate limit must be at most {MAX_RATE_LIMIT} a minute (0 turns it off)"
                )));
            }
        }
        writes.push((RATE_LIMIT, "REST rate limit (per minute)", limit));
    }
    if let Some(zone) = change.time_zone {
        let zone = zone.trim().to_string();
        if !zone.is_empty() && !crate::clock::is_time_zone(&zone) {
            return Err(Error::bad_request(format!(
                "{zone} is not a time zone: use a name such as Europe/Berlin, America/New_York or UTC"
            )));
        }
        writes.push((TIME_ZONE, "time zone", zone));
    }
    let before = read(node).await?;
    let old_of = |key: &str| -> String {
        match key {
            TITLE => before.site_title.clone().unwrap_or_default(),
            BASE_URL => before.base_url.clone().unwrap_or_default(),
            ATTACHMENT_MAX_MB => before
                .attachment_max_mb
                .map(|mb| mb.to_string())
                .unwrap_or_default(),
            TIME_ZONE => before.time_zone.clone().unwrap_or_default(),
            _ => before
                .rate_limit_per_minute
                .map(|limit| limit.to_string())
                .unwrap_or_default(),
        }
    };
    let mut event = Event::new(
        category::GLOBAL_CONFIGURATION,
        "General configuration changed",
        object::SETTING,
        "General configuration",
    );
    let mut changed = false;
    for (key, name, value) in &writes {
        let old = old_of(key);
        if old == *value {
            continue;
        }
        node.store.set_site_setting(key, value, now_ms()).await?;
        event = event.changed(*name, old, value.clone());
        changed = true;
    }
    node.configuration.forget();
    if changed {
        tracing::info!(user = %caller.user.username, "general configuration changed");
        audit::record(node, caller, event).await;
    }
    Ok(current(node).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_a_scheme_and_a_host() {
        assert_eq!(
            normalise_base_url(" https://wiki.example.com/ ").expect("valid"),
            "https://wiki.example.com"
        );
        assert_eq!(
            normalise_base_url("http://10.0.0.5:8090").expect("valid"),
            "http://10.0.0.5:8090"
        );
        for refused in [
            "wiki.example.com",
            "ftp://wiki",
            "https://",
            "https://wiki.example.com/confluence",
            "https://wiki.example.com?x=1",
            "javascript:alert(1)",
        ] {
            assert!(normalise_base_url(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn an_unset_title_is_the_default() {
        assert_eq!(Configuration::default().title(), DEFAULT_TITLE);
        let named = Configuration {
            site_title: Some("Team wiki".into()),
            ..Configuration::default()
        };
        assert_eq!(named.title(), "Team wiki");
    }
}
