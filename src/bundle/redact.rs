//! `--redact-pii`: the pseudonym map and the text rewriter.
//!
//! `PiiMap` remembers every value replaced (original -> pseudonym, with the field it was
//! found in) and the run map of `pseudo` that makes the pseudonyms keep the shape of the
//! values. The structural pass (`structural`) decides WHICH values are personal and records
//! them here; `Redactor` then rewrites every free-text file (summary, report, CSVs,
//! transcript, environment, the inputs) in one pass: every known value, in any letter case,
//! as it is, JSON-escaped, CSV-quoted, Markdown-escaped or percent-encoded, only where it is
//! not glued to other letters or digits, never inside a `urn:` and never as a JSON key.
//! The map is written outside the zip (mode 0600).

use super::pseudo::RunMap;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

pub const MAP_FORMAT: &str = "scim-doctor-pii-map/2";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapEntry {
    /// Where the value was first seen (`userName`, `addresses.streetAddress`, `idp:department`).
    pub field: String,
    pub original: String,
    pub pseudonym: String,
}

/// A value left in the clear on purpose, and why (listed in summary.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Kept {
    pub reason: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PiiMap {
    pub format: String,
    pub keep_domains: bool,
    pub entries: Vec<MapEntry>,
    /// Lower-cased run -> lower-cased pseudonym run (so a reloaded map extends consistently).
    #[serde(default)]
    pub runs: BTreeMap<String, String>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    #[serde(skip)]
    run_map: RunMap,
    /// Values never replaced: resource ids the target generated, and values a scoping
    /// filter depends on (lower-cased).
    #[serde(skip)]
    keep: HashSet<String>,
    #[serde(skip)]
    pub kept: Vec<Kept>,
}

fn lower(v: &str) -> String {
    v.to_lowercase()
}

/// How kept values are compared: as the checks compare values (trimmed, ignoring case).
fn keep_key(v: &str) -> String {
    v.trim().to_lowercase()
}

impl PiiMap {
    pub fn new(keep_domains: bool) -> Self {
        PiiMap {
            format: MAP_FORMAT.into(),
            keep_domains,
            ..Default::default()
        }
    }

    /// Loads a map written by an earlier run (to extend it).
    pub fn load(path: &Path, keep_domains: bool) -> Result<Self, String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("cannot read the map file {}: {e}", path.display()))?;
        let text = crate::input::decode(&bytes)
            .map_err(|e| format!("the map file {}: {e}", path.display()))?;
        let mut map: PiiMap = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a scim-doctor pseudonym map: {}",
                path.display(),
                crate::input::json_error(&e)
            )
        })?;
        if map.format != MAP_FORMAT {
            return Err(format!(
                "{} has format `{}`, expected `{MAP_FORMAT}` (maps of older versions cannot be extended: start a new one)",
                path.display(),
                map.format
            ));
        }
        map.keep_domains = keep_domains;
        map.run_map = RunMap::from_pairs(map.runs.clone());
        for (i, e) in map.entries.iter().enumerate() {
            map.index.insert(e.original.clone(), i);
        }
        Ok(map)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn pseudonym(&self, original: &str) -> Option<&str> {
        self.index
            .get(original)
            .map(|&i| self.entries[i].pseudonym.as_str())
    }

    /// Leaves `value` (any letter case) in the clear wherever it appears, for `reason`.
    pub fn keep(&mut self, value: &str, reason: &str) {
        if value.trim().is_empty() || !self.keep.insert(keep_key(value)) {
            return;
        }
        if !reason.is_empty() {
            self.kept.push(Kept {
                reason: reason.to_string(),
                value: value.to_string(),
            });
        }
    }

    pub fn is_kept(&self, value: &str) -> bool {
        self.keep.contains(&keep_key(value))
    }

    /// The pseudonym of `value` (recorded on first sight, found in `field`). Values without
    /// a letter or digit, and kept values, come back unchanged.
    pub fn add(&mut self, field: &str, value: &str) -> String {
        if !value.chars().any(char::is_alphanumeric) || self.is_kept(value) {
            return value.to_string();
        }
        if let Some(p) = self.pseudonym(value) {
            return p.to_string();
        }
        let keep_domain = self.keep_domains && value.contains('@');
        let pseudonym = match value.get(32..).filter(|_| value.is_char_boundary(32)) {
            // An Entra soft-delete name whose UPN stays in the clear keeps it in the clear
            // too, so that the leftover still names the live user.
            Some(rest)
                if value.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
                    && self.is_kept(rest) =>
            {
                format!("{}{rest}", self.run_map.value(&value[..32], false))
            }
            _ => self.run_map.value(value, keep_domain),
        };
        self.index.insert(value.to_string(), self.entries.len());
        self.entries.push(MapEntry {
            field: field.to_string(),
            original: value.to_string(),
            pseudonym: pseudonym.clone(),
        });
        pseudonym
    }

    /// Builds the rewriter for the current map.
    pub fn redactor(&self) -> Result<Redactor, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut targets: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for e in &self.entries {
            // Values of one or two characters would rewrite ordinary words.
            if e.original.trim().chars().count() < 3 {
                continue;
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
                    }
                }
            }
        }
        // Kept values stand for themselves: as the longest match they shield their text
        // from a shorter personal value inside them (`ann.lee` in a kept
        // `ann.lee@example.com`).
        for k in &self.keep {
            if k.trim().chars().count() < 3 {
                continue;
            }
            for form in forms(k) {
                if seen.insert(form.clone()) {
                    patterns.push(form.clone());
                    targets.push(form);
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
        })
    }

    /// Writes the map with mode 0600 (it holds the real values).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut copy = self.clone();
        copy.runs = self
            .run_map
            .runs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let text = serde_json::to_string_pretty(&copy).map_err(|e| e.to_string())?;
        let text = crate::secret::scrub(&text);
        write_private(path, text.as_bytes())
            .map_err(|e| format!("cannot write the map file {}: {e}", path.display()))
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

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // An existing file keeps its old mode on open: tighten it explicitly.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

pub struct Redactor {
    ac: AhoCorasick,
    patterns: Vec<String>,
    targets: Vec<String>,
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
    pub fn apply(&self, text: &str) -> String {
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
mod tests {
    use super::*;

    /// Every spelling of a value in free text gets its pseudonym in the same letter case.
    #[test]
    fn text_spellings_follow_the_pseudonym_in_their_own_case() {
        let mut m = PiiMap::new(false);
        let p = m.add("emails.value", "Ann@Example.com");
        let r = m.redactor().unwrap();
        let out = r.apply("to Ann@Example.com and ann@example.com and ANN@EXAMPLE.COM");
        assert!(!out.to_lowercase().contains("ann@example.com"), "{out}");
        assert!(out.contains(&p), "{out}");
        assert!(out.contains(&p.to_lowercase()), "{out}");
        assert!(out.contains(&p.to_uppercase()), "{out}");
    }

    /// Two requests that differ only in the letter case of a value stay two different
    /// requests in the transcript.
    #[test]
    fn requests_differing_only_in_case_stay_apart() {
        let mut m = PiiMap::new(false);
        m.add("userName", "Ann.Lee@Example.com");
        m.add("emails.value", "ann.lee@example.com");
        let r = m.redactor().unwrap();
        let a = r.apply("GET /Users?filter=userName%20eq%20%22Ann.Lee%40Example.com%22");
        let b = r.apply("GET /Users?filter=userName%20eq%20%22ann.lee%40example.com%22");
        assert_ne!(a, b);
        assert_eq!(a.to_lowercase(), b.to_lowercase());
        assert!(!a.to_lowercase().contains("ann.lee"), "{a}");
    }

    /// Short values do not rewrite other words; URNs and JSON keys are left alone.
    #[test]
    fn words_urns_and_keys_are_not_rewritten() {
        let mut m = PiiMap::new(false);
        let p = m.add("name.givenName", "Ann");
        m.add("department", "Core");
        m.add("title", "active");
        let r = m.redactor().unwrap();
        assert_eq!(
            r.apply("Annual report by Ann, planned."),
            format!("Annual report by {p}, planned.")
        );
        let json = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true}"#;
        assert_eq!(r.apply(json), json);
    }

    /// Escaped and encoded forms are found and replaced by the same form of the pseudonym.
    #[test]
    fn encoded_forms_are_replaced_too() {
        let mut m = PiiMap::new(false);
        m.add("emails.value", "o\"neil@x.example");
        m.add("userName", "carla@x.example");
        let r = m.redactor().unwrap();
        let out = r.apply(
            r#"{"v":"o\"neil@x.example"} /Users?filter=userName%20eq%20%22carla%40x.example%22"#,
        );
        assert!(!out.contains("neil") && !out.contains("carla"), "{out}");
        assert!(out.contains("%20eq%20%22") && out.contains("\\\""), "{out}");
    }

    /// A kept value with extra whitespace is the same value for the checks (and so kept);
    /// a soft-delete leftover of a kept UPN keeps the UPN.
    #[test]
    fn kept_values_match_as_the_checks_compare() {
        let mut m = PiiMap::new(false);
        m.keep("bob@x.example", "scoping filter");
        assert_eq!(m.add("emails.value", " BOB@x.example "), " BOB@x.example ");
        let old = m.add("userName", "0f3c9a7be21d4c55a8e6b1d2c3e4f5a6bob@x.example");
        assert!(
            old.ends_with("bob@x.example") && !old.starts_with("0f3c9a7b"),
            "{old}"
        );
        assert!(old[..32].bytes().all(|b| b.is_ascii_hexdigit()), "{old}");
    }

    /// Kept values (ids, values a filter depends on) are never replaced, not even the part
    /// of them that is another, personal, value.
    #[test]
    fn kept_values_stay_in_the_clear() {
        let mut m = PiiMap::new(false);
        m.keep("Sales", "scoping filter");
        assert_eq!(m.add("department", "sales"), "sales");
        assert_ne!(m.add("department", "Sales Ops"), "Sales Ops");
        assert_eq!(m.kept.len(), 1);
        m.keep("ann.lee@example.com", "scoping filter");
        let p = m.add("externalId", "ann.lee");
        let r = m.redactor().unwrap();
        assert_eq!(
            r.apply("Ann.Lee@example.com and ann.lee"),
            format!("Ann.Lee@example.com and {p}")
        );
    }

    #[test]
    fn a_value_cut_by_the_excerpt_limit_is_dropped() {
        assert_eq!(
            trim_cut_value(r#"[{"userName":"bjens…"#),
            r#"[{"userName":"…"#
        );
        assert_eq!(trim_cut_value("complete body"), "complete body");
        // A separator wider than one byte (ideographic space) is cut after, not inside.
        assert_eq!(trim_cut_value("名前\u{3000}山田…"), "名前\u{3000}…");
    }

    /// A reloaded map keeps old pseudonyms, and new values reuse its runs.
    #[test]
    fn a_reloaded_map_keeps_old_pseudonyms_and_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.json");
        let mut m = PiiMap::new(false);
        let a = m.add("emails.value", "ann@x.example");
        m.save(&path).unwrap();
        let mut again = PiiMap::load(&path, false).unwrap();
        assert_eq!(again.pseudonym("ann@x.example"), Some(a.as_str()));
        let b = again.add("emails.value", "bob@x.example");
        assert_eq!(a.split('@').nth(1), b.split('@').nth(1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
