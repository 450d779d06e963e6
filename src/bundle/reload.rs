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

/// Largest `inputs/` entry read into memory (bytes). The command line reads these files
/// whole too; a bundle's are also within the zip's 4 GiB cap.
pub const MAX_INPUT_ENTRY: u64 = 1 << 30;

/// A bundle's `inputs/`: its manifest (every name it lists checked against the bundle
/// format) and a way to read the entries it names, and only those, one at a time.
struct Inputs {
    store: crate::archive::ZipStore,
    manifest: Manifest,
}

impl Inputs {
    /// `Ok(None)` for a zip without `inputs/inputs.json` (an older bundle).
    fn open(zip: &Path) -> Result<Option<Inputs>, String> {
        let store =
            crate::archive::ZipStore::open(zip, crate::archive::ReadLimits::default(), &|n| {
                n.starts_with(DIR)
            })?;
        let at = |e: String| format!("{}: {e}", zip.display());
        let Some(mbytes) = store
            .read_to_vec(MANIFEST, crate::archive::MAX_MANIFEST)
            .map_err(at)?
        else {
            return Ok(None);
        };
        let manifest: Manifest = serde_json::from_slice(&mbytes)
            .map_err(|e| at(format!("{MANIFEST}: {}", crate::input::json_error(&e))))?;
        super::layout::check_inputs_manifest(&manifest).map_err(at)?;
        Ok(Some(Inputs { store, manifest }))
    }

    /// The entry `name` (named by the manifest) in memory, within `MAX_INPUT_ENTRY`.
    fn get(&self, zip: &Path, name: &str) -> Result<Vec<u8>, String> {
        self.store
            .read_to_vec(name, MAX_INPUT_ENTRY)
            .map_err(|e| format!("{}: {e}", zip.display()))?
            .ok_or_else(|| {
                format!(
                    "{}: {MANIFEST} names {name}, which is missing",
                    zip.display()
                )
            })
    }

    /// Another directory, streamed from the entries under `prefix`.
    fn other(&self, prefix: &str) -> anyhow::Result<Tenant> {
        crate::source::snapshot::from_readers(prefix, &|name| {
            self.store.reader(&format!("{prefix}{name}"))
        })
    }
}

/// Reads `inputs/` from a bundle zip; `Ok(None)` for a zip without it (an older bundle).
pub fn read_bundle(zip: &Path) -> Result<Option<Bundled>, String> {
    read_bundle_in(zip, &std::env::temp_dir())
}

/// `read_bundle`, with the overrides written into a new private directory under `tmp`
/// (removed before returning).
pub fn read_bundle_in(zip: &Path, tmp: &Path) -> Result<Option<Bundled>, String> {
    let Some(inputs) = Inputs::open(zip)? else {
        return Ok(None);
    };
    let manifest = inputs.manifest.clone();
    let get = |name: &str| inputs.get(zip, name);
    let mut b = Bundled::default();
    let filter = manifest
        .scope_filter
        .as_deref()
        .map(|n| get(n).and_then(|bytes| parse_filter(n, &bytes)))
        .transpose()?;
    let idp = manifest
        .idp_users
        .as_deref()
        .map(|n| {
            get(n).and_then(|bytes| {
                crate::scope::export::parse_users(n, text(&bytes).trim_start_matches('\u{feff}'))
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
            bytes: get(n)?,
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
            logs.push((n.clone(), get(n)?));
        }
        b.logs = Some(crate::logs::parse_files(&logs).map_err(|e| format!("{e:#}"))?);
    }
    if let Some(n) = &manifest.ldap_groups {
        b.ldap_groups = Some(
            crate::checks::groups::parse_ldap_groups(&text(&get(n)?))
                .map_err(|e| format!("{n}: {e}"))?,
        );
    }
    if !manifest.idp_config.is_empty() {
        let mut cfg = Vec::new();
        for n in &manifest.idp_config {
            cfg.push((n.clone(), get(n)?));
        }
        b.idp = Some(
            crate::idpconfig::parse_files(&cfg).map_err(|e| format!("{}: {e}", zip.display()))?,
        );
    }
    for prefix in &manifest.other_snapshots {
        let t = inputs
            .other(prefix)
            .map_err(|e| format!("{}: {prefix}: {e:#}", zip.display()))?;
        b.others.push(t);
    }
    // Overrides are read through the ordinary loaders, from a private temporary directory.
    let dir = if manifest.overrides.is_empty() {
        None
    } else {
        let dir = tempdir(tmp)?;
        let written = manifest
            .overrides
            .iter()
            .try_for_each(|n| write_override(&dir, n, &get(n)?));
        if let Err(e) = written {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!("{}: {e}", zip.display()));
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

/// A new directory of the run's own under `parent`, readable by its owner only.
fn tempdir(parent: &Path) -> Result<PathBuf, String> {
    let d = parent.join(format!(
        "scim-doctor-bundle-inputs-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(&d)
        .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    Ok(d)
}

/// Where the override `name` (`inputs/playbooks/<x>.toml` or
/// `inputs/playbooks/profiles/<x>.toml`) goes inside `dir`; `Err` for any other name. The
/// result is always `dir` plus one or two normal components.
pub fn override_target(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let rel = super::layout::override_relative(name).ok_or_else(|| {
        format!(
            "{MANIFEST} lists the override `{}`, a name the bundle format does not define",
            name.escape_default()
        )
    })?;
    let mut p = dir.to_path_buf();
    for part in rel.split('/') {
        p.push(part);
    }
    let normal = p
        .strip_prefix(dir)
        .map(|r| {
            r.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        })
        .unwrap_or(false);
    if !normal {
        return Err(format!(
            "the override `{}` would leave the bundle's temporary directory",
            name.escape_default()
        ));
    }
    Ok(p)
}

/// Writes one override into `dir` as a new file: never through a link, never over a file
/// already there (two entries with one name fail).
fn write_override(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let p = override_target(dir, name)?;
    let what = |e: std::io::Error| format!("cannot write {} from {name}: {e}", p.display());
    if let Some(parent) = p.parent().filter(|d| *d != dir) {
        match std::fs::create_dir(parent) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(what(e)),
            _ => {}
        }
        let meta = std::fs::symlink_metadata(parent).map_err(what)?;
        if !meta.is_dir() {
            return Err(format!("{} is not a directory", parent.display()));
        }
    }
    let mut f = crate::util::create_new_file(&p).map_err(what)?;
    std::io::Write::write_all(&mut f, bytes).map_err(what)
}

/// The raw inputs recorded in a bundle zip (to carry them into a bundle made from it).
pub fn raw_from_bundle(zip: &Path) -> Result<Option<RunInputs>, String> {
    let Some(inputs) = Inputs::open(zip)? else {
        return Ok(None);
    };
    let m = &inputs.manifest;
    let bytes = |n: &str| inputs.get(zip, n).ok();
    let file = |n: &str| {
        bytes(n).map(|b| InputFile {
            given_as: n.to_string(),
            bytes: b,
        })
    };
    let mut others = Vec::new();
    for prefix in &m.other_snapshots {
        if let Ok(t) = inputs.other(prefix) {
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
                let rel = super::layout::override_relative(n)?.to_string();
                Some((rel, bytes(n)?))
            })
            .collect(),
        scope_verdicts: m.scope_verdicts.as_deref().and_then(file),
    }))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use std::io::Write;

    /// A bundle zip whose `inputs/inputs.json` lists `names` as overrides, each with an
    /// entry of that name (the zip writer takes any name, as an attacker's would).
    fn zip_listing(names: &[String]) -> Vec<u8> {
        let manifest = super::Manifest {
            format: super::super::inputs::FORMAT.into(),
            overrides: names.to_vec(),
            ..Default::default()
        };
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        w.start_file(super::MANIFEST, o).unwrap();
        w.write_all(&serde_json::to_vec(&manifest).unwrap())
            .unwrap();
        let mut seen = std::collections::HashSet::new();
        for n in names {
            if seen.insert(n.clone()) {
                w.start_file(n.as_str(), o).unwrap();
                w.write_all(b"id = \"x\"\n").unwrap();
            }
        }
        w.finish().unwrap().into_inner()
    }

    const PARTS: &[&str] = &[
        "",
        ".",
        "..",
        "profiles",
        "x.toml",
        "a",
        "/",
        "\\",
        "C:",
        "..\\x.toml",
        "\u{0}",
        "~",
        "home",
        "x.toml/",
        " ",
        "%2e%2e",
        "\u{ff0f}",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Proves the write boundary on override names assembled from path pieces that
        /// escape (empty, `.`, `..`, absolute, backslash, drive, NUL): the reader either
        /// refuses the bundle or writes inside its own directory, and leaves nothing
        /// (`fuzz_entry::bundle_reader` asserts both).
        #[test]
        fn override_names_never_escape_the_private_directory(
            names in proptest::collection::vec(
                proptest::collection::vec(0..PARTS.len(), 0..5), 1..4),
        ) {
            let names: Vec<String> = names
                .iter()
                .map(|p| {
                    let tail: Vec<&str> = p.iter().map(|&i| PARTS[i]).collect();
                    format!("inputs/playbooks/{}", tail.join("/"))
                })
                .collect();
            crate::fuzz_entry::bundle_reader(&zip_listing(&names));
        }
    }

    /// Proves a well-formed override is written and read back (the boundary does not
    /// refuse what the writer produces).
    #[test]
    fn plain_overrides_are_written_inside_the_private_directory() {
        let dir = tempfile::tempdir().unwrap();
        let p = super::override_target(dir.path(), "inputs/playbooks/profiles/p.toml").unwrap();
        assert_eq!(p, dir.path().join("profiles").join("p.toml"));
        for bad in [
            "inputs/playbooks//etc/x.toml",
            "inputs/playbooks/../x.toml",
            "inputs/playbooks/a/b/x.toml",
            "inputs/playbooks/x.sh",
        ] {
            assert!(super::override_target(dir.path(), bad).is_err(), "{bad}");
        }
        let zip = dir.path().join("b.zip");
        std::fs::write(
            &zip,
            zip_listing(&["inputs/playbooks/mine.toml".to_string()]),
        )
        .unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        // The override is read through the ordinary loader (it is not a valid playbook:
        // that error is fine); the private directory is gone afterwards.
        let _ = super::read_bundle_in(&zip, &tmp);
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    }
}
