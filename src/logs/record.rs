//! One record as the readers see it: the values of the columns it understood, by field, turned
//! into a `LogEntry` with the derivations every format shares (canonical action names, status
//! from the steps, skip reason from the texts).

use super::columns::Field;
use super::{codes, when, LogEntry, LogStatus, ModifiedProperty, Step};
use std::collections::HashMap;

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

    pub(super) fn get(&self, f: Field) -> Option<String> {
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
    let n = crate::util::fold_name(raw);
    known
        .iter()
        .find(|k| k.to_ascii_lowercase() == n)
        .map(|k| k.to_string())
        .unwrap_or_else(|| raw.trim().to_string())
}

/// Derivations once steps are attached: status from steps when the log row had none, and
/// the skip reason from the texts when no column carried it.
pub(super) fn finish(e: &mut LogEntry) {
    // A row with an error code but no readable status is not a success: counting it as
    // unknown would drop it from every group.
    if e.status == LogStatus::Unknown {
        if let Some(code) = e.error_code.as_deref().filter(|c| !c.trim().is_empty()) {
            e.status = if code.to_ascii_lowercase().ends_with("skipped") {
                LogStatus::Skipped
            } else {
                LogStatus::Failure
            };
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: Option<&str>, code: Option<&str>) -> LogEntry {
        let mut r = Record::default();
        if let Some(s) = status {
            r.set(Field::Status, s);
        }
        if let Some(c) = code {
            r.set(Field::ErrorCode, c);
        }
        r.into_entry("test")
    }

    // proves that a row with an error code but no readable status still counts as a failure or skip
    #[test]
    fn error_code_without_status() {
        assert_eq!(
            entry(None, Some("ContosoEntryConflict")).status,
            LogStatus::Failure
        );
        assert_eq!(
            entry(Some("??"), Some("EntrySynchronizationSkipped")).status,
            LogStatus::Skipped
        );
        assert_eq!(entry(Some("Success"), None).status, LogStatus::Success);
        assert_eq!(entry(None, None).status, LogStatus::Unknown);
    }
}
