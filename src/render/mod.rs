//! Renderers: turn a finished `Report` into text. A renderer never decides anything; it
//! only presents what the checks found. Every text a renderer returns passes through
//! `secret::scrub` before it leaves the process.

pub mod csv;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;

use crate::findings::{CheckResult, Status};
use crate::options::Format;
use crate::report::Report;

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    pub max_subjects: usize,
    /// Human output: list only the checks that found something (`--only-failures`).
    pub only_failures: bool,
}

/// Renders `report` for stdout. CSV into a directory (`check --format csv --out DIR`) is
/// written by the caller with `csv::per_check_files`.
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    render_with(report, None, format, opts)
}

/// Like `render`, with the tenant for the formats that draw it (HTML charts).
pub fn render_with(
    report: &Report,
    tenant: Option<&crate::model::Tenant>,
    format: Format,
    opts: &RenderOptions,
) -> String {
    let text = match format {
        Format::Json => json::render(report),
        Format::Human => human::render(report, opts),
        Format::Markdown => markdown::render(report, opts),
        Format::Junit => junit::render(report),
        Format::Csv => csv::all_subjects(report),
        Format::Html => html::render(report, tenant),
    };
    match crate::secret::scrub_cow(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(clean) => clean,
    }
}

/// Checks in the order a reader meets them: each playbook's steps in order, then any check
/// the report holds that no playbook names (so nothing is ever hidden).
pub(crate) fn ordered_checks(report: &Report) -> Vec<&CheckResult> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for pb in &report.playbooks {
        for id in &pb.checks {
            if let Some(c) = report.check(id) {
                if seen.insert(c.id.as_str()) {
                    out.push(c);
                }
            }
        }
    }
    for c in &report.checks {
        if seen.insert(c.id.as_str()) {
            out.push(c);
        }
    }
    out
}

/// Checks no playbook of the report names (normally none).
pub(crate) fn unlisted_checks(report: &Report) -> Vec<&CheckResult> {
    report
        .checks
        .iter()
        .filter(|c| !report.playbooks.iter().any(|p| p.checks.contains(&c.id)))
        .collect()
}

/// "2 fail, 1 warn, 14 pass, 3 skipped" (statuses with a zero count are left out).
pub(crate) fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let parts: Vec<String> = [
        (s.fail, "fail"),
        (s.error, "error"),
        (s.warn, "warn"),
        (s.pass, "pass"),
        (s.skipped, "skipped"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, name)| format!("{n} {name}"))
    .collect();
    if parts.is_empty() {
        "no checks ran".to_string()
    } else {
        parts.join(", ")
    }
}

/// Whether a result deserves attention in summaries (anything but pass and skipped).
pub(crate) fn is_finding(c: &CheckResult) -> bool {
    !matches!(c.status, Status::Pass | Status::Skipped)
}
