//! `snapshot`: probe the connection, fetch the whole tenant and write it into a snapshot
//! directory (layout in `source::snapshot`) for offline analysis with `--snapshot`.
//!
//! Exit codes: 0 written and complete, 1 written but partial (a bound was hit: the notes
//! say which and the flag that raises it), 2 nothing could be fetched or written.

use crate::checks::LicenseOptions;
use crate::cli::args::{AuditArgs, SnapshotArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::engine::{Plan, Source};
use crate::findings::Status;
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
    if a.endpoint.base_url.is_none() {
        return Err(ToolError(
            "no endpoint: give --base-url (or SCIM_BASE_URL) of the SCIM server to snapshot".into(),
        ));
    }
    check_out_dir(&a.out)?;
    let fetch = super::plan::fetch_options(&a.fetch)?;
    let client = super::plan::live_client(&a.endpoint, &a.fetch, out)?;
    let base_url = client.endpoint.base_url.to_string();
    let audit = AuditArgs {
        playbooks: vec!["test-connection".into()],
        ..Default::default()
    };
    let plan = Plan {
        source: Source::Live(client),
        others: Vec::new(),
        fetch,
        fetch_tenant: true,
        playbooks: super::plan::playbooks(&audit, "test-connection")?,
        profile: crate::profile::load("default", None)?,
        license: LicenseOptions::default(),
        ldap_groups: None,
        scope: None,
        logs: None,
    };
    let progress = Progress {
        enabled: out.progress,
    };
    let outcome = crate::engine::run(plan, &progress).await?;
    let Some(tenant) = outcome.tenant else {
        let failed = outcome
            .report
            .checks
            .iter()
            .find(|c| c.status.rank() >= Status::Fail.rank())
            .map(|c| format!("`{}`: {}", c.id, c.message))
            .unwrap_or_else(|| "the connection failed".into());
        return Err(ToolError(format!(
            "nothing fetched, the connection failed at {failed} (run `scim-doctor test-connection` for the diagnosis)"
        )));
    };
    let transcript = outcome.transcript.entries();
    let meta = SnapshotMeta::of(&tenant, transcript.len(), Some(&base_url));
    write_dir(&a.out, &tenant, &transcript, &meta).map_err(|e| ToolError(format!("{e:#}")))?;
    out.note(&format!(
        "snapshot written to {}: {} users, {} groups, {} requests",
        a.out.display(),
        tenant.users.len(),
        tenant.groups.len(),
        transcript.len()
    ));
    if tenant.is_complete() {
        Ok(0)
    } else {
        out.warn(&format!(
            "the snapshot is incomplete: {}",
            tenant.completeness.notes.join("; ")
        ));
        Ok(1)
    }
}
