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
mod json_input;
pub mod when;

use columns::Field;
use serde::Serialize;
use std::collections::HashMap;
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
        match columns::normalise(raw).as_str() {
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

/// The values of one record, by field, plus nested steps and modified properties (JSON).
#[derive(Debug, Default)]
pub(crate) struct Record {
    pub values: HashMap<Field, String>,
    pub steps: Vec<Step>,
    pub modified: Vec<ModifiedProperty>,
}

impl Record {
    pub fn set(&mut self, f: Field, v: &str) {
        let v = v.trim();
        if !v.is_empty() {
            self.values.entry(f).or_insert_with(|| v.to_string());
        }
    }

    fn get(&self, f: Field) -> Option<String> {
        self.values.get(&f).cloned()
    }

    pub fn step(&self) -> Step {
        Step {
            name: self.get(Field::StepName).unwrap_or_default(),
            kind: self.get(Field::StepKind).unwrap_or_default(),
            status: self.get(Field::StepStatus).unwrap_or_default(),
            description: self.get(Field::StepDescription).unwrap_or_default(),
        }
    }

    pub fn modified_property(&self) -> ModifiedProperty {
        ModifiedProperty {
            name: self.get(Field::PropName).unwrap_or_default(),
            old: self.get(Field::PropOld).unwrap_or_default(),
            new: self.get(Field::PropNew).unwrap_or_default(),
        }
    }

    pub fn into_entry(self, file: &str) -> LogEntry {
        let raw_at = self.get(Field::At);
        let at_utc = raw_at.as_deref().and_then(when::parse);
        let at = at_utc.map(crate::util::rfc3339).or(raw_at);
        let upn = self.get(Field::SourceUpn);
        let display = self.get(Field::SourceName);
        let mut e = LogEntry {
            at,
            change_id: self.get(Field::ChangeId),
            cycle_id: self.get(Field::CycleId),
            job_id: self.get(Field::JobId),
            id: self.get(Field::RecordId),
            action: self.get(Field::Action).map(|a| canonical_action(&a)),
            status: self
                .get(Field::Status)
                .map(|s| LogStatus::parse(&s))
                .unwrap_or(LogStatus::Unknown),
            error_code: self.get(Field::ErrorCode),
            reason: self.get(Field::Reason),
            details: self.get(Field::Details),
            error_category: self.get(Field::ErrorCategory),
            recommended_action: self.get(Field::RecommendedAction),
            skip_reason: self.get(Field::SkipReason),
            source_id: self.get(Field::SourceId),
            source_name: upn.clone().or_else(|| display.clone()),
            source_display_name: display,
            source_type: self.get(Field::SourceType),
            target_id: self.get(Field::TargetId),
            target_name: self.get(Field::TargetName),
            steps: self.steps,
            modified: self.modified,
            file: file.to_string(),
            at_utc,
        };
        finish(&mut e);
        e
    }
}

/// Graph's action names in their documented spelling; anything else is kept as found.
fn canonical_action(raw: &str) -> String {
    let known = [
        "create",
        "update",
        "delete",
        "stagedDelete",
        "disable",
        "other",
    ];
    let n = columns::normalise(raw);
    known
        .iter()
        .find(|k| k.to_ascii_lowercase() == n)
        .map(|k| k.to_string())
        .unwrap_or_else(|| raw.trim().to_string())
}

/// Derivations once steps are attached: status from steps when the log row had none, and
/// the skip reason from the texts when no column carried it.
fn finish(e: &mut LogEntry) {
    if e.status == LogStatus::Unknown && !e.steps.is_empty() {
        let st: Vec<LogStatus> = e
            .steps
            .iter()
            .map(|s| LogStatus::parse(&s.status))
            .collect();
        e.status = [
            LogStatus::Failure,
            LogStatus::Skipped,
            LogStatus::Warning,
            LogStatus::Success,
        ]
        .into_iter()
        .find(|s| st.contains(s))
        .unwrap_or(LogStatus::Unknown);
    }
    if e.status == LogStatus::Skipped && e.skip_reason.is_none() {
        let texts = [&e.error_code, &e.reason, &e.details]
            .into_iter()
            .filter_map(|o| o.as_deref())
            .chain(e.steps.iter().map(|s| s.description.as_str()));
        let mut found = None;
        for t in texts {
            if let Some(k) = codes::skip_reason_in_text(t) {
                found = Some(k.code.to_string());
                break;
            }
        }
        e.skip_reason = found;
    }
}

/// Reads every `--provisioning-logs` file. An unreadable or unrecognisable file is an
/// error (the user named it, so silently dropping it would hide evidence).
pub fn load(paths: &[PathBuf]) -> anyhow::Result<LogInputs> {
    let mut inputs = LogInputs::default();
    let mut csv_steps: Vec<(String, Record)> = Vec::new();
    let mut csv_modified: Vec<(String, Record)> = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read provisioning log {}: {e}", path.display()))?;
        let name = display_name(path);
        let text = String::from_utf8_lossy(&bytes);
        let first = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .next();
        if matches!(first, Some('{') | Some('[')) {
            json_input::read(&name, &text, &mut inputs)?;
        } else {
            csv_input::read(&name, &text, &mut inputs, &mut csv_steps, &mut csv_modified)?;
        }
    }
    join(&mut inputs, csv_steps, csv_modified);
    dedupe(&mut inputs);
    Ok(inputs)
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// Attaches CSV step and modified-property rows to their entry by change id. With no log
/// file for a change id, an entry is made from its steps, so a lone steps file still counts.
fn join(inputs: &mut LogInputs, steps: Vec<(String, Record)>, modified: Vec<(String, Record)>) {
    let mut by_change: HashMap<String, usize> = HashMap::new();
    for (i, e) in inputs.entries.iter().enumerate() {
        if let Some(c) = &e.change_id {
            by_change.entry(c.to_lowercase()).or_insert(i);
        }
    }
    let mut orphans: Vec<(String, String, Record)> = Vec::new();
    let mut missing_change_id = 0usize;
    for (file, r) in steps.into_iter().chain(modified) {
        let Some(change) = r.get(Field::ChangeId) else {
            missing_change_id += 1;
            continue;
        };
        match by_change.get(&change.to_lowercase()) {
            Some(&i) => attach(&mut inputs.entries[i], &r),
            None => orphans.push((change, file, r)),
        }
    }
    let has_log_file = inputs
        .files
        .iter()
        .any(|f| f.format == "portal-csv-logs" || f.format.contains("json"));
    if has_log_file && !orphans.is_empty() {
        inputs.notes.push(format!(
            "{} step/modified-property rows name a change id that no log entry has; they were used on their own",
            orphans.len()
        ));
    }
    for (change, file, r) in orphans {
        let idx = match by_change.get(&change.to_lowercase()) {
            Some(&i) => i,
            None => {
                let mut rec = Record::default();
                rec.set(Field::ChangeId, &change);
                inputs.entries.push(rec.into_entry(&file));
                let i = inputs.entries.len() - 1;
                by_change.insert(change.to_lowercase(), i);
                i
            }
        };
        attach(&mut inputs.entries[idx], &r);
    }
    if missing_change_id > 0 {
        inputs.notes.push(format!(
            "{missing_change_id} step/modified-property rows have no change id and could not be joined"
        ));
    }
    for e in &mut inputs.entries {
        finish(e);
    }
}

fn attach(e: &mut LogEntry, r: &Record) {
    if r.values.contains_key(&Field::PropOld) || r.values.contains_key(&Field::PropNew) {
        e.modified.push(r.modified_property());
    } else {
        e.steps.push(r.step());
    }
}

/// The same change given twice (portal CSV and JSON of the same window) counts once.
fn dedupe(inputs: &mut LogInputs) {
    let before = inputs.entries.len();
    let mut seen = std::collections::HashSet::new();
    inputs.entries.retain(|e| match (&e.change_id, &e.at) {
        (Some(c), at) => seen.insert((c.to_lowercase(), at.clone(), e.status)),
        (None, _) => true,
    });
    let dropped = before - inputs.entries.len();
    if dropped > 0 {
        inputs.notes.push(format!(
            "{dropped} entries appeared in more than one file (same change id, time and status) and were counted once"
        ));
    }
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
