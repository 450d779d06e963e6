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

/// The test-connection report of the steps that ran, exactly as `test-connection` shows it.
fn connection_report(
    client: &crate::source::http::HttpClient,
    results: Vec<crate::findings::CheckResult>,
) -> crate::report::Report {
    use crate::report::{PlaybookRun, Report, SourceInfo, SourceKind};
    let ep = &client.endpoint;
    let status = results
        .iter()
        .map(|r| r.status)
        .max_by_key(|s| s.rank())
        .unwrap_or(crate::findings::Status::Pass);
    let run = PlaybookRun {
        id: "test-connection".into(),
        title: "Connection as the IdP's Test Connection button sees it".into(),
        status,
        checks: results.iter().map(|r| r.id.clone()).collect(),
    };
    Report::new(
        SourceInfo {
            kind: SourceKind::Live,
            label: ep.host(),
            base_url: Some(crate::secret::scrub(ep.base_url.as_str())),
            insecure: ep.insecure,
        },
        results,
        vec![run],
    )
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
    // On a slow server the first page can take seconds: say what is being waited for, and
    // on Ctrl-C say how far the run got and that nothing was written.
    let interrupted = |phase: &str| {
        ToolError(format!(
            "interrupted by Ctrl-C while {phase}, after {}: nothing was written to {}",
            crate::util::plural(client.transcript.len(), "request", "requests"),
            a.out.display()
        ))
    };
    out.note(&format!(
        "snapshot: checking the connection to {}",
        crate::secret::scrub(&base_url)
    ));
    // The connection steps first, a handful of requests: against a closed port, a wrong
    // URL or a sign-in page they give test-connection's diagnosis at once, instead of
    // retrying page requests that cannot succeed.
    let conn = tokio::select! {
        c = crate::connection::run(&client) => c,
        _ = tokio::signal::ctrl_c() => return Err(interrupted("checking the connection")),
    };
    if !conn.proceed {
        let failed = conn.failed_step.clone().unwrap_or_default();
        let step = conn.results.iter().find(|r| r.id == failed);
        let why = step.map(|r| r.message.clone()).unwrap_or_default();
        let status = step
            .and_then(|r| r.evidence.first())
            .and_then(|e| e.status)
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        out.report(&connection_report(&client, conn.results))?;
        return Err(ToolError(format!(
            "nothing fetched: the connection failed at `{failed}`{status}: {why} (the report above is what `scim-doctor test-connection` says)"
        )));
    }
    let progress = Progress {
        enabled: out.progress,
    };
    out.note(
        "snapshot: connection ok; reading the discovery documents, then /Users and /Groups page by page",
    );
    let fetched = tokio::select! {
        f = crate::source::fetch::fetch_tenant(&client, &fetch, &progress) => f,
        _ = tokio::signal::ctrl_c() => return Err(interrupted("reading the tenant")),
    };
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
        "snapshot written to {}: {}, {}, {}",
        a.out.display(),
        crate::util::plural(tenant.users.len(), "user", "users"),
        crate::util::plural(tenant.groups.len(), "group", "groups"),
        crate::util::plural(transcript.len(), "request", "requests")
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
