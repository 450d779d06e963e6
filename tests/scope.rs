//! Integration tests of the scope work, running the real binary: the fixture cases of the four
//! scope checks (same contract as tests/check_fixtures.rs) and `scope simulate`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary is built");
    c.env("NO_COLOR", "1")
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z");
    c
}

/// Runs `check` on one case dir and compares the entry of `check_id` with expect.toml.
fn run_case(check_id: &str, dir: &Path) {
    let args: Vec<String> = std::fs::read_to_string(dir.join("args.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let out = bin()
        .current_dir(dir)
        .args([
            "check",
            "--snapshot",
            ".",
            "--playbook",
            "full-audit",
            "--format",
            "json",
        ])
        .args(&args)
        .output()
        .expect("binary runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON report ({e}); stderr: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let entry = report["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == check_id))
        .unwrap_or_else(|| panic!("{}: no entry for {check_id}", dir.display()));
    let expect: toml::Table =
        toml::from_str(&std::fs::read_to_string(dir.join("expect.toml")).expect("expect.toml"))
            .expect("expect.toml parses");
    let case = dir.display();
    assert_eq!(
        entry["status"].as_str(),
        expect["status"].as_str(),
        "{case}: {entry}"
    );
    if let Some(n) = expect.get("count").and_then(|v| v.as_integer()) {
        assert_eq!(entry["count"].as_i64(), Some(n), "{case}: {entry}");
    }
    if let Some(want) = expect.get("subjects").and_then(|v| v.as_array()) {
        let mut want: Vec<&str> = want.iter().filter_map(|v| v.as_str()).collect();
        let mut got: Vec<&str> = entry["subjects"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["id"].as_str()).collect())
            .unwrap_or_default();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{case}");
    }
    if let Some(m) = expect.get("message_contains").and_then(|v| v.as_str()) {
        let msg = entry["message"].as_str().unwrap_or("");
        assert!(msg.contains(m), "{case}: message {msg:?} lacks {m:?}");
    }
}

fn run_all_cases(check_id: &str) {
    let base = root().join("fixtures/checks").join(check_id);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("case directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let names: Vec<String> = dirs
        .iter()
        .filter_map(|d| d.file_name().map(|f| f.to_string_lossy().into_owned()))
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("positive-")),
        "{check_id}: no positive case"
    );
    assert!(
        names.iter().any(|n| n.starts_with("negative-")),
        "{check_id}: no negative case"
    );
    for d in dirs {
        run_case(check_id, &d);
    }
}

#[test]
fn scope_filter_invalid_fixture_cases_hold() {
    run_all_cases("scope-filter-invalid");
}

#[test]
fn out_of_scope_fixture_cases_hold() {
    run_all_cases("out-of-scope");
}

#[test]
fn not_provisioned_fixture_cases_hold() {
    run_all_cases("not-provisioned");
}

#[test]
fn stale_in_target_fixture_cases_hold() {
    run_all_cases("stale-in-target");
}

#[test]
fn scope_checks_are_skipped_with_a_reason_without_scope_inputs() {
    let dir = root().join("fixtures/checks/out-of-scope/negative-everyone-in-sales");
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(&dir)
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    for id in [
        "scope-filter-invalid",
        "out-of-scope",
        "not-provisioned",
        "stale-in-target",
    ] {
        let c = report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .expect(id);
        assert_eq!(c["status"], "skipped", "{id}");
        assert!(
            c["message"].as_str().unwrap_or("").contains("--"),
            "{id}: {}",
            c["message"]
        );
    }
}

#[test]
fn bad_scope_filter_file_is_exit_2_with_one_line_naming_the_file() {
    let dir = root().join("fixtures/checks/out-of-scope/negative-everyone-in-sales");
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("broken.toml");
    std::fs::write(&bad, "[[group]]\nname = 1\n").expect("write");
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(&dir)
        .arg("--scope-filter")
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

fn simulate(args: &[&str]) -> std::process::Output {
    bin()
        .current_dir(root())
        .args(["scope", "simulate"])
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn simulate_human_table_shows_verdicts_reasons_counts_and_unmapped_columns() {
    let out = simulate(&[
        "--filter",
        "fixtures/scope/graph-schema.json",
        "--idp-users",
        "fixtures/idp/entra-users.csv",
        "--format",
        "human",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("3 in scope, 5 out of scope, 0 invalid (8 users)"),
        "{text}"
    );
    assert!(
        text.contains(
            "unmapped columns (kept under their own names): Licenses, agreementAcceptanceRequired"
        ),
        "{text}"
    );
    let gina = text
        .lines()
        .find(|l| l.contains("gina.ruiz@example.com"))
        .expect("gina's row");
    assert!(
        gina.starts_with("out-of-scope")
            && gina.contains(r#"department EQUALS "Sales", saw "sales""#),
        "{gina}"
    );
}

#[test]
fn simulate_json_has_per_user_verdicts_with_first_failing_clause_per_group() {
    let out = simulate(&[
        "--filter",
        "fixtures/scope/scope.toml",
        "--idp-users",
        "fixtures/idp/entra-users.csv",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["counts"]["in_scope"], 3);
    assert_eq!(v["counts"]["out_of_scope"], 5);
    assert_eq!(v["population"]["format"], "entra-csv");
    let eve = v["users"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|u| u["user"] == "eve.park@partner.example.com")
        })
        .expect("eve");
    assert_eq!(eve["verdict"], "out-of-scope");
    let misses = eve["misses"].as_array().expect("misses");
    assert_eq!(misses.len(), 2);
    assert_eq!(misses[1]["attribute"], "employeeId");
    assert_eq!(misses[1]["seen"], "X-17");
}

#[test]
fn simulate_csv_has_a_header_and_one_row_per_user() {
    let out = simulate(&[
        "--filter",
        "fixtures/scope/scope.toml",
        "--idp-users",
        "fixtures/idp/okta-users.csv",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().expect("header").iter().collect::<Vec<_>>(),
        ["user", "userPrincipalName", "objectId", "verdict", "reason"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.expect("row")).collect();
    assert_eq!(rows.len(), 5);
    // The Okta export has no userType column, so the Member clause sees no value.
    assert!(
        rows[0][4].contains("userType EQUALS \"Member\", saw no value"),
        "{:?}",
        &rows[0]
    );
}

#[test]
fn simulate_on_a_snapshot_evaluates_its_scim_users() {
    let out = simulate(&[
        "--filter",
        "fixtures/checks/out-of-scope/positive-scim-users-department-case/scope.toml",
        "--snapshot",
        "fixtures/checks/out-of-scope/positive-scim-users-department-case",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["population"]["kind"], "snapshot");
    assert_eq!(v["counts"]["users"], 5);
    assert_eq!(v["counts"]["in_scope"], 1);
}

#[test]
fn simulate_exits_1_when_a_users_scope_cannot_be_decided() {
    let out = simulate(&[
        "--filter",
        "fixtures/scope/scope-object.json",
        "--idp-users",
        "fixtures/idp/graph-users.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["counts"]["invalid"], 1);
    let pia = v["users"]
        .as_array()
        .and_then(|a| a.iter().find(|u| u["user"] == "pia.nord@example.com"))
        .expect("pia");
    assert_eq!(pia["verdict"], "invalid");
}

#[test]
fn simulate_without_a_population_is_exit_2_with_one_line() {
    let out = simulate(&["--filter", "fixtures/scope/scope.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--idp-users") && err.trim().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn simulate_with_an_unreadable_export_names_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("users.csv");
    std::fs::write(&bad, "Colour,Size\nred,10\n").expect("write");
    let out = bin()
        .args(["scope", "simulate", "--filter"])
        .arg(root().join("fixtures/scope/scope.toml"))
        .arg("--idp-users")
        .arg(&bad)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("users.csv") && err.contains("no column identifies users"),
        "{err}"
    );
}
