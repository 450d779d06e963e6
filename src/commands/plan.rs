//! Flags -> `engine::Plan`: source (live or snapshot), fetch options, playbooks, profile,
//! licence options and offline inputs. All input validation happens here, before any I/O
//! on the endpoint, so bad input is exit code 2 with one clear line.

use crate::checks::LicenseOptions;
use crate::cli::args::{AuditArgs, EndpointArgs, FetchArgs, SourceArgs};
use crate::cli::output::Output;
use crate::cli::ToolError;
use crate::engine::{Plan, Source};
use crate::options::LicenseMode;
use crate::source::fetch::FetchOptions;
use crate::source::http::{HttpClient, Transcript};
use std::path::Path;
use std::time::Duration;

pub fn fetch_options(f: &FetchArgs) -> Result<FetchOptions, ToolError> {
    if f.concurrency == 0 || f.concurrency > 64 {
        return Err(ToolError("--concurrency must be between 1 and 64".into()));
    }
    if f.page_size == Some(0) {
        return Err(ToolError("--page-size must be at least 1".into()));
    }
    if f.max_pages == 0 {
        return Err(ToolError("--max-pages must be at least 1".into()));
    }
    if f.max_requests == Some(0) {
        return Err(ToolError("--max-requests must be at least 1".into()));
    }
    Ok(FetchOptions {
        concurrency: f.concurrency,
        page_size: f.page_size,
        max_pages: f.max_pages,
        max_requests: f.max_requests,
        deadline: Duration::from_secs(f.deadline.max(1)),
        retries: f.retries,
        probe_sample: f.probe_sample,
    })
}

/// Builds the HTTP client for a live endpoint, printing credential warnings.
pub fn live_client(e: &EndpointArgs, f: &FetchArgs, out: &Output) -> Result<HttpClient, ToolError> {
    let (endpoint, warnings) =
        crate::cli::endpoint::resolve(e, f.max_body_mib.max(1) * 1024 * 1024)?;
    for w in warnings {
        out.warn(&w);
    }
    Ok(HttpClient::new(endpoint, Transcript::logging(out.verbose))?)
}

pub fn source(
    e: &EndpointArgs,
    s: &SourceArgs,
    f: &FetchArgs,
    out: &Output,
) -> Result<Source, ToolError> {
    match (&s.snapshot, e.base_url()) {
        (Some(p), env_url) => {
            // Only the environment can get here with a URL (the flag conflicts with
            // --snapshot): an explicit --snapshot wins over an exported SCIM_BASE_URL.
            if env_url.is_some() {
                out.note(&format!(
                    "{} is set but ignored: --snapshot was given",
                    crate::cli::args::BASE_URL_ENV
                ));
            }
            Ok(Source::Snapshot(p.clone()))
        }
        (None, Some(_)) => Ok(Source::Live(live_client(e, f, out)?)),
        (None, None) => Err(ToolError(
            "no source: give --base-url (or SCIM_BASE_URL) for a live endpoint, or --snapshot PATH"
                .into(),
        )),
    }
}

/// Playbooks named with --playbook (default: full-audit), in the order given.
pub fn playbooks(
    a: &AuditArgs,
    default: &str,
) -> Result<Vec<crate::playbook::Playbook>, ToolError> {
    let all = crate::playbook::load(a.playbooks_dir.as_deref())?;
    let wanted: Vec<String> = if a.playbooks.is_empty() {
        vec![default.to_string()]
    } else {
        a.playbooks.clone()
    };
    let mut out = Vec::new();
    for id in wanted {
        match all.iter().find(|p| p.id == id) {
            Some(p) => out.push(p.clone()),
            None => {
                let known: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
                return Err(ToolError(format!(
                    "unknown playbook `{id}`; known playbooks: {}",
                    known.join(", ")
                )));
            }
        }
    }
    Ok(out)
}

/// Reads `--ldap-groups FILE` (CSV with a name-like column, or one name per line).
pub fn ldap_groups(path: &std::path::Path) -> Result<Vec<String>, ToolError> {
    let text = crate::input_file::read_text(path, "LDAP groups").map_err(ToolError)?;
    crate::checks::groups::parse_ldap_groups(&text)
        .map_err(|e| ToolError(format!("LDAP groups {}: {e}", path.display())))
}

pub fn build(
    e: &EndpointArgs,
    s: &SourceArgs,
    f: &FetchArgs,
    a: &AuditArgs,
    default_playbook: &str,
    out: &Output,
) -> Result<Plan, ToolError> {
    let playbooks = playbooks(a, default_playbook)?;
    let profile = crate::profile::load(&a.profile, a.playbooks_dir.as_deref())?;
    let fetch = fetch_options(f)?;
    let mut scope =
        crate::scope::ScopeInputs::load(a.scope_filter.as_deref(), a.idp_users.as_deref())
            .map_err(ToolError)?;
    let idp = idp_config(a, out)?;
    scope_from_schema(&mut scope, idp.as_ref(), out)?;
    let source = source(e, s, f, out)?;
    if a.license_mode == LicenseMode::Groups && a.license_groups.is_empty() {
        return Err(ToolError(
            "--license-mode groups needs --license-groups NAME,... (the groups licences are assigned to)".into(),
        ));
    }
    let ldap_groups = a.ldap_groups.as_deref().map(ldap_groups).transpose()?;
    let mut plan = Plan {
        source,
        others: s.other_snapshot.clone(),
        other_tenants: Vec::new(),
        fetch,
        fetch_tenant: true,
        playbooks,
        profile,
        license: LicenseOptions {
            seats: a.licenses,
            mode: a.license_mode,
            groups: a.license_groups.clone(),
        },
        ldap_groups,
        scope,
        logs: provisioning_logs(a, out)?,
        idp,
    };
    // Bundle (issue 12): a bundle zip brings back the inputs of the run that wrote it.
    if let Some(zip) = s.snapshot.as_deref().filter(|p| p.is_file()) {
        apply_bundle_inputs(zip, &mut plan, a, out)?;
    }
    Ok(plan)
}

/// Which reader each `--idp-config` / `--provisioning-logs` file goes to: an Okta System
/// Log given with `--provisioning-logs` is read as IdP configuration, an Entra provisioning
/// log given with `--idp-config` as provisioning logs, each with a note saying so. A file
/// that cannot be read stays with its flag, whose reader reports why.
struct Routed {
    idp: Vec<std::path::PathBuf>,
    logs: Vec<std::path::PathBuf>,
    idp_notes: Vec<String>,
    log_notes: Vec<String>,
}

fn route(a: &AuditArgs) -> Routed {
    let text = |p: &std::path::Path| {
        std::fs::read(p)
            .ok()
            .and_then(|b| crate::input::decode(&b).ok().map(|t| t.into_owned()))
    };
    let mut r = Routed {
        idp: Vec::new(),
        logs: Vec::new(),
        idp_notes: Vec::new(),
        log_notes: Vec::new(),
    };
    let entra_log = |p: &std::path::Path| {
        let Some(t) = text(p) else {
            return false;
        };
        if crate::idpconfig::okta::looks_like_log_text(&t) {
            return false;
        }
        crate::logs::looks_like_entra_log(&t)
            || (!t.trim_start().starts_with(['{', '['])
                && crate::logs::is_entra_log(&p.display().to_string(), t.as_bytes()))
    };
    for p in &a.idp_config {
        if entra_log(p) {
            r.log_notes.push(format!(
                "{} was given with --idp-config but is an Entra provisioning log: read as --provisioning-logs",
                p.display()
            ));
            r.logs.push(p.clone());
        } else {
            r.idp.push(p.clone());
        }
    }
    for p in &a.provisioning_logs {
        if text(p).is_some_and(|t| crate::idpconfig::okta::looks_like_log_text(&t)) {
            r.idp_notes.push(format!(
                "{} was given with --provisioning-logs but is an Okta System Log: read as --idp-config",
                p.display()
            ));
            r.idp.push(p.clone());
        } else {
            r.logs.push(p.clone());
        }
    }
    r
}

/// `check --snapshot bundle.zip`: fills in every input the command line did not give from
/// the bundle's `inputs/` (what was given on the command line wins), and says so on stderr.
pub fn apply_bundle_inputs(
    zip: &Path,
    plan: &mut Plan,
    a: &AuditArgs,
    out: &Output,
) -> Result<(), String> {
    let mut head = [0u8; 4];
    // Not a regular file (a pipe would block the open): the snapshot loader says what it is.
    let is_zip = std::fs::metadata(zip).is_ok_and(|m| m.is_file())
        && std::fs::File::open(zip)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
            .map(|_| head == *b"PK\x03\x04")
            .unwrap_or(false);
    if !is_zip {
        return Ok(());
    }
    let Some(b) = crate::bundle::reload::read_bundle(zip)? else {
        return Ok(());
    };
    let mut used = Vec::new();
    if a.playbooks.is_empty() && a.playbooks_dir.is_none() {
        if let Some(p) = b.playbooks {
            used.push(format!("playbooks {}", b.manifest.playbooks.join(", ")));
            plan.playbooks = p;
        }
    }
    if a.profile == "default" && a.playbooks_dir.is_none() {
        if let Some(p) = b.profile {
            used.push(format!("profile {}", p.id));
            plan.profile = p;
        }
    }
    if a.licenses.is_none() && a.license_groups.is_empty() && a.license_mode == LicenseMode::All {
        if let Some(l) = b.license {
            if l.seats.is_some() || !l.groups.is_empty() || l.mode != LicenseMode::All {
                used.push("licence options".into());
            }
            plan.license = l;
        }
    }
    if plan.scope.is_none() {
        if let Some(s) = b.scope {
            used.push("scoping filter / IdP users".into());
            plan.scope = Some(s);
        }
    }
    if plan.logs.is_none() {
        if let Some(l) = b.logs {
            used.push("provisioning logs".into());
            plan.logs = Some(l);
        }
    }
    if plan.ldap_groups.is_none() {
        if let Some(l) = b.ldap_groups {
            used.push("LDAP groups".into());
            plan.ldap_groups = Some(l);
        }
    }
    if plan.idp.is_none() {
        if let Some(cfg) = b.idp {
            used.push(format!("{} IdP configuration files", cfg.files.len()));
            plan.idp = Some(cfg);
            // As on the command line: without a scoping filter, the schema's scope is read.
            scope_from_schema(&mut plan.scope, plan.idp.as_ref(), out).map_err(|e| e.0)?;
        }
    }
    // A pseudonymised bundle: the scoping verdicts its real values gave.
    if let Some(k) = &b.known {
        let filter = plan.scope.as_mut().and_then(|s| s.filter.as_mut());
        match filter.map(|f| f.attach_known(k)) {
            Some(n) if n > 0 => used.push(format!(
                "scoping verdicts of {n} pseudonymised value(s), computed on the real values when the bundle was written (a pseudonym cannot answer ENDS_WITH, a regex or EQUALS as the real value did)"
            )),
            _ => out.note(
                "the bundle's scoping verdicts do not match the scoping filter of this run: pseudonymised values are evaluated as they read, so scope findings may differ from the original run",
            ),
        }
    }
    if plan.others.is_empty() && !b.others.is_empty() {
        used.push(format!("{} other directories", b.others.len()));
        plan.other_tenants = b.others;
    }
    if !used.is_empty() {
        out.note(&format!(
            "using the inputs recorded in the bundle: {}",
            used.join("; ")
        ));
    }
    Ok(())
}

/// `--idp-config`: read before any request, so an unreadable file is exit code 2.
pub fn idp_config(
    a: &AuditArgs,
    out: &Output,
) -> Result<Option<crate::idpconfig::IdpConfig>, ToolError> {
    let routed = route(a);
    if routed.idp.is_empty() {
        return Ok(None);
    }
    routed.idp_notes.iter().for_each(|n| out.note(n));
    let cfg = crate::idpconfig::load(&routed.idp).map_err(ToolError)?;
    out.note(&cfg.summary());
    Ok(Some(cfg))
}

/// Without `--scope-filter`, the scoping checks read the scope of the schema's User mapping.
pub fn scope_from_schema(
    scope: &mut Option<crate::scope::ScopeInputs>,
    idp: Option<&crate::idpconfig::IdpConfig>,
    out: &Output,
) -> Result<(), ToolError> {
    let Some(schema) = idp.and_then(|c| c.schema.as_ref()) else {
        return Ok(());
    };
    if scope.as_ref().is_some_and(|s| s.filter.is_some()) {
        return Ok(());
    }
    let filter = crate::scope::parse::from_json(&schema.file, &schema.document)
        .map_err(|e| ToolError(format!("--idp-config {e}")))?;
    out.note(&format!(
        "scoping filter taken from the synchronization schema {} (no --scope-filter given)",
        schema.file
    ));
    scope.get_or_insert_with(Default::default).filter = Some(filter);
    Ok(())
}

/// `--provisioning-logs`: read before any request, so an unreadable file is exit code 2.
pub fn provisioning_logs(
    a: &AuditArgs,
    out: &Output,
) -> Result<Option<crate::logs::LogInputs>, ToolError> {
    let routed = route(a);
    if routed.logs.is_empty() {
        return Ok(None);
    }
    routed.log_notes.iter().for_each(|n| out.note(n));
    let logs = crate::logs::load(&routed.logs).map_err(|e| ToolError(format!("{e:#}")))?;
    out.note(&crate::logs::summary_line(&logs));
    for c in &logs.understood {
        out.debug(&format!(
            "provisioning logs: {}: column `{}` -> {}",
            c.file,
            c.column,
            c.field.unwrap_or("")
        ));
    }
    Ok(Some(logs))
}
