//! `bundle verify`: the zip against its `.sha256` file, then against its manifest.

use super::read::{read_file, Entry, ReadLimits};
use super::{sha256_file, sha256_hex, sidecar, Manifest, MANIFEST};
use std::path::Path;

/// What `bundle verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub files_ok: usize,
    /// One line per problem, naming the file.
    pub problems: Vec<String>,
    /// Some(true/false) when `<zip>.sha256` exists.
    pub zip_hash_ok: Option<bool>,
}

/// Checks the zip against `<zip>.sha256` first when it exists (a damaged zip is then
/// reported as damaged, not as "not a bundle"), then every manifest entry (present, size,
/// SHA-256) and entries the manifest does not list. `Err` means the file could not be read
/// as a bundle and nothing vouched for it.
pub fn verify(path: &Path, limits: ReadLimits) -> Result<Verification, String> {
    if path.is_dir() {
        return Err(format!(
            "{} is a directory: `bundle verify` checks a bundle zip (scim-doctor-...zip); a snapshot directory has no manifest to check",
            path.display()
        ));
    }
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    let mut v = Verification::default();
    let side = sidecar(path, "sha256");
    if side.exists() {
        let text = std::fs::read_to_string(&side)
            .map_err(|e| format!("cannot read {}: {e}", side.display()))?;
        let expected = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let actual =
            sha256_file(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let ok = expected == actual;
        if !ok {
            v.problems.push(format!(
                "{}: SHA-256 of the zip differs from {} (the zip was changed or damaged after it was written)",
                path.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                side.display()
            ));
        }
        v.zip_hash_ok = Some(ok);
    }
    let damaged = v.zip_hash_ok == Some(false);
    let entries = match read_file(path, limits, &|_| true) {
        Ok(e) => e,
        Err(e) if damaged => {
            v.problems.push(format!("the zip cannot be read: {e}"));
            return Ok(v);
        }
        Err(e) => return Err(e),
    };
    let manifest = match entries.iter().find(|e| e.name == MANIFEST) {
        Some(m) => m,
        None if damaged => {
            v.problems
                .push(format!("{MANIFEST} cannot be found in the damaged zip"));
            return Ok(v);
        }
        None => {
            return Err(format!(
                "{} has no {MANIFEST}: not a scim-doctor bundle",
                path.display()
            ))
        }
    };
    let bytes = manifest
        .data
        .as_ref()
        .map_err(|e| format!("{MANIFEST} is unreadable: {e}"));
    let manifest: Result<Manifest, String> = bytes.and_then(|b| {
        serde_json::from_slice(b).map_err(|e| format!("{MANIFEST} is not a valid manifest: {e}"))
    });
    let manifest = match manifest {
        Ok(m) => m,
        Err(e) if damaged => {
            v.problems.push(e);
            return Ok(v);
        }
        Err(e) => return Err(e),
    };
    for m in &manifest.files {
        match entries.iter().find(|e| e.name == m.path) {
            None => v.problems.push(format!(
                "{}: listed in the manifest but missing from the zip",
                m.path
            )),
            Some(Entry { data: Err(e), .. }) => v.problems.push(format!("{}: {e}", m.path)),
            Some(Entry { data: Ok(b), .. }) => {
                if b.len() as u64 != m.size {
                    v.problems.push(format!(
                        "{}: size {} differs from the manifest's {}",
                        m.path,
                        b.len(),
                        m.size
                    ));
                } else if sha256_hex(b) != m.sha256 {
                    v.problems.push(format!(
                        "{}: SHA-256 differs from the manifest (the content changed)",
                        m.path
                    ));
                } else {
                    v.files_ok += 1;
                }
            }
        }
    }
    for e in &entries {
        if e.name != MANIFEST && !manifest.files.iter().any(|m| m.path == e.name) {
            v.problems
                .push(format!("{}: in the zip but not in the manifest", e.name));
        }
    }
    Ok(v)
}
