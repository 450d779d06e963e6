//! Hard bounds on what one snapshot file may make the reader hold or do, whoever wrote it.
//! Past a bound the file is refused with its name, the position and the bound (exit 2);
//! memory stays within a small multiple of the bound. docs/hardening.md lists them.
//!
//! `Bounded` checks whole chunks as they are read (their first and last non-blank byte),
//! never byte by byte, so the fast loader keeps its speed. `ValueGuard` follows strings
//! byte by byte and is used only by the exact reader, which reads rare or broken files.

use std::io::{self, Read};

/// Decompressed size of one `.gz` file (bytes): as much as a whole bundle zip may inflate to.
pub const MAX_INFLATED: u64 = 4 << 30;
/// One NDJSON line, i.e. one resource of a snapshot (bytes). A group of a million members
/// is about 60 MiB.
pub const MAX_LINE: usize = 128 << 20;
/// One JSON value of a document: a resource of a `Resources` array, a string, a number
/// (bytes).
pub const MAX_VALUE: usize = 128 << 20;
/// One run of whitespace (spaces, tabs, line ends), anywhere in a file (bytes).
pub const MAX_BLANK: u64 = 16 << 20;
/// A file read whole: `snapshot.json`, a discovery document, a UTF-16 file (bytes).
pub const MAX_WHOLE: u64 = 256 << 20;

fn mib(n: u64) -> u64 {
    n >> 20
}

fn refuse(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn blank(b: &u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// A reader that refuses more than `max` bytes in all (`None`: no total bound) and any run
/// of whitespace longer than `MAX_BLANK`.
pub struct Bounded<R> {
    inner: R,
    read: u64,
    max: Option<u64>,
    /// Whitespace bytes at the end of what was read so far.
    blank: u64,
}

impl<R: Read> Bounded<R> {
    /// `max`: the decompressed bound of a compressed file, `None` for a plain one.
    pub fn new(inner: R, max: Option<u64>) -> Self {
        Bounded {
            inner,
            read: 0,
            max,
            blank: 0,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        let start = self.read;
        self.read += n as u64;
        if let Some(max) = self.max.filter(|m| self.read > *m) {
            return Err(refuse(format!(
                "decompresses to more than {} MiB (the bound for one compressed file); refusing to read past byte {max}",
                mib(max)
            )));
        }
        // A run inside one chunk is shorter than the chunk, so shorter than the bound: only
        // runs that touch a chunk's ends need counting, and they are found from the ends.
        match chunk.iter().position(|b| !blank(b)) {
            None => self.blank += n as u64,
            Some(first) => {
                self.blank += first as u64;
                if self.blank <= MAX_BLANK {
                    let last = chunk.iter().rposition(|b| !blank(b)).unwrap_or(first);
                    self.blank = (n - 1 - last) as u64;
                }
            }
        }
        if self.blank > MAX_BLANK {
            return Err(refuse(format!(
                "holds a run of more than {} MiB of whitespace (before byte {}); refusing to read on",
                mib(MAX_BLANK),
                start + n as u64
            )));
        }
        Ok(n)
    }
}

/// Follows the strings and scalars of a JSON text and refuses one longer than
/// `MAX_VALUE`, and any object or array the parser holds whole (anything but the document
/// and its `Resources` / `value` array: a resource, a value in one, another member of a
/// ListResponse) longer than `MAX_VALUE`, before the parser has buffered it.
pub struct ValueGuard<R> {
    inner: R,
    offset: u64,
    in_str: bool,
    escaped: bool,
    /// Length of the current string or scalar.
    token: usize,
    /// The open containers: start offset, and whether the parser holds it whole.
    open: Vec<(u64, bool)>,
    /// Whether the document is a bare array (its elements are resources).
    top_array: bool,
    /// The start of the last string directly in the top object (its key), lower-cased.
    key: Vec<u8>,
    capturing: bool,
}

impl<R: Read> ValueGuard<R> {
    pub fn new(inner: R) -> Self {
        ValueGuard {
            inner,
            offset: 0,
            in_str: false,
            escaped: false,
            token: 0,
            open: Vec::new(),
            top_array: false,
            key: Vec::new(),
            capturing: false,
        }
    }

    fn too_long(&self, what: &str, at: u64) -> io::Error {
        refuse(format!(
            "{what} longer than {} MiB (the bound for one JSON value) at byte {at}; refusing to read it",
            mib(MAX_VALUE as u64)
        ))
    }

    /// Whether a container opening now (`[` when `array`) is held whole by the parser.
    fn held(&self, array: bool) -> bool {
        match self.open.len() {
            0 => false,
            1 if self.top_array => true,
            1 => !(array && (self.key == b"resources" || self.key == b"value")),
            _ => true,
        }
    }
}

impl<R: Read> Read for ValueGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let mut i = 0;
        while i < n {
            let at = self.offset + i as u64;
            if self.in_str {
                // The string's plain run up to its next quote or backslash, in one step.
                let run = if self.escaped {
                    self.escaped = false;
                    1
                } else {
                    memchr::memchr2(b'"', b'\\', &data[i..]).unwrap_or(n - i)
                };
                if self.capturing && self.key.len() <= 9 {
                    let room = (10 - self.key.len()).min(run);
                    self.key
                        .extend(data[i..i + room].iter().map(u8::to_ascii_lowercase));
                }
                self.token += run;
                if self.token > MAX_VALUE {
                    return Err(self.too_long("a string", at));
                }
                i += run;
                match data.get(i) {
                    Some(b'\\') => {
                        self.escaped = true;
                        self.token += 1;
                        i += 1;
                    }
                    Some(b'"') => {
                        self.in_str = false;
                        self.capturing = false;
                        self.token = 0;
                        i += 1;
                    }
                    _ => {}
                }
                continue;
            }
            let b = data[i];
            i += 1;
            match b {
                b'"' => {
                    self.in_str = true;
                    self.token = 0;
                    self.capturing = self.open.len() == 1 && !self.top_array;
                    if self.capturing {
                        self.key.clear();
                    }
                }
                b'{' | b'[' => {
                    self.token = 0;
                    if self.open.is_empty() {
                        self.top_array = b == b'[';
                    }
                    // Deeper than any parser goes (serde_json stops at 128): no need to track.
                    if self.open.len() < 256 {
                        let held = self.held(b == b'[');
                        self.open.push((at, held));
                    }
                }
                b'}' | b']' => {
                    self.token = 0;
                    if let Some((start, true)) = self.open.pop() {
                        if at - start >= MAX_VALUE as u64 {
                            return Err(self.too_long("an object or array", start));
                        }
                    }
                }
                b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' => self.token = 0,
                _ => {
                    self.token += 1;
                    if self.token > MAX_VALUE {
                        return Err(self.too_long("a number or literal", at));
                    }
                }
            }
        }
        self.offset += n as u64;
        if let Some(&(start, _)) = self.open.iter().find(|(_, held)| *held) {
            if self.offset - start > MAX_VALUE as u64 {
                return Err(self.too_long("an object or array", start));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut r: impl Read, step: usize) -> io::Result<usize> {
        let mut buf = vec![0u8; step];
        let mut total = 0;
        loop {
            match r.read(&mut buf)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// A reader handing out `data` `step` bytes at a time (chunks of every size).
    struct Steps<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Steps<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.data.len().min(self.step).min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Proves a whitespace run one byte past the bound is refused however the reads cut
    /// it, one at the bound is not, and ordinary text between runs resets the count.
    #[test]
    fn a_whitespace_run_is_refused_one_byte_past_the_bound() {
        let at = MAX_BLANK as usize;
        for step in [1 << 10, 65_536, 1 << 20, (1 << 20) + 7] {
            let mut over = b"[".to_vec();
            over.resize(1 + at + 1, b'\n');
            over.push(b']');
            let err = read_all(Bounded::new(Steps { data: &over, step }, None), step)
                .expect_err("refused");
            assert!(err.to_string().contains("16 MiB of whitespace"), "{err}");
            let mut fine = b"[".to_vec();
            fine.resize(1 + at, b' ');
            fine.extend_from_slice(b"1");
            fine.resize(fine.len() + at, b'\t');
            fine.push(b']');
            assert_eq!(
                read_all(Bounded::new(Steps { data: &fine, step }, None), step).unwrap(),
                fine.len()
            );
        }
    }

    /// Proves the decompressed bound counts bytes as they come, whatever a file declares.
    #[test]
    fn the_total_bound_stops_one_byte_past_it() {
        let data = vec![b'x'; 1000];
        let ok = Bounded::new(
            Steps {
                data: &data,
                step: 64,
            },
            Some(1000),
        );
        assert_eq!(read_all(ok, 64).unwrap(), 1000);
        let over = Bounded::new(
            Steps {
                data: &data,
                step: 64,
            },
            Some(999),
        );
        assert!(read_all(over, 64)
            .unwrap_err()
            .to_string()
            .contains("decompresses"));
    }

    fn guard(doc: &[u8]) -> io::Result<usize> {
        read_all(
            ValueGuard::new(Steps {
                data: doc,
                step: 1 << 16,
            }),
            1 << 16,
        )
    }

    /// Proves the value guard refuses a string, a number, a resource and another member of
    /// a ListResponse past `MAX_VALUE`, but lets a `Resources` array (or a bare array) of
    /// many resources through, and is not fooled by quotes and brackets inside strings.
    #[test]
    fn the_value_guard_refuses_what_the_parser_would_hold_whole() {
        let big = MAX_VALUE + 10;
        let string = [b"[\"".as_slice(), &vec![b'a'; big], b"\"]"].concat();
        assert!(guard(&string).unwrap_err().to_string().contains("a string"));
        let number = [b"[".as_slice(), &vec![b'1'; big], b"]"].concat();
        assert!(guard(&number).unwrap_err().to_string().contains("a number"));
        // Many small strings in one resource: the resource is what is too long.
        let member = br#""x","#.repeat(big / 4 + 1);
        let item = [
            br#"{"Resources":[{"emails":["#.as_slice(),
            &member,
            b"1]}]}",
        ]
        .concat();
        assert!(guard(&item)
            .unwrap_err()
            .to_string()
            .contains("an object or array"));
        let other = [br#"{"schemas":{"a":["#.as_slice(), &member, b"1]}}"].concat();
        assert!(guard(&other).is_err());
        // Many resources, each small: streamed, accepted, under either key and bare.
        let user = br#"{"id":"1","userName":"a\"]}[{"},"#;
        let many = user.repeat(big / user.len() + 1);
        for head in [br#"{"Resources":["#.as_slice(), br#"{"VALUE":["#, b"["] {
            let tail: &[u8] = if head == b"[" { b"1]" } else { b"1]}" };
            let doc = [head, &many, tail].concat();
            assert_eq!(
                guard(&doc).unwrap(),
                doc.len(),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
    }
}
