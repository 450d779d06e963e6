//! Planted secrets must appear nowhere: no zip entry, no file beside the zip, no line of
//! stdout or stderr, no error message. Live `bundle` runs against the embedded server
//! (healthy, wrong token -> 401, HTML sign-in page, timeout; bearer and basic auth) and
//! against a canned responder that echoes the Authorization header back in headers, bodies
//! and user attributes, so the secret really reaches the transcript and the snapshot.

use assert_cmd::Command;
use scim_doctor::server::{ServerConfig, TestServer};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "tok-PLANTED-5e7a91c3d2";
const WRONG_TOKEN: &str = "tok-PLANTED-wrong-44f0e1";
const USERNAME: &str = "scimkey-01";
const PASSWORD: &str = "pw-PLANTED-8b2f60aa";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundle")
        .join(name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn entries(zip_path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).unwrap();
        out.insert(e.name().to_string(), buf);
    }
    out
}

/// Every form of the planted secrets that must never appear.
fn planted() -> Vec<String> {
    let basic =
        scim_doctor::source::http::base64_encode(format!("{USERNAME}:{PASSWORD}").as_bytes());
    vec![
        TOKEN.to_string(),
        WRONG_TOKEN.to_string(),
        PASSWORD.to_string(),
        basic,
    ]
}

enum Creds {
    Bearer(&'static str),
    Basic,
}

struct LiveRun {
    code: Option<i32>,
    files: BTreeMap<String, Vec<u8>>,
    /// stdout, stderr, every zip entry and every file beside the zip.
    texts: Vec<(String, String)>,
}

/// Runs `scim-doctor bundle` live against `base_url` and collects everything it produced.
fn live_bundle(base_url: &str, creds: Creds, extra: &[&str]) -> LiveRun {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("live.zip");
    let mut cmd = Command::cargo_bin("scim-doctor").unwrap();
    cmd.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1")
        .args([
            "-v",
            "bundle",
            "--format",
            "human",
            "--timeout",
            "1",
            "--retries",
            "0",
            "--base-url",
            base_url,
        ])
        .arg("--bundle")
        .arg(&zip)
        .args(["--description", "planted secret run"])
        .args(extra);
    match creds {
        Creds::Bearer(t) => {
            cmd.env("SCIM_TOKEN", t);
        }
        Creds::Basic => {
            cmd.env("SCIM_PASSWORD", PASSWORD)
                .args(["--username", USERNAME]);
        }
    }
    let out = cmd.output().unwrap();
    let mut texts = vec![
        ("stdout".to_string(), text(&out.stdout)),
        ("stderr".to_string(), text(&out.stderr)),
    ];
    let files = if zip.exists() {
        entries(&zip)
    } else {
        BTreeMap::new()
    };
    texts.extend(files.iter().map(|(n, b)| (n.clone(), text(b))));
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let p = f.unwrap().path();
        texts.push((p.display().to_string(), text(&std::fs::read(&p).unwrap())));
    }
    LiveRun {
        code: out.status.code(),
        files,
        texts,
    }
}

impl LiveRun {
    fn assert_clean(&self) {
        assert!(
            matches!(self.code, Some(0) | Some(1)),
            "exit {:?}: {}",
            self.code,
            self.texts[1].1
        );
        assert!(
            self.files.contains_key("manifest.json"),
            "the bundle was written"
        );
        assert!(
            !self.files["requests.jsonl"].is_empty(),
            "the run recorded its exchanges"
        );
        for (name, t) in &self.texts {
            for s in planted() {
                assert!(!t.contains(&s), "{name} contains a planted secret");
            }
        }
    }
}

fn fixture_tenant() -> scim_doctor::model::Tenant {
    scim_doctor::source::snapshot::load(&fixture("tenant-small")).unwrap()
}

// ---- the embedded server ------------------------------------------------------------------

#[test]
fn token_leaks_nowhere_on_a_healthy_live_run() {
    let server = TestServer::start(fixture_tenant(), ServerConfig::with_token(TOKEN)).unwrap();
    let run = live_bundle(server.base_url(), Creds::Bearer(TOKEN), &[]);
    run.assert_clean();
    let users = text(&run.files["snapshot/users.ndjson"]);
    assert_eq!(users.lines().count(), 6, "the tenant was fetched");
    let summary = text(&run.files["summary.md"]);
    assert!(
        summary.contains("| `http-auth` | pass | 2026-11-26T08:00:00Z"),
        "{summary}"
    );
    let pos = |step: &str| summary.find(&format!("| `{step}` |")).unwrap();
    assert!(
        pos("base-url") < pos("http-auth") && pos("http-auth") < pos("service-provider-config"),
        "steps in run order"
    );
    assert_eq!(server.non_get_count(), 0);
}

#[test]
fn basic_password_leaks_nowhere_on_a_healthy_live_run() {
    let config = ServerConfig {
        basic: Some((
            USERNAME.to_string(),
            scim_doctor::secret::SecretString::new(PASSWORD),
        )),
        ..Default::default()
    };
    let server = TestServer::start(fixture_tenant(), config).unwrap();
    let run = live_bundle(server.base_url(), Creds::Basic, &["--redact-pii"]);
    run.assert_clean();
    assert_eq!(text(&run.files["snapshot/users.ndjson"]).lines().count(), 6);
    // Live transcripts carry response bodies: the pseudonymiser must reach them too.
    let tenant = fixture_tenant();
    let mut pii: Vec<String> = Vec::new();
    for u in &tenant.users {
        pii.extend(u.user_name.clone());
        pii.extend(u.display_name.clone());
        pii.extend(u.family_name.clone());
        pii.extend(u.email_values().iter().map(|e| e.to_string()));
    }
    assert!(
        text(&run.files["requests.jsonl"]).contains("userName"),
        "bodies were recorded"
    );
    for (name, bytes) in &run.files {
        let t = text(bytes).to_lowercase();
        for v in &pii {
            assert!(!t.contains(&v.to_lowercase()), "{name} still contains {v}");
        }
    }
}

#[test]
fn wrong_token_leaks_nowhere_when_the_server_answers_401() {
    let server = TestServer::start(fixture_tenant(), ServerConfig::with_token(TOKEN)).unwrap();
    let run = live_bundle(server.base_url(), Creds::Bearer(WRONG_TOKEN), &[]);
    run.assert_clean();
    let report: serde_json::Value = serde_json::from_slice(&run.files["report.json"]).unwrap();
    assert_eq!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "http-auth")
            .unwrap()["status"],
        "fail"
    );
}

#[test]
fn token_leaks_nowhere_when_the_server_returns_an_html_sign_in_page() {
    let mut config = ServerConfig::with_token(TOKEN);
    config.faults.html_login = Some(String::new());
    let server = TestServer::start(fixture_tenant(), config).unwrap();
    let run = live_bundle(server.base_url(), Creds::Bearer(TOKEN), &[]);
    run.assert_clean();
    assert!(text(&run.files["requests.jsonl"]).contains("text/html"));
}

#[test]
fn token_leaks_nowhere_when_requests_time_out() {
    let mut config = ServerConfig::with_token(TOKEN);
    config.faults.latency = Duration::from_secs(3);
    let server = TestServer::start(fixture_tenant(), config).unwrap();
    let run = live_bundle(server.base_url(), Creds::Bearer(TOKEN), &[]);
    run.assert_clean();
    let requests = text(&run.files["requests.jsonl"]);
    assert!(
        requests.contains("timed out"),
        "the failure class is a timeout: {requests}"
    );
}

// ---- a responder that echoes the credentials back -----------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// A healthy SCIM list that echoes the Authorization header in a header and in a user
    /// attribute (a badly written server: the secret reaches transcript and snapshot).
    Ok,
    /// 401 with the Authorization header quoted in the body.
    Unauthorized,
    /// 200 text/html page quoting the Authorization header.
    Html,
}

/// A tiny HTTP/1.1 responder on 127.0.0.1; stops on Drop.
struct Echo {
    addr: std::net::SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

fn respond(mut s: std::net::TcpStream, mode: Mode) {
    use std::io::BufRead;
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = v.trim().to_string();
            }
        }
    }
    let first_users_page =
        path.contains("/Users") && !path.contains("startIndex=") || path.contains("startIndex=1&");
    let (status, ctype, body) = match mode {
        Mode::Unauthorized => ("401 Unauthorized", "application/json", format!("{{\"detail\":\"bad credentials: {auth}\",\"status\":\"401\"}}")),
        Mode::Html => ("200 OK", "text/html", format!("<!doctype html><html><body>Sign in. Debug: {auth}</body></html>")),
        Mode::Ok if first_users_page => (
            "200 OK",
            "application/scim+json",
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
                "Resources": [{ "id": "u-1", "userName": "live.user@example.com", "active": true, "title": auth,
                                "emails": [{ "value": "live.user@example.com", "primary": true }] }]
            })
            .to_string(),
        ),
        Mode::Ok => (
            "200 OK",
            "application/scim+json",
            serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": [] }).to_string(),
        ),
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nX-Echo: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl Echo {
    fn start(mode: Mode) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = conn {
                    std::thread::spawn(move || respond(s, mode));
                }
            }
        });
        Echo {
            addr,
            stop,
            handle: Some(handle),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The echoed secret reached the transcript (so scrubbing was exercised) and left nowhere.
fn echoed_and_scrubbed(mode: Mode, creds: Creds) {
    let server = Echo::start(mode);
    let run = live_bundle(&server.base_url(), creds, &["--redact-pii"]);
    drop(server);
    run.assert_clean();
    let requests = text(&run.files["requests.jsonl"]);
    assert!(requests.contains("[REDACTED]"), "{requests}");
}

#[test]
fn echoed_token_is_scrubbed_from_a_healthy_run() {
    echoed_and_scrubbed(Mode::Ok, Creds::Bearer(TOKEN));
}

#[test]
fn echoed_basic_credentials_are_scrubbed_from_a_healthy_run() {
    echoed_and_scrubbed(Mode::Ok, Creds::Basic);
}

#[test]
fn echoed_token_is_scrubbed_from_a_401_body() {
    echoed_and_scrubbed(Mode::Unauthorized, Creds::Bearer(TOKEN));
}

#[test]
fn echoed_password_is_scrubbed_from_a_401_body() {
    echoed_and_scrubbed(Mode::Unauthorized, Creds::Basic);
}

#[test]
fn echoed_token_is_scrubbed_from_an_html_page() {
    echoed_and_scrubbed(Mode::Html, Creds::Bearer(TOKEN));
}

#[test]
fn token_on_the_command_line_is_masked_in_environment_json() {
    let server = Echo::start(Mode::Unauthorized);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("cli.zip");
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env_remove("SCIM_TOKEN")
        .args(["check", "--format", "json", "--token", TOKEN, "--base-url"])
        .arg(server.base_url())
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    drop(server);
    let env = text(&entries(&zip)["environment.json"]);
    assert!(
        env.contains("--token") && env.contains("[REDACTED]"),
        "{env}"
    );
    for t in [env, text(&out.stdout), text(&out.stderr)] {
        assert!(!t.contains(TOKEN));
    }
}

#[test]
fn a_bundle_that_cannot_be_written_fails_cleanly_without_the_token_or_a_partial_file() {
    let server = TestServer::start(fixture_tenant(), ServerConfig::with_token(TOKEN)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-dir").join("b.zip");
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("SCIM_TOKEN", TOKEN)
        .args(["check", "--format", "json", "--base-url", server.base_url()])
        .arg("--bundle")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains(TOKEN) && !text(&out.stdout).contains(TOKEN));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}
