//! `check` and `test-connection`: run the plan, print the report, and for `check` write the
//! per-check CSV files (`--format csv --out DIR`) and the support bundle (`--bundle`).

use crate::cli::args::{AuditArgs, CheckArgs, FetchArgs, Format, SourceArgs, TestConnectionArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::source::fetch::Progress;

pub async fn test_connection(a: TestConnectionArgs, out: &Output) -> CmdResult {
    let audit = AuditArgs {
        playbooks: vec!["test-connection".into()],
        // The derived Default leaves the profile empty, which `profile::load` rejects.
        profile: "default".into(),
        ..Default::default()
    };
    let mut plan = super::plan::build(
        &a.endpoint,
        &SourceArgs::default(),
        &FetchArgs::default(),
        &audit,
        "test-connection",
        out,
    )?;
    plan.fetch_tenant = false;
    let outcome = crate::engine::run(plan, &Progress::default()).await?;
    Ok(out.report_with(&outcome.report, outcome.tenant.as_ref())?)
}

pub async fn check(a: CheckArgs, out: &Output) -> CmdResult {
    if a.out.is_some() && out.format != Format::Csv {
        return Err(ToolError(
            "--out DIR is for --format csv (one CSV per check); add --format csv".into(),
        ));
    }
    let bundle_opts = match &a.bundle.bundle {
        Some(_) => {
            let mut o = super::bundle::options(&a.bundle)?;
            o.inputs = Some(super::bundle::run_inputs(&a.audit, &a.source)?);
            o.progress = out.progress;
            Some(o)
        }
        None => None,
    };
    let plan = super::plan::build(
        &a.endpoint,
        &a.source,
        &a.fetch,
        &a.audit,
        crate::playbook::DEFAULT_PLAYBOOK,
        out,
    )?;
    let progress = Progress {
        enabled: out.progress,
    };
    let outcome = crate::engine::run(plan, &progress).await?;
    // One line for scripts (scripts/bench-load.sh reads it): where the time went.
    out.debug(&format!(
        "timing: load {:.3} s, checks {:.3} s",
        outcome.timing.load.as_secs_f64(),
        outcome.timing.checks.as_secs_f64()
    ));
    // -vv: one line per check, in report order (checks run in parallel, so these add up
    // to more than the checks phase on a multi-core machine).
    if out.verbose > 1 {
        for t in &outcome.timing.each {
            out.debug(&format!(
                "timing: check {} {:.3} s",
                t.id,
                t.elapsed.as_secs_f64()
            ));
        }
    }
    // Bundle first (issue 12): the JSON report then says where it went (`bundle`).
    let written = match &bundle_opts {
        Some(opts) => Some(super::bundle::write(&outcome, opts).await?),
        None => None,
    };
    let code = match &a.out {
        Some(dir) => {
            let n = crate::render::csv::write_dir(&outcome.report, dir)?;
            out.note(&format!("wrote {n} CSV files into {}", dir.display()));
            if let Some(w) = &written {
                for l in super::bundle::bundle_lines(w).lines() {
                    out.note(l);
                }
            }
            outcome.report.exit_code(out.fail_on)
        }
        None => super::bundle::report_with_bundle(
            out,
            &outcome.report,
            outcome.tenant.as_ref(),
            written.as_ref(),
            false,
        )?,
    };
    // The report is out. Freeing a large tenant string by string takes measurable time
    // (0.16-0.21 s for a million users, docs/audit.md, Performance) and the process ends
    // right after, so the memory is left to the operating system.
    std::mem::forget(outcome);
    Ok(code)
}
