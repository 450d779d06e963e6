//! Test support for tests/connection.rs: the embedded server (`server::TestServer`) set up for
//! the connection tests, certificate factories built with rcgen, helpers to run the real
//! binary and read its JSON report, and a tiny scripted HTTP server on 127.0.0.1 that answers
//! each request from a closure, for the misbehaviours the embedded server does not play
//! (a server that ignores filters, rejects them, or leaves out `totalResults`).
//! Servers stop on Drop and after a hard lifetime limit, whatever the test does.

#![allow(dead_code)]

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A server never outlives this, even if a test leaks it.
const MAX_LIFETIME: Duration = Duration::from_secs(60);

pub const TOKEN: &str = "tok-Zq8wPLANTED-4c1e9b";
pub const PASSWORD: &str = "pw-Xr5PLANTED-77d2aa";
pub const USERNAME: &str = "scim-key-1";

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Path and query as sent, e.g. `/scim/v2/Users?startIndex=1&count=1`.
    pub target: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Resp {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Resp {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn scim(status: u16, v: Value) -> Self {
        Resp::new(status, "application/scim+json", v.to_string())
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
}

pub type Handler = Arc<dyn Fn(&Req) -> Resp + Send + Sync>;

pub struct Scripted {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Scripted {
    pub fn http(handler: Handler) -> Self {
        Self::start(handler)
    }

    fn start(handler: Handler) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (stop2, log2) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !stop2.load(Ordering::SeqCst) && started.elapsed() < MAX_LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (h, l, s) = (handler.clone(), log2.clone(), stop2.clone());
                        std::thread::spawn(move || serve_connection(stream, h, l, s));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => break,
                }
            }
        });
        Scripted {
            addr,
            stop,
            thread: Some(thread),
            log,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT/scim/v2`
    pub fn base_url(&self) -> String {
        self.base_url_for("127.0.0.1")
    }

    pub fn base_url_for(&self, host: &str) -> String {
        format!("http://{host}:{}/scim/v2", self.port())
    }

    pub fn requests(&self) -> Vec<Req> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    handler: Handler,
    log: Arc<Mutex<Vec<Req>>>,
    stop: Arc<AtomicBool>,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    serve_requests(stream, &handler, &log, &stop);
}

/// Serves one request per connection (`Connection: close`): enough for a GET-only client.
fn serve_requests<S: Read + Write>(
    mut s: S,
    handler: &Handler,
    log: &Arc<Mutex<Vec<Req>>>,
    stop: &AtomicBool,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let mut authorization = None;
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            if k.trim().eq_ignore_ascii_case("authorization") {
                authorization = Some(v.trim().to_string());
            }
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let req = Req {
        method,
        target,
        path,
        query,
        authorization,
    };
    if let Ok(mut l) = log.lock() {
        l.push(req.clone());
    }
    let resp = handler(&req);
    let deadline = Instant::now() + resp.delay;
    while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        resp.body.len()
    ));
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(&resp.body);
    let _ = s.flush();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

// ---------- a healthy SCIM endpoint, to be specialised by each test ----------

pub fn list_response(total: usize, resources: Vec<Value>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

pub fn scim_error(status: u16, scim_type: Option<&str>, detail: &str) -> Value {
    let mut v = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type {
        v["scimType"] = json!(t);
    }
    v
}

fn user(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": format!("u{i}"),
        "userName": format!("user{i}@example.com"),
        "active": true,
    })
}

/// How the healthy endpoint authenticates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    Bearer,
    Basic,
}

pub fn basic_header() -> String {
    format!(
        "Basic {}",
        scim_doctor::source::http::base64_encode(format!("{USERNAME}:{PASSWORD}").as_bytes())
    )
}

/// The answers of a well-behaved SCIM 2.0 server under `/scim/v2`.
pub fn healthy(expect: Expect, req: &Req) -> Resp {
    let ok = match expect {
        Expect::Bearer => req.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")),
        Expect::Basic => req.authorization.as_deref() == Some(basic_header().as_str()),
    };
    if !ok {
        let challenge = match expect {
            Expect::Bearer => "Bearer realm=\"scim\"",
            Expect::Basic => "Basic realm=\"scim\"",
        };
        return Resp::scim(401, scim_error(401, None, "authentication required"))
            .header("WWW-Authenticate", challenge);
    }
    match req.path.as_str() {
        "/scim/v2/Users" => {
            if req.query.contains("filter=") {
                Resp::scim(200, list_response(0, vec![]))
            } else {
                let count = if req.query.contains("count=1") { 1 } else { 2 };
                Resp::scim(200, list_response(3, (1..=count).map(user).collect()))
            }
        }
        "/scim/v2/ServiceProviderConfig" => Resp::scim(
            200,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": true},
                "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": true, "maxResults": 200},
                "changePassword": {"supported": false},
                "sort": {"supported": false},
                "etag": {"supported": false},
                "authenticationSchemes": [
                    {"type": "oauthbearertoken", "name": "OAuth Bearer Token", "description": "bearer"},
                    {"type": "httpbasic", "name": "HTTP Basic", "description": "basic"}
                ],
            }),
        ),
        "/scim/v2/Schemas" => Resp::scim(
            200,
            list_response(
                1,
                vec![
                    json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User", "name": "User", "attributes": []}),
                ],
            ),
        ),
        "/scim/v2/ResourceTypes" => Resp::scim(
            200,
            list_response(
                1,
                vec![
                    json!({"id": "User", "name": "User", "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"}),
                ],
            ),
        ),
        "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User" => Resp::scim(
            200,
            json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User", "name": "User", "attributes": []}),
        ),
        "/scim/v2/ResourceTypes/User" => Resp::scim(
            200,
            json!({"id": "User", "name": "User", "endpoint": "/Users", "schema": "urn:ietf:params:scim:schemas:core:2.0:User"}),
        ),
        _ => Resp::scim(404, scim_error(404, None, "no such resource")),
    }
}

pub fn healthy_bearer() -> Handler {
    Arc::new(|r: &Req| healthy(Expect::Bearer, r))
}

// ---------- the embedded server (src/server) ----------

/// Three users; enough for every list the connection steps request.
pub fn tenant() -> scim_doctor::model::Tenant {
    let mut t = scim_doctor::model::Tenant::new("connection-test");
    t.users = (1..=3)
        .map(|i| scim_doctor::model::User {
            id: format!("u{i}"),
            user_name: Some(format!("user{i}@example.test")),
            external_id: Some(format!("ext-{i}")),
            active: Some(true),
            ..Default::default()
        })
        .collect();
    t
}

/// The embedded server requiring the planted bearer token, with these faults.
pub fn embedded(faults: scim_doctor::server::Faults) -> scim_doctor::server::TestServer {
    embedded_with(scim_doctor::server::ServerConfig {
        faults,
        ..scim_doctor::server::ServerConfig::with_token(TOKEN)
    })
}

pub fn embedded_with(config: scim_doctor::server::ServerConfig) -> scim_doctor::server::TestServer {
    scim_doctor::server::TestServer::start(tenant(), config).expect("start the embedded server")
}

/// The embedded server over HTTPS with this certificate.
pub fn embedded_tls(pems: &Pems) -> scim_doctor::server::TestServer {
    embedded_with(scim_doctor::server::ServerConfig {
        tls: Some(scim_doctor::server::TlsPem {
            cert_pem: pems.chain.clone().into_bytes(),
            key_pem: pems.key.clone().into_bytes(),
        }),
        ..scim_doctor::server::ServerConfig::with_token(TOKEN)
    })
}

/// `scheme://host:PORT/scim/v2` for an embedded server, with another host name.
pub fn url_for(server: &scim_doctor::server::TestServer, host: &str) -> String {
    let base = server.base_url();
    let scheme = if base.starts_with("https") {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}:{}/scim/v2", server.addr().port())
}

// ---------- certificates ----------

pub struct Pems {
    pub chain: String,
    pub key: String,
    /// The CA that signed `chain` (for --ca-cert), when there is one.
    pub ca: Option<String>,
}

fn leaf_params(
    names: &[&str],
    not_before: time::OffsetDateTime,
    not_after: time::OffsetDateTime,
) -> CertificateParams {
    let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("names");
    p.not_before = not_before;
    p.not_after = not_after;
    p.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().copied().unwrap_or("test"),
    );
    p
}

pub fn self_signed(names: &[&str]) -> Pems {
    let now = time::OffsetDateTime::now_utc();
    let key = KeyPair::generate().expect("key");
    let cert = leaf_params(
        names,
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    )
    .self_signed(&key)
    .expect("self-signed");
    Pems {
        chain: cert.pem(),
        key: key.serialize_pem(),
        ca: None,
    }
}

/// A leaf for `names` signed by a fresh test CA, valid between the two offsets (days from now).
pub fn ca_signed(names: &[&str], from_days: i64, to_days: i64) -> Pems {
    let now = time::OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "scim-doctor test CA");
    ca_params.not_before = now - time::Duration::days(3650);
    ca_params.not_after = now + time::Duration::days(3650);
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let key = KeyPair::generate().expect("leaf key");
    let leaf = leaf_params(
        names,
        now + time::Duration::days(from_days),
        now + time::Duration::days(to_days),
    )
    .signed_by(&key, &ca, &ca_key)
    .expect("leaf cert");
    Pems {
        chain: leaf.pem(),
        key: key.serialize_pem(),
        ca: Some(ca.pem()),
    }
}

// ---------- running the binary ----------

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub report: Value,
}

impl Run {
    pub fn check(&self, id: &str) -> &Value {
        self.report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no `{id}` in the report:\n{}", self.stdout))
    }

    pub fn status(&self, id: &str) -> String {
        self.check(id)["status"].as_str().unwrap_or("").to_string()
    }

    pub fn message(&self, id: &str) -> String {
        self.check(id)["message"].as_str().unwrap_or("").to_string()
    }

    /// Panics unless no planted secret appears anywhere in stdout or stderr.
    pub fn assert_no_secret(&self) {
        for secret in [TOKEN, PASSWORD, basic_header().trim_start_matches("Basic ")] {
            assert!(!self.stdout.contains(secret), "secret leaked to stdout");
            assert!(!self.stderr.contains(secret), "secret leaked to stderr");
        }
    }
}

/// How the test run authenticates.
pub enum Creds {
    None,
    Token(&'static str),
    Basic,
}

/// Runs `scim-doctor test-connection --format json --base-url URL <extra>` with credentials in
/// the environment (never on the command line) and parses the report.
pub fn run(base_url: &str, creds: Creds, extra: &[&str]) -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("scim-doctor").expect("binary");
    cmd.env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "*")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .timeout(Duration::from_secs(60))
        .args([
            "test-connection",
            "--format",
            "json",
            "--base-url",
            base_url,
        ]);
    match creds {
        Creds::None => {}
        Creds::Token(t) => {
            cmd.env("SCIM_TOKEN", t);
        }
        Creds::Basic => {
            cmd.env("SCIM_PASSWORD", PASSWORD)
                .args(["--username", USERNAME]);
        }
    }
    cmd.args(extra);
    let out = cmd.output().expect("run scim-doctor");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("stdout is not a JSON report ({e}):\n{stdout}\nstderr:\n{stderr}")
    });
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
        report,
    }
}

/// Runs `scim-doctor ARGS` with `env` and no JSON expectation: (exit code, stdout, stderr).
pub fn run_raw(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = assert_cmd::Command::cargo_bin("scim-doctor").expect("binary");
    cmd.env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "*")
        .timeout(Duration::from_secs(60))
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run scim-doctor");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}
