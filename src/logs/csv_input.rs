//! The Entra portal's CSV download: ProvisioningLogs, ..._ProvisioningSteps and
//! ..._ModifiedProperties. Which file is which is decided from its headers (the user may
//! rename files), with the file name as a tie-breaker.

use super::columns::{self, Field, RecordKind};
use super::{Column, LogFile, LogInputs, Record};

/// Reads one CSV file. Log rows become entries at once; step and modified-property rows are
/// handed back for joining once every file has been read.
pub(super) fn read(
    name: &str,
    text: &str,
    inputs: &mut LogInputs,
    steps: &mut Vec<(String, Record)>,
    modified: &mut Vec<(String, Record)>,
) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name} is neither JSON nor readable CSV: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let kind = detect(name, &headers)?;
    let mapping = columns::map_headers(kind, &headers);
    for (h, f) in headers.iter().zip(&mapping) {
        let col = Column {
            file: name.to_string(),
            column: h.clone(),
            field: f.map(Field::name),
        };
        if f.is_some() {
            inputs.understood.push(col);
        } else if !h.trim().is_empty() {
            inputs.ignored.push(col);
        }
    }
    let mut count = 0usize;
    let mut bad_rows = 0usize;
    for row in reader.records() {
        let Ok(row) = row else {
            bad_rows += 1;
            continue;
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut rec = Record::default();
        for (value, field) in row.iter().zip(&mapping) {
            if let Some(f) = field {
                rec.set(*f, value);
            }
        }
        count += 1;
        match kind {
            RecordKind::Entry => inputs.entries.push(rec.into_entry(name)),
            RecordKind::Step => steps.push((name.to_string(), rec)),
            RecordKind::Modified => modified.push((name.to_string(), rec)),
        }
    }
    if bad_rows > 0 {
        inputs.notes.push(format!(
            "{name}: {bad_rows} rows could not be read as CSV and were left out"
        ));
    }
    inputs.files.push(LogFile {
        path: name.to_string(),
        format: match kind {
            RecordKind::Entry => "portal-csv-logs",
            RecordKind::Step => "portal-csv-steps",
            RecordKind::Modified => "portal-csv-modified-properties",
        }
        .to_string(),
        records: count,
    });
    Ok(())
}

/// Comma as the portal writes it; semicolon or tab when a spreadsheet re-saved the file.
fn delimiter(text: &str) -> u8 {
    crate::input_file::csv_delimiter(text)
}

fn has(kind: RecordKind, headers: &[String], fields: &[Field]) -> bool {
    headers
        .iter()
        .filter_map(|h| columns::match_column(kind, h))
        .any(|f| fields.contains(&f))
}

/// Which of the three portal files this is.
fn detect(name: &str, headers: &[String]) -> anyhow::Result<RecordKind> {
    if crate::input_file::user_export_csv(headers) {
        anyhow::bail!(
            "{name}: this is a users export, not a provisioning log (its headers are: {}); give it to --idp-users. --provisioning-logs takes the Entra portal's ProvisioningLogs, ProvisioningSteps or ModifiedProperties CSV, or Graph provisioning JSON",
            crate::util::quote(&headers.join(", "), 300)
        )
    }
    let file = crate::util::fold_name(name);
    let is_modified = has(
        RecordKind::Modified,
        headers,
        &[Field::PropOld, Field::PropNew],
    );
    let is_step = has(RecordKind::Step, headers, &[Field::StepKind]);
    let is_entry = has(
        RecordKind::Entry,
        headers,
        &[
            Field::Action,
            Field::ErrorCode,
            Field::SourceId,
            Field::SourceName,
            Field::SourceUpn,
        ],
    );
    let kind = match (is_entry, is_step, is_modified) {
        (_, _, true) if !is_entry || file.contains("modifiedproperties") => RecordKind::Modified,
        (_, true, _) if !is_entry || file.contains("provisioningsteps") => RecordKind::Step,
        (true, _, _) => RecordKind::Entry,
        _ if file.contains("modifiedproperties") => RecordKind::Modified,
        _ if file.contains("provisioningsteps") => RecordKind::Step,
        _ => {
            anyhow::bail!(
                "{name}: cannot tell which provisioning-log file this is (expected the Entra portal's \
                 ProvisioningLogs, ProvisioningSteps or ModifiedProperties CSV, or JSON); its headers are: {}",
                crate::util::quote(&headers.join(", "), 300)
            )
        }
    };
    if kind == RecordKind::Entry
        && !has(
            RecordKind::Entry,
            headers,
            &[Field::Status, Field::ErrorCode],
        )
    {
        anyhow::bail!(
            "{name}: this looks like a provisioning log but has no status or error-code column; its headers are: {}",
            crate::util::quote(&headers.join(", "), 300)
        );
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    // proves that the three portal files are told apart by their headers, whatever their names
    #[test]
    fn files_are_recognised_by_headers() {
        let logs = h(&[
            "Date (UTC)",
            "Change ID",
            "Action",
            "Status",
            "Error Code",
            "Source Identity ID",
        ]);
        let steps = h(&[
            "Change ID",
            "Step Name",
            "Provisioning Step Type",
            "Status",
            "Description",
        ]);
        let props = h(&["Change ID", "Display Name", "Old Value", "New Value"]);
        assert_eq!(detect("a.csv", &logs).ok(), Some(RecordKind::Entry));
        assert_eq!(detect("b.csv", &steps).ok(), Some(RecordKind::Step));
        assert_eq!(detect("c.csv", &props).ok(), Some(RecordKind::Modified));
    }

    // proves that a file re-saved with semicolons or tabs is still split into its columns
    #[test]
    fn delimiters() {
        assert_eq!(delimiter("Date;Change ID;Status\n1;2;3"), b';');
        assert_eq!(delimiter("Date\tChange ID\tStatus"), b'\t');
        assert_eq!(delimiter("Date,Change ID,\"Status; final\""), b',');
    }

    // proves that an unrelated CSV is refused with its headers named, not read as empty logs
    #[test]
    fn unrelated_csv_is_an_error() {
        let err = detect(
            "users.csv",
            &h(&["userPrincipalName", "displayName", "department"]),
        );
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("department"), "{msg}");
        let err = detect("notes.csv", &h(&["title", "body"]));
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("cannot tell") && msg.contains("body"), "{msg}");
    }
}
