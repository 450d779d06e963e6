//! Renderers: turn a finished `Report` into text. A renderer never decides anything; it
//! only presents what the checks found.

pub mod json;
pub mod human;

use crate::cli::args::Format;
use crate::report::Report;

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    pub max_subjects: usize,
}

/// Renders `report` for stdout. CSV to a directory is handled by the caller.
pub fn render(report: &Report, format: Format, opts: &RenderOptions) -> String {
    let text = match format {
        Format::Json => json::render(report),
        Format::Human | Format::Markdown | Format::Junit | Format::Csv => human::render(report, opts),
    };
    crate::secret::scrub(&text)
}
