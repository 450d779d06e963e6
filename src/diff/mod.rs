//! `scim-doctor diff BEFORE AFTER`: did the fix work? Each side is a snapshot (audited here
//! with the same playbooks and options), a bundle zip (its report.json and snapshot), or a
//! JSON report (findings only). The diff holds the per-check comparison (`findings`), the
//! tenant comparison when both sides carry tenant data (`data`), and the headline a support
//! engineer pastes back into the ticket. Loading is in `load`, presentation in `render`.

mod changes;
pub mod data;
pub mod findings;
pub mod load;
mod members;
mod pairing;
pub mod render;

use crate::model::Tenant;
use crate::report::Report;
use findings::{Change, CheckDiff};
use serde::Serialize;

pub const DIFF_SCHEMA_VERSION: &str = "1.0";

/// One side as loaded.
pub struct Side {
    pub path: String,
    /// "report", "snapshot" or "bundle".
    pub kind: &'static str,
    pub report: Option<Report>,
    pub tenant: Option<Tenant>,
    /// Written with --redact-pii: names and emails are pseudonyms.
    pub pseudonymised: bool,
    /// When the side's data was read from the server (a snapshot's `fetched_at`, a live
    /// run's report time), when known.
    pub data_time: Option<String>,
}

/// A side borrowed for comparison (the bundle compares its own run without copying it).
#[derive(Clone, Copy)]
pub struct SideRef<'a> {
    pub path: &'a str,
    pub kind: &'static str,
    pub report: Option<&'a Report>,
    pub tenant: Option<&'a Tenant>,
}

impl Side {
    pub fn as_ref(&self) -> SideRef<'_> {
        SideRef {
            path: &self.path,
            kind: self.kind,
            report: self.report.as_ref(),
            tenant: self.tenant.as_ref(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub path: String,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// When this side's tenant data was read from the server, when known: what says which
    /// side is older (`generated_at` of an audited snapshot is the time of the audit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_fetched_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<usize>,
    pub complete: Option<bool>,
    pub has_findings: bool,
    pub has_tenant_data: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema_version: &'static str,
    pub before: SideInfo,
    pub after: SideInfo,
    /// One line for the ticket: "12 of 14 duplicate-email clusters resolved, 2 new missing-email".
    pub headline: String,
    /// True when any check got worse or gained subjects (what `--fail-on new` looks at).
    pub worse: bool,
    pub checks: Vec<CheckDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<data::DataDiff>,
    /// What the reader must know about how far the comparison goes.
    pub notes: Vec<String>,
}

fn info(s: SideRef) -> SideInfo {
    let (users, groups, complete) = match (s.tenant, s.report.and_then(|r| r.tenant.as_ref())) {
        (Some(t), _) => (
            Some(t.users.len()),
            Some(t.groups.len()),
            Some(t.is_complete()),
        ),
        (None, Some(t)) => (Some(t.users), Some(t.groups), Some(t.complete)),
        _ => (None, None, None),
    };
    SideInfo {
        path: s.path.to_string(),
        kind: s.kind,
        generated_at: s.report.map(|r| r.generated_at.clone()),
        data_fetched_at: None,
        users,
        groups,
        complete,
        has_findings: s.report.is_some(),
        has_tenant_data: s.tenant.is_some(),
    }
}

pub fn compare(before: SideRef, after: SideRef) -> Diff {
    let mut notes = Vec::new();
    let checks = match (before.report, after.report) {
        (Some(b), Some(a)) => {
            if let (Some(x), Some(y)) = (&b.source.base_url, &a.source.base_url) {
                if x != y {
                    notes.push(format!("the two runs are of different endpoints ({x} and {y}): check you are comparing the same tenant"));
                }
            }
            findings::compare(b, a)
        }
        _ => {
            notes.push(
                "no findings diff: one side has no findings (a snapshot compared with --no-audit)"
                    .into(),
            );
            Vec::new()
        }
    };
    let data = match (before.tenant, after.tenant) {
        (Some(b), Some(a)) => Some(data::compare(b, a)),
        _ => {
            let which: Vec<&str> = [("BEFORE", before), ("AFTER", after)]
                .iter()
                .filter(|(_, s)| s.tenant.is_none())
                .map(|(n, _)| *n)
                .collect();
            notes.push(format!(
                "no tenant data diff: {} {} no tenant data (a JSON report, or a bundle written with --no-snapshot)",
                which.join(" and "),
                if which.len() == 1 { "has" } else { "have" }
            ));
            None
        }
    };
    let (bi, ai) = (info(before), info(after));
    for (name, i) in [("BEFORE", &bi), ("AFTER", &ai)] {
        if i.complete == Some(false) {
            notes.push(format!("{name} holds incomplete tenant data: subjects on pages that were not fetched show up as resolved or new"));
        }
    }
    let uncompared = checks
        .iter()
        .filter(|c| c.change == Change::NotCompared)
        .count();
    if uncompared > 0 {
        notes.push(format!(
            "{} not compared: skipped or not run on one side (run both sides with the same playbooks and inputs)",
            crate::util::plural(uncompared, "check", "checks")
        ));
    }
    if let Some(n) = data
        .as_ref()
        .map(|d| d.users.matched_by_name)
        .filter(|&n| n > 0)
    {
        notes.push(format!(
            "{} matched by userName because their ids changed",
            crate::util::plural(n, "user", "users")
        ));
    }
    if let Some(n) = data
        .as_ref()
        .map(|d| d.groups.matched_by_name)
        .filter(|&n| n > 0)
    {
        notes.push(format!(
            "{} matched by displayName because their ids changed",
            crate::util::plural(n, "group", "groups")
        ));
    }
    let worse = checks
        .iter()
        .any(|c| matches!(c.change, Change::Worse | Change::Mixed));
    let headline = headline(&checks, data.as_ref(), &bi, &ai);
    Diff {
        schema_version: DIFF_SCHEMA_VERSION,
        before: bi,
        after: ai,
        headline,
        worse,
        checks,
        data,
        notes,
    }
}

fn headline(
    checks: &[CheckDiff],
    data: Option<&data::DataDiff>,
    b: &SideInfo,
    a: &SideInfo,
) -> String {
    let mut parts = Vec::new();
    let unit = |c: &CheckDiff, n: usize| {
        if c.unit == "clusters" {
            if n == 1 {
                " cluster"
            } else {
                " clusters"
            }
        } else {
            ""
        }
    };
    for c in checks.iter().filter(|c| !c.resolved.is_empty()) {
        parts.push(format!(
            "{} of {} {}{} resolved",
            c.resolved.len(),
            c.before_total,
            c.id,
            unit(c, c.before_total)
        ));
    }
    for c in checks.iter().filter(|c| !c.new.is_empty()) {
        parts.push(format!(
            "{} new {}{}",
            c.new.len(),
            c.id,
            unit(c, c.new.len())
        ));
    }
    for c in checks.iter().filter(|c| {
        c.resolved.is_empty()
            && c.new.is_empty()
            && c.change != Change::NotCompared
            && c.before != c.after
    }) {
        if let (Some(x), Some(y)) = (c.before, c.after) {
            parts.push(format!("{} {} -> {}", c.id, x.as_str(), y.as_str()));
        }
    }
    let mut line = if parts.is_empty() {
        if checks.is_empty() {
            "findings not compared".to_string()
        } else {
            "no change in findings".to_string()
        }
    } else {
        parts.join(", ")
    };
    if let Some(d) = data {
        line.push_str(&format!(
            "; users {} added, {} removed, {} changed; groups {} added, {} removed, {} changed",
            d.users.added.len(),
            d.users.removed.len(),
            d.users.changed.len(),
            d.groups.added.len(),
            d.groups.removed.len(),
            d.groups.changed.len()
        ));
    }
    if b.complete == Some(false) || a.complete == Some(false) {
        line.push_str(" (CAUTION: incomplete tenant data on one side)");
    }
    line
}

/// Refuses to compare a pseudonymised side (a bundle written with --redact-pii) with one in
/// clear: every name and email would differ, so every user would look changed and every
/// finding resolved and new again.
pub fn check_comparable(before: &Side, after: &Side) -> Result<(), String> {
    if before.pseudonymised == after.pseudonymised {
        return Ok(());
    }
    let (redacted, clear) = if before.pseudonymised {
        (&before.path, &after.path)
    } else {
        (&after.path, &before.path)
    };
    Err(format!(
        "cannot compare {redacted} with {clear}: {redacted} was written with --redact-pii, so its names and emails are pseudonyms while those of {clear} are real, and every user would look changed: compare two bundles redacted with the same pseudonym map (bundle --redact-pii --map-file FILE), or two runs in clear"
    ))
}

/// Records when each side's data was read and says which is older; a note when BEFORE holds
/// the newer data (the sides are probably swapped) or when the order is not known.
pub fn set_data_times(d: &mut Diff, before: Option<&str>, after: Option<&str>) {
    d.before.data_fetched_at = before.map(str::to_string);
    d.after.data_fetched_at = after.map(str::to_string);
    match (before, after) {
        (Some(b), Some(a)) if b > a => d.notes.push(format!(
            "BEFORE holds the newer data (read {b}, AFTER {a}): the two sides may be swapped"
        )),
        (Some(_), Some(_)) => {}
        _ if d.before.has_tenant_data || d.after.has_tenant_data => d.notes.push(
            "which side's data is older is not known: a side without a snapshot time (a report of an offline run, or a curl directory)".into(),
        ),
        _ => {}
    }
}

/// The `bundle --baseline OLD` step: this run compared with an earlier bundle (or report or
/// snapshot). Returns (diff.md, diff.json, headline).
pub fn for_bundle(
    old: &std::path::Path,
    report: &Report,
    tenant: Option<&Tenant>,
) -> Result<(String, String, String), String> {
    let before = match load::detect(old)? {
        load::Kind::Report => load::report_file(old)?,
        load::Kind::Bundle => load::bundle(old)?,
        load::Kind::Snapshot => load::snapshot(old)?,
    };
    let after = SideRef {
        path: "this bundle",
        kind: "bundle",
        report: Some(report),
        tenant,
    };
    let d = compare(before.as_ref(), after);
    Ok((
        render::markdown(&d, 20),
        render::json(&d),
        d.headline.clone(),
    ))
}

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
