//! `provisioning-job`, from the Entra synchronization job given with `--idp-config`: the
//! job's state (quarantine with its reason and Microsoft's documented behaviour, paused, never
//! run, entry-level errors). Reference idp-configuration-artifacts A2. The Okta counterpart,
//! `okta-app-assignment`, lives in `okta_assignment`.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::idpconfig::job::Job;
use crate::util::plural;

pub const PROVISIONING_JOB: &str = "provisioning-job";

/// Meaning and fix of a quarantine reason (Graph quarantineReason; Entra's quarantine page).
fn reason_text(reason: &str) -> (&'static str, &'static str) {
    match reason.to_ascii_lowercase().as_str() {
        "encounteredquarantineexception" => (
            "a critical error, typically invalid or expired admin credentials",
            "open Provisioning > Admin Credentials, generate a new token in the target, paste it, Test Connection, save, then Restart provisioning",
        ),
        "encounteredescrowproportionthreshold" => (
            "more than 40% of provisioning events failed (evaluated once there are 5,000 failures)",
            "download the provisioning logs, fix the most frequent error code (provisioning-failures groups them), then Restart provisioning",
        ),
        "encounteredtotalescrowthreshold" => (
            "more than 40,000 failures (60,000 counting reference failures)",
            "download the provisioning logs, fix the most frequent error code, then Restart provisioning",
        ),
        "encounteredbaseescrowthreshold" => (
            "the failure count passed the base threshold at which quarantine is evaluated (5,000 failures)",
            "download the provisioning logs, fix the most frequent error code, then Restart provisioning",
        ),
        "toomanydeletes" => (
            "a cycle would delete or disable more objects than the accidental-deletion threshold allows",
            "review the StagedDelete entries in the provisioning logs; if the deletions are intended, allow them (or raise the threshold) and restart, otherwise fix the scoping or assignment change that caused them",
        ),
        "quarantinedondemand" | "quarantineondemand" => (
            "an administrator put the job in quarantine",
            "find who quarantined it in the audit logs (Activity \"Quarantine\"); Restart provisioning when the reason is resolved",
        ),
        "ingestioninterrupted" => (
            "ingestion from the source was interrupted",
            "check the source system's connectivity and restart the job",
        ),
        _ => (
            "no documented reason",
            "read the quarantine error below and the provisioning logs; Restart provisioning once fixed",
        ),
    }
}

/// Meaning and fix of the error code a job carries (quarantine.error.code or
/// lastExecution.error.code), when the code names its cause. Entra prefixes codes with the
/// connector (`SalesforceInvalidCredentials`, `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable`),
/// so the code is matched on the words it contains.
fn code_text(code: &str) -> Option<(&'static str, &'static str)> {
    let c = code.to_ascii_lowercase();
    let any = |w: &[&str]| w.iter().any(|x| c.contains(x));
    if any(&[
        "credential",
        "unauthorized",
        "authentication",
        "invalidtoken",
        "accessdenied",
        "forbidden",
        "secrettoken",
    ]) {
        Some((
            "the target refused the admin credentials",
            "open Provisioning > Admin Credentials, enter valid credentials (a new token from the target, or the account and password the connector asks for), Test Connection and save",
        ))
    } else if any(&["escrow"]) {
        Some((
            "too many entries failed (escrow threshold)",
            "download the provisioning logs and fix the most frequent error code (provisioning-failures groups them)",
        ))
    } else if any(&["toomanydeletes", "deletethreshold", "accidentaldeletion"]) {
        Some((
            "a cycle would delete or disable more objects than the accidental-deletion threshold allows",
            "review the StagedDelete entries in the provisioning logs; allow them (or raise the threshold) if intended, otherwise undo the scoping or assignment change",
        ))
    } else if any(&[
        "timeout",
        "unavailable",
        "connectivity",
        "unreachable",
        "serviceincompatible",
    ]) {
        Some((
            "Entra could not reach the target or did not get a usable answer",
            "run `scim-doctor test-connection` against the Tenant URL and fix what it reports",
        ))
    } else {
        None
    }
}

fn four_weeks_passed(began: &Option<String>, next: &Option<String>) -> bool {
    let parse = |s: &Option<String>| s.as_deref().and_then(crate::logs::when::parse);
    match (parse(began), parse(next)) {
        (Some(b), Some(n)) => n - b > time::Duration::days(28),
        _ => false,
    }
}

/// (status, what, fix) for one job.
fn judge(j: &Job) -> (Status, String, String) {
    let mut notes: Vec<String> = Vec::new();
    if let Some(q) = j.quarantine.as_ref().filter(|_| j.code_is("Quarantine")) {
        let reason = q.reason.clone().unwrap_or_default();
        let (mut meaning, mut fix) = reason_text(&reason);
        let mut restart = false;
        if meaning == "no documented reason" {
            if let Some((m, f)) = q.error_code.as_deref().and_then(code_text) {
                meaning = m;
                fix = f;
                restart = true;
            }
        }
        let mut what = format!(
            "in quarantine ({}: {meaning})",
            if reason.is_empty() {
                "reason not given"
            } else {
                reason.as_str()
            }
        );
        if let Some(c) = &q.error_code {
            what.push_str(&format!(", error {c}"));
            if let Some(m) = &q.error_message {
                what.push_str(&format!(" \"{}\"", crate::util::quote(m, 200)));
            }
        }
        if let Some(b) = q.series_began.as_ref().or(q.current_began.as_ref()) {
            what.push_str(&format!(", since {b}"));
        }
        if let Some(n) = &q.next_attempt {
            what.push_str(&format!(", next attempt {n}"));
        }
        if four_weeks_passed(&q.series_began, &q.next_attempt) {
            what.push_str(", past the four-week limit after which Entra disables the job");
        }
        let then = if restart {
            ", then Restart provisioning"
        } else {
            ""
        };
        let fix = format!(
            "{fix}{then}. While quarantined, Entra retries after 6, 12 and 24 hours and then once a day, and disables the job after four weeks in quarantine"
        );
        return (Status::Fail, what, fix);
    }
    if j.code.is_none() && j.last_execution.is_none() && j.quarantine.is_none() {
        return (
            Status::Warn,
            "no status reported (the job's `status` is empty): whether it runs, and whether it failed, is not known".into(),
            "read the job itself (Graph GET /servicePrincipals/{id}/synchronization/jobs/{jobId}) or its Provisioning page: list responses may be trimmed, and its status.code says whether it runs".into(),
        );
    }
    let code = j.code.clone().unwrap_or_else(|| "not reported".into());
    let exec = j.last_execution.as_ref();
    let state = exec.and_then(|e| e.state.clone()).unwrap_or_default();
    if j.code_is("NotConfigured") {
        return (Status::Fail, "not configured: it has never run (no authorization saved)".into(),
            "enter the Tenant URL and Secret Token under Provisioning > Admin Credentials, Test Connection, save, and set Provisioning Status On".into());
    }
    if j.code_is("Paused")
        || j.schedule_state
            .as_deref()
            .is_some_and(|s| !s.eq_ignore_ascii_case("Active"))
    {
        // Graph's own example: Paused, with the quarantine object still holding the last error.
        let last = j
            .quarantine
            .as_ref()
            .and_then(|q| q.error_code.as_ref().map(|c| (c, &q.error_message)))
            .map(|(c, m)| {
                let m = m
                    .as_deref()
                    .map(|m| format!(" \"{}\"", crate::util::quote(m, 200)))
                    .unwrap_or_default();
                format!("; last error {c}{m}")
            })
            .unwrap_or_default();
        let start = "set Provisioning Status to On (Provisioning > Edit provisioning) or POST .../jobs/{jobId}/start";
        let fix = match j.quarantine.as_ref().and_then(|q| q.error_code.as_deref()) {
            Some(c) => match code_text(c) {
                Some((meaning, fix)) => {
                    format!("the last error says {meaning}: {fix}; only then {start}")
                }
                None => format!("fix the last error ({c}) first; then {start}"),
            },
            None => start.to_string(),
        };
        return (
            Status::Warn,
            format!(
                "paused (status {code}, schedule {}): no provisioning cycle runs{last}",
                j.schedule_state.as_deref().unwrap_or("not reported")
            ),
            fix,
        );
    }
    if state.eq_ignore_ascii_case("Failed") {
        let e = exec
            .and_then(|e| e.error_code.clone())
            .unwrap_or_else(|| "no error code".into());
        let m = exec
            .and_then(|e| e.error_message.clone())
            .map(|m| format!(" \"{}\"", crate::util::quote(&m, 200)))
            .unwrap_or_default();
        let fix = match code_text(&e) {
            Some((meaning, fix)) => format!("{meaning}: {fix}, then Restart provisioning"),
            None => "fix the error the last cycle reports, then Restart provisioning".into(),
        };
        return (Status::Fail, format!("the last cycle failed ({e}{m})"), fix);
    }
    if j.code_is("NotRun") {
        notes.push("the first cycle has not completed yet".into());
    }
    let escrowed = exec.and_then(|e| e.count_escrowed).filter(|n| *n > 0);
    if state.eq_ignore_ascii_case("EntryLevelErrors") {
        let esc = escrowed
            .map(|n| format!(" ({n} escrowed)"))
            .unwrap_or_default();
        notes.push(format!(
            "the last cycle finished with entry-level errors{esc}"
        ));
    } else if let Some(n) = escrowed {
        // Graph's own example: state Succeeded with 15 escrowed entries. Escrowed entries
        // failed and wait for a retry; they count toward the quarantine thresholds.
        notes.push(format!(
            "the last cycle ({}) escrowed {n} {}: they failed and are retried in the next cycles",
            if state.is_empty() {
                "state not reported"
            } else {
                state.as_str()
            },
            if n == 1 { "entry" } else { "entries" }
        ));
    }
    if let Some(n) = j.successive_failures.filter(|n| *n > 0) {
        notes.push(format!("{} complete failures in a row", n));
    }
    if j.code.is_none() {
        notes.push("no status code reported".into());
    } else if !code.eq_ignore_ascii_case("Active") && !j.code_is("NotRun") {
        notes.push(format!("unrecognised status code {code:?}"));
    }
    if notes.is_empty() {
        let steady = j
            .steady_state_last
            .as_deref()
            .map(|t| format!(", steady state reached {t}"))
            .unwrap_or_else(|| ", steady state never reached".into());
        return (Status::Pass, format!("active{steady}"), String::new());
    }
    let fix = if escrowed.is_some()
        || state.eq_ignore_ascii_case("EntryLevelErrors")
        || j.successive_failures.is_some_and(|n| n > 0)
    {
        "read the provisioning logs for the failed entries (give them with --provisioning-logs) and fix the most frequent error code; escrowed entries count toward Entra's quarantine thresholds"
    } else if j.code_is("NotRun") {
        "wait for the first cycle to finish (a first cycle can take hours on large tenants), then check again"
    } else {
        "read the job's state on its Provisioning page and the provisioning logs"
    };
    (Status::Warn, notes.join("; "), fix.into())
}

pub fn provisioning_job(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = PROVISIONING_JOB;
    let jobs = ctx.idp.map(|c| c.jobs.as_slice()).unwrap_or(&[]);
    if jobs.is_empty()
        && ctx
            .idp
            .is_some_and(|c| c.has(crate::idpconfig::Kind::EntraJob))
    {
        return CheckResult::new(
            id,
            Status::Warn,
            "expected a synchronization job in the Graph job list, got an empty list: provisioning was never set up for this application (or the list came from another service principal)",
        )
        .with_remediation("open the enterprise application > Provisioning, choose Automatic, enter the Tenant URL and Secret Token, Test Connection and save; or list the jobs of the right service principal");
    }
    if jobs.is_empty() {
        return CheckResult::skipped(id, "not run: give --idp-config with the Entra synchronization job (Graph GET /servicePrincipals/{id}/synchronization/jobs)");
    }
    let mut worst = Status::Pass;
    let mut subjects = Vec::new();
    let mut fixes = Vec::new();
    for j in jobs {
        let (s, what, fix) = judge(j);
        if s.rank() > worst.rank() {
            worst = s;
        }
        let label = match &j.template_id {
            Some(t) => format!("{} ({t})", j.id),
            None => j.id.clone(),
        };
        if s != Status::Pass {
            fixes.push(format!("{label}: {fix}."));
        }
        subjects.push((s, Subject::item(SubjectKind::Item, label, what)));
    }
    let summary = subjects
        .iter()
        .map(|(_, s)| format!("{}: {}", s.id, s.detail))
        .collect::<Vec<_>>()
        .join("; ");
    if worst == Status::Pass {
        return CheckResult::pass(
            id,
            format!("{}: {summary}", plural(jobs.len(), "job", "jobs")),
        );
    }
    let subjects: Vec<Subject> = subjects
        .into_iter()
        .filter(|(s, _)| *s != Status::Pass)
        .map(|(_, s)| s)
        .collect();
    CheckResult::found(
        id,
        worst,
        format!("expected the provisioning job to be active and its last cycle to succeed, got {summary}"),
        fixes.join("\n"),
        subjects,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idpconfig::parse_files;

    fn job(status: &str) -> Job {
        let text = format!(
            r#"{{"id":"scim.1","templateId":"scim","schedule":{{"state":"Active"}},"status":{status},"synchronizationJobSettings":[]}}"#
        );
        parse_files(&[("job.json".into(), text.into_bytes())])
            .unwrap()
            .jobs
            .remove(0)
    }

    /// Proves each documented job state gets its own verdict and explanation.
    #[test]
    fn job_states_are_explained() {
        let cases = [
            (
                r#"{"code":"Active","quarantine":null,"lastExecution":{"state":"Succeeded"},"steadyStateLastAchievedTime":"0001-01-01T00:00:00Z"}"#,
                Status::Pass,
                "steady state never reached",
            ),
            (
                r#"{"code":"Paused","quarantine":null}"#,
                Status::Warn,
                "paused",
            ),
            (
                r#"{"code":"Paused","quarantine":{"currentBegan":"","reason":"","seriesCount":2,"error":{"code":"SalesforceInvalidCredentials","message":"Your credentials are invalid."}}}"#,
                Status::Warn,
                "last error SalesforceInvalidCredentials",
            ),
            (r#"{"code":"NotConfigured"}"#, Status::Fail, "never run"),
            (
                r#"{"code":"NotRun","quarantine":null}"#,
                Status::Warn,
                "first cycle",
            ),
            (
                r#"{"code":"Active","lastExecution":{"state":"EntryLevelErrors","countEscrowed":12}}"#,
                Status::Warn,
                "12 escrowed",
            ),
            (
                r#"{"code":"Active","lastExecution":{"state":"Failed","error":{"code":"HybridSynchronizationActiveDirectoryInternalError"}}}"#,
                Status::Fail,
                "HybridSynchronizationActiveDirectoryInternalError",
            ),
            (
                r#"{"code":"Active","lastExecution":{"state":"Succeeded","countEscrowed":15}}"#,
                Status::Warn,
                "escrowed 15 entries",
            ),
            (
                r#"{"code":"Active","lastExecution":{"state":"Succeeded","countEscrowed":0}}"#,
                Status::Pass,
                "active",
            ),
            (r#"{}"#, Status::Warn, "no status reported"),
            (
                r#"{"code":"Quarantine","quarantine":{"reason":"TooManyDeletes","currentBegan":"","nextAttempt":""}}"#,
                Status::Fail,
                "accidental-deletion threshold",
            ),
            (
                r#"{"code":"Quarantine","quarantine":{"reason":"QuarantineOnDemand"}}"#,
                Status::Fail,
                "an administrator",
            ),
            (
                r#"{"code":"Quarantine","quarantine":{"reason":"EncounteredEscrowProportionThreshold","seriesBegan":"2026-10-01T00:00:00Z","nextAttempt":"2026-11-02T00:00:00Z"}}"#,
                Status::Fail,
                "four-week limit",
            ),
        ];
        for (status, want, text) in cases {
            let (got, what, fix) = judge(&job(status));
            assert_eq!(got, want, "{status}: {what}");
            assert!(what.contains(text), "{status}: {what}");
            assert!(want == Status::Pass || !fix.is_empty(), "{status}: no fix");
        }
    }

    /// Proves the fix follows the job's own error code: credentials before "start" for a
    /// paused job, and a quarantine without a documented reason read from its code.
    #[test]
    fn fixes_follow_the_error_code() {
        let (_, _, fix) = judge(&job(
            r#"{"code":"Paused","quarantine":{"reason":"","error":{"code":"SalesforceInvalidCredentials"}}}"#,
        ));
        assert!(
            fix.starts_with("the last error says the target refused the admin credentials"),
            "{fix}"
        );
        let (_, _, fix) = judge(&job(r#"{"code":"Paused","quarantine":null}"#));
        assert!(fix.starts_with("set Provisioning Status to On"), "{fix}");
        let (_, what, fix) = judge(&job(
            r#"{"code":"Quarantine","quarantine":{"reason":"","error":{"code":"SystemForCrossDomainIdentityManagementCredentialValidationUnavailable"}}}"#,
        ));
        assert!(
            what.contains("refused the admin credentials") && fix.contains("Admin Credentials"),
            "{what} / {fix}"
        );
        let (_, _, fix) = judge(&job(
            r#"{"code":"Active","lastExecution":{"state":"Failed","error":{"code":"ContosoUnauthorized"}}}"#,
        ));
        assert!(fix.contains("Admin Credentials"), "{fix}");
    }

    /// Proves a quarantine remediation carries Microsoft's retry schedule and the disable rule.
    #[test]
    fn quarantine_fix_states_the_documented_behaviour() {
        let (_, _, fix) = judge(&job(
            r#"{"code":"Quarantine","quarantine":{"reason":"EncounteredQuarantineException"}}"#,
        ));
        assert!(
            fix.contains("Admin Credentials")
                && fix.contains("6, 12 and 24 hours")
                && fix.contains("four weeks")
        );
    }
}
