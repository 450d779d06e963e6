//! The bundle's file name and where it goes: `scim-doctor-<who>[-<case>]-<time>.zip`, in the
//! directory or at the path `--out` names.

use super::BundleOptions;
use crate::engine::Outcome;
use std::path::{Path, PathBuf};

/// Keeps `[A-Za-z0-9._-]`, replaces anything else with `-`, trims, caps the length.
pub fn sanitize(part: &str) -> String {
    let s: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches(|c| c == '-' || c == '.').to_string();
    let s: String = s.chars().take(60).collect();
    if s.is_empty() {
        "tenant".into()
    } else {
        s
    }
}

/// `scim-doctor-<host or snapshot name>[-<case id>]-<yyyymmddThhmmssZ>.zip`. With
/// --redact-pii (`redacted`) a snapshot's name (a path, a label someone typed) is replaced
/// by the word `snapshot`: the file name is read by everyone the zip is sent to.
pub fn default_name(outcome: &Outcome, case_id: Option<&str>, redacted: bool) -> String {
    let r = &outcome.report;
    let who = match r.source.kind {
        crate::report::SourceKind::Live => r.source.label.clone(),
        crate::report::SourceKind::Snapshot if redacted => "snapshot".to_string(),
        crate::report::SourceKind::Snapshot => {
            let p = Path::new(&r.source.label);
            p.file_stem()
                .or(p.file_name())
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_else(|| r.source.label.clone())
        }
    };
    let case = case_id
        .map(|c| format!("-{}", sanitize(c)))
        .unwrap_or_default();
    format!(
        "scim-doctor-{}{}-{}.zip",
        sanitize(&who),
        case,
        crate::util::file_stamp(crate::util::now())
    )
}

pub(super) fn destination(outcome: &Outcome, opts: &BundleOptions) -> PathBuf {
    let name = default_name(outcome, opts.case_id.as_deref(), opts.redact_pii);
    match &opts.path {
        Some(p) if p.as_os_str().is_empty() => PathBuf::from(name),
        // A trailing slash means "a directory", even one that does not exist yet (commit
        // then says so instead of writing a file named like the directory).
        Some(p)
            if p.is_dir()
                || p.as_os_str()
                    .to_string_lossy()
                    .ends_with(std::path::MAIN_SEPARATOR) =>
        {
            p.join(name)
        }
        Some(p) => p.clone(),
        None => PathBuf::from(name),
    }
}
