//! Secrets (bearer tokens, basic-auth passwords, `--header` values) and the process-wide
//! scrubber.
//!
//! A `SecretString` can only be read through `expose()`; `Debug` and `Display` print
//! `(redacted)`. Every secret the tool is handed is also registered with the global
//! scrubber, so that any text leaving the process (reports, transcripts, bundles, error
//! messages, panic messages) can be passed through `scrub()` as a last line of defence.
//!
//! A server can hand a secret back in many spellings, and our own renderers add more. The
//! scrubber matches each registered secret character by character, where every character may
//! be spelled as itself or as any of the escapes the output formats use: JSON (`\/`, `\"`,
//! `\uXXXX` with surrogate pairs, behind any number of backslashes, so a JSON string quoted
//! inside another JSON string is caught too), percent-encoding (`%2B`, `+` for a space) and
//! HTML character references (`&#43;`, `&#x2B;`, `&amp;`), in any ASCII case (a probe sends a
//! value case-changed). The base64 of every secret is
//! registered as well, in the three alignments it can take inside a longer base64 text.
//! A secret cut short by a truncation (`SECRETTOKE…`, or a text that ends mid-secret) is
//! removed too, once the visible part is long enough to matter (`partial_min`).
//! Cutting code should still scrub first and cut second (`scrubbed_excerpt`, `clip_chars`):
//! the partial rule is the safety net, not the design.

use std::borrow::Cow;
use std::fmt;
use std::sync::{OnceLock, RwLock};

/// The marker written wherever a secret was removed.
pub const REDACTED: &str = "[REDACTED]";

/// The cut marker the tool writes where it shortened a text.
pub const ELLIPSIS: char = '…';

#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `value` and registers it (and the forms it travels in) with the scrubber.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        SecretString(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

/// One spelling the scrubber looks for, as characters (each matched in any escaped form).
struct Form {
    chars: Vec<char>,
    /// How many leading characters of this form, followed by a cut, count as a leak.
    partial_min: usize,
}

struct Registry {
    forms: Vec<Form>,
    /// Bytes at which a match can start: a form's first byte, or an escape introducer.
    starts: [bool; 256],
}

fn registry() -> &'static RwLock<Registry> {
    static SECRETS: OnceLock<RwLock<Registry>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        RwLock::new(Registry {
            forms: Vec::new(),
            starts: [false; 256],
        })
    })
}

/// Values shorter than this are not registered: scrubbing them would mangle ordinary text.
const MIN_SECRET_CHARS: usize = 4;
/// Derived forms (base64 alignments) shorter than this are not registered.
const MIN_DERIVED_CHARS: usize = 8;

/// The prefix of a secret that survives a cut and still counts as a leak: four characters
/// of a short secret, up to six of a long one (a few characters of a 40-character token
/// tell an attacker nothing; `SECRETTOKE` does).
fn partial_min(len: usize) -> usize {
    (len / 2).clamp(MIN_SECRET_CHARS, 6).min(len)
}

/// Registers a secret (e.g. a token, a password, the base64 of `user:password`). Values
/// shorter than four characters are not registered.
pub fn register(value: &str) {
    let value = value.trim();
    if value.chars().count() < MIN_SECRET_CHARS {
        return;
    }
    let mut forms = vec![value.to_string()];
    for b in base64_alignments(value.as_bytes()) {
        if b.len() >= MIN_DERIVED_CHARS {
            let url_safe = b.replace('+', "-").replace('/', "_");
            if url_safe != b {
                forms.push(url_safe);
            }
            forms.push(b);
        }
    }
    let Ok(mut reg) = registry().write() else {
        return;
    };
    for f in forms {
        let chars: Vec<char> = f.chars().collect();
        if reg.forms.iter().any(|g| g.chars == chars) {
            continue;
        }
        let mut buf = [0u8; 4];
        let first = chars[0].encode_utf8(&mut buf).as_bytes()[0];
        reg.starts[first as usize] = true;
        reg.starts[first.to_ascii_lowercase() as usize] = true;
        reg.starts[first.to_ascii_uppercase() as usize] = true;
        reg.forms.push(Form {
            partial_min: partial_min(chars.len()),
            chars,
        });
    }
    for b in [b'\\', b'%', b'&', b'+', b'.', ELLIPSIS_BYTES[0]] {
        reg.starts[b as usize] = true;
    }
    // Longest first, so a secret that contains another is removed whole.
    reg.forms.sort_by_key(|f| std::cmp::Reverse(f.chars.len()));
}

/// The parts of `base64(x ++ value ++ y)` that depend on `value` alone, for the three byte
/// offsets `value` can start at: what a secret looks like inside any longer base64 text.
fn base64_alignments(value: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(value);
        let encoded = base64_encode(&padded);
        let bits_from = 8 * offset;
        let bits_to = 8 * (offset + value.len());
        let first = bits_from.div_ceil(6);
        let last = bits_to / 6; // exclusive
        if last > first {
            out.push(encoded[first..last].to_string());
        }
    }
    out
}

/// Standard base64 (RFC 4648 section 4) with padding.
pub fn base64_encode(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

const ELLIPSIS_BYTES: [u8; 3] = [0xE2, 0x80, 0xA6];

/// The length of a cut marker (`…` or `...`, three bytes either way) starting at `q`.
fn cut_at(t: &[u8], q: usize) -> Option<usize> {
    (t[q..].starts_with(&ELLIPSIS_BYTES) || t[q..].starts_with(b"...")).then_some(3)
}

fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Four hex digits at `q` (a `\uXXXX` body).
fn hex4(t: &[u8], q: usize) -> Option<u32> {
    let s = t.get(q..q + 4)?;
    s.iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + hex_val(b)?))
}

/// A `\uXXXX` escape (one or more backslashes) at `q`: its code unit and where it ends.
fn json_unit(t: &[u8], q: usize) -> Option<(u32, usize)> {
    let mut r = q;
    while t.get(r) == Some(&b'\\') {
        r += 1;
    }
    if r == q || t.get(r) != Some(&b'u') {
        return None;
    }
    Some((hex4(t, r + 1)?, r + 5))
}

/// An HTML character reference at `q` (`&#43;`, `&#x2B;`, `&amp;`...): its character and end.
fn html_ref(t: &[u8], q: usize) -> Option<(char, usize)> {
    let end = q + t
        .get(q..(q + 12).min(t.len()))?
        .iter()
        .position(|&b| b == b';')?;
    let name = std::str::from_utf8(&t[q + 1..end]).ok()?;
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let v = match n.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(v)?
        }
    };
    Some((c, end + 1))
}

/// Where `c`, spelled any way the scrubber knows, ends when it starts at `q`. An escape
/// that stands for `c` wins over a raw match of its first byte (`&amp;` for `&`).
fn consume(t: &[u8], q: usize, c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let raw = c.encode_utf8(&mut buf).as_bytes();
    if let Some(end) = consume_escaped(t, q, c, raw) {
        return Some(end);
    }
    // ASCII case is ignored: probes send a userName case-changed, servers fold values, and
    // a token in capitals is the token all the same.
    if c.is_ascii() {
        return t[q].eq_ignore_ascii_case(&(c as u8)).then_some(q + 1);
    }
    t[q..].starts_with(raw).then_some(q + raw.len())
}

fn consume_escaped(t: &[u8], q: usize, c: char, raw: &[u8]) -> Option<usize> {
    match t[q] {
        b'\\' => {
            if c == '\\' {
                let run = t[q..].iter().take_while(|&&b| b == b'\\').count();
                return Some(q + run);
            }
            if let Some((unit, end)) = json_unit(t, q) {
                if unit == c as u32 {
                    return Some(end);
                }
                if (0xD800..0xDC00).contains(&unit) && (c as u32) > 0xFFFF {
                    let (low, end2) = json_unit(t, end)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let v = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        return (v == c as u32).then_some(end2);
                    }
                }
                return None;
            }
            let run = t[q..].iter().take_while(|&&b| b == b'\\').count();
            let next = *t.get(q + run)?;
            // `\/`, `\"` (JSON) and `\|`, `\[` (Markdown): any escaped ASCII punctuation.
            (c.is_ascii_punctuation() && next == c as u8).then_some(q + run + 1)
        }
        b'%' => {
            let mut r = q;
            for &b in raw {
                if t.get(r) != Some(&b'%') {
                    return None;
                }
                let hi = hex_val(*t.get(r + 1)?)?;
                let lo = hex_val(*t.get(r + 2)?)?;
                if hi * 16 + lo != u32::from(b) {
                    return None;
                }
                r += 3;
            }
            Some(r)
        }
        b'+' if c == ' ' => Some(q + 1),
        b'&' => {
            let (d, end) = html_ref(t, q)?;
            (d == c).then_some(end)
        }
        _ => None,
    }
}

/// Where a match of `form[from..]` starting at `q` ends: the whole rest, or (when
/// `partial` and at least `partial_min` characters matched) a prefix followed by a cut
/// marker or the end of the text.
fn match_form(t: &[u8], mut q: usize, form: &Form, from: usize, partial: bool) -> Option<usize> {
    for (j, &c) in form.chars.iter().enumerate().skip(from) {
        let cut_here = q == t.len() || (c != ELLIPSIS && c != '.' && cut_at(t, q).is_some());
        if cut_here {
            return (partial && j - from >= form.partial_min).then_some(q);
        }
        q = consume(t, q, c)?;
    }
    Some(q)
}

/// The first secret in `t` at or after `from`: (start, end) in bytes.
fn find(reg: &Registry, t: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut p = from;
    while p < t.len() {
        let b = t[p];
        if reg.starts[b as usize] {
            for form in &reg.forms {
                if let Some(end) = match_form(t, p, form, 0, true) {
                    return Some((p, end));
                }
            }
            // A secret's tail right after a cut marker (`…ENVALUE`): the start was cut off.
            if let Some(n) = cut_at(t, p) {
                let q = p + n;
                for form in &reg.forms {
                    let len = form.chars.len();
                    for k in 1..len.saturating_sub(form.partial_min) + 1 {
                        if let Some(end) = match_form(t, q, form, k, false) {
                            return Some((q, end));
                        }
                    }
                }
            }
        }
        p += 1;
    }
    None
}

/// Replaces every registered secret in `text` with `[REDACTED]`.
pub fn scrub(text: &str) -> String {
    scrub_cow(text).into_owned()
}

/// `scrub` without a copy when there is nothing to remove (reports of large tenants are
/// tens of megabytes: copying them twice on the way out showed in the peak memory).
pub fn scrub_cow(text: &str) -> Cow<'_, str> {
    let Ok(reg) = registry().read() else {
        return Cow::Borrowed(text);
    };
    if reg.forms.is_empty() {
        return Cow::Borrowed(text);
    }
    let t = text.as_bytes();
    let Some(mut hit) = find(&reg, t, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    loop {
        let (start, end) = hit;
        // Matches start and end on character boundaries: every spelling is whole characters.
        out.push_str(&text[done..start]);
        out.push_str(REDACTED);
        done = end.max(start + 1).min(t.len());
        while !text.is_char_boundary(done) {
            done += 1;
        }
        match find(&reg, t, done) {
            Some(h) => hit = h,
            None => break,
        }
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// True when `text` contains no registered secret.
pub fn is_clean(text: &str) -> bool {
    match registry().read() {
        Ok(reg) => reg.forms.is_empty() || find(&reg, text.as_bytes(), 0).is_none(),
        Err(_) => true,
    }
}

/// The longest registered form, in characters (0 when nothing is registered).
fn longest_form() -> usize {
    registry()
        .read()
        .map(|r| r.forms.first().map_or(0, |f| f.chars.len()))
        .unwrap_or(0)
}

/// At most `max` bytes of `body` (UTF-8, lossy) with every secret removed, then cut on a
/// character boundary, `…` marking the cut. Scrubbing comes first, so a cut can never leave
/// the start of a secret behind; only a window a little longer than `max` is scrubbed (a
/// secret that reaches into the kept part starts before `max`, and no spelling of it is
/// longer than a dozen bytes per character), so a 64 MiB body costs no more than a small one.
pub fn scrubbed_excerpt(body: &[u8], max: usize) -> String {
    let window = max.saturating_add(longest_form().saturating_mul(16) + 16);
    let slice = &body[..body.len().min(window)];
    let text = String::from_utf8_lossy(slice);
    let clean = scrub_cow(&text);
    let mut cut = clean.len().min(max);
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut s = clean[..cut].to_string();
    if body.len() > slice.len() || clean.len() > cut {
        s.push(ELLIPSIS);
    }
    s
}

/// At most `max` characters of `text` with every secret removed first, `…` marking a cut.
pub fn clip_chars(text: &str, max: usize) -> String {
    let clean = scrub_cow(text);
    if clean.len() <= max || clean.chars().count() <= max {
        return clean.into_owned();
    }
    let mut s: String = clean.chars().take(max).collect();
    s.push(ELLIPSIS);
    s
}

/// Installs a panic hook that prints a short, scrubbed message instead of the default one
/// (which could quote a secret held in a variable that was being formatted).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "unknown panic".to_string()
        };
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "scim-doctor: internal error{}: {}\nthis is a bug in scim-doctor; please report it with the command you ran",
            location,
            scrub(&payload)
        );
    }));
}

/// Registers the credential inside a header value given by the user (`--header`): the whole
/// value, the part after an auth scheme (`Bearer X`, `SSWS X`, `Token X`), and for `Basic`
/// the decoded `user:password` and the password alone.
pub fn register_header_value(value: &str) {
    let value = value.trim();
    register(value);
    let Some((scheme, rest)) = value.split_once(char::is_whitespace) else {
        return;
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return;
    }
    let rest = rest.trim();
    register(rest);
    if scheme.eq_ignore_ascii_case("basic") {
        if let Some(decoded) = base64_decode(rest).and_then(|b| String::from_utf8(b).ok()) {
            register(&decoded);
            if let Some((_, password)) = decoded.split_once(':') {
                register(password);
            }
        }
    }
}

/// Standard base64 (padding optional); `None` for anything else.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
