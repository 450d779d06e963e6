//! The private pseudonym map beside the bundle (`<zip>.map.json`, mode 0600, never in the
//! zip), written as the values go by instead of held in memory: one JSON document whose
//! first line holds the format and the key, then one entry per line.
//!
//! ```text
//! {"format":"scim-doctor-pii-map/3","keep_domains":false,"key":"<64 hex>","entries":[
//! {"field":"userName","original":"ann@example.com","pseudonym":"kqz@xbnvgjq.zyr"}
//! ,{"field":"department","original":"Sales","pseudonym":"Wmtpf"}
//! ]}
//! ```
//!
//! Repeats are skipped in bounded memory, not exactly: each thread that pseudonymises the
//! snapshot skips a value it wrote lately (`Recently`), and the entries carried forward and
//! those of the free-text files skip the values seen among them (up to `SEEN_LIMIT`, a
//! million). A value may so be listed more than once, always with the same pseudonym: a
//! repeat costs a line, never a wrong answer (readers keep the first). The file is written
//! to `<map>.partial` and renamed when complete; an error or an interruption removes the
//! partial file.

use super::policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

pub const MAP_FORMAT: &str = "scim-doctor-pii-map/3";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapEntry {
    /// Where the value was first seen (`userName`, `addresses.streetAddress`, `idp:department`).
    pub field: String,
    pub original: String,
    pub pseudonym: String,
}

/// An entry as it is written (borrowed: no copy of the three strings).
#[derive(Serialize)]
pub struct EntryRef<'a> {
    pub field: &'a str,
    pub original: &'a str,
    pub pseudonym: &'a str,
}

/// The map file's first line, which also holds the key.
#[derive(Debug, Serialize, Deserialize)]
pub struct MapHeader {
    pub format: String,
    pub keep_domains: bool,
    pub key: String,
}

/// How many values the writer remembers to skip repeats (8 bytes each).
const SEEN_LIMIT: usize = 1_000_000;

const ENTRIES_OPEN: &str = "\"entries\":[";

pub struct MapWriter {
    path: PathBuf,
    partial: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    first: bool,
    seen: HashSet<u64, foldhash::fast::FixedState>,
    committed: bool,
    /// Bytes written, and how many of them the disk was asked to take already.
    written: u64,
    kicked: u64,
}

/// How much of the map is written between two requests to start writing it to disk, so
/// that the sync at the end waits for the last part only (a million users' map is 400 MB).
const WRITEBACK_STEP: u64 = 32 << 20;

/// Asks the kernel to start writing `len` bytes at `from` to disk, without waiting.
#[cfg(target_os = "linux")]
fn start_writeback(f: &std::fs::File, from: u64, len: u64) {
    use std::os::unix::io::AsRawFd;
    let (Ok(from), Ok(len)) = (i64::try_from(from), i64::try_from(len)) else {
        return;
    };
    // SAFETY: a plain system call on a descriptor `f` owns for the whole call; it reads
    // no memory of this process, and a failure only means the final sync does the work.
    unsafe {
        libc::sync_file_range(f.as_raw_fd(), from, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_: &std::fs::File, _: u64, _: u64) {}

impl Drop for MapWriter {
    fn drop(&mut self) {
        if !self.committed {
            self.out = None;
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// The 64-bit fingerprint under which an original is remembered as written.
pub fn seen_key(original: &str) -> u64 {
    std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::with_seed(0x5ced), original)
}

/// The originals a thread wrote lately: a slot per fingerprint, the newest original wins
/// it (no probing, no clearing, 512 KB). Values that repeat across a tenant (a department,
/// a title) keep their slot most of the time and are written again only when a value met
/// once happens to take it.
pub struct Recently(Vec<u64>);

const RECENTLY_SLOTS: usize = 1 << 16;

impl Default for Recently {
    fn default() -> Self {
        Recently(vec![0; RECENTLY_SLOTS])
    }
}

impl Recently {
    /// Whether `original` is new lately (and so to be written); remembers it.
    pub fn fresh(&mut self, original: &str) -> bool {
        let k = seen_key(original) | 1;
        let slot = &mut self.0[k as usize % RECENTLY_SLOTS];
        let fresh = *slot != k;
        *slot = k;
        fresh
    }

    pub fn clear(&mut self) {
        self.0.fill(0);
    }
}

/// Appends one entry as a line of the map, `,{"field":..,"original":..,"pseudonym":..}`
/// and a newline: the bytes `serde_json` writes for `EntryRef`, with its escaping, after
/// the comma that separates entries (the writer drops the first entry's).
pub fn push_entry(out: &mut Vec<u8>, e: &EntryRef) {
    out.extend_from_slice(b",{\"field\":");
    push_json_str(out, e.field);
    out.extend_from_slice(b",\"original\":");
    push_json_str(out, e.original);
    out.extend_from_slice(b",\"pseudonym\":");
    push_json_str(out, e.pseudonym);
    out.extend_from_slice(b"}\n");
}

/// A JSON string: as it is between quotes when nothing in it needs escaping (most values),
/// else as `serde_json` escapes it.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

impl MapWriter {
    /// Starts `<path>.partial` (mode 0600, never through a link) with the header line.
    pub fn create(path: &Path, policy: &Policy) -> Result<MapWriter, String> {
        let name = path
            .file_name()
            .ok_or_else(|| format!("{} is not a file path", path.display()))?
            .to_string_lossy()
            .into_owned();
        // The map replaces the file at `path` by a rename, which never writes through a link;
        // a link planted there is refused all the same, as the zip's neighbours are.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "cannot write the map file {}: a symbolic link stands there (refused)",
                path.display()
            ));
        }
        let partial = path.with_file_name(format!("{name}.partial"));
        let file = create_private(&partial)
            .map_err(|e| format!("cannot write the map file {}: {e}", partial.display()))?;
        let mut w = MapWriter {
            path: path.to_path_buf(),
            partial,
            out: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
            first: true,
            seen: HashSet::default(),
            committed: false,
            written: 0,
            kicked: 0,
        };
        let header = MapHeader {
            format: MAP_FORMAT.into(),
            keep_domains: policy.keep_domains,
            key: policy.key_hex(),
        };
        let mut line = serde_json::to_string(&header).map_err(|e| e.to_string())?;
        line.pop(); // the closing brace: the entries follow
        line.push(',');
        line.push_str(ENTRIES_OPEN);
        line.push('\n');
        w.write(line.as_bytes())?;
        Ok(w)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let partial = &self.partial;
        let o = self.out.as_mut().ok_or("the map file is closed")?;
        o.write_all(bytes)
            .map_err(|e| format!("cannot write the map file {}: {e}", partial.display()))?;
        self.written += bytes.len() as u64;
        if self.written - self.kicked >= WRITEBACK_STEP {
            o.flush()
                .map_err(|e| format!("cannot write the map file {}: {e}", partial.display()))?;
            start_writeback(o.get_ref(), self.kicked, self.written - self.kicked);
            self.kicked = self.written;
        }
        Ok(())
    }

    fn remember(&mut self, fingerprint: u64) -> bool {
        if self.seen.len() >= SEEN_LIMIT {
            self.seen.clear();
        }
        self.seen.insert(fingerprint)
    }

    /// One entry (skipped when the value was written already).
    pub fn entry(&mut self, field: &str, original: &str, pseudonym: &str) -> Result<(), String> {
        if !self.remember(seen_key(original)) {
            return Ok(());
        }
        let e = EntryRef {
            field,
            original,
            pseudonym,
        };
        let line = serde_json::to_string(&e).map_err(|e| e.to_string())?;
        let line = crate::secret::scrub(&line);
        self.line(line.as_bytes())
    }

    fn line(&mut self, json: &[u8]) -> Result<(), String> {
        if !self.first {
            self.write(b",")?;
        }
        self.first = false;
        self.write(json)?;
        self.write(b"\n")
    }

    /// Entries serialised by the threads that pseudonymise the snapshot (`push_entry`
    /// lines, each led by a comma), written as they are.
    pub fn lines(&mut self, lines: &[u8]) -> Result<(), String> {
        let lines = match lines.strip_prefix(b",") {
            Some(rest) if self.first => rest,
            _ => lines,
        };
        if !lines.is_empty() {
            self.first = false;
            self.write(lines)?;
        }
        Ok(())
    }

    /// Carries the entries of the map being extended into this one, line by line.
    pub fn copy_from(&mut self, old: &Path) -> Result<(), String> {
        let what =
            |e: &dyn std::fmt::Display| format!("cannot read the map file {}: {e}", old.display());
        let f = std::fs::File::open(old).map_err(|e| what(&e))?;
        let mut lines = std::io::BufReader::new(f).lines();
        // The header.
        lines.next().transpose().map_err(|e| what(&e))?;
        for l in lines {
            let l = l.map_err(|e| what(&e))?;
            let body = l.strip_prefix(',').unwrap_or(&l).trim();
            if body.is_empty() || body == "]}" {
                continue;
            }
            let e: MapEntry = serde_json::from_str(body).map_err(|e| what(&e))?;
            self.entry(&e.field, &e.original, &e.pseudonym)?;
        }
        Ok(())
    }

    /// Closes the document, syncs it and moves it into place.
    pub fn finish(mut self) -> Result<(), String> {
        self.write(b"]}\n")?;
        let out = self.out.take().ok_or("the map file is closed")?;
        let what = |e: &dyn std::fmt::Display| {
            format!("cannot write the map file {}: {e}", self.partial.display())
        };
        let file = out.into_inner().map_err(|e| what(&e.error().to_string()))?;
        file.sync_all().map_err(|e| what(&e))?;
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(|e| {
            format!(
                "cannot move the map file into place at {}: {e}",
                self.path.display()
            )
        })?;
        self.committed = true;
        Ok(())
    }
}

/// The header of a map written by this version (`None`: the file starts otherwise, e.g. an
/// older pretty-printed map).
pub fn read_header(path: &Path) -> Result<Option<MapHeader>, String> {
    let what =
        |e: &dyn std::fmt::Display| format!("cannot read the map file {}: {e}", path.display());
    let f = std::fs::File::open(path).map_err(|e| what(&e))?;
    let mut first = String::new();
    // A header is one short line; a longer first line is not one.
    std::io::BufReader::new(f)
        .take(4096)
        .read_line(&mut first)
        .map_err(|e| what(&e))?;
    let Some(head) = first.trim_end().strip_suffix(ENTRIES_OPEN) else {
        return Ok(None);
    };
    Ok(serde_json::from_str(&format!("{}\"entries\":[]}}", head)).ok())
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        // Never through a link planted where the map goes.
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    // An existing file keeps its old mode on open: tighten it explicitly.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(f)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written entry line is byte for byte what serde_json writes, escapes
    /// included.
    #[test]
    fn entry_lines_are_serde_json_lines() {
        for (f, o, p) in [
            ("userName", "ann@example.com", "kqz@xbnvgjq.zyr"),
            ("displayName", "Ann \"Nan\" O'Lee", "Bqx \"Wef\" K'Mzo"),
            (
                "title",
                "back\\slash\ttab\u{1}\u{7f}",
                "qwer\\tyuio\tpas\u{1}\u{7f}",
            ),
            ("name.givenName", "José 王", "Dfnû 侷"),
            ("x", "", ""),
        ] {
            let e = EntryRef {
                field: f,
                original: o,
                pseudonym: p,
            };
            let mut line = Vec::new();
            push_entry(&mut line, &e);
            let want = format!(",{}\n", serde_json::to_string(&e).unwrap());
            assert_eq!(String::from_utf8(line).unwrap(), want);
        }
    }

    #[test]
    fn recently_skips_a_repeat_until_another_value_takes_its_slot() {
        let mut r = Recently::default();
        assert!(r.fresh("Sales"));
        assert!(!r.fresh("Sales"));
        assert!(r.fresh("Engineering"));
        assert!(!r.fresh("Sales"));
        r.clear();
        assert!(r.fresh("Sales"));
    }
}
