//! Read-only collectors of the IdP side (`scim-doctor collect okta|entra`): they read the
//! application's configuration, its users and groups and its logs from the Okta management
//! API or Microsoft Graph, and write each artifact into a folder in the exact JSON shape the
//! API returns (pages joined), which `idpconfig`, `logs` and `scope` already read, plus a
//! `manifest.json` saying what was read from where, and what could not be read and why.
//!
//! Every request is a GET, except the OAuth token request of the Entra collector. Requests
//! are bounded by a count and a time budget; throttling (429, and 503 for Graph) is waited
//! out as the server asks. Nothing here prints: progress goes to a callback.

pub mod entra;
pub mod folder;
pub mod graph_token;
pub mod graph_users;
pub mod okta;
mod query;
pub use query::{closest, distance, enc, parse_since, zulu};

use crate::secret;
use crate::source::http::{AuthMode, HttpClient, Response};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How far a collection may go.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_requests: usize,
    pub time_budget: Duration,
    /// The longest single wait for a throttled request.
    pub max_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_requests: 5000,
            time_budget: Duration::from_secs(900),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Why a request did not give a usable answer.
#[derive(Debug, Clone)]
pub enum GetError {
    /// --max-requests or the time budget is used up.
    Budget(String),
    /// No HTTP response (DNS, refused, TLS, timeout).
    Transport(String),
    /// An HTTP error status, with the vendor's error code and message when the body has them.
    Status {
        status: u16,
        code: Option<String>,
        message: String,
    },
}

impl GetError {
    pub fn describe(&self) -> String {
        match self {
            GetError::Budget(m) | GetError::Transport(m) => m.clone(),
            GetError::Status {
                status,
                code,
                message,
            } => match code {
                Some(c) => format!("HTTP {status} {c}: {message}"),
                None => format!("HTTP {status}: {message}"),
            },
        }
    }
    pub fn status(&self) -> Option<u16> {
        match self {
            GetError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
    pub fn code(&self) -> Option<&str> {
        match self {
            GetError::Status { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Which vendor's throttling headers and error bodies to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Okta,
    Graph,
}

/// One collection's HTTP side: the client, the budget, the count of requests.
pub struct Session<'a> {
    pub client: HttpClient,
    pub vendor: Vendor,
    pub limits: Limits,
    started: Instant,
    pub requests: usize,
    progress: &'a (dyn Fn(&str) + Send + Sync),
    /// Okta: X-Rate-Limit-Remaining reached 0; wait until this instant before the next call.
    pause_until: Option<Instant>,
}

impl<'a> Session<'a> {
    pub fn new(
        client: HttpClient,
        vendor: Vendor,
        limits: Limits,
        progress: &'a (dyn Fn(&str) + Send + Sync),
    ) -> Self {
        Session {
            client,
            vendor,
            limits,
            started: Instant::now(),
            requests: 0,
            progress,
            pause_until: None,
        }
    }

    pub fn progress(&self, msg: &str) {
        (self.progress)(&secret::scrub(msg));
    }

    /// The absolute URL of `path` (which may carry a query string) on the API's base.
    pub fn url(&self, path: &str) -> String {
        self.client.endpoint.url(path)
    }

    fn check_budget(&self) -> Result<(), GetError> {
        if self.requests >= self.limits.max_requests {
            return Err(GetError::Budget(format!(
                "stopped: --max-requests {} reached",
                self.limits.max_requests
            )));
        }
        if self.started.elapsed() >= self.limits.time_budget {
            return Err(GetError::Budget(format!(
                "stopped: the time budget of {} s is used up (--time-budget)",
                self.limits.time_budget.as_secs()
            )));
        }
        Ok(())
    }

    async fn wait(&self, d: Duration, why: &str) -> Result<(), GetError> {
        let left = self
            .limits
            .time_budget
            .saturating_sub(self.started.elapsed());
        if d > left {
            return Err(GetError::Budget(format!(
                "stopped: {why}, and waiting {} s would pass the time budget of {} s",
                d.as_secs(),
                self.limits.time_budget.as_secs()
            )));
        }
        if !d.is_zero() {
            self.progress(&format!("{why}: waiting {} s", d.as_secs_f64().ceil()));
            tokio::time::sleep(d).await;
        }
        Ok(())
    }

    /// GET an absolute URL on the API's origin; throttling is waited out (a few times at
    /// most); any other status is returned as it is.
    pub async fn get(&mut self, url: &str) -> Result<Response, GetError> {
        if !same_origin(url, self.client.endpoint.base_url.as_str()) {
            return Err(GetError::Transport(format!(
                "refused to follow {} : not on the API's origin {} (the credentials are sent only there)",
                secret::scrub(url),
                self.client.endpoint.base_url
            )));
        }
        let mut attempt = 0;
        loop {
            if let Some(t) = self.pause_until.take() {
                let d = t.saturating_duration_since(Instant::now());
                self.wait(
                    d,
                    "the rate limit's remaining count is 0 (X-Rate-Limit-Remaining)",
                )
                .await?;
            }
            self.check_budget()?;
            self.requests += 1;
            let resp = self
                .client
                .get_url(url, AuthMode::Configured)
                .await
                .map_err(|e| GetError::Transport(secret::scrub(&e.to_string())))?;
            if self.vendor == Vendor::Okta {
                if let Some(0) = resp
                    .header("x-rate-limit-remaining")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                {
                    self.pause_until = Some(Instant::now() + self.reset_wait(&resp));
                }
            }
            let throttled = resp.status == 429
                || (self.vendor == Vendor::Graph && matches!(resp.status, 503 | 504));
            if !throttled {
                return Ok(resp);
            }
            attempt += 1;
            if attempt > 5 {
                return Err(self.error(&resp));
            }
            let d = self.throttle_wait(&resp);
            let why = format!("throttled (HTTP {})", resp.status);
            self.pause_until = None;
            self.wait(d, &why).await?;
        }
    }

    /// Retry-After (seconds), or Okta's X-Rate-Limit-Reset (epoch seconds), capped.
    fn throttle_wait(&self, resp: &Response) -> Duration {
        if let Some(s) = resp
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Duration::from_secs(s).min(self.limits.max_wait);
        }
        if resp.header("x-rate-limit-reset").is_some() {
            return self.reset_wait(resp);
        }
        Duration::from_secs(2).min(self.limits.max_wait)
    }

    fn reset_wait(&self, resp: &Response) -> Duration {
        let reset = resp
            .header("x-rate-limit-reset")
            .and_then(|v| v.trim().parse::<i64>().ok());
        let now = crate::util::now().unix_timestamp();
        match reset {
            // At least one second: the reset is a whole second, and "now" may be late.
            Some(r) => {
                Duration::from_secs((r - now).clamp(1, i64::MAX) as u64).min(self.limits.max_wait)
            }
            None => Duration::from_secs(1),
        }
    }

    /// The error of a non-2xx response, read from the vendor's error body.
    pub fn error(&self, resp: &Response) -> GetError {
        let body = resp.json().unwrap_or(Value::Null);
        let (code, message) = match self.vendor {
            Vendor::Okta => (
                body.get("errorCode")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                body.get("errorSummary")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            Vendor::Graph => {
                let e = body.get("error");
                (
                    e.and_then(|e| e.get("code"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    e.and_then(|e| e.get("message"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
            }
        };
        GetError::Status {
            status: resp.status,
            code,
            message: secret::scrub(&crate::util::quote(
                &message.unwrap_or_else(|| resp.text_excerpt(200)),
                300,
            )),
        }
    }
}

/// True when `url` has the scheme, host and port of `base`.
pub fn same_origin(url: &str, base: &str) -> bool {
    match (url::Url::parse(url), url::Url::parse(base)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

/// What a file of the collected folder is for: the role decides which flag it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Read as `--idp-config`.
    IdpConfig,
    /// Read as `--idp-users`.
    IdpUsers,
    /// Read as `--provisioning-logs`.
    ProvisioningLogs,
    /// Kept for the person reading the folder (the app, its features, assignments); no
    /// check reads it.
    Context,
}

#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub file: String,
    pub what: String,
    pub role: Role,
    /// The request, path and query, on `source`.
    pub request: String,
    pub items: usize,
    pub pages: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotReadable {
    pub what: String,
    pub request: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    pub reason: String,
}

/// `manifest.json`: what was read, from where, when, and what was not.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub tool: String,
    pub idp: String,
    pub source: String,
    pub app: Value,
    pub collected_at: String,
    pub window: Window,
    pub requests: usize,
    pub artifacts: Vec<Artifact>,
    pub not_readable: Vec<NotReadable>,
    pub notes: Vec<String>,
}

impl Manifest {
    /// A manifest with nothing read yet: the IdP, the API's origin (as the session reaches
    /// it), the app and the window.
    pub fn start(
        idp: &str,
        s: &Session<'_>,
        app: Value,
        since: time::OffsetDateTime,
        until: time::OffsetDateTime,
    ) -> Manifest {
        Manifest {
            tool: crate::source::http::TOOL_USER_AGENT.into(),
            idp: idp.into(),
            source: s
                .client
                .endpoint
                .base_url
                .as_str()
                .trim_end_matches('/')
                .into(),
            app,
            collected_at: crate::util::now_rfc3339(),
            window: Window {
                since: zulu(since),
                until: zulu(until),
            },
            requests: 0,
            artifacts: Vec::new(),
            not_readable: Vec::new(),
            notes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub since: String,
    pub until: String,
}

/// The folder being written, and its manifest.
pub struct Folder {
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl Folder {
    /// Creates `dir` (which must be missing or empty: a stale file would be read as part of
    /// the collection).
    pub fn create(dir: &Path, manifest: Manifest) -> Result<Self, String> {
        if dir.exists() {
            let mut entries =
                std::fs::read_dir(dir).map_err(|e| format!("--out {}: {e}", dir.display()))?;
            if entries.next().is_some() {
                return Err(format!(
                    "--out {} is not empty: give a new or empty folder (a leftover file would be read as part of the collection)",
                    dir.display()
                ));
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create --out {}: {e}", dir.display()))?;
        Ok(Folder {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// Writes one artifact (pretty JSON) and records it in the manifest.
    pub fn write(
        &mut self,
        file: &str,
        what: &str,
        role: Role,
        request: &str,
        value: &Value,
        pages: usize,
    ) -> Result<(), String> {
        let items = match value {
            Value::Array(a) => a.len(),
            Value::Object(o) => o.get("value").and_then(Value::as_array).map_or(1, Vec::len),
            _ => 0,
        };
        let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
        let path = self.dir.join(file);
        crate::util::write_output(&path, (text + "\n").as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        self.manifest.artifacts.push(Artifact {
            file: file.into(),
            what: what.into(),
            role,
            request: request_of(request),
            items,
            pages,
        });
        Ok(())
    }

    pub fn not_readable(&mut self, what: &str, request: &str, e: &GetError, reason: String) {
        self.manifest.not_readable.push(NotReadable {
            what: what.into(),
            request: request_of(request),
            status: e.status(),
            error_code: e.code().map(str::to_string),
            reason,
        });
    }

    pub fn finish(&mut self, requests: usize) -> Result<PathBuf, String> {
        self.manifest.requests = requests;
        let text = serde_json::to_string_pretty(&self.manifest).map_err(|e| e.to_string())?;
        let path = self.dir.join("manifest.json");
        crate::util::write_output(&path, (secret::scrub(&text) + "\n").as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(path)
    }
}

/// Path and query of a URL, for the manifest (the origin is the manifest's `source`).
fn request_of(url: &str) -> String {
    let s = match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{}", u.path(), q),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    };
    secret::scrub(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves an artifact and the manifest are never written through a symbolic link
    /// planted in the folder after it was found empty (exit 2 with the error; the link's
    /// target untouched).
    #[cfg(unix)]
    #[test]
    fn files_are_never_written_through_a_planted_link() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim.txt");
        std::fs::write(&victim, b"precious").unwrap();
        let dir = tmp.path().join("out");
        let manifest = Manifest {
            tool: "t".into(),
            idp: "okta".into(),
            source: "s".into(),
            app: Value::Null,
            collected_at: "now".into(),
            window: Window {
                since: "a".into(),
                until: "b".into(),
            },
            requests: 0,
            artifacts: Vec::new(),
            not_readable: Vec::new(),
            notes: Vec::new(),
        };
        let mut folder = Folder::create(&dir, manifest).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("app.json")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("manifest.json")).unwrap();
        let e = folder
            .write("app.json", "app", Role::Context, "/x", &Value::Null, 1)
            .unwrap_err();
        assert!(e.contains("symbolic links"), "{e}");
        assert!(folder.finish(0).is_err());
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn since_accepts_days_hours_weeks_and_rfc3339() {
        let now = time::macros::datetime!(2026-03-31 12:00 UTC);
        assert_eq!(
            zulu(parse_since("30d", now).unwrap()),
            "2026-03-01T12:00:00Z"
        );
        assert_eq!(
            zulu(parse_since("12h", now).unwrap()),
            "2026-03-31T00:00:00Z"
        );
        assert_eq!(
            zulu(parse_since("1w", now).unwrap()),
            "2026-03-24T12:00:00Z"
        );
        assert_eq!(
            zulu(parse_since("2026-03-30T00:00:00Z", now).unwrap()),
            "2026-03-30T00:00:00Z"
        );
        assert!(parse_since("0d", now).is_err());
        assert!(parse_since("ninety", now).is_err());
        assert!(parse_since("2027-01-01T00:00:00Z", now).is_err());
    }

    #[test]
    fn enc_writes_spaces_as_percent_20_and_keeps_plus_signs() {
        assert_eq!(enc("target.id eq \"0oa1\""), "target.id%20eq%20%220oa1%22");
        assert_eq!(enc("a+b c"), "a%2Bb%20c");
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        assert!(same_origin(
            "https://org.okta.com/api/v1/apps?after=x",
            "https://org.okta.com"
        ));
        assert!(!same_origin(
            "https://evil.test/api",
            "https://org.okta.com"
        ));
        assert!(!same_origin(
            "http://org.okta.com/api",
            "https://org.okta.com"
        ));
        assert!(!same_origin("http://127.0.0.1:9/x", "http://127.0.0.1:8/"));
    }

    #[test]
    fn closest_names_rank_typos_first() {
        let names: Vec<String> = ["Salesforce", "Slack", "Zoom SCIM", "Workday"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest("Salesfroce", &names, 1), vec!["Salesforce"]);
        assert_eq!(closest("zoom", &names, 1), vec!["Zoom SCIM"]);
    }
}
