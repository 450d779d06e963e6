//! The terminal report: header (source, tenant size, completeness), a banner per warning,
//! results grouped by playbook (a check shared by two playbooks is shown in full once and
//! referenced afterwards), the first N subjects per check, remediation, HTTP evidence for
//! live checks, and a summary line. Without colour it reads the same: symbols are text.
//! Every value from the tenant or the server is clipped to a readable length (a 50 MB
//! userName must not flood the terminal) after its secrets are removed, and its control
//! characters are escaped (`util::clip`); JSON and CSV keep the full values.

use super::RenderOptions;
use crate::findings::{CheckResult, Status};
use crate::report::{Report, SourceKind};
use crate::util::{clip, clip_text};
use colored::{ColoredString, Colorize};
use std::collections::HashSet;
use std::fmt::Write;

/// Longest single value (a label, an id, a URL) shown, in characters.
const VALUE_MAX: usize = 200;
/// Longest sentence (a message, a detail, a remediation) shown, in characters.
const TEXT_MAX: usize = 1000;

fn paint(text: &str, opts: &RenderOptions, f: fn(&str) -> ColoredString) -> String {
    if opts.color {
        f(text).to_string()
    } else {
        text.to_string()
    }
}

fn symbol(status: Status, opts: &RenderOptions) -> String {
    let (text, f): (&str, fn(&str) -> ColoredString) = match status {
        Status::Pass => ("[pass]", |s| s.green()),
        Status::Warn => ("[warn]", |s| s.yellow().bold()),
        Status::Fail => ("[FAIL]", |s| s.red().bold()),
        Status::Error => ("[ERROR]", |s| s.red().bold()),
        Status::Skipped => ("[skip]", |s| s.dimmed()),
    };
    paint(text, opts, f)
}

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    header(&mut out, report, opts);
    // The reader came for what is wrong: findings lead, most severe first, each shown in
    // full once; the playbooks below then refer back to them.
    let findings = findings_by_severity(report);
    let mut shown: HashSet<&str> = HashSet::new();
    if !findings.is_empty() {
        let title = format!("== Findings, most severe first ({}) ==", findings.len());
        let _ = writeln!(out, "\n{}", paint(&title, opts, |s| s.bold()));
        for c in &findings {
            shown.insert(c.id.as_str());
            check(&mut out, c, opts);
        }
    }
    if opts.only_failures {
        let (pass, skipped) = (report.summary.pass, report.summary.skipped);
        if findings.is_empty() {
            let _ = writeln!(out, "\nno check found anything");
        }
        if pass + skipped > 0 {
            let _ = writeln!(
                out,
                "\nnot listed (--only-failures): {pass} passed, {skipped} skipped"
            );
        }
    } else {
        for pb in &report.playbooks {
            let title = format!("== {} ({}) ==", pb.title, pb.id);
            let _ = writeln!(
                out,
                "\n{}  {}",
                paint(&clip_text(&title, TEXT_MAX), opts, |s| s.bold()),
                symbol(pb.status, opts)
            );
            for id in &pb.checks {
                let Some(c) = report.check(id) else { continue };
                if shown.insert(c.id.as_str()) {
                    check(&mut out, c, opts);
                } else {
                    let _ = writeln!(out, "{} {}: see above", symbol(c.status, opts), c.id);
                }
            }
        }
        let unlisted: Vec<_> = super::unlisted_checks(report)
            .into_iter()
            .filter(|c| !shown.contains(c.id.as_str()))
            .collect();
        if !unlisted.is_empty() {
            let _ = writeln!(out, "\n{}", paint("== other checks ==", opts, |s| s.bold()));
            for c in unlisted {
                check(&mut out, c, opts);
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{} {}",
        paint("summary:", opts, |s| s.bold()),
        super::summary_line(report)
    );
    out
}

/// The checks that found something, fail and error before warn, otherwise in reading order.
fn findings_by_severity(report: &Report) -> Vec<&CheckResult> {
    let rank = |s: Status| match s {
        Status::Fail | Status::Error => 0,
        _ => 1,
    };
    let mut out: Vec<&CheckResult> = super::ordered_checks(report)
        .into_iter()
        .filter(|c| super::is_finding(c))
        .collect();
    out.sort_by_key(|c| rank(c.status));
    out
}

fn header(out: &mut String, report: &Report, opts: &RenderOptions) {
    let kind = match report.source.kind {
        SourceKind::Live => "live endpoint",
        SourceKind::Snapshot => "snapshot",
    };
    let _ = writeln!(
        out,
        "{} {} {}",
        paint("scim-doctor", opts, |s| s.bold()),
        report.tool.version,
        report.generated_at
    );
    let _ = writeln!(
        out,
        "source: {} {}",
        kind,
        clip(&report.source.label, VALUE_MAX)
    );
    if let Some(url) = &report.source.base_url {
        let _ = writeln!(out, "base URL: {}", clip(url, VALUE_MAX));
    }
    match &report.tenant {
        Some(t) => {
            let _ = writeln!(
                out,
                "tenant: {} ({})",
                t.counts_line(),
                if t.complete { "complete" } else { "INCOMPLETE" }
            );
        }
        None => {
            let _ = writeln!(out, "tenant: no tenant data");
        }
    }
    for w in &report.warnings {
        let line = format!("!!! WARNING: {} !!!", clip_text(w, TEXT_MAX));
        let _ = writeln!(out, "{}", paint(&line, opts, |s| s.yellow().bold()));
    }
}

fn check(out: &mut String, c: &CheckResult, opts: &RenderOptions) {
    let count = if c.count > 0 {
        format!(" ({})", c.count)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} {}{}: {}",
        symbol(c.status, opts),
        paint(&clip(&c.id, VALUE_MAX), opts, |s| s.bold()),
        count,
        clip_text(&c.message, TEXT_MAX)
    );
    if let Some(at) = &c.at {
        let took = c
            .elapsed_ms
            .map(|ms| format!(", took {ms} ms"))
            .unwrap_or_default();
        let _ = writeln!(out, "    at {at}{took}");
    }
    for e in &c.evidence {
        let status = e
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "no response".into());
        let note = e
            .note
            .as_deref()
            .map(|n| format!(" ({})", clip_text(n, TEXT_MAX)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {} {} -> {} in {} ms at {}{}",
            e.method,
            clip(&e.url, VALUE_MAX),
            status,
            e.elapsed_ms,
            e.at,
            note
        );
    }
    let shown = c.subjects.len().min(opts.max_subjects);
    for s in &c.subjects[..shown] {
        let mut line = format!("    - {}", clip(s.label(), VALUE_MAX));
        if s.label() != s.id {
            let _ = write!(line, " [{}]", clip(&s.id, VALUE_MAX));
        }
        if let Some(g) = &s.group_key {
            let _ = write!(line, " cluster {}", clip(g, VALUE_MAX));
        }
        if !s.detail.is_empty() {
            let _ = write!(line, ": {}", clip_text(&s.detail, TEXT_MAX));
        }
        let _ = writeln!(out, "{line}");
    }
    if c.subjects.len() > shown {
        let _ = writeln!(
            out,
            "    ... and {} more (--max-subjects, or --format json/csv for all)",
            c.subjects.len() - shown
        );
    }
    if super::is_finding(c) && !c.remediation.is_empty() {
        let _ = writeln!(
            out,
            "    {} {}",
            paint("fix:", opts, |s| s.cyan().bold()),
            clip_text(&c.remediation, TEXT_MAX)
        );
    }
}
