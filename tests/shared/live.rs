//! Shared by the tests that run the real binary against the embedded server
//! (tests/behaviour_probes.rs, tests/paging_budget.rs, tests/fetch.rs): numbered users and
//! group members, the server started with a token and faults, the binary with that token, and
//! its JSON report read back.
#![allow(dead_code)]

use assert_cmd::Command;
use scim_doctor::model::{Member, Tenant, User};
use scim_doctor::server::{Faults, ServerConfig, TestServer};
use serde_json::Value;
use std::process::Output;
use std::time::Duration;

/// Users `u0001`..`u{n}`, each with `person{i}@example.test` and `ext-{i}`.
pub fn numbered_users(n: usize) -> Vec<User> {
    (1..=n)
        .map(|i| User {
            id: format!("u{i:04}"),
            user_name: Some(format!("person{i}@example.test")),
            external_id: Some(format!("ext-{i}")),
            ..Default::default()
        })
        .collect()
}

/// A group member pointing at user `u{i:04}`.
pub fn member(i: usize) -> Member {
    Member {
        value: format!("u{i:04}"),
        kind: Some("User".into()),
        display: None,
        reference: None,
    }
}

/// The embedded server holding `tenant`, requiring `token`, with `faults` and whatever `cfg` sets.
pub fn serve_tenant(
    tenant: Tenant,
    token: &str,
    faults: Faults,
    cfg: impl FnOnce(&mut ServerConfig),
) -> TestServer {
    let mut config = ServerConfig {
        faults,
        ..ServerConfig::with_token(token)
    };
    cfg(&mut config);
    TestServer::start(tenant, config).expect("embedded server did not start")
}

/// The binary with `SCIM_TOKEN` set, `SCIM_BASE_URL` cleared and a two-minute timeout.
pub fn doctor(token: &str) -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_TOKEN", token)
        .env_remove("SCIM_BASE_URL")
        .timeout(Duration::from_secs(120));
    c
}

/// The JSON report on stdout of a run that exited 0 or 1 (panics with stderr otherwise).
pub fn json_report(out: &Output) -> Value {
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is the JSON report")
}
