//! Cairn's application layer: what a node is and does, whatever asks it.
//!
//! - [`Node`]: the state every request and background task shares (store, blobs, caches, the
//!   node's place in the cluster, its search index), built once per process.
//! - The node runtime: [`cluster`] (heartbeat, journal tailer, leases and singleton jobs),
//!   [`search`] (the per-node index, its indexer and snapshots), [`cache`] (per-node caches the
//!   journal invalidates), [`maintenance`] (sweeps).
//! - [`access`]: permission checks (what the caller may not see is not found; what they may see
//!   but not change is forbidden), gathering the inputs of `cairn-core`'s decisions.
//! - [`credentials`]: password and secret hashing, and the throttled password check
//!   ([`throttle`]).
//! - The use cases, each a function of a caller and a typed command that runs in one store
//!   transaction with its journal entries: [`page`] (creating and saving a page), [`movement`]
//!   (moving a page), [`copy`] (copying a page with what it carries), [`lifecycle`] (trashing, purging, removing comments and versions),
//!   [`trash`] (a space's trash), [`restriction`] (replacing a page's restrictions),
//!   [`attachment`] (recording uploaded files, owning the blob key scheme), [`comment`],
//!   [`label`], [`property`], [`space`], [`space_permission`], [`group`] (groups and their
//!   members), [`token`] (personal access tokens), [`watch`].
//! - [`Error`] with its stable [`ErrorCode`]: what a use case answers when it cannot do what was
//!   asked.
//!
//! Must not: know HTTP (requests, statuses, headers, cookies are `cairn-web`'s), hold SQL (that is
//! `cairn-store`), or decide access itself: decisions are pure functions in `cairn-core`; this
//! crate gathers their inputs and applies their answers.

pub mod access;
pub mod access_mode;
pub mod account;
pub mod attachment;
pub mod audit;
pub mod backup;
pub mod cache;
pub mod clock;
pub mod cluster;
pub mod comment;
pub mod configuration;
pub mod confluence_import;
pub mod copy;
pub mod credentials;
pub mod draft;
pub mod error;
pub mod example;
pub mod global_permission;
pub mod group;
pub mod label;
pub mod lifecycle;
pub mod load;
pub mod maintenance;
pub mod movement;
pub mod page;
pub mod property;
pub mod restriction;
pub mod search;
pub mod space;
pub mod space_export;
pub mod space_pages;
pub mod space_pdf;
pub mod space_permission;
pub mod space_site;
pub mod throttle;
pub mod token;
pub mod trash;
pub mod users;
pub mod watch;

use std::sync::Arc;
use std::time::Duration;

use cairn_store::Store;

pub use error::{Error, ErrorCode, FailureKind};

/// Who asks for a use case: a signed-in user (the web layer found out who, and how).
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: cairn_core::User,
    /// Whether the user is a site administrator (member of confluence-administrators).
    pub site_administrator: bool,
    /// Whether the request was signed with a personal access token rather than a password or a
    /// session: a token may not mint more tokens.
    pub signed_in_with_token: bool,
    /// The client address the request came from, for the audit log (`None` off the network).
    pub address: Option<String>,
}

/// Settings of a node that are not about HTTP.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// How long a login session lasts.
    pub session_ttl: Duration,
    /// Largest attachment file accepted.
    pub attachment_max_bytes: u64,
    /// Largest Confluence export an administrator may upload to import.
    pub import_max_bytes: u64,
    /// The node's import folder (`<home>/import`): Confluence exports put there on the node's
    /// host can be imported from the browser without an upload. `None`: no folder.
    pub import_directory: Option<std::path::PathBuf>,
    /// Heartbeat, journal and lease timing.
    pub cluster: cluster::ClusterSettings,
    /// The search index: on or off, where, how often snapshots are written.
    pub search: search::SearchSettings,
}

impl Default for NodeSettings {
    fn default() -> Self {
        NodeSettings {
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            attachment_max_bytes: 100 * 1024 * 1024,
            import_max_bytes: 1024 * 1024 * 1024,
            import_directory: None,
            cluster: cluster::ClusterSettings::default(),
            search: search::SearchSettings::default(),
        }
    }
}

/// What a node's requests and background tasks share. Cheap to clone: every field is shared.
#[derive(Clone)]
pub struct Node {
    pub store: Store,
    /// Attachment bytes and index snapshots (a shared directory or S3).
    pub blobs: cairn_blob::BlobStore,
    pub settings: Arc<NodeSettings>,
    /// Per-node cache of verified Basic credentials (argon2 is deliberately slow); the journal
    /// drops a user's entries when their password or status changes anywhere.
    pub credential_cache: Arc<credentials::CredentialCache>,
    /// Per-node counts of failed sign-ins and the password hashing queue.
    pub login_throttle: Arc<throttle::LoginThrottle>,
    /// Per-node cache of session and token lookups, invalidated through the journal.
    pub credential_lookups: Arc<cache::CredentialLookupCache>,
    /// Per-node cache of the global permissions each user (and anonymous) holds, invalidated
    /// through the journal.
    pub global_permissions: Arc<cache::GlobalPermissionCache>,
    /// Per-node cache of rendered page versions; purges and space deletions in the journal drop
    /// their entries.
    pub rendered_pages: Arc<cache::RenderedPageCache>,
    /// This node in the cluster: identity, journal position, leases held.
    pub cluster: Arc<cluster::ClusterNode>,
    /// This node's search index and where it stands.
    pub search: Arc<search::SearchService>,
    /// Requests in flight and served, reported in the heartbeat.
    pub load: Arc<load::RequestLoad>,
    /// Whether the site is read-only, as this node last read it (the journal drops it).
    pub access_mode: Arc<access_mode::AccessModeCache>,
    /// The general configuration, as this node last read it (the journal drops it).
    pub configuration: Arc<configuration::ConfigurationCache>,
}

impl Node {
    pub fn new(store: Store, blobs: cairn_blob::BlobStore, settings: NodeSettings) -> Node {
        Node {
            cluster: Arc::new(cluster::ClusterNode::new(settings.cluster.clone())),
            search: Arc::new(search::SearchService::new(settings.search.clone())),
            credential_cache: Arc::new(credentials::CredentialCache::default()),
            login_throttle: Arc::new(throttle::LoginThrottle::default()),
            credential_lookups: Arc::new(cache::CredentialLookupCache::default()),
            global_permissions: Arc::new(cache::GlobalPermissionCache::default()),
            rendered_pages: Arc::new(cache::RenderedPageCache::default()),
            load: Arc::new(load::RequestLoad::default()),
            access_mode: Arc::new(access_mode::AccessModeCache::default()),
            configuration: Arc::new(configuration::ConfigurationCache::default()),
            store,
            blobs,
            settings: Arc::new(settings),
        }
    }
}
