//! `demo`: starts the embedded server on the bundled demo tenant with a random bearer token,
//! writes the IdP-side inputs an admin would supply (users export, scoping filter,
//! provisioning logs, LDAP groups: `demo::inputs`), runs the full `check` (the `full-audit`
//! playbook) against the server over real HTTP through the engine, prints the report, writes
//! a support bundle and stops the server. Exit code per --fail-on, like `check`.

use crate::cli::args::{DemoArgs, Format};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::engine::{Plan, Source};
use crate::secret::SecretString;
use crate::server::{self, ServerConfig};
use crate::source::fetch::{FetchOptions, Progress};
use crate::source::http::{Auth, Endpoint, HttpClient, Transcript};
use std::time::Duration;

/// The playbook the demo runs.
pub const DEMO_PLAYBOOK: &str = "full-audit";

pub async fn run(a: DemoArgs, out: &Output) -> CmdResult {
    let tenant = crate::demo::fixture::demo_tenant()?;
    if let Some(dir) = &a.write_samples {
        return write_samples(&tenant, dir, out);
    }
    let (users, groups) = (tenant.users.len(), tenant.groups.len());
    let scratch = Scratch::new()?;
    // The sample inputs are removed when the demo ends: print their names, not their paths.
    let out = &out.with_path_alias(&scratch.0, "[demo sample]/");
    let inputs = crate::demo::inputs::write(&tenant, &scratch.0).map_err(|e| {
        ToolError(format!(
            "cannot write the demo inputs in {}: {e}",
            scratch.0.display()
        ))
    })?;
    let token = SecretString::new(format!("demo-{}", uuid::Uuid::new_v4().simple()));
    let config = ServerConfig {
        token: Some(token.clone()),
        ..Default::default()
    };
    let server = server::start(tenant, config)
        .await
        .map_err(|e| ToolError(format!("cannot start the demo server on 127.0.0.1: {e}")))?;
    out.note(&format!(
        "demo: serving a sample tenant ({users} users, {groups} groups, with planted problems) on {} \
         and running the `{DEMO_PLAYBOOK}` playbook against it over HTTP",
        server.base_url()
    ));
    let result = async {
        let plan = plan(server.base_url(), token, &inputs, out)?;
        let (scope, logs, idp) = (plan.scope.clone(), plan.logs.clone(), plan.idp.clone());
        let client = match &plan.source {
            Source::Live(c) => Some(c.clone()),
            Source::Snapshot(_) => None,
        };
        let progress = Progress {
            enabled: out.progress,
        };
        let outcome = crate::engine::run(plan, &progress)
            .await
            .map_err(ToolError::from)?;
        // The explain-user example replays Entra's lookups live, so it runs before the
        // server stops; only the human report has room for a second document.
        let example = match (&inputs.explain_user, &outcome.tenant) {
            (Some(query), Some(tenant)) if out.format == Format::Human => Some(
                crate::explain::trace(
                    query,
                    tenant,
                    &outcome.report.checks,
                    scope.as_ref(),
                    logs.as_ref(),
                    idp.as_ref(),
                    client.as_ref(),
                    format!("demo server {}", server.base_url()),
                    outcome.report.warnings.clone(),
                )
                .await,
            ),
            _ => None,
        };
        Ok::<_, ToolError>((outcome, example))
    }
    .await;
    server.stop().await;
    let (outcome, example) = result?;
    let code = out.report_with(&outcome.report, outcome.tenant.as_ref())?;
    // The bundle is opt-in: a demo run leaves nothing behind unless asked to.
    if let Some(path) = &a.bundle_path {
        let opts = crate::bundle::BundleOptions {
            path: Some(path.clone()),
            label: Some("scim-doctor demo".into()),
            description: Some(
                "Demo run against the built-in sample tenant: the findings are planted on purpose."
                    .into(),
            ),
            // Bundle (issue 12): the demo's inputs go into the bundle like any run's.
            inputs: Some(super::bundle::run_inputs(
                &crate::cli::args::AuditArgs {
                    profile: "default".into(),
                    ..audit_args(&inputs)
                },
                &crate::cli::args::SourceArgs::default(),
            )?),
            ..Default::default()
        };
        super::bundle::write_and_announce(&outcome, &opts, out).await?;
    } else if !a.no_bundle {
        out.note(
            "no support bundle written: add --bundle-path demo.zip to write this run's bundle",
        );
    }
    match (&example, &inputs.explain_user) {
        (Some(trace), Some(user)) => out.print(&format!(
            "\n== Example: scim-doctor explain-user {user} ==\n{}",
            crate::explain::render::human(trace)
        ))?,
        (None, Some(user)) => out.note(&format!(
            "an explain-user example (for {user}, the active copy of a soft-deleted duplicate) is shown with --format human"
        )),
        _ => {}
    }
    Ok(code)
}

/// `demo --write-samples DIR`: the demo tenant as a snapshot and its sample inputs, kept, with
/// the commands that use them (the README's examples run on these files).
fn write_samples(tenant: &crate::model::Tenant, dir: &std::path::Path, out: &Output) -> CmdResult {
    let snap = dir.join("snapshot");
    if snap.exists() {
        return Err(ToolError(format!(
            "{} exists: give an empty or new directory",
            snap.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| ToolError(format!("cannot create {}: {e}", dir.display())))?;
    let meta = crate::source::snapshot::SnapshotMeta::of(tenant, 0, None);
    crate::source::snapshot::write_dir(&snap, tenant, &[], &meta)
        .map_err(|e| ToolError(format!("{e:#}")))?;
    let inputs = crate::demo::inputs::write(tenant, dir).map_err(|e| {
        ToolError(format!(
            "cannot write the samples in {}: {e}",
            dir.display()
        ))
    })?;
    let p = |p: &std::path::Path| p.display().to_string();
    let user = inputs.explain_user.clone().unwrap_or_else(|| "USER".into());
    let configs: Vec<String> = inputs
        .idp_config
        .iter()
        .map(|c| format!("--idp-config {}", p(c)))
        .collect();
    let (snap, idp_users, scope, logs) = (
        p(&snap),
        p(&inputs.idp_users),
        p(&inputs.scope_filter),
        p(&inputs.provisioning_logs),
    );
    let lines = [
        format!("demo samples written to {}:", p(dir)),
        format!(
            "- {snap}: the demo tenant ({} users, {} groups), a snapshot",
            tenant.users.len(),
            tenant.groups.len()
        ),
        format!("- {idp_users}: the IdP users export"),
        format!("- {scope}: the scoping filter"),
        format!("- {logs}: provisioning logs"),
        format!("- {}: LDAP groups", p(&inputs.ldap_groups)),
        format!("- IdP configuration: {}", configs.join(" ")),
        String::new(),
        "Try:".into(),
        format!("scim-doctor explain-user {user} --snapshot {snap} --idp-users {idp_users} --scope-filter {scope} --provisioning-logs {logs}"),
        format!("scim-doctor check --snapshot {snap} --idp-users {idp_users} --scope-filter {scope} --licenses {}", inputs.licenses),
        format!("scim-doctor bundle --snapshot {snap} --description \"new hires since Monday are not provisioned\" --idp-users {idp_users} --scope-filter {scope} --provisioning-logs {logs} --out ticket.zip"),
    ];
    out.print(&(lines.join("\n") + "\n"))?;
    Ok(0)
}

/// A private scratch directory for the demo's input files, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new() -> Result<Self, ToolError> {
        let dir = std::env::temp_dir().join(format!(
            "scim-doctor-demo-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| {
            ToolError(format!(
                "cannot create a scratch directory {}: {e}",
                dir.display()
            ))
        })?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The demo's inputs as the `check` options an admin would pass for them; the plan and the
/// bundle both read them from here.
fn audit_args(inputs: &crate::demo::inputs::DemoInputs) -> crate::cli::args::AuditArgs {
    crate::cli::args::AuditArgs {
        licenses: Some(inputs.licenses),
        ldap_groups: Some(inputs.ldap_groups.clone()),
        scope_filter: Some(inputs.scope_filter.clone()),
        idp_users: Some(inputs.idp_users.clone()),
        provisioning_logs: vec![inputs.provisioning_logs.clone()],
        idp_config: inputs.idp_config.clone(),
        ..Default::default()
    }
}

/// The plan the demo runs: a live source on the embedded server, every default otherwise.
/// Extra inputs (licences, scoping filter, IdP users, provisioning logs) belong here.
fn plan(
    base_url: &str,
    token: SecretString,
    inputs: &crate::demo::inputs::DemoInputs,
    out: &Output,
) -> Result<Plan, ToolError> {
    let base = url::Url::parse(base_url)
        .map_err(|e| ToolError(format!("demo server URL {base_url}: {e}")))?;
    let endpoint = Endpoint {
        raw_base_url: base_url.to_string(),
        base_url: base,
        auth: Auth::Bearer(token),
        headers: Vec::new(),
        ca_cert_pem: None,
        insecure: false,
        timeout: Duration::from_secs(30),
        max_body_bytes: 64 * 1024 * 1024,
    };
    let client = HttpClient::new(endpoint, Transcript::logging(out.verbose))?;
    let audit = audit_args(inputs);
    Ok(Plan {
        source: Source::Live(client),
        others: Vec::new(),
        other_tenants: Vec::new(),
        fetch: FetchOptions::default(),
        fetch_tenant: true,
        playbooks: crate::commands::plan::playbooks(&audit, DEMO_PLAYBOOK)?,
        profile: crate::profile::load("default", None)?,
        license: crate::checks::LicenseOptions {
            seats: audit.licenses,
            mode: audit.license_mode,
            groups: Vec::new(),
        },
        ldap_groups: Some(crate::commands::plan::ldap_groups(&inputs.ldap_groups)?),
        scope: crate::scope::ScopeInputs::load(
            audit.scope_filter.as_deref(),
            audit.idp_users.as_deref(),
        )
        .map_err(ToolError)?,
        logs: crate::commands::plan::provisioning_logs(&audit, out)?,
        idp: crate::commands::plan::idp_config(&audit, out)?,
    })
}
