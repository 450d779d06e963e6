//! Tests of the keyed pseudonyms (`pseudo.rs`).

use super::*;
use crate::checks::duplicates::{norm, soft_deleted_upn};
use crate::checks::users::email_problem;
use proptest::prelude::*;
use std::collections::HashSet;

fn fixed() -> Pseudonymiser {
    Pseudonymiser::new([7; 32])
}

/// Every malformation class of the email check maps to the same class.
#[test]
fn email_malformations_keep_their_class() {
    let m = Pseudonymiser::random();
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
    let m = Pseudonymiser::random();
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

/// Every spelling of a run maps to a spelling of one pseudonym, in the original's case,
/// also for non-ASCII letters and for a letter whose lower case is two characters.
#[test]
fn case_variants_of_a_run_are_case_variants_of_one_pseudonym() {
    let m = fixed();
    for variants in [
        &["smith", "Smith", "SMITH", "sMiTh"][..],
        &["josé", "José", "JOSÉ", "jOSé"],
        &["дима", "Дима", "ДИМА", "дИМа"],
        // `İ` lower-cases to two characters: it is kept as spelled, the rest follows case.
        &["İstanbul", "İSTANBUL", "İstanBUL"],
    ] {
        let outs: Vec<String> = variants.iter().map(|v| m.value(v, false)).collect();
        for (v, p) in variants.iter().zip(&outs) {
            assert_eq!(norm(p), norm(&outs[0]), "{variants:?} -> {outs:?}");
            assert_eq!(v.chars().count(), p.chars().count(), "{v} -> {p}");
            for (o, c) in v.chars().zip(p.chars()) {
                assert_eq!(o.is_uppercase(), c.is_uppercase(), "{v} -> {p}");
            }
        }
        let distinct: HashSet<&String> = outs.iter().collect();
        assert_eq!(distinct.len(), variants.len(), "{outs:?}");
    }
}

/// `<32 hex><UPN>` keeps the soft-delete shape and its UPN is the live user's pseudonym.
#[test]
fn soft_delete_shape_survives() {
    let m = Pseudonymiser::random();
    let live = m.value("bob@corp.example", false);
    let old = m.value("0f3c9a7be21d4c55a8e6b1d2c3e4f5a6bob@corp.example", false);
    assert_eq!(soft_deleted_upn(&old), Some(live.as_str()));
    assert!(!old.starts_with("0f3c9a7be21d4c55a8e6b1d2c3e4f5a6"));
}

/// Digit-only values stay digits (however long) and keep a zero or non-zero first digit.
#[test]
fn numbers_stay_numbers() {
    let m = Pseudonymiser::random();
    for v in ["55000", "701984123456", "1234.50", "9", "0.05", "0012345"] {
        let p = m.value(v, false);
        assert_ne!(p, v);
        assert!(
            p.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "{v} -> {p}"
        );
        assert_eq!(p.starts_with('0'), v.starts_with('0'), "{v} -> {p}");
        if v.starts_with('0') && !v.starts_with("0.") {
            continue;
        }
        assert!(
            serde_json::from_str::<serde_json::Number>(&p).is_ok(),
            "{p}"
        );
    }
}

/// A GUID stays a GUID (every group hexadecimal, same layout), in either letter case.
#[test]
fn guids_stay_guids() {
    let m = Pseudonymiser::random();
    for g in [
        "c0ffee00-1111-4aaa-8bbb-000000000001",
        "C0FFEE00-1111-4AAA-8BBB-000000000001",
        "{6f9619ff-8b86-d011-b42d-00cf4fc964ff}",
    ] {
        let p = m.value(g, false);
        assert!(uuid::Uuid::parse_str(&p).is_ok(), "{g} -> {p}");
        assert_ne!(p, g);
        assert_eq!(norm(&p), norm(&m.value(&g.to_lowercase(), false)));
    }
}

/// Hex-only runs stay hex-only, and runs with a letter after `f` keep one: an id and a
/// value that is not one cannot share a pseudonym.
#[test]
fn hex_runs_stay_hex_and_other_runs_do_not_become_hex() {
    let m = fixed();
    for v in ["4c55", "deadbeef", "a1b2c3d4e5f60718", "ada", "c0ffee00"] {
        let p = m.value(v, false);
        assert!(p.chars().all(|c| c.is_ascii_hexdigit()), "{v} -> {p}");
        assert_ne!(p, v);
    }
    // Every run of one to three ASCII letters and digits: hex-only exactly when its
    // pseudonym is.
    let alnum = format!("{LETTERS}{DIGITS}");
    let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
    for n in 1..=3 {
        for v in strings(&vec![alnum.as_str(); n]) {
            let p = m.value(&v, false);
            assert_eq!(hex(&v), hex(&p), "{v} -> {p}");
        }
    }
}

/// The same key gives the same pseudonyms (two instances), another key other ones.
#[test]
fn same_key_same_pseudonyms_other_key_other_pseudonyms() {
    let values = [
        "ann.lee@acme.example",
        "José Müller",
        "user0012345",
        "55000",
        "c0ffee00-1111-4aaa-8bbb-000000000001",
        "дмитрий",
        "王小明",
    ];
    let a = Pseudonymiser::new([1; 32]);
    let b = Pseudonymiser::new([1; 32]);
    let c = Pseudonymiser::new([2; 32]);
    let d = Pseudonymiser::new(a.key());
    for v in values {
        assert_eq!(a.value(v, false), b.value(v, false));
        assert_eq!(a.value(v, false), d.value(v, false));
        assert_ne!(a.value(v, false), c.value(v, false), "{v}");
    }
    // Across threads too.
    let a = std::sync::Arc::new(a);
    let a2 = a.clone();
    let there = std::thread::spawn(move || a2.value("ann.lee@acme.example", false))
        .join()
        .unwrap();
    assert_eq!(there, a.value("ann.lee@acme.example", false));
    // Single letters depend on the key too (the split digit, not a fixed shift).
    let singles = |m: &Pseudonymiser| -> Vec<String> {
        ('a'..='z')
            .map(|c| m.value(&c.to_string(), false))
            .collect()
    };
    assert_ne!(singles(&Pseudonymiser::new([1; 32])), singles(&c));
}

/// One-to-one and never the value itself, over whole small domains: every value of the
/// domain gets a pseudonym of the domain, all different, none equal to its value.
fn assert_permutes(m: &Pseudonymiser, domain: &[String]) {
    let outs: HashSet<String> = domain
        .iter()
        .map(|v| {
            let p = m.value(v, false);
            assert_ne!(&p, v, "fixed point");
            p
        })
        .collect();
    assert_eq!(outs.len(), domain.len(), "two values share a pseudonym");
}

fn strings(alphabets: &[&str]) -> Vec<String> {
    alphabets.iter().fold(vec![String::new()], |acc, a| {
        acc.iter()
            .flat_map(|p| a.chars().map(move |c| format!("{p}{c}")))
            .collect()
    })
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";
const DIGITS: &str = "0123456789";

#[test]
fn all_one_and_two_letter_runs_are_permuted() {
    for key in [[0; 32], [9; 32]] {
        let m = Pseudonymiser::new(key);
        assert_permutes(&m, &strings(&[LETTERS]));
        assert_permutes(&m, &strings(&[LETTERS, LETTERS]));
    }
}

#[test]
fn all_numbers_of_up_to_three_digits_are_permuted() {
    let m = fixed();
    let mut all = Vec::new();
    for n in 1..=3 {
        all.extend(strings(&vec![DIGITS; n]));
    }
    // A lone `0` is the only value of its shape (a first digit keeps being zero).
    assert_eq!(m.value("0", false), "0");
    all.retain(|v| v != "0");
    assert_permutes(&m, &all);
    for v in &all {
        let p = m.value(v, false);
        assert_eq!(p.len(), v.len());
        assert_eq!(p.starts_with('0'), v.starts_with('0'), "{v} -> {p}");
    }
}

#[test]
fn all_three_character_letter_and_digit_runs_are_permuted() {
    let m = fixed();
    let mut all = Vec::new();
    for shape in strings(&["LD", "LD", "LD"]) {
        let alphabets: Vec<&str> = shape
            .chars()
            .map(|c| if c == 'L' { LETTERS } else { DIGITS })
            .collect();
        all.extend(strings(&alphabets));
    }
    assert_eq!(all.len(), 36 * 36 * 36);
    assert_permutes(&m, &all);
}

/// Runs with Latin-1 letters, Arabic-Indic digits and CJK ideographs are permuted too.
#[test]
fn runs_in_the_non_ascii_alphabets_are_permuted() {
    let m = fixed();
    let latin: String = (0xE0..=0xFEu32)
        .filter(|&u| u != 0xF7)
        .filter_map(char::from_u32)
        .collect();
    assert_permutes(&m, &strings(&["ab", &latin]));
    assert_permutes(&m, &strings(&["٠١٢٣٤٥٦٧٨٩", "٠١٢٣٤٥٦٧٨٩"]));
    let cjk: String = (0x4E00..0x4E00 + 300u32)
        .filter_map(char::from_u32)
        .collect();
    assert_permutes(&m, &strings(&[&cjk]));
}

/// Characters outside the alphabets are replaced by characters of their class.
#[test]
fn characters_outside_the_alphabets_keep_their_class() {
    let m = fixed();
    for v in ["Дмитрий", "Straße", "Ωmega", "x²", "한국"] {
        let p = m.value(v, false);
        assert_ne!(p, v);
        for (o, c) in v.chars().zip(p.chars()) {
            assert_eq!(o.is_uppercase(), c.is_uppercase(), "{v} -> {p}");
            assert_eq!(o.is_numeric(), c.is_numeric(), "{v} -> {p}");
            assert!(c.is_alphanumeric(), "{v} -> {p}");
        }
    }
}

/// The key is never in the Debug text.
#[test]
fn debug_does_not_show_the_key() {
    let m = Pseudonymiser::random();
    let text = format!("{m:?} {m:#?}");
    let key = m.key();
    assert!(!text.contains(&hex::encode(key)), "{text}");
    assert!(!text.contains(&format!("{key:?}")), "{text}");
    assert!(!text.contains(&format!("{}", m.fpe.0)), "{text}");
    assert!(text.contains("redacted"), "{text}");
}

#[test]
fn pseudonymiser_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Pseudonymiser>();
}

#[derive(Debug, PartialEq)]
enum CharClass {
    Lower,
    Upper,
    Digit,
    HexLower,
    HexUpper,
    OtherCasedLower,
    OtherCasedUpper,
    OtherNumeric,
    Uncased,
}

fn char_class(c: char, hex_only_run: bool) -> CharClass {
    match c {
        'a'..='f' if hex_only_run => CharClass::HexLower,
        'A'..='F' if hex_only_run => CharClass::HexUpper,
        'a'..='z' => CharClass::Lower,
        'A'..='Z' => CharClass::Upper,
        '0'..='9' => CharClass::Digit,
        c if c.is_lowercase() => CharClass::OtherCasedLower,
        c if c.is_uppercase() => CharClass::OtherCasedUpper,
        c if c.is_numeric() => CharClass::OtherNumeric,
        _ => CharClass::Uncased,
    }
}

/// The class of every character of every run (hex-only runs: its hex class).
fn classes(v: &str) -> Vec<Option<CharClass>> {
    let mut out = Vec::new();
    for part in v.split(|c: char| !c.is_alphanumeric()) {
        let hex_only = part.chars().all(|c| c.is_ascii_hexdigit());
        out.extend(part.chars().map(|c| Some(char_class(c, hex_only))));
        out.push(None);
    }
    out
}

fn value_strategy() -> impl Strategy<Value = String> {
    // No run of 32 hex digits: the soft-delete prefix is tested on its own.
    proptest::string::string_regex("[a-zA-Z0-9éÉдД中٣²@. _-]{0,24}").unwrap()
}

proptest! {
    /// Every non-alphanumeric character stays in place, every letter and digit keeps its
    /// class, the number of characters stays.
    #[test]
    fn value_keeps_every_class_and_separator(v in value_strategy(), key in any::<[u8; 32]>()) {
        let p = Pseudonymiser::new(key).value(&v, false);
        prop_assert_eq!(v.chars().count(), p.chars().count());
        for (o, c) in v.chars().zip(p.chars()) {
            if !o.is_alphanumeric() {
                prop_assert_eq!(o, c);
            }
        }
        prop_assert_eq!(classes(&v), classes(&p), "{:?} -> {:?}", v, p);
    }

    /// Distinct ASCII runs (ignoring case) give distinct pseudonyms (ignoring case).
    #[test]
    fn distinct_ascii_runs_give_distinct_pseudonyms(
        runs in proptest::collection::hash_set("[a-z0-9]{1,10}", 1..200),
        key in any::<[u8; 32]>(),
    ) {
        let m = Pseudonymiser::new(key);
        let outs: HashSet<String> = runs
            .iter()
            .map(|r| m.value(&r.to_uppercase(), false).to_lowercase())
            .collect();
        prop_assert_eq!(outs.len(), runs.len());
        for r in runs.iter().filter(|r| *r != "0") {
            prop_assert_ne!(&m.value(r, false), r);
        }
    }
}

/// Values of many shapes, made deterministically (a linear congruential generator over
/// pieces of every alphabet and class the pseudonyms handle).
fn corpus() -> Vec<String> {
    const PIECES: [&str; 24] = [
        "ann",
        "Lee",
        "O'Brien",
        "user0012345",
        "@",
        ".",
        "-",
        "_",
        " ",
        "0",
        "007",
        "55000",
        "c0ffee00",
        "4aaa",
        "DEADBEEF",
        "José",
        "Müller",
        "дмитрий",
        "王小明",
        "٣٤٥",
        "İstanbul",
        "ß",
        "x",
        "ÆØÅ",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut out = Vec::new();
    for _ in 0..4000 {
        let n = 1 + next() % 5;
        out.push((0..n).map(|_| PIECES[next() % PIECES.len()]).collect());
    }
    // Long runs (past 32 digits a half holds more than one hashed chunk) and soft-delete names.
    out.push("a".repeat(70));
    out.push("Z9".repeat(40));
    out.push(format!(
        "{}ann.lee@acme.example",
        "0123456789abcdef".repeat(2)
    ));
    out.push("c0ffee00-1111-4aaa-8bbb-000000000001".into());
    out
}

/// The pseudonyms of a key never change within a map format: `--map-file` extends a map
/// made by an earlier bundle with the same key, and its entries must stay true (a change of
/// these values needs a new `MAP_FORMAT`, which refuses to extend the older maps). The digest covers
/// every value of `corpus()`; a few values are spelled out for the reader.
#[test]
fn pseudonyms_of_a_key_are_stable_across_versions() {
    let m = fixed();
    let spelled = [
        ("ann.lee@acme.example", "xzp.zru@fjdu.nwoqhiq"),
        ("José Müller", "Qspã Vávsbk"),
        ("user0012345", "klqa0901390"),
        ("55000", "29968"),
        (
            "c0ffee00-1111-4aaa-8bbb-000000000001",
            "e4dbaf65-9430-4efc-8cda-011828339710",
        ),
        ("дмитрий", "áëåóíçä"),
        ("王小明", "侷咉僑"),
        ("x", "y"),
    ];
    for (v, p) in spelled {
        assert_eq!(m.value(v, false), p, "{v}");
    }
    let mut h = Sha256::new();
    for v in corpus() {
        h.update(m.value(&v, false).as_bytes());
        h.update(b"\n");
        h.update(m.value(&v, true).as_bytes());
        h.update(b"\n");
    }
    assert_eq!(
        hex::encode(h.finalize()),
        "3e6668742e5e0f3d51fd176b5c3e76b950371efd8e4f58051689ee7579d4386a"
    );
}

/// The stack path for short ASCII runs gives the pseudonyms of the general path.
#[test]
fn ascii_path_matches_the_general_path() {
    let mut values = corpus();
    values.extend(
        [
            "0",
            "7",
            "a",
            "F",
            "00",
            "09",
            "ab",
            "fz",
            "Q9",
            "0x1F",
            "DEADBEEF00",
            "user0012345",
        ]
        .map(String::from),
    );
    values.push("Ab9".repeat(10) + "zz"); // 32 characters: the last the stack path takes
    let key = [3; 32];
    let run = |general: bool| -> Vec<String> {
        FORCE_GENERAL.with(|f| f.set(general));
        // A fresh key per pass: nothing comes from the other pass's cache.
        let m = Pseudonymiser::new(key);
        SCRATCH.with_borrow_mut(|s| s.recent = Recent::default());
        let out = values.iter().map(|v| m.value(v, false)).collect();
        FORCE_GENERAL.with(|f| f.set(false));
        out
    };
    let fast = run(false);
    let general = run(true);
    for ((v, a), b) in values.iter().zip(&fast).zip(&general) {
        assert_eq!(a, b, "{v}");
    }
}
