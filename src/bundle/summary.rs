//! `summary.md`: the ticket text, in the order the "Raising cases" list of the vendor's
//! "SCIM Sync and Provisioning Troubleshooting" article asks for: 1. issue description and user impact (affected users per symptom);
//! 2. provisioning status (which affected users are or are not in the target, what the
//! provisioning logs say, the time of the run); 3. connectivity (licence and email state of
//! the affected users, and the connection steps with their UTC timestamps); 4. the IdP, the
//! contact and the steps already taken; then findings with remediation, the affected users,
//! the inputs used, what was kept in the clear, and what each attachment is.

use super::redact::Kept;
use crate::checks::duplicates::norm;
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
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
    pub keep_domains: bool,
    /// Values left in the clear on purpose (with --redact-pii).
    pub kept: &'a [Kept],
    pub idp: Option<&'a str>,
    /// How the IdP was known ("given with --idp", "detected from ...").
    pub idp_how: &'a str,
    pub contact: Option<&'a str>,
    pub steps_taken: Option<&'a str>,
    /// (what, given as) per input of the run.
    pub inputs: &'a [(String, String)],
    /// Whether `check --snapshot <zip>` can re-analyse this bundle (it holds the snapshot).
    pub reanalyse: bool,
}

/// A user named by a finding: a SCIM user of the target, or an IdP user (export, logs).
struct Affected<'a> {
    label: &'a str,
    in_target: bool,
    email: String,
    licence: String,
    logs: String,
    checks: Vec<&'a str>,
}

const LICENCE_CHECKS: &[&str] = &["unlicensable-user"];
const LOG_CHECK: &str = "provisioning-failures";
const OUT_OF_SCOPE: &str = "out-of-scope";

use super::symptoms::described_checks;

/// A disabled IdP account outside the scoping filter: normally left out on purpose, so it is
/// not counted as a user the problem affects.
fn intentionally_out_of_scope(c: &CheckResult, s: &Subject) -> bool {
    c.id == OUT_OF_SCOPE && s.kind == SubjectKind::Entry && s.active == Some(false)
}

fn is_user(s: &Subject) -> bool {
    matches!(s.kind, SubjectKind::User | SubjectKind::Entry)
}

fn email_state(s: &Subject, tenant: Option<&Tenant>) -> String {
    let emails: Vec<&str> = match (s.kind, tenant) {
        (SubjectKind::User, Some(t)) => t
            .users
            .iter()
            .find(|u| u.id == s.id)
            .map(|u| u.email_values())
            .unwrap_or_default(),
        _ => s.emails.iter().map(String::as_str).collect(),
    };
    match emails.first() {
        None => "no email".into(),
        Some(e) => match crate::checks::users::email_problem(e) {
            None => "usable".into(),
            Some(p) => format!("invalid: {p}"),
        },
    }
}

fn names(s: &Subject) -> Vec<String> {
    let mut v = vec![norm(&s.id).into_owned()];
    v.extend(s.user_name.iter().map(|n| norm(n).into_owned()));
    v.extend(s.emails.iter().map(|n| norm(n).into_owned()));
    v
}

/// Ids of the checks about the endpoint's behaviour (connection, protocol probes, replay):
/// their subjects are users a probe sampled or canaries, not people affected by a problem.
fn probe_check_ids() -> Vec<&'static str> {
    crate::checks::registry()
        .into_iter()
        .filter(|d| d.area.is_live())
        .map(|d| d.id)
        .collect()
}

fn affected_users<'a>(
    r: &'a Report,
    tenant: Option<&Tenant>,
) -> BTreeMap<(bool, &'a str), Affected<'a>> {
    let logs: Vec<&Subject> = r
        .checks
        .iter()
        .filter(|c| c.id == LOG_CHECK)
        .flat_map(|c| c.subjects.iter())
        .collect();
    let mut users: BTreeMap<(bool, &str), Affected> = BTreeMap::new();
    let probes = probe_check_ids();
    for c in r
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error | Status::Warn))
        .filter(|c| !probes.contains(&c.id.as_str()))
    {
        for s in c
            .subjects
            .iter()
            .filter(|s| is_user(s) && !intentionally_out_of_scope(c, s))
        {
            let in_target = s.kind == SubjectKind::User;
            let a = users.entry((!in_target, s.id.as_str())).or_insert_with(|| {
                let mine = names(s);
                let log = logs
                    .iter()
                    .find(|l| names(l).iter().any(|n| mine.contains(n)))
                    .map(|l| l.detail.clone())
                    .unwrap_or_default();
                Affected {
                    label: s.label(),
                    in_target,
                    email: email_state(s, tenant),
                    licence: String::new(),
                    logs: log,
                    checks: Vec::new(),
                }
            });
            if LICENCE_CHECKS.contains(&c.id.as_str()) {
                a.licence = s.detail.clone();
            }
            if !a.checks.contains(&c.id.as_str()) {
                a.checks.push(&c.id);
            }
        }
    }
    users
}

fn quote(out: &mut String, text: &str) {
    for line in text.trim().lines() {
        let _ = writeln!(out, "> {}", crate::render::markdown::text(line));
    }
    out.push('\n');
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
        "- Run at (UTC): {} by scim-doctor {}",
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
        out.push_str("- Personal data in this bundle is pseudonymised (--redact-pii); the customer keeps the map. What stayed in the clear is listed under \"Kept in the clear\"\n");
    }
    for w in &r.warnings {
        let _ = writeln!(
            out,
            "\n> **Warning:** {}",
            crate::render::markdown::text(&w.replace('\n', " "))
        );
    }

    let affected = affected_users(r, i.tenant);
    out.push_str("\n## 1. Issue description and user impact\n\n");
    match i.description {
        Some(d) if !d.trim().is_empty() => quote(&mut out, d),
        _ => out.push_str("_No description given (use --description or --description-file): describe what fails, since when, and the error the admin sees._\n\n"),
    }
    let _ = writeln!(
        out,
        "- Users affected by at least one data finding: {} ({} in the target, {} only in the IdP; users a probe sampled are not counted)",
        affected.len(),
        affected.values().filter(|a| a.in_target).count(),
        affected.values().filter(|a| !a.in_target).count()
    );
    let _ = writeln!(out, "- Checks: {}", crate::render::summary_line(r));
    // The symptom the description names comes first, in its playbook's order.
    let described = described_checks(r, i.description);
    let mut symptoms: Vec<&CheckResult> = r
        .checks
        .iter()
        .filter(|c| c.status.rank() >= Status::Warn.rank())
        .collect();
    symptoms.sort_by_key(|c| {
        described
            .iter()
            .position(|id| *id == c.id)
            .unwrap_or(usize::MAX)
    });
    let skipped_disabled = r
        .checks
        .iter()
        .filter(|c| c.status.rank() >= Status::Warn.rank())
        .flat_map(|c| {
            c.subjects
                .iter()
                .filter(move |s| intentionally_out_of_scope(c, s))
        })
        .count();
    if skipped_disabled > 0 {
        let _ = writeln!(
            out,
            "- Not counted: {} outside the scoping filter (disabled accounts are normally left out on purpose; listed under `out-of-scope`)",
            crate::util::plural(skipped_disabled, "disabled IdP account", "disabled IdP accounts")
        );
    }
    if symptoms.is_empty() {
        out.push_str("- Symptoms: none found\n");
    } else {
        out.push_str("\n| Symptom (check) | Status | Affected users | Other subjects | Message |\n|---|---|---|---|---|\n");
        let probes = probe_check_ids();
        for c in &symptoms {
            // A probe's users were sampled, not affected: they count as other subjects. A
            // disabled account left out of scope on purpose counts as neither.
            let excluded = c
                .subjects
                .iter()
                .filter(|s| intentionally_out_of_scope(c, s))
                .count();
            let users = if probes.contains(&c.id.as_str()) {
                0
            } else {
                c.subjects.iter().filter(|s| is_user(s)).count() - excluded
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&c.id),
                c.status.as_str(),
                users,
                c.subjects.len() - users - excluded,
                cell(&c.message)
            );
        }
    }

    out.push_str("\n## 2. Provisioning status\n\n");
    let _ = writeln!(out, "- Time of this run (UTC): {}", r.generated_at);
    provisioning(&mut out, r, i.tenant);
    let missing: Vec<&Affected> = affected.values().filter(|a| !a.in_target).collect();
    let _ = writeln!(
        out,
        "- Affected users in the target: {}; affected users NOT in the target: {}{}",
        affected.len() - missing.len(),
        missing.len(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                missing
                    .iter()
                    .take(10)
                    .map(|a| a.label)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    match r.checks.iter().find(|c| c.id == LOG_CHECK) {
        Some(c) if c.status != Status::Skipped => {
            let _ = writeln!(out, "- Provisioning logs: {} ({})", crate::render::markdown::text(&c.message.replace('\n', " ")), c.status.as_str());
        }
        _ => out.push_str("- Provisioning logs: none given (export them from the IdP and pass --provisioning-logs)\n"),
    }
    out.push_str(
        "- For users missing from the target: run on-demand provisioning for one affected user; attach a screenshot of the result (success or error message) and its exact UTC timestamp.\n",
    );

    out.push_str("\n## 3. Connectivity of the affected users\n\n");
    let no_email = affected.values().filter(|a| a.email != "usable").count();
    let unlicensed = affected.values().filter(|a| !a.licence.is_empty()).count();
    let _ = writeln!(
        out,
        "- Email: {} of {} affected users have no usable email",
        no_email,
        affected.len()
    );
    for c in r
        .checks
        .iter()
        .filter(|c| c.id.starts_with("license") || c.id == "unlicensable-user")
    {
        let _ = writeln!(
            out,
            "- Licence ({}): {} ({})",
            code(&c.id),
            c.message,
            c.status.as_str()
        );
    }
    let _ = writeln!(out, "- Affected users who cannot be licensed: {unlicensed}");
    out.push_str("- For provisioned users who cannot connect: attach a screenshot of the client showing the error the user sees when connecting, and the client's logs (recorded with the client's Record Issue feature)\n");
    out.push_str("\n### Connection to the SCIM endpoint (UTC timestamps per step)\n\n");
    connectivity(&mut out, r);

    out.push_str("\n## 4. Identity provider, contact, steps already taken\n\n");
    match i.idp {
        Some(idp) => {
            let _ = writeln!(out, "- IdP: {idp} ({})", i.idp_how);
        }
        None => {
            out.push_str("- IdP: not stated (use --idp entra|okta|onelogin|dts|safous|other)\n")
        }
    }
    match i.contact {
        Some(c) if !c.trim().is_empty() => {
            // The contact arrives as a placeholder (see `bundle::CONTACT_SLOT`), escaped
            // when it is put in.
            let _ = writeln!(out, "- Contact: {}", c.trim().replace('\n', " "));
        }
        _ => out.push_str("- Contact: not given (use --contact)\n"),
    }
    match i.steps_taken {
        Some(s) if !s.trim().is_empty() => {
            out.push_str("- Steps already taken:\n\n");
            quote(&mut out, s);
        }
        _ => out.push_str("- Steps already taken: not given (use --steps-taken)\n"),
    }

    out.push_str("\n## 5. Findings and remediation\n\n");
    crate::render::markdown::findings_table(&mut out, r);

    let _ = writeln!(out, "\n## 6. Affected users (first {AFFECTED_SHOWN})\n");
    if affected.is_empty() {
        out.push_str("No user is named by a finding.\n");
    } else {
        // The users the description is about (named by its symptom's checks) come first.
        let mut rows: Vec<&Affected> = affected.values().collect();
        rows.sort_by_key(|a| {
            a.checks
                .iter()
                .filter_map(|c| described.iter().position(|d| d == c))
                .min()
                .unwrap_or(usize::MAX)
        });
        if !described.is_empty() {
            out.push_str("Users named by the checks of the described symptom come first.\n\n");
        }
        out.push_str("| User | In target | Email | Licence | Provisioning logs | Checks |\n|---|---|---|---|---|---|\n");
        for a in rows.into_iter().take(AFFECTED_SHOWN) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(a.label),
                if a.in_target { "yes" } else { "no" },
                cell(&a.email),
                cell(if a.licence.is_empty() {
                    "-"
                } else {
                    &a.licence
                }),
                cell(if a.logs.is_empty() { "-" } else { &a.logs }),
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

    out.push_str("\n## 7. Inputs used\n\n");
    for (what, given) in i.inputs {
        let _ = writeln!(out, "- {what}: {}", code(given));
    }

    if i.redacted {
        out.push_str("\n## 8. Kept in the clear\n\n");
        out.push_str("- Structural fields, at their core-schema paths only (RFC 7643): resource ids the target generated (`id`, member, group and manager `value`, and the endpoint part of `$ref` and `meta.location`) unless an id looks personal (an email, or a copy of the userName, email, externalId or displayName), `schemas`, `meta.resourceType`, `meta.created`, `meta.lastModified`, `meta.version`, the `type` and `primary` of multi-valued attributes, `active`, `userType`, `preferredLanguage`, `locale`, `timezone`, booleans; IdP export flags and enumerations (accountEnabled, userType, usageLocation, createdDateTime...). Custom extensions are pseudonymised whole, numbers included\n");
        out.push_str("- Punctuation and the length and kind of every character of a value (so malformed values stay malformed in the same way)\n");
        if i.keep_domains {
            out.push_str("- Email domains (--keep-domains)\n");
        }
        out.push_str("- The contact (--contact) and the scoping filter file, as given (the values of users it reads are pseudonymised; the verdicts their real values gave travel in `inputs/scope-verdicts.json` when needed)\n");
        if i.inputs.iter().any(|(w, _)| w.ends_with("(--idp-config)")) {
            out.push_str("- In --idp-config files: the synchronization schema's attribute names, expressions and scope (its constants and default values are pseudonymised); Okta and Entra ids, event types, outcomes, states and timestamps; the app's own name (people named in messages and error texts are pseudonymised)\n");
        }
        let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for k in i.kept {
            by_reason.entry(&k.reason).or_default().push(&k.value);
        }
        for (reason, values) in by_reason {
            let shown: Vec<String> = values.iter().take(20).map(|v| code(v)).collect();
            let _ = writeln!(
                out,
                "- {} value(s), because of {reason}: {}{}",
                values.len(),
                shown.join(", "),
                if values.len() > 20 { ", ..." } else { "" }
            );
        }
    }

    out.push_str("\n## Attachments: what is in this bundle\n\n");
    for (path, what) in i.contents {
        let _ = writeln!(out, "- {}: {}", code(path), what);
    }
    out.push_str("\nCheck integrity with `scim-doctor bundle verify <zip>`.");
    if i.reanalyse {
        out.push_str(" Re-analyse offline with `scim-doctor check --snapshot <zip>` (the run's inputs come back from `inputs/`).");
    }
    out.push('\n');
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
                    format!(
                        "INCOMPLETE ({})",
                        crate::render::markdown::text(&t.notes.join("; ").replace('\n', " "))
                    )
                }
            );
        }
        (None, _) => {
            out.push_str("- No tenant data could be read, so provisioning status is unknown.\n")
        }
    }
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

#[cfg(test)]
#[path = "summary_tests.rs"]
mod tests;
