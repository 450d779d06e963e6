//! Secrets (bearer tokens, basic-auth passwords) and the process-wide scrubber.
//!
//! A `SecretString` can only be read through `expose()`; `Debug` and `Display` print
//! `(redacted)`. Every secret the tool is handed is also registered with the global
//! scrubber, so that any text leaving the process (reports, transcripts, bundles, error
//! messages, panic messages) can be passed through `scrub()` as a last line of defence.

use std::fmt;
use std::sync::{OnceLock, RwLock};

/// The marker written wherever a secret was removed.
pub const REDACTED: &str = "[REDACTED]";

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

fn registry() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| RwLock::new(Vec::new()))
}

/// Registers an extra secret form (e.g. the base64 of `user:password`). Values shorter than
/// four characters are not registered: scrubbing them would mangle ordinary text.
pub fn register(value: &str) {
    let value = value.trim();
    if value.len() < 4 {
        return;
    }
    let mut forms = vec![value.to_string()];
    // Secrets also travel percent-encoded in URLs and query strings.
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    if encoded != value {
        forms.push(encoded);
    }
    if let Ok(mut list) = registry().write() {
        for f in forms {
            if !list.contains(&f) {
                list.push(f);
            }
        }
        // Longest first, so a secret that contains another is removed whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Replaces every registered secret in `text` with `[REDACTED]`.
pub fn scrub(text: &str) -> String {
    scrub_cow(text).into_owned()
}

/// `scrub` without a copy when there is nothing to remove (reports of large tenants are
/// tens of megabytes: copying them twice on the way out showed in the peak memory).
pub fn scrub_cow(text: &str) -> std::borrow::Cow<'_, str> {
    let Ok(list) = registry().read() else {
        return std::borrow::Cow::Borrowed(text);
    };
    let mut out = std::borrow::Cow::Borrowed(text);
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = std::borrow::Cow::Owned(out.replace(s.as_str(), REDACTED));
        }
    }
    out
}

/// True when `text` contains no registered secret.
pub fn is_clean(text: &str) -> bool {
    registry()
        .read()
        .map(|list| !list.iter().any(|s| text.contains(s.as_str())))
        .unwrap_or(true)
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
        let text = "Authorization: Bearer a+b/c=secret-77 url?token=a%2Bb%2Fc%3Dsecret-77";
        let out = scrub(text);
        assert!(!out.contains("secret-77"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 2);
    }

    #[test]
    fn short_values_are_not_registered() {
        register("ab");
        assert_eq!(scrub("ab cd"), "ab cd");
    }
}
