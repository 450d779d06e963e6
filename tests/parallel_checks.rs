//! The checks run on several threads (src/engine/parallel.rs); the report must be the one a
//! run in order gives, byte for byte. Runs the real binary on the demo tenant and on every
//! offline check fixture with `SCIM_DOCTOR_CHECK_THREADS=1` and `=4` and compares stdout.

use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::case_args;

fn report(dir: &Path, extra: &[String], threads: &str) -> Vec<u8> {
    let out = assert_cmd::Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-01-01T00:00:00Z")
        .env("SCIM_DOCTOR_CHECK_THREADS", threads)
        .env_remove("SCIM_BASE_URL")
        .args(["check", "--snapshot"])
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Proves the demo tenant's full-audit report is identical on 1 thread and on 4.
#[test]
fn demo_tenant_report_is_the_same_on_one_thread_and_four() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-tenant");
    let args: Vec<String> = ["--licenses", "40"].map(String::from).to_vec();
    let one = report(&dir, &args, "1");
    assert!(
        String::from_utf8_lossy(&one).contains("\"status\": \"fail\""),
        "the demo tenant must fail some checks for the comparison to mean anything"
    );
    assert_eq!(one, report(&dir, &args, "4"));
}

/// Proves every offline check fixture (with its own arguments) gives the same report on 1
/// thread and on 4.
#[test]
fn every_check_fixture_report_is_the_same_on_one_thread_and_four() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/checks");
    let mut cases: Vec<PathBuf> = Vec::new();
    for check in std::fs::read_dir(&root).unwrap().filter_map(Result::ok) {
        for case in std::fs::read_dir(check.path())
            .unwrap()
            .filter_map(Result::ok)
        {
            if case.path().join("expect.toml").exists() {
                cases.push(case.path());
            }
        }
    }
    cases.sort();
    assert!(cases.len() > 20, "only {} fixture cases", cases.len());
    let differ: Vec<String> = cases
        .iter()
        .filter(|dir| {
            let args = case_args(dir);
            report(dir, &args, "1") != report(dir, &args, "4")
        })
        .map(|d| d.display().to_string())
        .collect();
    assert!(differ.is_empty(), "reports differ: {differ:?}");
}

/// Proves `-vv` prints one `timing: check <id>` line per check that ran, and `-v` none.
#[test]
fn double_verbose_times_each_check_on_stderr() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-tenant");
    let stderr = |v: &str| {
        let out = assert_cmd::Command::cargo_bin("scim-doctor")
            .unwrap()
            .env_remove("SCIM_BASE_URL")
            .args(["check", "--snapshot"])
            .arg(&dir)
            .args(["--format", "json", v])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let vv = stderr("-vv");
    let lines: Vec<&str> = vv
        .lines()
        .filter(|l| l.starts_with("debug: timing: check "))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("debug: timing: check duplicate-email ")),
        "{vv}"
    );
    assert!(lines.iter().all(|l| l.ends_with(" s")), "{vv}");
    // Each check once, the full-audit playbook has more than 40.
    let mut ids: Vec<&str> = lines.iter().map(|l| l.split(' ').nth(3).unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "{vv}");
    assert!(n > 40, "{n} timing lines");
    let v = stderr("-v");
    assert!(v.contains("timing: load "), "{v}");
    assert!(!v.contains("timing: check "), "{v}");
}
