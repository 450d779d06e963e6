//! The run's inputs in the bundle, so that `check --snapshot bundle.zip` alone reproduces
//! every finding: the IdP users export, the scoping filter, provisioning logs, LDAP group
//! list, other directories, licence options, the profile, the playbooks run and the
//! playbook/profile override files. They live under `inputs/`, described by
//! `inputs/inputs.json`; with `--redact-pii` they go through the same pseudonym map as the
//! tenant (the scoping filter stays as written; the verdicts a pseudonym cannot reproduce
//! are carried in `inputs/scope-verdicts.json`, see `scope_verdicts`).

pub(super) use super::given::text;
pub use super::given::InputFile;
use super::redact::PiiMap;
use crate::checks::LicenseOptions;
use crate::model::Tenant;
use crate::options::LicenseMode;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const DIR: &str = "inputs/";
pub const MANIFEST: &str = "inputs/inputs.json";
pub const FORMAT: &str = "scim-doctor-inputs/1";
/// With --redact-pii: the scoping verdicts of the real values (`scope_verdicts`).
pub const SCOPE_VERDICTS: &str = "inputs/scope-verdicts.json";

/// Everything a run used besides the tenant, read from the command line's files.
#[derive(Debug, Clone, Default)]
pub struct RunInputs {
    pub playbooks: Vec<String>,
    pub profile: String,
    pub license: LicenseOptions,
    pub idp_users: Option<InputFile>,
    pub scope_filter: Option<InputFile>,
    pub provisioning_logs: Vec<InputFile>,
    pub ldap_groups: Option<InputFile>,
    /// `--idp-config` files (Entra schema and job, Okta System Log and app exports).
    pub idp_config: Vec<InputFile>,
    pub other_snapshots: Vec<Tenant>,
    /// `--playbooks DIR`: its TOML files, relative to DIR (`x.toml`, `profiles/y.toml`).
    pub overrides: Vec<(String, Vec<u8>)>,
    /// The scoping verdicts a pseudonymised bundle carried (a bundle made from a bundle).
    pub scope_verdicts: Option<InputFile>,
}

/// `inputs/inputs.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub playbooks: Vec<String>,
    pub profile: String,
    pub licenses: Option<u64>,
    pub license_mode: String,
    pub license_groups: Vec<String>,
    /// Entry names inside the zip (under `inputs/`).
    pub idp_users: Option<String>,
    pub scope_filter: Option<String>,
    pub provisioning_logs: Vec<String>,
    pub ldap_groups: Option<String>,
    /// Absent from bundles written before idp-config files were carried.
    #[serde(default)]
    pub idp_config: Vec<String>,
    pub other_snapshots: Vec<String>,
    pub overrides: Vec<String>,
    /// With --redact-pii: the scoping verdicts computed on the real values
    /// (`SCOPE_VERDICTS`). Absent from bundles that need none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_verdicts: Option<String>,
}

/// Reads one input file the user named (the run has already parsed it: this keeps its bytes).
pub fn read_input(path: &Path) -> Result<InputFile, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(InputFile {
        given_as: path.display().to_string(),
        bytes,
    })
}

/// The TOML files of a `--playbooks DIR` (top level and `profiles/`).
pub fn read_overrides(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut out = Vec::new();
    for (sub, d) in [("", dir.to_path_buf()), ("profiles/", dir.join("profiles"))] {
        if !d.is_dir() {
            continue;
        }
        for p in crate::util::toml_files(&d)? {
            let name = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes =
                std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            out.push((format!("{sub}{}", super::sanitize(&name)), bytes));
        }
    }
    Ok(out)
}

fn ext_of(name: &str, default: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| super::sanitize(&e.to_string_lossy()).to_ascii_lowercase())
        .unwrap_or_else(|| default.to_string())
}

/// Records the personal values of the inputs in `map` and keeps what `--keep-clear` names.
/// Call before the tenant is redacted (kept values must be known first).
pub fn prepare_map(
    map: &mut PiiMap,
    inputs: &RunInputs,
    tenant: Option<&Tenant>,
    keep_clear: &[String],
) {
    if let Some(t) = tenant {
        super::structural::keep_ids(map, t);
    }
    for t in &inputs.other_snapshots {
        super::structural::keep_ids(map, t);
    }
    let idp = inputs.idp_users.as_ref().and_then(|f| {
        crate::scope::export::parse_users(
            &f.given_as,
            text(&f.bytes).trim_start_matches('\u{feff}'),
        )
        .ok()
    });
    super::structural::keep_attributes(
        map,
        keep_clear,
        idp.as_ref().map(|e| e.users.as_slice()),
        tenant,
    );
    if let Some(e) = &idp {
        super::structural::collect_idp_users(map, &e.users);
    }
    super::idpfiles::collect(map, &inputs.idp_config);
    if !inputs.provisioning_logs.is_empty() {
        let files: Vec<(String, Vec<u8>)> = inputs
            .provisioning_logs
            .iter()
            .map(|f| (f.given_as.clone(), f.bytes.clone()))
            .collect();
        if let Ok(logs) = crate::logs::parse_files(&files) {
            super::structural::collect_logs(map, &logs);
        }
    }
    if let Some(f) = &inputs.ldap_groups {
        if let Ok(names) = crate::checks::groups::parse_ldap_groups(&text(&f.bytes)) {
            for n in names {
                map.add("ldap-group", &n);
            }
        }
    }
    for g in &inputs.license.groups {
        map.add("license-group", g);
    }
}

pub(super) fn parse_filter(name: &str, bytes: &[u8]) -> Result<crate::scope::ScopeFilter, String> {
    let t = text(bytes);
    let t = t.trim_start_matches('\u{feff}');
    let json = match ext_of(name, "").as_str() {
        "json" => true,
        "toml" => false,
        _ => t.trim_start().starts_with(['{', '[']),
    };
    if json {
        let v: serde_json::Value = serde_json::from_str(t)
            .map_err(|e| format!("{name}: {}", crate::input::json_error(&e)))?;
        crate::scope::parse::from_json(name, &v)
    } else {
        crate::scope::parse::from_toml(name, t)
    }
}

/// The IdP users export as it goes into the bundle (rewritten with `--redact-pii`).
pub fn idp_users_bytes(f: &InputFile, redact: Option<&super::redact::Redactor>) -> Vec<u8> {
    match redact {
        Some(r) => r.apply(&text(&f.bytes)).into_bytes(),
        None => f.bytes.clone(),
    }
}

/// The `inputs/` entries. `redact` (with `--redact-pii`) rewrites the free-text inputs (IdP
/// export, logs, LDAP list, idp-config files; a schema's constants through `map`); the
/// other directories and the licence group names must already be pseudonymised
/// (`prepare_map`, `structural::redact_tenant`).
pub fn files(
    inputs: &RunInputs,
    map: Option<&PiiMap>,
    redact: Option<&super::redact::Redactor>,
    scope_verdicts: Option<&[u8]>,
) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let rewrite = |b: &[u8]| -> Vec<u8> {
        match redact {
            Some(r) => r.apply(&text(b)).into_bytes(),
            None => b.to_vec(),
        }
    };
    let mut m = Manifest {
        format: FORMAT.into(),
        playbooks: inputs.playbooks.clone(),
        profile: inputs.profile.clone(),
        licenses: inputs.license.seats,
        license_mode: match inputs.license.mode {
            LicenseMode::All => "all".into(),
            LicenseMode::Groups => "groups".into(),
        },
        license_groups: inputs.license.groups.clone(),
        ..Default::default()
    };
    if let Some(f) = &inputs.idp_users {
        let name = format!("{DIR}idp-users.{}", ext_of(&f.given_as, "csv"));
        out.push((name.clone(), idp_users_bytes(f, redact)));
        m.idp_users = Some(name);
    }
    if let Some(f) = &inputs.scope_filter {
        let name = format!("{DIR}scope-filter.{}", ext_of(&f.given_as, "json"));
        out.push((name.clone(), f.bytes.clone()));
        m.scope_filter = Some(name);
    }
    for (i, f) in inputs.provisioning_logs.iter().enumerate() {
        // The portal's file names tell its three CSV files apart: keep them.
        let base = Path::new(&f.given_as)
            .file_name()
            .map(|n| super::sanitize(&n.to_string_lossy()))
            .unwrap_or_else(|| format!("log-{i}"));
        let name = format!("{DIR}provisioning-logs/{}-{base}", i + 1);
        out.push((name.clone(), rewrite(&f.bytes)));
        m.provisioning_logs.push(name);
    }
    if let Some(f) = &inputs.ldap_groups {
        let name = format!("{DIR}ldap-groups.{}", ext_of(&f.given_as, "txt"));
        out.push((name.clone(), rewrite(&f.bytes)));
        m.ldap_groups = Some(name);
    }
    for (i, f) in inputs.idp_config.iter().enumerate() {
        let base = Path::new(&f.given_as)
            .file_name()
            .map(|n| super::sanitize(&n.to_string_lossy()))
            .unwrap_or_else(|| format!("idp-config-{i}"));
        let name = format!("{DIR}idp-config/{}-{base}", i + 1);
        let bytes = match redact {
            Some(r) => super::idpfiles::rewrite(f, map, r),
            None => f.bytes.clone(),
        };
        out.push((name.clone(), bytes));
        m.idp_config.push(name);
    }
    for (i, t) in inputs.other_snapshots.iter().enumerate() {
        let prefix = format!("{DIR}other-{}/", i + 1);
        for (name, bytes) in crate::source::snapshot::to_files(t, &[]) {
            out.push((format!("{prefix}{name}"), bytes));
        }
        m.other_snapshots.push(prefix);
    }
    if let Some(b) = scope_verdicts {
        let name = SCOPE_VERDICTS.to_string();
        out.push((name.clone(), b.to_vec()));
        m.scope_verdicts = Some(name);
    }
    for (name, bytes) in &inputs.overrides {
        let n = format!("{DIR}playbooks/{name}");
        out.push((n.clone(), bytes.clone()));
        m.overrides.push(n);
    }
    out.push((
        MANIFEST.into(),
        serde_json::to_vec_pretty(&m).unwrap_or_default(),
    ));
    out
}

/// (what, given as) for every input the run used, for summary.md.
pub fn describe(inputs: &RunInputs) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let base = |p: &str| {
        Path::new(p)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.to_string())
    };
    if let Some(f) = &inputs.idp_users {
        out.push((
            "IdP users export (--idp-users)".to_string(),
            base(&f.given_as),
        ));
    }
    if let Some(f) = &inputs.scope_filter {
        out.push((
            "scoping filter (--scope-filter)".to_string(),
            base(&f.given_as),
        ));
    }
    for f in &inputs.provisioning_logs {
        out.push((
            "provisioning log (--provisioning-logs)".to_string(),
            base(&f.given_as),
        ));
    }
    if let Some(f) = &inputs.ldap_groups {
        out.push((
            "LDAP group list (--ldap-groups)".to_string(),
            base(&f.given_as),
        ));
    }
    for f in &inputs.idp_config {
        let what = super::idpfiles::kind_of(f)
            .map(|k| k.describe())
            .unwrap_or("IdP configuration");
        out.push((format!("{what} (--idp-config)"), base(&f.given_as)));
    }
    for t in &inputs.other_snapshots {
        out.push((
            "other directory (--other-snapshot)".to_string(),
            t.label.clone(),
        ));
    }
    let l = &inputs.license;
    out.push((
        "licence options".to_string(),
        format!(
            "{} seats, mode {}{}",
            l.seats.map_or("unknown".to_string(), |n| n.to_string()),
            match l.mode {
                LicenseMode::All => "all",
                LicenseMode::Groups => "groups",
            },
            if l.groups.is_empty() {
                String::new()
            } else {
                format!(", groups {}", l.groups.join(", "))
            }
        ),
    ));
    if !inputs.profile.is_empty() {
        out.push(("profile (--profile)".to_string(), inputs.profile.clone()));
    }
    out.push(("playbooks".to_string(), inputs.playbooks.join(", ")));
    for (n, _) in &inputs.overrides {
        out.push((
            "playbook/profile override (--playbooks DIR)".to_string(),
            n.clone(),
        ));
    }
    out
}
