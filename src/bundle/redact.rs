//! `--redact-pii`: what a value becomes (`Policy`), the values the free-text files may hold
//! (`PiiMap`) and the text rewriter (`Redactor`).
//!
//! A pseudonym is a keyed function of the value (`pseudo::Pseudonymiser`): no table of
//! every value is held, so the snapshot of a million users is pseudonymised resource by
//! resource on every core, each value written to the private map (`mapfile`, outside the
//! zip, mode 0600) as it goes. The structural pass (`structural`) decides WHICH values are
//! personal. The free-text files (summary, report, CSVs, transcript, environment, the
//! inputs) are rewritten by `Redactor`, built from the values those files can hold: every
//! value of the inputs, of what the user typed, and of every resource a finding or a
//! transcript excerpt names (`PiiMap::add`). It replaces every known value, in any letter
//! case, as it is, JSON-escaped, CSV-quoted, Markdown-escaped or percent-encoded, only where
//! it is not glued to other letters or digits, never inside a `urn:` and never as a JSON key.

use super::policy::Policy;
use super::pseudo::Pseudonymiser;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::mapfile::MapReader;
pub use super::mapfile::{MapEntry, MAP_FORMAT};

/// A value left in the clear on purpose, and why (listed in summary.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kept {
    pub reason: String,
    pub value: String,
}

fn lower(v: &str) -> String {
    v.to_lowercase()
}

/// The pseudonymisation of one run: the policy, and the values the free-text files may
/// hold (recorded by `add`, each with its pseudonym: the rewriter is built from them).
#[derive(Debug)]
pub struct PiiMap {
    pub policy: Policy,
    entries: Vec<MapEntry>,
    index: HashMap<String, usize>,
    pub kept: Vec<Kept>,
    /// The map this run extends (`--map-file`): its entries are carried into the new map.
    pub extends: Option<PathBuf>,
}

impl PiiMap {
    /// A new map with a new random key.
    pub fn new(keep_domains: bool) -> Self {
        Self::with(Pseudonymiser::random(), keep_domains)
    }

    fn with(pseudo: Pseudonymiser, keep_domains: bool) -> Self {
        PiiMap {
            policy: Policy::new(pseudo, keep_domains),
            entries: Vec::new(),
            index: HashMap::new(),
            kept: Vec::new(),
            extends: None,
        }
    }

    fn key_of(path: &Path, format: &str, key: &str) -> Result<Pseudonymiser, String> {
        if format != MAP_FORMAT {
            return Err(format!(
                "{} has format `{format}`, expected `{MAP_FORMAT}` (maps of older versions cannot be extended: start a new one)",
                path.display()
            ));
        }
        let bytes = hex::decode(key.trim()).ok();
        match bytes.and_then(|b| <[u8; 32]>::try_from(b).ok()) {
            Some(k) => Ok(Pseudonymiser::new(k)),
            None => Err(format!(
                "{} has no valid `key` (64 hexadecimal digits): the map cannot be extended",
                path.display()
            )),
        }
    }

    /// Loads a whole map written by an earlier run: its key, and every entry (to look
    /// values up). A bundle run extends a map with `open`, which reads only the key.
    pub fn load(path: &Path, keep_domains: bool) -> Result<Self, String> {
        let mut reader = MapReader::open(path)?;
        let h = reader.header();
        let mut map = Self::with(Self::key_of(path, &h.format, &h.key)?, keep_domains);
        while let Some(e) = reader.next_entry()? {
            if !map.index.contains_key(&e.original) {
                map.index.insert(e.original.clone(), map.entries.len());
                map.entries.push(e);
            }
        }
        Ok(map)
    }

    /// Opens a map to extend (`--map-file`): the key comes from its header; its entries
    /// are copied into the new map as it is written (`MapWriter::copy_from`), never held
    /// in memory.
    pub fn open(path: &Path, keep_domains: bool) -> Result<Self, String> {
        let reader = MapReader::open(path)?;
        let h = reader.header();
        let mut map = Self::with(Self::key_of(path, &h.format, &h.key)?, keep_domains);
        map.extends = Some(path.to_path_buf());
        Ok(map)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The values recorded for the free-text files, with their pseudonyms.
    pub fn entries(&self) -> &[MapEntry] {
        &self.entries
    }

    /// The pseudonym recorded for `original` (`add`).
    pub fn pseudonym(&self, original: &str) -> Option<&str> {
        self.index
            .get(original)
            .map(|&i| self.entries[i].pseudonym.as_str())
    }

    /// Leaves `value` (any letter case) in the clear wherever it appears, for `reason`.
    pub fn keep(&mut self, value: &str, reason: &str) {
        if value.trim().is_empty() || !self.policy.keep_value(value) {
            return;
        }
        if !reason.is_empty() {
            self.kept.push(Kept {
                reason: reason.to_string(),
                value: value.to_string(),
            });
        }
    }

    /// Leaves a resource id in the clear (compactly: ids are most of a tenant's values).
    pub fn keep_id(&mut self, id: &str) {
        if !id.trim().is_empty() {
            self.policy.keep_id(id);
        }
    }

    pub fn is_kept(&self, value: &str) -> bool {
        self.policy.is_kept(value)
    }

    /// Records `value` (found in `field`) for the free-text files and returns its
    /// pseudonym. Values without a letter or digit, and kept values, come back unchanged.
    pub fn add(&mut self, field: &str, value: &str) -> String {
        if let Some(p) = self.pseudonym(value) {
            return p.to_string();
        }
        match self.policy.pseudonym(value) {
            Some(p) => {
                self.record(field, value, &p);
                p
            }
            None => value.to_string(),
        }
    }

    /// Records a pseudonym the policy gave (`structural`'s walks).
    pub(super) fn record(&mut self, field: &str, original: &str, pseudonym: &str) {
        if self.index.contains_key(original) {
            return;
        }
        self.index.insert(original.to_string(), self.entries.len());
        self.entries.push(MapEntry {
            field: field.to_string(),
            original: original.to_string(),
            pseudonym: pseudonym.to_string(),
        });
    }

    /// Builds the rewriter for the current map.
    pub fn redactor(&self) -> Result<Redactor, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        let mut word_like: Vec<bool> = Vec::new();
        let mut exact: HashSet<String> = HashSet::new();
        let mut seen: HashSet<String> = HashSet::new();
        for e in &self.entries {
            // Values of one or two characters would rewrite ordinary words.
            if e.original.trim().chars().count() < 3 {
                continue;
            }
            let word = looks_like_a_word(e.original.trim());
            if word {
                exact.extend(forms(&e.original));
                exact.extend(forms(e.original.trim()));
            }
            for (o, p) in [
                (e.original.clone(), e.pseudonym.clone()),
                (lower(&e.original), lower(&e.pseudonym)),
                (
                    e.original.trim().to_string(),
                    e.pseudonym.trim().to_string(),
                ),
            ] {
                for (form_o, form_p) in forms(&o).into_iter().zip(forms(&p)) {
                    if seen.insert(form_o.clone()) {
                        patterns.push(form_o);
                        targets.push(form_p);
                        word_like.push(word);
                    }
                }
            }
        }
        // Kept values stand for themselves: as the longest match they shield their text
        // from a shorter personal value inside them (`ann.lee` in a kept
        // `ann.lee@example.com`).
        for k in &self.policy.keep {
            if k.trim().chars().count() < 3 {
                continue;
            }
            for form in forms(k) {
                if seen.insert(form.clone()) {
                    patterns.push(form.clone());
                    targets.push(form);
                    word_like.push(false);
                }
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| format!("cannot build the pseudonymiser: {e}"))?;
        Ok(Redactor {
            ac,
            patterns,
            targets,
            word_like,
            exact,
        })
    }

    /// Writes the map (key and recorded entries) with mode 0600: it holds the real values.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut w = super::mapfile::MapWriter::create(path, &self.policy)?;
        if let Some(old) = &self.extends {
            w.copy_from(old)?;
        }
        for e in &self.entries {
            w.entry(&e.field, &e.original, &e.pseudonym)?;
        }
        w.finish()
    }
}

/// The forms a value takes in the bundle's files, always in the same order (so the forms of
/// an original and of its pseudonym pair up): as is, JSON-escaped, CSV-quoted, Markdown
/// cell-escaped, percent-encoded (`%20` and `+` for spaces).
fn forms(v: &str) -> Vec<String> {
    let json = serde_json::to_string(v)
        .map(|j| j[1..j.len() - 1].to_string())
        .unwrap_or_else(|_| v.to_string());
    let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
    // The text outputs escape control characters, and Markdown escapes HTML too
    // (`util::escape_controls`, `render::markdown::text`): those spellings are forms as well.
    let controls = crate::util::escape_controls(v, false).into_owned();
    vec![
        v.to_string(),
        json,
        v.replace('"', "\"\""),
        v.replace('|', "\\|"),
        encoded.replace('+', "%20"),
        encoded,
        crate::render::markdown::cell(v),
        crate::render::markdown::text(v),
        controls.replace('"', "\"\""),
        controls,
    ]
}

/// A body excerpt cut mid-value (`..."userName":"bjens…`) would keep a fragment no
/// pseudonym matches: drop the text after the last delimiter before the cut.
pub fn trim_cut_value(excerpt: &str) -> String {
    let Some(body) = excerpt.strip_suffix('…') else {
        return excerpt.to_string();
    };
    let keep = body
        .rfind(|c: char| {
            matches!(c, '"' | ',' | '{' | '}' | '[' | ']' | '<' | '>' | ':') || c.is_whitespace()
        })
        // Cut after the separator, which may be wider than a byte (U+3000 is whitespace too).
        .map(|i| i + body[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    format!("{}…", &body[..keep])
}

pub struct Redactor {
    ac: AhoCorasick,
    patterns: Vec<String>,
    targets: Vec<String>,
    /// The pattern's value could be one of the tool's own words or numbers (`Operations`,
    /// `Manager`, `2026`): in the tool's text it is replaced only where it stands as a value.
    word_like: Vec<bool>,
    /// Every form of the original spelling of word-like values.
    exact: HashSet<String>,
}

/// A value made only of letters (one word) or only of digits (with a decimal point or
/// comma): the kind of value the tool's own sentences may hold as an ordinary word or count.
fn looks_like_a_word(v: &str) -> bool {
    !v.is_empty()
        && (v.chars().all(char::is_alphabetic)
            || (v.chars().any(|c| c.is_ascii_digit())
                && v.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | ','))))
}

fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '`'
            | '|'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{AB}'
            | '\u{BB}'
    )
}

/// True when the match stands as a value in the tool's text: quoted (`"x"`, `` `x` ``, a
/// Markdown or CSV cell), or for a word (not a number) also after `:` `=` `(` `[` `/` `,`
/// `;` or at the start of a line, and before the matching closers. A percent-encoded or
/// JSON-escaped quote counts as a quote.
fn stands_as_value(text: &str, start: usize, end: usize, number: bool) -> bool {
    let before = text[..start].trim_end_matches([' ', '\t']);
    let b = before.as_bytes();
    let n = b.len();
    let ok_before = match before.chars().next_back() {
        None | Some('\n') => !number,
        Some(c) if is_quote(c) => true,
        Some(c) if !number && matches!(c, ':' | '=' | '(' | '[' | '{' | '<' | '/' | ',' | ';') => {
            true
        }
        _ => {
            n >= 3
                && b[n - 3] == b'%'
                && b[n - 2].is_ascii_hexdigit()
                && b[n - 1].is_ascii_hexdigit()
        }
    };
    let after = text[end..].trim_start_matches([' ', '\t']);
    let ok_after = match after.chars().next() {
        None | Some('\n' | '\r') => !number,
        Some(c) if is_quote(c) || c == '\\' || c == '%' => true,
        Some(c) => {
            !number && matches!(c, ':' | ')' | ']' | '}' | '>' | '/' | ',' | ';' | '&' | '?')
        }
    };
    ok_before && ok_after && !in_table_header(text, end)
}

/// True when the match is on the header row of a Markdown table (the next line is the
/// `|---|` rule): column titles are the tool's words, not values.
fn in_table_header(text: &str, end: usize) -> bool {
    let Some(nl) = text[end..].find('\n') else {
        return false;
    };
    let next = text[end + nl + 1..].trim_start();
    next.starts_with("|-") || next.starts_with("|:") || next.starts_with("| -")
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// True when the match starting at `start` is not glued to a preceding word. A percent
/// escape (`%22`) or a JSON escape (`\n`) right before it counts as a boundary.
fn boundary_before(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let Some(prev) = before.chars().next_back() else {
        return true;
    };
    if !is_word(prev) {
        return true;
    }
    let b = before.as_bytes();
    let n = b.len();
    (n >= 3 && b[n - 3] == b'%' && b[n - 2].is_ascii_hexdigit() && b[n - 1].is_ascii_hexdigit())
        || (n >= 2 && b[n - 2] == b'\\' && matches!(b[n - 1], b'n' | b't' | b'r'))
}

fn boundary_after(text: &str, end: usize) -> bool {
    !text[end..].chars().next().is_some_and(is_word)
}

/// Structure the rewriter must not touch: a part of a `urn:` (a department called "Core"
/// must not change `urn:...:core:2.0:User`) and a JSON object key.
fn structural(text: &str, start: usize, end: usize) -> bool {
    if text[end..].starts_with("\":") || text[end..].starts_with("\": ") {
        return true;
    }
    let token_start = text[..start]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '(' | '`'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let token = &text[token_start..start];
    token.len() >= 4 && token[..4].eq_ignore_ascii_case("urn:")
}

/// `target` with the letter case of `matched` where the two differ only in case.
fn follow_case(matched: &str, target: &str) -> String {
    if matched.chars().count() != target.chars().count() {
        return target.to_string();
    }
    matched
        .chars()
        .zip(target.chars())
        .map(|(m, t)| {
            if m.is_uppercase() {
                t.to_uppercase().next().unwrap_or(t)
            } else if m.is_lowercase() {
                t.to_lowercase().next().unwrap_or(t)
            } else {
                t
            }
        })
        .collect()
}

impl Redactor {
    /// Rewrites data: every known value wherever it stands on word boundaries (inputs,
    /// transcripts, what the user typed: description, label, command line).
    pub fn apply(&self, text: &str) -> String {
        self.rewrite(text, false)
    }

    /// Rewrites the tool's own text (report, CSVs, summary): a value that could be an
    /// ordinary word or number (`Operations`, `Manager`, `2026`) is replaced only where a
    /// finding embeds it as a value (quoted, a table cell, after `:`), in its exact spelling;
    /// other values (emails, names with a space, ids) wherever they stand on word boundaries.
    pub fn apply_to_tool_text(&self, text: &str) -> String {
        self.rewrite(text, true)
    }

    /// report.json: every string value rewritten as the tool's text (a whole string counts
    /// as a quoted value), while the report's own structure (check and playbook ids,
    /// statuses, kinds, versions, times) is never touched, so that the page rendered from
    /// it and any reader still parse it. Not JSON: rewritten as text.
    pub fn report_json(&self, text: &str) -> String {
        /// Keys whose strings are the tool's vocabulary outside `subjects` and `data`.
        const STRUCTURE: &[&str] = &[
            "id",
            "status",
            "kind",
            "area",
            "severity",
            "schema_version",
            "generated_at",
            "title",
            "name",
            "version",
            "checks",
        ];
        fn walk(r: &Redactor, v: &mut Value, key: &str, data: bool) {
            match v {
                Value::Object(o) => {
                    for (k, c) in o.iter_mut() {
                        let d = data || k == "subjects" || k == "data";
                        walk(r, c, k, d);
                    }
                }
                Value::Array(a) => a.iter_mut().for_each(|c| walk(r, c, key, data)),
                Value::String(s) => {
                    let skip = if data {
                        matches!(key, "kind" | "status")
                    } else {
                        STRUCTURE.contains(&key)
                    };
                    if !skip {
                        let quoted = r.apply_to_tool_text(&format!("\"{s}\""));
                        *s = quoted[1..quoted.len() - 1].to_string();
                    }
                }
                _ => {}
            }
        }
        let Ok(mut v) = serde_json::from_str::<Value>(text) else {
            return self.apply_to_tool_text(text);
        };
        walk(self, &mut v, "", false);
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| self.apply_to_tool_text(text))
    }

    fn rewrite(&self, text: &str, tool_text: bool) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in self.ac.find_iter(text) {
            if !boundary_before(text, m.start())
                || !boundary_after(text, m.end())
                || structural(text, m.start(), m.end())
            {
                continue;
            }
            let matched = &text[m.start()..m.end()];
            let i = m.pattern().as_usize();
            if tool_text && self.word_like[i] {
                let number = matched.chars().all(|c| !c.is_alphabetic());
                if !self.exact.contains(matched)
                    || !stands_as_value(text, m.start(), m.end(), number)
                {
                    continue;
                }
            }
            out.push_str(&text[last..m.start()]);
            if matched == self.patterns[i] {
                out.push_str(&self.targets[i]);
            } else {
                out.push_str(&follow_case(matched, &self.targets[i]));
            }
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
