//! The terminal report (owned by the renderers work; this is the minimal form).

use super::RenderOptions;
use crate::report::Report;
use std::fmt::Write;

pub fn render(report: &Report, opts: &RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scim-doctor report for {}", report.source.label);
    for c in &report.checks {
        let _ = writeln!(out, "[{}] {}: {}", c.status.as_str(), c.id, c.message);
        for s in c.subjects.iter().take(opts.max_subjects) {
            let _ = writeln!(out, "    - {} ({})", s.label(), s.detail);
        }
    }
    out
}
