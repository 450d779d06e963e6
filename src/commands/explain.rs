//! `explain-user`: resolve the flags into a plan, run the audit (so the target stage can
//! quote the checks' findings about this user), replay Entra's lookups (live GETs when an
//! endpoint is given, computed on the snapshot otherwise), and print the trace.
//!
//! Exit codes: 0 the verdict is below --fail-on, 1 it is at or above it or the user was not
//! found anywhere, 2 bad input or no tenant data.

use crate::cli::args::{ExplainUserArgs, Format};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::engine::Source;
use crate::explain;
use crate::report::FailOn;
use crate::source::fetch::Progress;

pub async fn run(a: ExplainUserArgs, out: &Output) -> CmdResult {
    if out.only_failures {
        return Err(ToolError(
            "--only-failures shortens a check report; explain-user traces one user through every stage".into(),
        ));
    }
    let query = a.query.trim().to_string();
    if query.is_empty() {
        return Err(ToolError(
            "nothing to explain: give the user's userName, email, id or externalId".into(),
        ));
    }
    let plan = super::plan::build(
        &a.endpoint,
        &a.source,
        &a.fetch,
        &a.audit,
        crate::playbook::DEFAULT_PLAYBOOK,
        out,
    )?;
    let logs = plan.logs.clone();
    let scope = plan.scope.clone();
    let idp = plan.idp.clone();
    let (client, source) = match &plan.source {
        Source::Live(c) => (Some(c.clone()), format!("live {}", c.endpoint.host())),
        Source::Snapshot(p) => (None, format!("snapshot {}", p.display())),
    };
    let progress = Progress {
        enabled: out.progress,
    };
    let outcome = crate::engine::run(plan, &progress).await?;
    let Some(tenant) = outcome.tenant.as_ref() else {
        let why = outcome
            .report
            .checks
            .iter()
            .find(|c| c.status.rank() >= 2)
            .map(|c| format!("{}: {}", c.id, c.message))
            .unwrap_or_else(|| "nothing was fetched".into());
        return Err(ToolError(format!(
            "cannot explain `{query}`: no tenant data ({why})"
        )));
    };
    let trace = explain::trace(
        &query,
        tenant,
        &outcome.report.checks,
        scope.as_ref(),
        logs.as_ref(),
        idp.as_ref(),
        client.as_ref(),
        source,
        outcome.report.warnings.clone(),
    )
    .await;
    let text = match out.format {
        Format::Json => {
            serde_json::to_string_pretty(&trace)
                .map_err(|e| ToolError(format!("cannot serialise the trace: {e}")))?
                + "\n"
        }
        Format::Html => crate::render::html::explain::render(&trace),
        _ => explain::render::human(&trace),
    };
    out.print(&text)?;
    let threshold = match out.fail_on {
        FailOn::Warn => 1,
        FailOn::Fail | FailOn::New => 2,
    };
    Ok(
        if !trace.found || trace.verdict.status.rank() >= threshold {
            1
        } else {
            0
        },
    )
}
