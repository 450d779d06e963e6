//! The bundle's zip format itself: atomic writing (a `.partial` file in the target directory,
//! fsync, rename, removed on error or interruption; `stream::ZipOut` streams entries and
//! deflates them on every core, `zipfmt` holds the container records), safe reading (no path escapes, caps on
//! entry count and uncompressed size, enforced on the bytes actually inflated, not only the
//! sizes the zip declares), the manifest, and `bundle verify`. A reader of files (layer 2 of
//! docs/architecture.md): snapshots (`source::snapshot`) and diffs load bundle zips through
//! it, and `bundle` writes them.

pub mod names;
mod read;
mod stream;
mod verify;
mod write;
mod zipfmt;

pub use read::{read_entries, read_file, Entry, ReadLimits, ZipStore};
pub use stream::{buffer, recycle, threads, Written, ZipOut};
pub use verify::{verify, Verification};
pub use write::write_zip;

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_FORMAT: &str = "scim-doctor-bundle/1";

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub format: String,
    pub generated_at: String,
    pub tool_version: String,
    pub files: Vec<ManifestEntry>,
}

impl Manifest {
    pub fn of(files: &[(String, Vec<u8>)], generated_at: &str) -> Self {
        Manifest {
            format: MANIFEST_FORMAT.to_string(),
            generated_at: generated_at.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            files: files
                .iter()
                .map(|(p, b)| ManifestEntry {
                    path: p.clone(),
                    size: b.len() as u64,
                    sha256: sha256_hex(b),
                })
                .collect(),
        }
    }
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Refuses entry names that are not plain relative names (see `names::check_plain`):
/// absolute paths, drive letters, backslashes, empty, `.` or `..` components.
pub fn check_entry_name(name: &str) -> Result<(), String> {
    names::check_plain(name)
}

/// Largest `manifest.json` read (bytes): a million-user bundle's is a few KB.
pub const MAX_MANIFEST: u64 = 16 << 20;

/// `<zip>.<ext>` beside the zip (e.g. `bundle.zip.sha256`).
pub fn sidecar(zip: &Path, ext: &str) -> PathBuf {
    let mut name = zip
        .file_name()
        .map(|f| f.to_os_string())
        .unwrap_or_default();
    name.push(".");
    name.push(ext);
    zip.with_file_name(name)
}

#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
