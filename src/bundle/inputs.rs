//! The run's inputs in the bundle, so that `check --snapshot bundle.zip` alone reproduces
//! every finding: the IdP users export, the scoping filter, provisioning logs, LDAP group
//! list, other directories, licence options, the profile, the playbooks run and the
//! playbook/profile override files. They live under `inputs/`, described by
//! `inputs/inputs.json`; with `--redact-pii` they go through the same pseudonym map as the
//! tenant (the scoping filter stays as written: what it reads is kept in the clear).

use super::redact::PiiMap;
use crate::checks::LicenseOptions;
use crate::cli::args::LicenseMode;
use crate::model::Tenant;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DIR: &str = "inputs/";
pub const MANIFEST: &str = "inputs/inputs.json";
pub const FORMAT: &str = "scim-doctor-inputs/1";

/// One input file: its name as given (for the summary) and its bytes.
#[derive(Debug, Clone, Default)]
pub struct InputFile {
    pub given_as: String,
    pub bytes: Vec<u8>,
}

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
    pub other_snapshots: Vec<Tenant>,
    /// `--playbooks DIR`: its TOML files, relative to DIR (`x.toml`, `profiles/y.toml`).
    pub overrides: Vec<(String, Vec<u8>)>,
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
    pub other_snapshots: Vec<String>,
    pub overrides: Vec<String>,
}

/// Reads one input file the user named (size-capped like every input).
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

fn text(bytes: &[u8]) -> String {
    crate::input::decode(bytes)
        .map(|t| t.into_owned())
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned())
}

/// Records the personal values of the inputs in `map` and keeps what the scoping filter
/// reads. Call before the tenant is redacted (kept values must be known first).
pub fn prepare_map(map: &mut PiiMap, inputs: &RunInputs, tenant: Option<&Tenant>) {
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
    if let Some(f) = &inputs.scope_filter {
        if let Ok(filter) = parse_filter(&f.given_as, &f.bytes) {
            super::structural::keep_scope_values(
                map,
                &filter,
                idp.as_ref().map(|e| e.users.as_slice()),
                tenant,
            );
        }
    }
    if let Some(e) = &idp {
        super::structural::collect_idp_users(map, &e.users);
    }
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

fn parse_filter(name: &str, bytes: &[u8]) -> Result<crate::scope::ScopeFilter, String> {
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

/// The `inputs/` entries. `redact` (with `--redact-pii`) rewrites the free-text inputs (IdP
/// export, logs, LDAP list); the other directories and the licence group names must
/// already be pseudonymised (`prepare_map`, `structural::redact_tenant`).
pub fn files(
    inputs: &RunInputs,
    redact: Option<&super::redact::Redactor>,
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
        out.push((name.clone(), rewrite(&f.bytes)));
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
    for (i, t) in inputs.other_snapshots.iter().enumerate() {
        let prefix = format!("{DIR}other-{}/", i + 1);
        for (name, bytes) in crate::source::snapshot::to_files(t, &[]) {
            out.push((format!("{prefix}{name}"), bytes));
        }
        m.other_snapshots.push(prefix);
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

/// What a bundle zip brought back (each `None` / empty when the bundle lacks it).
#[derive(Default)]
pub struct Bundled {
    pub manifest: Manifest,
    pub scope: Option<crate::scope::ScopeInputs>,
    pub logs: Option<crate::logs::LogInputs>,
    pub ldap_groups: Option<Vec<String>>,
    pub others: Vec<Tenant>,
    pub playbooks: Option<Vec<crate::playbook::Playbook>>,
    pub profile: Option<crate::profile::Profile>,
    pub license: Option<LicenseOptions>,
}

/// Reads `inputs/` from a bundle zip; `Ok(None)` for a zip without it (an older bundle).
pub fn read_bundle(zip: &Path) -> Result<Option<Bundled>, String> {
    let entries = super::archive::read_file(zip, super::archive::ReadLimits::default(), &|n| {
        n.starts_with(DIR)
    })?;
    let mut files = std::collections::HashMap::new();
    for e in entries {
        let data = e
            .data
            .map_err(|err| format!("{}: entry {}: {err}", zip.display(), e.name))?;
        files.insert(e.name, data);
    }
    let Some(mbytes) = files.get(MANIFEST) else {
        return Ok(None);
    };
    let manifest: Manifest = serde_json::from_slice(mbytes).map_err(|e| {
        format!(
            "{}: {MANIFEST}: {}",
            zip.display(),
            crate::input::json_error(&e)
        )
    })?;
    let get = |name: &str| -> Result<&Vec<u8>, String> {
        files.get(name).ok_or_else(|| {
            format!(
                "{}: {MANIFEST} names {name}, which is missing",
                zip.display()
            )
        })
    };
    let mut b = Bundled::default();
    let filter = manifest
        .scope_filter
        .as_deref()
        .map(|n| get(n).and_then(|bytes| parse_filter(n, bytes)))
        .transpose()?;
    let idp = manifest
        .idp_users
        .as_deref()
        .map(|n| {
            get(n).and_then(|bytes| {
                crate::scope::export::parse_users(n, text(bytes).trim_start_matches('\u{feff}'))
            })
        })
        .transpose()?;
    if filter.is_some() || idp.is_some() {
        let mut s = crate::scope::ScopeInputs {
            filter,
            ..Default::default()
        };
        if let Some(e) = idp {
            s.idp_export = Some(crate::scope::IdpExportInfo {
                path: e.path,
                format: e.format,
                unmapped: e.unmapped,
                notes: e.notes,
            });
            s.idp_users = Some(e.users);
        }
        b.scope = Some(s);
    }
    if !manifest.provisioning_logs.is_empty() {
        let mut logs = Vec::new();
        for n in &manifest.provisioning_logs {
            logs.push((n.clone(), get(n)?.clone()));
        }
        b.logs = Some(crate::logs::parse_files(&logs).map_err(|e| format!("{e:#}"))?);
    }
    if let Some(n) = &manifest.ldap_groups {
        b.ldap_groups = Some(
            crate::checks::groups::parse_ldap_groups(&text(get(n)?))
                .map_err(|e| format!("{n}: {e}"))?,
        );
    }
    for prefix in &manifest.other_snapshots {
        let t = crate::source::snapshot::from_files(prefix, &|name| {
            files.get(&format!("{prefix}{name}")).cloned()
        })
        .map_err(|e| format!("{}: {prefix}: {e}", zip.display()))?;
        b.others.push(t);
    }
    // Overrides are read through the ordinary loaders, from a private temporary directory.
    let dir = if manifest.overrides.is_empty() {
        None
    } else {
        let dir = tempdir()?;
        for n in &manifest.overrides {
            let rel = n.trim_start_matches(&format!("{DIR}playbooks/"));
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            std::fs::write(&p, get(n)?).map_err(|e| e.to_string())?;
        }
        Some(dir)
    };
    let loaded = (|| -> Result<(), String> {
        if !manifest.playbooks.is_empty() {
            let all = crate::playbook::load(dir.as_deref())?;
            let mut pbs = Vec::new();
            for id in &manifest.playbooks {
                match all.iter().find(|p| &p.id == id) {
                    Some(p) => pbs.push(p.clone()),
                    None => {
                        return Err(format!(
                            "the bundle ran playbook `{id}`, which is not known here"
                        ))
                    }
                }
            }
            b.playbooks = Some(pbs);
        }
        if !manifest.profile.is_empty() {
            b.profile = Some(crate::profile::load(&manifest.profile, dir.as_deref())?);
        }
        Ok(())
    })();
    if let Some(d) = &dir {
        let _ = std::fs::remove_dir_all(d);
    }
    loaded.map_err(|e| format!("{}: {e}", zip.display()))?;
    b.license = Some(LicenseOptions {
        seats: manifest.licenses,
        mode: if manifest.license_mode == "groups" {
            LicenseMode::Groups
        } else {
            LicenseMode::All
        },
        groups: manifest.license_groups.clone(),
    });
    b.manifest = manifest;
    Ok(Some(b))
}

fn tempdir() -> Result<PathBuf, String> {
    let d = std::env::temp_dir().join(format!(
        "scim-doctor-bundle-inputs-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    Ok(d)
}

/// `check --snapshot bundle.zip`: fills in every input the command line did not give from
/// the bundle's `inputs/` (what was given on the command line wins), and says so on stderr.
pub fn apply_to_plan(
    zip: &Path,
    plan: &mut crate::engine::Plan,
    a: &crate::cli::args::AuditArgs,
    out: &crate::cli::output::Output,
) -> Result<(), String> {
    let mut head = [0u8; 4];
    let is_zip = std::fs::File::open(zip)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .map(|_| head == *b"PK\x03\x04")
        .unwrap_or(false);
    if !is_zip {
        return Ok(());
    }
    let Some(b) = read_bundle(zip)? else {
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

/// The raw inputs recorded in a bundle zip (to carry them into a bundle made from it).
pub fn raw_from_bundle(zip: &Path) -> Result<Option<RunInputs>, String> {
    let entries = super::archive::read_file(zip, super::archive::ReadLimits::default(), &|n| {
        n.starts_with(DIR)
    })?;
    let mut files = std::collections::HashMap::new();
    for e in entries {
        if let Ok(d) = e.data {
            files.insert(e.name, d);
        }
    }
    let Some(m) = files
        .get(MANIFEST)
        .and_then(|b| serde_json::from_slice::<Manifest>(b).ok())
    else {
        return Ok(None);
    };
    let file = |n: &str| {
        files.get(n).map(|b| InputFile {
            given_as: n.to_string(),
            bytes: b.clone(),
        })
    };
    let mut others = Vec::new();
    for prefix in &m.other_snapshots {
        if let Ok(t) = crate::source::snapshot::from_files(prefix, &|name| {
            files.get(&format!("{prefix}{name}")).cloned()
        }) {
            others.push(t);
        }
    }
    Ok(Some(RunInputs {
        playbooks: m.playbooks.clone(),
        profile: m.profile.clone(),
        license: LicenseOptions {
            seats: m.licenses,
            mode: if m.license_mode == "groups" {
                LicenseMode::Groups
            } else {
                LicenseMode::All
            },
            groups: m.license_groups.clone(),
        },
        idp_users: m.idp_users.as_deref().and_then(file),
        scope_filter: m.scope_filter.as_deref().and_then(file),
        provisioning_logs: m.provisioning_logs.iter().filter_map(|n| file(n)).collect(),
        ldap_groups: m.ldap_groups.as_deref().and_then(file),
        other_snapshots: others,
        overrides: m
            .overrides
            .iter()
            .filter_map(|n| {
                let rel = n.strip_prefix(&format!("{DIR}playbooks/"))?.to_string();
                Some((rel, files.get(n)?.clone()))
            })
            .collect(),
    }))
}
