//! First contact with the command line (issue 11): the environment does not override an
//! explicit flag, `-v` logs requests, a failed connection says why checks did not run, human
//! output stays readable on huge values, and every help page is correct.

#[path = "shared/cli.rs"]
mod cli;
use cli::{assert_not_refused, bin};

const SNAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/contract/doc-example");

/// Proves an exported SCIM_BASE_URL does not break an explicit --snapshot run (the README flow).
#[test]
fn an_exported_base_url_does_not_break_a_snapshot_run() {
    let out = bin()
        .env("SCIM_BASE_URL", "https://scim.example.test/scim/v2")
        .args(["check", "--snapshot", SNAP, "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(2), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(report.get("checks").is_some(), "{report}");
    assert!(err.contains("SCIM_BASE_URL is set but ignored"), "{err}");
}

/// Proves an explicit --base-url next to --snapshot is still refused as contradictory.
#[test]
fn an_explicit_base_url_with_a_snapshot_is_refused() {
    let out = bin()
        .args([
            "check",
            "--snapshot",
            SNAP,
            "--base-url",
            "https://scim.example.test/scim/v2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}

/// Proves SCIM_BASE_URL is still read when no --snapshot is given.
#[test]
fn the_base_url_env_is_used_without_a_snapshot() {
    let out = bin()
        .env("SCIM_BASE_URL", "not-a-url")
        .args(["test-connection"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("`not-a-url` is not a URL"), "{err}");
}

/// A snapshot directory with one user whose userName is `len` characters long.
fn tenant_with_huge_user_name(len: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let huge = "h".repeat(len);
    let users = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
        "Resources": [{
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": huge, "active": true,
            "emails": [{"value": "ann@example.com", "type": "work", "primary": true}]
        }]
    });
    std::fs::write(dir.path().join("Users.json"), users.to_string()).unwrap();
    let groups = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []
    });
    std::fs::write(dir.path().join("Groups.json"), groups.to_string()).unwrap();
    dir
}

/// Proves a 4 MB userName is clipped in human output (kilobytes, not the value times the checks).
#[test]
fn human_output_clips_a_huge_value() {
    let dir = tenant_with_huge_user_name(4 << 20);
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(dir.path())
        .args(["--format", "human"])
        .output()
        .unwrap();
    assert_not_refused(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.stdout.len() < 200_000,
        "human report is {} bytes",
        out.stdout.len()
    );
    assert!(text.contains("characters clipped"), "{text}");
}

/// Proves the JSON report clips a huge value too, saying how long it was (every report is
/// bounded; the full value stays in the snapshot the user gave).
#[test]
fn json_output_clips_the_value_and_names_its_length() {
    let len = 1 << 20;
    let dir = tenant_with_huge_user_name(len);
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(dir.path())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_not_refused(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str::<serde_json::Value>(&text).expect("the JSON report parses");
    assert!(
        out.stdout.len() < 200_000,
        "JSON report is {} bytes",
        out.stdout.len()
    );
    assert!(
        !text.contains(&"h".repeat(len)),
        "the whole value is not copied"
    );
    assert!(
        text.contains(&format!("[clipped: {len} characters]")),
        "the clip names the value's length"
    );
    let snapshot = std::fs::read_to_string(dir.path().join("Users.json")).unwrap();
    assert!(snapshot.contains(&"h".repeat(len)), "the snapshot keeps it");
}

/// A 127.0.0.1 port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Proves checks skipped after a failed connection name the failed step, not "needs a live endpoint".
#[test]
fn checks_after_a_failed_connection_name_the_failed_step() {
    let url = format!("http://127.0.0.1:{}/scim/v2", closed_port());
    let out = bin()
        .args([
            "check",
            "--base-url",
            &url,
            "--format",
            "json",
            "--timeout",
            "5",
        ])
        .env("SCIM_TOKEN", "tok-first-contact-1")
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let checks = report["checks"].as_array().unwrap();
    let message = |id: &str| {
        checks
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} in the report"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for id in [
        "pagination-consistency",
        "fetch-complete",
        "duplicate-email",
    ] {
        let m = message(id);
        assert!(
            m.contains("not run: the connection failed at `tcp`"),
            "{id}: {m}"
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("needs a live endpoint"), "{text}");
}

#[path = "server_support/mod.rs"]
mod server_support;

/// Runs `check` against the embedded server with `extra` flags; returns stderr.
fn check_live_stderr(extra: &[&str]) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(server_support::serve(Default::default()));
    let out = bin()
        .args(["check", "--base-url", server.base_url(), "--format", "json"])
        .args(extra)
        .env("SCIM_TOKEN", server_support::TOKEN)
        .output()
        .unwrap();
    drop(server);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_ne!(out.status.code(), Some(2), "{err}");
    assert!(
        !err.contains(server_support::TOKEN),
        "the token leaked: {err}"
    );
    err
}

/// Proves -v logs every request (method, URL, status, time) on stderr, and nothing without it.
#[test]
fn verbose_logs_every_request_on_stderr() {
    let quiet = check_live_stderr(&[]);
    assert!(!quiet.contains("http: GET"), "{quiet}");
    let err = check_live_stderr(&["-v"]);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("http: GET http://127.0.0.1:"))
        .collect();
    assert!(lines.len() >= 5, "{err}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("/Users") && l.contains(" -> 200 in ")),
        "{err}"
    );
    assert!(lines.iter().all(|l| l.ends_with(" ms")), "{err}");
    assert!(!err.contains("  > "), "headers only with -vv: {err}");
}

/// Proves -vv adds request and response headers, with the credential redacted.
#[test]
fn very_verbose_adds_scrubbed_headers() {
    let err = check_live_stderr(&["-vv"]);
    assert!(err.contains("  > authorization: [REDACTED]"), "{err}");
    assert!(err.contains("  < content-type: "), "{err}");
}
