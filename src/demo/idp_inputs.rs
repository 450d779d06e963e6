//! The IdP configuration the demo hands `--idp-config`, in the Graph and Okta shapes the
//! real files have (fixtures/idp-config/README.md cites them), with planted problems:
//! - the Entra schema applies the work email only on creation (`mapping-email` warns) and
//!   matches on displayName after userName, which the demo tenant repeats (`mapping-matching`);
//! - the Entra job is in quarantine for the 40% escrow threshold (`provisioning-job`);
//! - the Okta System Log holds provisioning failures for the new hires and a rate limit, and
//!   one group push mapping is in ERROR (`provisioning-failures`, `okta-app-assignment`).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn attr(expr: &str, target: &str, priority: i64, flow: &str) -> Value {
    let name = expr.trim_matches(['[', ']']);
    let source = if expr.starts_with('[') {
        json!({"expression": expr, "name": name, "parameters": [], "type": "Attribute"})
    } else {
        json!({"expression": expr, "name": expr.split('(').next().unwrap_or(""), "parameters": [], "type": "Function"})
    };
    json!({"defaultValue": null, "exportMissingReferences": false, "flowBehavior": "FlowWhenChanged",
           "flowType": flow, "matchingPriority": priority, "source": source, "targetAttributeName": target})
}

fn schema() -> Value {
    let maps = vec![
        attr("[userPrincipalName]", "userName", 1, "Always"),
        attr("[displayName]", "displayName", 2, "Always"),
        attr(
            "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
            "active",
            0,
            "Always",
        ),
        attr(
            "[mail]",
            "emails[type eq \"work\"].value",
            0,
            "ObjectAddOnly",
        ),
        attr("[objectId]", "externalId", 0, "Always"),
        attr("[givenName]", "name.givenName", 0, "Always"),
        attr("[surname]", "name.familyName", 0, "Always"),
        attr(
            "[department]",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            0,
            "Always",
        ),
    ];
    json!({
        "id": "scim", "version": "Date:2026-11-20T08:00:00Z",
        "directories": [],
        "synchronizationRules": [{
            "id": "demo-rule", "name": "USER_TO_SCIM", "priority": 1, "editable": true,
            "sourceDirectoryName": "Azure Active Directory", "targetDirectoryName": "customappsso",
            "objectMappings": [{
                "enabled": true, "flowTypes": "Add, Update, Delete", "name": "Provision Microsoft Entra ID Users",
                "scope": null, "sourceObjectName": "User", "targetObjectName": "User", "attributeMappings": maps
            }]
        }]
    })
}

fn job() -> Value {
    json!({
        "id": "scim.0demo0000000000000000000000000.1f2e", "templateId": "scim",
        "schedule": {"expiration": null, "interval": "PT40M", "state": "Active"},
        "status": {
            "code": "Quarantine", "countSuccessiveCompleteFailures": 0, "escrowsPruned": false,
            "lastExecution": {"state": "EntryLevelErrors", "timeBegan": "2026-11-20T07:20:00Z", "timeEnded": "2026-11-20T07:40:00Z",
                              "countEscrowed": 5210, "countExported": 7000, "error": null},
            "lastSuccessfulExecution": null, "progress": [],
            "quarantine": {"currentBegan": "2026-11-20T08:00:00Z", "seriesBegan": "2026-11-20T08:00:00Z", "nextAttempt": "2026-11-21T08:00:00Z",
                           "reason": "EncounteredEscrowProportionThreshold", "seriesCount": 2,
                           "error": {"code": "EscrowProportionThresholdExceeded", "message": "More than 40% of provisioning events failed", "tenantActionable": true}},
            "steadyStateFirstAchievedTime": "0001-01-01T00:00:00Z", "steadyStateLastAchievedTime": "",
            "synchronizedEntryCountByType": [], "troubleshootingUrl": null
        },
        "synchronizationJobSettings": []
    })
}

fn event(kind: &str, result: &str, reason: Option<&str>, user: &str, at: &str) -> Value {
    json!({
        "eventType": kind, "displayMessage": kind, "published": at, "severity": if result == "SUCCESS" { "INFO" } else { "ERROR" },
        "outcome": {"result": result, "reason": reason},
        "transaction": {"type": "JOB", "id": format!("demo-{at}")},
        "target": [{"type": "AppUser", "alternateId": user, "displayName": user},
                   {"type": "AppInstance", "alternateId": "SASE SCIM", "displayName": "SASE SCIM"}]
    })
}

fn okta_log() -> Value {
    let mut ev = Vec::new();
    for n in 0..6 {
        let u = format!("new.hire{n}@northwind.example");
        let at = format!("2026-11-20T09:{:02}:00.000Z", n * 5);
        let why = if n % 2 == 0 {
            format!("Automatic provisioning of user New Hire {n} to app SASE SCIM failed: Matching user not found.")
        } else {
            format!("Automatic provisioning of user New Hire {n} to app SASE SCIM failed: Error while creating user New Hire {n}: User already exists in the database.")
        };
        ev.push(event(
            "application.provision.user.push",
            "FAILURE",
            Some(&why),
            &u,
            &at,
        ));
    }
    ev.push(event(
        "application.integration.rate_limit_exceeded",
        "FAILURE",
        None,
        "new.hire7@northwind.example",
        "2026-11-20T10:00:00.000Z",
    ));
    ev.push(event(
        "application.provision.user.push",
        "SUCCESS",
        None,
        "new.hire8@northwind.example",
        "2026-11-20T10:05:00.000Z",
    ));
    Value::Array(ev)
}

fn group_push(group: &str) -> Value {
    json!([
        {"id": "gPmdemo00000000000001", "sourceGroupId": "00gdemosales", "targetGroupId": "demo-target-1", "status": "ACTIVE",
         "errorSummary": null, "lastPush": "2026-11-20T10:00:00.000Z"},
        {"id": "gPmdemo00000000000002", "sourceGroupId": "00gdemovpn", "targetGroupId": "demo-target-2", "status": "ERROR",
         "errorSummary": format!("Failed on 11-20-2026 10:00:00AM UTC: Unable to update Group Push mapping target App group {group}: Error while trying to push group: Not Found"),
         "lastPush": "2026-11-20T10:00:00.000Z"}
    ])
}

/// Writes the four files into `dir` and returns their paths, in `--idp-config` order.
pub fn write(dir: &Path, group: &str) -> std::io::Result<Vec<PathBuf>> {
    let files = [
        ("entra-schema.json", schema()),
        ("entra-job.json", job()),
        ("okta-system-log.json", okta_log()),
        ("okta-group-push-mappings.json", group_push(group)),
    ];
    let mut out = Vec::new();
    for (name, v) in files {
        let p = dir.join(name);
        crate::util::write_output(&p, &serde_json::to_vec_pretty(&v)?)?;
        out.push(p);
    }
    Ok(out)
}
