//! Per-node caches of what authentication asks the database on every request (sessions and
//! personal access tokens with their user, and the global permissions each user holds), and of rendered page
//! versions.
//!
//! They are accelerators only (architecture invariant: losing them costs nothing). Every entry lives
//! a short time, and the journal tailer drops entries the moment another node records a change that
//! affects them (logout, token revoked, user or group changed). While the tailer is stalled the
//! caches are bypassed, so a node never trusts entries it cannot have invalidated.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cairn_core::{GlobalPermission, User, UserId};

/// How long a cached session or token is trusted without asking the database.
const CREDENTIAL_TTL: Duration = Duration::from_secs(30);
/// How long cached global permissions are trusted.
const GLOBAL_PERMISSION_TTL: Duration = Duration::from_secs(60);
/// Most entries per cache; a full cache is emptied (entries are cheap to fetch again).
const CAPACITY: usize = 20_000;

/// Whether a cached credential is a login session or a personal access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    Session,
    Token,
}

struct CachedCredential {
    user: User,
    /// The session's or token's own expiry (epoch ms), if it has one.
    expires_ms: Option<i64>,
    cached_at: Instant,
}

/// Sessions and tokens by the hash of their secret.
#[derive(Default)]
pub struct CredentialLookupCache {
    /// Guarded by a std mutex held for one map operation, never across `.await`.
    entries: Mutex<HashMap<(CredentialKind, String), CachedCredential>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CredentialLookupCache {
    /// The user of a cached live credential.
    pub fn get(&self, kind: CredentialKind, hash: &str, now_ms: i64) -> Option<User> {
        let found = self.entries.lock().ok().and_then(|entries| {
            entries
                .get(&(kind, hash.to_string()))
                .filter(|entry| entry.cached_at.elapsed() < CREDENTIAL_TTL)
                .filter(|entry| entry.expires_ms.is_none_or(|expires| expires > now_ms))
                .map(|entry| entry.user.clone())
        });
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    pub fn put(&self, kind: CredentialKind, hash: &str, user: User, expires_ms: Option<i64>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(
                (kind, hash.to_string()),
                CachedCredential {
                    user,
                    expires_ms,
                    cached_at: Instant::now(),
                },
            );
        }
    }

    /// Drops one credential (this node's own logout).
    pub fn forget(&self, kind: CredentialKind, hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&(kind, hash.to_string()));
        }
    }

    /// Drops every credential of `user_id` (a logout or token revocation elsewhere, a user change).
    pub fn forget_user(&self, user_id: UserId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, entry| entry.user.id != user_id);
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// (hits, misses) since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// The global permissions each user holds (and, under `cairn_core::ANONYMOUS`, what anonymous
/// visitors hold), by user id.
#[derive(Default)]
pub struct GlobalPermissionCache {
    /// Guarded by a std mutex held for one map operation, never across `.await`.
    entries: Mutex<HashMap<UserId, (BTreeSet<GlobalPermission>, Instant)>>,
}

impl GlobalPermissionCache {
    pub fn get(&self, user_id: UserId) -> Option<BTreeSet<GlobalPermission>> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&user_id)
            .filter(|(_, cached_at)| cached_at.elapsed() < GLOBAL_PERMISSION_TTL)
            .map(|(held, _)| held.clone())
    }

    pub fn put(&self, user_id: UserId, held: BTreeSet<GlobalPermission>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(user_id, (held, Instant::now()));
        }
    }

    /// Grants or group memberships changed somewhere: every entry may be wrong.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64) -> User {
        User {
            id: UserId(id),
            username: format!("u{id}"),
            user_key: String::new(),
            display_name: String::new(),
            email: String::new(),
            active: true,
            created_ms: 0,
        }
    }

    #[test]
    fn credentials_are_dropped_per_user_and_on_expiry() {
        let cache = CredentialLookupCache::default();
        cache.put(CredentialKind::Session, "a", user(1), Some(1_000));
        cache.put(CredentialKind::Token, "b", user(1), None);
        cache.put(CredentialKind::Session, "c", user(2), Some(1_000));
        assert!(cache.get(CredentialKind::Session, "a", 999).is_some());
        assert!(
            cache.get(CredentialKind::Session, "a", 1_000).is_none(),
            "the session itself expired"
        );
        assert!(
            cache.get(CredentialKind::Token, "a", 0).is_none(),
            "kinds do not mix"
        );
        cache.forget_user(UserId(1));
        assert!(cache.get(CredentialKind::Token, "b", 0).is_none());
        assert!(cache.get(CredentialKind::Session, "c", 0).is_some());
        cache.forget(CredentialKind::Session, "c");
        assert!(cache.get(CredentialKind::Session, "c", 0).is_none());
    }
}

/// Content id, version number, the version's save time (epoch ms), rendering context (the space
/// key; for comments also their page's title).
type RenderKey = (i64, i32, i64, String);

/// Most bytes of rendered HTML kept; a full cache is emptied.
const RENDERED_CAPACITY_BYTES: usize = 64 * 1024 * 1024;

/// View HTML of page and blog post versions, by content id, version number, the version's save time
/// and space key (what the rendering depends on: a saved version's title and body never change, and
/// a renumbered version has another save time). A purge or a space deletion drops the entries
/// concerned from the journal, so nothing removed stays in memory.
#[derive(Default)]
pub struct RenderedPageCache {
    /// Std mutex held for one map operation, never across `.await`; the second value is the total
    /// size of the HTML held.
    entries: Mutex<(HashMap<RenderKey, std::sync::Arc<str>>, usize)>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl RenderedPageCache {
    /// The HTML of version `version` (saved at `saved_ms`) of `id` rendered in `context` (what
    /// else the rendering reads: the space key, and a comment's page title), rendering it with
    /// `render` when it is not cached.
    pub fn get_or_render(
        &self,
        id: cairn_core::ContentId,
        version: i32,
        saved_ms: i64,
        context: &str,
        render: impl FnOnce() -> String,
    ) -> std::sync::Arc<str> {
        let key = (id.0, version, saved_ms, context.to_string());
        let cached = self
            .entries
            .lock()
            .ok()
            .and_then(|entries| entries.0.get(&key).cloned());
        if let Some(html) = cached {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return html;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let html: std::sync::Arc<str> = render().into();
        if let Ok(mut entries) = self.entries.lock() {
            if entries.1 + html.len() > RENDERED_CAPACITY_BYTES {
                entries.0.clear();
                entries.1 = 0;
            }
            entries.1 += html.len();
            if let Some(replaced) = entries.0.insert(key, html.clone()) {
                entries.1 -= replaced.len();
            }
        }
        html
    }

    /// Drops every version of `id`.
    pub fn forget_content(&self, id: cairn_core::ContentId) {
        if let Ok(mut entries) = self.entries.lock() {
            let (map, size) = &mut *entries;
            map.retain(|(entry_id, _, _, _), html| {
                let keep = *entry_id != id.0;
                if !keep {
                    *size -= html.len();
                }
                keep
            });
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.0.clear();
            entries.1 = 0;
        }
    }

    /// `(hits, misses)` since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod rendered_tests {
    use super::RenderedPageCache;
    use cairn_core::ContentId;

    #[test]
    fn a_version_renders_once_and_a_purge_forgets_it() {
        let cache = RenderedPageCache::default();
        let mut renders = 0;
        for _ in 0..3 {
            let html = cache.get_or_render(ContentId(7), 2, 100, "DEV", || {
                renders += 1;
                "<p>v2</p>".to_string()
            });
            assert_eq!(&*html, "<p>v2</p>");
        }
        assert_eq!(renders, 1);
        assert_eq!(cache.counts(), (2, 1));
        let other = cache.get_or_render(ContentId(7), 3, 200, "DEV", || "<p>v3</p>".to_string());
        assert_eq!(&*other, "<p>v3</p>", "a new version is rendered anew");
        cache.forget_content(ContentId(7));
        let again = cache.get_or_render(ContentId(7), 2, 100, "DEV", || "<p>again</p>".to_string());
        assert_eq!(&*again, "<p>again</p>");
    }
}
