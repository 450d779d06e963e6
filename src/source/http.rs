//! The one HTTP client every live command uses: authentication, extra headers, TLS options,
//! a per-response size cap, and a transcript of every exchange with secrets scrubbed where
//! they are collected. Only GET is offered publicly: the tool is read-only by construction;
//! the opt-in write probe (`replay`, behind `--allow-writes`) alone uses `send_method`.

pub use super::request_log::TranscriptEntry;
use crate::findings::Exchange;
use crate::secret::{self, SecretString};
pub use crate::util::excerpt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, USER_AGENT};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

pub const TOOL_USER_AGENT: &str = concat!("scim-doctor/", env!("CARGO_PKG_VERSION"));
/// How much of each response body the transcript keeps.
pub const BODY_EXCERPT_BYTES: usize = 2048;

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Bearer(SecretString),
    Basic {
        username: String,
        password: SecretString,
    },
}

impl Auth {
    pub fn scheme(&self) -> &'static str {
        match self {
            Auth::None => "none",
            Auth::Bearer(_) => "bearer",
            Auth::Basic { .. } => "basic",
        }
    }

    fn header_value(&self) -> Option<HeaderValue> {
        let raw = match self {
            Auth::None => return None,
            Auth::Bearer(t) => format!("Bearer {}", t.expose()),
            Auth::Basic { username, password } => {
                let encoded =
                    base64_encode(format!("{}:{}", username, password.expose()).as_bytes());
                secret::register(&encoded);
                format!("Basic {encoded}")
            }
        };
        let mut v = HeaderValue::from_str(&raw).ok()?;
        v.set_sensitive(true);
        Some(v)
    }
}

/// A resolved, validated endpoint (built from `EndpointArgs` by `cli::endpoint`).
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The base URL exactly as given (the `base-url` check inspects it).
    pub raw_base_url: String,
    /// The base URL, normalised to end without a slash.
    pub base_url: Url,
    pub auth: Auth,
    /// Extra headers; values are secrets.
    pub headers: Vec<(String, SecretString)>,
    pub ca_cert_pem: Option<Vec<u8>>,
    pub insecure: bool,
    pub timeout: Duration,
    pub max_body_bytes: u64,
}

impl Endpoint {
    /// `base` + `/` + `path` (path may carry a query string).
    pub fn url(&self, path: &str) -> String {
        let base = self.base_url.as_str().trim_end_matches('/');
        if path.is_empty() {
            base.to_string()
        } else {
            format!("{}/{}", base, path.trim_start_matches('/'))
        }
    }

    pub fn host(&self) -> String {
        self.base_url
            .host_str()
            .unwrap_or("unknown-host")
            .to_string()
    }
}

/// Every exchange of a run, in order. Cheap to clone (shared). With a `RequestLog` level
/// (`-v`), each exchange is also logged on stderr as it is recorded.
#[derive(Clone, Default, Debug)]
pub struct Transcript(
    Arc<Mutex<Vec<TranscriptEntry>>>,
    super::request_log::RequestLog,
);

impl Transcript {
    /// An empty transcript that logs every exchange at `level` (the `-v` count).
    pub fn logging(level: u8) -> Self {
        Transcript(Arc::default(), super::request_log::RequestLog(level))
    }

    pub fn push(&self, e: TranscriptEntry) {
        self.1.log(&e);
        if let Ok(mut v) = self.0.lock() {
            v.push(e);
        }
    }

    pub fn entries(&self) -> Vec<TranscriptEntry> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a request produced no HTTP response.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    #[error("timed out after {0} s")]
    Timeout(u64),
    #[error("could not resolve host {0}")]
    Dns(String),
    #[error("connection refused by {0}")]
    Refused(String),
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("response body larger than the {0} byte limit (raise --max-body-mib)")]
    BodyTooLarge(u64),
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// Worth retrying with backoff (a reset, a timeout, a refused connection under load).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            TransportError::Timeout(_) | TransportError::Connect(_) | TransportError::Refused(_)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub elapsed: Duration,
    pub exchange: Exchange,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn text_excerpt(&self, max: usize) -> String {
        excerpt(&self.body, max)
    }

    /// True when the body looks like an HTML page (login portal, proxy error page). Decided
    /// from the body: the label alone proves nothing (servers label an empty 401, or a JSON
    /// error, text/html), so an empty body or a JSON body is never a page.
    pub fn looks_like_html(&self) -> bool {
        let head = excerpt(&self.body, 512).trim_start().to_ascii_lowercase();
        if head.is_empty() {
            return false;
        }
        if ["<!doctype html", "<html", "<head", "<body"]
            .iter()
            .any(|p| head.starts_with(p))
        {
            return true;
        }
        self.content_type().contains("html")
            && head.starts_with('<')
            && serde_json::from_slice::<serde_json::Value>(&self.body).is_err()
    }

    /// True when the body is empty or only whitespace.
    pub fn body_is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }
}

/// How a single request authenticates (connection checks probe without credentials too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Configured,
    Anonymous,
}

#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    pub endpoint: Arc<Endpoint>,
    pub transcript: Transcript,
}

impl HttpClient {
    pub fn new(endpoint: Endpoint, transcript: Transcript) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.timeout.min(Duration::from_secs(10)))
            .danger_accept_invalid_certs(endpoint.insecure)
            .gzip(true);
        if is_loopback(&endpoint.base_url) {
            // A proxy cannot reach this machine's loopback: talk to it directly.
            builder = builder.no_proxy();
        }
        if let Some(pem) = &endpoint.ca_cert_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("--ca-cert is not a PEM certificate bundle: {e}"))?;
            if certs.is_empty() {
                return Err("--ca-cert holds no PEM certificate".into());
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let inner = builder
            .build()
            .map_err(|e| format!("could not build the HTTP client: {e}"))?;
        Ok(HttpClient {
            inner,
            endpoint: Arc::new(endpoint),
            transcript,
        })
    }

    /// GET `base/path` with the configured credentials.
    pub async fn get(&self, path: &str) -> Result<Response, TransportError> {
        self.get_url(&self.endpoint.url(path), AuthMode::Configured)
            .await
    }

    /// GET an absolute URL (must be on the endpoint's origin for `Configured` auth).
    pub async fn get_url(&self, url: &str, mode: AuthMode) -> Result<Response, TransportError> {
        let at = crate::util::now_rfc3339();
        let started = Instant::now();
        let headers = self.base_headers(mode);
        let request_headers = redact_headers(&headers);
        let result = self.send(url, headers).await;
        self.finish("GET", url, at, started, request_headers, result)
    }

    /// User-Agent, Accept, and with `Configured` the credentials and extra headers.
    pub(crate) fn base_headers(&self, mode: AuthMode) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(USER_AGENT, HeaderValue::from_static(TOOL_USER_AGENT));
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/scim+json, application/json"),
        );
        if mode == AuthMode::Configured {
            if let Some(v) = self.endpoint.auth.header_value() {
                headers.insert(AUTHORIZATION, v);
            }
            for (name, value) in &self.endpoint.headers {
                if let (Ok(n), Ok(mut v)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(value.expose()),
                ) {
                    v.set_sensitive(true);
                    headers.insert(n, v);
                }
            }
        }
        headers
    }

    /// Records an exchange in the transcript and turns it into a `Response`.
    pub(crate) fn finish(
        &self,
        method: &str,
        url: &str,
        at: String,
        started: Instant,
        request_headers: Vec<(String, String)>,
        result: Result<(u16, HeaderMap, Vec<u8>), TransportError>,
    ) -> Result<Response, TransportError> {
        let elapsed = started.elapsed();
        let scrubbed_url = secret::scrub(url);
        match result {
            Ok((status, resp_headers, body)) => {
                let exchange = Exchange {
                    method: method.into(),
                    url: scrubbed_url.clone(),
                    status: Some(status),
                    elapsed_ms: elapsed.as_millis() as u64,
                    at: at.clone(),
                    note: None,
                };
                self.transcript.push(TranscriptEntry {
                    at,
                    method: method.into(),
                    url: scrubbed_url,
                    status: Some(status),
                    elapsed_ms: exchange.elapsed_ms,
                    request_headers,
                    response_headers: redact_headers(&resp_headers),
                    body_bytes: body.len() as u64,
                    body_excerpt: excerpt(&body, BODY_EXCERPT_BYTES),
                    error: None,
                });
                Ok(Response {
                    status,
                    headers: resp_headers,
                    body,
                    elapsed,
                    exchange,
                })
            }
            Err(e) => {
                self.transcript.push(TranscriptEntry {
                    at,
                    method: method.into(),
                    url: scrubbed_url,
                    status: None,
                    elapsed_ms: elapsed.as_millis() as u64,
                    request_headers,
                    response_headers: Vec::new(),
                    body_bytes: 0,
                    body_excerpt: String::new(),
                    error: Some(secret::scrub(&e.to_string())),
                });
                Err(e)
            }
        }
    }

    async fn send(
        &self,
        url: &str,
        headers: HeaderMap,
    ) -> Result<(u16, HeaderMap, Vec<u8>), TransportError> {
        self.send_method(reqwest::Method::GET, url, headers, None)
            .await
    }

    /// Any method, with an optional body: only `replay` (behind `--allow-writes`) sends
    /// anything but GET, through `crate::replay::client`.
    pub(crate) async fn send_method(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, HeaderMap, Vec<u8>), TransportError> {
        let timeout_secs = self.endpoint.timeout.as_secs();
        let host = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let mut req = self.inner.request(method, url).headers(headers);
        if let Some(b) = body {
            req = req.body(b);
        }
        let mut resp = req
            .send()
            .await
            .map_err(|e| classify(&e, timeout_secs, &host))?;
        let status = resp.status().as_u16();
        let resp_headers = resp.headers().clone();
        let cap = self.endpoint.max_body_bytes;
        if let Some(len) = resp.content_length() {
            if len > cap {
                return Err(TransportError::BodyTooLarge(cap));
            }
        }
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > cap {
                        return Err(TransportError::BodyTooLarge(cap));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(&e, timeout_secs, &host)),
            }
        }
        Ok((status, resp_headers, body))
    }
}

/// Maps reqwest's error chain onto the categories the connection checks explain.
fn classify(e: &reqwest::Error, timeout_secs: u64, host: &str) -> TransportError {
    let chain = error_chain(e);
    let lower = chain.to_ascii_lowercase();
    if e.is_timeout() || lower.contains("timed out") {
        TransportError::Timeout(timeout_secs)
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        TransportError::Dns(host.to_string())
    } else if lower.contains("connection refused") {
        TransportError::Refused(host.to_string())
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        TransportError::Tls(secret::scrub(&chain))
    } else if e.is_connect()
        || lower.contains("connection reset")
        || lower.contains("connection closed")
    {
        TransportError::Connect(secret::scrub(&chain))
    } else {
        TransportError::Other(secret::scrub(&chain))
    }
}

pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.contains(&t) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// Header list for the transcript: credentials and cookies replaced, everything scrubbed.
pub fn redact_headers(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if matches!(
                name.as_str(),
                "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
            ) || v.is_sensitive()
            {
                secret::REDACTED.to_string()
            } else {
                secret::scrub(&String::from_utf8_lossy(v.as_bytes()))
            };
            (name, value)
        })
        .collect()
}

/// True for `localhost`, 127.0.0.0/8, `::1` and the IPv4-mapped `::ffff:127.0.0.0/104`
/// (`http://[::ffff:127.0.0.1]/` is this machine too): the hosts traffic never leaves the
/// machine for.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

pub fn base64_encode(input: &[u8]) -> String {
    secret::base64_encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn authorization_and_cookies_never_reach_the_transcript() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        h.insert("cookie", HeaderValue::from_static("sid=1"));
        h.insert("x-other", HeaderValue::from_static("fine"));
        let r = redact_headers(&h);
        assert!(r
            .iter()
            .all(|(_, v)| !v.contains("abc") && !v.contains("sid=1")));
        assert!(r.contains(&("x-other".into(), "fine".into())));
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for (u, want) in [
            ("http://127.0.0.1:8080/scim/v2", true),
            ("http://127.8.9.10/x", true),
            ("http://[::1]:80/x", true),
            ("http://[::ffff:127.0.0.1]:8080/x", true),
            ("http://[::ffff:127.255.0.9]/x", true),
            ("http://[::ffff:10.0.0.1]/x", false),
            ("http://[::2]/x", false),
            ("http://192.0.2.1/x", false),
            ("http://localhost.example.test/x", false),
            ("http://LOCALHOST/x", true),
            ("https://scim.example.test/x", false),
            ("http://10.0.0.1/x", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(u).unwrap()), want, "{u}");
        }
    }
}
