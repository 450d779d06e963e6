//! Reading a zip safely: no path escapes, caps on entry count and uncompressed size,
//! enforced on the bytes actually inflated, not only the sizes the zip declares.

use super::{check_entry_name, names, Manifest, MANIFEST, MAX_MANIFEST};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

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

/// Refuses a zip whose central directory names one entry twice: the zip library keeps the
/// last copy only, so a reader and `bundle verify` could each see a different one. `start`
/// is where the central directory begins, `kept` how many entries the library kept.
fn refuse_duplicates<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    kept: usize,
    limits: ReadLimits,
) -> Result<(), String> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| format!("cannot read the zip's central directory: {e}");
    reader.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut seen = std::collections::HashSet::new();
    let mut records = 0usize;
    let mut head = [0u8; 46];
    while records <= limits.max_entries {
        if reader.read_exact(&mut head).is_err() || head[..4] != [0x50, 0x4b, 0x01, 0x02] {
            break;
        }
        let le = |i: usize| u16::from_le_bytes([head[i], head[i + 1]]) as i64;
        let mut name = vec![0u8; le(28) as usize];
        reader.read_exact(&mut name).map_err(io)?;
        reader
            .seek(SeekFrom::Current(le(30) + le(32)))
            .map_err(io)?;
        records += 1;
        if !seen.insert(name.clone()) {
            return Err(format!(
                "the zip holds two entries named `{}`: a reader would see only one of them; refusing to read it",
                String::from_utf8_lossy(&name).escape_default()
            ));
        }
    }
    if records > kept {
        return Err(format!(
            "the zip's central directory lists {records} entries under {kept} distinct names: refusing to read it"
        ));
    }
    if records < kept {
        // Data before the zip, or a directory the walk cannot follow: names unchecked.
        return Err(format!(
            "the zip's central directory could not be walked ({records} of {kept} entries): not a zip scim-doctor wrote; refusing to read it"
        ));
    }
    Ok(())
}

/// Opens `reader` as a zip after checking its central directory for repeated names.
fn open_zip<R: Read + Seek>(reader: R, limits: ReadLimits) -> Result<zip::ZipArchive<R>, String> {
    let bad = |e: zip::result::ZipError| format!("not a readable zip file: {e}");
    let zip = zip::ZipArchive::new(reader).map_err(bad)?;
    if zip.len() > limits.max_entries {
        return Err(format!(
            "the zip has {} entries, more than the {} allowed",
            zip.len(),
            limits.max_entries
        ));
    }
    let (start, kept) = (zip.central_directory_start(), zip.len());
    let mut reader = zip.into_inner();
    refuse_duplicates(&mut reader, start, kept, limits)?;
    zip::ZipArchive::new(reader).map_err(bad)
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
    let mut zip = open_zip(reader, limits)?;
    // First pass on the central directory only: names and the declared total size.
    let mut declared_total: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("cannot read entry {i}: {e}"))?;
        names::check_entry(f.name(), f.is_dir())?;
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
/// memory (`--snapshot bundle.zip` of a million-user tenant, `bundle verify`). When the zip
/// is opened: every name is checked (plain, defined by the bundle format, no name twice),
/// the declared sizes of the selected entries summed against the cap, and a `manifest.json`
/// listing a name the format does not define is refused. Each stream then refuses more
/// bytes than its entry declares, so the total stays within the cap, and checks the entry's
/// size and CRC-32 when it ends.
pub struct ZipStore {
    path: PathBuf,
    entries: std::collections::HashMap<String, StoredEntry>,
    /// Every file entry of the zip (selected or not), in the zip's order.
    names: Vec<String>,
}

#[derive(Clone)]
struct StoredEntry {
    data_start: u64,
    compressed: u64,
    size: u64,
    crc32: u32,
    method: zip::CompressionMethod,
}

impl ZipStore {
    /// Opens `path` and notes the entries `want` selects.
    pub fn open(
        path: &Path,
        limits: ReadLimits,
        want: &dyn Fn(&str) -> bool,
    ) -> Result<Self, String> {
        Self::open_checked(path, limits, want, true).map(|(store, _)| store)
    }

    /// For `bundle verify`: every entry selected, and the plain names the format does not
    /// define returned (a mismatch to report) instead of refused. Names that are not
    /// plain, a name twice and a manifest listing an undefined name are still refused.
    pub fn open_for_verify(path: &Path, limits: ReadLimits) -> Result<(Self, Vec<String>), String> {
        Self::open_checked(path, limits, &|_| true, false)
    }

    fn open_checked(
        path: &Path,
        limits: ReadLimits,
        want: &dyn Fn(&str) -> bool,
        strict: bool,
    ) -> Result<(Self, Vec<String>), String> {
        let at = |e: String| format!("{}: {e}", path.display());
        let mut undefined = Vec::new();
        let f = std::fs::File::open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let mut zip = open_zip(std::io::BufReader::new(f), limits).map_err(at)?;
        let mut entries = std::collections::HashMap::new();
        let mut names = Vec::new();
        let mut declared_total: u64 = 0;
        let mut manifest = None;
        for i in 0..zip.len() {
            let f = zip
                .by_index_raw(i)
                .map_err(|e| at(format!("cannot read entry {i}: {e}")))?;
            if strict {
                names::check_entry(f.name(), f.is_dir()).map_err(at)?;
            } else {
                check_entry_name(f.name()).map_err(at)?;
            }
            if f.is_dir() {
                continue;
            }
            names.push(f.name().to_string());
            if !names::is_defined(f.name()) {
                undefined.push(f.name().to_string());
                continue;
            }
            let stored = StoredEntry {
                data_start: f.data_start(),
                compressed: f.compressed_size(),
                size: f.size(),
                crc32: f.crc32(),
                method: f.compression(),
            };
            let supported = matches!(
                f.compression(),
                zip::CompressionMethod::Stored | zip::CompressionMethod::Deflated
            ) && !f.encrypted();
            if f.name() == MANIFEST && supported {
                manifest = Some(stored.clone());
            }
            if !want(f.name()) {
                continue;
            }
            if !supported {
                return Err(at(format!(
                    "entry `{}` is {} with {:?}: scim-doctor reads stored or deflated entries only",
                    f.name().escape_default(),
                    if f.encrypted() {
                        "encrypted"
                    } else {
                        "compressed"
                    },
                    f.compression()
                )));
            }
            declared_total = declared_total.saturating_add(f.size());
            if declared_total > limits.max_total_bytes {
                return Err(at(size_error(f.name(), limits)));
            }
            entries.insert(f.name().to_string(), stored);
        }
        let store = ZipStore {
            path: path.to_path_buf(),
            entries,
            names,
        };
        if let Some(m) = manifest {
            store.check_manifest(m).map_err(at)?;
        }
        Ok((store, undefined))
    }

    /// A manifest that lists a name the format does not define is refused (one that cannot
    /// be parsed is left to `bundle verify`, which reports it).
    fn check_manifest(&self, m: StoredEntry) -> Result<(), String> {
        let bytes = read_bounded(self.open_entry(m), MANIFEST, MAX_MANIFEST)?;
        if let Ok(manifest) = serde_json::from_slice::<Manifest>(&bytes) {
            for f in &manifest.files {
                if !names::is_defined(&f.path) {
                    return Err(format!(
                        "{MANIFEST} lists `{}`, a name the bundle format does not define: refusing to read it",
                        f.path.escape_default()
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every file entry's name, selected or not.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The entry `name` as a stream (`None` when the zip has no such entry).
    pub fn reader(&self, name: &str) -> Option<std::io::Result<Box<dyn Read + Send>>> {
        let e = self.entries.get(name)?.clone();
        Some(self.open_entry(e))
    }

    /// The entry `name` in memory, refused past `max` bytes (`Ok(None)` when absent).
    pub fn read_to_vec(&self, name: &str, max: u64) -> Result<Option<Vec<u8>>, String> {
        let Some(r) = self.reader(name) else {
            return Ok(None);
        };
        read_bounded(r, name, max).map(Some)
    }

    fn open_entry(&self, e: StoredEntry) -> std::io::Result<Box<dyn Read + Send>> {
        use std::io::SeekFrom;
        let mut f = std::fs::File::open(&self.path)?;
        f.seek(SeekFrom::Start(e.data_start))?;
        let raw = std::io::BufReader::with_capacity(1 << 16, f.take(e.compressed));
        let inner: Box<dyn Read + Send> = if e.method == zip::CompressionMethod::Stored {
            Box::new(raw)
        } else {
            Box::new(flate2::read::DeflateDecoder::new(raw))
        };
        Ok(Box::new(Checked {
            inner,
            crc: crc32fast::Hasher::new(),
            read: 0,
            entry: e,
        }))
    }
}

/// All of `r` (entry `name`), or an error naming the entry and the bound past `max` bytes.
fn read_bounded(
    r: std::io::Result<Box<dyn Read + Send>>,
    name: &str,
    max: u64,
) -> Result<Vec<u8>, String> {
    let what = |e: std::io::Error| format!("entry `{}`: {e}", name.escape_default());
    let mut buf = Vec::new();
    r.map_err(what)?
        .take(max + 1)
        .read_to_end(&mut buf)
        .map_err(what)?;
    if buf.len() as u64 > max {
        return Err(format!(
            "entry `{}` holds more than {} MiB, the most scim-doctor reads for it: refusing to read it",
            name.escape_default(),
            max >> 20
        ));
    }
    Ok(buf)
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
