//! `bundle` (check with every playbook, then write the support bundle), `bundle verify`,
//! and the bundle step shared with `check --bundle`: option resolution, writing with
//! Ctrl-C handling, and the notes that tell the user where the files went.

use crate::bundle::{self, archive, BundleOptions};
use crate::cli::args::{BundleAction, BundleArgs, BundleCommandArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::engine::Outcome;
use crate::source::fetch::Progress;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Largest --description-file accepted (it goes into a ticket, not a book).
const MAX_DESCRIPTION_BYTES: u64 = 64 * 1024;

/// Flags -> `BundleOptions`; reads --description-file.
pub fn options(a: &BundleArgs) -> Result<BundleOptions, ToolError> {
    let description = match (&a.description, &a.description_file) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(p)) => {
            let meta = std::fs::metadata(p)
                .map_err(|e| format!("cannot read --description-file {}: {e}", p.display()))?;
            if meta.len() > MAX_DESCRIPTION_BYTES {
                return Err(ToolError(format!(
                    "--description-file {} is larger than 64 KiB",
                    p.display()
                )));
            }
            let text = std::fs::read(p)
                .map_err(|e| format!("cannot read --description-file {}: {e}", p.display()))?;
            Some(String::from_utf8_lossy(&text).into_owned())
        }
        (None, None) => None,
    };
    Ok(BundleOptions {
        path: a.bundle.clone(),
        case_id: a.case_id.clone(),
        label: a.label.clone(),
        description,
        redact_pii: a.redact_pii,
        keep_domains: a.keep_domains,
        map_file: a.map_file.clone(),
        no_snapshot: a.no_snapshot,
        baseline: a.baseline.clone(),
    })
}

/// Writes the bundle; Ctrl-C while writing removes the partial file. Prints where the
/// files went on stderr (stdout carries the report).
pub async fn write_and_announce(
    outcome: &Outcome,
    opts: &BundleOptions,
    out: &Output,
) -> Result<bundle::BundleWritten, ToolError> {
    let args: Vec<String> = std::env::args().collect();
    let prepared = bundle::prepare(outcome, opts, &args)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let mut task = tokio::task::spawn_blocking(move || prepared.commit(&flag));
    let result = tokio::select! {
        r = &mut task => r,
        _ = tokio::signal::ctrl_c() => {
            cancel.store(true, Ordering::SeqCst);
            let _ = task.await;
            return Err(ToolError("interrupted (Ctrl-C) while writing the bundle; the partial file was removed".into()));
        }
    };
    let written = result.map_err(|e| format!("the bundle writer stopped unexpectedly: {e}"))??;
    out.note(&format!("bundle written: {}", written.path.display()));
    out.note(&format!(
        "sha256: {}  (also in {})",
        written.sha256,
        archive::sidecar(&written.path, "sha256").display()
    ));
    if let Some(m) = &written.map_path {
        out.note(&format!(
            "pseudonym map (keep it private, it is not in the zip): {}",
            m.display()
        ));
    }
    Ok(written)
}

pub async fn run(a: BundleCommandArgs, out: &Output) -> CmdResult {
    if let Some(BundleAction::Verify { path }) = &a.action {
        return verify(path, out);
    }
    let mut opts = options(&a.bundle)?;
    if opts.path.is_none() {
        opts.path = Some(std::path::PathBuf::from("."));
    }
    let mut audit = a.audit.clone();
    if audit.playbooks.is_empty() {
        // Every available playbook: a ticket should answer every symptom at once.
        audit.playbooks = crate::playbook::load(audit.playbooks_dir.as_deref())?
            .into_iter()
            .map(|p| p.id)
            .collect();
    }
    let plan = super::plan::build(
        &a.endpoint,
        &a.source,
        &a.fetch,
        &audit,
        crate::playbook::DEFAULT_PLAYBOOK,
        out,
    )?;
    let outcome = crate::engine::run(
        plan,
        &Progress {
            enabled: out.progress,
        },
    )
    .await?;
    let code = out.report_with(&outcome.report, outcome.tenant.as_ref())?;
    write_and_announce(&outcome, &opts, out).await?;
    Ok(code)
}

/// Exit 0 when every file matches, 1 on any mismatch (each named), 2 when unreadable.
fn verify(path: &std::path::Path, out: &Output) -> CmdResult {
    let v = archive::verify(path, archive::ReadLimits::default())?;
    let mut text = String::new();
    for p in &v.problems {
        text.push_str(&format!("MISMATCH {p}\n"));
    }
    let zip_hash = match v.zip_hash_ok {
        Some(true) => "zip SHA-256 matches its .sha256 file",
        Some(false) => "zip SHA-256 does NOT match its .sha256 file",
        None => "no .sha256 file beside the zip",
    };
    if v.problems.is_empty() {
        text.push_str(&format!(
            "ok: {} files match the manifest; {zip_hash}\n",
            v.files_ok
        ));
        out.print(&text)?;
        Ok(0)
    } else {
        text.push_str(&format!(
            "failed: {} problem(s), {} files match; {zip_hash}\n",
            v.problems.len(),
            v.files_ok
        ));
        out.print(&text)?;
        Ok(1)
    }
}
