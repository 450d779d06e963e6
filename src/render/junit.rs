//! JUnit XML for CI dashboards: one `<testsuite>` per playbook, one `<testcase>` per check.
//!
//! Mapping (documented in docs/output-formats.md): fail -> `<failure type="fail">`,
//! error -> `<error>`, skipped -> `<skipped/>`, pass -> an empty testcase, and warn ->
//! `<failure type="warn">`: CI tools have no "warning" outcome, and a warning that passes
//! silently is never read. Pipelines that only want hard failures filter on `type`.
//! Checks no playbook names go into a suite called `other`.

use crate::findings::{CheckResult, Status};
use crate::report::Report;
use std::fmt::Write;

/// Subjects quoted in a failure body: CI logs are for reading, JSON/CSV carry the full list.
const MAX_SUBJECTS: usize = 100;

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let mut suites: Vec<(String, String, Vec<&CheckResult>)> = report
        .playbooks
        .iter()
        .map(|pb| {
            let checks = pb.checks.iter().filter_map(|id| report.check(id)).collect();
            (pb.id.clone(), pb.title.clone(), checks)
        })
        .collect();
    let other = super::unlisted_checks(report);
    if !other.is_empty() {
        suites.push(("other".into(), "checks outside any playbook".into(), other));
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = suites.iter().map(|s| s.2.len()).sum();
    let count = |checks: &[&CheckResult], pred: fn(Status) -> bool| {
        checks.iter().filter(|c| pred(c.status)).count()
    };
    let all: Vec<&CheckResult> = suites.iter().flat_map(|s| s.2.iter().copied()).collect();
    let _ = writeln!(
        out,
        "<testsuites name=\"scim-doctor\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
        total,
        count(&all, |s| matches!(s, Status::Fail | Status::Warn)),
        count(&all, |s| s == Status::Error),
        count(&all, |s| s == Status::Skipped),
        escape(&report.generated_at)
    );
    for (id, title, checks) in &suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(id),
            checks.len(),
            count(checks, |s| matches!(s, Status::Fail | Status::Warn)),
            count(checks, |s| s == Status::Error),
            count(checks, |s| s == Status::Skipped),
        );
        let _ = writeln!(
            out,
            "    <properties><property name=\"title\" value=\"{}\"/></properties>",
            escape(title)
        );
        for c in checks {
            testcase(&mut out, id, c);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, suite: &str, c: &CheckResult) {
    let time = c.elapsed_ms.map(|ms| ms as f64 / 1000.0).unwrap_or(0.0);
    let _ = write!(
        out,
        "    <testcase classname=\"scim-doctor.{}\" name=\"{}\" time=\"{:.3}\"",
        escape(suite),
        escape(&c.id),
        time
    );
    let body = details(c);
    match c.status {
        Status::Pass => {
            out.push_str("/>\n");
            return;
        }
        Status::Skipped => {
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>",
                escape(&c.message)
            );
        }
        Status::Fail | Status::Warn => {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>",
                c.status.as_str(),
                escape(&c.message),
                escape(&body)
            );
        }
        Status::Error => {
            let _ = writeln!(
                out,
                ">\n      <error message=\"{}\">{}</error>",
                escape(&c.message),
                escape(&body)
            );
        }
    }
    out.push_str("    </testcase>\n");
}

fn details(c: &CheckResult) -> String {
    let mut text = c.message.clone();
    if c.count > 0 {
        let _ = write!(text, " ({} affected)", c.count);
    }
    if !c.remediation.is_empty() {
        let _ = write!(text, "\nfix: {}", c.remediation);
    }
    for s in c.subjects.iter().take(MAX_SUBJECTS) {
        let _ = write!(text, "\n- {} [{}] {}", s.label(), s.id, s.detail);
    }
    if c.subjects.len() > MAX_SUBJECTS {
        let _ = write!(
            text,
            "\n... and {} more (see the JSON or CSV output)",
            c.subjects.len() - MAX_SUBJECTS
        );
    }
    text
}
