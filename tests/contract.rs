//! The `--format json` output contract (docs/json-contract.md), validated by a small
//! hand-written validator against real `check` output and against the documented example.

use assert_cmd::Command;
use serde_json::{Map, Value};
use std::path::Path;

const STATUSES: &[&str] = &["pass", "warn", "fail", "error", "skipped"];
const SUBJECT_KINDS: &[&str] = &["user", "group", "request", "entry", "item"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn is_str_or_null(v: &Value) -> bool {
    v.is_string() || v.is_null()
}

fn obj<'a>(v: &'a Value, at: &str, errs: &mut Vec<String>) -> Option<&'a Map<String, Value>> {
    let o = v.as_object();
    if o.is_none() {
        errs.push(format!("{at}: expected an object"));
    }
    o
}

fn require(
    o: &Map<String, Value>,
    key: &str,
    at: &str,
    ok: fn(&Value) -> bool,
    what: &str,
    errs: &mut Vec<String>,
) {
    match o.get(key) {
        None => errs.push(format!("{at}: missing `{key}`")),
        Some(v) if !ok(v) => errs.push(format!("{at}.{key}: expected {what}, got {v}")),
        Some(_) => {}
    }
}

fn validate_subject(s: &Value, at: &str, errs: &mut Vec<String>) {
    let Some(o) = obj(s, at, errs) else { return };
    require(o, "id", at, Value::is_string, "a string", errs);
    require(o, "detail", at, Value::is_string, "a string", errs);
    require(
        o,
        "kind",
        at,
        |v| v.as_str().is_some_and(|k| SUBJECT_KINDS.contains(&k)),
        "a subject kind",
        errs,
    );
    match o.get("kind").and_then(Value::as_str) {
        Some("user") => {
            require(o, "userName", at, is_str_or_null, "a string or null", errs);
            require(
                o,
                "emails",
                at,
                |v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                "an array of strings",
                errs,
            );
            require(o, "email", at, is_str_or_null, "a string or null", errs);
            require(
                o,
                "externalId",
                at,
                is_str_or_null,
                "a string or null",
                errs,
            );
            require(
                o,
                "active",
                at,
                |v| v.is_boolean() || v.is_null(),
                "a boolean or null",
                errs,
            );
        }
        Some("group") => require(
            o,
            "displayName",
            at,
            is_str_or_null,
            "a string or null",
            errs,
        ),
        _ => {}
    }
}

fn validate_check(c: &Value, at: &str, errs: &mut Vec<String>) {
    let Some(o) = obj(c, at, errs) else { return };
    require(
        o,
        "id",
        at,
        |v| {
            v.as_str().is_some_and(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
        },
        "a kebab-case id",
        errs,
    );
    require(
        o,
        "status",
        at,
        |v| v.as_str().is_some_and(|s| STATUSES.contains(&s)),
        "pass|warn|fail|error|skipped",
        errs,
    );
    require(
        o,
        "count",
        at,
        Value::is_u64,
        "a non-negative integer",
        errs,
    );
    // Messages start lowercase and have no trailing period (STYLE.md rule 4).
    require(
        o,
        "message",
        at,
        |v| {
            v.as_str().is_some_and(|s| {
                !s.is_empty() && !s.starts_with(char::is_uppercase) && !s.ends_with('.')
            })
        },
        "a non-empty message, lowercase start, no trailing period",
        errs,
    );
    require(o, "remediation", at, Value::is_string, "a string", errs);
    require(o, "subjects", at, Value::is_array, "an array", errs);
    let status = o.get("status").and_then(Value::as_str).unwrap_or("");
    if matches!(status, "warn" | "fail" | "error")
        && o.get("remediation")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        errs.push(format!("{at}: a {status} result needs a remediation"));
    }
    if let Some(d) = o.get("data") {
        if !d.is_object() {
            errs.push(format!("{at}.data: expected an object"));
        }
    }
    for (i, s) in o
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        validate_subject(s, &format!("{at}.subjects[{i}]"), errs);
    }
}

/// Every way `report` breaks the contract (empty when it complies).
fn validate(report: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    let Some(o) = obj(report, "$", &mut errs) else {
        return errs;
    };
    require(
        o,
        "schema_version",
        "$",
        |v| {
            v.as_str().is_some_and(|s| {
                s.split('.').count() == 2
                    && s.split('.')
                        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            })
        },
        "\"MAJOR.MINOR\"",
        &mut errs,
    );
    require(
        o,
        "tool",
        "$",
        |v| v["name"] == "scim-doctor" && v["version"].is_string(),
        "{name: \"scim-doctor\", version}",
        &mut errs,
    );
    require(
        o,
        "generated_at",
        "$",
        |v| {
            v.as_str().is_some_and(|s| {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .is_ok()
            })
        },
        "an RFC 3339 timestamp",
        &mut errs,
    );
    require(
        o,
        "source",
        "$",
        |v| v["label"].is_string() && matches!(v["kind"].as_str(), Some("live" | "snapshot")),
        "{kind: live|snapshot, label}",
        &mut errs,
    );
    require(
        o,
        "summary",
        "$",
        |v| STATUSES.iter().all(|s| v[*s].is_u64()),
        "an object with a count per status",
        &mut errs,
    );
    require(
        o,
        "playbooks",
        "$",
        |v| {
            v.as_array().is_some_and(|a| {
                a.iter()
                    .all(|p| p["id"].is_string() && p["checks"].is_array())
            })
        },
        "an array of {id, title, status, checks}",
        &mut errs,
    );
    require(o, "checks", "$", Value::is_array, "an array", &mut errs);
    require(
        o,
        "warnings",
        "$",
        |v| v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "an array of strings",
        &mut errs,
    );
    let checks = o
        .get("checks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, c) in checks.iter().enumerate() {
        validate_check(c, &format!("$.checks[{i}]"), &mut errs);
    }
    for s in STATUSES {
        let tally = checks.iter().filter(|c| c["status"] == *s).count() as u64;
        if o.get("summary")
            .and_then(|x| x[*s].as_u64())
            .is_some_and(|n| n != tally)
        {
            errs.push(format!(
                "$.summary.{s}: says {}, the checks hold {tally}",
                o["summary"][*s]
            ));
        }
    }
    let mut ids: Vec<&str> = checks.iter().filter_map(|c| c["id"].as_str()).collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        errs.push("$.checks: a check id appears twice".into());
    }
    errs
}

fn run_json(args: &[&str]) -> Value {
    let out = Command::cargo_bin("scim-doctor")
        .expect("binary builds")
        .env_remove("SCIM_BASE_URL")
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .args(args)
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// A real full-audit run on a messy tenant satisfies the contract.
#[test]
fn real_check_output_satisfies_the_contract() {
    let snap = root().join("fixtures/contract/messy-tenant");
    let v = run_json(&[
        "--format",
        "json",
        "check",
        "--snapshot",
        &snap.display().to_string(),
        "--licenses",
        "3",
        "--ldap-groups",
        &snap.join("ldap-groups.txt").display().to_string(),
    ]);
    let errs = validate(&v);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    let registry_len = scim_doctor::checks::registry().len();
    assert_eq!(
        v["checks"].as_array().map(Vec::len),
        Some(registry_len),
        "full-audit reports every check"
    );
}

/// JSON subjects are never truncated, whatever --max-subjects says.
#[test]
fn json_subjects_are_complete_despite_max_subjects() {
    let snap = root().join("fixtures/contract/messy-tenant");
    let v = run_json(&[
        "--format",
        "json",
        "--max-subjects",
        "1",
        "check",
        "--snapshot",
        &snap.display().to_string(),
        "--playbook",
        "users-cannot-connect",
    ]);
    let entry = v["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "missing-email"))
        .cloned()
        .expect("missing-email entry");
    assert_eq!(entry["count"], 30);
    assert_eq!(entry["subjects"].as_array().map(Vec::len), Some(30));
}

/// The example in docs/json-contract.md is itself a valid report.
#[test]
fn the_documented_example_satisfies_the_contract() {
    let doc = std::fs::read_to_string(root().join("docs/json-contract.md"))
        .expect("docs/json-contract.md exists");
    let start = doc.find("```json\n").expect("a ```json block") + "```json\n".len();
    let len = doc[start..].find("\n```").expect("closing fence");
    let v: Value = serde_json::from_str(&doc[start..start + len]).expect("the example is JSON");
    let errs = validate(&v);
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// The validator does catch broken reports (so the tests above can fail).
#[test]
fn the_validator_rejects_reports_that_break_the_contract() {
    let snap = root().join("fixtures/contract/messy-tenant");
    let good = run_json(&[
        "--format",
        "json",
        "check",
        "--snapshot",
        &snap.display().to_string(),
        "--playbook",
        "duplicate-users",
    ]);
    let mut no_count = good.clone();
    no_count["checks"][0]
        .as_object_mut()
        .expect("object")
        .remove("count");
    assert!(validate(&no_count)
        .iter()
        .any(|e| e.contains("missing `count`")));
    let mut bad_status = good.clone();
    bad_status["checks"][0]["status"] = "ok".into();
    assert!(!validate(&bad_status).is_empty());
    let mut bad_subject = good.clone();
    let subject = bad_subject["checks"]
        .as_array_mut()
        .and_then(|c| {
            c.iter_mut()
                .find(|c| c["subjects"].as_array().is_some_and(|s| !s.is_empty()))
        })
        .expect("a check with subjects");
    subject["subjects"][0]
        .as_object_mut()
        .expect("object")
        .remove("detail");
    assert!(validate(&bad_subject)
        .iter()
        .any(|e| e.contains("missing `detail`")));
    let mut bad_summary = good;
    bad_summary["summary"]["pass"] = 999.into();
    assert!(validate(&bad_summary)
        .iter()
        .any(|e| e.contains("summary.pass")));
}
