//! `check` and `test-connection`.

use crate::cli::args::{CheckArgs, SourceArgs, FetchArgs, AuditArgs, TestConnectionArgs};
use crate::cli::output::Output;
use crate::cli::CmdResult;
use crate::source::fetch::Progress;

pub async fn test_connection(a: TestConnectionArgs, out: &Output) -> CmdResult {
    let audit = AuditArgs {
        playbooks: vec!["test-connection".into()],
        // The derived Default leaves the profile empty, which `profile::load` rejects.
        profile: "default".into(),
        ..Default::default()
    };
    let mut plan = super::plan::build(&a.endpoint, &SourceArgs::default(), &FetchArgs::default(), &audit, "test-connection", out)?;
    plan.fetch_tenant = false;
    let outcome = crate::engine::run(plan, &Progress::default()).await?;
    Ok(out.report(&outcome.report)?)
}

pub async fn check(a: CheckArgs, out: &Output) -> CmdResult {
    let plan = super::plan::build(&a.endpoint, &a.source, &a.fetch, &a.audit, crate::playbook::DEFAULT_PLAYBOOK, out)?;
    let progress = Progress { enabled: out.progress };
    let outcome = crate::engine::run(plan, &progress).await?;
    Ok(out.report(&outcome.report)?)
}
