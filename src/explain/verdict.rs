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
    // Entra's order: the matching values the mappings produce, the lookups, then the export
    // (where a required attribute without a value stops the user).
    if t.mapping.outcome == Some(MatchOutcome::Unknown) {
        return v(
            Status::Fail,
            "mapping-broken",
            format!("every matching attribute of the synchronization schema is null for `{q}`, so Entra cannot look the user up"),
            "fill in the source attribute of a matching attribute for this user in Entra, or choose a matching attribute that is always set (Mapping lists the values)",
        );
    }
    let m = &t.matching;
    if m.outcome == MatchOutcome::Failed
        || m.outcome != m.expected_outcome
        || m.matched_id != m.expected_id
    {
        return v(
            Status::Fail,
            "filter-broken",
            format!("Entra's lookup for `{q}` does not work on this server: {}", m.summary),
            "ask the target vendor to fix SCIM filtering (`userName eq` must be case-insensitive and `externalId eq` exact); `scim-doctor check` shows the filter probes",
        );
    }
    // With a synchronization schema its matching attributes are the lookups Entra performs.
    let schema_decides = t.mapping.outcome.is_some();
    if t.mapping.outcome == Some(MatchOutcome::Ambiguous) {
        return v(
            Status::Fail,
            "ambiguous-match",
            match t.mapping.matching.last() {
                Some(step) => format!(
                    "the synchronization schema matches `{q}` on {} {:?}, which {} target users hold ({}): Entra stops with DuplicateTargetEntries",
                    step.target,
                    step.value.as_deref().unwrap_or(""),
                    step.matches.len(),
                    step.matches.join(", ")
                ),
                None => format!("more than one target user holds the schema's matching value for `{q}`: Entra stops with DuplicateTargetEntries"),
            },
            "delete or rename the duplicates listed under Mapping so exactly one user holds the matching value, then Provision on demand",
        );
    }
    if !schema_decides && m.outcome == MatchOutcome::Ambiguous {
        return v(
            Status::Fail,
            "ambiguous-match",
            format!("more than one target user answers Entra's lookup for `{q}`: Entra fails with MultipleEntriesInResponse"),
            "delete or rename the duplicates listed under Target state so exactly one user matches, then Provision on demand",
        );
    }
    if t.mapping.outcome == Some(MatchOutcome::NoMatch) {
        if let Some(id) = m.matched_id.as_deref() {
            let attrs: Vec<&str> = t
                .mapping
                .matching
                .iter()
                .map(|s| s.target.as_str())
                .collect();
            return v(
                Status::Fail,
                "duplicate-risk",
                format!(
                    "the synchronization schema matches `{q}` on {}, which finds no target user, while `userName eq`/`externalId eq` finds target user {id}: Entra will create a second user for the person (or get 409 Conflict)",
                    attrs.join(" then ")
                ),
                "make the schema's matching attribute hold the same value in Entra and in the target for this user (or match on userName), then Provision on demand",
            );
        }
    }
    if !t.mapping.missing_required.is_empty() {
        return v(
            Status::Fail,
            "mapping-broken",
            format!(
                "the attribute mappings give `{q}` no {}: {}",
                t.mapping.missing_required.join(" and no "),
                t.mapping.summary
            ),
            "fill in the source attribute of the mapping in Entra for this user, or map the target attribute from a source attribute that is always set (Mapping lists the values)",
        );
    }
    let matched_id = if schema_decides {
        t.mapping.would_match.as_deref()
    } else {
        m.matched_id.as_deref()
    };
    if let Some(e) = last.filter(|e| e.status == LogStatus::Failure) {
        let code = e.error_code.as_deref().unwrap_or("no error code");
        return match codes::lookup_code(code) {
            Some(k) if k.code.ends_with("Conflict") && t.target.users.is_empty() => v(
                Status::Fail,
                "failing",
                format!(
                    "the latest provisioning attempt for `{q}` failed with {code}: the target says a user with the same unique value exists, but no user in this target data has this person's userName, externalId or email (the server may leave it out of its listing, or it changed after the log entry)"
                ),
                "look the person up in the target's own admin console by userName, email and externalId; delete or re-link the record found there, then Provision on demand",
            ),
            Some(k) => {
                let mut summary = format!("the latest provisioning attempt for `{q}` failed with {code}: {}", k.cause);
                // A conflict while a correct lookup finds the user points at the server's filter.
                if k.code.ends_with("Conflict") && m.mode == "snapshot" {
                    if let Some(id) = m.matched_id.as_deref() {
                        summary.push_str(&format!(
                            "; a correct `userName eq`/`externalId eq` finds target user {id} in the snapshot, so the live server's filter probably misses it (case-sensitive userName?): run explain-user with --base-url to confirm"
                        ));
                    }
                }
                // This command is the look-up the code's remedy suggests: point at its stages.
                let next = match k.remediation.contains("explain-user") {
                    false => k.remediation,
                    true if k.code.ends_with("Conflict") => "the users listed under Target state hold this person's values: if Entra's lookup does not find them (Match), the server's filter is broken and the vendor must fix it; otherwise delete or re-link the leftover, then Provision on demand",
                    true => "read the Scope stage above (give --scope-filter and --idp-users if it is skipped): it shows the clause that excludes the user; if the user should be provisioned, correct the attribute or the filter, then Provision on demand",
                };
                v(Status::Fail, "failing", summary, next)
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
    let matched = matched_id.and_then(|id| t.target.users.iter().find(|u| u.id == id));
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
    if t.mapping.status != StageStatus::Ok && t.mapping.status != StageStatus::Skipped {
        return v(
            Status::Warn,
            "mapping-broken",
            format!("the synchronization schema's mappings for `{q}`: {}", t.mapping.summary),
            "correct the attribute mappings in Entra (Mapping lists each value and why it is missing or not known), then Provision on demand",
        );
    }
    if m.queries.iter().any(|q| q.problem.is_some()) {
        return v(
            Status::Warn,
            "filter-broken",
            format!("Entra's lookup for `{q}` reaches the right user on this server, but a lookup it sends is wrong: {}", m.summary),
            "ask the target vendor to fix SCIM filtering (`userName eq` must be case-insensitive and `externalId eq` exact): a user whose other lookup does not rescue it gets a duplicate; `scim-doctor check` shows the filter probes",
        );
    }
    if matched.is_none() {
        return v(
            Status::Warn,
            "not-provisioned",
            format!("`{q}` is not in the target yet and nothing above blocks it"),
            "if the user is assigned and in scope, the next cycle (about every 40 minutes) creates it; run Provision on demand in Entra to do it now and read its steps",
        );
    }
    // No stage may say something is wrong beside a clean verdict.
    let warned: Vec<String> = [
        ("Import", t.import.status, &t.import.summary),
        ("Scope", t.scope.status, &t.scope.summary),
        ("Target state", t.target.status, &t.target.summary),
        ("Logs", t.logs.status, &t.logs.summary),
    ]
    .into_iter()
    .filter(|(_, st, _)| matches!(st, StageStatus::Warn | StageStatus::Fail))
    .map(|(name, _, summary)| format!("{name}: {summary}"))
    .collect();
    if !warned.is_empty() {
        return v(
            Status::Warn,
            "provisioned",
            format!(
                "`{q}` is provisioned and no check reports a problem with it, but {}",
                warned.join("; ")
            ),
            "read the stages marked warn above: each says what it found",
        );
    }
    v(
        Status::Pass,
        "provisioned",
        format!("`{q}` is provisioned and no check reports a problem with it"),
        "nothing to do",
    )
}
