//! `--idp-config` files in the bundle (issue 12 x issue 14): the zip alone reproduces the
//! mapping-*, provisioning-job, okta-app-assignment and provisioning-failures findings, the
//! command line wins over the bundled files, a bundle made from a bundle keeps them, the
//! summary lists them, and `--idp` is detected from them. (Redacted bundles: the invariant
//! in `bundle_invariant.rs`; the PII scan in `bundle_pii_scan.rs`.)

use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::{bin, entry, idp_config_args, report_and_stderr, EVERY_IDP_CONFIG_KIND};

fn cfg(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/idp-config")
        .join(name)
}

const IDP_CHECKS: &[&str] = &[
    "mapping-email",
    "mapping-username",
    "mapping-matching",
    "mapping-required",
    "mapping-active",
    "provisioning-job",
    "okta-app-assignment",
    "provisioning-failures",
];

fn check(snapshot: &Path, extra: &[String]) -> (Value, String) {
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(snapshot)
        .args(extra)
        .output()
        .unwrap();
    report_and_stderr(&out)
}

/// (status, count, subject ids) of one check.
fn finding(r: &Value, id: &str) -> (String, u64, Vec<String>) {
    let c = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the report"));
    (
        c["status"].as_str().unwrap().to_string(),
        c["count"].as_u64().unwrap_or(0),
        c["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect(),
    )
}

fn make_bundle(zip: &Path, snapshot: &Path, extra: &[String]) {
    let out = bin()
        .args(["-q", "bundle", "--format", "json", "--snapshot"])
        .arg(snapshot)
        .args(extra)
        .arg("--out")
        .arg(zip)
        .output()
        .unwrap();
    assert!(zip.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The zip alone gives every idp-config check the same verdict as the run that made it,
/// and the manifest and summary name each file.
#[test]
fn a_bundle_carries_every_idp_config_file_and_reproduces_their_findings() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("idp.zip");
    let tenant = cfg("okta-tenant-with-stranger-Users.json");
    let args = idp_config_args(EVERY_IDP_CONFIG_KIND);
    let (original, _) = check(&tenant, &args);
    make_bundle(&zip, &tenant, &args);
    let (reloaded, stderr) = check(&zip, &[]);
    assert!(stderr.contains("7 IdP configuration files"), "{stderr}");
    for id in IDP_CHECKS {
        let want = finding(&original, id);
        assert_ne!(want.0, "skipped", "{id} did not run in the original");
        assert_eq!(want, finding(&reloaded, id), "{id}");
    }
    let manifest: Value = serde_json::from_str(&entry(&zip, "inputs/inputs.json")).unwrap();
    assert_eq!(manifest["idp_config"].as_array().unwrap().len(), 7);
    let summary = entry(&zip, "summary.md");
    for line in [
        "Entra synchronization schema (--idp-config): `schema-misconfigured.json`",
        "Okta System Log (--idp-config): `okta-system-log-success.csv`",
        "Okta app users (--idp-config): `okta-app-users-errors.json`",
        "IdP configuration files",
    ] {
        assert!(summary.contains(line), "summary lacks {line}");
    }
    // Without the files the same zip would not give these findings.
    let (bare, _) = check(&tenant, &[]);
    assert_eq!(finding(&bare, "provisioning-job").0, "skipped");
}

/// `--idp-config` on the command line replaces the bundled files.
#[test]
fn the_command_line_idp_config_wins_over_the_bundled_one() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("job.zip");
    let tenant = cfg("okta-tenant-Users.json");
    make_bundle(
        &zip,
        &tenant,
        &idp_config_args(&["job-quarantine-credentials.json"]),
    );
    let (bundled, _) = check(&zip, &[]);
    assert_eq!(finding(&bundled, "provisioning-job").0, "fail");
    let (given, _) = check(&zip, &idp_config_args(&["jobs-list-active.json"]));
    assert_eq!(finding(&given, "provisioning-job").0, "pass");
}

/// A bundle made from a bundle keeps the first one's idp-config files.
#[test]
fn a_bundle_made_from_a_bundle_keeps_its_idp_config_files() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.zip");
    let second = dir.path().join("second.zip");
    let tenant = cfg("okta-tenant-Users.json");
    make_bundle(
        &first,
        &tenant,
        &idp_config_args(&["okta-app-users-errors.json"]),
    );
    make_bundle(&second, &first, &[]);
    let a = finding(&check(&first, &[]).0, "okta-app-assignment");
    assert_eq!(a.0, "fail");
    assert_eq!(a, finding(&check(&second, &[]).0, "okta-app-assignment"));
}

/// `--idp` is detected from Okta System Log / app exports (okta) and Entra schema / job
/// files (entra), and not claimed when nothing shows it.
#[test]
fn the_idp_is_detected_from_idp_config_files() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = cfg("okta-tenant-Users.json");
    let idp_line = |files: &[&str], name: &str| {
        let zip = dir.path().join(name);
        make_bundle(&zip, &tenant, &idp_config_args(files));
        entry(&zip, "summary.md")
            .lines()
            .find(|l| l.starts_with("- IdP:"))
            .unwrap_or("")
            .to_string()
    };
    for (files, want) in [
        (&["okta-system-log-failures.json"][..], "okta"),
        (&["okta-system-log-success.csv"][..], "okta"),
        (&["okta-app-users-errors.json"][..], "okta"),
        (&["okta-group-push-mappings.json"][..], "okta"),
        (&["schema-scim-default.json"][..], "entra"),
        (&["job-quarantine-credentials.json"][..], "entra"),
    ] {
        let line = idp_line(files, &format!("{}.zip", files[0]));
        assert!(
            line.starts_with(&format!("- IdP: {want} (detected")),
            "{files:?}: {line}"
        );
    }
    let none = idp_line(&[], "none.zip");
    assert!(!none.contains("detected"), "{none}");
}
