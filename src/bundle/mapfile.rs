//! The private pseudonym map beside the bundle (`<zip>.map.json`, mode 0600, never in the
//! zip), written as the values go by instead of held in memory: one JSON document whose
//! first line holds the format and the key, then one entry per line.
//!
//! ```text
//! {"format":"scim-doctor-pii-map/4","keep_domains":false,"key":"<64 hex>","entries":[
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
//!
//! `MapReader` is the one reader of a map (`--map-file`, `PiiMap::load`): an entry at a
//! time, each line bounded (`MAX_MAP_LINE`), so a damaged or hostile map is never read
//! into memory whole.

use super::policy::Policy;
use crate::source::snapshot::bounds::{MAX_VALUE, MAX_WHOLE};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

pub const MAP_FORMAT: &str = "scim-doctor-pii-map/4";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapEntry {
    /// Where the value was first seen (`userName`, `addresses.streetAddress`, `idp:department`).
    pub field: String,
    pub original: String,
    pub pseudonym: String,
}

/// An entry as it is written (borrowed: no copy of the three strings); the pseudonym as
/// the UTF-8 bytes the pseudonymiser built.
pub struct EntryRef<'a> {
    pub field: &'a str,
    pub original: &'a str,
    pub pseudonym: &'a [u8],
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

/// The map writer's buffer (bytes).
const MAP_BUFFER: usize = 64 << 10;

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
fn seen_key(original: &str) -> u64 {
    std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::with_seed(0x5ced), original)
}

/// The originals a thread wrote lately, by fingerprint: a set of two per fingerprint's
/// low bits, the newer first (no probing, no clearing). Values that repeat across a tenant
/// (a department, a title) stay most of the time and are written again only when two
/// newer values push them out of their set; two such values that share a set stay both
/// (a table of one slot per set made them push each other out at every user, for good).
/// 64 KB, so that it stays in the core's cache next to the deflate state: at 512 KB the
/// lookups missed it and cost more than the repeats a larger table saves from the map.
pub struct Recently(Vec<[u64; 2]>);

/// Sets of `Recently` (a power of two).
const RECENTLY_SETS: usize = 1 << 12;

impl Default for Recently {
    fn default() -> Self {
        Recently(vec![[0; 2]; RECENTLY_SETS])
    }
}

impl Recently {
    /// Whether `original` is new lately (and so to be written); remembers it.
    pub fn fresh(&mut self, original: &str) -> bool {
        let k = seen_key(original) | 1;
        let set = &mut self.0[(k >> 1) as usize % RECENTLY_SETS];
        match set {
            [a, _] if *a == k => false,
            [a, b] if *b == k => {
                std::mem::swap(a, b);
                false
            }
            [a, b] => {
                *b = *a;
                *a = k;
                true
            }
        }
    }

    pub fn clear(&mut self) {
        self.0.fill([0; 2]);
    }
}

/// Appends one entry as a line of the map, `,{"field":..,"original":..,"pseudonym":..}`
/// and a newline: the bytes `serde_json` writes for `EntryRef`, with its escaping, after
/// the comma that separates entries (the writer drops the first entry's).
pub fn push_entry(out: &mut Vec<u8>, e: &EntryRef) {
    out.extend_from_slice(b",{\"field\":");
    push_json_str(out, e.field.as_bytes());
    out.extend_from_slice(b",\"original\":");
    push_json_str(out, e.original.as_bytes());
    out.extend_from_slice(b",\"pseudonym\":");
    push_json_str(out, e.pseudonym);
    out.extend_from_slice(b"}\n");
}

/// Whether JSON needs an escape in `s`: a control character, a quote or a backslash. Eight
/// bytes at a time, with the word tricks that tell whether any byte of a word is zero, or
/// below a bound up to 128; both are exact for "any" (the borrows they leave only ever
/// follow a byte they flag).
fn needs_escape(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut words = s.chunks_exact(8);
    let mut found = 0;
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b);
        found |= (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
            | zero_in(x ^ (ONES * u64::from(b'"')))
            | zero_in(x ^ (ONES * u64::from(b'\\')));
    }
    found != 0
        || words
            .remainder()
            .iter()
            .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// A JSON string of the UTF-8 text `s`: as it is between quotes when nothing in it needs
/// escaping (most values), else as `serde_json` escapes it.
pub(super) fn push_json_str(out: &mut Vec<u8>, s: &[u8]) {
    if needs_escape(s) {
        let _ = serde_json::to_writer(&mut *out, &String::from_utf8_lossy(s));
    } else {
        out.push(b'"');
        out.extend_from_slice(s);
        out.push(b'"');
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
            // Entries one by one gather in the buffer; a batch's lines (a megabyte) are
            // larger than it and go to the file without a copy.
            out: Some(std::io::BufWriter::with_capacity(MAP_BUFFER, file)),
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
            pseudonym: pseudonym.as_bytes(),
        };
        let mut line = Vec::new();
        push_entry(&mut line, &e);
        // `push_entry`'s line is `,{...}` and a newline.
        let json = String::from_utf8_lossy(&line[1..line.len() - 1]);
        let json = crate::secret::scrub(&json);
        self.line(json.as_bytes())
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

    /// Carries the entries of the map being extended into this one, one at a time
    /// (`MapReader`: each line bounded).
    pub fn copy_from(&mut self, old: &Path) -> Result<(), String> {
        let mut reader = MapReader::open(old)?;
        while let Some(e) = reader.next_entry()? {
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

/// One line of a map file (bytes): room for an original and its pseudonym of one JSON
/// value's bound each (`MAX_VALUE`, 128 MiB), and the field. A real map's lines are tens
/// to hundreds of bytes; a longer line is refused, naming the file and the line, so a
/// damaged or hostile map is never read into memory whole.
pub const MAX_MAP_LINE: usize = 2 * MAX_VALUE + (1 << 20);

/// The header line of this version's layout is short: a longer first line is not one.
const MAX_HEADER_LINE: u64 = 4096;

/// A map in another layout (pretty-printed, on one line, an older version's) is one JSON
/// document, read whole up to the bound for a file read whole.
#[derive(Deserialize)]
struct MapDocument {
    format: String,
    #[serde(default)]
    keep_domains: bool,
    #[serde(default)]
    key: String,
    #[serde(default)]
    entries: Vec<MapEntry>,
}

enum Layout {
    /// This version's layout, read a line at a time.
    Lines {
        input: std::io::BufReader<std::fs::File>,
        /// The number of the line read last (1: the header).
        line: usize,
        buf: Vec<u8>,
    },
    /// Another layout, read whole.
    Whole(std::vec::IntoIter<MapEntry>),
}

/// Reads a map file (`--map-file`, `PiiMap::load`): its header, then its entries one at a
/// time. The one reader of map files, so every reader of a map holds the same bounds.
pub struct MapReader {
    path: PathBuf,
    header: MapHeader,
    layout: Layout,
    max_line: usize,
}

impl MapReader {
    /// Opens `path` and reads its header: the first line in this version's layout, else
    /// the whole document (at most `MAX_WHOLE`).
    pub fn open(path: &Path) -> Result<MapReader, String> {
        Self::open_bounded(path, MAX_MAP_LINE)
    }

    fn open_bounded(path: &Path, max_line: usize) -> Result<MapReader, String> {
        let what =
            |e: &dyn std::fmt::Display| format!("cannot read the map file {}: {e}", path.display());
        let f = std::fs::File::open(path).map_err(|e| what(&e))?;
        let mut input = std::io::BufReader::with_capacity(1 << 16, f);
        let mut first = Vec::new();
        (&mut input)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut first)
            .map_err(|e| what(&e))?;
        let header = std::str::from_utf8(&first)
            .ok()
            .and_then(|l| l.trim_end().strip_suffix(ENTRIES_OPEN))
            .and_then(|head| {
                serde_json::from_str::<MapHeader>(&format!("{head}\"entries\":[]}}")).ok()
            });
        let (header, layout) = match header {
            Some(h) => (
                h,
                Layout::Lines {
                    input,
                    line: 1,
                    buf: Vec::new(),
                },
            ),
            None => {
                let doc = read_document(path)?;
                let header = MapHeader {
                    format: doc.format,
                    keep_domains: doc.keep_domains,
                    key: doc.key,
                };
                (header, Layout::Whole(doc.entries.into_iter()))
            }
        };
        Ok(MapReader {
            path: path.to_path_buf(),
            header,
            layout,
            max_line,
        })
    }

    pub fn header(&self) -> &MapHeader {
        &self.header
    }

    /// The next entry, `None` at the end of the list.
    pub fn next_entry(&mut self) -> Result<Option<MapEntry>, String> {
        let path = &self.path;
        let (input, line, buf) = match &mut self.layout {
            Layout::Whole(entries) => return Ok(entries.next()),
            Layout::Lines { input, line, buf } => (input, line, buf),
        };
        loop {
            buf.clear();
            *line += 1;
            let complete = read_line(input, buf, self.max_line).map_err(|e| {
                format!(
                    "cannot read the map file {}: line {line}: {e}",
                    path.display()
                )
            })?;
            match complete {
                None => return Ok(None),
                Some(false) => {
                    return Err(format!(
                        "the map file {}: line {line} is longer than {}, the bound for one entry (a damaged or hostile file); refusing to read it (to start a new map, give --map-file a path where no map is)",
                        path.display(),
                        size(self.max_line)
                    ))
                }
                Some(true) => {}
            }
            let text = buf.trim_ascii();
            let body = text.strip_prefix(b",").unwrap_or(text).trim_ascii();
            if body.is_empty() || body == b"]}" {
                continue;
            }
            return serde_json::from_slice(body).map(Some).map_err(|e| {
                format!(
                    "the map file {}: line {line} is not a map entry: {}",
                    path.display(),
                    crate::input::json_error(&e)
                )
            });
        }
    }
}

/// Reads one line (without its `\n`) into `buf`: `None` at the end of the file,
/// `Some(false)` when the line is longer than `max` bytes (then it is not read further).
/// The buffer never grows past `max`, and a line at the bound costs about the bound in
/// memory, not two or three times it.
fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    let mut any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(true));
        }
        any = true;
        let (part, end) = match memchr::memchr(b'\n', chunk) {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + part > max {
            return Ok(Some(false));
        }
        if buf.capacity() < buf.len() + part {
            let doubled = (buf.len() + part).max(2 * buf.capacity());
            // Past 1 MiB (no real entry gets there), straight to the bound: the pages are
            // touched only as the line fills them, where doubling would leave every
            // smaller buffer behind (the allocator keeps freed pages for a while).
            let want = if doubled > 1 << 20 {
                max
            } else {
                doubled.min(max)
            };
            buf.reserve_exact(want - buf.len());
        }
        buf.extend_from_slice(&chunk[..part]);
        input.consume(part + usize::from(end));
        if end {
            return Ok(Some(true));
        }
    }
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// A map in another layout, read whole: at most `MAX_WHOLE` bytes.
fn read_document(path: &Path) -> Result<MapDocument, String> {
    let what =
        |e: &dyn std::fmt::Display| format!("cannot read the map file {}: {e}", path.display());
    let f = std::fs::File::open(path).map_err(|e| what(&e))?;
    // A file that says it is too large is refused unread; the count of bytes read holds
    // for one that grows or says nothing (a pipe).
    let said = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::new();
    if said <= MAX_WHOLE {
        bytes.reserve_exact(said as usize + 1);
        f.take(MAX_WHOLE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| what(&e))?;
    }
    if said > MAX_WHOLE || bytes.len() as u64 > MAX_WHOLE {
        return Err(format!(
            "the map file {} does not start with a `{MAP_FORMAT}` header line and is larger than {} MiB, the most scim-doctor reads of a map in another layout; refusing to read it (to start a new map, give --map-file a path where no map is)",
            path.display(),
            MAX_WHOLE >> 20
        ));
    }
    let text = crate::input::decode(&bytes)
        .map_err(|e| format!("the map file {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a scim-doctor pseudonym map: {}",
            path.display(),
            crate::input::json_error(&e)
        )
    })
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
#[path = "mapfile_tests.rs"]
mod tests;
