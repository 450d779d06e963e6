//! First contact with the command line (issue 11): the environment does not override an
//! explicit flag, `-v` logs requests, a failed connection says why checks did not run, human
//! output stays readable on huge values, and every help page is correct.

use assert_cmd::Command;

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_TOKEN")
        .env("NO_COLOR", "1");
    c
}

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
