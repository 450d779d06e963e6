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

/// Opens `path` for writing as a new file (`create_new`): fails if anything, even a
/// dangling symbolic link, is already there. For files made inside a private directory.
pub fn create_new_file(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    no_follow(&mut o);
    o.open(path)
}

/// Opens an output file the user named (a bundle, its `.partial`, `.sha256` and
/// `.map.json`, `--out`), creating or truncating it, but never through a symbolic link in
/// its last component: a link planted where the output goes would make the tool write
/// wherever it points. The error then says "Too many levels of symbolic links" (ELOOP).
pub fn create_output(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    no_follow(&mut o);
    o.open(path)
}

/// Writes `bytes` to an output file the user named (`man --out` pages, a transcript, demo
/// samples) through [`create_output`]: never through a symbolic link planted at `path`.
pub fn write_output(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = create_output(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// `O_NOFOLLOW` where the platform has it.
fn no_follow(o: &mut std::fs::OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(o, libc::O_NOFOLLOW);
    #[cfg(not(unix))]
    let _ = o;
}

/// The most characters of one tenant value shown in a finding, a subject or a report; the
/// full value stays in the snapshot. A SCIM attribute past this is either hostile or a bug
/// on the server, and printing it whole costs memory and output for every copy.
pub const MAX_SHOWN_CHARS: usize = 1024;

/// `value` cut to `MAX_SHOWN_CHARS` characters, saying how long it was:
/// `abc…[clipped: 104857600 characters]`. Short values come back as they are.
pub fn clip_value(value: &str) -> String {
    clip_to(value, MAX_SHOWN_CHARS)
}

/// `clip_value` with another bound (messages quoting several values get more room). The
/// result, note included, is at most `max_chars` characters: clipping twice changes
/// nothing.
pub fn clip_to(value: &str, max_chars: usize) -> String {
    // Bytes bound characters from above: most values never count characters.
    if value.len() <= max_chars || value.char_indices().nth(max_chars).is_none() {
        return value.to_string();
    }
    let note = format!("…[clipped: {} characters]", value.chars().count());
    let keep = max_chars.saturating_sub(note.chars().count());
    let cut = value
        .char_indices()
        .nth(keep)
        .map_or(value.len(), |(i, _)| i);
    format!("{}{note}", &value[..cut])
}

/// `clip_value` in place, allocating only when the value is too long.
pub fn clip_in_place(value: &mut String, max_chars: usize) {
    if value.len() > max_chars {
        *value = clip_to(value, max_chars);
    }
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
pub fn escape_controls(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_control(c) && !(keep_newlines && c == '\n');
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
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
    Cow::Owned(out)
}

/// `<`, `>` and `&` as HTML character references: tenant text inside Markdown (element
/// content, never an attribute), which renderers would otherwise treat as HTML.
pub fn escape_html(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '>', '&']) {
        return Cow::Borrowed(s);
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
    Cow::Owned(out)
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

/// `text` on one line (control characters become spaces, runs of whitespace one space),
/// secrets scrubbed before the cut, at most `max` characters (a cut ends with `…`): safe to
/// put in a message.
pub fn quote(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::secret::clip_chars(&collapsed, max)
}

/// A UTF-8 (lossy) excerpt of at most `max` bytes, cut on a character boundary, with every
/// registered secret removed before the cut (`secret::scrubbed_excerpt`): a cut must not
/// leave the first half of a token.
pub fn excerpt(body: &[u8], max: usize) -> String {
    crate::secret::scrubbed_excerpt(body, max)
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

/// A value (a name, an id, a URL) at most `max` characters long, for a terminal: secrets
/// removed first (a cut must not leave half a token), control characters escaped
/// (`escape_controls`, newlines too: a value has no structural line break), then the start
/// and the end kept around a note of how much was left out.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    clip_with(s, max, false)
}

/// `clip` for a sentence (a message, a detail, a remediation), which may span lines.
pub fn clip_text(s: &str, max: usize) -> Cow<'_, str> {
    clip_with(s, max, true)
}

fn clip_with(s: &str, max: usize, keep_newlines: bool) -> Cow<'_, str> {
    match crate::secret::scrub_cow(s) {
        Cow::Borrowed(b) => clip_clean(b, max, keep_newlines),
        Cow::Owned(o) => Cow::Owned(clip_clean(&o, max, keep_newlines).into_owned()),
    }
}

fn clip_clean(s: &str, max: usize, keep_newlines: bool) -> Cow<'_, str> {
    let clean = escape_controls(s, keep_newlines);
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
    fn a_huge_value_keeps_its_start_and_end_and_says_how_much_was_clipped() {
        let v = format!("{}@tail-reason", "x".repeat(10_000));
        let c = clip(&v, 200);
        assert!(c.chars().count() < 300, "{}", c.len());
        assert!(c.starts_with("xxx") && c.ends_with("tail-reason"), "{c}");
        assert!(c.contains("characters clipped"), "{c}");
        assert_eq!(clip("short", 200), "short");
    }

    #[test]
    fn terminal_escapes_are_neutralised() {
        assert_eq!(clip("a\u{1b}[31mb\nc", 200), "a\\u{1b}[31mb\\nc");
        assert_eq!(clip_text("a\u{7}b\nc\u{9b}", 200), "a\\u{7}b\nc\\u{9b}");
    }

    #[test]
    fn a_secret_is_removed_before_the_cut() {
        let _s = crate::secret::SecretString::new("UTILCLIPSECRET-0123456789");
        let v = format!(
            "{}UTILCLIPSECRET-0123456789{}",
            "x".repeat(120),
            "y".repeat(200)
        );
        let c = clip(&v, 200);
        assert!(!c.contains("UTILCLIP") && !c.contains("456789"), "{c}");
        let q = quote(&v, 125);
        assert!(!q.contains("UTILC"), "{q}");
        let e = excerpt(v.as_bytes(), 125);
        assert!(!e.contains("UTILC"), "{e}");
    }

    #[test]
    fn html_title_found_case_insensitively() {
        let t = html_title(b"<!DOCTYPE html><html><HEAD><Title>Sign in - Portal</Title></head>");
        assert_eq!(t.as_deref(), Some("Sign in - Portal"));
        assert_eq!(html_title(b"<html><body>x</body></html>"), None);
    }

    /// Proves a value past the bound is cut on a character boundary and says its length,
    /// and that one at the bound is untouched.
    #[test]
    fn clip_value_cuts_long_values_and_says_how_long() {
        let at = "é".repeat(super::MAX_SHOWN_CHARS);
        assert_eq!(super::clip_value(&at), at);
        let over = format!("{at}xyz");
        let c = super::clip_value(&over);
        assert!(c.ends_with("é…[clipped: 1027 characters]"), "{c}");
        assert_eq!(c.chars().count(), super::MAX_SHOWN_CHARS);
        // Clipping what was clipped changes nothing (subjects are clipped, then reports).
        assert_eq!(super::clip_value(&c), c);
        let mut s = "a".repeat(100);
        super::clip_in_place(&mut s, 30);
        assert_eq!(s, "aaaa…[clipped: 100 characters]");
    }
}

/// Levenshtein distance in characters (insertions, deletions and substitutions cost 1), for
/// "did you mean" lists.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `f` of each chunk of `items`, in order, on up to `threads` threads (the calling thread
/// takes the first chunk); chunks hold at least `min_chunk` items, so that a small slice
/// stays on one thread. A panic in a chunk is carried on, as it would be on one thread.
pub fn in_chunks<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    min_chunk: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(min_chunk).max(1);
    let mut chunks = items.chunks(chunk);
    let Some(first) = chunks.next() else {
        return vec![f(items)];
    };
    std::thread::scope(|s| {
        let f = &f;
        let running: Vec<_> = chunks.map(|c| s.spawn(move || f(c))).collect();
        let mut out = Vec::with_capacity(running.len() + 1);
        out.push(f(first));
        out.extend(running.into_iter().map(|h| match h.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        }));
        out
    })
}

#[cfg(test)]
mod in_chunks_tests {
    /// Every item is seen once, in order, whatever the split; an empty slice gives one
    /// empty chunk.
    #[test]
    fn chunks_cover_the_items_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        for (threads, min) in [(1, 1), (2, 1), (3, 7), (8, 100), (4, 5000)] {
            let parts = super::in_chunks(&items, threads, min, |c| c.to_vec());
            assert!(parts.len() <= threads.max(1), "{threads} {min}");
            assert_eq!(parts.concat(), items, "{threads} {min}");
        }
        let none: Vec<Vec<u32>> = super::in_chunks(&[] as &[u32], 4, 1, |c| c.to_vec());
        assert_eq!(none, vec![Vec::<u32>::new()]);
    }
}
