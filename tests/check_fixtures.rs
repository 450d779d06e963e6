//! The fixture-case runner for offline checks (convention in the common brief).
//!
//! Every directory `fixtures/checks/<check-id>/{positive,negative}-<name>/` is one case: a
//! tenant (`Users.json` / `Groups.json`), optional `args.txt` (extra `check` arguments, one
//! per line; relative paths resolved against the case dir) and `expect.toml`. The runner
//! runs the real binary on each case and asserts the entry for `<check-id>`; all failing
//! cases are reported together, each with its path.

use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::case_args;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    status: String,
    count: Option<usize>,
    subjects: Option<Vec<String>>,
    message_contains: Option<String>,
    /// Optional: a substring that at least one subject's `detail` must contain.
    detail_contains: Option<String>,
}

/// Every case directory, sorted: (check id, case dir).
fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/checks");
    let mut out = Vec::new();
    let Ok(checks) = std::fs::read_dir(&root) else {
        return out;
    };
    for check in checks.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
        let id = check.file_name().to_string_lossy().into_owned();
        let Ok(dirs) = std::fs::read_dir(check.path()) else {
            continue;
        };
        for case in dirs.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
            let name = case.file_name().to_string_lossy().into_owned();
            if name.starts_with("positive-") || name.starts_with("negative-") {
                out.push((id.clone(), case.path()));
            }
        }
    }
    out.sort();
    out
}

/// Runs one case; `Err` says what went wrong.
fn run_case(id: &str, dir: &Path) -> Result<(), String> {
    let expect_text = std::fs::read_to_string(dir.join("expect.toml"))
        .map_err(|e| format!("cannot read expect.toml: {e}"))?;
    let expect: Expect =
        toml::from_str(&expect_text).map_err(|e| format!("bad expect.toml: {e}"))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.starts_with("negative-") && expect.status != "pass" {
        return Err(format!(
            "a negative case must expect status pass, not {}",
            expect.status
        ));
    }
    let output = assert_cmd::Command::cargo_bin("scim-doctor")
        .map_err(|e| e.to_string())?
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-01-01T00:00:00Z")
        .env_remove("SCIM_BASE_URL")
        .args(["check", "--snapshot"])
        .arg(dir)
        .args(["--playbook", "full-audit", "--format", "json"])
        .args(case_args(dir))
        .output()
        .map_err(|e| format!("cannot run scim-doctor: {e}"))?;
    let code = output.status.code();
    if code != Some(0) && code != Some(1) {
        return Err(format!(
            "exit code {code:?}, stderr: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })?;
    let entry = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .ok_or_else(|| format!("no entry for `{id}` in the report"))?;
    let mut problems = Vec::new();
    if entry["status"] != expect.status.as_str() {
        problems.push(format!(
            "status: expected {}, got {}",
            expect.status, entry["status"]
        ));
    }
    if let Some(n) = expect.count {
        if entry["count"].as_u64() != Some(n as u64) {
            problems.push(format!("count: expected {n}, got {}", entry["count"]));
        }
    }
    let subjects: Vec<&Value> = entry["subjects"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    if let Some(want) = &expect.subjects {
        let mut want = want.clone();
        want.sort();
        let mut got: Vec<String> = subjects
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string))
            .collect();
        got.sort();
        if got != want {
            problems.push(format!("subjects: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(m) = &expect.message_contains {
        if !entry["message"]
            .as_str()
            .is_some_and(|s| s.contains(m.as_str()))
        {
            problems.push(format!(
                "message: expected it to contain {m:?}, got {}",
                entry["message"]
            ));
        }
    }
    if let Some(d) = &expect.detail_contains {
        if !subjects
            .iter()
            .any(|s| s["detail"].as_str().is_some_and(|x| x.contains(d.as_str())))
        {
            problems.push(format!(
                "detail: expected a subject detail containing {d:?}"
            ));
        }
    }
    if entry["status"] != "pass"
        && entry["status"] != "skipped"
        && entry["remediation"].as_str().is_none_or(str::is_empty)
    {
        problems.push("a non-pass result has no remediation".into());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// Every fixture case under fixtures/checks/ produces the result its expect.toml states.
#[test]
fn every_fixture_case_matches_its_expectation() {
    let all = cases();
    assert!(
        !all.is_empty(),
        "no fixture cases found under fixtures/checks/"
    );
    let failures: Vec<String> = all
        .iter()
        .filter_map(|(id, dir)| {
            run_case(id, dir)
                .err()
                .map(|e| format!("{}: {e}", dir.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixture cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
