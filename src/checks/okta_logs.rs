//! The Okta half of `provisioning-failures`: System Log events about app provisioning
//! (`application.provision.*`, `application.integration.*`, group push, `app.user_management`)
//! that failed, grouped by cause with the affected users and the time window. Causes and
//! fixes come from Okta's provisioning troubleshooting pages (reference B1).

use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::idpconfig::okta::OktaEvent;
use crate::util::plural;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

struct Cause {
    key: &'static str,
    fix: &'static str,
}

const CREDENTIALS: Cause = Cause { key: "invalid-credentials", fix: "the app's API credentials are invalid or expired: generate a new token in the target, update it under the app's Provisioning > Integration, Test API Credentials, then retry the failed tasks" };
const NOT_FOUND: Cause = Cause { key: "matching-user-not-found", fix: "Okta looked the user up by userName and found nobody while Create Users is off, or the account was deleted directly in the target: enable Create Users (Provisioning > To App) or unassign and reassign the user" };
const EXISTS: Cause = Cause { key: "user-already-exists", fix: "the target answered 409 for a user Okta could not find with `userName eq`: make the target's userName filter case-insensitive and exact, or remove the conflicting target user, then retry" };
const RATE: Cause = Cause { key: "rate-limited", fix: "the target (or Okta) throttled the requests: lower the import/push rate, raise the target's limits, and retry the failed tasks" };
const PROFILE: Cause = Cause { key: "push-profile-failed", fix: "a profile update was refused: read the target's reason in the event, fix the attribute mapping or the target's validation (check with explain-user), then Force Sync" };
const GROUP_PUSH: Cause = Cause { key: "group-push-failed", fix: "open Push Groups > Errors: a group deleted in the target must be unlinked, imported and pushed again; members must be assigned to the app first" };
const EMPTY: Cause = Cause { key: "empty-create-response", fix: "the target answered a create with an empty body: it must return the created user with its id (RFC 7644 3.3)" };
const DEACTIVATE: Cause = Cause { key: "deactivation-failed", fix: "Okta could not deactivate the user in the target: check the target accepts PATCH/PUT active=false, then retry" };
const OTHER: Cause = Cause { key: "other", fix: "open one failing event in the Okta System Log and send its time and transaction id with the target's own logs (Okta does not log SCIM bodies) to the target vendor" };

const CREATE: Cause = Cause { key: "create-failed", fix: "Okta could not create the user in the target (application.provision.user.push): read the target's reason in the event; a 409 means the target already holds the user (see user-already-exists), a 400 an attribute the target refuses (check the mapping with explain-user); then retry the task" };
const REACTIVATE: Cause = Cause { key: "reactivation-failed", fix: "Okta could not reactivate the user in the target: check the target accepts PATCH/PUT active=true for an existing user, then retry" };
const LOOKUP: Cause = Cause { key: "lookup-failed", fix: "Okta could not tell whether the user or group exists in the target (verify_exists): more than one object with the same id or a filter the target does not support; make the userName / displayName filter exact and unique, then retry" };
const IMPORT: Cause = Cause { key: "import-failed", fix: "Okta could not read users or groups from the target (import): check the target's GET /Users and /Groups paging and filtering (`scim-doctor check`), then run the import again" };
const PASSWORD: Cause = Cause { key: "password-push-failed", fix: "Okta could not push the password: check whether the target accepts password updates, or turn off Sync Password under Provisioning > To App" };
const CONFIG: Cause = Cause { key: "app-configuration", fix: "Okta detected a configuration error in the app (application.configuration.*): open the app's Provisioning > Integration, correct the settings and Test API Credentials" };

/// The key of events that name no user (an app-level rate limit, a credentials failure).
const NO_USER: &str = "(no user in the event)";

fn is_provisioning(e: &OktaEvent) -> bool {
    let t = e.event_type.to_ascii_lowercase();
    [
        "application.provision.",
        "application.integration.",
        "application.configuration.detect_error",
        "application.configuration.import_schema",
        "app.user_management",
        "app.app_instance.provision_sync_job",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// Event types whose name is the failure: Okta records them with outcome SUCCESS (the event
/// was written) although each one reports a failed call (Okta's event type catalog:
/// rate_limit_exceeded, authentication_failure, general_failure, detect_error).
fn failure_by_type(t: &str) -> bool {
    t.ends_with("rate_limit_exceeded")
        || t.ends_with("authentication_failure")
        || t.ends_with("general_failure")
        || t.ends_with("detect_error")
}

/// Legacy event types Okta maps onto the provisioning event types carry the error in their
/// name (`app.api.error.create_user`, `app.boxnet.api.error.rate_limit_exceeded`,
/// `app.auth_error.INVALID_CREDENTIALS`): Okta's Events API migration table.
fn failure_by_legacy(legacy: &str) -> bool {
    legacy.contains(".error") || legacy.contains("error.") || legacy.contains("_error")
}

/// Decided by the event type first, then the legacy type, then the outcome: the outcome of
/// a rate-limit or authentication-failure event says the event was logged, not that the call
/// worked.
fn is_failure(e: &OktaEvent) -> bool {
    let t = e.event_type.to_ascii_lowercase();
    let legacy = e
        .legacy_event_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if failure_by_type(&t) || failure_by_legacy(&legacy) {
        return true;
    }
    match e.result.as_deref() {
        Some("FAILURE") | Some("RATE_LIMIT") | Some("DENY") => true,
        Some("SUCCESS") | Some("ALLOW") | Some("SKIPPED") => false,
        _ => {
            e.severity
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("ERROR"))
                || t.contains(".failed")
        }
    }
}

fn cause(e: &OktaEvent) -> &'static Cause {
    let t = e.event_type.to_ascii_lowercase();
    let legacy = e
        .legacy_event_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    let text = format!(
        "{} {}",
        e.reason.as_deref().unwrap_or(""),
        e.display_message.as_deref().unwrap_or("")
    )
    .to_ascii_lowercase();
    if t.ends_with("rate_limit_exceeded")
        || legacy.contains("rate")
        || e.result.as_deref() == Some("RATE_LIMIT")
        || text.contains("rate limit")
        || text.contains("429")
    {
        &RATE
    } else if t.ends_with("authentication_failure")
        || legacy == "app.api.error.auth"
        || legacy.contains("oauth")
        || legacy.contains("invalid_credentials")
        || text.contains("credentials")
    {
        &CREDENTIALS
    } else if text.contains("matching user not found") || legacy.contains("user.not_found") {
        &NOT_FOUND
    } else if text.contains("already exists") || text.contains("409") {
        &EXISTS
    } else if text.contains("empty user") {
        &EMPTY
    } else if t.starts_with("application.configuration.") {
        &CONFIG
    } else if t.ends_with(".verify_exists") {
        &LOOKUP
    } else if t.ends_with(".import") || t.ends_with(".import_profile") {
        &IMPORT
    } else if t.contains("group_push")
        || t.contains("grouppush")
        || t.starts_with("application.provision.group")
    {
        &GROUP_PUSH
    } else if t.ends_with("push_profile")
        || legacy.contains("push_profile")
        || text.contains("push profile")
    {
        &PROFILE
    } else if t.ends_with(".deactivate") {
        &DEACTIVATE
    } else if t.ends_with(".reactivate") || t.ends_with(".activate") {
        &REACTIVATE
    } else if t.ends_with(".password") {
        &PASSWORD
    } else if t == "application.provision.user.push" {
        &CREATE
    } else {
        &OTHER
    }
}

#[derive(Debug, Serialize)]
struct Group {
    cause: &'static str,
    count: usize,
    users: BTreeMap<String, usize>,
    first: Option<String>,
    last: Option<String>,
    example: Option<String>,
    event_types: Vec<String>,
    #[serde(skip)]
    fix: &'static str,
}

pub fn check(id: &str, events: &[OktaEvent]) -> CheckResult {
    let prov: Vec<&OktaEvent> = events.iter().filter(|e| is_provisioning(e)).collect();
    let mut groups: Vec<Group> = Vec::new();
    for e in prov.iter().filter(|e| is_failure(e)) {
        let c = cause(e);
        let i = match groups.iter().position(|g| g.cause == c.key) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    cause: c.key,
                    count: 0,
                    users: BTreeMap::new(),
                    first: None,
                    last: None,
                    example: None,
                    event_types: Vec::new(),
                    fix: c.fix,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.count += 1;
        *g.users
            .entry(e.user.clone().unwrap_or_else(|| NO_USER.into()))
            .or_default() += 1;
        if let Some(p) = &e.published {
            if g.first.as_ref().is_none_or(|f| p < f) {
                g.first = Some(p.clone());
            }
            if g.last.as_ref().is_none_or(|l| p > l) {
                g.last = Some(p.clone());
            }
        }
        if g.example.is_none() {
            g.example = e.reason.clone().or_else(|| e.display_message.clone());
        }
        if !g.event_types.contains(&e.event_type) {
            g.event_types.push(e.event_type.clone());
        }
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.cause.cmp(b.cause)));
    let failures: usize = groups.iter().map(|g| g.count).sum();
    let data = json!({"events": events.len(), "provisioning_events": prov.len(), "failures": failures, "groups": groups});
    if prov.is_empty() {
        return CheckResult::new(id, Status::Warn, format!("expected provisioning events in the Okta System Log, got none among {}", plural(events.len(), "event", "events")))
            .with_remediation("export the System Log again filtered on the app (eventType sw \"application.provision\") for a window that includes the failing users")
            .with_data(data);
    }
    if groups.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "Okta System Log: {} read, none failed",
                plural(prov.len(), "provisioning event", "provisioning events")
            ),
        )
        .with_data(data);
    }
    let mut subjects = Vec::new();
    for g in &groups {
        for (u, n) in &g.users {
            let mut s = Subject::item(
                SubjectKind::Entry,
                u.clone(),
                plural(*n, "failed event", "failed events"),
            );
            s.user_name = Some(u.clone());
            subjects.push(s.in_group(g.cause));
        }
    }
    let summary = groups
        .iter()
        .map(|g| format!("{} {}", g.cause, g.count))
        .collect::<Vec<_>>()
        .join(", ");
    let remediation = groups
        .iter()
        .map(|g| {
            let when = match (&g.first, &g.last) {
                (Some(f), Some(l)) if f != l => format!(", {f} to {l}"),
                (Some(f), _) => format!(", at {f}"),
                _ => String::new(),
            };
            let quote = g
                .example
                .as_deref()
                .map(|x| format!(" Okta says: \"{}\".", crate::util::quote(x, 200)))
                .unwrap_or_default();
            format!(
                "{} ({}, {}{when}):{quote} Fix: {}.",
                g.cause,
                plural(g.count, "event", "events"),
                plural(g.users.len(), "user", "users"),
                g.fix
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let users: std::collections::BTreeSet<&String> = groups
        .iter()
        .flat_map(|g| g.users.keys())
        .filter(|u| u.as_str() != NO_USER)
        .collect();
    let whom = if users.is_empty() {
        "no user named in the events".to_string()
    } else {
        plural(users.len(), "user", "users")
    };
    let mut r = CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected every Okta provisioning event to succeed, got {} ({summary}) for {whom} in {}",
            plural(failures, "failure", "failures"),
            plural(prov.len(), "provisioning event", "provisioning events")
        ),
        remediation,
        subjects,
    )
    .with_data(data);
    r.count = users.len();
    r
}

/// One result from the Entra and the Okta halves.
pub fn merge(entra: CheckResult, okta: CheckResult) -> CheckResult {
    let mut r = entra;
    if okta.status.rank() > r.status.rank() {
        r.status = okta.status;
    }
    r.message = format!("{}; Okta System Log: {}", r.message, okta.message);
    if !okta.remediation.is_empty() {
        r.remediation = if r.remediation.is_empty() {
            okta.remediation
        } else {
            format!("{}\n{}", r.remediation, okta.remediation)
        };
    }
    r.count += okta.count;
    r.subjects.extend(okta.subjects);
    if let (Some(serde_json::Value::Object(m)), Some(o)) = (r.data.as_mut(), okta.data) {
        m.insert("okta".into(), o);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, result: Option<&str>, reason: Option<&str>) -> OktaEvent {
        OktaEvent {
            published: Some("2026-11-20T09:00:00.000Z".into()),
            event_type: kind.into(),
            legacy_event_type: None,
            result: result.map(str::to_string),
            reason: reason.map(str::to_string),
            display_message: None,
            severity: None,
            user: Some("a@example.com".into()),
        }
    }

    /// Proves failures are told from successes and grouped under the documented causes.
    #[test]
    fn causes_follow_okta_messages_and_event_types() {
        let cases = [
            (
                ev(
                    "application.provision.user.push",
                    Some("FAILURE"),
                    Some("... failed: Matching user not found."),
                ),
                "matching-user-not-found",
            ),
            (
                ev(
                    "application.provision.user.push",
                    Some("FAILURE"),
                    Some("The credentials used to connect to the API were invalid"),
                ),
                "invalid-credentials",
            ),
            (
                ev("application.integration.authentication_failure", None, None),
                "invalid-credentials",
            ),
            (
                ev("application.integration.rate_limit_exceeded", None, None),
                "rate-limited",
            ),
            (
                ev(
                    "application.provision.user.push_profile",
                    Some("FAILURE"),
                    Some("Operation failed because user profile is mastered under another system"),
                ),
                "push-profile-failed",
            ),
            (
                ev(
                    "application.provision.group_push.mapping.update.or.delete.failed.with.error",
                    None,
                    None,
                ),
                "group-push-failed",
            ),
            (
                ev(
                    "application.provision.user.push",
                    Some("FAILURE"),
                    Some("Create new user returned empty user."),
                ),
                "empty-create-response",
            ),
            (
                ev(
                    "application.provision.user.deactivate",
                    Some("FAILURE"),
                    None,
                ),
                "deactivation-failed",
            ),
            (
                ev("application.provision.user.sync", Some("FAILURE"), None),
                "other",
            ),
        ];
        for (e, want) in &cases {
            assert!(is_provisioning(e) && is_failure(e), "{}", e.event_type);
            assert_eq!(cause(e).key, *want, "{:?}", e.reason);
        }
        assert!(!is_failure(&ev(
            "application.provision.user.push",
            Some("SUCCESS"),
            None
        )));
        assert!(!is_provisioning(&ev(
            "user.session.start",
            Some("FAILURE"),
            None
        )));
    }

    /// Proves the event type and the legacy type decide before the outcome: Okta writes
    /// rate-limit and authentication-failure events with outcome SUCCESS.
    #[test]
    fn failure_types_fail_whatever_the_outcome() {
        for t in [
            "application.integration.rate_limit_exceeded",
            "application.integration.authentication_failure",
            "application.integration.general_failure",
            "application.configuration.detect_error",
        ] {
            assert!(is_failure(&ev(t, Some("SUCCESS"), None)), "{t}");
        }
        let mut legacy = ev("application.provision.user.push", Some("SUCCESS"), None);
        legacy.legacy_event_type = Some("app.api.error.create_user".into());
        assert!(is_failure(&legacy));
        assert_eq!(cause(&legacy).key, "create-failed");
        let mut ok = ev("application.provision.user.push", Some("SUCCESS"), None);
        ok.legacy_event_type = Some("app.user_management.push_new_user_success".into());
        assert!(!is_failure(&ok), "a success legacy type stays a success");
        for (t, want) in [
            (
                "application.provision.user.reactivate",
                "reactivation-failed",
            ),
            ("application.provision.user.verify_exists", "lookup-failed"),
            ("application.provision.user.import", "import-failed"),
            ("application.provision.group.import", "import-failed"),
            (
                "application.provision.user.password",
                "password-push-failed",
            ),
            (
                "application.provision.group_membership.add",
                "group-push-failed",
            ),
            (
                "application.configuration.detect_error",
                "app-configuration",
            ),
        ] {
            assert_eq!(cause(&ev(t, Some("FAILURE"), None)).key, want, "{t}");
        }
    }

    /// Proves a log without provisioning events warns instead of passing quietly.
    #[test]
    fn a_log_without_provisioning_events_warns() {
        let r = check(
            "provisioning-failures",
            &[ev("user.session.start", Some("SUCCESS"), None)],
        );
        assert_eq!(r.status, Status::Warn);
    }
}
