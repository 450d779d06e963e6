//! `bundle` (check with every playbook, then write the support bundle), `bundle verify`,
//! and the bundle step shared with `check --bundle`: option resolution, writing with
//! Ctrl-C handling, and the notes that tell the user where the files went.

use crate::archive;
use crate::bundle::{self, inputs, BundleOptions};
use crate::cli::args::{
    AuditArgs, BundleAction, BundleArgs, BundleCommandArgs, Format, IdpKind, SourceArgs,
};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::engine::Outcome;
use crate::source::fetch::Progress;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Largest --description-file accepted (it goes into a ticket, not a book).
const MAX_DESCRIPTION_BYTES: u64 = 64 * 1024;

/// Flags -> `BundleOptions`; reads --description-file.
pub fn options(a: &BundleArgs) -> Result<BundleOptions, ToolError> {
    let description = match (&a.description, &a.description_file) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(p)) => {
            let meta = std::fs::metadata(p)
                .map_err(|e| format!("cannot read --description-file {}: {e}", p.display()))?;
            if meta.len() > MAX_DESCRIPTION_BYTES {
                return Err(ToolError(format!(
                    "--description-file {} is larger than 64 KiB",
                    p.display()
                )));
            }
            let bytes = std::fs::read(p)
                .map_err(|e| format!("cannot read --description-file {}: {e}", p.display()))?;
            let text = crate::input::decode(&bytes)
                .map_err(|e| format!("--description-file {}: {e}", p.display()))?;
            Some(text.into_owned())
        }
        (None, None) => None,
    };
    Ok(BundleOptions {
        path: a.bundle.clone(),
        case_id: a.case_id.clone(),
        label: a.label.clone(),
        description,
        redact_pii: a.redact_pii,
        keep_domains: a.keep_domains,
        keep_clear: a.keep_clear.clone(),
        map_file: a.map_file.clone(),
        no_snapshot: a.no_snapshot,
        // `rfc` names replay's RFC 7644 sequence, not an identity provider.
        idp: a.idp.filter(|i| *i != IdpKind::Rfc).map(|i| {
            clap::ValueEnum::to_possible_value(&i)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        }),
        contact: a.contact.clone(),
        steps_taken: a.steps_taken.clone(),
        inputs: None,
        baseline: a.baseline.clone().map(|path| bundle::Baseline {
            path,
            compare: crate::diff::for_bundle,
        }),
        progress: false,
    })
}

/// The run's inputs, read from the files the flags name, for `inputs/` in the bundle.
pub fn run_inputs(a: &AuditArgs, s: &SourceArgs) -> Result<inputs::RunInputs, ToolError> {
    let read = |p: &std::path::Path| inputs::read_input(p).map_err(ToolError);
    let mut others = Vec::new();
    for p in &s.other_snapshot {
        others.push(
            crate::source::snapshot::load(p)
                .map_err(|e| ToolError(format!("--other-snapshot {}: {e:#}", p.display())))?,
        );
    }
    let routed = super::plan::route(a);
    let mut given = inputs::RunInputs {
        playbooks: a.playbooks.clone(),
        profile: a.profile.clone(),
        license: crate::checks::LicenseOptions {
            seats: a.licenses,
            mode: a.license_mode,
            groups: a.license_groups.clone(),
        },
        idp_users: a.idp_users.as_deref().map(read).transpose()?,
        scope_filter: a.scope_filter.as_deref().map(read).transpose()?,
        // Each file under the flag the run read it with (an Okta System Log given with
        // --provisioning-logs is stored as --idp-config, an Entra log given with
        // --idp-config as --provisioning-logs), so `check --snapshot bundle.zip` reads it
        // with the same reader and reproduces its findings.
        provisioning_logs: routed
            .logs
            .iter()
            .map(|p| read(p))
            .collect::<Result<_, _>>()?,
        ldap_groups: a.ldap_groups.as_deref().map(read).transpose()?,
        idp_config: routed
            .idp
            .iter()
            .map(|p| read(p))
            .collect::<Result<_, _>>()?,
        routed: routed
            .idp
            .iter()
            .filter(|p| !a.idp_config.contains(p))
            .chain(
                routed
                    .logs
                    .iter()
                    .filter(|p| !a.provisioning_logs.contains(p)),
            )
            .map(|p| p.display().to_string())
            .collect(),
        other_snapshots: others,
        overrides: match &a.playbooks_dir {
            Some(d) => inputs::read_overrides(d).map_err(ToolError)?,
            None => Vec::new(),
        },
        scope_verdicts: None,
    };
    // A bundle made from a bundle carries the first one's inputs (what the command line
    // gives wins, as when the run reads them).
    if let Some(zip) = s.snapshot.as_deref().filter(|p| p.is_file()) {
        if let Ok(Some(old)) = crate::bundle::reload::raw_from_bundle(zip) {
            inherit(&mut given, old, a);
        }
    }
    Ok(given)
}

fn inherit(given: &mut inputs::RunInputs, old: inputs::RunInputs, a: &AuditArgs) {
    if a.playbooks.is_empty() && a.playbooks_dir.is_none() {
        given.playbooks = old.playbooks;
        given.overrides = old.overrides;
    }
    if a.profile == "default" && a.playbooks_dir.is_none() && !old.profile.is_empty() {
        given.profile = old.profile;
    }
    if a.licenses.is_none() && a.license_groups.is_empty() {
        given.license = old.license;
    }
    given.idp_users = given.idp_users.take().or(old.idp_users);
    given.scope_filter = given.scope_filter.take().or(old.scope_filter);
    given.ldap_groups = given.ldap_groups.take().or(old.ldap_groups);
    if given.provisioning_logs.is_empty() {
        given.provisioning_logs = old.provisioning_logs;
    }
    if given.idp_config.is_empty() {
        given.idp_config = old.idp_config;
    }
    if given.other_snapshots.is_empty() {
        given.other_snapshots = old.other_snapshots;
    }
    given.scope_verdicts = given.scope_verdicts.take().or(old.scope_verdicts);
}

/// Prints the report; with a bundle, its path and SHA-256 too: inside the JSON report as
/// `bundle`, else after the report on stdout (`on_stdout`, when the bundle is the
/// command's product) or as notes on stderr.
pub fn report_with_bundle(
    out: &Output,
    report: &crate::report::Report,
    tenant: Option<&crate::model::Tenant>,
    written: Option<&bundle::BundleWritten>,
    on_stdout: bool,
) -> Result<i32, ToolError> {
    let Some(w) = written else {
        return Ok(out.report_with(report, tenant)?);
    };
    if out.format == Format::Json {
        let text = crate::render::render(report, out.format, &out.render_options());
        let mut v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("cannot add the bundle to the JSON report: {e}"))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("bundle".into(), bundle_json(w));
        }
        let mut text = serde_json::to_string_pretty(&v).unwrap_or(text);
        text.push('\n');
        out.print(&text)?;
        return Ok(report.exit_code(out.fail_on));
    }
    let code = out.report_with(report, tenant)?;
    let lines = bundle_lines(w);
    if on_stdout && matches!(out.format, Format::Human | Format::Markdown) {
        out.print(&format!("\n{lines}"))?;
    } else if on_stdout {
        // CSV and JUnit on stdout must stay parseable: the product's location goes to stderr,
        // even with -q.
        eprint!("{}", crate::secret::scrub(&lines));
    } else {
        for l in lines.lines() {
            out.note(l);
        }
    }
    Ok(code)
}

fn bundle_json(w: &bundle::BundleWritten) -> serde_json::Value {
    serde_json::json!({
        "path": w.path.display().to_string(),
        "sha256": w.sha256,
        "sha256_file": archive::sidecar(&w.path, "sha256").display().to_string(),
        "map": w.map_path.as_ref().map(|p| p.display().to_string()),
    })
}

pub fn bundle_lines(w: &bundle::BundleWritten) -> String {
    let mut s = format!(
        "bundle written: {}\nsha256: {}  (also in {})\n",
        w.path.display(),
        w.sha256,
        archive::sidecar(&w.path, "sha256").display()
    );
    if let Some(m) = &w.map_path {
        s.push_str(&format!(
            "pseudonym map (keep it private, it is not in the zip): {}\n",
            m.display()
        ));
    }
    s
}

/// Writes the bundle; Ctrl-C while writing removes the partial file. Prints where the
/// files went on stderr (stdout carries the report).
pub async fn write_and_announce(
    outcome: &Outcome,
    opts: &BundleOptions,
    out: &Output,
) -> Result<bundle::BundleWritten, ToolError> {
    let written = write(outcome, opts).await?;
    for l in bundle_lines(&written).lines() {
        out.note(l);
    }
    Ok(written)
}

/// The stop signals, listened to from the moment this is made: Ctrl-C (SIGINT), SIGTERM
/// (`timeout`, CI cancellation, `docker stop`) and SIGHUP (a closed terminal). Made before
/// the first byte is written, so that no signal can find the default action (which would
/// end the process with the partial file left behind).
#[cfg(unix)]
struct StopSignals(Vec<(tokio::signal::unix::Signal, &'static str)>);

#[cfg(unix)]
impl StopSignals {
    fn listen() -> Self {
        use tokio::signal::unix::{signal, SignalKind};
        StopSignals(
            [
                (SignalKind::interrupt(), "Ctrl-C"),
                (SignalKind::terminate(), "SIGTERM"),
                (SignalKind::hangup(), "SIGHUP"),
            ]
            .into_iter()
            .filter_map(|(k, name)| signal(k).ok().map(|s| (s, name)))
            .collect(),
        )
    }

    /// Resolves when one of the signals arrives; says which.
    async fn stopped(mut self) -> &'static str {
        if self.0.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.0.iter_mut().map(|(s, name)| {
            Box::pin(async move {
                s.recv().await;
                *name
            })
        });
        futures::future::select_all(waits).await.0
    }
}

#[cfg(not(unix))]
struct StopSignals;

#[cfg(not(unix))]
impl StopSignals {
    fn listen() -> Self {
        StopSignals
    }

    async fn stopped(self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Writes the bundle; Ctrl-C, SIGTERM or SIGHUP while writing removes the partial file.
pub async fn write(
    outcome: &Outcome,
    opts: &BundleOptions,
) -> Result<bundle::BundleWritten, ToolError> {
    let args: Vec<String> = std::env::args().collect();
    let phase = Progress {
        enabled: opts.progress,
    }
    .phase(if opts.redact_pii {
        "writing the report and the ticket, pseudonymised"
    } else {
        "writing the report and the ticket"
    });
    let prepared = bundle::prepare(outcome, opts, &args);
    phase.finish_and_clear();
    let prepared = prepared?;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    // The signal watcher runs on the runtime while this thread writes (the prepared bundle
    // borrows the outcome, so the write stays on this thread).
    let signals = StopSignals::listen();
    let watcher = tokio::spawn(async move {
        let which = signals.stopped().await;
        flag.store(true, Ordering::SeqCst);
        which
    });
    let result = tokio::task::block_in_place(|| prepared.commit(&cancel));
    if cancel.load(Ordering::SeqCst) {
        let which = watcher.await.unwrap_or("a signal");
        return Err(ToolError(format!(
            "interrupted ({which}) while writing the bundle; the partial file was removed"
        )));
    }
    watcher.abort();
    let result: Result<_, String> = Ok(result);
    let written = result??;
    // What --redact-pii left readable, or carried instead of values: always on the terminal
    // (also with -q), since the customer is about to send the file.
    for l in &written.privacy_notes {
        eprintln!("{}", crate::secret::scrub(l));
    }
    Ok(written)
}

pub async fn run(a: BundleCommandArgs, out: &Output) -> CmdResult {
    if let Some(BundleAction::Verify { path }) = &a.action {
        return verify(path, out);
    }
    let mut opts = options(&a.bundle)?;
    opts.progress = out.progress;
    if a.out.is_some() {
        opts.path = a.out.clone();
    }
    if opts.path.is_none() {
        opts.path = Some(std::path::PathBuf::from("."));
    }
    let mut audit = a.audit.clone();
    if audit.playbooks.is_empty() {
        // Every available playbook: a ticket should answer every symptom at once.
        audit.playbooks = crate::playbook::load(audit.playbooks_dir.as_deref())?
            .into_iter()
            .map(|p| p.id)
            .collect();
    }
    let plan = super::plan::build(
        &a.endpoint,
        &a.source,
        &a.fetch,
        &audit,
        crate::playbook::DEFAULT_PLAYBOOK,
        out,
    )?;
    let outcome = crate::engine::run(
        plan,
        &Progress {
            enabled: out.progress,
        },
    )
    .await?;
    opts.inputs = Some(run_inputs(&audit, &a.source)?);
    let written = write(&outcome, &opts).await?;
    report_with_bundle(
        out,
        &outcome.report,
        outcome.tenant.as_ref(),
        Some(&written),
        true,
    )
}

/// Exit 0 when every file matches, 1 on any mismatch (each named), 2 when unreadable.
fn verify(path: &std::path::Path, out: &Output) -> CmdResult {
    let v = archive::verify(path, archive::ReadLimits::default())?;
    let mut text = String::new();
    for p in &v.problems {
        text.push_str(&format!("MISMATCH {p}\n"));
    }
    let zip_hash = match v.zip_hash_ok {
        Some(true) => "zip SHA-256 matches its .sha256 file",
        Some(false) => "zip SHA-256 does NOT match its .sha256 file",
        None => "no .sha256 file beside the zip",
    };
    if v.problems.is_empty() {
        text.push_str(&format!(
            "ok: {} files match the manifest; {zip_hash}\n",
            v.files_ok
        ));
        out.print(&text)?;
        Ok(0)
    } else {
        text.push_str(&format!(
            "failed: {} problem(s), {} files match; {zip_hash}\n",
            v.problems.len(),
            v.files_ok
        ));
        out.print(&text)?;
        Ok(1)
    }
}
