//! Provisioning-log reading and the `provisioning-failures` check, on realistic fixtures of
//! every input format (fixtures/logs/, written for this project: one story, five formats).

use assert_cmd::Command;
use scim_doctor::logs::analysis::analyse;
use scim_doctor::logs::{load, LogInputs, LogStatus};
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/logs")
        .join(rel)
}

fn portal_csv() -> Vec<PathBuf> {
    [
        "ProvisioningLogs.csv",
        "ProvisioningLogs_ProvisioningSteps.csv",
        "ProvisioningLogs_ModifiedProperties.csv",
    ]
    .iter()
    .map(|f| fixture(&format!("portal-csv/{f}")))
    .collect()
}

fn variant_csv() -> Vec<PathBuf> {
    // Given in a different order than the portal names them: detection is by headers.
    [
        "steps-nov20.csv",
        "props-nov20.csv",
        "provisioning-logs-nov20.csv",
    ]
    .iter()
    .map(|f| fixture(&format!("portal-csv-variant/{f}")))
    .collect()
}

fn every_format() -> Vec<(&'static str, Vec<PathBuf>)> {
    vec![
        ("portal csv", portal_csv()),
        ("portal csv variant", variant_csv()),
        ("portal json", vec![fixture("portal-download.json")]),
        ("graph v1.0", vec![fixture("graph-v1.json")]),
        ("graph beta", vec![fixture("graph-beta.json")]),
    ]
}

fn loaded(paths: &[PathBuf]) -> LogInputs {
    match load(paths) {
        Ok(l) => l,
        Err(e) => panic!("{paths:?}: {e:#}"),
    }
}

// proves that all five formats of the same logs read into the same entries and groups
#[test]
fn every_format_reads_the_same_story() {
    for (label, paths) in every_format() {
        let logs = loaded(&paths);
        assert_eq!(logs.entries.len(), 11, "{label}");
        let a = analyse(&logs.entries);
        assert_eq!(
            (a.totals.success, a.totals.failure, a.totals.skipped),
            (4, 5, 2),
            "{label}"
        );
        let codes: Vec<(String, usize, bool)> = a
            .failures
            .iter()
            .map(|g| (g.key.clone(), g.count, g.known))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("EntryConflict".to_string(), 2, true),
                ("ContosoWidgetQuotaReached".to_string(), 1, false),
                ("MandatoryFieldsMissing".to_string(), 1, true),
                ("TooManyRequests".to_string(), 1, true),
            ],
            "{label}"
        );
        let skips: Vec<(String, usize)> =
            a.skips.iter().map(|g| (g.key.clone(), g.count)).collect();
        assert_eq!(
            skips,
            vec![("NotEffectivelyEntitled".to_string(), 2)],
            "{label}"
        );
        let conflict = &a.failures[0];
        assert_eq!(
            conflict.seen_as,
            vec!["ContosoSaseEntryConflict".to_string()],
            "{label}"
        );
        assert_eq!(conflict.users.len(), 1, "{label}");
        assert_eq!(conflict.users[0].label, "bob@contoso.com", "{label}");
        assert_eq!(
            conflict.first.as_deref(),
            Some("2026-11-20T08:00:07Z"),
            "{label}"
        );
        assert_eq!(
            conflict.last.as_deref(),
            Some("2026-11-20T08:40:07Z"),
            "{label}"
        );
    }
}

// proves that the CSV trio is joined on change id: steps and modified properties land on their entry
#[test]
fn csv_files_are_joined_on_change_id() {
    for paths in [portal_csv(), variant_csv()] {
        let logs = loaded(&paths);
        let bob = logs
            .entries
            .iter()
            .find(|e| {
                e.status == LogStatus::Failure
                    && e.source_name.as_deref() == Some("bob@contoso.com")
            })
            .expect("bob's failure is in the fixture");
        let kinds: Vec<&str> = bob.steps.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, vec!["import", "scoping", "matching", "export"]);
        assert_eq!(bob.steps[3].status, "failure");
        assert!(bob
            .modified
            .iter()
            .any(|m| m.name == "userName" && m.new == "bob@contoso.com"));
        let formats: Vec<&str> = logs.files.iter().map(|f| f.format.as_str()).collect();
        assert!(formats.contains(&"portal-csv-logs") && formats.contains(&"portal-csv-steps"));
    }
}

// proves that the JSON shapes are told apart and that Graph's nested steps are read
#[test]
fn json_shapes_are_recognised() {
    assert_eq!(
        loaded(&[fixture("graph-v1.json")]).files[0].format,
        "json-graph-v1"
    );
    assert_eq!(
        loaded(&[fixture("graph-beta.json")]).files[0].format,
        "json-graph-beta"
    );
    let portal = loaded(&[fixture("portal-download.json")]);
    assert_eq!(portal.files[0].format, "json-graph-v1");
    let carol = portal
        .entries
        .iter()
        .find(|e| e.status == LogStatus::Skipped)
        .expect("a skipped entry");
    assert_eq!(carol.skip_reason.as_deref(), Some("NotEffectivelyEntitled"));
    assert_eq!(carol.steps.len(), 2);
    assert_eq!(carol.action.as_deref(), Some("other"));
}

// proves that the reader reports understood and ignored columns by name
#[test]
fn understood_and_ignored_columns_are_reported() {
    let logs = loaded(&portal_csv());
    let understood: Vec<&str> = logs.understood.iter().map(|c| c.column.as_str()).collect();
    let ignored: Vec<&str> = logs.ignored.iter().map(|c| c.column.as_str()).collect();
    assert!(
        understood.contains(&"Date (UTC)") && understood.contains(&"Error Code"),
        "{understood:?}"
    );
    assert!(
        ignored.contains(&"Duration (milliseconds)") && ignored.contains(&"Source System"),
        "{ignored:?}"
    );
    let graph = loaded(&[fixture("graph-v1.json")]);
    let ignored: Vec<&str> = graph.ignored.iter().map(|c| c.column.as_str()).collect();
    assert!(ignored.contains(&"durationInMilliseconds"), "{ignored:?}");
}

// proves that the same logs given twice (CSV and JSON) are counted once
#[test]
fn duplicate_inputs_count_once() {
    let mut paths = portal_csv();
    paths.push(fixture("graph-v1.json"));
    let logs = loaded(&paths);
    assert_eq!(logs.entries.len(), 11);
    assert!(
        logs.notes.iter().any(|n| n.contains("counted once")),
        "{:?}",
        logs.notes
    );
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary builds");
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("NO_COLOR", "1");
    c
}

fn check_json(logs: &[PathBuf]) -> serde_json::Value {
    let mut c = bin();
    c.args(["check", "--snapshot"])
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/tenant"))
        .args([
            "--playbook",
            "full-audit",
            "--format",
            "json",
            "--provisioning-logs",
        ])
        .args(logs);
    let out = c.output().expect("runs");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    report["checks"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|c| c["id"] == "provisioning-failures")
                .cloned()
        })
        .expect("provisioning-failures in the report")
}

// proves that the real binary reports the failures with per-code data and a quarantine verdict
#[test]
fn provisioning_failures_through_the_binary() {
    let r = check_json(&portal_csv());
    assert_eq!(r["status"], "fail");
    assert_eq!(r["count"], 5, "bob, carol, dave, erin, frank");
    assert_eq!(r["data"]["codes"]["EntryConflict"], 2);
    assert_eq!(r["data"]["skip_reasons"]["NotEffectivelyEntitled"], 2);
    assert_eq!(r["data"]["quarantine"]["level"], "at-risk");
    let msg = r["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("unknown code ContosoWidgetQuotaReached"),
        "{msg}"
    );
    let rem = r["remediation"].as_str().unwrap_or_default();
    assert!(
        rem.contains("NotEffectivelyEntitled") && rem.contains("assign the user"),
        "{rem}"
    );
}

// proves that a file that is not a provisioning log stops the run with exit code 2 and one line
#[test]
fn unrecognised_log_file_is_exit_2() {
    let tenant = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/explain/tenant");
    for bogus in [fixture("not-a-log.csv"), tenant.join("Users.json")] {
        let mut c = bin();
        c.args(["check", "--snapshot"])
            .arg(&tenant)
            .args(["--format", "json", "--provisioning-logs"])
            .arg(&bogus);
        let out = c.output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bogus:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("provisioning log"), "{err}");
    }
}

// proves the user docs list every error code the check knows (the table cannot drift)
#[test]
fn docs_list_every_known_code() {
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/provisioning-logs.md"),
    )
    .expect("docs/provisioning-logs.md exists");
    for k in scim_doctor::logs::codes::known_codes()
        .iter()
        .chain(scim_doctor::logs::codes::known_skip_reasons())
    {
        assert!(
            doc.contains(&format!("`{}`", k.code)),
            "{} missing from the docs",
            k.code
        );
    }
}

// proves that a steps file given on its own still yields one entry per change, its status taken from the steps
#[test]
fn lone_steps_file_counts() {
    let logs = loaded(&[fixture("portal-csv/ProvisioningLogs_ProvisioningSteps.csv")]);
    assert_eq!(logs.entries.len(), 11);
    let a = analyse(&logs.entries);
    assert_eq!(
        (a.totals.failure, a.totals.skipped, a.totals.success),
        (5, 2, 4)
    );
    let skips: Vec<&str> = a.skips.iter().map(|g| g.key.as_str()).collect();
    assert_eq!(
        skips,
        vec!["NotEffectivelyEntitled"],
        "the skip reason is read from the step description"
    );
}
