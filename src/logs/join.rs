//! Joining the portal's three CSV files on change id, and counting a change given in two
//! files once.

use super::columns::Field;
use super::record::{finish, Record};
use super::{LogEntry, LogInputs};
use std::collections::HashMap;

/// Attaches CSV step and modified-property rows to their entry by change id. With no log
/// file for a change id, an entry is made from its steps, so a lone steps file still counts.
pub(super) fn join(
    inputs: &mut LogInputs,
    steps: Vec<(String, Record)>,
    modified: Vec<(String, Record)>,
) {
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
pub(super) fn dedupe(inputs: &mut LogInputs) {
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
