//! `--redact-pii`: consistent pseudonymisation of personal data in every file of a bundle.
//!
//! Values are collected from the tenant (userNames, emails, display/given/family/formatted
//! names, nick names, externalIds, phone numbers, group members' display names) and from the
//! report subjects, each mapped once to a pseudonym (`user7@example.invalid`, `Person 7`,
//! `ext-7`...), keyed case-insensitively so that `Ann@X.com` and `ann@x.com` stay one person
//! and duplicates still line up. Every text is then rewritten in one pass (Aho-Corasick,
//! longest match first, only at word boundaries so that a short name does not mangle other
//! words). Entra soft-delete leftovers keep their 32-hex prefix; the UPN after it gets the
//! same pseudonym as the live user. The mapping lives outside the zip (mode 0600).

use crate::findings::SubjectKind;
use crate::model::Tenant;
use crate::report::Report;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const MAP_FORMAT: &str = "scim-doctor-pii-map/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PiiKind {
    Email,
    UserName,
    DisplayName,
    GivenName,
    FamilyName,
    ExternalId,
    Phone,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapEntry {
    pub kind: PiiKind,
    pub original: String,
    pub pseudonym: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PiiMap {
    pub format: String,
    pub keep_domains: bool,
    pub entries: Vec<MapEntry>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    #[serde(skip)]
    counters: HashMap<PiiKind, usize>,
}

fn key(v: &str) -> String {
    v.trim().to_lowercase()
}

/// An Entra soft-delete leftover userName: 32 hex characters glued to the old UPN.
fn soft_delete_split(v: &str) -> Option<(&str, &str)> {
    let prefix = v.get(..32)?;
    let rest = &v[32..];
    (prefix.bytes().all(|b| b.is_ascii_hexdigit()) && !rest.is_empty()).then_some((prefix, rest))
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
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the map file {}: {e}", path.display()))?;
        let mut map: PiiMap = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a scim-doctor pseudonym map: {e}", path.display()))?;
        if map.format != MAP_FORMAT {
            return Err(format!(
                "{} has format `{}`, expected `{MAP_FORMAT}`",
                path.display(),
                map.format
            ));
        }
        map.keep_domains = keep_domains;
        let entries = std::mem::take(&mut map.entries);
        for e in entries {
            *map.counters.entry(e.kind).or_default() += 1;
            map.index.insert(key(&e.original), map.entries.len());
            map.entries.push(e);
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
            .get(&key(original))
            .map(|&i| self.entries[i].pseudonym.as_str())
    }

    fn next(&mut self, kind: PiiKind) -> usize {
        let n = self.counters.entry(kind).or_default();
        *n += 1;
        *n
    }

    fn insert(&mut self, kind: PiiKind, original: &str, pseudonym: String) -> String {
        self.index.insert(key(original), self.entries.len());
        self.entries.push(MapEntry {
            kind,
            original: original.trim().to_string(),
            pseudonym: pseudonym.clone(),
        });
        pseudonym
    }

    /// Adds `value` (if new) and returns its pseudonym. Values under two characters are
    /// left alone: replacing them would rewrite ordinary text.
    pub fn add(&mut self, kind: PiiKind, value: &str) -> Option<String> {
        let v = value.trim();
        if v.chars().count() < 2 {
            return None;
        }
        if let Some(p) = self.pseudonym(v) {
            return Some(p.to_string());
        }
        if matches!(kind, PiiKind::UserName | PiiKind::Email) {
            if let Some((prefix, rest)) = soft_delete_split(v) {
                let inner = self.add(kind, rest)?;
                return Some(self.insert(kind, v, format!("{prefix}{inner}")));
            }
        }
        let pseudonym = match kind {
            PiiKind::Email | PiiKind::UserName if v.contains('@') => {
                let n = self.next(PiiKind::Email);
                let domain = v
                    .rsplit_once('@')
                    .map(|(_, d)| d.to_lowercase())
                    .unwrap_or_default();
                if self.keep_domains && !domain.is_empty() {
                    format!("user{n}@{domain}")
                } else {
                    format!("user{n}@example.invalid")
                }
            }
            PiiKind::Email | PiiKind::UserName => format!("user{}", self.next(PiiKind::UserName)),
            PiiKind::DisplayName => format!("Person {}", self.next(kind)),
            PiiKind::GivenName => format!("Given{}", self.next(kind)),
            PiiKind::FamilyName => format!("Family{}", self.next(kind)),
            PiiKind::ExternalId => format!("ext-{}", self.next(kind)),
            PiiKind::Phone => format!("phone-{}", self.next(kind)),
        };
        Some(self.insert(kind, v, pseudonym))
    }

    /// Collects every personal value of the tenant and the report.
    pub fn collect(&mut self, tenant: Option<&Tenant>, report: &Report) {
        if let Some(t) = tenant {
            for u in &t.users {
                for v in [&u.user_name].into_iter().flatten() {
                    self.add(PiiKind::UserName, v);
                }
                for e in &u.emails {
                    self.add(PiiKind::Email, &e.value);
                }
                for (kind, v) in [
                    (PiiKind::ExternalId, &u.external_id),
                    (PiiKind::DisplayName, &u.display_name),
                    (PiiKind::GivenName, &u.given_name),
                    (PiiKind::FamilyName, &u.family_name),
                ] {
                    if let Some(v) = v {
                        self.add(kind, v);
                    }
                }
                for p in &u.phone_numbers {
                    self.add(PiiKind::Phone, p);
                }
                if let Some(extra) = &u.extra {
                    self.collect_extra(&extra.map());
                }
            }
            for g in &t.groups {
                for m in &g.members {
                    if let Some(d) = &m.display {
                        self.add(PiiKind::DisplayName, d);
                    }
                }
            }
        }
        for c in &report.checks {
            for s in &c.subjects {
                if let Some(v) = &s.user_name {
                    self.add(PiiKind::UserName, v);
                }
                for e in &s.emails {
                    self.add(PiiKind::Email, e);
                }
                if s.kind != SubjectKind::Group {
                    if let Some(v) = &s.external_id {
                        self.add(PiiKind::ExternalId, v);
                    }
                    if let Some(v) = &s.display_name {
                        self.add(PiiKind::DisplayName, v);
                    }
                }
            }
        }
    }

    /// Personal values the model keeps in `extra`: name.formatted/middleName, nickName,
    /// the enterprise manager's displayName, any other email-like string.
    fn collect_extra(&mut self, extra: &serde_json::Map<String, serde_json::Value>) {
        fn walk(map: &mut PiiMap, v: &serde_json::Value, key_name: &str) {
            match v {
                serde_json::Value::Object(o) => {
                    for (k, v) in o {
                        walk(map, v, k);
                    }
                }
                serde_json::Value::Array(a) => {
                    for v in a {
                        walk(map, v, key_name);
                    }
                }
                serde_json::Value::String(s) => {
                    let k = key_name.to_ascii_lowercase();
                    if matches!(
                        k.as_str(),
                        "formatted" | "middlename" | "nickname" | "displayname"
                    ) {
                        map.add(PiiKind::DisplayName, s);
                    } else if s.contains('@')
                        && s.contains('.')
                        && !s.contains(' ')
                        && !s.starts_with("urn:")
                    {
                        map.add(PiiKind::Email, s);
                    }
                }
                _ => {}
            }
        }
        for (k, v) in extra {
            walk(self, v, k);
        }
    }

    /// Builds the rewriter for the current map.
    pub fn redactor(&self) -> Result<Redactor, String> {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for e in &self.entries {
            for form in forms(&e.original, e.kind) {
                patterns.push(form);
                targets.push(e.pseudonym.clone());
            }
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(&patterns)
            .map_err(|e| format!("cannot build the pseudonymiser: {e}"))?;
        Ok(Redactor { ac, targets })
    }

    /// Writes the map with mode 0600 (it holds the real values).
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let text = crate::secret::scrub(&text);
        write_private(path, text.as_bytes())
            .map_err(|e| format!("cannot write the map file {}: {e}", path.display()))
    }
}

/// The forms a value takes in the bundle's files: as is, JSON-escaped, CSV-quoted, Markdown
/// cell-escaped, and for identifiers percent-encoded (filter queries in request URLs; names
/// do not travel in URLs, and skipping them keeps the automaton small on large tenants).
fn forms(v: &str, kind: PiiKind) -> Vec<String> {
    let mut out = vec![v.to_string()];
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if let Ok(j) = serde_json::to_string(v) {
        push(j[1..j.len() - 1].to_string());
    }
    push(v.replace('"', "\"\""));
    push(v.replace('|', "\\|"));
    if matches!(
        kind,
        PiiKind::Email | PiiKind::UserName | PiiKind::ExternalId
    ) {
        let encoded: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
        push(encoded.replace('+', "%20"));
        push(encoded);
    }
    out
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

impl Redactor {
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in self.ac.find_iter(text) {
            if !boundary_before(text, m.start()) || !boundary_after(text, m.end()) {
                continue;
            }
            out.push_str(&text[last..m.start()]);
            out.push_str(&self.targets[m.pattern().as_usize()]);
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_person_gets_one_pseudonym_case_insensitively() {
        let mut m = PiiMap::new(false);
        let a = m.add(PiiKind::UserName, "Ann@Example.com").unwrap();
        let b = m.add(PiiKind::Email, "ann@example.COM").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, "user1@example.invalid");
    }

    #[test]
    fn soft_delete_prefix_is_kept_and_upn_pseudonymised_like_the_live_user() {
        let mut m = PiiMap::new(true);
        let live = m.add(PiiKind::Email, "bob@corp.example").unwrap();
        let old = m
            .add(
                PiiKind::UserName,
                "0f3c9a7be21d4c55a8e6b1d2c3e4f5a6bob@corp.example",
            )
            .unwrap();
        assert_eq!(old, format!("0f3c9a7be21d4c55a8e6b1d2c3e4f5a6{live}"));
        assert_eq!(live, "user1@corp.example");
        let r = m.redactor().unwrap();
        assert_eq!(
            r.apply("x 0f3c9a7be21d4c55a8e6b1d2c3e4f5a6BOB@corp.example y"),
            format!("x {old} y")
        );
    }

    #[test]
    fn short_names_do_not_mangle_other_words() {
        let mut m = PiiMap::new(false);
        m.add(PiiKind::GivenName, "Ann").unwrap();
        let r = m.redactor().unwrap();
        assert_eq!(
            r.apply("Annual report by Ann, planned."),
            "Annual report by Given1, planned."
        );
    }

    #[test]
    fn encoded_forms_are_replaced_too() {
        let mut m = PiiMap::new(false);
        m.add(PiiKind::Email, "o\"neil@x.example").unwrap();
        m.add(PiiKind::UserName, "carla@x.example").unwrap();
        let r = m.redactor().unwrap();
        let out = r.apply(
            r#"{"v":"o\"neil@x.example"} /Users?filter=userName%20eq%20%22carla%40x.example%22"#,
        );
        assert!(!out.contains("neil") && !out.contains("carla"), "{out}");
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

    #[test]
    fn a_reloaded_map_extends_numbering_and_keeps_old_pseudonyms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.json");
        let mut m = PiiMap::new(false);
        m.add(PiiKind::Email, "a@x.example");
        m.save(&path).unwrap();
        let mut again = PiiMap::load(&path, false).unwrap();
        assert_eq!(
            again.pseudonym("A@x.example"),
            Some("user1@example.invalid")
        );
        assert_eq!(
            again.add(PiiKind::Email, "b@x.example").unwrap(),
            "user2@example.invalid"
        );
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
