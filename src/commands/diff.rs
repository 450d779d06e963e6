//! `diff BEFORE AFTER`: load both sides (report, bundle or snapshot), audit snapshots that
//! come without a report (same playbooks and options on both sides, so the comparison is
//! fair), compare, print in the chosen format, and map the result to an exit code.

use crate::cli::args::{DiffArgs, EndpointArgs, FetchArgs, Format, SourceArgs};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::diff::{self, load, Side};
use crate::engine::Plan;
use crate::report::{FailOn, Report, SourceInfo, SourceKind, Tenancy};
use std::path::Path;

/// Runs the plan's playbooks on an already loaded tenant (offline, no I/O).
pub fn audit(plan: &Plan, tenant: &crate::model::Tenant, label: &str) -> Report {
    let live = std::collections::HashMap::new();
    let reason = format!("offline run: analysing snapshot {label}; live checks need --base-url");
    let ctx = crate::checks::Ctx {
        tenant: Some(tenant),
        others: &[],
        profile: &plan.profile,
        license: &plan.license,
        ldap_groups: plan.ldap_groups.as_deref(),
        live: &live,
        offline_reason: Some(&reason),
        no_tenant_reason: None,
        scope: plan.scope.as_ref(),
        logs: plan.logs.as_ref(),
        idp: plan.idp.as_ref(),
        index: crate::checks::index::TenantIndex::new(
            Some(tenant),
            &plan.profile,
            crate::engine::check_threads(),
        ),
    };
    let (checks, runs) = crate::engine::run_playbooks(&ctx, &plan.playbooks);
    let source = SourceInfo {
        kind: SourceKind::Snapshot,
        label: label.to_string(),
        base_url: None,
        insecure: false,
    };
    let mut report = Report::new(source, checks, runs);
    report.tenant = Some(Tenancy::of(tenant));
    report
}

fn side(path: &Path, plan: Option<&Plan>, out: &Output) -> Result<Side, ToolError> {
    let started = std::time::Instant::now();
    let mut s = match load::detect(path)? {
        load::Kind::Report => load::report_file(path)?,
        load::Kind::Bundle => load::bundle(path)?,
        load::Kind::Snapshot => load::snapshot(path)?,
    };
    out.debug(&format!(
        "loaded {} ({}) in {:?}",
        path.display(),
        s.kind,
        started.elapsed()
    ));
    if let (None, Some(t), Some(plan)) = (&s.report, &s.tenant, plan) {
        out.note(&format!(
            "auditing {} ({} users)",
            path.display(),
            t.users.len()
        ));
        s.report = Some(audit(plan, t, &s.path));
    }
    Ok(s)
}

pub fn run(a: DiffArgs, out: &Output) -> CmdResult {
    if out.only_failures {
        return Err(ToolError(
            "--only-failures shortens a check report, not a diff".into(),
        ));
    }
    if matches!(out.format, Format::Junit | Format::Csv) {
        return Err(ToolError(
            "diff prints human, json, markdown or html (not junit or csv)".into(),
        ));
    }
    let plan = if a.no_audit {
        None
    } else {
        let mut audit = a.audit.clone();
        if audit.profile.is_empty() {
            audit.profile = "default".into();
        }
        let src = SourceArgs {
            snapshot: Some(a.after.clone()),
            other_snapshot: Vec::new(),
        };
        Some(super::plan::build(
            &EndpointArgs::default(),
            &src,
            &FetchArgs::default(),
            &audit,
            crate::playbook::DEFAULT_PLAYBOOK,
            out,
        )?)
    };
    let before = side(&a.before, plan.as_ref(), out)?;
    let after = side(&a.after, plan.as_ref(), out)?;
    diff::check_comparable(&before, &after)?;
    let started = std::time::Instant::now();
    let mut d = diff::compare(before.as_ref(), after.as_ref());
    diff::set_data_times(
        &mut d,
        before.data_time.as_deref(),
        after.data_time.as_deref(),
    );
    out.debug(&format!("compared in {:?}", started.elapsed()));
    for n in &d.notes {
        out.note(&format!("note: {n}"));
    }
    let max = out.max_subjects;
    let text = match out.format {
        Format::Json => diff::render::json(&d),
        Format::Markdown => diff::render::markdown(&d, max),
        Format::Html => diff::render::html(&d, max.max(50)),
        _ => diff::render::human(&d, max),
    };
    out.print(&text)?;
    Ok(match out.fail_on {
        FailOn::New => i32::from(d.worse),
        level => after
            .report
            .as_ref()
            .map(|r| r.exit_code(level))
            .unwrap_or(0),
    })
}
