//! What the IdP's own records say about the query when it is not a target user: a group
//! (the target's groups, or provisioning-log entries whose `sourceIdentity.identityType` is
//! Group) and Okta app users (`--idp-config` with `/api/v1/apps/{appId}/users`). The trace's
//! verdict is replaced only when the query is one of these and no target user is named.

use super::{Trace, Verdict};
use crate::findings::Status;
use crate::idpconfig::okta::AppUser;
use crate::idpconfig::IdpConfig;
use crate::logs::{codes, LogEntry, LogStatus};
use crate::model::Tenant;

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Log entries about a group named (or identified) by `q`, latest last.
fn group_entries<'a>(q: &str, logs: &'a [LogEntry]) -> Vec<&'a LogEntry> {
    let mut v: Vec<&LogEntry> = logs
        .iter()
        .filter(|e| e.is_group() && e.identifiers().any(|s| eq_ci(s, q)))
        .collect();
    v.sort_by_key(|e| e.at_utc);
    v
}

/// The verdict for a query that names a group, or `None`.
pub fn group_verdict(q: &str, tenant: &Tenant, logs: &[LogEntry]) -> Option<Verdict> {
    let in_target = tenant.groups.iter().find(|g| {
        g.id == q
            || g.display_name.as_deref().is_some_and(|n| eq_ci(n, q))
            || g.external_id.as_deref() == Some(q)
    });
    let entries = group_entries(q, logs);
    if in_target.is_none() && entries.is_empty() {
        return None;
    }
    let mut summary = format!("`{q}` is a group, not a user");
    if let Some(g) = in_target {
        summary.push_str(&format!(
            "; the target holds it (id {}, {} members)",
            g.id,
            g.members.len()
        ));
    }
    let (status, next) = match entries.last() {
        Some(e) if e.status == LogStatus::Failure => {
            let code = e.error_code.as_deref().unwrap_or("no error code");
            let known = codes::lookup_code(code);
            let text = known.and_then(|k| codes::for_group(k.code)).or_else(|| {
                known.map(|k| (k.cause, k.remediation))
            });
            summary.push_str(&format!("; its latest provisioning-log entry failed with {code}"));
            match text {
                Some((cause, fix)) => {
                    summary.push_str(&format!(": {cause}"));
                    (Status::Fail, fix.to_string())
                }
                None => (Status::Fail, "open the group's entry in the provisioning logs and read its Troubleshooting & Recommendations tab".to_string()),
            }
        }
        Some(e) => {
            summary.push_str(&format!(
                "; its latest provisioning-log entry is {}",
                e.status.as_str()
            ));
            (Status::Warn, "explain-user traces users: run it on a member of the group; the group itself is checked by `scim-doctor check` (groups area)".to_string())
        }
        None => (
            Status::Warn,
            "explain-user traces users: run it on a member of the group; the group itself is checked by `scim-doctor check` (groups area)".to_string(),
        ),
    };
    Some(Verdict {
        status,
        code: "group",
        summary,
        next_step: next,
    })
}

/// The Okta app user the query names (login, email, Okta user id or externalId).
pub fn okta_app_user<'a>(q: &str, idp: Option<&'a IdpConfig>) -> Option<&'a AppUser> {
    idp?.app_users.as_ref()?.iter().find(|u| {
        u.id == q
            || u.external_id.as_deref() == Some(q)
            || u.user_name.as_deref().is_some_and(|n| eq_ci(n, q))
            || u.email.as_deref().is_some_and(|n| eq_ci(n, q))
    })
}

/// One sentence on the Okta app user, for the trace's warnings.
pub fn describe(u: &AppUser) -> String {
    format!(
        "Okta app user {} ({}): status {}, syncState {}, scope {}, externalId {}{}",
        u.id,
        u.label(),
        u.status.as_deref().unwrap_or("not given"),
        u.sync_state.as_deref().unwrap_or("not given"),
        u.scope.as_deref().unwrap_or("not given"),
        u.external_id
            .as_deref()
            .unwrap_or("none (never created in the target)"),
        u.last_sync
            .as_deref()
            .map(|t| format!(", last sync {t}"))
            .unwrap_or_default()
    )
}

/// The verdict for an Okta app user that no target user matches.
pub fn okta_verdict(q: &str, u: &AppUser) -> Verdict {
    let (status, code, what, next) = match (u.sync_state.as_deref(), u.status.as_deref()) {
        (Some("ERROR"), _) => (
            Status::Fail,
            "failing",
            "Okta's last provisioning operation for this user failed (syncState ERROR)",
            "open the app's Assignments tab (or Dashboard > Tasks), read the error, fix it and Retry; the System Log's application.provision.user.* events give the target's answer",
        ),
        (_, Some("STAGED")) => (
            Status::Warn,
            "not-provisioned",
            "Okta has not created the user in the target yet (status STAGED)",
            "check that Create Users is enabled under Provisioning > To App and that the System Log shows no application.provision.user.push failure",
        ),
        (_, Some("PROVISIONED")) => (
            Status::Fail,
            "not-provisioned",
            "Okta records the user as provisioned, but no target user matches its userName, email or externalId: it was deleted in the target, or the target is not the one Okta pushes to",
            "compare the app user's externalId with the target's user ids; if the user was deleted in the target, unassign and reassign it in Okta to create it again",
        ),
        _ => (
            Status::Warn,
            "not-provisioned",
            "the user is assigned in Okta but not in the target",
            "check the app's Provisioning > To App settings and the System Log for this user's push events",
        ),
    };
    Verdict {
        status,
        code,
        summary: format!("`{q}`: {what} ({})", describe(u)),
        next_step: next.into(),
    }
}

/// Applies what the IdP records say to a finished trace.
pub fn apply(trace: &mut Trace, tenant: &Tenant, logs: &[LogEntry], idp: Option<&IdpConfig>) {
    let q = trace.query.clone();
    let names_user = tenant.users.iter().any(|u| {
        u.id == q
            || u.user_name.as_deref().is_some_and(|n| eq_ci(n, &q))
            || u.email_values().iter().any(|e| eq_ci(e, &q))
    });
    if names_user {
        if let Some(u) = okta_app_user(&q, idp) {
            trace.warnings.push(describe(u));
        }
        return;
    }
    if let Some(v) = group_verdict(&q, tenant, logs) {
        trace.found = true;
        trace.closest.clear();
        trace.verdict = v;
        return;
    }
    if let Some(u) = okta_app_user(&q, idp) {
        trace.warnings.push(describe(u));
        if !trace.found || trace.verdict.code == "not-provisioned" {
            trace.found = true;
            trace.closest.clear();
            trace.verdict = okta_verdict(&q, u);
        }
    }
}
