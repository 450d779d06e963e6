//! What reaches a terminal, a ticket or the network when the data is hostile (issue 21):
//!
//! - control characters in tenant values (OSC 52 clipboard writes, screen clears, title
//!   changes, C1 CSI, BEL, DEL) never reach stdout, summary.md or a CSV raw, and Markdown
//!   escapes tenant HTML (`fixtures/hostile/escapes`);
//! - credentials are refused over plain http to a host that is not this machine, before any
//!   connection (TEST-NET-1 192.0.2.1 and an `.invalid` name: nothing is ever sent there);
//! - `serve` answers only to local Host names, refuses cross-site writes, needs a token (or
//!   `--no-token`) for a snapshot and refuses `--quirk` without `--writable`.

use assert_cmd::Command;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn escapes() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/escapes")
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env_remove("SCIM_TOKEN")
        .env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_DOCTOR_SERVE_TOKEN")
        .env("NO_COLOR", "1")
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .timeout(Duration::from_secs(120));
    c
}

/// The control characters (but newline, and CR in a CSV's line ends) in `text`.
fn controls(text: &str, allowed: &[char]) -> Vec<char> {
    text.chars()
        .filter(|c| c.is_control() && !allowed.contains(c))
        .collect()
}

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

// ---- terminal escapes and HTML in tenant values -------------------------------------------

/// Proves the human report, explain-user (every format it has) and the CSV show the hostile
/// values as visible escapes, never as the bytes a terminal acts on.
#[test]
fn control_characters_from_the_tenant_never_reach_the_terminal() {
    let snap = escapes();
    let snap = snap.to_str().unwrap();
    let human = stdout_of(&["check", "--snapshot", snap, "--format", "human"]);
    assert!(
        human.contains("mallory\\u{1b}]52;c;"),
        "the hostile userName is shown, escaped: {human}"
    );
    assert_eq!(controls(&human, &['\n']), Vec::<char>::new(), "{human:?}");
    for format in ["human", "markdown", "csv"] {
        let trace = stdout_of(&[
            "explain-user",
            "u-osc52",
            "--snapshot",
            snap,
            "--format",
            format,
        ]);
        assert!(trace.contains("mallory\\u{1b}"), "{format}: {trace}");
        assert_eq!(
            controls(&trace, &['\n']),
            Vec::<char>::new(),
            "{format}: {trace:?}"
        );
    }
    let csv = stdout_of(&["check", "--snapshot", snap, "--format", "csv"]);
    assert!(csv.contains("dup\\u{9b}31m@example.com"), "{csv}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for row in reader.records() {
        for field in row.expect("csv row").iter() {
            assert_eq!(controls(field, &[]), Vec::<char>::new(), "{field:?}");
        }
    }
}

/// Proves the same values control nothing in the Markdown report, the bundle's summary.md
/// and its CSVs, and that tenant HTML is escaped in Markdown.
#[test]
fn markdown_summary_and_bundle_csvs_escape_controls_and_html() {
    let snap = escapes();
    let snap = snap.to_str().unwrap();
    let md = stdout_of(&["check", "--snapshot", snap, "--format", "markdown"]);
    assert_eq!(controls(&md, &['\n']), Vec::<char>::new(), "{md:?}");
    assert!(!md.contains("<img") && !md.contains("<script"), "{md}");
    assert!(
        md.contains("&lt;img src=x onerror=alert(1)&gt;twin@example.com"),
        "{md}"
    );
    assert!(md.contains("\\u{1b}"), "{md}");

    let dir = tempfile::tempdir().expect("tmp");
    let zip = dir.path().join("escapes.zip");
    let out = bin()
        .args(["bundle", "--snapshot", snap, "--bundle"])
        .arg(&zip)
        .args(["--description", "evil\u{1b}]52;c;eA==\u{7} <img src=x>"])
        .args(["--contact", "Jo \u{1b}[2J<b>"])
        .output()
        .expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).expect("zip")).expect("zip");
    let mut seen_csv = 0;
    for i in 0..archive.len() {
        let mut e = archive.by_index(i).expect("entry");
        let name = e.name().to_string();
        let mut text = String::new();
        e.read_to_string(&mut text).expect("text entry");
        if name == "summary.md" {
            assert_eq!(controls(&text, &['\n']), Vec::<char>::new(), "{text:?}");
            assert!(!text.contains("<img") && !text.contains("<b>"), "{text}");
            assert!(text.contains("&lt;img"), "{text}");
        }
        if name.starts_with("checks/") && name.ends_with(".csv") {
            seen_csv += 1;
            assert_eq!(
                controls(&text, &['\n', '\r']),
                Vec::<char>::new(),
                "{name}: {text:?}"
            );
        }
    }
    assert!(seen_csv > 1, "the bundle holds its per-check CSVs");
}

/// Proves `diff` of two snapshots prints a hostile added user's name escaped, in human and
/// Markdown.
#[test]
fn diff_escapes_control_characters_and_html() {
    let dir = tempfile::tempdir().expect("tmp");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    for d in [&before, &after] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::copy(escapes().join("Groups.json"), d.join("Groups.json")).unwrap();
    }
    let users = std::fs::read_to_string(escapes().join("Users.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&users).unwrap();
    std::fs::write(before.join("Users.json"), v.to_string()).unwrap();
    v["Resources"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u-new", "userName": "new\u{1b}]0;title\u{7}<i>x</i>@example.com", "active": true
        }));
    std::fs::write(after.join("Users.json"), v.to_string()).unwrap();
    for format in ["human", "markdown"] {
        let out = bin()
            .arg("diff")
            .arg(&before)
            .arg(&after)
            .args(["--format", format])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("new\\u{1b}]0;title"), "{format}: {text}");
        assert_eq!(
            controls(&text, &['\n']),
            Vec::<char>::new(),
            "{format}: {text:?}"
        );
        if format == "markdown" {
            assert!(!text.contains("<i>"), "{text}");
        }
    }
}

// ---- credentials over plain http ----------------------------------------------------------

/// Proves a token is refused for plain http to another machine before any connection: exit
/// 2, the reason, at once (TEST-NET-1 never answers, so an attempt would hang until the
/// timeout; an `.invalid` name would need DNS).
#[test]
fn credentials_are_refused_over_plain_http_to_another_host_before_sending() {
    for url in [
        "http://192.0.2.1/scim/v2",
        "http://scim.example.invalid/scim/v2",
    ] {
        for cmd in [
            vec!["test-connection"],
            vec!["check"],
            vec!["replay", "--idp", "okta", "--allow-writes"],
        ] {
            let started = Instant::now();
            let out = bin()
                .env("SCIM_TOKEN", "tok-never-sent-7e1")
                .args(&cmd)
                .args(["--base-url", url, "--timeout", "30"])
                .output()
                .expect("run");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {url}: {stderr}");
            assert!(
                stderr.contains("refusing to send credentials over plain http://")
                    && stderr.contains("--allow-insecure-http")
                    && stderr.contains("nothing was sent"),
                "{stderr}"
            );
            assert!(!stderr.contains("tok-never-sent"), "{stderr}");
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{cmd:?} {url} took {:?}: a connection was attempted",
                started.elapsed()
            );
        }
    }
}

/// Proves loopback in every spelling is not refused: `[::ffff:127.0.0.1]` is this machine.
#[test]
fn loopback_spellings_are_not_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    for host in [
        "127.0.0.1",
        "127.8.9.10",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
    ] {
        let url = format!("http://{host}:{port}/scim/v2");
        let out = bin()
            .env("SCIM_TOKEN", "tok-loopback-3c9")
            .args(["test-connection", "--base-url", &url, "--timeout", "2"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("refusing to send credentials"),
            "{host}: {stderr}"
        );
    }
}

/// Proves the flag that lifts the refusal is documented where users look for it.
#[test]
fn help_names_the_flag_that_allows_insecure_http() {
    let out = bin().args(["check", "--help"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--allow-insecure-http"));
}

// ---- serve --------------------------------------------------------------------------------

/// Kills the child even when an assertion fails first.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str]) -> (Served, u16) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scim-doctor"))
        .arg("serve")
        .args(args)
        .env_remove("SCIM_DOCTOR_SERVE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("base url");
    let port = line
        .trim()
        .trim_start_matches("http://127.0.0.1:")
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no base URL: {line:?}"));
    (Served(child), port)
}

/// One raw HTTP/1.1 request to 127.0.0.1:`port`; returns the status code.
fn raw(port: u16, request: &str) -> u16 {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("send");
    let mut first = String::new();
    BufReader::new(s)
        .read_line(&mut first)
        .expect("status line");
    first
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status: {first:?}"))
}

fn get(port: u16, host: &str) -> u16 {
    raw(
        port,
        &format!(
            "GET /scim/v2/Users?count=1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ),
    )
}

fn post(port: u16, extra_headers: &str, body: &str) -> u16 {
    raw(
        port,
        &format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Proves `serve` answers its own names with the port and refuses any other Host (DNS
/// rebinding: a page whose name resolves to 127.0.0.1 reaching the served tenant).
#[test]
fn serve_answers_only_to_local_host_names() {
    let (_child, port) = serve(&["--generate", "20"]);
    for ok in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get(port, &ok), 200, "{ok}");
    }
    for bad in [
        format!("rebind.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        assert_eq!(get(port, &bad), 421, "{bad}");
    }
}

/// Proves a writable `serve` refuses what a web page can send cross-site without a
/// preflight (text/plain, a form), and a write from a foreign Origin, but takes SCIM JSON.
#[test]
fn serve_refuses_cross_site_writes() {
    let (_child, port) = serve(&["--generate", "20", "--writable"]);
    let user = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"csrf@example.com"}"#;
    assert_eq!(post(port, "Content-Type: text/plain\r\n", user), 415);
    assert_eq!(
        post(
            port,
            "Content-Type: application/x-www-form-urlencoded\r\n",
            "a=b"
        ),
        415
    );
    assert_eq!(
        post(
            port,
            "Origin: https://evil.example\r\nContent-Type: application/scim+json\r\n",
            user
        ),
        403
    );
    assert_eq!(
        post(port, "Content-Type: application/scim+json\r\n", user),
        201
    );
}

/// Proves a snapshot is served only with a token or an explicit --no-token (the demo and
/// generated tenants are synthetic and stay open), and --quirk needs --writable.
#[test]
fn serve_needs_a_token_for_a_snapshot_and_writable_for_a_quirk() {
    let snap = escapes();
    let out = bin()
        .args(["serve", "--snapshot"])
        .arg(&snap)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--token") && stderr.contains("--no-token"),
        "{stderr}"
    );

    let (_open, port) = serve(&["--snapshot", snap.to_str().unwrap(), "--no-token"]);
    assert_eq!(get(port, &format!("127.0.0.1:{port}")), 200);

    let out = bin()
        .args(["serve", "--generate", "5", "--quirk", "no-put"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs --writable"));
}
