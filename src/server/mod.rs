//! The embedded read-only SCIM 2.0 server: serves a `Tenant` on 127.0.0.1 (random port by
//! default) for `serve`, `demo` and the integration tests, with fault injection so tests can
//! reproduce what broken targets do. It never accepts writes (every non-GET request is
//! counted and answered 405) unless `ServerConfig::writable` switches on `write`.
//!
//! - `scim`: endpoints, filters, paging (pure: request in, `Reply` out)
//! - `http`: the request pipeline (auth, faults, logging) and the body-level faults
//! - `faults`: the fault knobs; `discovery`: generated discovery documents
//! - `net`: listening, TLS and shutdown; `test_server`: the sync wrapper for tests

mod discovery;
pub mod faults;
pub mod filter;
mod guard;
mod http;
mod net;
mod scim;
mod test_server;
pub mod write;

pub use faults::{
    ConformanceFaults, Drip, ErrorBodies, EveryNth, Faults, PagingFaults, RateLimit, Redirect,
    RetryAfter,
};
pub use net::{start, RunningServer};
pub use test_server::TestServer;
pub use write::{Quirks, QUIRKS};

use crate::model::Tenant;
use crate::secret::SecretString;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The base path every SCIM endpoint lives under.
pub const BASE_PATH: &str = "/scim/v2";
/// Page size when the client sends no `count`.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// A certificate chain and private key, both PEM, to serve HTTPS with.
#[derive(Clone)]
pub struct TlsPem {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsPem { key: (redacted) }")
    }
}

/// How the server behaves. Without `token` and `basic` it accepts every request.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// Accept `Authorization: Bearer <token>`.
    pub token: Option<SecretString>,
    /// Accept `Authorization: Basic` with this user name and password.
    pub basic: Option<(String, SecretString)>,
    /// Silent cap: never return more than this many resources per page, whatever `count` says.
    pub max_page_size: Option<usize>,
    /// Page size without `count` (0 means `DEFAULT_PAGE_SIZE`).
    pub default_page_size: usize,
    /// Offer RFC 9865 cursor paging (and advertise it in ServiceProviderConfig).
    pub cursor: bool,
    /// Answer the discovery endpoints without authentication.
    pub open_discovery: bool,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub faults: Faults,
    /// Serve HTTPS with this certificate instead of plain HTTP.
    pub tls: Option<TlsPem>,
    /// Accept writes to /Users and /Groups (`write.rs`), with these quirks. Off: read-only.
    pub writable: Option<Quirks>,
    /// Refuse other Host names (DNS rebinding) and cross-site writes (`guard.rs`): on for
    /// `scim-doctor serve`, which a browser on the same machine can reach.
    pub local_only: bool,
}

impl ServerConfig {
    pub fn page_size(&self) -> usize {
        if self.default_page_size == 0 {
            DEFAULT_PAGE_SIZE
        } else {
            self.default_page_size
        }
    }

    /// A config that requires this bearer token.
    pub fn with_token(token: &str) -> Self {
        ServerConfig {
            token: Some(SecretString::new(token)),
            ..Default::default()
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query as sent (`/scim/v2/Users?startIndex=1&count=100`).
    pub path: String,
    /// The status answered (0 when the connection was dropped on purpose before a status).
    pub status: u16,
}

/// Requests kept in the log; later ones are still counted (long benchmark runs would
/// otherwise grow the log without bound).
pub const REQUEST_LOG_LIMIT: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub methods: BTreeMap<String, u64>,
    pub total: usize,
    pub log: Vec<LoggedRequest>,
}

/// State shared by every connection.
pub(crate) struct Shared {
    pub tenant: Tenant,
    pub user_index: HashMap<String, usize>,
    pub group_index: HashMap<String, usize>,
    /// Lowercased userName -> users, and externalId -> users: filters on these (what the
    /// IdPs send) are answered without scanning, like a real server with an index would.
    pub user_name_index: HashMap<String, Vec<usize>>,
    pub external_id_index: HashMap<String, Vec<usize>>,
    pub config: ServerConfig,
    /// `http(s)://127.0.0.1:PORT/scim/v2`, for `meta.location` values.
    pub base_path: String,
    pub stats: Mutex<Stats>,
    /// List requests answered so far (drives the `unstable_order` fault).
    pub list_requests: std::sync::atomic::AtomicU64,
    /// The writable store (only with `ServerConfig::writable`).
    pub store: Option<Mutex<write::Store>>,
}

impl Shared {
    pub(crate) fn new(tenant: Tenant, config: ServerConfig, base_url: String) -> Self {
        let user_index = tenant
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        let mut user_name_index: HashMap<String, Vec<usize>> = HashMap::new();
        let mut external_id_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, u) in tenant.users.iter().enumerate() {
            if let Some(n) = &u.user_name {
                user_name_index.entry(n.to_lowercase()).or_default().push(i);
            }
            if let Some(e) = &u.external_id {
                external_id_index.entry(e.clone()).or_default().push(i);
            }
        }
        let group_index = tenant
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.clone(), i))
            .collect();
        let store = config
            .writable
            .as_ref()
            .map(|_| Mutex::new(write::Store::seeded(&tenant)));
        Shared {
            store,
            tenant,
            user_index,
            group_index,
            user_name_index,
            external_id_index,
            config,
            base_path: base_url,
            stats: Mutex::new(Stats::default()),
            list_requests: Default::default(),
        }
    }

    pub(crate) fn record(&self, method: &str, path: &str, status: u16) {
        if let Ok(mut s) = self.stats.lock() {
            *s.methods.entry(method.to_string()).or_insert(0) += 1;
            s.total += 1;
            if s.log.len() >= REQUEST_LOG_LIMIT {
                return;
            }
            s.log.push(LoggedRequest {
                method: method.to_string(),
                path: crate::secret::scrub(path),
                status,
            });
        }
    }

    pub(crate) fn method_counts(&self) -> BTreeMap<String, u64> {
        self.stats
            .lock()
            .map(|s| s.methods.clone())
            .unwrap_or_default()
    }

    /// Requests with a method other than GET: a read-only client must leave this at 0.
    pub(crate) fn non_get_count(&self) -> u64 {
        self.method_counts()
            .iter()
            .filter(|(m, _)| m.as_str() != "GET")
            .map(|(_, n)| n)
            .sum()
    }

    pub(crate) fn request_count(&self) -> usize {
        self.stats.lock().map(|s| s.total).unwrap_or(0)
    }

    pub(crate) fn requests(&self) -> Vec<LoggedRequest> {
        self.stats.lock().map(|s| s.log.clone()).unwrap_or_default()
    }
}

/// What both server handles (`RunningServer`, `TestServer`) expose: where the server listens
/// and what it has seen.
pub struct ServerView {
    addr: std::net::SocketAddr,
    base_url: String,
    shared: std::sync::Arc<Shared>,
}

impl ServerView {
    /// `http://127.0.0.1:PORT/scim/v2` (https with TLS).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Requests per HTTP method (every request, including refused ones).
    pub fn method_counts(&self) -> BTreeMap<String, u64> {
        self.shared.method_counts()
    }

    /// Requests with a method other than GET: a read-only client must leave this at 0.
    pub fn non_get_count(&self) -> u64 {
        self.shared.non_get_count()
    }

    /// Every request in arrival order (the first `REQUEST_LOG_LIMIT` of them).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.requests()
    }

    /// How many requests arrived, logged or not.
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }
}
