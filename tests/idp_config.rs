//! `--idp-config` through the real binary: the explain-user Mapping stage on the Contoso
//! fixtures (fixtures/explain) with the SCIM-template schema (fixtures/idp-config), and the
//! errors a bad configuration file gets.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary builds");
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("NO_COLOR", "1")
        .env_remove("SCIM_BASE_URL");
    c
}

fn explain(query: &str, schema: Option<&str>) -> Value {
    let mut c = bin();
    c.args(["explain-user", query, "--format", "json", "--snapshot"])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--idp-users")
        .arg(root().join("fixtures/explain/idp-users.csv"));
    if let Some(s) = schema {
        c.arg("--idp-config")
            .arg(root().join("fixtures/idp-config").join(s));
    }
    let out = c.output().expect("runs");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn value<'a>(trace: &'a Value, target: &str) -> &'a Value {
    trace["mapping"]["values"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["target"] == target))
        .map(|v| &v["value"])
        .unwrap_or(&Value::Null)
}

/// Proves the Mapping stage evaluates each mapping on the export row and matches by precedence.
#[test]
fn mapping_stage_evaluates_the_row_and_matches_by_precedence() {
    let t = explain("bob@contoso.com", Some("schema-scim-default.json"));
    assert_eq!(value(&t, "userName"), "bob@contoso.com");
    assert_eq!(
        value(&t, "emails[type eq \"work\"].value"),
        "bob@contoso.com"
    );
    assert_eq!(value(&t, "active"), "True", "{}", t["mapping"]);
    // userName is not caseExact: Bob@Contoso.com in the target matches.
    assert_eq!(t["mapping"]["would_match"], "u-1002", "{}", t["mapping"]);
    let ext = t["mapping"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["target"] == "externalId")
        .unwrap();
    assert!(ext["value"].is_null());
    assert!(ext["note"]
        .as_str()
        .unwrap()
        .contains("mailNickname] is not in the export"));
}

/// Proves a user whose mail is empty gets a failing Mapping stage naming the null email.
#[test]
fn mapping_stage_fails_when_the_email_would_be_null() {
    let t = explain("dave@contoso.com", Some("schema-scim-default.json"));
    assert_eq!(t["mapping"]["status"], "fail", "{}", t["mapping"]);
    assert!(t["mapping"]["summary"].as_str().unwrap().contains("emails"));
}

/// Proves a disabled account is evaluated as soft-deleted, so active becomes False.
#[test]
fn mapping_stage_derives_is_soft_deleted_from_account_enabled() {
    let t = explain("heidi@contoso.com", Some("schema-scim-default.json"));
    assert_eq!(value(&t, "active"), "False", "{}", t["mapping"]);
}

/// Proves the stage is skipped, with the reason, when no schema is given.
#[test]
fn mapping_stage_is_skipped_without_a_schema() {
    let t = explain("bob@contoso.com", None);
    assert_eq!(t["mapping"]["status"], "skipped");
    assert!(t["mapping"]["summary"]
        .as_str()
        .unwrap()
        .contains("--idp-config"));
}

/// Proves a truncated or unrecognised --idp-config file is exit code 2 naming file and position.
#[test]
fn a_bad_idp_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("schema.json");
    std::fs::write(
        &cut,
        "{\"synchronizationRules\": [\n {\"objectMappings\": [",
    )
    .unwrap();
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--idp-config")
        .arg(&cut)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema.json") && err.contains("line 2"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let other = dir.path().join("users.json");
    std::fs::write(&other, "{\"value\": 3}").unwrap();
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--idp-config")
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a recognised IdP configuration file")
    );
}

/// Proves a schema that is not strict JSON is read and the report says where.
#[test]
fn a_schema_with_trailing_commas_is_read_and_reported() {
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--idp-config")
        .arg(root().join("fixtures/idp-config/schema-portal-trailing-commas.json"))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = r["warnings"].to_string();
    assert!(
        warnings.contains("not strict JSON") && warnings.contains("line "),
        "{warnings}"
    );
}
