//! The bundle's zip format itself: atomic writing (a `.partial` file in the target directory,
//! fsync, rename, removed on error or interruption), safe reading (no path escapes, caps on
//! entry count and uncompressed size, enforced on the bytes actually inflated, not only the
//! sizes the zip declares), the manifest, and `bundle verify`. A reader of files (layer 2 of
//! docs/architecture.md): snapshots (`source::snapshot`) and diffs load bundle zips through
//! it, and `bundle` writes them.

use sha2::{Digest, Sha256};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_FORMAT: &str = "scim-doctor-bundle/1";

/// Caps applied when reading any zip (bundle verify, `--snapshot PATH.zip`).
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_entries: usize,
    /// Sum of the uncompressed sizes of all entries read.
    pub max_total_bytes: u64,
}

impl Default for ReadLimits {
    /// 10,000 entries and 4 GiB uncompressed: a bundle of a million-user tenant holds a
    /// few dozen entries and well under 2 GiB.
    fn default() -> Self {
        ReadLimits {
            max_entries: 10_000,
            max_total_bytes: 4 << 30,
        }
    }
}

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

/// Removes the partial file unless the write was committed.
struct PartialGuard {
    path: PathBuf,
    committed: bool,
}

impl Drop for PartialGuard {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `files` (already final: scrubbed, redacted, manifest included) to `dest`
/// atomically and returns the zip's SHA-256. `cancel` is checked between entries.
pub fn write_zip(
    dest: &Path,
    files: &[(String, Vec<u8>)],
    stamp: time::OffsetDateTime,
    cancel: &AtomicBool,
) -> Result<String, String> {
    let file_name = dest
        .file_name()
        .ok_or_else(|| format!("{} is not a file path", dest.display()))?
        .to_string_lossy()
        .into_owned();
    let partial = dest.with_file_name(format!("{file_name}.partial"));
    let mut guard = PartialGuard {
        path: partial.clone(),
        committed: false,
    };
    let what =
        |e: &dyn std::fmt::Display| format!("cannot write the bundle {}: {e}", partial.display());
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&partial)
        .map_err(|e| what(&e))?;
    let t = stamp.to_offset(time::UtcOffset::UTC);
    let modified = zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    )
    .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified)
        .unix_permissions(0o644)
        .large_file(false);
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    for (name, bytes) in files {
        if cancel.load(Ordering::SeqCst) {
            return Err(
                "interrupted while writing the bundle; the partial file was removed".into(),
            );
        }
        let opts = if bytes.len() as u64 >= u32::MAX as u64 {
            options.large_file(true)
        } else {
            options
        };
        zip.start_file(name.as_str(), opts).map_err(|e| what(&e))?;
        zip.write_all(bytes).map_err(|e| what(&e))?;
    }
    let buffered = zip.finish().map_err(|e| what(&e))?;
    let file = buffered
        .into_inner()
        .map_err(|e| what(&e.error().to_string()))?;
    file.sync_all().map_err(|e| what(&e))?;
    drop(file);
    if cancel.load(Ordering::SeqCst) {
        return Err("interrupted while writing the bundle; the partial file was removed".into());
    }
    let sha = sha256_file(&partial).map_err(|e| what(&e))?;
    std::fs::rename(&partial, dest).map_err(|e| {
        format!(
            "cannot move the bundle into place at {}: {e}",
            dest.display()
        )
    })?;
    guard.committed = true;
    // The directory entry of the rename: without this a crash could lose the file.
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(sha)
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

/// Refuses entry names that could escape a directory if anyone extracted the zip:
/// absolute paths, drive letters, backslashes, `..` components.
pub fn check_entry_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.as_bytes().get(1) == Some(&b':')
        || name.split('/').any(|c| c == "..");
    if bad {
        Err(format!(
            "unsafe entry name `{}` (absolute or escaping path)",
            name.escape_default()
        ))
    } else {
        Ok(())
    }
}

/// One entry as read: its bytes, or why it could not be read (corrupt data, CRC mismatch).
pub struct Entry {
    pub name: String,
    pub data: Result<Vec<u8>, String>,
}

/// Reads every file entry of a zip whose name passes `want`, within `limits`. Errors that
/// concern the whole archive (not a zip, too many entries, unsafe names, over the size cap)
/// are `Err`; a single unreadable entry is reported in its `Entry`.
pub fn read_entries<R: Read + Seek>(
    reader: R,
    limits: ReadLimits,
    want: &dyn Fn(&str) -> bool,
) -> Result<Vec<Entry>, String> {
    let mut zip =
        zip::ZipArchive::new(reader).map_err(|e| format!("not a readable zip file: {e}"))?;
    if zip.len() > limits.max_entries {
        return Err(format!(
            "the zip has {} entries, more than the {} allowed",
            zip.len(),
            limits.max_entries
        ));
    }
    // First pass on the central directory only: names and the declared total size.
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("cannot read entry {i}: {e}"))?;
        check_entry_name(f.name())?;
        if !f.is_dir() && want(f.name()) {
            declared_total = declared_total.saturating_add(f.size());
            if declared_total > limits.max_total_bytes {
                return Err(size_error(f.name(), limits));
            }
        }
    }
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| format!("cannot read entry {i}: {e}"))?;
        let name = f.name().to_string();
        check_entry_name(&name)?;
        if f.is_dir() || !want(&name) {
            continue;
        }
        let declared = f.size();
        if total.saturating_add(declared) > limits.max_total_bytes {
            return Err(size_error(&name, limits));
        }
        // The declared size can lie; read at most one byte past the remaining allowance.
        let allowance = limits.max_total_bytes - total;
        let mut buf = Vec::with_capacity(declared.min(1 << 24) as usize);
        let read = (&mut f).take(allowance + 1).read_to_end(&mut buf);
        if buf.len() as u64 > allowance {
            return Err(size_error(&name, limits));
        }
        total += buf.len() as u64;
        let data = match read {
            Ok(_) if buf.len() as u64 != declared => Err(format!(
                "holds {} bytes but the zip declares {declared}",
                buf.len()
            )),
            Ok(_) => Ok(buf),
            Err(e) => Err(format!("corrupt data ({e})")),
        };
        out.push(Entry { name, data });
    }
    Ok(out)
}

fn size_error(name: &str, limits: ReadLimits) -> String {
    format!(
        "the zip expands to more than {} MiB (at entry `{}`); refusing to read it",
        limits.max_total_bytes >> 20,
        name.escape_default()
    )
}

/// Opens a zip file and reads the entries `want` selects.
pub fn read_file(
    path: &Path,
    limits: ReadLimits,
    want: &dyn Fn(&str) -> bool,
) -> Result<Vec<Entry>, String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    read_entries(std::io::BufReader::new(f), limits, want)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A zip whose entries are read as streams, one at a time, without holding any of them in
/// memory (`--snapshot bundle.zip` of a million-user tenant). The same caps as
/// `read_entries`: names are checked and the declared sizes summed when the zip is opened;
/// each stream then refuses more bytes than its entry declares, so the total stays within
/// the cap, and checks the entry's size and CRC-32 when it ends.
pub struct ZipStore {
    path: PathBuf,
    entries: std::collections::HashMap<String, StoredEntry>,
}

#[derive(Clone)]
struct StoredEntry {
    index: usize,
    data_start: u64,
    compressed: u64,
    size: u64,
    crc32: u32,
    method: zip::CompressionMethod,
    encrypted: bool,
}

impl ZipStore {
    /// Opens `path` and notes the entries `want` selects.
    pub fn open(
        path: &Path,
        limits: ReadLimits,
        want: &dyn Fn(&str) -> bool,
    ) -> Result<Self, String> {
        let at = |e: String| format!("{}: {e}", path.display());
        let f = std::fs::File::open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
            .map_err(|e| at(format!("not a readable zip file: {e}")))?;
        if zip.len() > limits.max_entries {
            return Err(at(format!(
                "the zip has {} entries, more than the {} allowed",
                zip.len(),
                limits.max_entries
            )));
        }
        let mut entries = std::collections::HashMap::new();
        let mut declared_total: u64 = 0;
        for i in 0..zip.len() {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| at(format!("cannot read entry {i}: {e}")))?;
            check_entry_name(f.name()).map_err(at)?;
            if f.is_dir() || !want(f.name()) {
                continue;
            }
            declared_total = declared_total.saturating_add(f.size());
            if declared_total > limits.max_total_bytes {
                return Err(at(size_error(f.name(), limits)));
            }
            entries.entry(f.name().to_string()).or_insert(StoredEntry {
                index: i,
                data_start: f.data_start(),
                compressed: f.compressed_size(),
                size: f.size(),
                crc32: f.crc32(),
                method: f.compression(),
                encrypted: f.encrypted(),
            });
        }
        Ok(ZipStore {
            path: path.to_path_buf(),
            entries,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry `name` as a stream (`None` when the zip has no such entry).
    pub fn reader(&self, name: &str) -> Option<std::io::Result<Box<dyn Read + Send>>> {
        let e = self.entries.get(name)?.clone();
        Some(self.open_entry(e))
    }

    fn open_entry(&self, e: StoredEntry) -> std::io::Result<Box<dyn Read + Send>> {
        use std::io::SeekFrom;
        let mut f = std::fs::File::open(&self.path)?;
        let inner: Box<dyn Read + Send> = match e.method {
            zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated if !e.encrypted => {
                f.seek(SeekFrom::Start(e.data_start))?;
                let raw = std::io::BufReader::with_capacity(1 << 16, f.take(e.compressed));
                if e.method == zip::CompressionMethod::Stored {
                    Box::new(raw)
                } else {
                    Box::new(flate2::read::DeflateDecoder::new(raw))
                }
            }
            // Anything else (another compression, encryption): the zip crate reads it
            // whole, or says why it cannot.
            _ => {
                let mut zip = zip::ZipArchive::new(std::io::BufReader::new(f))
                    .map_err(std::io::Error::other)?;
                let mut entry = zip.by_index(e.index).map_err(std::io::Error::other)?;
                let mut buf = Vec::new();
                (&mut entry).take(e.size + 1).read_to_end(&mut buf)?;
                Box::new(std::io::Cursor::new(buf))
            }
        };
        Ok(Box::new(Checked {
            inner,
            crc: crc32fast::Hasher::new(),
            read: 0,
            entry: e,
        }))
    }
}

/// An entry's bytes, checked against what the zip declares: never more than its size,
/// and at the end its size and CRC-32.
struct Checked {
    inner: Box<dyn Read + Send>,
    crc: crc32fast::Hasher,
    read: u64,
    entry: StoredEntry,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        let n = self
            .inner
            .read(buf)
            .map_err(|e| bad(format!("corrupt data ({e})")))?;
        self.read += n as u64;
        if self.read > self.entry.size {
            return Err(bad(format!(
                "holds more than the {} bytes the zip declares",
                self.entry.size
            )));
        }
        self.crc.update(&buf[..n]);
        if n == 0 && !buf.is_empty() {
            if self.read != self.entry.size {
                return Err(bad(format!(
                    "holds {} bytes but the zip declares {}",
                    self.read, self.entry.size
                )));
            }
            if self.crc.clone().finalize() != self.entry.crc32 {
                return Err(bad("corrupt data (CRC-32 mismatch)".into()));
            }
        }
        Ok(n)
    }
}

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
mod tests {
    use super::*;
    use std::io::Cursor;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, b) in entries {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(b).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn names_that_escape_are_refused_and_plain_ones_accepted() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\..\\x", ""] {
            assert!(check_entry_name(bad).is_err(), "{bad}");
        }
        for good in ["summary.md", "snapshot/users.ndjson", "checks/dup..x.csv"] {
            assert!(check_entry_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn reading_a_zip_slip_entry_fails_with_its_name() {
        let z = zip_of(&[("ok.txt", b"1"), ("../evil.txt", b"2")]);
        let err = read_entries(Cursor::new(z), ReadLimits::default(), &|_| true)
            .err()
            .unwrap();
        assert!(err.contains("../evil.txt"), "{err}");
    }

    #[test]
    fn entries_beyond_the_size_cap_are_refused() {
        let z = zip_of(&[("big.txt", &vec![b'a'; 4096])]);
        let limits = ReadLimits {
            max_entries: 10,
            max_total_bytes: 1000,
        };
        let err = read_entries(Cursor::new(z), limits, &|_| true)
            .err()
            .unwrap();
        assert!(err.contains("more than"), "{err}");
        let small = zip_of(&[("small.txt", b"abc")]);
        assert_eq!(
            read_entries(Cursor::new(small), limits, &|_| true)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn too_many_entries_are_refused() {
        let z = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        let limits = ReadLimits {
            max_entries: 2,
            max_total_bytes: 1000,
        };
        assert!(read_entries(Cursor::new(z), limits, &|_| true)
            .err()
            .unwrap()
            .contains("3 entries"));
    }

    #[test]
    fn a_failed_write_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("b.zip");
        let cancel = AtomicBool::new(true);
        let files = vec![("a.txt".to_string(), b"x".to_vec())];
        assert!(write_zip(&dest, &files, time::OffsetDateTime::UNIX_EPOCH, &cancel).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let ok = AtomicBool::new(false);
        let sha = write_zip(&dest, &files, time::OffsetDateTime::UNIX_EPOCH, &ok).unwrap();
        assert_eq!(sha, sha256_file(&dest).unwrap());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn store_of(z: &[u8]) -> (tempfile::TempDir, Result<ZipStore, String>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.zip");
        std::fs::write(&p, z).unwrap();
        let store = ZipStore::open(&p, ReadLimits::default(), &|n| n.starts_with("snapshot/"));
        (dir, store)
    }

    fn read_all(r: Option<std::io::Result<Box<dyn Read + Send>>>) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        r.expect("entry present")?.read_to_end(&mut out)?;
        Ok(out)
    }

    /// Entries stream back byte for byte, deflated or stored; unselected ones are absent.
    #[test]
    fn a_zip_store_streams_its_entries() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("snapshot/big", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(&big).unwrap();
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("snapshot/stored", stored).unwrap();
        w.write_all(b"plain").unwrap();
        w.start_file("report.json", stored).unwrap();
        w.write_all(b"{}").unwrap();
        let z = w.finish().unwrap().into_inner();
        let (_dir, store) = store_of(&z);
        let store = store.unwrap();
        assert_eq!(read_all(store.reader("snapshot/big")).unwrap(), big);
        assert_eq!(read_all(store.reader("snapshot/stored")).unwrap(), b"plain");
        assert!(store.reader("report.json").is_none());
    }

    /// A flipped byte in an entry's data is an error when the entry is read, never
    /// different bytes passed on in silence.
    #[test]
    fn a_zip_store_refuses_a_corrupt_entry() {
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("snapshot/users.ndjson", stored).unwrap();
        w.write_all(b"{\"id\":\"1\"}\n").unwrap();
        let mut z = w.finish().unwrap().into_inner();
        let at = z.windows(4).position(|w| w == b"\"id\"").unwrap();
        z[at + 1] = b'X';
        let (_dir, store) = store_of(&z);
        let err = read_all(store.unwrap().reader("snapshot/users.ndjson")).unwrap_err();
        assert!(err.to_string().contains("CRC-32"), "{err}");
        let (_dir, bad) = store_of(&zip_of(&[("../x", b"1")]));
        assert!(bad.err().unwrap().contains("unsafe entry name"));
    }
}
