//! `demo`: starts the embedded server on the bundled demo tenant with a random bearer token,
//! runs the full `check` (the `full-audit` playbook) against it over real HTTP through the
//! engine, prints the report and stops the server. Exit code per --fail-on, like `check`.

use crate::cli::args::DemoArgs;
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
    let (users, groups) = (tenant.users.len(), tenant.groups.len());
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
        let plan = plan(server.base_url(), token)?;
        let progress = Progress {
            enabled: out.progress,
        };
        crate::engine::run(plan, &progress).await.map_err(ToolError::from)
    }
    .await;
    // The run must be read-only; a write reaching the server is a scim-doctor bug.
    let writes = server.non_get_count();
    server.stop().await;
    if writes > 0 {
        out.warn(&format!(
            "the demo run sent {writes} non-GET requests; please report this as a bug"
        ));
    }
    let outcome = result?;
    if !a.no_bundle || a.bundle_path.is_some() {
        out.debug("the demo bundle is not written: bundles are not available in this build yet");
    }
    Ok(out.report(&outcome.report)?)
}

/// The plan the demo runs: a live source on the embedded server, every default otherwise.
/// Extra inputs (licences, scoping filter, IdP users, provisioning logs) belong here.
fn plan(base_url: &str, token: SecretString) -> Result<Plan, ToolError> {
    let base =
        url::Url::parse(base_url).map_err(|e| ToolError(format!("demo server URL {base_url}: {e}")))?;
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
    let client = HttpClient::new(endpoint, Transcript::default())?;
    let audit = crate::cli::args::AuditArgs::default();
    Ok(Plan {
        source: Source::Live(client),
        others: Vec::new(),
        fetch: FetchOptions::default(),
        fetch_tenant: true,
        playbooks: crate::commands::plan::playbooks(&audit, DEMO_PLAYBOOK)?,
        profile: crate::profile::load("default", None)?,
        license: Default::default(),
        ldap_groups: None,
        scope: None,
        logs: None,
    })
}
