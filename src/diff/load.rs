//! Reading one side of a diff: a JSON report (findings only), a bundle zip (its report.json
//! and, unless written with --no-snapshot, its snapshot), or a snapshot directory (tenant
//! data; the `diff` command audits it). Every file goes through `crate::input` so a login
//! page or a truncated download is named as such.

use super::Side;
use crate::archive;
use crate::report::Report;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Report,
    Bundle,
    Snapshot,
}

pub fn detect(path: &Path) -> Result<Kind, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Ok(Kind::Snapshot);
    }
    if !meta.is_file() {
        // Opening a named pipe would wait for a writer forever.
        return Err(format!(
            "{} is not a regular file: give a JSON report, a bundle zip or a snapshot directory",
            path.display()
        ));
    }
    let mut head = [0u8; 4];
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let n = std::io::Read::read(&mut &f, &mut head).unwrap_or(0);
    if n == 4 && (head == *b"PK\x03\x04" || head == *b"PK\x05\x06") {
        Ok(Kind::Bundle)
    } else {
        Ok(Kind::Report)
    }
}

/// Parses a JSON report (the `--format json` output or a bundle's report.json).
pub fn parse_report(bytes: &[u8], what: &str) -> Result<Report, String> {
    let text = crate::input::decode(bytes).map_err(|e| format!("{what}: {e}"))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let why = crate::input::diagnose(&text).unwrap_or_else(|| crate::input::json_error(&e));
        format!("{what} is not a scim-doctor JSON report: {why}")
    })?;
    let version = value.get("schema_version").and_then(|v| v.as_str());
    match version {
        None => {
            let why = crate::input::diagnose(&text).unwrap_or_else(|| {
                "it has no schema_version (for tenant data, give the snapshot directory or the bundle zip)".into()
            });
            return Err(format!("{what} is not a scim-doctor JSON report: {why}"));
        }
        Some(v) if v.split('.').next() != crate::report::SCHEMA_VERSION.split('.').next() => {
            return Err(format!(
                "{what} is a report of schema {v}, this scim-doctor reads {}: compare reports written by the same major version",
                crate::report::SCHEMA_VERSION
            ));
        }
        _ => {}
    }
    let mut report: Report = serde_json::from_value(value)
        .map_err(|e| format!("{what} is not a scim-doctor JSON report: {e}"))?;
    // A report from elsewhere is shown as this tool's own are: values clipped.
    report.checks = std::mem::take(&mut report.checks)
        .into_iter()
        .map(crate::findings::CheckResult::clipped)
        .collect();
    Ok(report)
}

pub fn report_file(path: &Path) -> Result<Side, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "{} is not a regular file: give a JSON report, a bundle zip or a snapshot directory",
            path.display()
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            MAX_REPORT + 1,
        ),
        &mut bytes,
    )
    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_REPORT {
        return Err(format!(
            "{} is larger than {} MiB, the most scim-doctor reads for a report; refusing to read it",
            path.display(),
            MAX_REPORT >> 20
        ));
    }
    let report = parse_report(&bytes, &path.display().to_string())?;
    // A report says when it was written; only a live run's report was written as the data
    // was read.
    let data_time = (report.source.kind == crate::report::SourceKind::Live)
        .then(|| report.generated_at.clone());
    Ok(Side {
        path: path.display().to_string(),
        kind: "report",
        report: Some(report),
        tenant: None,
        pseudonymised: false,
        data_time,
    })
}

/// Largest report.json read from a bundle (bytes): a million-user tenant's is well under.
const MAX_REPORT: u64 = 1 << 30;

/// Largest environment.json or snapshot.json read from a bundle to learn its flags and times.
const MAX_META: u64 = 16 << 20;

/// When the data of a snapshot was fetched (`fetched_at` of its `snapshot.json`), if it says.
fn fetched_at(meta: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(meta).ok()?;
    v.get("fetched_at")?.as_str().map(str::to_string)
}

/// A bundle: report.json, plus the snapshot when the bundle has one.
pub fn bundle(path: &Path) -> Result<Side, String> {
    // Names checked; only these three entries read, each within its bound.
    let store = archive::ZipStore::open(path, archive::ReadLimits::default(), &|n| {
        matches!(
            n,
            "report.json" | "environment.json" | "snapshot/snapshot.json"
        )
    })?;
    let at = |e: String| format!("{}: {e}", path.display());
    let pseudonymised = store
        .read_to_vec("environment.json", MAX_META)
        .map_err(at)?
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.pointer("/flags/redact_pii").and_then(|f| f.as_bool()))
        .unwrap_or(false);
    let data_time = store
        .read_to_vec("snapshot/snapshot.json", MAX_META)
        .map_err(at)?
        .and_then(|b| fetched_at(&b));
    let report = match store.read_to_vec("report.json", MAX_REPORT).map_err(at)? {
        Some(bytes) => Some(parse_report(
            &bytes,
            &format!("{}: report.json", path.display()),
        )?),
        None => None,
    };
    let tenant = match crate::source::snapshot::load_zip(path) {
        Ok(t) => Some(t),
        Err(e) if e.to_string().contains("holds no snapshot/") => None,
        Err(e) => return Err(format!("{e:#}")),
    };
    if report.is_none() && tenant.is_none() {
        return Err(format!(
            "{} holds neither report.json nor snapshot/: not a scim-doctor bundle",
            path.display()
        ));
    }
    // Only a live run's bundle knows when its data was read (its snapshot was fetched by the
    // run); a bundle of an offline run stamps its snapshot with the time it was written.
    let live = report
        .as_ref()
        .is_some_and(|r| r.source.kind == crate::report::SourceKind::Live);
    let data_time = if live {
        data_time.or_else(|| report.as_ref().map(|r| r.generated_at.clone()))
    } else {
        None
    };
    Ok(Side {
        path: path.display().to_string(),
        kind: "bundle",
        report,
        tenant,
        pseudonymised,
        data_time,
    })
}

/// A snapshot directory without auditing it (`--no-audit`).
pub fn snapshot(path: &Path) -> Result<Side, String> {
    let tenant = crate::source::snapshot::load(path).map_err(|e| format!("{e:#}"))?;
    let data_time = std::fs::read(path.join("snapshot.json"))
        .ok()
        .and_then(|b| fetched_at(&b));
    Ok(Side {
        path: path.display().to_string(),
        kind: "snapshot",
        report: None,
        tenant: Some(tenant),
        pseudonymised: false,
        data_time,
    })
}
