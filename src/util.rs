//! Small shared helpers: clock (overridable for deterministic tests), text normalisation.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Set `SCIM_DOCTOR_FIXED_TIME` (an RFC 3339 UTC timestamp) to make every timestamp the tool
/// prints deterministic, for snapshot tests.
pub const FIXED_TIME_ENV: &str = "SCIM_DOCTOR_FIXED_TIME";

pub fn now() -> OffsetDateTime {
    if let Ok(fixed) = std::env::var(FIXED_TIME_ENV) {
        if let Ok(t) = OffsetDateTime::parse(&fixed, &Rfc3339) {
            return t;
        }
    }
    OffsetDateTime::now_utc()
}

pub fn now_rfc3339() -> String {
    rfc3339(now())
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Compact UTC timestamp for file names: 20261126T073800Z.
pub fn file_stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Email/userName normal form used for duplicate detection: trimmed, lowercased.
pub fn norm_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Header and attribute-name normal form: letters and digits only, lowercased, so that
/// `Employee ID`, `employee_id` and `EMPLOYEEID` compare equal (a byte-order mark goes too).
/// Runs for every header, key path and attribute a file names, hence the ASCII fast path.
pub fn fold_name(name: &str) -> String {
    if name.is_ascii() {
        let mut out = String::with_capacity(name.len());
        out.extend(
            name.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return out;
    }
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// "1 user" / "3 users".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The `*.toml` files directly in `dir`, sorted by name (user-supplied playbook, check-doc
/// and profile directories).
pub fn toml_files(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read directory {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// True for the characters a terminal acts on: C0 controls, DEL and C1 controls (Unicode
/// category Cc). ESC starts colour changes, title changes, screen clears and OSC 52
/// clipboard writes; C1 `U+009B` is a one-character CSI on some terminals.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// Tenant or server text made safe for a terminal, a text file or a CSV cell: every control
/// character is written as a visible escape (`\u{1b}`; `\n`, `\r`, `\t` as such), except a
/// newline when `keep_newlines` (text whose lines are structural). The one helper every text
/// output uses; HTML has its own escaping.
pub fn escape_controls(s: &str, keep_newlines: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `<`, `>` and `&` as HTML character references: tenant text inside Markdown (element
/// content, never an attribute), which renderers would otherwise treat as HTML.
pub fn escape_html(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['<', '>', '&']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod text_safety_tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\u{9b}2Jc\u{7f}d\te\r\nf";
        let out = escape_controls(hostile, false);
        assert!(!out.chars().any(char::is_control), "{out:?}");
        assert_eq!(
            out,
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\u{9b}2Jc\\u{7f}d\\te\\r\\nf"
        );
        assert_eq!(escape_controls("l1\nl2\u{1b}", true), "l1\nl2\\u{1b}");
        assert!(matches!(
            escape_controls("plain é 名前", false),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn html_special_characters_become_references() {
        assert_eq!(
            escape_html("<img src=x onerror=\"a&b\">"),
            "&lt;img src=x onerror=\"a&amp;b\"&gt;"
        );
        assert!(matches!(
            escape_html("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
