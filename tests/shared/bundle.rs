//! Shared by the bundle tests and tests/check_fixtures.rs: the binary as these tests run it,
//! the fixtures folder, a fixture case's `args.txt`, the demo inputs as arguments, and reading
//! one entry of a bundle zip, the --idp-config fixtures and a run's JSON report.
// Each test file uses only some of these helpers.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The binary with a fixed clock, no colour and no connection settings from the environment.
pub fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1");
    c
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The extra `check` arguments of a fixture case (`args.txt`, one per line, `#` comments),
/// relative paths resolved against the case dir; none when the file is absent.
pub fn case_args(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("args.txt")) else {
        return Vec::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let p = dir.join(l);
            if !l.starts_with('-') && p.exists() {
                p.display().to_string()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// One file of every kind `--idp-config` reads, in fixtures/idp-config (Entra schema and
/// job, Okta System Log as JSON and console CSV, app users, app groups, group push mappings).
pub const EVERY_IDP_CONFIG_KIND: &[&str] = &[
    "schema-misconfigured.json",
    "job-quarantine-credentials.json",
    "okta-system-log-failures.json",
    "okta-system-log-success.csv",
    "okta-app-users-errors.json",
    "okta-app-groups.json",
    "okta-group-push-mappings.json",
];

/// `--idp-config FILE` for each of these files in fixtures/idp-config.
pub fn idp_config_args(files: &[&str]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            [
                "--idp-config".to_string(),
                fixtures().join("idp-config").join(f).display().to_string(),
            ]
        })
        .collect()
}

/// A run's JSON report (stdout) and its stderr; panics with the stderr when stdout is not JSON.
pub fn report_and_stderr(out: &std::process::Output) -> (Value, String) {
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The demo's IdP-side inputs (users export, scoping filter, provisioning logs, LDAP
/// groups, licences) as `check` arguments; the --idp-config files are left to the caller.
pub fn demo_input_args(inputs: &scim_doctor::demo::inputs::DemoInputs) -> Vec<String> {
    let p = |p: &Path| p.display().to_string();
    vec![
        "--idp-users".to_string(),
        p(&inputs.idp_users),
        "--scope-filter".into(),
        p(&inputs.scope_filter),
        "--provisioning-logs".into(),
        p(&inputs.provisioning_logs),
        "--ldap-groups".into(),
        p(&inputs.ldap_groups),
        "--licenses".into(),
        inputs.licenses.to_string(),
    ]
}

/// One entry of a bundle zip as text.
pub fn entry(zip: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Every entry of a zip as text (lossy UTF-8), by name.
pub fn zip_texts(zip: &Path) -> std::collections::BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut files = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        files.insert(
            e.name().to_string(),
            String::from_utf8_lossy(&b).into_owned(),
        );
    }
    files
}
