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
use std::sync::RwLock;

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

mod base64;
mod spelling;

pub use base64::encode as base64_encode;

fn registry() -> &'static RwLock<spelling::Forms> {
    static SECRETS: RwLock<spelling::Forms> = RwLock::new(spelling::Forms::new());
    &SECRETS
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
    for b in base64::alignments(value.as_bytes()) {
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
        let min = partial_min(chars.len());
        reg.add(chars, min);
    }
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
    if reg.is_empty() {
        return Cow::Borrowed(text);
    }
    let t = text.as_bytes();
    let Some(mut hit) = reg.find(t, 0) else {
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
        match reg.find(t, done) {
            Some(h) => hit = h,
            None => break,
        }
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// True when `text` contains no registered secret.
pub fn is_clean(text: &str) -> bool {
    is_clean_bytes(text.as_bytes())
}

/// `is_clean` of text held as bytes.
pub fn is_clean_bytes(text: &[u8]) -> bool {
    match registry().read() {
        Ok(reg) => reg.is_empty() || reg.find(text, 0).is_none(),
        Err(_) => true,
    }
}

/// The longest registered form, in characters (0 when nothing is registered).
fn longest_form() -> usize {
    registry().read().map(|r| r.longest()).unwrap_or(0)
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
        if let Some(decoded) = base64::decode(rest).and_then(|b| String::from_utf8(b).ok()) {
            register(&decoded);
            if let Some((_, password)) = decoded.split_once(':') {
                register(password);
            }
        }
    }
}

#[cfg(test)]
mod tests;
