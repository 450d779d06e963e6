//! Email address syntax as mail systems accept it, for `invalid-email`, `username-not-email`
//! and the licence checks. The part before the @ follows RFC 5322 §3.4.1: a dot-atom
//! (§3.2.3: `atext` runs between single dots, `atext` being letters, digits and
//! ``!#$%&'*+-/=?^_`{|}~``, plus any non-ASCII character as RFC 6531 §3.3 allows) or a
//! quoted-string (§3.2.4, with backslash escapes). Lengths follow RFC 5321 §4.5.3.1 (64
//! octets before the @, 63 per domain label, 254 in all). The domain must be a dotted host
//! name (letters of any script, digits, inner hyphens): IdPs never send domain literals.

use std::borrow::Cow;

/// Why `s` is not a usable email address, naming the exact problem, or `None` when it is.
pub fn email_problem(s: &str) -> Option<Cow<'static, str>> {
    if plain_ascii_address(s) {
        None
    } else {
        email_problem_in_full(s)
    }
}

/// RFC 5322 `atext` for one ASCII byte.
fn is_atext(c: u8) -> bool {
    ATEXT[c as usize]
}

/// `is_atext` for every byte value, computed at compile time (the per-byte test is on the
/// path every email of every user takes).
const ATEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let specials = b"!#$%&'*+-/=?^_`{|}~";
    let mut i = 0;
    while i < specials.len() {
        table[specials[i] as usize] = true;
        i += 1;
    }
    table
};

/// How a character outside `atext` is named in messages.
fn shown(c: char) -> String {
    match c {
        '"' => "a double quote".into(),
        '\\' => "a backslash".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// The full check, which also names the problem (any script, any character).
pub(crate) fn email_problem_in_full(s: &str) -> Option<Cow<'static, str>> {
    if s.trim().is_empty() {
        return Some("the value is empty".into());
    }
    if s.trim() != s {
        return Some("the value has leading or trailing whitespace".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Some(format!("the value contains {}", shown(c)).into());
    }
    let (local, domain) = match split(s) {
        Ok(parts) => parts,
        Err(p) => return Some(p),
    };
    if let Some(p) = local_problem(local) {
        return Some(p);
    }
    if domain.chars().any(char::is_whitespace) {
        return Some("the value contains whitespace".into());
    }
    if let Some(p) = domain_problem(domain) {
        return Some(p.into());
    }
    if s.len() > 254 {
        return Some(
            format!(
                "the address is {} octets long, more than the 254 mail systems accept",
                s.len()
            )
            .into(),
        );
    }
    None
}

/// The part before and after the @ that separates them (the last one outside quotes).
fn split(s: &str) -> Result<(&str, &str), Cow<'static, str>> {
    if s.starts_with('"') {
        // The quoted string ends at the first unescaped quote; the @ must follow it.
        let mut escaped = false;
        for (i, c) in s.char_indices().skip(1) {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    let rest = &s[i + 1..];
                    return match rest.strip_prefix('@') {
                        Some(domain) => Ok((&s[..=i], domain)),
                        None if rest.is_empty() => Err("there is no @".into()),
                        None => Err("text follows the closing quote before the @ (only a fully quoted part before the @ is valid)".into()),
                    };
                }
                _ => {}
            }
        }
        return Err("the quote that opens the part before the @ is never closed".into());
    }
    let Some((local, domain)) = s.split_once('@') else {
        return Err("there is no @".into());
    };
    if domain.contains('@') {
        return Err(
            "more than one @ (an @ before the last one is only valid inside quotes)".into(),
        );
    }
    Ok((local, domain))
}

fn local_problem(local: &str) -> Option<Cow<'static, str>> {
    if local.is_empty() {
        return Some("nothing before the @".into());
    }
    if local.len() > 64 {
        return Some(
            format!(
                "the part before the @ is {} octets long, more than the 64 mail systems accept",
                local.len()
            )
            .into(),
        );
    }
    if local.starts_with('"') {
        if local.len() == 2 {
            return Some("the quoted part before the @ is empty".into());
        }
        return quoted_problem(&local[1..local.len() - 1]);
    }
    if local.starts_with('.') {
        return Some("the part before the @ starts with a dot".into());
    }
    if local.ends_with('.') {
        return Some("the part before the @ ends with a dot".into());
    }
    if local.contains("..") {
        return Some("the part before the @ has two dots in a row".into());
    }
    // Non-ASCII characters are atext (RFC 6531), except spaces that only look like one.
    let outside_atext =
        |c: char| c != '.' && (c.is_whitespace() || (c.is_ascii() && !is_atext(c as u8)));
    if let Some(c) = local.chars().find(|&c| outside_atext(c)) {
        if c.is_whitespace() {
            return Some("the value contains whitespace".into());
        }
        return Some(
            format!(
                "the part before the @ has {}, which is only valid inside quotes",
                shown(c)
            )
            .into(),
        );
    }
    None
}

/// The inside of a quoted local part: `qtext` or space, or a backslash before any
/// printable character or space (RFC 5322 §3.2.4, §3.2.1).
fn quoted_problem(inner: &str) -> Option<Cow<'static, str>> {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n == ' ' || n == '\t' || (n as u32) >= 0x21 => {}
                _ => return Some("the quoted part before the @ ends with a lone backslash".into()),
            },
            '"' => return Some("the quoted part before the @ has a double quote that is not escaped with a backslash".into()),
            _ => {}
        }
    }
    None
}

fn domain_problem(domain: &str) -> Option<&'static str> {
    if domain.is_empty() {
        return Some("nothing after the @");
    }
    if domain.starts_with('[') {
        return Some("the domain is an address literal in brackets, which identity providers and most services do not accept");
    }
    if !domain.contains('.') {
        return Some("the domain has no dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Some("the domain has an empty label");
        }
        if label.len() > 63 {
            return Some("a domain label is longer than 63 octets");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("a domain label starts or ends with a hyphen");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Some("the domain has a character that is not allowed");
        }
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Some("the top-level domain is not valid");
    }
    None
}

/// One pass over the bytes for the common case: an ASCII dot-atom address that
/// `email_problem_in_full` accepts. `false` means "look closer" (the full check finds the
/// reason, or accepts a quoted or non-ASCII address); it never accepts what the full check
/// would reject.
pub(crate) fn plain_ascii_address(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() > 254 {
        return false;
    }
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty()
        || local.len() > 64
        || domain.is_empty()
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
    {
        return false;
    }
    let mut prev = 0u8;
    for &c in local {
        if !(is_atext(c) || c == b'.') || (c == b'.' && prev == b'.') {
            return false;
        }
        prev = c;
    }
    let (mut label_len, mut dots, mut tld_digits_only, mut prev) = (0usize, 0usize, true, b'.');
    for &c in domain {
        match c {
            b'.' => {
                if label_len == 0 || prev == b'-' {
                    return false;
                }
                dots += 1;
                label_len = 0;
                tld_digits_only = true;
            }
            b'-' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => {
                if (c == b'-' && label_len == 0) || label_len == 63 {
                    return false;
                }
                if !c.is_ascii_digit() {
                    tld_digits_only = false;
                }
                label_len += 1;
            }
            _ => return false,
        }
        prev = c;
    }
    dots > 0 && label_len >= 2 && prev != b'-' && !tld_digits_only
}

#[cfg(test)]
#[path = "email_tests.rs"]
mod tests;
