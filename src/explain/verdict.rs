//! The verdict: the first stage that explains why the user is (or is not) provisioned, in
//! the order Entra itself goes: the IdP side, scope and assignment, matching, the export's
//! result in the logs, then the state of the target.

use super::identity::Relation;
use super::matching::MatchOutcome;
use super::{StageStatus, Trace, Verdict};
use crate::findings::Status;
use crate::logs::{codes, LogEntry, LogStatus};

fn v(status: Status, code: &'static str, summary: String, next_step: impl Into<String>) -> Verdict {
    Verdict {
        status,
        code,
        summary,
        next_step: next_step.into(),
    }
}

/// The latest entry by time (entries without a readable time come first).
fn latest<'a>(entries: &[&'a LogEntry]) -> Option<&'a LogEntry> {
    entries.iter().copied().max_by_key(|e| e.at_utc)
}

pub(super) fn decide(t: &Trace, entries: &[&LogEntry]) -> Verdict {
    let q = &t.query;
    if !t.found {
        let hint = if t.closest.is_empty() {
            String::new()
        } else {
            format!("; closest names: {}", t.closest.join(", "))
        };
        return v(
            Status::Fail,
            "not-found",
            format!("expected `{q}` in the target, the IdP export or the logs, got no match in any of them{hint}"),
            "check the spelling (userName, email, id or externalId), or give --idp-users and --provisioning-logs so the IdP side can be searched too",
        );
    }
    if t.import.status == StageStatus::Fail {
        return v(
            Status::Fail,
            "not-in-idp",
            format!("`{q}` is not in the IdP export, so Entra has nothing to provision"),
            "check that the user exists in Entra ID and is not deleted, then export the users again",
        );
    }
    if t.scope.in_scope == Some(false) {
        let first_fail: Vec<String> = t
            .scope
            .groups
            .iter()
            .filter_map(|g| {
                g.clauses.iter().find(|c| !c.passed).map(|c| {
                    let seen = c
                        .seen
                        .as_deref()
                        .map(|v| format!("saw {v:?}"))
                        .unwrap_or_else(|| "saw no value".into());
                    format!(
                        "group {:?}: {} {} {:?}, {seen}",
                        g.name, c.attribute, c.operator, c.expected
                    )
                })
            })
            .collect();
        return v(
            Status::Fail,
            "out-of-scope",
            format!("the scoping filter excludes `{q}` ({})", first_fail.join("; ")),
            "change the user's attribute in Entra, or edit the scoping filter (saving a filter triggers a full sync)",
        );
    }
    let last = latest(entries);
    if let Some(e) = last.filter(|e| e.status == LogStatus::Skipped) {
        let reason = e.skip_reason.as_deref().unwrap_or("no reason given");
        if let Some(k) = codes::lookup_skip_reason(reason) {
            return v(
                Status::Fail,
                "not-assigned",
                format!(
                    "the latest provisioning-log entry skipped `{q}` ({}): {}",
                    k.code, k.cause
                ),
                k.remediation,
            );
        }
    }
    if t.matching.outcome == MatchOutcome::Failed
        || t.matching.queries.iter().any(|m| m.problem.is_some())
    {
        return v(
            Status::Fail,
            "filter-broken",
            format!("Entra's lookup for `{q}` does not work on this server: {}", t.matching.summary),
            "ask the target vendor to fix SCIM filtering (`userName eq` must be case-insensitive and `externalId eq` exact); `scim-doctor check` shows the filter probes",
        );
    }
    if t.matching.outcome == MatchOutcome::Ambiguous {
        return v(
            Status::Fail,
            "ambiguous-match",
            format!("more than one target user answers Entra's lookup for `{q}`: Entra fails with MultipleEntriesInResponse"),
            "delete or rename the duplicates listed under Target state so exactly one user matches, then Provision on demand",
        );
    }
    if let Some(e) = last.filter(|e| e.status == LogStatus::Failure) {
        let code = e.error_code.as_deref().unwrap_or("no error code");
        return match codes::lookup_code(code) {
            Some(k) => {
                let mut summary = format!("the latest provisioning attempt for `{q}` failed with {code}: {}", k.cause);
                // A conflict while a correct lookup finds the user points at the server's filter.
                if k.code.ends_with("Conflict") && t.matching.mode == "snapshot" {
                    if let Some(id) = &t.matching.matched_id {
                        summary.push_str(&format!(
                            "; a correct `userName eq`/`externalId eq` finds target user {id} in the snapshot, so the live server's filter probably misses it (case-sensitive userName?): run explain-user with --base-url to confirm"
                        ));
                    }
                }
                v(Status::Fail, "failing", summary, k.remediation)
            }
            None => v(
                Status::Fail,
                "failing",
                format!(
                    "the latest provisioning attempt for `{q}` failed with {code} (unknown code): {}",
                    e.reason.as_deref().unwrap_or("no reason given")
                ),
                "open the entry in the Entra provisioning logs (change id above) and send it to the target vendor if the target refused the request",
            ),
        };
    }
    let matched = t
        .matching
        .matched_id
        .as_deref()
        .and_then(|id| t.target.users.iter().find(|u| u.id == id));
    if let Some(u) = matched {
        if !u.active {
            return v(
                Status::Warn,
                "disabled-in-target",
                format!("`{q}` matches target user {} which is disabled", u.id),
                "if the user should have access, make sure they are assigned and in scope in Entra: the next cycle re-enables a disabled user that is still assigned; otherwise nothing to do",
            );
        }
    }
    let worst = matched.and_then(|u| u.findings.iter().map(|f| f.status).max_by_key(|s| s.rank()));
    let target_findings = |status: Status| {
        let checks: Vec<&str> = matched
            .map(|u| u.findings.iter().map(|f| f.check.as_str()).collect())
            .unwrap_or_default();
        v(
            status,
            "target-findings",
            format!(
                "`{q}` is provisioned as {} but the audit found: {}",
                matched.map(|u| u.id.as_str()).unwrap_or("?"),
                checks.join(", ")
            ),
            "apply the remediation of each check listed under Target state (`scim-doctor check` prints them in full)",
        )
    };
    if let Some(status) = worst.filter(|s| s.rank() >= 2) {
        return target_findings(status);
    }
    let leftovers: Vec<&str> = t
        .target
        .users
        .iter()
        .filter(|u| {
            u.relation == Relation::SoftDeleteLeftover
                || (matched.is_none() && u.relation == Relation::SameEmail)
        })
        .map(|u| u.id.as_str())
        .collect();
    if !leftovers.is_empty() && matched.is_none_or(|m| !leftovers.contains(&m.id.as_str())) {
        let mut flagged: Vec<&str> = t
            .target
            .users
            .iter()
            .flat_map(|u| u.findings.iter().map(|f| f.check.as_str()))
            .collect();
        flagged.sort_unstable();
        flagged.dedup();
        let by = if flagged.is_empty() {
            String::new()
        } else {
            format!(" (audit: {})", flagged.join(", "))
        };
        return v(
            Status::Warn,
            "duplicate-risk",
            format!(
                "the target holds other users for the same person ({}): a soft-deleted leftover or a second account with the same email{by}",
                leftovers.join(", ")
            ),
            "delete the leftover user(s) in the target (only one user per email can hold the licence), then Provision on demand for the user",
        );
    }
    if let Some(status) = worst {
        return target_findings(status);
    }
    if matched.is_none() {
        return v(
            Status::Warn,
            "not-provisioned",
            format!("`{q}` is not in the target yet and nothing above blocks it"),
            "if the user is assigned and in scope, the next cycle (about every 40 minutes) creates it; run Provision on demand in Entra to do it now and read its steps",
        );
    }
    v(
        Status::Pass,
        "provisioned",
        format!("`{q}` is provisioned and no check reports a problem with it"),
        "nothing to do",
    )
}
