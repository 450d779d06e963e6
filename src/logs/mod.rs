//! Entra provisioning-log analysis: reading the logs (`--provisioning-logs FILE...`) into
//! one model whatever the format, and grouping what went wrong.
//!
//! Formats: the Entra portal download as CSV (three files joined on change id: the log
//! itself, its provisioning steps and its modified properties; any subset may be given and
//! each file is recognised by its headers) or JSON, and Microsoft Graph
//! `provisioningObjectSummary` JSON (v1.0 and beta shapes). Column names are matched loosely
//! (`columns`) and every input says which columns it understood and which it ignored.

pub mod analysis;
pub mod codes;
pub mod columns;
mod csv_input;
mod join;
mod json_input;
mod record;
pub mod when;

pub(crate) use record::Record;

pub use json_input::looks_like_entra_log;

/// True when `bytes` read as Entra provisioning logs with at least one entry (any format:
/// the portal's CSV files, its JSON, Graph JSON, a provision-on-demand result).
pub fn is_entra_log(name: &str, bytes: &[u8]) -> bool {
    parse_files(&[(name.to_string(), bytes.to_vec())]).is_ok_and(|l| !l.entries.is_empty())
}

use serde::Serialize;
use std::path::{Path, PathBuf};

/// Outcome of one log entry (Graph `provisioningStatusInfo.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum LogStatus {
    Success,
    Warning,
    Failure,
    Skipped,
    /// Empty or a value none of the above.
    Unknown,
}

impl LogStatus {
    pub fn parse(raw: &str) -> Self {
        match crate::util::fold_name(raw).as_str() {
            "success" | "succeeded" | "successful" | "ok" => LogStatus::Success,
            "warning" | "warn" => LogStatus::Warning,
            "failure" | "failed" | "fail" | "error" => LogStatus::Failure,
            "skipped" | "skip" | "skipping" => LogStatus::Skipped,
            _ => LogStatus::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Success => "success",
            LogStatus::Warning => "warning",
            LogStatus::Failure => "failure",
            LogStatus::Skipped => "skipped",
            LogStatus::Unknown => "unknown",
        }
    }
}

/// One step of an entry (import, scoping, matching, processing, referenceResolution, export).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Step {
    pub name: String,
    pub kind: String,
    pub status: String,
    pub description: String,
}

/// One attribute change an entry carried.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModifiedProperty {
    pub name: String,
    pub old: String,
    pub new: String,
}

/// One provisioning-log record, whatever the input format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// UTC RFC 3339 when the timestamp could be read, else the text as found.
    pub at: Option<String>,
    pub change_id: Option<String>,
    pub cycle_id: Option<String>,
    pub job_id: Option<String>,
    /// The record's own id (Graph `id`).
    pub id: Option<String>,
    /// create, update, delete, stagedDelete, disable, other (or the text as found).
    pub action: Option<String>,
    pub status: LogStatus,
    pub error_code: Option<String>,
    pub reason: Option<String>,
    pub details: Option<String>,
    pub error_category: Option<String>,
    pub recommended_action: Option<String>,
    pub skip_reason: Option<String>,
    pub source_id: Option<String>,
    /// The source user's UPN when the log carries it, else its display name.
    pub source_name: Option<String>,
    pub source_display_name: Option<String>,
    pub source_type: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub steps: Vec<Step>,
    pub modified: Vec<ModifiedProperty>,
    /// The file the entry came from.
    pub file: String,
    #[serde(skip)]
    pub at_utc: Option<time::OffsetDateTime>,
}

impl LogEntry {
    /// Every identifier the entry names, for matching it to a user.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> {
        [
            &self.source_id,
            &self.source_name,
            &self.source_display_name,
            &self.target_id,
            &self.target_name,
        ]
        .into_iter()
        .filter_map(|o| o.as_deref())
        .filter(|s| !s.trim().is_empty())
    }

    /// Whether the entry is about a group: Graph's `sourceIdentity.identityType` (or the
    /// portal's object-type column) says "Group"; without it, a step that names the object
    /// ("Received Group 'Sales' change of type (Add)", "Failed to create Group 'Sales'").
    pub fn is_group(&self) -> bool {
        match self.source_type.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t.to_ascii_lowercase().contains("group"),
            _ => self.steps.iter().any(|s| s.description.contains("Group '")),
        }
    }

    /// "group" or "user", for messages.
    pub fn object_word(&self) -> &'static str {
        if self.is_group() {
            "group"
        } else {
            "user"
        }
    }

    /// The best label for the user the entry is about.
    pub fn subject_label(&self) -> &str {
        self.source_name
            .as_deref()
            .or(self.source_display_name.as_deref())
            .or(self.target_name.as_deref())
            .or(self.source_id.as_deref())
            .or(self.target_id.as_deref())
            .unwrap_or("(unnamed object)")
    }

    /// A stable key for the user the entry is about.
    pub fn subject_key(&self) -> &str {
        self.source_id
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| self.subject_label())
    }
}

/// A column (CSV header or JSON key path) and the model field it fed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub file: String,
    pub column: String,
    /// The model field, or `None` for an ignored column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

/// One input file and what it was recognised as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogFile {
    pub path: String,
    /// portal-csv-logs, portal-csv-steps, portal-csv-modified-properties, json-graph-v1,
    /// json-graph-beta, json-flat.
    pub format: String,
    pub records: usize,
}

/// Parsed `--provisioning-logs` inputs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogInputs {
    pub entries: Vec<LogEntry>,
    pub understood: Vec<Column>,
    pub ignored: Vec<Column>,
    pub files: Vec<LogFile>,
    /// Things the reader had to decide ("3 step rows name a change id with no log entry").
    pub notes: Vec<String>,
}

/// How load errors name a `--provisioning-logs` file.
const WHAT: &str = "provisioning log";

/// Reads every `--provisioning-logs` file. An unreadable or unrecognisable file is an
/// error (the user named it, so silently dropping it would hide evidence).
pub fn load(paths: &[PathBuf]) -> anyhow::Result<LogInputs> {
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read provisioning log {}: {e}", path.display()))?;
        files.push((display_name(path), bytes));
    }
    parse_files(&files)
}

/// `load` on contents already in memory: (display name, bytes) per file.
pub fn parse_files(files: &[(String, Vec<u8>)]) -> anyhow::Result<LogInputs> {
    let mut inputs = LogInputs::default();
    let mut csv_steps: Vec<(String, Record)> = Vec::new();
    let mut csv_modified: Vec<(String, Record)> = Vec::new();
    for (name, bytes) in files {
        let name = name.clone();
        // Decoded, never read lossily: a binary or mis-encoded file is refused with its
        // offset instead of being echoed back as replacement characters.
        let text =
            crate::input_file::decode_named(&name, WHAT, bytes).map_err(anyhow::Error::msg)?;
        let text = text.trim_start_matches('\u{feff}');
        let first = text.trim_start().chars().next();
        let read = if matches!(first, Some('{') | Some('[')) {
            json_input::read(&name, text, &mut inputs)
        } else {
            csv_input::read(&name, text, &mut inputs, &mut csv_steps, &mut csv_modified)
        };
        read.map_err(|e| {
            anyhow::anyhow!(crate::input_file::explain_failure(
                &name,
                WHAT,
                text,
                e.to_string()
            ))
        })?;
    }
    join::join(&mut inputs, csv_steps, csv_modified);
    join::dedupe(&mut inputs);
    Ok(inputs)
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// One line for stderr: what was read and which columns were ignored.
pub fn summary_line(logs: &LogInputs) -> String {
    let mut line = format!(
        "provisioning logs: {} from {} ({}); understood {} columns",
        crate::util::plural(logs.entries.len(), "entry", "entries"),
        crate::util::plural(logs.files.len(), "file", "files"),
        logs.files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        logs.understood.len()
    );
    if logs.ignored.is_empty() {
        line.push_str(", ignored none");
    } else {
        let names: Vec<&str> = logs.ignored.iter().map(|c| c.column.as_str()).collect();
        line.push_str(&format!(", ignored {}: {}", names.len(), names.join(", ")));
    }
    for n in &logs.notes {
        line.push_str(&format!("\nprovisioning logs: {n}"));
    }
    line
}
