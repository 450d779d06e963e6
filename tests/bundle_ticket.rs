//! The ticket side of a bundle (issue 12): where it goes (`bundle --out`, path and SHA-256
//! on stdout even with -q, `bundle` in the JSON report of `check --bundle`), `bundle
//! verify` (the `.sha256` first, a directory refused clearly), `environment.json` without
//! fields for features that do not exist, and summary.md following seed 004's "raising
//! cases" list (IdP given or detected, contact, steps taken, re-analyse advice only when
//! it works).

use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::{bin, entry, fixtures};

fn fixture(p: &str) -> PathBuf {
    fixtures().join(p)
}

fn sha_file(zip: &Path) -> String {
    let side = zip.with_file_name(format!(
        "{}.sha256",
        zip.file_name().unwrap().to_string_lossy()
    ));
    std::fs::read_to_string(side)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn make(dir: &Path, extra: &[&str]) -> PathBuf {
    let zip = dir.join("t.zip");
    bin()
        .args(["-q", "bundle", "--format", "human", "--snapshot"])
        .arg(fixture("bundle/tenant-small"))
        .arg("--out")
        .arg(&zip)
        .args(extra)
        .assert()
        .code(predicates::ord::lt(2));
    zip
}

/// `bundle --out PATH -q`: the product's path and SHA-256 are on stdout.
#[test]
fn bundle_out_prints_path_and_sha256_on_stdout_even_when_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("ticket.zip");
    let out = bin()
        .args(["-q", "bundle", "--format", "human", "--snapshot"])
        .arg(fixture("bundle/tenant-small"))
        .arg("--out")
        .arg(&zip)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(zip.is_file());
    assert!(
        stdout.contains(&format!("bundle written: {}", zip.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("sha256: {}", sha_file(&zip))),
        "{stdout}"
    );
}

/// `check --bundle` with --format json: the report carries `bundle` (path, SHA-256).
#[test]
fn check_bundle_puts_the_bundle_into_the_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("c.zip");
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(fixture("bundle/tenant-small"))
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["bundle"]["path"], zip.display().to_string());
    assert_eq!(v["bundle"]["sha256"], sha_file(&zip));
    assert!(v["checks"].as_array().is_some_and(|c| !c.is_empty()));
}

/// A flipped byte in the zip's central directory is a damaged zip (exit 1, the .sha256
/// named), not "not a scim-doctor bundle".
#[test]
fn verify_reports_a_damaged_central_directory_against_the_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let zip = make(dir.path(), &[]);
    let mut raw = std::fs::read(&zip).unwrap();
    let cd = raw
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("a central directory");
    // The first entry's name starts 46 bytes into its central-directory header.
    raw[cd + 46] ^= 0x20;
    std::fs::write(&zip, &raw).unwrap();
    let out = bin().args(["bundle", "verify"]).arg(&zip).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(".sha256"), "{stdout}");
    assert!(!stdout.contains("not a scim-doctor bundle"), "{stdout}");
}

/// Without its .sha256 the manifest still catches the renamed entry: exit 1, both names.
#[test]
fn verify_without_sha256_names_the_damaged_entry_from_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let zip = make(dir.path(), &[]);
    let mut raw = std::fs::read(&zip).unwrap();
    let cd = raw.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    raw[cd + 46] ^= 0x20;
    std::fs::write(&zip, &raw).unwrap();
    std::fs::remove_file(zip.with_file_name("t.zip.sha256")).unwrap();
    let out = bin().args(["bundle", "verify"]).arg(&zip).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("MISMATCH summary.md: listed in the manifest but missing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("no .sha256 file beside the zip"),
        "{stdout}"
    );
}

/// A directory argument is a clear error, exit 2.
#[test]
fn verify_on_a_directory_says_it_wants_the_zip() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["bundle", "verify"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is a directory"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `bundle --help` and `bundle verify --help` document the exit codes and --out.
#[test]
fn help_documents_out_and_exit_codes() {
    let out = bin().args(["bundle", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--out <PATH>") && help.contains("Exit codes"),
        "{help}"
    );
    assert!(help.contains("--idp") && help.contains("--contact") && help.contains("--steps-taken"));
    assert!(
        !help.contains("--bundle ["),
        "the shared --bundle flag is hidden here: {help}"
    );
    let out = bin().args(["bundle", "verify", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Exit codes: 0"));
}

/// environment.json names only features that exist (no `allow_writes`).
#[test]
fn environment_json_has_no_field_for_a_missing_feature() {
    let dir = tempfile::tempdir().unwrap();
    let env: Value =
        serde_json::from_str(&entry(&make(dir.path(), &[]), "environment.json")).unwrap();
    let flags = env["flags"].as_object().unwrap();
    assert!(!flags.contains_key("allow_writes"), "{flags:?}");
    assert!(flags.contains_key("redact_pii"));
}

/// summary.md: the raising-cases sections, --idp, --contact and --steps-taken as given.
#[test]
fn summary_follows_the_raising_cases_list() {
    let dir = tempfile::tempdir().unwrap();
    let zip = make(
        dir.path(),
        &[
            "--idp",
            "okta",
            "--contact",
            "Jo Admin, +1 555 0100",
            "--steps-taken",
            "restarted provisioning at 09:00 UTC",
            "--description",
            "new hires are not provisioned",
        ],
    );
    let s = entry(&zip, "summary.md");
    for want in [
        "## 1. Issue description and user impact",
        "| Symptom (check) | Status | Affected users |",
        "## 2. Provisioning status",
        "Time of this run (UTC): 2026-11-26T08:00:00Z",
        "affected users NOT in the target",
        "Provisioning logs: none given",
        "## 3. Connectivity of the affected users",
        "have no usable email",
        "## 4. Identity provider, contact, steps already taken",
        "IdP: okta (given with --idp)",
        "Contact: Jo Admin, +1 555 0100",
        "> restarted provisioning at 09:00 UTC",
        "## 7. Inputs used",
        "Re-analyse offline with `scim-doctor check --snapshot <zip>`",
    ] {
        assert!(s.contains(want), "missing {want:?} in\n{s}");
    }
}

/// The IdP is detected from Entra provisioning logs; without inputs it is "not stated".
#[test]
fn the_idp_is_detected_from_entra_inputs_or_said_to_be_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let case = fixture("checks/provisioning-failures/positive-prefixed-codes-graph-v1");
    let zip = dir.path().join("l.zip");
    bin()
        .args(["check", "--snapshot"])
        .arg(&case)
        .arg("--provisioning-logs")
        .arg(case.join("provisioning.json"))
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    let s = entry(&zip, "summary.md");
    assert!(
        s.contains("IdP: entra (detected from the Entra provisioning logs)"),
        "{s}"
    );
    assert!(s.contains("- Provisioning logs: expected"), "{s}");
    let d2 = tempfile::tempdir().unwrap();
    let plain = entry(&make(d2.path(), &[]), "summary.md");
    assert!(plain.contains("IdP: not stated"), "{plain}");
}

/// With --no-snapshot the bundle cannot be re-analysed, so the summary does not offer it.
#[test]
fn no_reanalyse_advice_without_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let s = entry(&make(dir.path(), &["--no-snapshot"]), "summary.md");
    assert!(!s.contains("Re-analyse"), "{s}");
}
