//! The read-only guarantee: every command that talks to an endpoint, and every shipped
//! playbook, sends GET requests only when run in default mode. The embedded server counts
//! requests per method; anything but GET fails the test.

use assert_cmd::Command;
use scim_doctor::server::{ServerConfig, TestServer};
use std::path::Path;

const TOKEN: &str = "readonly-token-7c1e9a55";

fn server() -> TestServer {
    let tenant = scim_doctor::source::snapshot::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundle/tenant-small"),
    )
    .expect("fixture tenant");
    TestServer::start(tenant, ServerConfig::with_token(TOKEN)).expect("embedded server")
}

fn run(server: &TestServer, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("scim-doctor")
        .expect("binary")
        .args(args)
        .args(["--base-url", server.base_url(), "--format", "json"])
        .env("SCIM_TOKEN", TOKEN)
        .env_remove("SCIM_BASE_URL")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run scim-doctor")
}

/// Proves every shipped playbook, run live, sends only GET requests.
#[test]
fn every_playbook_sends_only_get() {
    let srv = server();
    let playbooks = scim_doctor::playbook::load(None).expect("shipped playbooks");
    assert!(
        playbooks.len() >= 7,
        "expected the shipped playbooks, got {}",
        playbooks.len()
    );
    for pb in &playbooks {
        let out = run(&srv, &["check", "--playbook", &pb.id, "--licenses", "5"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "playbook {} exited {:?}: {}",
            pb.id,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let counts = srv.method_counts();
    assert!(
        counts.get("GET").copied().unwrap_or(0) > 0,
        "no GET was seen: {counts:?}"
    );
    assert_eq!(
        srv.non_get_count(),
        0,
        "non-GET requests were sent: {counts:?}"
    );
}

/// Proves test-connection, snapshot, explain-user and bundle send only GET requests.
#[test]
fn every_live_command_sends_only_get() {
    let srv = server();
    let dir = tempfile::tempdir().expect("tempdir");
    let snap = dir.path().join("snap");
    let zip = dir.path().join("b.zip");
    let snap_s = snap.display().to_string();
    let zip_s = zip.display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["test-connection"],
        vec!["check"],
        vec!["snapshot", "--out", &snap_s],
        vec!["explain-user", "nobody@example.test"],
        vec!["bundle", "--bundle", &zip_s],
    ];
    for args in &commands {
        let out = run(&srv, args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?} exited {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let counts = srv.method_counts();
    assert!(
        counts.get("GET").copied().unwrap_or(0) > 10,
        "too few GETs: {counts:?}"
    );
    assert_eq!(
        srv.non_get_count(),
        0,
        "non-GET requests were sent: {counts:?}"
    );
}
