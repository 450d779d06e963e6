//! `bundle verify`: the zip against its `.sha256` file, then against its manifest.

use super::read::{ReadLimits, ZipStore};
use super::{sha256_file, sidecar, Manifest, MANIFEST, MAX_MANIFEST};
use sha2::{Digest, Sha256};
use std::io::Read;
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
    if !path.is_file() {
        // A pipe or a device: opening it could wait forever or read without end.
        return Err(format!(
            "{} is not a regular file: `bundle verify` checks a bundle zip",
            path.display()
        ));
    }
    let mut v = Verification::default();
    let side = sidecar(path, "sha256");
    if side.is_file() {
        // A checksum line is under 200 bytes: what follows is never read.
        let mut text = String::new();
        std::fs::File::open(&side)
            .and_then(|f| f.take(4096).read_to_string(&mut text))
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
    // Streamed entry by entry: a small zip that inflates to gigabytes is hashed in 64 KiB
    // steps, never held.
    let (store, undefined) = match ZipStore::open_for_verify(path, limits) {
        Ok(s) => s,
        Err(e) if damaged => {
            v.problems.push(format!("the zip cannot be read: {e}"));
            return Ok(v);
        }
        Err(e) => return Err(e),
    };
    let manifest = match store.read_to_vec(MANIFEST, MAX_MANIFEST) {
        Ok(Some(m)) => Ok(m),
        Ok(None) if damaged => {
            v.problems
                .push(format!("{MANIFEST} cannot be found in the damaged zip"));
            return Ok(v);
        }
        Ok(None) => {
            return Err(format!(
                "{} has no {MANIFEST}: not a scim-doctor bundle",
                path.display()
            ))
        }
        Err(e) => Err(format!("{MANIFEST} is unreadable: {e}")),
    };
    let manifest: Result<Manifest, String> = manifest.and_then(|b| {
        serde_json::from_slice(&b).map_err(|e| format!("{MANIFEST} is not a valid manifest: {e}"))
    });
    let manifest = match manifest {
        Ok(m) => m,
        Err(e) if damaged => {
            v.problems.push(e);
            return Ok(v);
        }
        Err(e) => return Err(e),
    };
    let mut listed = std::collections::HashSet::new();
    for m in &manifest.files {
        if !listed.insert(m.path.as_str()) {
            return Err(format!(
                "{}: {MANIFEST} lists `{}` twice: refusing to vouch for it",
                path.display(),
                m.path.escape_default()
            ));
        }
        match store.reader(&m.path).map(|r| hash_stream(r?)) {
            None => v.problems.push(format!(
                "{}: listed in the manifest but missing from the zip",
                m.path
            )),
            Some(Err(e)) => v.problems.push(format!("{}: {e}", m.path)),
            Some(Ok((size, sha))) => {
                if size != m.size {
                    v.problems.push(format!(
                        "{}: size {size} differs from the manifest's {}",
                        m.path, m.size
                    ));
                } else if sha != m.sha256 {
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
    for name in &undefined {
        v.problems.push(format!(
            "{}: in the zip, but not a name the bundle format defines (changed after it was written?)",
            name.escape_default()
        ));
    }
    for name in store.names() {
        if name != MANIFEST && !listed.contains(name.as_str()) && !undefined.contains(name) {
            v.problems
                .push(format!("{name}: in the zip but not in the manifest"));
        }
    }
    Ok(v)
}

/// The size and SHA-256 of a stream, read 64 KiB at a time.
fn hash_stream(mut r: Box<dyn Read + Send>) -> std::io::Result<(u64, String)> {
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((size, hex::encode(h.finalize())))
}
