//! Logs-area checks: `provisioning-failures`, what Entra's own provisioning logs say went
//! wrong (reference section 2 "Provisioning logs"; seed 004 "Provisioning logs").

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::logs::analysis::{self, Analysis, EntryGroup};
use crate::util::plural;
use serde_json::json;

pub const PROVISIONING_FAILURES: &str = "provisioning-failures";

/// Groups failed and skipped log entries by error code / skip reason, from the Entra
/// provisioning logs and the Okta System Log (`--idp-config`), whichever were given.
pub fn provisioning_failures(ctx: &Ctx, _params: &Params) -> CheckResult {
    let id = PROVISIONING_FAILURES;
    let okta = ctx.idp.and_then(|c| c.okta_events.as_deref());
    match (ctx.logs, okta) {
        (None, None) => CheckResult::skipped(
            id,
            "not run: give --provisioning-logs FILE... (the Entra portal download, CSV or JSON, or Graph provisioningObjectSummary JSON) or an Okta System Log with --idp-config",
        ),
        (None, Some(ev)) => super::okta_logs::check(id, ev),
        (Some(logs), None) => entra(logs),
        (Some(logs), Some(ev)) => {
            super::okta_logs::merge(entra(logs), super::okta_logs::check(id, ev))
        }
    }
}

fn entra(logs: &crate::logs::LogInputs) -> CheckResult {
    let id = PROVISIONING_FAILURES;
    let a = analysis::analyse(&logs.entries);
    let data = data(&a, logs);
    if logs.entries.is_empty() {
        return CheckResult::new(
            id,
            Status::Warn,
            format!(
                "expected provisioning-log entries, got none in {}",
                plural(logs.files.len(), "file", "files")
            ),
        )
        .with_remediation(
            "download the provisioning logs again for a time window that includes the failing users (Entra admin center > Enterprise applications > the app > Provisioning logs > Download)",
        )
        .with_data(data);
    }
    if a.failures.is_empty() && a.skips.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "{} read, none failed or skipped{}",
                plural(
                    a.totals.entries,
                    "provisioning-log entry",
                    "provisioning-log entries"
                ),
                unreadable(a.totals.unknown)
            ),
        )
        .with_data(data);
    }

    let mut subjects = Vec::new();
    let (mut users, mut groups): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for g in a.failures.iter().chain(&a.skips) {
        for u in &g.users {
            let mut s = Subject::item(SubjectKind::Entry, u.key.clone(), user_detail(u));
            if g.object == "group" {
                s.display_name = Some(u.label.clone());
                s.detail = format!("group, {}", s.detail);
                groups.push(u.key.to_lowercase());
            } else {
                s.user_name = Some(u.label.clone());
                users.push(u.key.to_lowercase());
            }
            subjects.push(s.in_group(g.key.clone()));
        }
    }
    users.sort();
    users.dedup();
    groups.sort();
    groups.dedup();
    let objects = match (users.len(), groups.len()) {
        (u, 0) => plural(u, "user", "users"),
        (0, g) => plural(g, "group", "groups"),
        (u, g) => format!(
            "{} and {}",
            plural(u, "user", "users"),
            plural(g, "group", "groups")
        ),
    };

    let mut parts = Vec::new();
    if !a.failures.is_empty() {
        parts.push(format!(
            "{} ({})",
            plural(a.totals.failure, "failure", "failures"),
            summary(&a.failures)
        ));
    }
    if !a.skips.is_empty() {
        parts.push(format!(
            "{} ({})",
            plural(a.totals.skipped, "skip", "skips"),
            summary(&a.skips)
        ));
    }
    let status = if a.failures.is_empty() {
        Status::Warn
    } else {
        Status::Fail
    };
    let message = format!(
        "expected every provisioning-log entry to succeed, got {} for {} in {}{}; quarantine: {}",
        parts.join(" and "),
        objects,
        plural(a.totals.entries, "entry", "entries"),
        unreadable(a.totals.unknown),
        a.quarantine.summary
    );
    let remediation = a
        .failures
        .iter()
        .chain(&a.skips)
        .map(|g| {
            // Each paragraph ends with a period, so renderers that fold lines keep them apart.
            let mut p = remedy(g);
            if !p.ends_with('.') {
                p.push('.');
            }
            p
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = CheckResult::found(id, status, message, remediation, subjects).with_data(data);
    r.count = users.len() + groups.len();
    r
}

/// Entries whose status could not be read are neither failures nor successes: say so.
fn unreadable(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(
            " ({} without a readable status)",
            plural(n, "entry", "entries")
        )
    }
}

fn summary(groups: &[EntryGroup]) -> String {
    groups
        .iter()
        .map(|g| {
            let on = if g.object == "group" { " (groups)" } else { "" };
            if g.known {
                format!("{}{on} {}", g.key, g.count)
            } else {
                format!("unknown {} {} {}", kind_word(g), g.key, g.count)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_word(g: &EntryGroup) -> &'static str {
    match g.kind {
        analysis::GroupKind::ErrorCode => "code",
        analysis::GroupKind::SkipReason => "reason",
    }
}

/// Entries and time span; the code itself travels as the subject's group key.
fn user_detail(u: &analysis::Affected) -> String {
    let mut d = plural(u.entries, "entry", "entries");
    match (&u.first, &u.last) {
        (Some(f), Some(l)) if f != l => d.push_str(&format!(", {f} to {l}")),
        (Some(f), _) => d.push_str(&format!(", at {f}")),
        _ => {}
    }
    d
}

/// One pasteable paragraph per group: what happened, how often, to whom, and the fix.
fn remedy(g: &EntryGroup) -> String {
    let when = match (&g.first, &g.last) {
        (Some(f), Some(l)) if f != l => format!(", {f} to {l}"),
        (Some(f), _) => format!(", at {f}"),
        _ => String::new(),
    };
    let objects = if g.object == "group" {
        plural(g.users.len(), "group", "groups")
    } else {
        plural(g.users.len(), "user", "users")
    };
    let head = format!(
        "{} ({}, {objects}{when})",
        g.key,
        plural(g.count, "entry", "entries"),
    );
    match (&g.cause, &g.remediation) {
        (Some(c), Some(fix)) => format!("{head}: {c}. Fix: {fix}"),
        _ => {
            let quoted = g
                .example_reason
                .as_deref()
                .map(|r| format!(" The log says: \"{r}\"."))
                .unwrap_or_default();
            format!(
                "{head}: unknown {}, not in scim-doctor's table.{quoted} Open one failing entry in the Entra provisioning logs, read its Troubleshooting & Recommendations tab, and send the change id and time to the target vendor if the target refused the request",
                kind_word(g)
            )
        }
    }
}

fn data(a: &Analysis, logs: &crate::logs::LogInputs) -> serde_json::Value {
    let mut codes = serde_json::Map::new();
    for g in &a.failures {
        let n = codes.get(&g.key).and_then(|v| v.as_u64()).unwrap_or(0);
        codes.insert(g.key.clone(), json!(n + g.count as u64));
    }
    let reasons: serde_json::Map<String, serde_json::Value> = a
        .skips
        .iter()
        .map(|g| (g.key.clone(), json!(g.count)))
        .collect();
    json!({
        "totals": a.totals,
        "codes": codes,
        "skip_reasons": reasons,
        "failures": a.failures,
        "skips": a.skips,
        "quarantine": a.quarantine,
        "files": logs.files,
        "understood_columns": logs.understood,
        "ignored_columns": logs.ignored,
        "notes": logs.notes,
    })
}
