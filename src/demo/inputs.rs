//! The IdP side of the demo: from the demo tenant, derive (deterministically) the files an
//! admin would hand scim-doctor — an Entra users CSV export, a scoping filter in the TOML
//! form, a Graph provisioning-log download and an LDAP group list — and a licence count, so
//! `demo` exercises the scope, log, LDAP and licence checks through the same file readers
//! real inputs go through.
//!
//! What is planted, relative to the target tenant:
//! - every 250th active target user is missing from the IdP export (`stale-in-target`);
//! - 12 IdP users that the target never received (`not-provisioned`), 4 of them guests that
//!   the filter keeps out, and log entries saying why the others failed;
//! - every 150th active user is a guest in the IdP (`out-of-scope`, and so also stale);
//! - three LDAP group names equal demo group names (`ldap-group-collision`);
//! - licences for all active users but 40 (`license-capacity`);
//! - the IdP's configuration with its own planted problems (`demo::idp_inputs`).

use crate::model::{Tenant, User, ENTERPRISE_SCHEMA};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Paths and values of the demo's extra inputs.
pub struct DemoInputs {
    pub idp_users: PathBuf,
    pub scope_filter: PathBuf,
    pub provisioning_logs: PathBuf,
    pub ldap_groups: PathBuf,
    pub licenses: u64,
    /// The IdP configuration files (`--idp-config`, `demo::idp_inputs`).
    pub idp_config: Vec<PathBuf>,
    /// A user worth explaining: an active user whose email a soft-deleted copy shares.
    pub explain_user: Option<String>,
}

const SCOPE_TOML: &str = r#"# Demo scoping filter (the TOML form of Entra's Source Object Scope).
description = "demo: members with an enabled account, or partner contractors"

[[group]]
name = "Enabled members"
[[group.clause]]
attribute = "userType"
operator = "EQUALS"
value = "Member"
[[group.clause]]
attribute = "accountEnabled"
operator = "IS TRUE"

[[group]]
name = "Partner contractors"
[[group.clause]]
attribute = "userPrincipalName"
operator = "ENDS_WITH"
value = "@partner.example"
[[group.clause]]
attribute = "employeeId"
operator = "REGEX MATCH"
value = "^C[0-9]{5}$"
"#;

fn is_soft_delete_name(user_name: &str) -> bool {
    user_name.len() > 32 && user_name.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
}

fn department(u: &User) -> String {
    u.extra
        .as_ref()
        .and_then(|m| m.get(ENTERPRISE_SCHEMA))
        .and_then(|e| {
            e.get("department")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

struct Row {
    object_id: String,
    upn: String,
    display: String,
    mail: String,
    user_type: &'static str,
    department: String,
    enabled: bool,
    employee_id: String,
}

fn rows(tenant: &Tenant) -> Vec<Row> {
    let mut out = Vec::new();
    let mut active_seen = 0usize;
    for u in &tenant.users {
        let Some(upn) = u.user_name.as_deref() else {
            continue;
        };
        // Soft-deleted users are gone from Entra's user list; disabled ones are exported.
        if is_soft_delete_name(upn) {
            continue;
        }
        if u.is_active() {
            active_seen += 1;
            if active_seen.is_multiple_of(250) {
                continue;
            }
        }
        out.push(Row {
            object_id: u.external_id.clone().unwrap_or_else(|| u.id.clone()),
            upn: upn.to_string(),
            display: u.display_name.clone().unwrap_or_default(),
            mail: u.primary_email().unwrap_or("").to_string(),
            user_type: if u.is_active() && active_seen.is_multiple_of(150) {
                "Guest"
            } else {
                "Member"
            },
            department: department(u),
            enabled: u.is_active(),
            employee_id: format!("E{:05}", 10_000 + out.len()),
        });
    }
    for n in 0..12 {
        out.push(Row {
            object_id: format!("0de00000-0000-4000-8000-{:012}", n),
            upn: format!("new.hire{n}@northwind.example"),
            display: format!("New Hire {n}"),
            mail: format!("new.hire{n}@northwind.example"),
            user_type: if n % 3 == 0 { "Guest" } else { "Member" },
            department: "Sales".into(),
            enabled: true,
            employee_id: format!("E{:05}", 90_000 + n),
        });
    }
    out
}

fn entra_csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "id,userPrincipalName,displayName,mail,userType,department,accountEnabled,employeeId\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            csv_field(&r.object_id),
            csv_field(&r.upn),
            csv_field(&r.display),
            csv_field(&r.mail),
            r.user_type,
            csv_field(&r.department),
            if r.enabled { "True" } else { "False" },
            r.employee_id
        );
    }
    s
}

fn log_entry(
    n: usize,
    r: &Row,
    status: &str,
    code: Option<&str>,
    reason: &str,
    action: &str,
) -> Value {
    let error = code
        .map(|c| json!({"errorCode": c, "reason": reason, "errorCategory": "NonServiceFailure"}));
    json!({
        "id": format!("demo-log-{n:04}"),
        "activityDateTime": format!("2026-11-25T{:02}:{:02}:05Z", 8 + n / 60 % 10, n % 60),
        "changeId": format!("demo-change-{n:04}"),
        "cycleId": "demo-cycle-0001",
        "jobId": "scim.demo.job",
        "provisioningAction": action,
        "sourceIdentity": {"id": r.object_id, "displayName": r.display, "identityType": "User",
            "details": {"UserPrincipalName": r.upn}},
        "targetIdentity": {"id": "", "displayName": r.upn, "identityType": "User", "details": {}},
        "provisioningStatusInfo": {"status": status, "errorInformation": error},
        "provisioningSteps": [],
    })
}

fn graph_logs(rows: &[Row]) -> String {
    let mut entries = Vec::new();
    let hires: Vec<&Row> = rows
        .iter()
        .filter(|r| r.upn.starts_with("new.hire"))
        .collect();
    for (i, r) in hires.iter().enumerate() {
        let e = match i % 4 {
            0 => log_entry(i, r, "skipped", None, "", "other"),
            1 => log_entry(
                i,
                r,
                "failure",
                Some("SystemForCrossDomainIdentityManagementEntryConflict"),
                "the target answered 409: a user with this userName already exists",
                "create",
            ),
            2 => log_entry(
                i,
                r,
                "failure",
                Some("NorthwindSaseMandatoryFieldsMissing"),
                "the target rejected the user: a required attribute is missing",
                "create",
            ),
            _ => log_entry(
                i,
                r,
                "failure",
                Some("SystemForCrossDomainIdentityManagementTooManyRequests"),
                "the target answered 429 Too Many Requests",
                "create",
            ),
        };
        entries.push(e);
    }
    // Skipped entries say why: not assigned to the app.
    for e in entries.iter_mut() {
        if e["provisioningStatusInfo"]["status"] == "skipped" {
            e["provisioningStatusInfo"]["reason"] = json!("NotEffectivelyEntitled");
            e["provisioningStatusInfo"]["errorInformation"] = json!({"errorCode": "EntrySynchronizationSkipped",
                "reason": "NotEffectivelyEntitled: the user is not assigned to the application"});
        }
    }
    for (i, r) in rows.iter().filter(|r| r.enabled).take(40).enumerate() {
        entries.push(log_entry(100 + i, r, "success", None, "", "update"));
    }
    serde_json::to_string_pretty(&json!({ "value": entries })).unwrap_or_default()
}

fn ldap_list(tenant: &Tenant) -> String {
    let mut s = String::from("# LDAP groups already in the console (demo)\n");
    for g in tenant
        .groups
        .iter()
        .filter_map(|g| g.display_name.as_deref())
        .take(3)
    {
        let _ = writeln!(s, "{g}");
    }
    s.push_str("VPN Users (LDAP)\nAll Staff (LDAP)\n");
    s
}

fn explain_candidate(tenant: &Tenant) -> Option<String> {
    let leftover = tenant
        .users
        .iter()
        .find(|u| !u.is_active() && u.user_name.as_deref().is_some_and(is_soft_delete_name))?;
    leftover.user_name.as_deref().map(|n| n[32..].to_string())
}

/// Writes the demo's IdP-side files into `dir` and returns their paths.
pub fn write(tenant: &Tenant, dir: &Path) -> std::io::Result<DemoInputs> {
    let rows = rows(tenant);
    let inputs = DemoInputs {
        idp_users: dir.join("entra-users.csv"),
        scope_filter: dir.join("scope.toml"),
        provisioning_logs: dir.join("provisioning-logs.json"),
        ldap_groups: dir.join("ldap-groups.txt"),
        licenses: (tenant.users.iter().filter(|u| u.is_active()).count() as u64).saturating_sub(40),
        explain_user: explain_candidate(tenant),
        idp_config: Vec::new(),
    };
    let w = crate::util::write_output;
    w(&inputs.idp_users, entra_csv(&rows).as_bytes())?;
    w(&inputs.scope_filter, SCOPE_TOML.as_bytes())?;
    w(&inputs.provisioning_logs, graph_logs(&rows).as_bytes())?;
    w(&inputs.ldap_groups, ldap_list(tenant).as_bytes())?;
    let group = tenant
        .groups
        .first()
        .map(|g| g.name().to_string())
        .unwrap_or_default();
    let mut inputs = inputs;
    inputs.idp_config = super::idp_inputs::write(dir, &group)?;
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_inputs_are_deterministic_and_plant_what_they_claim() {
        let tenant = crate::demo::generate(600, 7);
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let ia = write(&tenant, a.path()).unwrap();
        write(&tenant, b.path()).unwrap();
        for f in [
            "entra-users.csv",
            "scope.toml",
            "provisioning-logs.json",
            "ldap-groups.txt",
        ] {
            assert_eq!(
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
        let csv = std::fs::read_to_string(&ia.idp_users).unwrap();
        assert_eq!(csv.lines().filter(|l| l.contains("new.hire")).count(), 12);
        assert!(csv.lines().any(|l| l.contains(",Guest,")));
        let active = tenant.users.iter().filter(|u| u.is_active()).count() as u64;
        assert_eq!(ia.licenses, active - 40);
    }
}
