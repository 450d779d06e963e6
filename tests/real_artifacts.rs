//! The vendors' own artifacts (fixtures/real, sources in its README) through the real
//! binary: each test states what an expert reading the file concludes and checks that the
//! report says the same.

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn real(p: &str) -> PathBuf {
    root().join("fixtures/real").join(p)
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary builds");
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("NO_COLOR", "1")
        .env_remove("SCIM_BASE_URL");
    c
}

/// Runs `check --playbook full-audit` on the Contoso snapshot with `args`; returns the report
/// and stderr.
fn report(args: &[&str], files: &[(&str, PathBuf)]) -> (Value, String) {
    let mut c = bin();
    c.args(["check", "--snapshot"])
        .arg(root().join("fixtures/explain/tenant"))
        .args(["--playbook", "full-audit", "--format", "json"])
        .args(args);
    for (flag, f) in files {
        c.arg(flag).arg(f);
    }
    let out = c.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    (v, stderr)
}

fn check<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("{id} not in the report"))
}

fn idp(file: &str) -> (Value, String) {
    report(&[], &[("--idp-config", real(file))])
}

/// Proves Microsoft's Salesforce schema is judged against Salesforce's own attributes:
/// disabling flows through IsActive, and no SCIM attribute is demanded.
#[test]
fn salesforce_schema_is_not_judged_against_scim_names() {
    let (r, _) = idp("entra/schema-salesforce-get.json");
    let active = check(&r, "mapping-active");
    assert_eq!(active["status"], "pass", "{active}");
    assert!(
        active["message"].as_str().unwrap().contains("IsActive"),
        "{active}"
    );
    let required = check(&r, "mapping-required");
    assert_eq!(required["status"], "skipped", "{required}");
    assert!(
        !required.to_string().contains("required by the profile"),
        "{required}"
    );
    let email = check(&r, "mapping-email");
    assert_eq!(
        email["status"], "skipped",
        "no email mapping in this trimmed schema: {email}"
    );
    assert!(
        email["message"]
            .as_str()
            .unwrap()
            .contains("salesforce.com"),
        "{email}"
    );
}

/// Proves the bare objectMapping (Salesforce) is read, Email <- [mail] passes and Username
/// is the matching attribute without SCIM filter probes.
#[test]
fn salesforce_object_mapping_is_read_on_its_own_attributes() {
    let (r, _) = idp("entra/objectmapping-salesforce.json");
    for id in [
        "mapping-email",
        "mapping-active",
        "mapping-username",
        "mapping-matching",
    ] {
        let c = check(&r, id);
        assert_eq!(c["status"], "pass", "{id}: {c}");
    }
    assert!(check(&r, "mapping-email")["message"]
        .as_str()
        .unwrap()
        .contains("Email <- [mail]"));
    let req = check(&r, "mapping-required");
    assert_eq!(
        req["status"], "skipped",
        "no attribute list for the target: {req}"
    );
}

/// Proves a SCIM schema (fixture written in the SCIM template's shape) keeps its SCIM checks:
/// the Salesforce rule does not leak into SCIM targets.
#[test]
fn a_scim_schema_still_gets_the_scim_checks() {
    let (r, _) = report(
        &[],
        &[(
            "--idp-config",
            root().join("fixtures/idp-config/schema-misconfigured.json"),
        )],
    );
    assert_eq!(check(&r, "mapping-active")["status"], "fail");
    assert_eq!(check(&r, "mapping-username")["status"], "fail");
}

/// Proves Microsoft's group 409 is explained as a group conflict, with group advice.
#[test]
fn group_conflict_is_a_group_conflict() {
    let (r, _) = report(
        &[],
        &[(
            "--provisioning-logs",
            real("entra/provisioning-group-conflict.json"),
        )],
    );
    let c = check(&r, "provisioning-failures");
    assert_eq!(c["status"], "fail");
    let msg = c["message"].as_str().unwrap();
    assert!(msg.contains("1 group"), "{msg}");
    assert!(
        !msg.contains("user"),
        "a group's failure is not counted as a user's: {msg}"
    );
    let fix = c["remediation"].as_str().unwrap();
    assert!(fix.contains("group with this displayName"), "{fix}");
    assert!(!fix.contains("userName or externalId"), "{fix}");
}

/// Proves explain-user on the group's name recognises the group and its conflict.
#[test]
fn explain_user_on_a_group_name_names_the_group() {
    let out = bin()
        .args([
            "explain-user",
            "Self-service Pilot",
            "--format",
            "json",
            "--snapshot",
        ])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--provisioning-logs")
        .arg(real("entra/provisioning-group-conflict.json"))
        .output()
        .unwrap();
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["verdict"]["code"], "group", "{}", t["verdict"]);
    assert!(t["verdict"]["summary"]
        .as_str()
        .unwrap()
        .contains("is a group"));
}

/// Proves Graph's sample with a trailing comma is read with a note, and the on-demand result.
#[test]
fn trailing_commas_and_provision_on_demand_are_read() {
    let (r, stderr) = report(
        &[],
        &[(
            "--provisioning-logs",
            real("entra/provisioning-success-trailing-comma.json"),
        )],
    );
    let c = check(&r, "provisioning-failures");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(stderr.contains("not strict JSON"), "{stderr}");
    let (r, stderr) = report(
        &[],
        &[(
            "--provisioning-logs",
            real("entra/provision-on-demand-skipped.json"),
        )],
    );
    let c = check(&r, "provisioning-failures");
    assert_eq!(c["status"], "warn", "a skip, not a failure: {c}");
    assert!(
        c["message"].as_str().unwrap().contains("RedundantExport"),
        "{c}"
    );
    assert!(stderr.contains("provision-on-demand"), "{stderr}");
}

/// Proves an Okta rate-limit event fails although its outcome is SUCCESS.
#[test]
fn okta_rate_limit_fails_whatever_the_outcome() {
    let (r, _) = idp("okta/rate-limit-event-panther.json");
    let c = check(&r, "provisioning-failures");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("rate-limited"),
        "{c}"
    );
}

/// Proves an Okta System Log given to --provisioning-logs is read, and said to be.
#[test]
fn okta_log_given_as_provisioning_logs_is_read() {
    let (r, stderr) = report(
        &[],
        &[(
            "--provisioning-logs",
            real("okta/rate-limit-event-panther.json"),
        )],
    );
    assert!(stderr.contains("is an Okta System Log"), "{stderr}");
    assert_eq!(check(&r, "provisioning-failures")["status"], "fail");
}

/// Proves an Entra provisioning log given to --idp-config is read as provisioning logs,
/// in JSON and as the portal's CSV.
#[test]
fn entra_log_given_as_idp_config_is_read() {
    let (r, stderr) = idp("entra/provisioning-group-conflict.json");
    assert!(stderr.contains("is an Entra provisioning log"), "{stderr}");
    assert_eq!(check(&r, "provisioning-failures")["status"], "fail");
    let csv = root().join("fixtures/logs/portal-csv/ProvisioningLogs.csv");
    let (r, stderr) = report(&[], &[("--idp-config", csv)]);
    assert!(stderr.contains("is an Entra provisioning log"), "{stderr}");
    assert_eq!(check(&r, "provisioning-failures")["status"], "fail");
}

/// Proves the Okta console CSV and NDJSON given to --provisioning-logs go to --idp-config.
#[test]
fn okta_csv_and_ndjson_given_as_provisioning_logs_are_read() {
    for f in [
        root().join("fixtures/idp-config/okta-system-log-success.csv"),
        real("okta/system-log-elastic.ndjson"),
    ] {
        let (_, stderr) = report(&[], &[("--provisioning-logs", f.clone())]);
        assert!(
            stderr.contains("is an Okta System Log"),
            "{}: {stderr}",
            f.display()
        );
        assert!(stderr.contains("(Okta System Log,"), "{stderr}");
    }
}

/// Proves the NDJSON System Log, one LogEvent and an event hook payload are read (no
/// provisioning event in any of them, so a warning that says so).
#[test]
fn okta_log_shapes_are_read() {
    for f in [
        "okta/system-log-elastic.ndjson",
        "okta/log-event.json",
        "okta/event-hook-payload.json",
    ] {
        let (r, stderr) = idp(f);
        let c = check(&r, "provisioning-failures");
        assert_eq!(c["status"], "warn", "{f}: {c} {stderr}");
        assert!(
            c["message"]
                .as_str()
                .unwrap()
                .contains("expected provisioning events"),
            "{f}: {c}"
        );
    }
}

/// Proves app features with create/update/deactivate DISABLED are reported.
#[test]
fn okta_disabled_features_are_reported() {
    let (r, _) = idp("okta/app-features.json");
    let c = check(&r, "okta-app-assignment");
    assert_eq!(c["status"], "warn", "{c}");
    let s = c.to_string();
    for cap in [
        "create.lifecycleCreate",
        "update.profile",
        "update.lifecycleDeactivate",
    ] {
        assert!(s.contains(cap), "{cap}: {s}");
    }
    assert!(
        !s.contains("password"),
        "password sync is not a provisioning failure: {s}"
    );
}

/// Proves an INACTIVE group push mapping is warned, the ACTIVE one not.
#[test]
fn okta_inactive_push_mapping_is_warned() {
    let (r, _) = idp("okta/group-push-mappings.json");
    let c = check(&r, "okta-app-assignment");
    assert_eq!(c["status"], "warn", "{c}");
    let s = c["subjects"].to_string();
    assert!(
        s.contains("gPm00000000000000001") && !s.contains("gPm00000000000000000\""),
        "{s}"
    );
}

/// Proves apps, one app, one app user and app groups are read (not refused).
#[test]
fn okta_app_shapes_are_read() {
    let (r, _) = idp("okta/apps-list.json");
    let c = check(&r, "okta-app-assignment");
    assert_eq!(
        c["status"], "warn",
        "no app of the list provisions users: {c}"
    );
    for f in [
        "okta/app.json",
        "okta/app-user.json",
        "okta/app-users.json",
        "okta/app-groups.json",
    ] {
        let (r, stderr) = idp(f);
        let c = check(&r, "okta-app-assignment");
        assert_ne!(c["status"], "skipped", "{f}: {c} {stderr}");
    }
    let (r, _) = idp("okta/app-groups.json");
    assert!(check(&r, "okta-app-assignment")["message"]
        .as_str()
        .unwrap()
        .contains("1 group assigned"));
}

/// Proves job advice follows the job's own error and counters.
#[test]
fn job_advice_follows_the_job() {
    let (r, _) = idp("entra/job-paused-invalid-credentials.json");
    let c = check(&r, "provisioning-job");
    let fix = c["remediation"].as_str().unwrap();
    assert!(fix.contains("Admin Credentials"), "{fix}");
    assert!(
        fix.find("Admin Credentials") < fix.find("Provisioning Status"),
        "credentials before start: {fix}"
    );

    let (r, _) = idp("entra/jobs-list-empty-status.json");
    let c = check(&r, "provisioning-job");
    let s = c.to_string();
    assert!(s.contains("no status reported"), "{s}");
    assert!(
        !s.contains("unrecognised status code") && !s.contains("failed entries"),
        "{s}"
    );

    let (r, _) = idp("entra/job-active-escrowed.json");
    let c = check(&r, "provisioning-job");
    assert_eq!(c["status"], "warn", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("escrowed 15"),
        "{c}"
    );
}

/// Proves explain-user reads Okta app users: a user Okta records as provisioned but absent
/// from the target is explained, not reported as not found.
#[test]
fn explain_user_reads_okta_app_users() {
    let out = bin()
        .args([
            "explain-user",
            "saml.test@example.com",
            "--format",
            "json",
            "--snapshot",
        ])
        .arg(root().join("fixtures/explain/tenant"))
        .arg("--idp-config")
        .arg(real("okta/app-users.json"))
        .output()
        .unwrap();
    let t: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_ne!(t["verdict"]["code"], "not-found", "{}", t["verdict"]);
    let s = t["verdict"]["summary"].as_str().unwrap();
    assert!(
        s.contains("Okta records the user as provisioned") && s.contains("00u1dnq5S0CfjlkpABCD"),
        "{s}"
    );
}

/// Proves a default value is decided by create versus update: sent when no target user
/// matches (kate), not sent when one does (alice), never shown as a plain null guess.
#[test]
fn default_values_follow_create_or_update() {
    let trace = |who: &str| -> Value {
        let out = bin()
            .args(["explain-user", who, "--format", "json", "--snapshot"])
            .arg(root().join("fixtures/explain/tenant"))
            .arg("--idp-users")
            .arg(root().join("fixtures/explain/idp-users.csv"))
            .arg("--idp-config")
            .arg(real("entra/objectmapping-salesforce.json"))
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let profile = |t: &Value| -> Value {
        t["mapping"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["target"] == "ProfileName")
            .cloned()
            .unwrap()
    };
    let created = profile(&trace("kate@contoso.com"));
    assert_eq!(created["value"], "Chatter Free User", "{created}");
    assert_eq!(created["known"], true);
    let updated = profile(&trace("alice@contoso.com"));
    assert!(updated["value"].is_null(), "{updated}");
    assert!(
        updated["note"].as_str().unwrap().contains("creation only"),
        "{updated}"
    );
}
