//! `--format html`: one self-contained page a person opens from a ticket attachment. Top:
//! verdict, tenant facts, counts by status, the three findings that matter most with their
//! fix; then pictures (inline SVG); then every playbook with its checks, each expandable to
//! message, remediation, evidence and a filterable, sortable subject table. The page loads
//! nothing from anywhere (see `page::csp`) and every tenant value is escaped.

pub mod causes;
pub mod charts;
pub mod explain;
pub mod page;

use crate::findings::{CheckResult, Status, SubjectKind};
use crate::model::Tenant;
use crate::report::{Report, SourceKind};
use page::{anchor, badge, esc};
use std::collections::HashSet;
use std::fmt::Write;

/// Subjects shown per check in the page; the full list is in the bundle's CSV.
pub const PAGE_SUBJECTS: usize = 500;

/// Causes listed under "What matters most".
const TOP_CAUSES: usize = 5;

pub fn render(report: &Report, tenant: Option<&Tenant>) -> String {
    render_relabelled(report, tenant, &|d| d.to_string())
}

/// `render`, with the email domains of the tenant chart shown as `domain` says (a
/// pseudonymised bundle shows the pseudonym its snapshot gives the domain).
pub fn render_relabelled(
    report: &Report,
    tenant: Option<&Tenant>,
    domain: &dyn Fn(&str) -> String,
) -> String {
    let name = crate::render::markdown::source_name(report);
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<header><h1>scim-doctor report: {}</h1></header>\n<main>",
        esc(&name)
    );
    top(&mut b, report);
    b.push_str("<section aria-labelledby=\"pictures-h\"><h2 id=\"pictures-h\">Pictures</h2><div class=\"charts\">\n");
    b.push_str(&charts::findings(report));
    match tenant {
        Some(t) => {
            b.push_str(&charts::composition(report, t, domain));
            b.push_str(&charts::group_sizes(t));
        }
        None => b.push_str("<p class=\"note\">Tenant composition and group sizes need the tenant data (not available in this run).</p>"),
    }
    if let Some(s) = charts::scoping(report) {
        b.push_str(&s);
    }
    if let Some(s) = charts::log_failures(report) {
        b.push_str(&s);
    }
    b.push_str("</div></section>\n");
    checks_section(&mut b, report);
    let _ = writeln!(
        b,
        "</main>\n<footer class=\"note\"><p>Generated {} by scim-doctor {}; report schema {}.</p></footer>",
        esc(&report.generated_at),
        esc(&report.tool.version),
        esc(&report.schema_version)
    );
    page::document(&format!("scim-doctor report: {name}"), &b, true)
}

/// The one-line verdict a reader sees first.
pub fn verdict(report: &Report) -> (Status, String) {
    let worst = report.worst();
    let s = &report.summary;
    let mut line = match worst {
        Status::Fail | Status::Error => format!(
            "Action needed: {} failed{}",
            crate::util::plural(s.fail + s.error, "check", "checks"),
            if s.warn > 0 {
                format!(
                    ", {} to review",
                    crate::util::plural(s.warn, "warning", "warnings")
                )
            } else {
                String::new()
            }
        ),
        Status::Warn => format!(
            "Review: no check failed, {} to review",
            crate::util::plural(s.warn, "warning", "warnings")
        ),
        _ if s.pass == 0 => "Nothing was checked: every check was skipped".to_string(),
        _ => format!(
            "Healthy: every check that ran passed ({} passed, {} skipped)",
            s.pass, s.skipped
        ),
    };
    if report.tenant.as_ref().is_some_and(|t| !t.complete) {
        line.push_str("; the tenant data is INCOMPLETE, so findings may be missing");
    }
    (worst, line)
}

fn top(b: &mut String, report: &Report) {
    let (worst, line) = verdict(report);
    let _ = writeln!(
        b,
        "<p class=\"verdict st-{}\" id=\"verdict\">{} {}</p>",
        worst.as_str(),
        badge(worst.as_str()),
        esc(&line)
    );
    for w in &report.warnings {
        let _ = writeln!(b, "<p class=\"alert\" role=\"alert\"><span aria-hidden=\"true\">\u{26A0}</span> Warning: {}</p>", esc(w));
    }
    let kind = match report.source.kind {
        SourceKind::Live => "live endpoint",
        SourceKind::Snapshot => "snapshot",
    };
    b.push_str("<dl class=\"facts\" id=\"tenant\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(b, "<div><dt>{}</dt><dd>{}</dd></div>", esc(k), v);
    };
    match &report.tenant {
        Some(t) => {
            fact("Users", t.users.to_string());
            fact("Groups", t.groups.to_string());
            fact(
                "Data",
                if t.complete {
                    badge("pass").replace("PASS", "complete")
                } else {
                    badge("warn").replace("WARN", "INCOMPLETE")
                },
            );
        }
        None => fact("Tenant", "not fetched".into()),
    }
    fact(
        "Source",
        format!("{kind} <code>{}</code>", esc(&report.source.label)),
    );
    fact("Generated (UTC)", esc(&report.generated_at));
    b.push_str("</dl>\n");
    if let Some(t) = report.tenant.as_ref().filter(|t| !t.notes.is_empty()) {
        let _ = writeln!(
            b,
            "<p class=\"note\">Completeness: {}</p>",
            esc(&t.notes.join("; "))
        );
    }
    let s = &report.summary;
    b.push_str("<p id=\"counts\">");
    for (st, n) in [
        (Status::Fail, s.fail),
        (Status::Error, s.error),
        (Status::Warn, s.warn),
        (Status::Pass, s.pass),
        (Status::Skipped, s.skipped),
    ] {
        let _ = write!(b, "{} {n} &nbsp; ", badge(st.as_str()));
    }
    b.push_str("</p>\n<section aria-labelledby=\"top-h\"><h2 id=\"top-h\">What matters most</h2>");
    let causes = causes::ranked(report);
    if causes.is_empty() {
        b.push_str("<p>No findings: every check passed or was skipped.</p>");
    } else {
        b.push_str("<p class=\"note\">One entry per cause, the most severe first, then the one that affects the most people; checks that report the same people are named under it.</p><ol class=\"top\">");
        for cause in causes.iter().take(TOP_CAUSES) {
            let lead = cause.lead();
            let link = |c: &CheckResult| {
                format!(
                    "<a href=\"#check-{}\"><code>{}</code></a>",
                    anchor(&c.id),
                    esc(&c.id)
                )
            };
            let checks: Vec<String> = cause.checks.iter().map(|c| link(c)).collect();
            let affected = match (cause.people.len(), cause.other_subjects) {
                (0, 0) => String::new(),
                (0, n) => format!(" ({})", crate::util::plural(n, "subject", "subjects")),
                (p, _) => format!(" ({} affected)", crate::util::plural(p, "person", "people")),
            };
            let _ = write!(
                b,
                "<li>{} <strong>{}</strong>{}: {}<br>Checks: {}",
                badge(cause.status.as_str()),
                esc(&cause.title),
                affected,
                esc(&lead.message),
                checks.join(", ")
            );
            if !cause.also.is_empty() {
                let also: Vec<String> = cause.also.iter().map(|c| link(c)).collect();
                let _ = write!(
                    b,
                    "; the same people are also reported by {}",
                    also.join(", ")
                );
            }
            let _ = write!(
                b,
                "<br><span class=\"fix\">Fix: {}</span></li>",
                esc(if lead.remediation.is_empty() {
                    "see the check's documentation"
                } else {
                    &lead.remediation
                })
            );
        }
        b.push_str("</ol>");
        if causes.len() > TOP_CAUSES {
            let _ = write!(
                b,
                "<p class=\"note\">{} more below, under Playbooks and checks.</p>",
                crate::util::plural(causes.len() - TOP_CAUSES, "cause", "causes")
            );
        }
    }
    b.push_str("</section>\n");
}

fn checks_section(b: &mut String, report: &Report) {
    b.push_str(
        "<section aria-labelledby=\"checks-h\"><h2 id=\"checks-h\">Playbooks and checks</h2>\n",
    );
    b.push_str("<div class=\"filters\" role=\"search\"><fieldset id=\"status-filter\"><legend>Show</legend>");
    for st in Status::ALL {
        let n = report.checks.iter().filter(|c| c.status == st).count();
        let _ = write!(
            b,
            "<label><input type=\"checkbox\" value=\"{}\" checked> {} ({n})</label>",
            st.as_str(),
            badge(st.as_str())
        );
    }
    b.push_str("</fieldset><label>Find a check <input type=\"search\" id=\"check-search\" placeholder=\"id or message\"></label>\
<span id=\"filter-status\" class=\"note\" role=\"status\" aria-live=\"polite\"></span></div>\n");
    let mut shown: HashSet<&str> = HashSet::new();
    for pb in &report.playbooks {
        let _ = writeln!(
            b,
            "<section class=\"playbook\" id=\"playbook-{}\"><h3>{} <code>{}</code> {}</h3>",
            anchor(&pb.id),
            esc(&pb.title),
            esc(&pb.id),
            badge(pb.status.as_str())
        );
        // Checks that ran come first; skipped ones (live checks of an offline run) follow,
        // so they never stand before a failure.
        let (ran, skipped): (Vec<&CheckResult>, Vec<&CheckResult>) = pb
            .checks
            .iter()
            .filter_map(|id| report.check(id))
            .partition(|c| c.status != Status::Skipped);
        for c in ran.into_iter().chain(skipped) {
            if shown.insert(c.id.as_str()) {
                check(b, c);
            } else {
                let _ = writeln!(
                    b,
                    "<p class=\"seeabove\">{} <a href=\"#check-{}\"><code>{}</code></a>: shown above</p>",
                    badge(c.status.as_str()),
                    anchor(&c.id),
                    esc(&c.id)
                );
            }
        }
        b.push_str("</section>\n");
    }
    let other = crate::render::unlisted_checks(report);
    if !other.is_empty() {
        b.push_str("<section class=\"playbook\" id=\"playbook-other\"><h3>Other checks</h3>");
        for c in other {
            check(b, c);
        }
        b.push_str("</section>\n");
    }
    b.push_str("</section>\n");
}

fn check(b: &mut String, c: &CheckResult) {
    let search = format!("{} {} {}", c.id, c.message, c.status.as_str()).to_lowercase();
    let _ = write!(
        b,
        "<details class=\"check\" id=\"check-{}\" data-check=\"{}\" data-status=\"{}\" data-search=\"{}\"{}><summary>{} <code>{}</code> ({}): {}</summary><div class=\"body\">",
        anchor(&c.id),
        esc(&c.id),
        c.status.as_str(),
        esc(&search),
        if crate::render::is_finding(c) && c.status.rank() >= 2 { " open" } else { "" },
        badge(c.status.as_str()),
        esc(&c.id),
        c.count,
        esc(&c.message)
    );
    let _ = write!(b, "<p><strong>Message:</strong> {}</p>", esc(&c.message));
    if !c.remediation.is_empty() {
        let _ = write!(b, "<p><strong>Fix:</strong> {}</p>", esc(&c.remediation));
    }
    if let Some(at) = &c.at {
        let _ = write!(
            b,
            "<p class=\"note\">Ran at {}{}</p>",
            esc(at),
            c.elapsed_ms
                .map(|m| format!(" in {m} ms"))
                .unwrap_or_default()
        );
    }
    if !c.evidence.is_empty() {
        b.push_str("<div class=\"table-scroll\"><table class=\"evidence\"><caption>Evidence (HTTP exchanges)</caption><thead><tr><th scope=\"col\">Request</th><th scope=\"col\">Status</th><th scope=\"col\">ms</th><th scope=\"col\">At (UTC)</th><th scope=\"col\">Note</th></tr></thead><tbody>");
        for e in &c.evidence {
            let _ =
                write!(
                b,
                "<tr><td><code>{} {}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.method),
                esc(&e.url),
                e.status.map(|s| s.to_string()).unwrap_or_else(|| "no response".into()),
                e.elapsed_ms,
                esc(&e.at),
                esc(e.note.as_deref().unwrap_or(""))
            );
        }
        b.push_str("</tbody></table></div>");
    }
    if !c.subjects.is_empty() {
        subjects(b, c);
    }
    b.push_str("</div></details>\n");
}

fn subjects(b: &mut String, c: &CheckResult) {
    let table = format!("subjects-{}", anchor(&c.id));
    let _ = write!(
        b,
        "<label class=\"row-filter-label\">Filter subjects <input type=\"search\" class=\"row-filter\" aria-controls=\"{table}\"></label>"
    );
    let grouped = c.subjects.iter().any(|s| s.group_key.is_some());
    let _ = write!(b, "<div class=\"table-scroll\"><table class=\"subjects\" id=\"{table}\"><caption>Subjects of <code>{}</code></caption><thead><tr>", esc(&c.id));
    let mut cols = vec!["Kind", "Name", "Id", "Email", "externalId", "Active"];
    if grouped {
        cols.push("Cluster");
    }
    cols.push("Detail");
    for col in cols {
        let _ = write!(
            b,
            "<th scope=\"col\"><button type=\"button\" class=\"sort\">{col}</button></th>"
        );
    }
    b.push_str("</tr></thead><tbody>");
    for s in c.subjects.iter().take(PAGE_SUBJECTS) {
        let kind = match s.kind {
            SubjectKind::User => "user",
            SubjectKind::Group => "group",
            SubjectKind::Request => "request",
            SubjectKind::Entry => "entry",
            SubjectKind::Item => "item",
        };
        let _ = write!(
            b,
            "<tr><td>{kind}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td>",
            esc(s.label()),
            esc(&s.id),
            esc(&s.emails.join(", ")),
            esc(s.external_id.as_deref().unwrap_or("")),
            match s.active {
                Some(true) => "active",
                Some(false) => "disabled",
                None => "",
            }
        );
        if grouped {
            let _ = write!(b, "<td>{}</td>", esc(s.group_key.as_deref().unwrap_or("")));
        }
        let _ = write!(b, "<td>{}</td></tr>", esc(&s.detail));
    }
    b.push_str("</tbody></table></div>");
    if c.subjects.len() > PAGE_SUBJECTS {
        let _ = write!(
            b,
            "<p class=\"note capped\">Showing {PAGE_SUBJECTS} of {} subjects. The full list is <code>checks/{}.csv</code> in the support bundle (or <code>--format csv</code>, or <code>report.json</code>).</p>",
            c.subjects.len(),
            esc(&crate::render::csv::safe_name(&c.id))
        );
    }
}
