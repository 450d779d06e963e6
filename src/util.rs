//! Small shared helpers: clock (overridable for deterministic tests), text normalisation,
//! and the safe quoting of text that came from outside (server answers, files) that every
//! layer uses in its messages. The bottom layer: it imports only `secret`.

use std::borrow::Cow;
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

/// `text` on one line (control characters become spaces, runs of whitespace one space),
/// secrets scrubbed, at most `max` characters (a cut ends with `…`): safe to put in a message.
pub fn quote(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    let scrubbed = crate::secret::scrub(&collapsed);
    if scrubbed.chars().count() > max {
        let cut: String = scrubbed.chars().take(max).collect();
        format!("{cut}…")
    } else {
        scrubbed
    }
}

/// A UTF-8 (lossy) excerpt of at most `max` bytes, cut on a character boundary.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let slice = &body[..body.len().min(max)];
    let text = String::from_utf8_lossy(slice);
    let mut s = text.into_owned();
    if body.len() > max {
        s.push('…');
    }
    s
}

/// The `<title>` of an HTML page (a login or error page answered instead of JSON), quoted.
pub fn html_title(body: &[u8]) -> Option<String> {
    let head = excerpt(body, 8192);
    let lower = head.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = quote(head.get(open_end..close)?, 80);
    (!title.is_empty()).then_some(title)
}

/// `s` at most `max` characters long: the start and the end are kept (a detail ends with the
/// reason) around a note of how much was left out. Escape and other control characters
/// (but newline and tab) are replaced so a value cannot drive the terminal.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    let clean: Cow<str> = if s.chars().any(unsafe_char) {
        Cow::Owned(
            s.chars()
                .map(|c| if unsafe_char(c) { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    };
    if clean.len() <= max {
        return clean;
    }
    let total = clean.chars().count();
    if total <= max {
        return clean;
    }
    let (head, tail) = (max * 2 / 3, max / 3);
    let start: String = clean.chars().take(head).collect();
    let end: String = clean.chars().skip(total - tail).collect();
    Cow::Owned(format!(
        "{start}… [{} characters clipped; --format json or csv has the full value] …{end}",
        total - head - tail
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_is_one_line_and_bounded() {
        assert_eq!(quote("a\nb\tc", 10), "a b c");
        assert_eq!(quote("abcdefghijkl", 5), "abcde…");
    }

    #[test]
    fn excerpt_is_bounded_and_marks_the_cut() {
        assert_eq!(excerpt(b"abcdef", 3), "abc…");
        assert_eq!(excerpt(b"ab", 3), "ab");
    }

    #[test]
    fn html_title_found_case_insensitively() {
        let t = html_title(b"<!DOCTYPE html><html><HEAD><Title>Sign in - Portal</Title></head>");
        assert_eq!(t.as_deref(), Some("Sign in - Portal"));
        assert_eq!(html_title(b"<html><body>x</body></html>"), None);
    }
}
