//! Reading a file a person handed us: the one place that turns raw bytes into text and, when
//! that is impossible or the text is not what was asked for, says why in words. Every input
//! (snapshots, curl output, `--idp-users`, `--scope-filter`, `--provisioning-logs`,
//! `--ldap-groups`) goes through `decode` first and, when its own parser fails, through
//! `diagnose` for the message, so a 401 saved by curl, a login page or a UTF-16 export from
//! Windows get the same explanation whichever flag they arrive by.

pub mod lenient;

use std::borrow::Cow;
use std::fmt;

/// Why a file could not be read as text, with the byte offset where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Valid UTF-8 up to `offset`, then a byte sequence that is not.
    NotUtf8 { offset: usize },
    /// A UTF-16 byte-order mark, then an odd byte count or an unpaired surrogate.
    BadUtf16 { offset: usize },
    /// NUL bytes or other control bytes that no text export holds.
    Binary { offset: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::NotUtf8 { offset } => write!(
                f,
                "not UTF-8 text (invalid byte at offset {offset}); save the file as UTF-8"
            ),
            DecodeError::BadUtf16 { offset } => write!(
                f,
                "starts with a UTF-16 byte-order mark but is not valid UTF-16 (at byte {offset})"
            ),
            DecodeError::Binary { offset } => write!(
                f,
                "a binary file, not text (control byte at offset {offset}); expected a JSON or CSV export"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The text of `bytes`: UTF-8 with or without a byte-order mark, or UTF-16 (LE or BE) with
/// one, as Windows tools save files. Borrowed when no conversion was needed.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return utf8(rest, 3);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes).map(Cow::Owned);
    }
    utf8(bytes, 0)
}

fn utf8(bytes: &[u8], skipped: usize) -> Result<Cow<'_, str>, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            if let Some(pos) = text.bytes().position(is_binary_byte) {
                return Err(DecodeError::Binary {
                    offset: pos + skipped,
                });
            }
            Ok(Cow::Borrowed(text))
        }
        Err(e) => {
            let offset = e.valid_up_to() + skipped;
            // A file that is mostly control bytes is binary, not text in another encoding.
            if bytes.iter().take(512).any(|&b| is_binary_byte(b)) {
                let pos = bytes.iter().position(|&b| is_binary_byte(b)).unwrap_or(0);
                return Err(DecodeError::Binary {
                    offset: pos + skipped,
                });
            }
            Err(DecodeError::NotUtf8 { offset })
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, DecodeError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(DecodeError::BadUtf16 {
            offset: bytes.len() + 1,
        });
    }
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    let mut out = String::with_capacity(bytes.len() / 2);
    for (i, ch) in char::decode_utf16(units).enumerate() {
        match ch {
            Ok(c) => out.push(c),
            Err(_) => return Err(DecodeError::BadUtf16 { offset: 2 + i * 2 }),
        }
    }
    Ok(out)
}

/// NUL and the C0 controls other than tab, newline, carriage return and form feed.
fn is_binary_byte(b: u8) -> bool {
    b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)
}

/// What a file that failed to parse as the expected input most likely is, in words
/// ("an HTML page titled \"Sign in\"", "a SCIM error response: 401 ..."), or `None` when
/// nothing recognisable: the caller then reports its own parser's message.
pub fn diagnose(text: &str) -> Option<String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Some("the file is empty".into());
    }
    let head: String = trimmed
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") || head.contains("<html") {
        return Some(match crate::util::html_title(trimmed.as_bytes()) {
            Some(title) => format!(
                "an HTML page titled \"{title}\", not data (a login page or proxy answered instead of the SCIM endpoint?)"
            ),
            None => "an HTML page, not data (a login page or proxy answered instead of the SCIM endpoint?)".into(),
        });
    }
    if head.starts_with("<?xml") || head.starts_with('<') {
        return Some("XML or markup, not JSON or CSV".into());
    }
    // An error body is small; a large document that failed its parser is not one.
    if trimmed.len() > 64 * 1024 {
        return None;
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        if let Some(msg) = scim_error(&v) {
            return Some(msg);
        }
    }
    None
}

/// A SCIM error body (RFC 7644 §3.12), or the plain `{"error": ...}` shapes some servers and
/// gateways return, described with its status and detail.
pub fn scim_error(v: &serde_json::Value) -> Option<String> {
    let obj = v.as_object()?;
    let is_scim_error = obj
        .get("schemas")
        .and_then(|s| s.as_array())
        .is_some_and(|a| {
            a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(crate::model::ERROR_SCHEMA))
            })
        });
    let status = obj.get("status").map(|s| match s {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let detail = ["detail", "message", "error_description", "error"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(|d| d.as_str()).map(str::to_string));
    if !(is_scim_error || status.is_some() && detail.is_some()) {
        return None;
    }
    let mut msg = String::from("a SCIM error response, not data");
    if let Some(s) = status {
        msg.push_str(&format!(": status {s}"));
    }
    if let Some(d) = detail {
        msg.push_str(&format!(", detail \"{}\"", crate::util::quote(&d, 200)));
    }
    if obj.get("status").is_some_and(|s| s == "401" || s == 401) {
        msg.push_str(" (the request that saved this file was not authenticated: fetch it again with a valid token)");
    }
    Some(msg)
}

/// A `serde_json` error in words with its line and column, and a hint when the document
/// stopped early (a truncated download).
pub fn json_error(e: &serde_json::Error) -> String {
    let position = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("truncated JSON: the document ends early at {position}")
        }
        serde_json::error::Category::Io => format!("read error at {position}: {e}"),
        _ => format!("not valid JSON at {position}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom_decode_to_the_same_text() {
        assert_eq!(decode(b"{\"a\":1}").unwrap(), "{\"a\":1}");
        assert_eq!(decode(b"\xEF\xBB\xBF{\"a\":1}").unwrap(), "{\"a\":1}");
    }

    #[test]
    fn utf16_files_saved_on_windows_decode() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Zoë,1".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Zoë,1".encode_utf16().flat_map(|u| u.to_be_bytes()))
            .collect();
        assert_eq!(decode(&le).unwrap(), "Zoë,1");
        assert_eq!(decode(&be).unwrap(), "Zoë,1");
        assert!(matches!(
            decode(&le[..le.len() - 1]),
            Err(DecodeError::BadUtf16 { .. })
        ));
    }

    #[test]
    fn latin1_and_binary_are_told_apart_with_their_offset() {
        assert_eq!(
            decode(b"name\ncaf\xE9\n").unwrap_err(),
            DecodeError::NotUtf8 { offset: 8 }
        );
        assert!(matches!(
            decode(b"PK\x03\x04\x00\x00"),
            Err(DecodeError::Binary { offset: 2 })
        ));
        assert!(decode(b"a\tb\r\nc").is_ok());
    }

    #[test]
    fn html_pages_and_scim_errors_are_named() {
        let page = "<!DOCTYPE html><html><head><title>Sign in</title></head></html>";
        assert!(diagnose(page).unwrap().contains("\"Sign in\""));
        let err = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"Invalid token"}"#;
        let msg = diagnose(err).unwrap();
        assert!(msg.contains("401") && msg.contains("Invalid token") && msg.contains("token"));
        assert_eq!(diagnose("  \n").unwrap(), "the file is empty");
        assert_eq!(diagnose(r#"{"Resources":[]}"#), None);
    }

    #[test]
    fn json_errors_say_where_and_whether_truncated() {
        let e = serde_json::from_str::<serde_json::Value>("{\"a\":\n [1,").unwrap_err();
        assert!(json_error(&e).starts_with("truncated JSON"));
        let e = serde_json::from_str::<serde_json::Value>("{\"a\" 1}").unwrap_err();
        assert!(json_error(&e).contains("line 1, column"));
    }
}
