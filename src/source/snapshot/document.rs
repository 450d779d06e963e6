//! The JSON document half of the parallel reader (`pipeline`): the elements of a
//! document's resource array, found by a scanner that only tracks strings and brackets, are
//! handed to `pipeline::drive` in batches.
//!
//! A document the scanner does not fully understand (a syntax error anywhere, an escaped
//! key, `Resources` that is not an array, a single resource, trailing text...) is not read
//! here: `document` answers `Fallback`, and the caller reads it again with
//! `formats::read_document`, whose messages name the cause and position. Rare, and
//! those files are small or broken.

use super::bounds::MAX_VALUE;
use super::formats::{DocSummary, TextSource};
use super::pipeline::{drive, fill, parse_item, position, Batch, Fallback, Place, BATCH, READ};
use crate::model::{Intake, Kind};
use serde_json::{Map, Value};
use std::io::Read;
use std::ops::Range;
use std::sync::Arc;

/// Where the first `"` or `\\` in `b` is. Most strings in a resource are short, so it looks
/// eight bytes at a time (a word-wise byte comparison) before a vector search could have
/// set up, and hands longer strings to `memchr2`.
fn quote_or_backslash(b: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Bits set at the bytes of `w` equal to `c`; the lowest set bit is exact (a borrow can
    // only mark bytes after a true match).
    let equal = |w: u64, c: u8| {
        let x = w ^ (ONES * c as u64);
        x.wrapping_sub(ONES) & !x & HIGHS
    };
    let mut i = 0;
    while i < 64 {
        let Some(word) = b[i..].first_chunk::<8>() else {
            return b[i..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .map(|k| i + k);
        };
        let w = u64::from_le_bytes(*word);
        let hits = equal(w, b'"') | equal(w, b'\\');
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    memchr::memchr2(b'"', b'\\', &b[i..]).map(|k| i + k)
}

/// A JSON document being scanned: the bytes read and not yet handed on, from `pos`.
struct Scan<'r, 'e> {
    reader: &'r mut dyn Read,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    emit: &'e mut dyn FnMut(Batch) -> bool,
    fresh: &'e dyn Fn() -> Vec<u8>,
}

type Scanned<T> = Result<T, Fallback>;

/// A ListResponse's attributes besides its resources, and whether it listed resources.
type Envelope = (Map<String, Value>, bool);

impl Scan<'_, '_> {
    /// Reads more; false at the end of the file.
    fn more(&mut self) -> Scanned<bool> {
        if self.eof {
            return Ok(false);
        }
        let before = self.buf.len();
        self.eof = fill(self.reader, &mut self.buf, before + READ).map_err(|_| Fallback)?;
        Ok(self.buf.len() > before)
    }

    fn peek(&mut self) -> Scanned<Option<u8>> {
        while self.pos >= self.buf.len() {
            if !self.more()? {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    /// Skips JSON whitespace.
    fn ws(&mut self) -> Scanned<()> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn expect(&mut self, b: u8) -> Scanned<()> {
        self.ws()?;
        if self.peek()? != Some(b) {
            return Err(Fallback);
        }
        self.pos += 1;
        Ok(())
    }

    /// Where the JSON value starting at `pos` ends: strings and brackets are followed,
    /// nothing is validated (the parser does that).
    fn value_end(&mut self) -> Scanned<usize> {
        let start = self.pos;
        let (mut i, mut depth, mut in_str) = (start, 0usize, false);
        loop {
            let b = &self.buf;
            let len = b.len();
            while i < len {
                if in_str {
                    match quote_or_backslash(&b[i..len]) {
                        None => i = len,
                        Some(k) if b[i + k] == b'\\' => {
                            if i + k + 1 >= len {
                                i += k;
                                break;
                            }
                            i += k + 2;
                        }
                        Some(k) => {
                            i += k + 1;
                            in_str = false;
                            if depth == 0 {
                                return Ok(i);
                            }
                        }
                    }
                    continue;
                }
                match b[i] {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        if depth == 0 {
                            return if i > start { Ok(i) } else { Err(Fallback) };
                        }
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => {
                        return if i > start { Ok(i) } else { Err(Fallback) };
                    }
                    _ => {}
                }
                i += 1;
            }
            if i - start > MAX_VALUE {
                // The exact reader names the bound and the position.
                return Err(Fallback);
            }
            if !self.more()? {
                // A scalar may end with the file; anything else is cut short.
                return if depth == 0 && !in_str && i > start {
                    Ok(i)
                } else {
                    Err(Fallback)
                };
            }
        }
    }

    /// Hands the items read so far to the workers; the bytes after `pos` stay.
    fn dispatch(
        &mut self,
        items: Vec<(Range<usize>, Place)>,
        label: &Arc<str>,
        expect: Option<usize>,
    ) -> Scanned<()> {
        let mut tail = (self.fresh)();
        tail.extend_from_slice(&self.buf[self.pos..]);
        let bytes = std::mem::replace(&mut self.buf, tail);
        self.pos = 0;
        if (self.emit)(Batch {
            bytes,
            items,
            label: label.clone(),
            expect,
        }) {
            Ok(())
        } else {
            Err(Fallback)
        }
    }

    /// The elements of the array whose `[` was just read, handed on in batches; `expect`
    /// goes with the first.
    fn array(&mut self, label: &str, mut expect: Option<usize>) -> Scanned<usize> {
        let label: Arc<str> = Arc::from(label);
        self.ws()?;
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(0);
        }
        let mut items = Vec::new();
        let mut n = 0;
        loop {
            self.ws()?;
            let start = self.pos;
            let end = self.value_end()?;
            items.push((start..end, Place::Item(n)));
            n += 1;
            self.pos = end;
            self.ws()?;
            match self.peek()? {
                Some(b',') => {
                    self.pos += 1;
                    self.ws()?;
                    if self.peek()? == Some(b']') {
                        return Err(Fallback); // a trailing comma
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(Fallback),
            }
            if self.pos >= BATCH {
                self.dispatch(std::mem::take(&mut items), &label, expect.take())?;
            }
        }
        if !items.is_empty() {
            self.dispatch(items, &label, expect)?;
        }
        Ok(n)
    }

    /// The whole document: a bare array, or a ListResponse-like object whose `Resources`
    /// (or `value`) array is streamed and whose other attributes are returned parsed.
    fn document(&mut self) -> Scanned<(usize, Option<Envelope>)> {
        self.ws()?;
        let out = match self.peek()? {
            Some(b'[') => {
                self.pos += 1;
                (self.array("item", None)?, None)
            }
            Some(b'{') => {
                self.pos += 1;
                let (n, rest, listed) = self.object()?;
                (n, Some((rest, listed)))
            }
            _ => return Err(Fallback),
        };
        self.ws()?;
        match self.peek()? {
            None => Ok(out),
            Some(_) => Err(Fallback),
        }
    }

    fn object(&mut self) -> Scanned<(usize, Map<String, Value>, bool)> {
        let mut rest = Map::new();
        let (mut listed, mut n) = (false, 0);
        self.ws()?;
        if self.peek()? == Some(b'}') {
            return Err(Fallback);
        }
        loop {
            self.expect(b'"')?;
            self.pos -= 1;
            let end = self.value_end()?;
            let raw = &self.buf[self.pos + 1..end - 1];
            if raw.contains(&b'\\') {
                return Err(Fallback);
            }
            let key = std::str::from_utf8(raw).map_err(|_| Fallback)?.to_string();
            self.pos = end;
            self.expect(b':')?;
            self.ws()?;
            let is = |k: &str| key.eq_ignore_ascii_case(k);
            if is("Resources") || (is("value") && !listed) {
                match self.peek()? {
                    Some(b'[') => {
                        self.pos += 1;
                        let mut told = DocSummary::default();
                        super::formats::summarise(&rest, &mut told);
                        let expect = told.total_results.and_then(|t| usize::try_from(t).ok());
                        n += self.array(&format!("{key}[]"), expect)?;
                    }
                    Some(b'n') => {
                        let end = self.value_end()?;
                        if &self.buf[self.pos..end] != b"null" {
                            return Err(Fallback);
                        }
                        self.pos = end;
                    }
                    _ => return Err(Fallback),
                }
                listed = true;
            } else {
                let end = self.value_end()?;
                let v: Value =
                    serde_json::from_slice(&self.buf[self.pos..end]).map_err(|_| Fallback)?;
                rest.insert(key, v);
                self.pos = end;
            }
            self.ws()?;
            match self.peek()? {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(Fallback),
            }
        }
        Ok((n, rest, listed))
    }
}

/// Reads a JSON document of resources (a ListResponse or a bare array) into `intake`, or
/// answers `Fallback` (see the module documentation); after a fallback the intake holds a
/// part of the document and must be thrown away.
pub fn document(
    src: TextSource<'_>,
    file: &str,
    hint: Option<Kind>,
    intake: &mut Intake,
) -> Result<DocSummary, Fallback> {
    let mut reader = src.reader;
    let split = |emit: &mut dyn FnMut(Batch) -> bool, fresh: &dyn Fn() -> Vec<u8>| {
        let mut scan = Scan {
            reader: &mut reader,
            buf: fresh(),
            pos: 0,
            eof: false,
            emit,
            fresh,
        };
        scan.document()
    };
    let position = |label: &str, place: Place| position(file, label, place);
    let before = intake.repeated();
    let (out, broken) = drive(split, parse_item, hint, intake, &position);
    let (n, rest) = out?;
    if broken {
        return Err(Fallback);
    }
    let mut summary = DocSummary {
        resources: n,
        repeated: intake.repeated() - before,
        ..Default::default()
    };
    if let Some((rest, listed)) = rest {
        super::formats::summarise(&rest, &mut summary);
        if !listed && summary.total_results.is_none() {
            // One resource, an error body, something else: the exact reader says which.
            return Err(Fallback);
        }
        summary.list_response = true;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    /// Proves the word-wise search finds the first quote or backslash wherever it is (in
    /// every lane of a word, after long runs, never) as a byte-by-byte search does.
    #[test]
    fn quote_or_backslash_finds_what_a_plain_search_finds() {
        for len in [0usize, 1, 7, 8, 9, 63, 64, 65, 200] {
            for at in 0..=len {
                for c in [b'"', b'\\'] {
                    // Bytes around the target that look alike to a careless word trick.
                    let mut b: Vec<u8> = (0..len)
                        .map(|k| [b'!', b'#', 0x80, 0xa2, 0x5b, 0][k % 6])
                        .collect();
                    if at < len {
                        b[at] = c;
                    }
                    let want = b.iter().position(|&x| x == b'"' || x == b'\\');
                    assert_eq!(super::quote_or_backslash(&b), want, "len {len}, at {at}");
                }
            }
        }
    }

    use super::super::pipeline::ndjson;
    use super::*;
    use crate::model::Tenant;
    use proptest::prelude::*;

    type Seen = (String, Option<DocSummary>);

    fn view(t: &Tenant) -> String {
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\nread {}",
            t.users, t.groups, t.parse_issues, t.duplicates, t.read
        )
    }

    fn source(doc: &[u8]) -> TextSource<'static> {
        super::super::formats::open_text(Box::new(std::io::Cursor::new(doc.to_vec())))
            .expect("opens")
    }

    /// The document read by the exact reader (`Err` its message) and by the parallel one
    /// (`None` when it falls back).
    fn both(doc: &[u8], hint: Option<Kind>) -> (Result<Seen, String>, Option<Seen>) {
        let mut exact = Tenant::new("t");
        let e = super::super::formats::read_document(
            source(doc),
            "f.json",
            hint,
            &mut Intake::new(&mut exact),
        )
        .map(|s| (view(&exact), Some(s)));
        let mut fast = Tenant::new("t");
        let f = document(source(doc), "f.json", hint, &mut Intake::new(&mut fast))
            .ok()
            .map(|s| (view(&fast), Some(s)));
        (e, f)
    }

    /// Whatever the parallel reader accepts, the exact reader reads the same way.
    fn agree(doc: &[u8]) -> Option<Seen> {
        let (exact, fast) = both(doc, Some(Kind::User));
        if let Some(fast) = &fast {
            assert_eq!(
                exact.as_ref().ok(),
                Some(fast),
                "parallel and exact readers differ on {}",
                String::from_utf8_lossy(doc)
            );
        }
        fast
    }

    const USER: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen@example.com","name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],"title":"a \"quoted\" [title] {x}","meta":{"resourceType":"User"}}"#;

    fn list(items: &[&str]) -> String {
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{},"startIndex":1,"itemsPerPage":{0},"Resources":[{}]}}"#,
            items.len(),
            items.join(",")
        )
    }

    /// Ordinary documents (RFC 7644 §3.4.2 ListResponses, bare arrays, pretty-printed,
    /// repeats, odd items) are read by the parallel reader, exactly as one at a time.
    #[test]
    fn ordinary_documents_are_read_in_parallel_as_exactly() {
        let other = USER
            .replace("2819c223", "other-id")
            .replace("bjensen", "other");
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<Value>(&list(&[USER, &other])).unwrap(),
        )
        .unwrap();
        let many: Vec<String> = (0..40)
            .map(|i| USER.replace("2819c223", &format!("id-{i}")))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let docs = [
            list(&[USER, &other]),
            list(&[USER, USER, "7", "null", r#"{"userName":"no-id"}"#, "[1,2]"]),
            list(&many),
            pretty,
            format!("[{USER}, {other}]"),
            "[]".to_string(),
            r#"{"totalResults":0,"Resources":[]}"#.to_string(),
            r#"{"totalResults":"3","Resources":null}"#.to_string(),
            format!(r#"{{"resources":[{USER}],"TOTALRESULTS":1,"nextCursor":"abc"}}"#),
            format!(r#"{{"value":[{USER}],"x":{{"y":[1,{{"z":"]"}}]}}}}"#),
            format!(r#"{{"Resources":[{USER}],"Resources":[{other}],"value":[{USER}]}}"#),
            format!(" \r\n\t{{ \"Resources\" : [ {USER} ] , \"totalResults\" : 1 }} \n"),
        ];
        for doc in &docs {
            let fast = agree(doc.as_bytes());
            assert!(fast.is_some(), "fell back on an ordinary document: {doc}");
        }
        let (_, fast) = both(list(&many).as_bytes(), None);
        assert!(fast.unwrap().0.matches("User {").count() == 40);
    }

    /// Broken or unusual documents are left to the exact reader, which names the problem.
    #[test]
    fn broken_documents_fall_back_to_the_exact_reader() {
        let docs = [
            String::new(),
            "   ".to_string(),
            format!("{{\"Resources\":[{USER}]"),
            format!("{{\"Resources\":[{USER},]}}"),
            format!("{{\"Resources\":[{USER}]}} trailing"),
            format!("[{USER}][{USER}]"),
            format!("{{\"Resources\":[{}]}}", &USER[..USER.len() - 1]),
            format!("{{\"Res\\u006fources\":[{USER}],\"totalResults\":1}}"),
            USER.to_string(),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401"}"#.into(),
            r#"{"Resources":{"id":"1"}}"#.into(),
            r#"{"totalResults":"many","x":1}"#.into(),
            "<html><title>Sign in</title></html>".into(),
            "{}".into(),
        ];
        for doc in &docs {
            assert!(agree(doc.as_bytes()).is_none(), "did not fall back: {doc}");
        }
        // A byte that is not UTF-8 inside a resource's string.
        let mut bytes = format!("{{\"Resources\":[{USER}]}}").into_bytes();
        let at = bytes.iter().rposition(|&b| b == b'@').expect("an address");
        bytes[at] = 0xff;
        assert!(
            agree(&bytes).is_none(),
            "did not fall back on a byte that is not UTF-8"
        );
    }

    /// NDJSON: lines of every kind (blank, not JSON, cut short, not UTF-8) are each read or
    /// reported with their line number, across batch boundaries.
    #[test]
    fn ndjson_lines_are_numbered_across_batches() {
        let mut text = Vec::new();
        for i in 0..30 {
            text.extend_from_slice(USER.replace("2819c223", &format!("u{i}")).as_bytes());
            text.extend_from_slice(b"\n\n");
        }
        text.extend_from_slice(b"{not json\n\xff\xfe\n  \n");
        text.extend_from_slice(&USER.as_bytes()[..40]);
        let mut t = Tenant::new("t");
        let n = ndjson(
            source(&text),
            "users.ndjson",
            Kind::User,
            &mut Intake::new(&mut t),
        )
        .unwrap();
        assert_eq!(n, 33);
        assert_eq!(t.users.len(), 30);
        let issues: Vec<_> = t
            .parse_issues
            .iter()
            .map(|p| (p.position.as_str(), p.problem.split(' ').next().unwrap()))
            .collect();
        assert_eq!(
            issues,
            [
                ("users.ndjson line 61", "not"),
                ("users.ndjson line 62", "not"),
                ("users.ndjson line 64", "truncated:")
            ]
        );
        assert!(t.accounted());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any edit of a document (bytes inserted, removed, cut) is either read by both
        /// readers alike or left to the exact reader: never a different tenant.
        #[test]
        fn edited_documents_never_read_differently(
            edits in proptest::collection::vec((0usize..1000, 0usize..11, 0usize..3), 1..4),
            cut in proptest::option::of(0usize..1000),
        ) {
            let mut doc = list(&[USER, r#"{"id":"x","userName":"y"}"#, USER]).into_bytes();
            const BYTES: &[u8] = b"{}[]\",:\\ a1";
            for (at, byte, op) in edits {
                let at = at % (doc.len() + 1);
                match op {
                    0 => doc.insert(at, BYTES[byte]),
                    1 if at < doc.len() => { doc.remove(at); }
                    _ => if at < doc.len() { doc[at] = BYTES[byte]; },
                }
            }
            if let Some(c) = cut {
                doc.truncate(c % (doc.len() + 1));
            }
            agree(&doc);
        }
    }
}
