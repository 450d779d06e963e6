//! `summary.md`: the ticket text, in the order seed 004 ("Raising cases to Cato Support")
//! asks for: issue description and user impact, provisioning status, connectivity with
//! exact UTC timestamps per step, findings with remediation, affected users, and what the
//! bundle holds.

use crate::findings::{CheckResult, Status, SubjectKind};
use crate::model::Tenant;
use crate::render::markdown::{cell, code};
use crate::report::{Report, SourceKind};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Users listed in "Affected users" (the full lists are in report.json and checks/).
const AFFECTED_SHOWN: usize = 20;

pub struct SummaryInput<'a> {
    pub report: &'a Report,
    pub tenant: Option<&'a Tenant>,
    pub case_id: Option<&'a str>,
    pub label: Option<&'a str>,
    pub description: Option<&'a str>,
    /// (path in the zip, what it is), for the last section.
    pub contents: &'a [(String, String)],
    pub redacted: bool,
}

struct Affected<'a> {
    label: &'a str,
    email: Option<&'a str>,
    active: Option<bool>,
    checks: Vec<&'a str>,
}

fn affected_users(report: &Report) -> BTreeMap<&str, Affected<'_>> {
    let mut users: BTreeMap<&str, Affected> = BTreeMap::new();
    for c in report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
    {
        for s in c.subjects.iter().filter(|s| s.kind == SubjectKind::User) {
            let a = users.entry(s.id.as_str()).or_insert_with(|| Affected {
                label: s.label(),
                email: s.emails.first().map(String::as_str),
                active: s.active,
                checks: Vec::new(),
            });
            if !a.checks.contains(&c.id.as_str()) {
                a.checks.push(&c.id);
            }
        }
    }
    users
}

pub fn render(i: &SummaryInput) -> String {
    let r = i.report;
    let mut out = String::new();
    let source_name = crate::render::markdown::source_name(r);
    let title = i.label.unwrap_or(&source_name);
    let case = i
        .case_id
        .map(|c| format!(" (case {c})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "# SCIM provisioning support ticket: {}{}\n",
        title.replace('\n', " "),
        case
    );
    let _ = writeln!(
        out,
        "- Generated (UTC): {} by scim-doctor {}",
        r.generated_at, r.tool.version
    );
    let kind = match r.source.kind {
        SourceKind::Live => "live endpoint",
        SourceKind::Snapshot => "snapshot",
    };
    let _ = writeln!(out, "- Source: {kind} {}", code(&r.source.label));
    if let Some(url) = &r.source.base_url {
        let _ = writeln!(out, "- SCIM base URL: {}", code(url));
    }
    if i.redacted {
        out.push_str("- Personal data in this bundle is pseudonymised (--redact-pii); the customer keeps the map\n");
    }
    for w in &r.warnings {
        let _ = writeln!(out, "\n> **Warning:** {}", w.replace('\n', " "));
    }

    let affected = affected_users(r);
    out.push_str("\n## 1. Issue description and user impact\n\n");
    match i.description {
        Some(d) if !d.trim().is_empty() => {
            for line in d.trim().lines() {
                let _ = writeln!(out, "> {line}");
            }
            out.push('\n');
        }
        _ => out.push_str("_No description given (use --description or --description-file): describe what fails, since when, and the error the admin sees._\n\n"),
    }
    let failed: Vec<String> = r
        .playbooks
        .iter()
        .filter(|p| p.status.rank() >= Status::Warn.rank())
        .map(|p| format!("{} ({})", p.title, p.status.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "- Users affected by at least one finding: {}",
        affected.len()
    );
    let _ = writeln!(out, "- Checks: {}", crate::render::summary_line(r));
    if failed.is_empty() {
        out.push_str("- Playbooks with findings: none\n");
    } else {
        let _ = writeln!(out, "- Playbooks with findings: {}", failed.join("; "));
    }

    out.push_str("\n## 2. Provisioning status\n\n");
    provisioning(&mut out, r, i.tenant);

    out.push_str("\n## 3. Connectivity (UTC timestamps per step)\n\n");
    connectivity(&mut out, r);

    out.push_str("\n## 4. Findings and remediation\n\n");
    crate::render::markdown::findings_table(&mut out, r);

    let _ = writeln!(out, "\n## 5. Affected users (first {AFFECTED_SHOWN})\n");
    if affected.is_empty() {
        out.push_str("No user is named by a finding.\n");
    } else {
        out.push_str("| User | Email | Active | Checks |\n|---|---|---|---|\n");
        for a in affected.values().take(AFFECTED_SHOWN) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(a.label),
                cell(a.email.unwrap_or("")),
                a.active
                    .map(|b| if b { "yes" } else { "no" })
                    .unwrap_or("unknown"),
                cell(&a.checks.join(", "))
            );
        }
        if affected.len() > AFFECTED_SHOWN {
            let _ = writeln!(
                out,
                "\n... and {} more: see `checks/` and `report.json`.",
                affected.len() - AFFECTED_SHOWN
            );
        }
    }

    out.push_str("\n## 6. What is in this bundle\n\n");
    for (path, what) in i.contents {
        let _ = writeln!(out, "- {}: {}", code(path), what);
    }
    out.push_str("\nCheck integrity with `scim-doctor bundle verify <zip>`; re-analyse offline with `scim-doctor check --snapshot <zip>`.\n");
    out
}

fn provisioning(out: &mut String, r: &Report, tenant: Option<&Tenant>) {
    match (&r.tenant, tenant) {
        (Some(t), tenant) => {
            let _ = write!(
                out,
                "- Provisioned in the target: {}, {}",
                crate::util::plural(t.users, "user", "users"),
                crate::util::plural(t.groups, "group", "groups")
            );
            if let Some(tenant) = tenant {
                let disabled = tenant.users.iter().filter(|u| !u.is_active()).count();
                let _ = write!(
                    out,
                    " ({} active, {} disabled)",
                    t.users - disabled,
                    disabled
                );
            }
            out.push('\n');
            let _ = writeln!(
                out,
                "- Data: {}",
                if t.complete {
                    "complete".to_string()
                } else {
                    format!("INCOMPLETE ({})", t.notes.join("; "))
                }
            );
        }
        (None, _) => {
            out.push_str("- No tenant data could be read, so provisioning status is unknown.\n")
        }
    }
    out.push_str(
        "- For users missing from the target: check the IdP provisioning logs and run on-demand provisioning for one affected user; attach the result and its exact UTC timestamp.\n",
    );
}

fn connectivity(out: &mut String, r: &Report) {
    let mut live: Vec<&CheckResult> = crate::render::ordered_checks(r)
        .into_iter()
        .filter(|c| c.at.is_some() || !c.evidence.is_empty())
        .collect();
    // The order the steps run in (the registry's), whatever order the playbooks list them.
    let order: Vec<&str> = crate::checks::registry().iter().map(|d| d.id).collect();
    live.sort_by_key(|c| {
        order
            .iter()
            .position(|id| *id == c.id)
            .unwrap_or(usize::MAX)
    });
    if live.is_empty() {
        match r.source.kind {
            SourceKind::Snapshot => out.push_str("Offline run on a snapshot: connectivity was not tested. Run `scim-doctor test-connection --base-url ...` for this section.\n"),
            SourceKind::Live => out.push_str("No connection step recorded a timestamp.\n"),
        }
        return;
    }
    out.push_str("| Step | Status | At (UTC) | Took | Message |\n|---|---|---|---|---|\n");
    for c in &live {
        let at =
            c.at.as_deref()
                .or(c.evidence.first().map(|e| e.at.as_str()))
                .unwrap_or("");
        let took = c
            .elapsed_ms
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code(&c.id),
            c.status.as_str(),
            at,
            took,
            cell(&c.message)
        );
    }
    out.push_str("\nRequests behind these steps (all in `requests.jsonl`):\n\n");
    for c in &live {
        for e in &c.evidence {
            let status = e
                .status
                .map(|s| s.to_string())
                .unwrap_or_else(|| "no response".into());
            let _ = writeln!(
                out,
                "- {} {} {} -> {} in {} ms ({})",
                e.at,
                e.method,
                code(&e.url),
                status,
                e.elapsed_ms,
                c.id
            );
        }
    }
}
