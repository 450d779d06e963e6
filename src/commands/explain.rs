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
use crate::explain::{self, stages};
use crate::report::FailOn;
use crate::source::fetch::Progress;

pub async fn run(a: ExplainUserArgs, out: &Output) -> CmdResult {
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
    let log_entries = logs.as_ref().map(|l| l.entries.as_slice()).unwrap_or(&[]);
    // Resolve once to learn which target users the query names, find the IdP user with
    // that, then resolve again with the IdP record (it decides the values Entra sends).
    let first = explain::identity::resolve(&query, tenant, None, log_entries);
    let idp_users = scope
        .as_ref()
        .and_then(|s| s.idp_users.as_deref())
        .unwrap_or(&[]);
    let idp_user = stages::find_idp(idp_users, &first, tenant);
    let identity =
        explain::identity::resolve(&query, tenant, idp_user.map(stages::record), log_entries);
    let matches = match &client {
        Some(c) => explain::matching::live(c, tenant, &identity).await,
        None => explain::matching::offline(tenant, &identity),
    };
    let (_, matched) = explain::matching::outcome(&matches);
    let target_view = identity
        .named
        .iter()
        .map(|&i| &tenant.users[i])
        .find(|u| {
            u.user_name
                .as_deref()
                .and_then(explain::identity::soft_delete_original)
                .is_none()
        })
        .or_else(|| matched.and_then(|m| tenant.users.iter().find(|u| u.id == m.id)))
        .map(crate::scope::IdpUser::from_scim);
    let import = stages::import_stage(scope.as_ref(), idp_user);
    let scope_stage = stages::scope_stage(scope.as_ref(), idp_user, target_view);
    let mut candidates: Vec<String> = Vec::new();
    for u in &tenant.users {
        candidates.extend(u.user_name.clone());
        candidates.extend(u.email_values().into_iter().map(str::to_string));
    }
    candidates.extend(log_entries.iter().filter_map(|e| e.source_name.clone()));
    candidates.extend(
        idp_users
            .iter()
            .filter_map(|u| u.user_principal_name().map(str::to_string)),
    );
    let trace = explain::build(explain::Inputs {
        source,
        tenant,
        checks: &outcome.report.checks,
        logs: logs.as_ref(),
        identity,
        matches,
        live: client.is_some(),
        import,
        scope: scope_stage,
        candidates,
    });
    let text = match out.format {
        Format::Json => {
            serde_json::to_string_pretty(&trace)
                .map_err(|e| ToolError(format!("cannot serialise the trace: {e}")))?
                + "\n"
        }
        _ => explain::render::human(&trace),
    };
    out.print(&text)?;
    let threshold = match out.fail_on {
        FailOn::Warn => 1,
        FailOn::Fail => 2,
    };
    Ok(
        if !trace.found || trace.verdict.status.rank() >= threshold {
            1
        } else {
            0
        },
    )
}
