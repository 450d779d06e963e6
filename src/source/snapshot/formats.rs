//! Reading resources out of files, one resource at a time: NDJSON (scim-doctor's own
//! snapshot, one resource per line) and JSON documents (a SCIM ListResponse as `curl`
//! saves it, a `/.search` result, a bare array, one resource). A document is streamed
//! through a serde visitor over its `Resources` array, and each resource through
//! `model::ResourceSeed` straight into the model's fields: no tree of the document, nor of
//! any resource in it, is ever built. Gzip-compressed files and files with a UTF-8 or UTF-16 byte-order mark are read
//! too. Whatever cannot be read becomes a message naming the file, the position and the
//! cause (`crate::input` words it).

use super::bounds::{self, Bounded, ValueGuard};
use crate::input;
use crate::model::{Intake, Kind, ResourceSeed};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::io::{BufRead, BufReader, Read};

/// What a JSON document said about itself besides its resources.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocSummary {
    /// True for a ListResponse (an object with `Resources` or `totalResults`).
    pub list_response: bool,
    pub total_results: Option<u64>,
    pub start_index: Option<u64>,
    pub next_cursor: Option<String>,
    /// Resources the document held (whatever became of them).
    pub resources: usize,
    /// Of those, how many repeated an id already read.
    pub repeated: usize,
}

/// A file's bytes as a text reader: gzip undone, a UTF-8 byte-order mark skipped, UTF-16
/// (which needs the whole file) decoded. `head` keeps the first bytes for diagnosis.
pub struct TextSource<'a> {
    pub reader: Box<dyn BufRead + Send + 'a>,
    pub head: Vec<u8>,
}

const HEAD: usize = 64 * 1024;

/// Opens `raw` for reading as text; `Err` is the cause in words.
pub fn open_text<'a>(raw: Box<dyn Read + Send + 'a>) -> Result<TextSource<'a>, String> {
    let mut buf = BufReader::with_capacity(1 << 16, raw);
    let magic = buf.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::read::GzDecoder::new(buf);
        let gz = Bounded::new(gz, Some(bounds::MAX_INFLATED));
        return open_plain(BufReader::with_capacity(1 << 16, gz));
    }
    // Reads of a megabyte (the parallel reader's) pass the outer buffer by.
    open_plain(BufReader::with_capacity(1 << 16, Bounded::new(buf, None)))
}

fn open_plain<'a, R: BufRead + Send + 'a>(mut buf: R) -> Result<TextSource<'a>, String> {
    let magic = buf.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
    let mut head = magic[..magic.len().min(HEAD)].to_vec();
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        let mut all = Vec::new();
        (&mut buf)
            .take(bounds::MAX_WHOLE + 1)
            .read_to_end(&mut all)
            .map_err(|e| format!("cannot read: {e}"))?;
        if all.len() as u64 > bounds::MAX_WHOLE {
            return Err(format!(
                "a UTF-16 file is read whole, and this one is larger than {} MiB; convert it to UTF-8",
                bounds::MAX_WHOLE >> 20
            ));
        }
        let text = input::decode(&all).map_err(|e| e.to_string())?.into_owned();
        let head = text.as_bytes()[..text.len().min(HEAD)].to_vec();
        return Ok(TextSource {
            reader: Box::new(std::io::Cursor::new(text.into_bytes())),
            head,
        });
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        buf.consume(3);
        head.drain(..3);
    }
    Ok(TextSource {
        reader: Box::new(buf),
        head,
    })
}

/// Why a document failed, in words: what the file really is when that is recognisable
/// (HTML page, SCIM error body, binary, empty), else the parser's message with its position.
fn describe_failure(head: &[u8], e: &serde_json::Error) -> String {
    let text = match input::decode(head) {
        Ok(t) => t.into_owned(),
        // A cut in the middle of a character at the end of the sample is not a fault.
        Err(input::DecodeError::NotUtf8 { offset }) if offset + 4 >= head.len() => {
            String::from_utf8_lossy(&head[..offset]).into_owned()
        }
        Err(d) => return d.to_string(),
    };
    // The diagnosis of the sample holds only when the sample is the whole story: a
    // syntax error deep in a large file is the parser's to describe.
    if e.line() <= 1 || head.len() < HEAD {
        if let Some(what) = input::diagnose(&text) {
            return format!("{what} ({})", position_of(e));
        }
    }
    let msg = input::json_error(e);
    if e.to_string().starts_with("trailing characters") {
        return format!("{msg} (several JSON documents one after another, as NDJSON? give them as one array, or as users.ndjson in a snapshot)");
    }
    msg
}

fn position_of(e: &serde_json::Error) -> String {
    format!("line {}, column {}", e.line(), e.column())
}

/// Reads one JSON document of resources into `intake`. `file` names positions; `hint` is
/// the kind the file name implies (`None` for a search result).
pub fn read_document(
    src: TextSource<'_>,
    file: &str,
    hint: Option<Kind>,
    intake: &mut Intake,
) -> Result<DocSummary, String> {
    let TextSource { reader, head } = src;
    let mut summary = DocSummary::default();
    // serde_json reads a byte at a time: a concrete BufReader makes that an inlined copy
    // instead of a call through the boxed reader for every byte.
    // The guard refuses a value too large to hold before the parser has buffered it.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(
        1 << 16,
        ValueGuard::new(reader),
    ));
    let before = intake.repeated();
    let seed = DocSeed {
        intake: &mut *intake,
        file,
        hint,
        summary: &mut summary,
    };
    let outcome = seed.deserialize(&mut de).and_then(|()| de.end());
    summary.repeated = intake.repeated() - before;
    match outcome {
        Ok(()) => Ok(summary),
        // A bound (`bounds`) or the file itself failed: its own words.
        Err(e) if e.is_io() => Err(e.to_string()),
        Err(e) if is_own(&e) => {
            // Our own shape errors: already in words, with serde_json's position.
            Err(e.to_string())
        }
        Err(e) => Err(describe_failure(&head, &e)),
    }
}

fn is_own(e: &serde_json::Error) -> bool {
    let m = e.to_string();
    e.is_data() && (m.starts_with("wrong shape") || m.starts_with("a SCIM error"))
}

struct DocSeed<'a, 'b, 't> {
    intake: &'a mut Intake<'t>,
    file: &'b str,
    hint: Option<Kind>,
    summary: &'a mut DocSummary,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn found(what: &str) -> String {
    format!(
        "wrong shape: expected a SCIM ListResponse (an object with `Resources`), a JSON array of resources or one resource, found {what}"
    )
}

impl<'de> Visitor<'de> for DocSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SCIM ListResponse, a JSON array of resources or one resource")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.summary.resources = stream_items(seq, self.intake, self.file, "item", self.hint)?;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut rest = Map::new();
        let mut listed = false;
        while let Some(key) = map.next_key::<String>()? {
            let is = |k: &str| key.eq_ignore_ascii_case(k);
            // A second `Resources` key (two pages pasted into one object) is read too.
            if is("Resources") || (is("value") && !listed) {
                let seed = ResourcesSeed {
                    intake: &mut *self.intake,
                    file: self.file,
                    hint: self.hint,
                    label: key.clone(),
                };
                match map.next_value_seed(seed)? {
                    Listed::Items(n) => {
                        listed = true;
                        self.summary.resources += n;
                    }
                    Listed::Other(v) if is("value") => {
                        rest.insert(key, v);
                    }
                    Listed::Other(v) => {
                        return Err(de::Error::custom(format!(
                            "wrong shape: `{key}` should be an array of resources, found {}",
                            kind_of(&v)
                        )))
                    }
                }
            } else {
                let v: Value = map.next_value()?;
                rest.insert(key, v);
            }
        }
        summarise(&rest, self.summary);
        if listed || self.summary.total_results.is_some() {
            self.summary.list_response = true;
            return Ok(());
        }
        let value = Value::Object(rest);
        if let Some(err) = input::scim_error(&value) {
            return Err(de::Error::custom(err));
        }
        let obj = value.as_object().map(|m| m.len()).unwrap_or(0);
        if value.get("id").is_some() || value.get("schemas").is_some() {
            self.summary.resources = 1;
            self.intake
                .add(value, self.hint, &format!("{} (one resource)", self.file));
            return Ok(());
        }
        let keys: Vec<&str> = value
            .as_object()
            .map(|m| m.keys().take(6).map(String::as_str).collect())
            .unwrap_or_default();
        Err(de::Error::custom(found(&if obj == 0 {
            "an empty object".to_string()
        } else {
            format!("an object with keys {}", keys.join(", "))
        })))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(E::custom(found("a string")))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(E::custom(found("a boolean")))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(E::custom(found("a number")))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(E::custom(found("a number")))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(E::custom(found("a number")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(E::custom(found("null")))
    }
}

/// What a ListResponse's attributes besides its resources say: `totalResults`,
/// `startIndex`, `nextCursor` (names in any case; numbers also as strings).
pub(super) fn summarise(rest: &Map<String, Value>, summary: &mut DocSummary) {
    let get = |k: &str| {
        rest.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    };
    let number = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    summary.total_results = number(get("totalResults"));
    summary.start_index = number(get("startIndex"));
    summary.next_cursor = get("nextCursor")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Each element of a resource array, handed to the intake as soon as it is read.
fn stream_items<'de, A: SeqAccess<'de>>(
    mut seq: A,
    intake: &mut Intake,
    file: &str,
    label: &str,
    hint: Option<Kind>,
) -> Result<usize, A::Error> {
    let mut n = 0;
    while let Some(fields) = seq.next_element_seed(ResourceSeed)? {
        intake.add_fields(fields, hint, || format!("{file} {label} {n}"));
        n += 1;
    }
    Ok(n)
}

enum Listed {
    Items(usize),
    Other(Value),
}

struct ResourcesSeed<'a, 'b, 't> {
    intake: &'a mut Intake<'t>,
    file: &'b str,
    hint: Option<Kind>,
    label: String,
}

impl<'de> DeserializeSeed<'de> for ResourcesSeed<'_, '_, '_> {
    type Value = Listed;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Listed, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ResourcesSeed<'_, '_, '_> {
    type Value = Listed;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Listed, A::Error> {
        let label = format!("{}[]", self.label);
        stream_items(seq, self.intake, self.file, &label, self.hint).map(Listed::Items)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Listed, E> {
        // `"Resources": null` on an empty list: some servers send it.
        Ok(Listed::Items(0))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Listed, A::Error> {
        use serde::Deserialize;
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Listed::Other)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Listed, E> {
        Ok(Listed::Other(Value::from(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Listed, E> {
        Ok(Listed::Other(Value::from(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Listed, E> {
        Ok(Listed::Other(Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Listed, E> {
        Ok(Listed::Other(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Listed, E> {
        Ok(Listed::Other(Value::from(v)))
    }
}

pub(super) fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// A small JSON document (discovery, snapshot.json), decoded through `crate::input`.
pub fn read_small_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let text = input::decode(bytes).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| {
        serde_json::from_str::<Value>(&text)
            .err()
            .map(|raw| {
                input::diagnose(&text)
                    .map(|d| format!("{d} ({})", position_of(&raw)))
                    .unwrap_or_else(|| input::json_error(&raw))
            })
            .unwrap_or_else(|| format!("wrong shape: {e}"))
    })
}
