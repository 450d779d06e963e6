//! Writing a zip as a stream, deflating on every core: `ZipOut` writes entries one after
//! the other into `<dest>.partial` (removed unless `finish` succeeds), and an entry's data can
//! come in pieces produced and compressed by worker threads, so a 700 MB
//! `snapshot/users.ndjson` never sits in memory whole and is not compressed on one core.
//!
//! How the pieces make one entry: each worker deflates its piece with a fresh raw deflate
//! stream ended by a sync flush (byte-aligned, no final block), so the pieces concatenate
//! into one valid deflate stream, which one empty final block closes (RFC 1951 3.2.3). Each
//! worker also takes its piece's CRC-32; the calling thread combines them in order and hashes
//! the uncompressed bytes with SHA-256 as it writes them. The container records are in
//! `zipfmt`; the local header's CRC and sizes are patched by seeking back after the data.

use super::zipfmt::{self, Limits, Record, METHOD_DEFLATED, METHOD_STORED};
use flate2::{Compress, Compression, FlushCompress, Status};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

/// What one entry held: its uncompressed size and the hex SHA-256 of its uncompressed bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub size: u64,
    pub sha256: String,
}

pub const INTERRUPTED: &str = "interrupted while writing the bundle; the partial file was removed";

/// `add` deflates bytes up to this size in one stream on the calling thread, and bigger ones
/// in pieces of this size on the workers (also with one worker: `cancel` is then checked
/// between pieces).
const CHUNK: usize = 1 << 20;
/// Deflate's window: each piece of `add` is primed with the 32 KiB before it, so splitting
/// costs almost nothing in size.
const WINDOW: usize = 32 << 10;
/// An empty final block with fixed Huffman codes (BFINAL 1, BTYPE 01, end-of-block code 0):
/// it ends a deflate stream made of sync-flushed pieces.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

/// Worker threads: `SCIM_DOCTOR_THREADS` when set to a positive number (for benchmarks),
/// else the cores available.
pub fn threads() -> usize {
    std::env::var("SCIM_DOCTOR_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Deflate level: 6 (as `zip -6`, Info-ZIP's default) unless `SCIM_DOCTOR_ZIP_LEVEL` says
/// 0 to 9 (for experiments).
fn level() -> u32 {
    std::env::var("SCIM_DOCTOR_ZIP_LEVEL")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&n| n <= 9)
        .unwrap_or(6)
}

/// A zip being written. Dropping it before `finish` succeeded removes the partial file.
pub struct ZipOut {
    out: Option<BufWriter<File>>,
    partial: PathBuf,
    dest: PathBuf,
    committed: bool,
    /// A write failed half-way: the file is no zip any more and takes nothing else.
    broken: bool,
    pos: u64,
    dos: (u16, u16),
    records: Vec<Record>,
    names: HashSet<String>,
    level: u32,
    workers: usize,
    limits: Limits,
}

impl Drop for ZipOut {
    fn drop(&mut self) {
        if !self.committed {
            self.out = None;
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// One piece as a worker hands it back: the uncompressed bytes (for the SHA-256, taken on
/// the calling thread), their deflated form, their CRC-32 and what goes to `side`.
struct Piece<P, X> {
    raw: P,
    deflated: Vec<u8>,
    crc: crc32fast::Hasher,
    side: X,
}

/// Buffers handed back after their piece is written, for the next pieces: a worker that
/// took a fresh megabyte for every piece made the allocator ask the kernel for new, zeroed
/// pages all the time (a fifth of a bundle's time), and the pieces are freed on another
/// thread than the one that made them.
static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// At most this many buffers wait in the pool (a few megabytes each at most).
const POOL_SIZE: usize = 32;

/// An empty buffer of at least `capacity` bytes, from the pool when one is there: for the
/// bytes a producer hands to `ZipOut::add_parallel` (and gets back through `recycle`).
pub fn buffer(capacity: usize) -> Vec<u8> {
    let mut b = POOL
        .lock()
        .ok()
        .and_then(|mut p| p.pop())
        .unwrap_or_default();
    b.clear();
    b.reserve(capacity);
    b
}

/// Gives a buffer back to the pool (dropped when the pool is full).
pub fn recycle(b: Vec<u8>) {
    if b.capacity() == 0 || b.capacity() > 64 << 20 {
        return;
    }
    if let Ok(mut p) = POOL.lock() {
        if p.len() < POOL_SIZE {
            p.push(b);
        }
    }
}

/// A piece's raw bytes: a buffer of the pool goes back to it once written.
trait Raw: AsRef<[u8]> {
    fn done(self);
}

impl Raw for Vec<u8> {
    fn done(self) {
        recycle(self);
    }
}

impl Raw for &[u8] {
    fn done(self) {}
}

impl ZipOut {
    /// Creates `<dest>.partial` beside `dest` (never through a link planted there); the
    /// partial file is removed on drop unless `finish` succeeded.
    pub fn create(dest: &Path, stamp: time::OffsetDateTime) -> Result<ZipOut, String> {
        let file_name = dest
            .file_name()
            .ok_or_else(|| format!("{} is not a file path", dest.display()))?
            .to_string_lossy()
            .into_owned();
        let partial = dest.with_file_name(format!("{file_name}.partial"));
        let file = crate::util::create_output(&partial)
            .map_err(|e| format!("cannot write the bundle {}: {e}", partial.display()))?;
        Ok(ZipOut {
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            partial,
            dest: dest.to_path_buf(),
            committed: false,
            broken: false,
            pos: 0,
            dos: zipfmt::dos_time(stamp),
            records: Vec::new(),
            names: HashSet::new(),
            level: level(),
            workers: threads(),
            limits: Limits::default(),
        })
    }

    /// Test hooks: the worker count, and where zip64 starts (to reach it without 4 GiB).
    #[cfg(test)]
    pub(super) fn set_workers(&mut self, n: usize) {
        self.workers = n.max(1);
    }
    #[cfg(test)]
    pub(super) fn set_limits(&mut self, size: u64, entries: u64) {
        self.limits = Limits { size, entries };
    }

    fn fail(&self, e: &dyn std::fmt::Display) -> String {
        format!("cannot write the bundle {}: {e}", self.partial.display())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let r = match self.out.as_mut() {
            Some(out) => out.write_all(bytes),
            None => Err(std::io::Error::other("the file is closed")),
        };
        r.map_err(|e| self.fail(&e))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Checks the name and writes the local header; returns the entry's record so far.
    fn begin(&mut self, name: &str, method: u16, zip64: bool) -> Result<Record, String> {
        if self.broken {
            return Err(self.fail(&"an earlier write failed"));
        }
        super::names::check_plain(name)?;
        if !self.names.insert(name.to_string()) {
            return Err(self.fail(&format_args!("the entry `{name}` is written twice")));
        }
        let record = Record {
            name: name.to_string(),
            method,
            crc: 0,
            compressed: 0,
            size: 0,
            offset: self.pos,
            zip64_local: zip64,
        };
        let header = zipfmt::local_header(name, method, self.dos, zip64);
        self.broken = true;
        self.write(&header)?;
        Ok(record)
    }

    /// Patches the local header of `r` (whose data ends at the current position).
    fn end(&mut self, mut r: Record, crc: u32, size: u64, data_start: u64) -> Result<(), String> {
        r.crc = crc;
        r.size = size;
        r.compressed = self.pos - data_start;
        if !r.zip64_local && (r.size >= self.limits.size || r.compressed >= self.limits.size) {
            return Err(self.fail(&format_args!(
                "internal error: `{}` grew past the size its header can hold",
                r.name
            )));
        }
        let end = self.pos;
        let out = self.out.as_mut().ok_or("the bundle file is closed")?;
        let patched = (|| -> std::io::Result<()> {
            for (at, bytes) in zipfmt::patches(&r) {
                out.seek(SeekFrom::Start(at))?;
                out.write_all(&bytes)?;
            }
            out.seek(SeekFrom::Start(end))?;
            Ok(())
        })();
        patched.map_err(|e| self.fail(&e))?;
        self.records.push(r);
        self.broken = false;
        Ok(())
    }

    /// Whether an entry whose size is known to be `size` could need zip64 sizes.
    fn may_need_zip64(&self, size: u64) -> bool {
        // Deflate never grows data by more than a few bytes per 16 KiB stored block; an
        // eighth is far more than enough.
        size.saturating_add(size / 8 + 4096) >= self.limits.size
    }

    /// One entry from bytes in memory (big ones split into pieces deflated in parallel).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<Written, String> {
        self.add_cancellable(name, bytes, &AtomicBool::new(false))
    }

    /// `add`, checking `cancel` between the pieces of a big entry.
    pub fn add_cancellable(
        &mut self,
        name: &str,
        bytes: &[u8],
        cancel: &AtomicBool,
    ) -> Result<Written, String> {
        let size = bytes.len() as u64;
        if bytes.is_empty() {
            let r = self.begin(name, METHOD_STORED, false)?;
            let start = self.pos;
            self.end(r, 0, 0, start)?;
            return Ok(Written {
                size: 0,
                sha256: super::sha256_hex(bytes),
            });
        }
        let zip64 = self.may_need_zip64(size);
        let r = self.begin(name, METHOD_DEFLATED, zip64)?;
        let start = self.pos;
        if bytes.len() <= CHUNK {
            let mut c = Compress::new(Compression::new(self.level), false);
            let mut deflated = Vec::new();
            deflate(&mut c, bytes, FlushCompress::Finish, &mut deflated)?;
            self.write(&deflated)?;
            self.end(r, crc32fast::hash(bytes), size, start)?;
            return Ok(Written {
                size,
                sha256: super::sha256_hex(bytes),
            });
        }
        let ranges = (0..bytes.len())
            .step_by(CHUNK)
            .map(|s| (s, (s + CHUNK).min(bytes.len())));
        let job = |c: &mut Compress, (s, e): (usize, usize)| -> Result<Piece<&[u8], ()>, String> {
            let raw = &bytes[s..e];
            if s > 0 {
                c.set_dictionary(&bytes[s.saturating_sub(WINDOW)..s])
                    .map_err(|e| format!("cannot prime the compressor: {e}"))?;
            }
            piece(c, raw, ())
        };
        let sum = self.pieces(ranges, job, |()| Ok(()), cancel)?;
        self.write(&FINAL_BLOCK)?;
        let sha256 = hex::encode(sum.sha.finalize());
        self.end(r, sum.crc.finalize(), size, start)?;
        Ok(Written { size, sha256 })
    }

    /// One entry whose content is the concatenation, in item order, of `work(item).0`.
    /// `work` runs on every core, and each worker deflates what it produced; `side` gets
    /// `work(item).1` on the calling thread, in item order, as each piece is written. At most
    /// about two pieces per worker are in memory at once. `cancel` is checked between pieces.
    /// Each piece starts a fresh deflate window: pieces of a few hundred KiB or more compress
    /// within a fraction of a percent of one stream.
    pub fn add_parallel<T, X, F, S>(
        &mut self,
        name: &str,
        items: impl Iterator<Item = T>,
        work: F,
        side: S,
        cancel: &AtomicBool,
    ) -> Result<Written, String>
    where
        T: Send,
        X: Send,
        F: Fn(T) -> (Vec<u8>, X) + Sync,
        S: FnMut(X) -> Result<(), String>,
    {
        // The size is not known before the data is written: the local header always has room
        // for zip64 sizes (as Python's zipfile writes with force_zip64).
        let r = self.begin(name, METHOD_DEFLATED, true)?;
        let start = self.pos;
        let job = |c: &mut Compress, item: T| {
            let (raw, x) = work(item);
            piece(c, raw, x)
        };
        let sum = self.pieces(items, job, side, cancel)?;
        self.write(&FINAL_BLOCK)?;
        let size = sum.size;
        let sha256 = hex::encode(sum.sha.finalize());
        self.end(r, sum.crc.finalize(), size, start)?;
        Ok(Written { size, sha256 })
    }

    /// Runs `job` on each item on the workers (in order on this thread with one worker) and
    /// writes the pieces in item order, at most `2 x workers` of them in flight.
    fn pieces<T, P, X, J, S>(
        &mut self,
        items: impl Iterator<Item = T>,
        job: J,
        mut side: S,
        cancel: &AtomicBool,
    ) -> Result<Sum, String>
    where
        T: Send,
        P: Raw + Send,
        X: Send,
        J: Fn(&mut Compress, T) -> Result<Piece<P, X>, String> + Sync,
        S: FnMut(X) -> Result<(), String>,
    {
        let mut sum = Sum {
            crc: crc32fast::Hasher::new(),
            sha: Sha256::new(),
            size: 0,
        };
        let level = Compression::new(self.level);
        if self.workers <= 1 {
            let mut c = Compress::new(level, false);
            for item in items {
                if cancel.load(Ordering::SeqCst) {
                    return Err(INTERRUPTED.into());
                }
                c.reset();
                let p = job(&mut c, item)?;
                self.take(&mut sum, p, &mut side)?;
            }
            return Ok(sum);
        }
        let workers = self.workers;
        let (job_tx, job_rx) = mpsc::channel::<(u64, T)>();
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<(u64, Result<Piece<P, X>, String>)>();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..workers {
                let done_tx = done_tx.clone();
                let (job_rx, job, stop) = (&job_rx, &job, &stop);
                s.spawn(move || {
                    let mut c = Compress::new(level, false);
                    loop {
                        let next = match job_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((i, item)) = next else { break };
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        c.reset();
                        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            job(&mut c, item)
                        }))
                        .unwrap_or_else(|_| {
                            Err("internal error: a worker failed while compressing".into())
                        });
                        if done_tx.send((i, r)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(done_tx);
            // Owned here, so it is dropped when this closure returns (also on an error): the
            // workers then see the queue closed and stop before the scope joins them.
            let job_tx = job_tx;
            let mut items = items;
            let cap = 2 * workers as u64;
            let (mut sent, mut written, mut more) = (0u64, 0u64, true);
            let mut waiting = BTreeMap::new();
            let result = loop {
                if cancel.load(Ordering::SeqCst) {
                    break Err(INTERRUPTED.to_string());
                }
                while more && sent - written < cap {
                    match items.next() {
                        Some(item) => {
                            if job_tx.send((sent, item)).is_err() {
                                more = false;
                            }
                            sent += 1;
                        }
                        None => more = false,
                    }
                }
                if written == sent {
                    break Ok(());
                }
                let Ok((i, r)) = done_rx.recv() else {
                    break Err("internal error: the compression workers stopped".into());
                };
                match r {
                    Ok(p) => waiting.insert(i, p),
                    Err(e) => break Err(e),
                };
                let mut taken = Ok(());
                while let Some(p) = waiting.remove(&written) {
                    if cancel.load(Ordering::SeqCst) {
                        taken = Err(INTERRUPTED.to_string());
                        break;
                    }
                    taken = self.take(&mut sum, p, &mut side);
                    written += 1;
                    if taken.is_err() {
                        break;
                    }
                }
                if taken.is_err() {
                    break taken;
                }
            };
            stop.store(true, Ordering::SeqCst);
            result
        })?;
        Ok(sum)
    }

    /// Writes one piece, adds it to the entry's sums and hands its side value over.
    fn take<P: Raw, X>(
        &mut self,
        sum: &mut Sum,
        p: Piece<P, X>,
        side: &mut impl FnMut(X) -> Result<(), String>,
    ) -> Result<(), String> {
        self.write(&p.deflated)?;
        let raw = p.raw.as_ref();
        sum.sha.update(raw);
        sum.crc.combine(&p.crc);
        sum.size += raw.len() as u64;
        recycle(p.deflated);
        p.raw.done();
        side(p.side)
    }

    /// Writes the central directory (and the zip64 end records when needed), flushes and
    /// syncs the file, renames it into place and syncs the directory. Returns the hex SHA-256
    /// of the whole zip.
    pub fn finish(mut self, cancel: &AtomicBool) -> Result<String, String> {
        if self.broken {
            return Err(self.fail(&"an earlier write failed"));
        }
        let cd_offset = self.pos;
        let records = std::mem::take(&mut self.records);
        for r in &records {
            let h = zipfmt::central_header(r, self.dos, self.limits);
            self.write(&h)?;
        }
        let cd_size = self.pos - cd_offset;
        let end = zipfmt::end_records(records.len() as u64, cd_size, cd_offset, self.limits);
        self.write(&end)?;
        let out = self.out.take().ok_or("the bundle file is closed")?;
        let file = out.into_inner().map_err(|e| self.fail(e.error()))?;
        file.sync_all().map_err(|e| self.fail(&e))?;
        drop(file);
        if cancel.load(Ordering::SeqCst) {
            return Err(INTERRUPTED.into());
        }
        let sha = super::sha256_file(&self.partial).map_err(|e| self.fail(&e))?;
        std::fs::rename(&self.partial, &self.dest).map_err(|e| {
            format!(
                "cannot move the bundle into place at {}: {e}",
                self.dest.display()
            )
        })?;
        self.committed = true;
        // The directory entry of the rename: without this a crash could lose the file.
        if let Some(dir) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(sha)
    }
}

/// The running sums of one entry.
struct Sum {
    crc: crc32fast::Hasher,
    sha: Sha256,
    size: u64,
}

/// Deflates `raw` on a worker with a sync flush and takes its CRC-32.
fn piece<P: AsRef<[u8]>, X>(c: &mut Compress, raw: P, side: X) -> Result<Piece<P, X>, String> {
    let mut deflated = buffer(raw.as_ref().len() / 2 + 4096);
    deflate(c, raw.as_ref(), FlushCompress::Sync, &mut deflated)?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(raw.as_ref());
    Ok(Piece {
        raw,
        deflated,
        crc,
        side,
    })
}

/// Deflates all of `input` into `out` with `flush`: `Finish` ends the stream, `Sync` ends on
/// a byte boundary with no final block.
fn deflate(
    c: &mut Compress,
    input: &[u8],
    flush: FlushCompress,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let first = c.total_in();
    loop {
        let done = (c.total_in() - first) as usize;
        out.reserve((input.len() - done) / 2 + 4096);
        let status = c
            .compress_vec(&input[done..], out, flush)
            .map_err(|e| format!("cannot compress: {e}"))?;
        let all_in = (c.total_in() - first) as usize == input.len();
        match flush {
            FlushCompress::Finish if status == Status::StreamEnd => return Ok(()),
            FlushCompress::Finish => {}
            // zlib's rule: a flush is complete when it returns with output space left.
            _ if all_in && out.len() < out.capacity() => return Ok(()),
            _ => {}
        }
    }
}
