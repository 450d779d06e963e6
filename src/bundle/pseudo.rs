//! Shape-preserving pseudonyms: the part of `--redact-pii` that decides what a value becomes.
//!
//! A value is cut into runs of letters and digits; everything between runs (spaces, `@`,
//! dots, hyphens, quotes, any other punctuation) is kept as it is. Each run is replaced by a
//! random run of the same length and character classes (ASCII lower/upper case letters,
//! digits, other cased letters, uncased letters), chosen once per run ignoring case, with the
//! original's letter case put back character by character. So every property a check reads
//! from the text survives: whitespace, the number and place of `@`, empty parts, misplaced
//! dots, characters a domain may not hold, an all-digit top-level domain, emptiness,
//! "equal ignoring case but spelled differently", one value being the local part of
//! another, two users sharing a domain. Runs are mapped one-to-one (a used pseudonym is never
//! handed out twice), so values that differ stay different. Runs made of hexadecimal digits
//! stay hexadecimal, and an Entra soft-delete name (`<32 hex><UPN>`) keeps its shape.

use rand::Rng;
use std::collections::{HashMap, HashSet};

/// Lower-case letters used for non-ASCII cased letters (upper case: their `to_uppercase`).
const LATIN1_LOWER: &str = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ";

#[derive(Debug, Default, Clone)]
pub struct RunMap {
    /// Lower-cased original run -> lower-cased pseudonym run.
    pub runs: HashMap<String, String>,
    used: HashSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    AsciiLetter,
    Digit,
    Hex,
    OtherCased,
    Uncased,
    OtherDigit,
}

fn class_of(c: char, hex_run: bool) -> Class {
    if hex_run && c.is_ascii_hexdigit() {
        Class::Hex
    } else if c.is_ascii_alphabetic() {
        Class::AsciiLetter
    } else if c.is_ascii_digit() {
        Class::Digit
    } else if c.is_lowercase() || c.is_uppercase() {
        Class::OtherCased
    } else if c.is_numeric() {
        Class::OtherDigit
    } else {
        Class::Uncased
    }
}

fn draw(class: Class, rng: &mut impl Rng) -> char {
    match class {
        Class::AsciiLetter => (b'a' + rng.random_range(0..26u8)) as char,
        Class::Digit => (b'0' + rng.random_range(0..10u8)) as char,
        Class::Hex => {
            let n = rng.random_range(0..16u32);
            char::from_digit(n, 16).unwrap_or('0')
        }
        Class::OtherCased => {
            let n = rng.random_range(0..LATIN1_LOWER.chars().count());
            LATIN1_LOWER.chars().nth(n).unwrap_or('é')
        }
        Class::OtherDigit => char::from_u32(0x0660 + rng.random_range(0..10u32)).unwrap_or('٠'),
        Class::Uncased => char::from_u32(0x4E00 + rng.random_range(0..2000u32)).unwrap_or('一'),
    }
}

/// A run counts as hexadecimal when it has at least 8 characters, all hex digits, and holds
/// a decimal digit and a letter: object ids, GUID parts, tokens (`4c55` alone stays a word,
/// and an all-digit run such as a badge number or salary stays all digits).
fn is_hex_run(lower: &str) -> bool {
    lower.len() >= 8
        && lower.chars().all(|c| c.is_ascii_hexdigit())
        && lower.chars().any(|c| c.is_ascii_digit())
        && lower.chars().any(|c| c.is_ascii_alphabetic())
}

/// A whole value made of hex digits and id punctuation (`-{}:`), with at least 8 hex
/// digits, one decimal digit and one letter: a GUID or object id, whose every part stays
/// hexadecimal. (A GUID of digits only keeps its shape anyway: digits stay digits.)
fn looks_hex(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, '-' | '{' | '}' | ':'))
        && v.chars().filter(char::is_ascii_hexdigit).count() >= 8
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars().any(|c| c.is_ascii_alphabetic())
}

/// Puts the letter case of `original` on `pseudo` (same number of characters).
fn with_case(original: &str, pseudo: &str) -> String {
    original
        .chars()
        .zip(pseudo.chars())
        .map(|(o, p)| {
            if o.is_uppercase() {
                p.to_uppercase().next().unwrap_or(p)
            } else {
                p
            }
        })
        .collect()
}

impl RunMap {
    /// Restores a map saved earlier (the used set is rebuilt from it).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut m = RunMap::default();
        for (k, v) in pairs {
            m.used.insert(v.clone());
            m.runs.insert(k, v);
        }
        m
    }

    /// The pseudonym of one run of letters and digits (`hex`: keep it hexadecimal).
    fn run(&mut self, run: &str, hex: bool) -> String {
        let lower = run.to_lowercase();
        // A character whose lower case is longer (`İ`) breaks the 1:1 case transfer:
        // key such runs as spelled.
        let key = if lower.chars().count() == run.chars().count() {
            lower
        } else {
            run.to_string()
        };
        if let Some(p) = self.runs.get(&key) {
            return with_case(run, p);
        }
        let hex = hex || is_hex_run(&key);
        let classes: Vec<Class> = key.chars().map(|c| class_of(c, hex)).collect();
        // A number that does not start with 0 keeps a non-zero first digit (so a JSON number
        // stays a valid number and a count of digits stays a count of significant digits).
        let nonzero_lead = classes.first() == Some(&Class::Digit) && !key.starts_with('0');
        let mut rng = rand::rng();
        let mut pseudo = String::new();
        for attempt in 0..64 {
            pseudo = classes.iter().map(|&c| draw(c, &mut rng)).collect();
            if nonzero_lead && pseudo.starts_with('0') {
                let d = (b'1' + rng.random_range(0..9u8)) as char;
                pseudo.replace_range(..1, &d.to_string());
            }
            // Never hand out a pseudonym twice, nor the value itself, nor (after a few
            // tries) another original run.
            if !self.used.contains(&pseudo)
                && pseudo != key
                && (attempt > 8 || !self.runs.contains_key(&pseudo))
            {
                break;
            }
        }
        if self.used.contains(&pseudo) {
            // Tiny spaces (one-letter runs): walk the space until a free value turns up.
            pseudo = self
                .first_free(&classes)
                .unwrap_or_else(|| format!("{key}~"));
        }
        self.used.insert(pseudo.clone());
        self.runs.insert(key, pseudo.clone());
        with_case(run, &pseudo)
    }

    fn first_free(&self, classes: &[Class]) -> Option<String> {
        let alphabet = |c: Class| -> Vec<char> {
            match c {
                Class::AsciiLetter => ('a'..='z').collect(),
                Class::Digit => ('0'..='9').collect(),
                Class::Hex => "0123456789abcdef".chars().collect(),
                Class::OtherCased => LATIN1_LOWER.chars().collect(),
                Class::OtherDigit => (0x0660..0x066A).filter_map(char::from_u32).collect(),
                Class::Uncased => (0x4E00..0x4E00 + 2000).filter_map(char::from_u32).collect(),
            }
        };
        let alphabets: Vec<Vec<char>> = classes.iter().map(|&c| alphabet(c)).collect();
        let mut idx = vec![0usize; classes.len()];
        for _ in 0..1_000_000 {
            let s: String = idx.iter().zip(&alphabets).map(|(&i, a)| a[i]).collect();
            if !self.used.contains(&s) {
                return Some(s);
            }
            // Odometer increment; stop when it wraps.
            let mut pos = idx.len();
            loop {
                if pos == 0 {
                    return None;
                }
                pos -= 1;
                idx[pos] += 1;
                if idx[pos] < alphabets[pos].len() {
                    break;
                }
                idx[pos] = 0;
            }
        }
        None
    }

    /// The pseudonym of a whole value: every run replaced, everything else kept. With
    /// `keep_domain`, the text after the last `@` stays as it is.
    pub fn value(&mut self, v: &str, keep_domain: bool) -> String {
        let (body, domain) = match v.rfind('@') {
            Some(i) if keep_domain => (&v[..i], Some(&v[i..])),
            _ => (v, None),
        };
        let mut out = String::with_capacity(v.len());
        // Entra soft-delete: `<32 hex><UPN>`: the prefix is a run of its own.
        let mut rest = body;
        if let Some(prefix) = rest.get(..32) {
            if prefix.bytes().all(|b| b.is_ascii_hexdigit()) && rest.len() > 32 {
                out.push_str(&self.run(prefix, true));
                rest = &rest[32..];
            }
        }
        let hex = looks_hex(rest);
        let mut run = String::new();
        for c in rest.chars() {
            if c.is_alphanumeric() {
                run.push(c);
            } else {
                if !run.is_empty() {
                    out.push_str(&self.run(&run, hex));
                    run.clear();
                }
                out.push(c);
            }
        }
        if !run.is_empty() {
            out.push_str(&self.run(&run, hex));
        }
        if let Some(d) = domain {
            out.push_str(d);
        }
        out
    }
}

/// TEMPORARY stand-in until the keyed pseudonymiser lands (same API).
pub struct Pseudonymiser {
    key: [u8; 32],
    runs: std::sync::Mutex<RunMap>,
}

impl Pseudonymiser {
    pub fn new(key: [u8; 32]) -> Self {
        Pseudonymiser {
            key,
            runs: Default::default(),
        }
    }

    pub fn random() -> Self {
        Self::new(rand::random())
    }

    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    pub fn value(&self, v: &str, keep_domain: bool) -> String {
        self.runs
            .lock()
            .map(|mut r| r.value(v, keep_domain))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::duplicates::{norm, soft_deleted_upn};
    use crate::checks::users::email_problem;

    /// Every malformation class of the email check maps to the same class.
    #[test]
    fn email_malformations_keep_their_class() {
        let mut m = RunMap::default();
        for v in [
            "first last@acme.example",
            "bob@",
            "x@@y.example",
            "@acme.example",
            " ann@acme.example",
            "ann@acme",
            "ann@acme..example",
            "ann.@acme.example",
            "ann@-acme.example",
            "ann@acme_x.example",
            "ann@acme.c",
            "ann@10.20",
            "ann(x)@acme.example",
            "plain",
            "",
            "josé@bücher.de",
            "ann@acme.example",
        ] {
            let p = m.value(v, false);
            assert_eq!(email_problem(v), email_problem(&p), "{v:?} -> {p:?}");
            let k = m.value(v, true);
            assert_eq!(email_problem(v), email_problem(&k), "{v:?} -> {k:?}");
            if v.chars().any(|c| c.is_alphanumeric()) {
                assert_ne!(v, p);
            }
        }
    }

    /// Two spellings of one value stay equal ignoring case and different as spelled.
    #[test]
    fn case_variants_stay_case_variants_and_different_values_stay_different() {
        let mut m = RunMap::default();
        let a = m.value("Ann.Lee@Acme.example", false);
        let b = m.value("ann.lee@acme.EXAMPLE", false);
        let c = m.value("ann.lea@acme.example", false);
        assert_eq!(norm(&a), norm(&b));
        assert_ne!(a, b);
        assert_ne!(norm(&a), norm(&c));
        // The userName that is the email's local part stays its local part.
        let u = m.value("ann.lee", false);
        assert_eq!(
            norm(&format!("{u}@{}", b.split('@').nth(1).unwrap())),
            norm(&b)
        );
        // Shared domains stay shared, or are kept as is with --keep-domains.
        let d = m.value("bob@acme.example", false);
        assert_eq!(
            norm(d.split('@').nth(1).unwrap()),
            norm(a.split('@').nth(1).unwrap())
        );
        assert_eq!(
            m.value("bob@acme.example", true).split('@').nth(1),
            Some("acme.example")
        );
    }

    /// `<32 hex><UPN>` keeps the soft-delete shape and its UPN is the live user's pseudonym.
    #[test]
    fn soft_delete_shape_survives() {
        let mut m = RunMap::default();
        let live = m.value("bob@corp.example", false);
        let old = m.value("0f3c9a7be21d4c55a8e6b1d2c3e4f5a6bob@corp.example", false);
        assert_eq!(soft_deleted_upn(&old), Some(live.as_str()));
        assert!(!old.starts_with("0f3c9a7be21d4c55a8e6b1d2c3e4f5a6"));
    }

    /// Digit-only values stay digits (however long) and keep a non-zero first digit.
    #[test]
    fn numbers_stay_numbers() {
        let mut m = RunMap::default();
        for v in ["55000", "701984123456", "1234.50", "9"] {
            let p = m.value(v, false);
            assert_ne!(p, v);
            assert!(
                p.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{v} -> {p}"
            );
            assert!(!p.starts_with('0'), "{v} -> {p}");
            assert!(
                serde_json::from_str::<serde_json::Number>(&p).is_ok(),
                "{p}"
            );
        }
    }

    /// A GUID stays a GUID (every group hexadecimal, same layout).
    #[test]
    fn guids_stay_guids() {
        let mut m = RunMap::default();
        let g = m.value("c0ffee00-1111-4aaa-8bbb-000000000001", false);
        assert!(uuid::Uuid::parse_str(&g).is_ok(), "{g}");
        assert_ne!(g, "c0ffee00-1111-4aaa-8bbb-000000000001");
    }

    /// One-letter runs exhaust their space without two values sharing a pseudonym.
    #[test]
    fn tiny_spaces_stay_one_to_one() {
        let mut m = RunMap::default();
        let outs: HashSet<String> = ('a'..='z')
            .map(|c| m.value(&c.to_string(), false))
            .collect();
        assert_eq!(outs.len(), 26);
    }
}
