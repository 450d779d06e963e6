//! Ticket-ready Markdown: title, summary table, findings table (check, status, count,
//! message, remediation) and per-check subject lists (first N). The bundle's `summary.md`
//! reuses the pieces (`findings_table`, `subject_lists`).

use super::RenderOptions;
use crate::findings::CheckResult;
use crate::report::{Report, SourceKind};
use std::fmt::Write;

/// Makes text safe inside a Markdown table cell: pipes escaped, line breaks flattened, plus
/// everything `text` does.
pub fn cell(text: &str) -> String {
    let flat = text.replace(['\r', '\n'], " ");
    self::text(&flat.replace('\\', "\\\\").replace('|', "\\|"))
}

/// Tenant or server text in Markdown prose: control characters escaped (they would reach
/// the terminal of whoever `cat`s the file) and HTML escaped (a renderer would run it).
/// Line breaks are kept only when `text` has none that matter: callers flatten first.
pub fn text(text: &str) -> String {
    let html = crate::util::escape_html(text);
    let safe = crate::util::escape_controls(&html, false);
    // A code span would show the references literally (`&lt;`): messages quote values in
    // backticks, so balanced spans become `<code>` elements, which render them.
    if !safe.contains('`') || !safe.matches('`').count().is_multiple_of(2) || !safe.contains('&') {
        return safe.into_owned();
    }
    let mut out = String::with_capacity(safe.len() + 16);
    for (i, part) in safe.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Inline code that survives backticks in the value. Code spans show HTML character
/// references literally, so a value with `<`, `>` or `&` is written as an HTML `<code>`
/// element with the characters escaped instead (Markdown passes that element through).
pub fn code(text: &str) -> String {
    let flat = text.replace('\n', " ");
    let flat = crate::util::escape_controls(&flat, false);
    if flat.contains(['<', '>', '&']) {
        return format!(
            "<code>{}</code>",
            crate::util::escape_html(&flat).replace('|', "\\|")
        );
    }
    if flat.contains('`') {
        format!("`` {flat} ``")
    } else {
        format!("`{flat}`")
    }
}

/// The endpoint host, or a snapshot's last path component (a full path can carry a home
/// directory, and a title does not need it).
pub fn source_name(report: &Report) -> String {
    match report.source.kind {
        SourceKind::Live => report.source.label.clone(),
        SourceKind::Snapshot => std::path::Path::new(&report.source.label)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| report.source.label.clone()),
    }
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# scim-doctor report: {}\n",
        text(&source_name(report))
    );
    let kind = match report.source.kind {
        SourceKind::Live => "live endpoint",
        SourceKind::Snapshot => "snapshot",
    };
    let _ = writeln!(out, "- Source: {} {}", kind, code(&report.source.label));
    if let Some(url) = &report.source.base_url {
        let _ = writeln!(out, "- Base URL: {}", code(url));
    }
    if let Some(t) = &report.tenant {
        let _ = writeln!(
            out,
            "- Tenant: {} ({})",
            t.counts_line(),
            if t.complete {
                "complete"
            } else {
                "**incomplete**"
            }
        );
    }
    let _ = writeln!(
        out,
        "- Generated: {} by scim-doctor {}",
        report.generated_at, report.tool.version
    );
    for w in &report.warnings {
        let _ = writeln!(out, "\n> **Warning:** {}", text(&w.replace('\n', " ")));
    }
    out.push_str("\n## Summary\n\n");
    summary_table(&mut out, report);
    out.push_str("\n## Findings\n\n");
    findings_table(&mut out, report);
    subject_lists(&mut out, report, opts.max_subjects, "###");
    out
}

/// Playbook table (worst status per playbook) and counts per status.
pub fn summary_table(out: &mut String, report: &Report) {
    out.push_str("| Playbook | Status | Checks |\n|---|---|---|\n");
    for pb in &report.playbooks {
        let _ = writeln!(
            out,
            "| {} ({}) | {} | {} |",
            cell(&pb.title),
            cell(&pb.id),
            pb.status.as_str(),
            pb.checks.len()
        );
    }
    let _ = writeln!(out, "\nResult: {}", super::summary_line(report));
}

/// One row per check that is not a pass or skipped; "no findings" otherwise.
pub fn findings_table(out: &mut String, report: &Report) {
    let mut findings: Vec<&CheckResult> = super::ordered_checks(report)
        .into_iter()
        .filter(|c| super::is_finding(c))
        .collect();
    // Worst first (a ticket is read top-down); playbook order within a severity.
    findings.sort_by_key(|c| std::cmp::Reverse(c.status.rank()));
    if findings.is_empty() {
        out.push_str("No findings: every check passed or was skipped.\n");
    } else {
        out.push_str("| Check | Status | Count | Message | Remediation |\n|---|---|---|---|---|\n");
        for c in findings {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&c.id),
                c.status.as_str(),
                c.count,
                cell(&c.message),
                cell(&c.remediation)
            );
        }
    }
    let quiet: Vec<String> = super::ordered_checks(report)
        .into_iter()
        .filter(|c| !super::is_finding(c))
        .map(|c| format!("{} ({})", code(&c.id), c.status.as_str()))
        .collect();
    if !quiet.is_empty() {
        let _ = writeln!(out, "\nPassed or skipped: {}", quiet.join(", "));
    }
}

/// A heading per finding with its first `max` subjects.
pub fn subject_lists(out: &mut String, report: &Report, max: usize, heading: &str) {
    for c in super::ordered_checks(report) {
        if !super::is_finding(c) || c.subjects.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading} {} ({})\n", c.id, c.status.as_str());
        for s in c.subjects.iter().take(max) {
            let mut line = format!("- {}", code(s.label()));
            if s.label() != s.id {
                let _ = write!(line, " (id {})", code(&s.id));
            }
            if let Some(e) = s.emails.first() {
                if Some(e.as_str()) != s.user_name.as_deref() {
                    let _ = write!(line, ", email {}", code(e));
                }
            }
            if let Some(a) = s.active {
                let _ = write!(line, ", {}", if a { "active" } else { "disabled" });
            }
            if let Some(g) = &s.group_key {
                let _ = write!(line, ", cluster {}", code(g));
            }
            if !s.detail.is_empty() {
                let _ = write!(line, ": {}", text(&s.detail.replace('\n', " ")));
            }
            let _ = writeln!(out, "{line}");
        }
        if c.subjects.len() > max {
            let _ = writeln!(out, "- ... and {} more", c.subjects.len() - max);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, code, text};

    #[test]
    fn tenant_html_and_controls_are_escaped() {
        assert_eq!(text("a <b> & \u{1b}[2J"), "a &lt;b&gt; &amp; \\u{1b}[2J");
        assert_eq!(
            text("userName `<img>` is not an email"),
            "userName <code>&lt;img&gt;</code> is not an email"
        );
        assert_eq!(text("plain `code` stays"), "plain `code` stays");
        assert_eq!(cell("a|b\nc<"), "a\\|b c&lt;");
        assert_eq!(code("x<y"), "<code>x&lt;y</code>");
        assert_eq!(code("a\u{7}b"), "`a\\u{7}b`");
    }
}
