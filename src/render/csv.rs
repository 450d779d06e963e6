//! CSV output (csv crate): every subject of every check in one table for stdout, or one file
//! per check (`<check-id>.csv`) plus `checks.csv` (one row per check) for `--out DIR` and the
//! bundle. Values are written as they are (no spreadsheet-formula escaping), except control
//! characters, which are escaped (`util::escape_controls`); docs/output-formats.md says so.

use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::report::Report;

pub const SUBJECT_HEADER: [&str; 11] = [
    "check",
    "status",
    "kind",
    "id",
    "userName",
    "email",
    "externalId",
    "active",
    "displayName",
    "group",
    "detail",
];

pub const CHECKS_HEADER: [&str; 5] = ["check", "status", "count", "message", "remediation"];

fn kind(k: SubjectKind) -> &'static str {
    match k {
        SubjectKind::User => "user",
        SubjectKind::Group => "group",
        SubjectKind::Request => "request",
        SubjectKind::Entry => "entry",
        SubjectKind::Item => "item",
    }
}

fn subject_row(c: &CheckResult, s: &Subject) -> [String; 11] {
    [
        c.id.clone(),
        c.status.as_str().to_string(),
        kind(s.kind).to_string(),
        s.id.clone(),
        s.user_name.clone().unwrap_or_default(),
        // Every address, `;`-separated: duplicates are often on the second address.
        s.emails.join(";"),
        s.external_id.clone().unwrap_or_default(),
        s.active.map(|a| a.to_string()).unwrap_or_default(),
        s.display_name.clone().unwrap_or_default(),
        s.group_key.clone().unwrap_or_default(),
        s.detail.clone(),
    ]
}

fn write_rows<'a, const N: usize>(
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]> + 'a,
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing into a Vec cannot fail for I/O reasons; a failed row would only mean a bug.
    let _ = w.write_record(header);
    for r in rows {
        // A CSV is read with `cat` and `column` as often as with a spreadsheet: control
        // characters from the tenant are written as visible escapes (`\u{1b}`, `\n`).
        let _ = w.write_record(
            r.iter()
                .map(|v| crate::util::escape_controls(v, false).into_owned()),
        );
    }
    w.into_inner().unwrap_or_default()
}

/// All subjects of all checks, one CSV (for `--format csv` on stdout).
pub fn all_subjects(report: &Report) -> String {
    let rows = report
        .checks
        .iter()
        .flat_map(|c| c.subjects.iter().map(move |s| subject_row(c, s)));
    String::from_utf8_lossy(&write_rows(SUBJECT_HEADER, rows)).into_owned()
}

/// The subjects of one check.
pub fn check_subjects(c: &CheckResult) -> Vec<u8> {
    write_rows(SUBJECT_HEADER, c.subjects.iter().map(|s| subject_row(c, s)))
}

/// One row per check.
pub fn checks_table(report: &Report) -> Vec<u8> {
    write_rows(
        CHECKS_HEADER,
        report.checks.iter().map(|c| {
            [
                c.id.clone(),
                c.status.as_str().to_string(),
                c.count.to_string(),
                c.message.clone(),
                c.remediation.clone(),
            ]
        }),
    )
}

/// `checks.csv` plus `<check-id>.csv` for every check, as (file name, scrubbed bytes).
/// Check ids are kebab-case by contract; any other character is replaced so that a
/// playbook from `--playbooks DIR` cannot name a file outside the target directory.
pub fn per_check_files(report: &Report) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![("checks.csv".to_string(), checks_table(report))];
    // A skipped check has no subjects: its row in checks.csv says why it did not run.
    for c in report.checks.iter().filter(|c| c.status != Status::Skipped) {
        files.push((format!("{}.csv", safe_name(&c.id)), check_subjects(c)));
    }
    files
        .into_iter()
        .map(|(n, b)| {
            (
                n,
                crate::secret::scrub(&String::from_utf8_lossy(&b)).into_bytes(),
            )
        })
        .collect()
}

pub fn safe_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "_".to_string()
    } else {
        s
    }
}

/// Writes `per_check_files` into `dir` (created if missing).
pub fn write_dir(report: &Report, dir: &std::path::Path) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let files = per_check_files(report);
    for (name, bytes) in &files {
        let path = dir.join(name);
        crate::util::create_output(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(files.len())
}
