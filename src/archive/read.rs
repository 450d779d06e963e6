//! Reading a zip safely: no path escapes, caps on entry count and uncompressed size,
//! enforced on the bytes actually inflated, not only the sizes the zip declares.

use super::check_entry_name;
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
