//! Reading one file named by a flag (`--idp-users`, `--scope-filter`, `--provisioning-logs`,
//! `--ldap-groups`) into text, and wording its load failures. Built on `input` (decoding
//! and diagnosis), so every flag names the file, the position and the cause the same way.

use std::path::Path;

/// The file's text: UTF-8 with or without a byte-order mark, or UTF-16 with one. Binary and
/// non-UTF-8 files are refused with the byte offset where they stop being text.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {what} {name}: {e}"))?;
    decode_named(&name.to_string(), what, &bytes)
}

/// `read_text` on bytes already in memory.
pub fn decode_named(name: &str, what: &str, bytes: &[u8]) -> Result<String, String> {
    crate::input::decode(bytes)
        .map(|t| t.into_owned())
        .map_err(|e| format!("{what} {name}: {e}"))
}

/// The error to report when a reader refused `text`: what the file really is when that is
/// recognisable (empty, an HTML page, a SCIM error body), else the reader's own message.
pub fn explain_failure(name: &str, what: &str, text: &str, reader_error: String) -> String {
    match crate::input::diagnose(text).or_else(|| graph_error(text)) {
        Some(what_it_is) => format!("{what} {name}: {what_it_is}"),
        None => reader_error,
    }
}

/// A Microsoft Graph error body (`{"error": {"code", "message"}}`), what Graph Explorer or
/// `curl` saves when the token is missing or lacks a permission: the usual wrong
/// `--idp-users` / `--provisioning-logs` JSON.
fn graph_error(text: &str) -> Option<String> {
    if text.len() > 64 * 1024 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let err = v.get("error")?.as_object()?;
    let code = err.get("code").and_then(|c| c.as_str())?;
    let mut msg = format!(
        "a Microsoft Graph error response, not data: code {}",
        crate::util::quote(code, 100)
    );
    if let Some(m) = err.get("message").and_then(|m| m.as_str()) {
        msg.push_str(&format!(", message \"{}\"", crate::util::quote(m, 200)));
    }
    if code.contains("Authentication") || code.contains("Authorization") {
        msg.push_str(" (the request that saved this file was not authorised: export it again with a valid token and the needed permission)");
    }
    Some(msg)
}

/// A JSON value's kind in words, for "expected X, found Y" messages.
pub fn describe_json(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(6).map(String::as_str).collect();
            let more = if o.len() > keys.len() { ", ..." } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recognisable_file_is_named_instead_of_the_parser_message() {
        let msg = explain_failure(
            "f.csv",
            "IdP users",
            "<html><title>Sign in</title></html>",
            "parser".into(),
        );
        assert!(
            msg.contains("f.csv") && msg.contains("\"Sign in\""),
            "{msg}"
        );
        assert_eq!(
            explain_failure("f", "x", "a,b\n1,2", "parser".into()),
            "parser"
        );
    }

    #[test]
    fn json_kinds_are_described_with_their_keys() {
        let v: serde_json::Value = serde_json::json!({"a": 1, "b": 2});
        assert_eq!(describe_json(&v), "an object with keys a, b");
        assert_eq!(describe_json(&serde_json::json!("x")), "a string");
    }
}
