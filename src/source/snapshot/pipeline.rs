//! Reading a large file of resources on every core. One thread reads the file and cuts it
//! into resources (NDJSON lines here, or the elements of a JSON document's resource array,
//! found by the scanner in `document`); worker threads parse batches of them
//! (`ResourceSeed`, then `Prepared::of`: kind, user or group, id hash); this thread commits
//! them to the intake in file order (`drive`). The tenant is exactly what reading one
//! resource at a time gives: the same resources, order, repeats and messages.

use super::bounds::MAX_LINE;
use super::formats::{trim_ascii, TextSource};
use crate::model::{Intake, Kind, Prepared, ResourceSeed};
use serde::de::DeserializeSeed;
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

/// Bytes of resources handed to a worker at a time (tiny in unit tests, so that tokens
/// straddle every boundary).
pub(super) const BATCH: usize = if cfg!(test) { 96 } else { 4 << 20 };
/// Bytes asked of the reader at a time.
pub(super) const READ: usize = if cfg!(test) { 7 } else { 1 << 20 };

/// Where a resource sits in its file, for the message that reports it.
#[derive(Clone, Copy)]
pub(super) enum Place {
    /// An NDJSON line: its number, the file offset of its first non-blank byte, and
    /// whether a newline ended it.
    Line {
        line: usize,
        offset: usize,
        ended: bool,
    },
    /// The n-th element of the array its batch names.
    Item(usize),
}

/// How a report names a resource's place: "users.ndjson line 7", "Users.json Resources[] 3".
pub(super) fn position(file: &str, label: &str, place: Place) -> String {
    match place {
        Place::Line { line, .. } => format!("{file} line {line}"),
        Place::Item(n) => format!("{file} {label} {n}"),
    }
}

pub(super) struct Batch {
    pub(super) bytes: Vec<u8>,
    pub(super) items: Vec<(Range<usize>, Place)>,
    /// The array the items are from ("Resources[]", "item"); empty for NDJSON.
    pub(super) label: Arc<str>,
    /// How many resources the document says it holds (`totalResults`), when it says so
    /// before its resources.
    pub(super) expect: Option<usize>,
}

/// A batch parsed, on its way to the intake.
struct Parsed {
    label: Arc<str>,
    expect: Option<usize>,
    out: Vec<(Place, Done)>,
}

// By value for the reason `Prepared` is (see `model::intake`).
#[allow(clippy::large_enum_variant)]
pub(super) enum Done {
    Ready(Prepared),
    /// An NDJSON line that is not a resource: the problem, in words.
    Unreadable(String),
    /// A document element that does not parse: the document is read again exactly.
    Broken,
}

/// The reader gave up on a document: read it again with `formats::read_document`.
pub struct Fallback;

fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 8))
}

/// Runs `split` on its own thread (it reads the file and hands batches to `emit`, which
/// answers false once nobody wants more), parses the batches on worker threads with
/// `parse`, and commits the results in order. Returns what `split` returned and whether a
/// worker met a broken element (nothing after it was committed).
pub(super) fn drive<T: Send>(
    split: impl FnOnce(&mut dyn FnMut(Batch) -> bool, &dyn Fn() -> Vec<u8>) -> T + Send,
    parse: fn(&[u8], Place, Option<Kind>) -> Done,
    hint: Option<Kind>,
    intake: &mut Intake,
    position: &dyn Fn(&str, Place) -> String,
) -> (T, bool) {
    let abandon = AtomicBool::new(false);
    let n = workers();
    let (batch_tx, batch_rx) = sync_channel::<(usize, Batch)>(n);
    let batch_rx = Mutex::new(batch_rx);
    let (done_tx, done_rx) = sync_channel::<(usize, Parsed)>(n);
    // Batch buffers go back to the reader once parsed: fresh ones would each be faulted
    // in (zeroed by the kernel) again, about as costly as the parsing.
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(2 * n + 2);
    std::thread::scope(|s| {
        let abandon = &abandon;
        let batch_rx = &batch_rx;
        let splitter = s.spawn(move || {
            let mut seq = 0;
            let mut emit = |b: Batch| {
                if abandon.load(Ordering::Relaxed) {
                    return false;
                }
                let sent = batch_tx.send((seq, b)).is_ok();
                seq += 1;
                sent
            };
            let fresh = || match recycle_rx.try_recv() {
                Ok(mut b) => {
                    b.clear();
                    b
                }
                Err(_) => Vec::with_capacity(BATCH + 2 * READ),
            };
            split(&mut emit, &fresh)
        });
        for _ in 0..n {
            let done_tx = done_tx.clone();
            let recycle_tx = recycle_tx.clone();
            s.spawn(move || loop {
                let next = batch_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((seq, batch)) = next else { break };
                let out = if abandon.load(Ordering::Relaxed) {
                    Vec::new()
                } else {
                    batch
                        .items
                        .iter()
                        .map(|(r, place)| {
                            // A bug in a parser must not leave the reader waiting for a
                            // worker that is gone: the item counts as broken.
                            let parsed =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    parse(&batch.bytes[r.clone()], *place, hint)
                                }));
                            (*place, parsed.unwrap_or(Done::Broken))
                        })
                        .collect()
                };
                let _ = recycle_tx.try_send(batch.bytes);
                let parsed = Parsed {
                    label: batch.label,
                    expect: batch.expect,
                    out,
                };
                if done_tx.send((seq, parsed)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        drop(recycle_tx);
        let mut pending = BTreeMap::new();
        let mut next = 0;
        let mut broken = false;
        for (seq, parsed) in done_rx.iter() {
            pending.insert(seq, parsed);
            while let Some(Parsed { label, expect, out }) = pending.remove(&next) {
                next += 1;
                if broken {
                    continue;
                }
                if let Some(n) = expect {
                    intake.reserve(hint.unwrap_or(Kind::User), n);
                }
                for (place, done) in out {
                    match done {
                        Done::Ready(p) => intake.commit(p, || position(&label, place)),
                        Done::Unreadable(problem) => {
                            intake.unreadable(hint, &position(&label, place), problem)
                        }
                        Done::Broken => {
                            broken = true;
                            abandon.store(true, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            }
        }
        let out = splitter
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (out, broken)
    })
}

fn parse_line(bytes: &[u8], place: Place, hint: Option<Kind>) -> Done {
    let Place::Line { offset, ended, .. } = place else {
        return Done::Broken;
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Done::Unreadable(format!(
                "not UTF-8 text (invalid byte at offset {} of the file)",
                offset + e.valid_up_to()
            ))
        }
    };
    let mut de = serde_json::Deserializer::from_str(text);
    match ResourceSeed
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
    {
        Ok(f) => Done::Ready(Prepared::of(f, hint)),
        Err(e) => Done::Unreadable(if e.is_eof() && !ended {
            format!(
                "truncated: the last line stops at column {} in the middle of a resource (an interrupted copy?)",
                e.column()
            )
        } else if e.is_eof() {
            format!(
                "truncated JSON: the line ends early at column {}",
                e.column()
            )
        } else {
            format!("not valid JSON at column {}: {e}", e.column())
        }),
    }
}

pub(super) fn parse_item(bytes: &[u8], _: Place, hint: Option<Kind>) -> Done {
    // The item is checked as UTF-8 once, in one pass, rather than string by string as a
    // byte reader does; anything wrong goes to the exact reader, which names it.
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Done::Broken;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    match ResourceSeed
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
    {
        Ok(f) => Done::Ready(Prepared::of(f, hint)),
        Err(_) => Done::Broken,
    }
}

/// Reads until `buf` holds at least `want` bytes or the reader ends; true at the end.
pub(super) fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    while buf.len() < want {
        let old = buf.len();
        buf.resize(old + READ, 0);
        match reader.read(&mut buf[old..]) {
            Ok(0) => {
                buf.truncate(old);
                return Ok(true);
            }
            Ok(got) => buf.truncate(old + got),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
            Err(e) => {
                buf.truncate(old);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// The error for an NDJSON line past `MAX_LINE`.
fn long_line(line: usize, offset: usize) -> String {
    format!(
        "line {line} (from byte {offset}) is longer than {} MiB, the bound for one line (one resource); refusing to read it",
        MAX_LINE >> 20
    )
}

/// Reads NDJSON (one resource per line) into `intake`; returns the non-blank lines read.
/// A line that is not UTF-8 or not JSON is a resource that could not be read: reported
/// with its line and byte offset, never skipped in silence.
pub fn ndjson(
    src: TextSource<'_>,
    file: &str,
    hint: Kind,
    intake: &mut Intake,
) -> Result<usize, String> {
    let mut reader = src.reader;
    let split = |emit: &mut dyn FnMut(Batch) -> bool,
                 fresh: &dyn Fn() -> Vec<u8>|
     -> Result<usize, String> {
        let mut buf: Vec<u8> = fresh();
        let (mut base, mut lines, mut n) = (0usize, 0usize, 0usize);
        let mut want = BATCH;
        let label: Arc<str> = Arc::from("");
        loop {
            let eof = fill(&mut reader, &mut buf, want)
                .map_err(|e| format!("cannot read {file} after byte {}: {e}", base + buf.len()))?;
            let cut = if eof {
                buf.len()
            } else {
                match memchr::memrchr(b'\n', &buf) {
                    Some(i) => i + 1,
                    None => {
                        // One line longer than a batch: read on, up to the bound.
                        if buf.len() > MAX_LINE {
                            return Err(long_line(lines + 1, base));
                        }
                        want = (buf.len() * 2).min(MAX_LINE + READ);
                        continue;
                    }
                }
            };
            let mut items = Vec::new();
            let mut start = 0;
            while start < cut {
                let end = memchr::memchr(b'\n', &buf[start..cut]).map_or(cut, |i| start + i + 1);
                lines += 1;
                if end - start > MAX_LINE {
                    return Err(long_line(lines, base + start));
                }
                let line = &buf[start..end];
                let trimmed = trim_ascii(line);
                if !trimmed.is_empty() {
                    n += 1;
                    let a = start + (trimmed.as_ptr() as usize - line.as_ptr() as usize);
                    items.push((
                        a..a + trimmed.len(),
                        Place::Line {
                            line: lines,
                            offset: base + a,
                            ended: line.last() == Some(&b'\n'),
                        },
                    ));
                }
                start = end;
            }
            let mut tail = fresh();
            tail.extend_from_slice(&buf[cut..]);
            let bytes = std::mem::replace(&mut buf, tail);
            base += cut;
            want = BATCH;
            if !items.is_empty()
                && !emit(Batch {
                    bytes,
                    items,
                    label: label.clone(),
                    expect: None,
                })
            {
                return Ok(n);
            }
            if eof {
                return Ok(n);
            }
        }
    };
    let position = |label: &str, place: Place| position(file, label, place);
    let (out, broken) = drive(split, parse_line, Some(hint), intake, &position);
    if broken {
        return Err(format!(
            "{file}: an internal error stopped the reading (a bug: please report it)"
        ));
    }
    out
}
