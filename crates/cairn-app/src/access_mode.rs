//! Read-only mode (Confluence's access mode): while it is on, every write is refused with a
//! message and reading goes on, on every node, for upgrades, migrations and incidents. Site
//! administrators turn it on and off (the administration screen, REST, `cairn admin read-only`);
//! the mode is a site setting in the database, and each node keeps it in memory, dropped when the
//! journal says settings changed and re-read at most a few seconds later in any case.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use cairn_store::Store;

use crate::clock::now_ms;
use crate::error::Error;
use crate::{Caller, Node};

/// The site setting that holds the mode.
pub const SETTING: &str = "access_mode";

/// How long a node trusts the mode it read, when no journal entry said it changed.
const TRUST_MS: i64 = 5_000;

/// Whether the site takes writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessMode {
    ReadWrite,
    ReadOnly,
}

impl AccessMode {
    /// Confluence's names, as `GET /rest/api/accessmode` answers them.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::ReadWrite => "READ_WRITE",
            AccessMode::ReadOnly => "READ_ONLY",
        }
    }

    pub fn parse(text: &str) -> Option<AccessMode> {
        match text.trim().to_ascii_uppercase().as_str() {
            "READ_WRITE" => Some(AccessMode::ReadWrite),
            "READ_ONLY" => Some(AccessMode::ReadOnly),
            _ => None,
        }
    }
}

/// A node's memory of the mode. Plain atomics: a stale read for a moment is harmless (the journal
/// and the trust period bound it), and no lock is held across the database read.
#[derive(Debug, Default)]
pub struct AccessModeCache {
    read_only: AtomicBool,
    /// When the mode was read (epoch ms); 0: never, or forgotten.
    read_at_ms: AtomicI64,
}

impl AccessModeCache {
    /// Forgets the mode, so the next request reads it again (the journal said settings changed).
    pub fn forget(&self) {
        self.read_at_ms.store(0, Ordering::Release);
    }

    fn remember(&self, mode: AccessMode) {
        self.read_only
            .store(mode == AccessMode::ReadOnly, Ordering::Release);
        self.read_at_ms.store(now_ms(), Ordering::Release);
    }

    fn cached(&self) -> AccessMode {
        if self.read_only.load(Ordering::Acquire) {
            AccessMode::ReadOnly
        } else {
            AccessMode::ReadWrite
        }
    }
}

async fn read(store: &Store) -> Result<AccessMode, Error> {
    Ok(store
        .site_setting(SETTING)
        .await?
        .and_then(|value| AccessMode::parse(&value))
        .unwrap_or(AccessMode::ReadWrite))
}

/// The site's mode as this node knows it. When the database cannot be read, the last mode read
/// stands (a node without its database refuses writes anyway).
pub async fn current(node: &Node) -> AccessMode {
    let cache = &node.access_mode;
    let read_at = cache.read_at_ms.load(Ordering::Acquire);
    if read_at > 0 && now_ms() - read_at < TRUST_MS {
        return cache.cached();
    }
    match read(&node.store).await {
        Ok(mode) => {
            cache.remember(mode);
            mode
        }
        Err(_) => cache.cached(),
    }
}

/// Sets the mode (site administrators); answers the mode now in force.
pub async fn set(node: &Node, caller: &Caller, mode: AccessMode) -> Result<AccessMode, Error> {
    crate::access::require_site_administrator(caller, "change the access mode")?;
    let old = read(&node.store).await?;
    set_unattended(&node.store, mode).await?;
    node.access_mode.remember(mode);
    tracing::warn!(mode = mode.as_str(), user = %caller.user.username, "access mode changed");
    crate::audit::record(
        node,
        caller,
        crate::audit::Event::new(
            crate::audit::category::GLOBAL_CONFIGURATION,
            "Access mode set",
            crate::audit::object::SETTING,
            "Access mode",
        )
        .changed("access mode", old.as_str(), mode.as_str()),
    )
    .await;
    Ok(mode)
}

/// Sets the mode without a signed-in request (`cairn admin read-only`).
pub async fn set_unattended(store: &Store, mode: AccessMode) -> Result<(), Error> {
    store
        .set_site_setting(SETTING, mode.as_str(), now_ms())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_confluence_names_them() {
        assert_eq!(AccessMode::parse("READ_ONLY"), Some(AccessMode::ReadOnly));
        assert_eq!(
            AccessMode::parse(" read_write "),
            Some(AccessMode::ReadWrite)
        );
        assert_eq!(AccessMode::parse("maintenance"), None);
        assert_eq!(AccessMode::ReadOnly.as_str(), "READ_ONLY");
    }

    #[test]
    fn a_forgotten_mode_is_read_again() {
        let cache = AccessModeCache::default();
        cache.remember(AccessMode::ReadOnly);
        assert_eq!(cache.cached(), AccessMode::ReadOnly);
        assert!(cache.read_at_ms.load(Ordering::Acquire) > 0);
        cache.forget();
        assert_eq!(cache.read_at_ms.load(Ordering::Acquire), 0);
    }
}
