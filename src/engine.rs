//! The run: source -> tenant -> checks -> report. Commands build an `Plan`, the engine
//! gathers evidence (live probes and fetch, or snapshot loading), runs the selected
//! playbooks' checks once each, and hands back a `Report` plus what the bundle needs.

use crate::checks::{self, Ctx, LicenseOptions};
use crate::findings::{CheckResult, Status};
use crate::model::Tenant;
use crate::playbook::Playbook;
use crate::profile::Profile;
use crate::report::{PlaybookRun, Report, SourceInfo, SourceKind, Tenancy};
use crate::source::fetch::{FetchOptions, Progress};
use crate::source::http::{HttpClient, Transcript};
use std::collections::HashMap;
use std::path::PathBuf;

mod parallel;
pub use parallel::{threads as check_threads, CheckTime};

pub enum Source {
    Live(HttpClient),
    Snapshot(PathBuf),
}

pub struct Plan {
    pub source: Source,
    pub others: Vec<PathBuf>,
    /// Other directories already loaded (from a bundle's `inputs/`), compared like `others`.
    pub other_tenants: Vec<Tenant>,
    pub fetch: FetchOptions,
    /// False for `test-connection`: probe the connection only, fetch nothing.
    pub fetch_tenant: bool,
    pub playbooks: Vec<Playbook>,
    pub profile: Profile,
    pub license: LicenseOptions,
    pub ldap_groups: Option<Vec<String>>,
    pub scope: Option<crate::scope::ScopeInputs>,
    pub logs: Option<crate::logs::LogInputs>,
    pub idp: Option<crate::idpconfig::IdpConfig>,
}

/// What a run leaves behind for renderers and the bundle.
pub struct Outcome {
    pub report: Report,
    pub tenant: Option<Tenant>,
    pub transcript: Transcript,
    /// Wall time spent getting the tenant (fetch or snapshot load) and running the checks.
    pub timing: Timing,
}

#[derive(Debug, Clone, Default)]
pub struct Timing {
    pub load: std::time::Duration,
    pub checks: std::time::Duration,
    /// Each check that ran, in report order (`-vv` prints them).
    pub each: Vec<CheckTime>,
}

pub async fn run(plan: Plan, progress: &Progress) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    let mut live: HashMap<String, CheckResult> = HashMap::new();
    let mut tenant: Option<Tenant> = None;
    let mut warnings = Vec::new();
    let mut no_tenant_reason: Option<String> = None;
    let (source_info, transcript, offline_reason) = match &plan.source {
        Source::Live(client) => {
            // Why a live check has no result on a live run (offline runs say "snapshot").
            let live_reason: Option<String>;
            let ep = &client.endpoint;
            if ep.insecure {
                warnings.push(
                    "TLS certificate verification was disabled with --insecure: results about TLS do not hold"
                        .to_string(),
                );
            }
            let conn = crate::connection::run(client).await;
            for r in &conn.results {
                live.insert(r.id.clone(), r.clone());
            }
            if conn.proceed && plan.fetch_tenant {
                let fetched =
                    crate::source::fetch::fetch_tenant(client, &plan.fetch, progress).await;
                for r in checks::protocol::results(&fetched.report) {
                    live.insert(r.id.clone(), r);
                }
                tenant = Some(fetched.tenant);
                live_reason = Some("not run: the fetch produced no result for this check".into());
            } else if !conn.proceed {
                let step = conn.failed_step.as_deref().unwrap_or("an earlier step");
                no_tenant_reason = Some(format!(
                    "not run: the connection failed at `{step}`, so no tenant data could be fetched"
                ));
                live_reason = Some(format!("not run: the connection failed at `{step}`"));
            } else {
                live_reason = Some("not run: the tenant was not fetched in this run".into());
            }
            (
                SourceInfo {
                    kind: SourceKind::Live,
                    label: ep.host(),
                    base_url: Some(crate::secret::scrub(ep.base_url.as_str())),
                    insecure: ep.insecure,
                },
                client.transcript.clone(),
                live_reason,
            )
        }
        Source::Snapshot(path) => {
            let phase = progress.phase(&format!("reading the snapshot {}", path.display()));
            let t = crate::source::snapshot::load(path);
            phase.finish_and_clear();
            let t = t?;
            // The discovery documents are data the snapshot keeps: judged without a request.
            let d = &t.discovery;
            if d.service_provider_config.is_some()
                || d.schemas.is_some()
                || d.resource_types.is_some()
            {
                let r = crate::connection::discovery::judge_stored(
                    d.service_provider_config.as_ref(),
                    d.schemas.as_ref(),
                    d.resource_types.as_ref(),
                );
                live.insert(r.id.clone(), r);
            }
            let label = path.display().to_string();
            tenant = Some(t);
            (
                SourceInfo {
                    kind: SourceKind::Snapshot,
                    label: label.clone(),
                    base_url: None,
                    insecure: false,
                },
                Transcript::default(),
                Some(format!(
                    "offline run: analysing snapshot {label}; live checks need --base-url"
                )),
            )
        }
    };
    let mut others = plan.other_tenants.clone();
    for p in &plan.others {
        others.push(crate::source::snapshot::load(p)?);
    }
    if let Some(t) = &tenant {
        if !t.is_complete() {
            warnings.push(format!(
                "the tenant data is incomplete: {}",
                if t.completeness.notes.is_empty() {
                    "some pages could not be fetched".to_string()
                } else {
                    t.completeness.notes.join("; ")
                }
            ));
        }
    }

    let load = started.elapsed();
    let checks_started = std::time::Instant::now();
    let phase = progress.phase(&match &tenant {
        Some(t) => format!(
            "auditing {} users and {} groups",
            t.users.len(),
            t.groups.len()
        ),
        None => "running the checks".to_string(),
    });
    let ctx = Ctx {
        tenant: tenant.as_ref(),
        others: &others,
        profile: &plan.profile,
        license: &plan.license,
        ldap_groups: plan.ldap_groups.as_deref(),
        live: &live,
        offline_reason: offline_reason.as_deref(),
        no_tenant_reason: no_tenant_reason.as_deref(),
        scope: plan.scope.as_ref(),
        logs: plan.logs.as_ref(),
        idp: plan.idp.as_ref(),
        index: crate::checks::index::TenantIndex::new(
            tenant.as_ref(),
            &plan.profile,
            parallel::threads(),
        ),
    };
    let (checks, runs, each) = run_playbooks_timed(&ctx, &plan.playbooks, parallel::threads());
    phase.finish_and_clear();
    let timing = Timing {
        load,
        checks: checks_started.elapsed(),
        each,
    };
    let mut report = Report::new(source_info, checks, runs);
    if let Some(idp) = &plan.idp {
        warnings.extend(idp.notes.iter().cloned());
    }
    report.warnings = warnings;
    report.tenant = tenant.as_ref().map(Tenancy::of);
    Ok(Outcome {
        report,
        tenant,
        transcript,
        timing,
    })
}

/// Runs every step of every playbook, each check id once (first parameters win), and
/// returns the results in first-seen order plus a per-playbook summary.
pub fn run_playbooks(ctx: &Ctx, playbooks: &[Playbook]) -> (Vec<CheckResult>, Vec<PlaybookRun>) {
    let (results, runs, _) = run_playbooks_timed(ctx, playbooks, parallel::threads());
    (results, runs)
}

/// `run_playbooks` on `threads` threads (1: in order on this thread), with the wall time of
/// each check that ran, in report order. The results do not depend on `threads`: each
/// check is a pure function of `ctx` and lands in the slot its first mention gave it.
pub fn run_playbooks_timed(
    ctx: &Ctx,
    playbooks: &[Playbook],
    threads: usize,
) -> (Vec<CheckResult>, Vec<PlaybookRun>, Vec<CheckTime>) {
    let registry = checks::registry();
    // First pass: which check fills which slot (first mention, first parameters), and the
    // checks a playbook names that do not exist (their error result is the slot's value).
    let mut slots: Vec<parallel::Slot> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut runs = Vec::new();
    let mut playbook_ids = Vec::new();
    for pb in playbooks {
        let mut ids = Vec::new();
        for step in &pb.steps {
            if !index.contains_key(&step.check) {
                let slot = match registry.iter().find(|d| d.id == step.check) {
                    Some(def) => parallel::Slot::Run(def, &step.params),
                    None => parallel::Slot::Done(Box::new(CheckResult::new(
                        &step.check,
                        Status::Error,
                        format!("playbook `{}` names unknown check `{}`", pb.id, step.check),
                    )
                    .with_remediation("fix the playbook file: `scim-doctor playbooks list` shows the known checks"))),
                };
                index.insert(step.check.clone(), slots.len());
                slots.push(slot);
            }
            if !ids.contains(&step.check) {
                ids.push(step.check.clone());
            }
        }
        playbook_ids.push(ids);
    }
    let (results, times) = parallel::run(ctx, slots, threads);
    for (pb, ids) in playbooks.iter().zip(playbook_ids) {
        let status = ids
            .iter()
            .filter_map(|id| index.get(id).map(|&i| results[i].status))
            .max_by_key(|s| s.rank())
            .unwrap_or(Status::Pass);
        runs.push(PlaybookRun {
            id: pb.id.clone(),
            title: pb.title.clone(),
            status,
            checks: ids,
        });
    }
    (results, runs, times)
}
