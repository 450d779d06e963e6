//! Reading a bundle's `inputs/` back: `read_bundle` gives what a bundle recorded (the
//! `check --snapshot bundle.zip` command fills in every input its command line did not give
//! from it: `commands::plan::apply_bundle_inputs`), and a bundle made from a bundle carries
//! them along (`raw_from_bundle`). The layout is `inputs.rs`'s.

use super::inputs::{parse_filter, text, InputFile, Manifest, RunInputs, DIR, MANIFEST};
use crate::checks::LicenseOptions;
use crate::model::Tenant;
use crate::options::LicenseMode;
use std::path::{Path, PathBuf};

/// What a bundle zip brought back (each `None` / empty when the bundle lacks it).
#[derive(Default)]
pub struct Bundled {
    pub manifest: Manifest,
    pub scope: Option<crate::scope::ScopeInputs>,
    pub logs: Option<crate::logs::LogInputs>,
    pub ldap_groups: Option<Vec<String>>,
    pub idp: Option<crate::idpconfig::IdpConfig>,
    pub others: Vec<Tenant>,
    pub playbooks: Option<Vec<crate::playbook::Playbook>>,
    pub profile: Option<crate::profile::Profile>,
    pub license: Option<LicenseOptions>,
    /// With a pseudonymised bundle: the scoping verdicts of the real values.
    pub known: Option<crate::scope::known::KnownVerdicts>,
}

/// Reads `inputs/` from a bundle zip; `Ok(None)` for a zip without it (an older bundle).
pub fn read_bundle(zip: &Path) -> Result<Option<Bundled>, String> {
    let entries = crate::archive::read_file(zip, crate::archive::ReadLimits::default(), &|n| {
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
    if let Some(n) = &manifest.scope_verdicts {
        let f = InputFile {
            given_as: n.clone(),
            bytes: get(n)?.clone(),
        };
        b.known = Some(super::scope_verdicts::read(&f).ok_or_else(|| {
            format!(
                "{}: {n} is not a scoping-verdicts table this version reads",
                zip.display()
            )
        })?);
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
    if !manifest.idp_config.is_empty() {
        let mut cfg = Vec::new();
        for n in &manifest.idp_config {
            cfg.push((n.clone(), get(n)?.clone()));
        }
        b.idp = Some(
            crate::idpconfig::parse_files(&cfg).map_err(|e| format!("{}: {e}", zip.display()))?,
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

/// The raw inputs recorded in a bundle zip (to carry them into a bundle made from it).
pub fn raw_from_bundle(zip: &Path) -> Result<Option<RunInputs>, String> {
    let entries = crate::archive::read_file(zip, crate::archive::ReadLimits::default(), &|n| {
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
        idp_config: m.idp_config.iter().filter_map(|n| file(n)).collect(),
        other_snapshots: others,
        overrides: m
            .overrides
            .iter()
            .filter_map(|n| {
                let rel = n.strip_prefix(&format!("{DIR}playbooks/"))?.to_string();
                Some((rel, files.get(n)?.clone()))
            })
            .collect(),
        scope_verdicts: m.scope_verdicts.as_deref().and_then(file),
    }))
}
