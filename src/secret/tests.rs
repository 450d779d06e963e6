//! The scrubber's spellings, its partial rule and the cut helpers, one secret per test (the
//! registry is process-wide).

use super::*;
use std::borrow::Cow;

#[test]
fn debug_and_display_never_show_the_value() {
    let s = SecretString::new("tok-debug-3f9a");
    assert_eq!(format!("{s:?}"), "(redacted)");
    assert_eq!(format!("{s}"), "(redacted)");
    assert_eq!(s.expose(), "tok-debug-3f9a");
}

#[test]
fn scrub_removes_plain_and_url_encoded_forms() {
    let _s = SecretString::new("a+b/c=secret-77");
    let text = "Authorization: Bearer a+b/c=secret-77 url?token=a%2Bb%2Fc%3Dsecret-77 lower a%2bb%2fc%3dsecret-77";
    let out = scrub(text);
    assert!(!out.contains("secret-77"), "{out}");
    assert_eq!(out.matches(REDACTED).count(), 3);
}

#[test]
fn a_case_changed_secret_is_still_a_secret() {
    let _s = SecretString::new("CaseSecret-Value-19");
    assert_eq!(scrub("q=CASESECRET-VALUE-19"), format!("q={REDACTED}"));
    assert_eq!(scrub("q=casesecret-value-19"), format!("q={REDACTED}"));
}

#[test]
fn short_values_are_not_registered() {
    register("ab");
    assert_eq!(scrub("ab cd"), "ab cd");
}

#[test]
fn json_escaped_forms_are_removed_at_any_depth() {
    let _s = SecretString::new("Jz9/k+Q2\"x-json-escape");
    for text in [
        r#"{"detail":"Jz9\/k+Q2\"x-json-escape"}"#,
        r#"{"detail":"Jz9\/k\u002BQ2\u0022x-json-escape"}"#,
        r#"{"detail":"\u004az9\u002fk\u002bQ2\"x-json-escape"}"#,
        // A JSON body quoted inside another JSON string (report.json holding an excerpt).
        r#"{"excerpt":"{\"detail\":\"Jz9\\/k\\u002BQ2\\\"x-json-escape\"}"}"#,
    ] {
        let out = scrub(text);
        assert!(!out.contains("json-escape"), "{text} -> {out}");
        assert!(out.contains(REDACTED), "{out}");
    }
}

#[test]
fn non_bmp_characters_match_as_surrogate_pairs() {
    let _s = SecretString::new("pw-\u{1F511}-surrogate");
    let out = scrub(r#""pw-\ud83d\udd11-surrogate""#);
    assert_eq!(out, format!("\"{REDACTED}\""));
}

#[test]
fn html_character_references_are_removed() {
    let _s = SecretString::new("h+t&ml-ref-secret");
    let out = scrub("<td>h&#43;t&amp;ml-ref-secret</td> <td>h&#x2b;t&#38;ml-ref-secret</td>");
    assert_eq!(out, format!("<td>{REDACTED}</td> <td>{REDACTED}</td>"));
}

#[test]
fn base64_forms_are_removed_in_every_alignment() {
    let secret = "b64-secret-value-91";
    let _s = SecretString::new(secret);
    for prefix in ["", "x", "xy", "xyz:"] {
        let encoded = base64_encode(format!("{prefix}{secret}!tail").as_bytes());
        let out = scrub(&format!("Basic {encoded}"));
        // What is left are the neighbours and the few characters that mix them with
        // the secret.
        assert!(out.contains(REDACTED), "{prefix:?}: {out}");
        let kept = out.len() - "Basic ".len() - REDACTED.len();
        assert!(
            kept <= encoded.len() - secret.len() * 4 / 3 + 4,
            "{prefix:?}: {out}"
        );
    }
}

#[test]
fn a_secret_cut_by_a_truncation_leaves_no_long_prefix_or_suffix() {
    let _s = SecretString::new("SECRETTOKENVALUE-cut-42");
    assert_eq!(scrub("token SECRETTOKE…"), format!("token {REDACTED}…"));
    assert_eq!(
        scrub("token SECRETTOKE... more"),
        format!("token {REDACTED}... more")
    );
    assert_eq!(
        scrub("ends with SECRETTOK"),
        format!("ends with {REDACTED}")
    );
    assert_eq!(scrub("…KENVALUE-cut-42 rest"), format!("…{REDACTED} rest"));
    // A few characters are not the secret: ordinary text keeps them.
    assert_eq!(scrub("SECR…"), "SECR…");
}

#[test]
fn excerpts_are_scrubbed_before_they_are_cut() {
    let _s = SecretString::new("EXCERPT-SECRET-abcdef0123");
    let body = format!("{}EXCERPT-SECRET-abcdef0123 and more", "x".repeat(20));
    for max in 20..60 {
        let e = scrubbed_excerpt(body.as_bytes(), max);
        assert!(!e.contains("EXCERPT-S"), "{max}: {e}");
        assert!(e.len() <= max + ELLIPSIS.len_utf8(), "{max}: {e}");
    }
    assert_eq!(scrubbed_excerpt(b"short", 10), "short");
    assert_eq!(scrubbed_excerpt(b"abcdef", 3), "abc…");
    let c = clip_chars(&body, 30);
    assert!(!c.contains("EXCERPT-S") && c.ends_with('…'), "{c}");
}

#[test]
fn the_credential_inside_a_header_value_is_a_secret() {
    register_header_value("Bearer hdr-bearer-credential-5");
    assert_eq!(
        scrub("echo: hdr-bearer-credential-5"),
        format!("echo: {REDACTED}")
    );
    let basic = base64_encode(b"hdr-user:hdr-basic-password-6");
    register_header_value(&format!("Basic {basic}"));
    assert_eq!(scrub("pw hdr-basic-password-6"), format!("pw {REDACTED}"));
}

#[test]
fn text_without_secrets_is_not_copied() {
    let _s = SecretString::new("never-in-this-text-77");
    let text = "plain ... text … with escapes \\u0041 %41 &amp; +";
    assert!(matches!(scrub_cow(text), Cow::Borrowed(_)));
    assert!(is_clean(text));
}
