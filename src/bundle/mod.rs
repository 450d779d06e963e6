//! The support-ticket bundle: one zip a customer can attach to a ticket, with nothing secret
//! in it. `prepare` builds every file in memory (summary, report, CSVs, transcript, snapshot,
//! environment), pseudonymises personal data when asked, scrubs secrets from every file as
//! a last line of defence and adds the manifest; `Prepared::commit` writes the zip
//! atomically plus `<zip>.sha256` (and `<zip>.map.json`, outside the zip).

pub mod environment;
mod feistel;
pub mod given;
pub mod idpfiles;
pub mod inputs;
mod kinds;
pub mod layout;
mod mapfile;
mod named;
mod naming;
mod paths;
pub mod policy;
mod recent;
mod redacted_line;
mod writer;
pub use naming::{default_name, sanitize};
pub mod pseudo;
pub mod redact;
pub mod reload;
pub mod scope_verdicts;
pub mod structural;
pub mod summary;
mod symptoms;

use crate::archive;
use crate::engine::Outcome;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

#[derive(Debug, Clone, Default)]
pub struct BundleOptions {
    /// A file path, an existing directory (generated name inside it), or None (generated
    /// name in the current directory).
    pub path: Option<PathBuf>,
    pub case_id: Option<String>,
    pub label: Option<String>,
    pub description: Option<String>,
    pub redact_pii: bool,
    pub keep_domains: bool,
    /// `--keep-clear ATTR`: attributes whose values stay readable with --redact-pii.
    pub keep_clear: Vec<String>,
    pub map_file: Option<PathBuf>,
    pub no_snapshot: bool,
    /// The IdP (`--idp`), else detected from the inputs.
    pub idp: Option<String>,
    /// Who the support engineer should answer (`--contact`); kept as typed.
    pub contact: Option<String>,
    /// What the admin already tried (`--steps-taken`).
    pub steps_taken: Option<String>,
    /// The run's inputs, put under `inputs/` so the bundle reproduces the run.
    pub inputs: Option<inputs::RunInputs>,
    /// An earlier bundle to compare with (`--baseline`): adds diff.md and diff.json.
    pub baseline: Option<Baseline>,
    /// Progress bars on stderr while the bundle is written (off with -q and off a terminal).
    pub progress: bool,
}

/// `--baseline`: the earlier bundle (or report or snapshot) and the comparison to run against
/// it. The diff reads bundles, so it is a layer above this module: the command hands its
/// function in (`diff::for_bundle`) instead of the bundle importing it.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    pub compare: CompareFn,
}

/// This run (report, tenant, whether they are pseudonymised) compared with the run at the
/// path: (diff.md, diff.json, the one-line headline), or why the path could not be read or
/// why the two cannot be compared (one side pseudonymised, the other in clear).
pub type CompareFn = fn(
    &std::path::Path,
    &crate::report::Report,
    Option<&crate::model::Tenant>,
    bool,
) -> Result<(String, String, String), String>;

#[derive(Debug, Clone)]
pub struct BundleWritten {
    pub path: PathBuf,
    pub sha256: String,
    /// The pseudonym map (outside the zip), with --redact-pii.
    pub map_path: Option<PathBuf>,
    /// With --redact-pii: what stayed readable on request and what travels instead of real
    /// values (the caller prints them on stderr).
    pub privacy_notes: Vec<String>,
}

/// A bundle ready to be written: every file but the snapshot's resources (streamed from
/// the tenant when the zip is written) and the manifest.
pub struct Prepared<'a> {
    pub path: PathBuf,
    /// The entries in order; `writer::STREAMED` names stand empty for the streamed ones.
    pub files: Vec<(String, Vec<u8>)>,
    /// The tenant whose users and groups the snapshot streams (None: no snapshot).
    pub tenant: Option<&'a crate::model::Tenant>,
    pub map: Option<(redact::PiiMap, PathBuf)>,
    pub privacy_notes: Vec<String>,
    pub generated_at: String,
    /// A progress bar on stderr while the snapshot is written.
    pub progress: bool,
}

const DESCRIPTIONS: &[(&str, &str)] = &[
    ("summary.md", "this ticket text"),
    ("report.json", "the full report (JSON contract, every subject of every check)"),
    ("report.html", "the report as one self-contained page to open in a browser (charts, filterable tables)"),
    ("checks/checks.csv", "one row per check: status, count, message, remediation"),
    ("checks/", "one CSV per check that ran, with its subjects (`<check-id>.csv`); a skipped check has its row in checks.csv only"),
    ("requests.jsonl", "every HTTP exchange of the run: method, URL, status, timings, headers, body excerpt; credentials removed"),
    ("snapshot/", "the tenant as read (users.ndjson, groups.ndjson, discovery), reloadable with --snapshot"),
    ("inputs/", "the run's other inputs (IdP export, scoping filter, provisioning logs, LDAP groups, IdP configuration files, other directories, licence options, profile, playbooks: `inputs/inputs.json`), read back by `check --snapshot <zip>`"),
    ("environment.json", "tool version, OS, command line with secrets masked, notable flags, time zone"),
    ("manifest.json", "size and SHA-256 of every file"),
];

/// Stands in for `--contact` while the summary goes through the pseudonymiser: the contact
/// is given to be reached, so it stays as typed.
const CONTACT_SLOT: &str = "\u{1}scim-doctor-contact\u{1}";

/// The IdP: as given, else what the inputs show (Entra logs, filters and exports, schema
/// and job files; Okta user exports, System Log and app exports), else `None`.
pub fn detect_idp(opts: &BundleOptions) -> (Option<String>, &'static str) {
    if let Some(i) = &opts.idp {
        return (Some(i.clone()), "given with --idp");
    }
    let Some(inp) = &opts.inputs else {
        return (None, "");
    };
    if let Some(f) = &inp.idp_users {
        let text = String::from_utf8_lossy(&f.bytes);
        if let Ok(e) =
            crate::scope::export::parse_users(&f.given_as, text.trim_start_matches('\u{feff}'))
        {
            return match e.format {
                crate::scope::ExportFormat::OktaCsv => {
                    (Some("okta".into()), "detected from the Okta users export")
                }
                _ => (Some("entra".into()), "detected from the Entra users export"),
            };
        }
    }
    // The IdP's own configuration files name their IdP by their shape.
    for f in &inp.idp_config {
        match idpfiles::kind_of(f) {
            Some(crate::idpconfig::Kind::EntraSchema | crate::idpconfig::Kind::EntraJob) => {
                return (
                    Some("entra".into()),
                    "detected from the Entra synchronization schema/job",
                )
            }
            Some(_) => {
                return (
                    Some("okta".into()),
                    "detected from the Okta System Log / app export",
                )
            }
            None => {}
        }
    }
    if !inp.provisioning_logs.is_empty() {
        return (
            Some("entra".into()),
            "detected from the Entra provisioning logs",
        );
    }
    if inp.scope_filter.is_some() {
        return (
            Some("entra".into()),
            "detected from the Entra scoping filter",
        );
    }
    (None, "")
}

pub fn prepare<'a>(
    outcome: &'a Outcome,
    opts: &BundleOptions,
    command_line: &[String],
) -> Result<Prepared<'a>, String> {
    let report = &outcome.report;
    let path = naming::destination(outcome, opts);
    let mut run_inputs = opts.inputs.clone().unwrap_or_default();
    if run_inputs.playbooks.is_empty() {
        run_inputs.playbooks = report.playbooks.iter().map(|p| p.id.clone()).collect();
    }
    let mut transcript = outcome.transcript.entries();

    // Pseudonymisation first: what stays in the clear, and the values the free-text files
    // may hold, must be known before any file is written. The snapshot itself is
    // pseudonymised as it is written (`writer`).
    let mut pii = None;
    let mut snapshot_label = None;
    if opts.redact_pii {
        let mut map = match &opts.map_file {
            Some(p) if p.exists() => redact::PiiMap::open(p, opts.keep_domains)?,
            _ => redact::PiiMap::new(opts.keep_domains),
        };
        inputs::prepare_map(
            &mut map,
            &run_inputs,
            outcome.tenant.as_ref(),
            &opts.keep_clear,
        );
        run_inputs.license.groups = run_inputs
            .license
            .groups
            .iter()
            .map(|g| map.add("license-group", g))
            .collect();
        for e in &mut transcript {
            e.body_excerpt = redact::trim_cut_value(&e.body_excerpt);
        }
        if let Some(t) = &outcome.tenant {
            named::record(&mut map, t, report, &transcript);
            named::record_shared(&mut map, t, &run_inputs);
            // A snapshot's label is free text (typed, or a directory name); a live run's is
            // the endpoint host, which requests.jsonl shows anyway.
            if report.source.kind == crate::report::SourceKind::Snapshot {
                snapshot_label = Some(map.add("snapshot label", &t.label));
            }
        }
        if report.source.kind == crate::report::SourceKind::Snapshot {
            map.add("snapshot path", &report.source.label);
        }
        // The other paths (input files, --out, --baseline, the program): a directory may be
        // named after a person, and the paths stand in environment.json's command line and
        // in findings' data (the scoping filter's file name).
        let given = run_inputs
            .idp_users
            .iter()
            .chain(&run_inputs.scope_filter)
            .chain(&run_inputs.provisioning_logs)
            .chain(&run_inputs.ldap_groups)
            .chain(&run_inputs.idp_config)
            .chain(&run_inputs.scope_verdicts)
            .map(|f| f.given_as.clone());
        for p in environment::path_args(command_line)
            .into_iter()
            .chain(given)
        {
            map.add("path", &p);
        }
        run_inputs.other_snapshots = run_inputs
            .other_snapshots
            .iter()
            .map(|t| structural::redact_tenant(&mut map, t))
            .collect();
        // A safety net for values a check found somewhere else.
        for c in &report.checks {
            for s in &c.subjects {
                for v in s
                    .user_name
                    .iter()
                    .chain(&s.emails)
                    .chain(&s.external_id)
                    .chain(&s.display_name)
                {
                    if *v != s.id {
                        map.add("report", v);
                    }
                }
            }
        }
        pii = Some(map);
    }
    // The whole tenant pseudonymised in memory, only for what needs it: the comparison
    // with a baseline, and the scoping verdicts the real values gave.
    let needs_copy = opts.baseline.is_some() || scope_verdicts::evaluated(&run_inputs);
    let redacted_tenant = match (&pii, &outcome.tenant) {
        (Some(map), Some(t)) if needs_copy => {
            let mut r = structural::redact_tenant_quietly(&map.policy, t);
            if let Some(l) = &snapshot_label {
                r.label = l.clone();
            }
            Some(r)
        }
        _ => None,
    };
    let redactor = pii.as_ref().map(|m| m.redactor()).transpose()?;
    // Data and what the user typed: every known value wherever it stands.
    let apply = |text: &str| -> Vec<u8> {
        match &redactor {
            Some(r) => r.apply(text).into_bytes(),
            None => text.as_bytes().to_vec(),
        }
    };
    // The tool's own text: values only where a finding embeds them as values.
    let apply_tool = |text: &str| -> Vec<u8> {
        match &redactor {
            Some(r) => r.apply_to_tool_text(text).into_bytes(),
            None => text.as_bytes().to_vec(),
        }
    };
    let typed = |text: Option<&str>| -> Option<String> {
        text.map(|t| String::from_utf8_lossy(&apply(t)).into_owned())
    };

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let report_json = crate::render::json::render(report);
    let report_json = match &pii {
        Some(map) => idpfiles::report_json(&report_json, map),
        None => report_json,
    };
    let report_json = match &redactor {
        Some(r) => r.report_json(&report_json),
        None => report_json,
    };
    files.push(("report.json".into(), report_json.into_bytes()));
    // --- issue 15 hook (html branch): the HTML report, and the diff with --baseline ---
    // With --redact-pii the page is rendered from the redacted report.json and tenant: HTML
    // escaping would hide values like o'brien from the text redactor.
    let redacted_report = if opts.redact_pii {
        Some(
            files
                .last()
                .and_then(|(_, b)| serde_json::from_slice::<crate::report::Report>(b).ok())
                .ok_or("cannot render report.html from the redacted report")?,
        )
    } else {
        None
    };
    let page = match (&redacted_report, &pii) {
        (Some(redacted), Some(map)) => {
            crate::render::html::render_relabelled(redacted, outcome.tenant.as_ref(), &|d| {
                writer::domain_pseudonym(&map.policy, d)
            })
        }
        _ => crate::render::html::render(report, outcome.tenant.as_ref()),
    };
    files.push(("report.html".into(), page.into_bytes()));
    // With --redact-pii the comparison reads what the bundle holds (pseudonyms), so that a
    // baseline redacted with the same map (--map-file) pairs the same users; a baseline in
    // clear is refused, as `diff` refuses it.
    let baseline = match &opts.baseline {
        Some(old) => Some(
            (old.compare)(
                &old.path,
                redacted_report.as_ref().unwrap_or(report),
                match &redacted_report {
                    Some(_) => redacted_tenant.as_ref(),
                    None => outcome.tenant.as_ref(),
                },
                opts.redact_pii,
            )
            .map_err(|e| format!("--baseline {}: {e}", old.path.display()))?,
        ),
        None => None,
    };
    if let Some((md, json, _)) = &baseline {
        files.push(("diff.md".into(), apply_tool(md)));
        files.push(("diff.json".into(), apply_tool(json)));
    }
    // --- end of hook ---
    for (name, bytes) in crate::render::csv::per_check_files(report) {
        files.push((
            format!("checks/{name}"),
            apply_tool(&String::from_utf8_lossy(&bytes)),
        ));
    }
    let mut requests = String::new();
    for e in &transcript {
        if let Ok(line) = serde_json::to_string(e) {
            requests.push_str(&crate::secret::scrub(&line));
            requests.push('\n');
        }
    }
    files.push(("requests.jsonl".into(), apply(&requests)));
    let with_snapshot = !opts.no_snapshot && outcome.tenant.is_some();
    if let (true, Some(t)) = (with_snapshot, &outcome.tenant) {
        let mut meta = crate::source::snapshot::SnapshotMeta::of(t, transcript.len(), None);
        if let Some(l) = &snapshot_label {
            meta.label = l.clone();
        }
        let others = crate::source::snapshot::other_files(t, &transcript, &meta);
        let mut others = others.into_iter();
        // The meta first, then the resources (streamed when the zip is written), then the
        // discovery documents and the transcript.
        if let Some((name, bytes)) = others.next() {
            files.push((format!("snapshot/{name}"), bytes));
        }
        for name in writer::STREAMED {
            files.push((name.to_string(), Vec::new()));
        }
        for (name, bytes) in others {
            // The transcript is free text; discovery documents hold no resource.
            let bytes = if name.ends_with(".jsonl") {
                apply(&String::from_utf8_lossy(&bytes))
            } else {
                bytes
            };
            files.push((format!("snapshot/{name}"), bytes));
        }
    }
    // The scoping verdicts the real values gave, for the values the bundle pseudonymises;
    // a bundle made from a bundle carries the verdicts it was given.
    let mut privacy_notes = Vec::new();
    let verdicts: Option<Vec<u8>> = if opts.redact_pii {
        let shown_idp = run_inputs
            .idp_users
            .as_ref()
            .map(|f| inputs::idp_users_bytes(f, redactor.as_ref()));
        scope_verdicts::compute(
            &run_inputs,
            outcome.tenant.as_ref(),
            redacted_tenant.as_ref(),
            shown_idp.as_deref(),
        )
        .map(|k| {
            privacy_notes.push(format!(
                "--redact-pii: the scoping filter reads values that are pseudonymised; {} verdict(s) computed on the real values travel in {} (no real value in it), so re-analysing the bundle gives the same scope",
                k.len(),
                inputs::SCOPE_VERDICTS
            ));
            serde_json::to_vec_pretty(&k).unwrap_or_default()
        })
    } else {
        None
    };
    let verdicts = verdicts.or_else(|| run_inputs.scope_verdicts.as_ref().map(|f| f.bytes.clone()));
    let inputs_files = inputs::files(
        &run_inputs,
        pii.as_ref(),
        redactor.as_ref(),
        verdicts.as_deref(),
    );
    let used_inputs = inputs::describe(&run_inputs);
    files.extend(inputs_files);
    let notable = environment::Notable {
        insecure: report.source.insecure,
        redact_pii: opts.redact_pii,
        keep_domains: opts.keep_domains,
        no_snapshot: opts.no_snapshot,
    };
    let env = environment::build(command_line, &notable, report);
    files.push((
        "environment.json".into(),
        apply(&serde_json::to_string_pretty(&env).unwrap_or_default()),
    ));

    let mut contents: Vec<(String, String)> = DESCRIPTIONS
        .iter()
        .filter(|(p, _)| with_snapshot || *p != "snapshot/")
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .collect();
    if let Some(old) = &opts.baseline {
        // issue 15 hook: what the --baseline files are.
        let what = format!("this run compared with {}", old.path.display());
        contents.push(("diff.md".into(), what.clone()));
        contents.push(("diff.json".into(), what + " (machine-readable)"));
    }
    let (idp, idp_how) = detect_idp(opts);
    // What the user typed is data for the pseudonymiser (a name there is replaced wherever
    // it stands); the summary's own words are the tool's text.
    let (label, description, steps_taken) = (
        typed(opts.label.as_deref()),
        typed(opts.description.as_deref()),
        typed(opts.steps_taken.as_deref()),
    );
    let summary_report = match (&pii, &report.source.kind) {
        (Some(map), crate::report::SourceKind::Snapshot) => {
            let mut r = report.clone();
            if let Some(p) = map.pseudonym(&r.source.label) {
                r.source.label = p.to_string();
            }
            Some(r)
        }
        _ => None,
    };
    let summary = summary::render(&summary::SummaryInput {
        report: summary_report.as_ref().unwrap_or(report),
        tenant: outcome.tenant.as_ref(),
        case_id: opts.case_id.as_deref(),
        label: label.as_deref(),
        description: description.as_deref(),
        contents: &contents,
        redacted: opts.redact_pii,
        keep_domains: opts.keep_domains,
        kept: pii.as_ref().map(|m| m.kept.as_slice()).unwrap_or_default(),
        idp: idp.as_deref(),
        idp_how,
        contact: opts.contact.as_ref().map(|_| CONTACT_SLOT),
        steps_taken: steps_taken.as_deref(),
        inputs: &used_inputs,
        reanalyse: with_snapshot,
    });
    // issue 15 hook: one line under the title with the diff headline.
    let summary = match (&baseline, &opts.baseline) {
        (Some((_, _, headline)), Some(old)) => {
            let line = format!(
                "- Compared with the baseline {}: {} (details in diff.md)\n",
                crate::render::markdown::code(&old.path.display().to_string()),
                headline.replace('\n', " ")
            );
            match summary.find("\n## ") {
                Some(i) => format!("{}{}{}", &summary[..i], line, &summary[i..]),
                None => summary + &line,
            }
        }
        _ => summary,
    };
    let summary = String::from_utf8_lossy(&apply_tool(&summary)).replace(
        CONTACT_SLOT,
        &crate::render::markdown::text(
            &opts
                .contact
                .as_deref()
                .unwrap_or("")
                .trim()
                .replace('\n', " "),
        ),
    );
    files.insert(0, ("summary.md".into(), summary.into_bytes()));

    if let Some(m) = &pii {
        let mut by_reason: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for k in m
            .kept
            .iter()
            .filter(|k| k.reason.starts_with("--keep-clear"))
        {
            by_reason.entry(&k.reason).or_default().push(&k.value);
        }
        for (reason, values) in by_reason {
            let shown: Vec<&str> = values.iter().take(10).copied().collect();
            privacy_notes.push(format!(
                "--redact-pii: {} value(s) left readable because of {reason}: {}{} (all listed in summary.md)",
                values.len(),
                shown.join(", "),
                if values.len() > 10 { ", ..." } else { "" }
            ));
        }
    }
    let map = pii.map(|pii| {
        let map_path = opts
            .map_file
            .clone()
            .unwrap_or_else(|| archive::sidecar(&path, "map.json"));
        (pii, map_path)
    });
    // Last line of defence: no registered secret leaves in any file, whatever its origin.
    for (_, bytes) in files.iter_mut() {
        let text = String::from_utf8_lossy(bytes);
        if !crate::secret::is_clean(&text) {
            *bytes = crate::secret::scrub(&text).into_bytes();
        }
    }
    Ok(Prepared {
        path,
        files,
        tenant: outcome.tenant.as_ref().filter(|_| with_snapshot),
        map,
        privacy_notes,
        generated_at: report.generated_at.clone(),
        progress: opts.progress,
    })
}

/// Builds and writes a bundle for `outcome` (used by `check --bundle`, `bundle` and `demo`).
/// `command_line` is the process arguments; secrets in it are masked.
pub fn write(
    outcome: &Outcome,
    opts: &BundleOptions,
    command_line: &[String],
) -> anyhow::Result<BundleWritten> {
    let prepared = prepare(outcome, opts, command_line).map_err(anyhow::Error::msg)?;
    prepared
        .commit(&AtomicBool::new(false))
        .map_err(anyhow::Error::msg)
}
