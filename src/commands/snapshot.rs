//! `snapshot`: fetch the whole tenant and write it into a snapshot
//! directory (layout in `source::snapshot`) for offline analysis with `--snapshot`.
//!
//! Exit codes: 0 written and complete, 1 written but partial (a bound was hit: the notes
//! say which and the flag that raises it), 2 nothing could be fetched or written.

use crate::cli::args::SnapshotArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::source::fetch::Progress;
use crate::source::snapshot::{write_dir, SnapshotMeta};

/// Refuses an output path that cannot take a snapshot, before any request is sent.
fn check_out_dir(out: &std::path::Path) -> Result<(), ToolError> {
    if out.exists() {
        if !out.is_dir() {
            return Err(ToolError(format!(
                "--out {} exists and is not a directory",
                out.display()
            )));
        }
        let mut entries = std::fs::read_dir(out)
            .map_err(|e| ToolError(format!("cannot read --out {}: {e}", out.display())))?;
        if entries.next().is_some() {
            return Err(ToolError(format!(
                "--out {} is not empty: give a new or empty directory",
                out.display()
            )));
        }
    }
    Ok(())
}

pub async fn run(a: SnapshotArgs, out: &Output) -> CmdResult {
    if a.endpoint.base_url().is_none() {
        return Err(ToolError(
            "no endpoint: give --base-url (or SCIM_BASE_URL) of the SCIM server to snapshot".into(),
        ));
    }
    check_out_dir(&a.out)?;
    let fetch = super::plan::fetch_options(&a.fetch)?;
    let client = super::plan::live_client(&a.endpoint, &a.fetch, out)?;
    if client.endpoint.insecure {
        out.warn("TLS certificate verification was disabled with --insecure");
    }
    let base_url = client.endpoint.base_url.to_string();
    // No connection playbook here: the snapshot is about the data, and every request it
    // saves counts on large tenants. When nothing can be fetched, test-connection says why.
    let progress = Progress {
        enabled: out.progress,
    };
    let fetched = crate::source::fetch::fetch_tenant(&client, &fetch, &progress).await;
    let tenant = fetched.tenant;
    let nothing = tenant.users.is_empty() && tenant.groups.is_empty() && !tenant.is_complete();
    if nothing {
        return Err(ToolError(format!(
            "nothing fetched: {} (run `scim-doctor test-connection` for the diagnosis)",
            tenant.completeness.notes.join("; ")
        )));
    }
    let transcript = client.transcript.entries();
    let meta = SnapshotMeta::of(&tenant, transcript.len(), Some(&base_url));
    write_dir(&a.out, &tenant, &transcript, &meta).map_err(|e| ToolError(format!("{e:#}")))?;
    out.note(&format!(
        "snapshot written to {}: {} users, {} groups, {} requests",
        a.out.display(),
        tenant.users.len(),
        tenant.groups.len(),
        transcript.len()
    ));
    let code = if tenant.is_complete() {
        0
    } else {
        out.warn(&format!(
            "the snapshot is incomplete: {}",
            tenant.completeness.notes.join("; ")
        ));
        1
    };
    // The process exits next: freeing a large tenant allocation by allocation only delays it.
    std::mem::forget(tenant);
    Ok(code)
}
