//! Table-driven tests of `email_problem` from the grammar: RFC 5322 §3.2.3 (atext,
//! dot-atom), §3.2.4 (quoted-string, quoted-pair), §3.4.1 (addr-spec), RFC 6531 §3.3
//! (UTF-8 in the local part), RFC 5321 §4.5.3.1 (lengths).

use super::{email_problem, email_problem_in_full, plain_ascii_address};

/// Addresses the grammar accepts, each with the rule that makes it valid.
const VALID: &[(&str, &str)] = &[
    ("a@example.com", "single atext"),
    (
        "first.last+tag@sub.example.co.uk",
        "dot-atom with + and a subdomain",
    ),
    ("o'brien@example.ie", "apostrophe is atext"),
    (
        "!#$%&'*+-/=?^_`{|}~@example.com",
        "every special atext character",
    ),
    ("user/dept=sales@example.com", "slash and equals are atext"),
    (
        "ü@bücher.de",
        "RFC 6531 non-ASCII local part and IDN domain",
    ),
    ("用户@例子.广告", "RFC 6531 non-Latin script"),
    (
        "\"john..doe\"@example.com",
        "double dots inside a quoted string",
    ),
    ("\"john doe\"@example.com", "space inside a quoted string"),
    (
        "\"a,b;c:d(e)f[g]h<i>j\"@example.com",
        "specials inside a quoted string",
    ),
    ("\"a@b\"@example.com", "an @ inside a quoted string"),
    (
        "\"quote\\\"inside\"@example.com",
        "an escaped quote (quoted-pair)",
    ),
    (
        "\"back\\\\slash\"@example.com",
        "an escaped backslash (quoted-pair)",
    ),
];

/// Addresses the grammar rejects, each with words the message must contain.
const INVALID: &[(&str, &str)] = &[
    (
        "alice,bob@example.com",
        "`,`, which is only valid inside quotes",
    ),
    ("alice;bob@example.com", "`;`"),
    ("alice:bob@example.com", "`:`"),
    ("alice(work)@example.com", "`(`"),
    ("alice)@example.com", "`)`"),
    ("[alice]@example.com", "`[`"),
    ("alice]@example.com", "`]`"),
    ("<alice@example.com>", "`<`"),
    ("alice>@example.com", "`>`"),
    ("ali\\ce@example.com", "a backslash"),
    ("ali\"ce@example.com", "a double quote"),
    (".alice@example.com", "starts with a dot"),
    ("alice.@example.com", "ends with a dot"),
    ("al..ice@example.com", "two dots in a row"),
    ("a b@example.com", "whitespace"),
    ("a\u{a0}b@example.com", "whitespace"),
    ("\"unclosed@example.com", "never closed"),
    ("\"a\"b@example.com", "text follows the closing quote"),
    ("\"a\"\"b\"@example.com", "text follows the closing quote"),
    ("\"\"@example.com", "quoted part before the @ is empty"),
    ("\"trailing\\\"@example.com", "never closed"),
    ("alice", "no @"),
    ("alice@", "nothing after the @"),
    ("@example.com", "nothing before the @"),
    ("a@@example.com", "more than one @"),
    ("a@b@example.com", "more than one @"),
    ("alice@localhost", "no dot"),
    ("a@x..com", "empty label"),
    ("a@-x.com", "hyphen"),
    ("a@x.1", "top-level domain"),
    ("a@x_y.com", "not allowed"),
    ("a@[192.0.2.1]", "address literal"),
    (" a@example.com", "leading or trailing whitespace"),
    ("a\u{7}b@example.com", "control character U+0007"),
];

/// Proves every valid form of the grammar is accepted.
#[test]
fn every_form_the_grammar_allows_is_accepted() {
    for (addr, why) in VALID {
        assert_eq!(email_problem(addr), None, "{addr} ({why})");
    }
}

/// Proves every invalid form is rejected with a message naming the exact problem.
#[test]
fn every_form_the_grammar_forbids_is_rejected_with_its_reason() {
    for (addr, words) in INVALID {
        let problem = email_problem(addr).unwrap_or_else(|| panic!("{addr} was accepted"));
        assert!(
            problem.contains(words),
            "{addr}: `{problem}` lacks `{words}`"
        );
    }
}

/// Proves the RFC 5321 length limits: 64 octets before the @, 63 per label, 254 in all.
#[test]
fn lengths_beyond_rfc_5321_are_rejected() {
    let local64 = format!("{}@example.com", "a".repeat(64));
    assert_eq!(email_problem(&local64), None);
    let local65 = format!("{}@example.com", "a".repeat(65));
    assert!(email_problem(&local65).unwrap().contains("64"));
    let label64 = format!("a@{}.com", "b".repeat(64));
    assert!(email_problem(&label64).unwrap().contains("63"));
    let long = format!("a@{}com", "b.".repeat(130));
    assert!(email_problem(&long).unwrap().contains("254"));
}

/// Proves the ASCII fast path never accepts what the full check rejects, and agrees on the tables.
#[test]
fn the_ascii_fast_path_agrees_with_the_full_check() {
    for (addr, _) in VALID.iter().chain(INVALID) {
        if plain_ascii_address(addr) {
            assert_eq!(
                email_problem_in_full(addr),
                None,
                "fast path accepted {addr}"
            );
        }
    }
    for c in 0u8..128 {
        let addr = format!("a{}b@example.com", c as char);
        assert_eq!(
            plain_ascii_address(&addr),
            email_problem_in_full(&addr).is_none(),
            "fast and full checks disagree on byte {c:#x}"
        );
    }
    assert!(plain_ascii_address("first.last+tag@sub.example.co.uk"));
}
