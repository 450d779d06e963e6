//! The attributes the model does not own, kept as compact JSON text: one `"key":value`
//! pair appended at a time, the value copied without the whitespace between tokens.

pub(super) fn push_pair(out: &mut String, key: &str, json: &str) {
    if out.is_empty() {
        // Room for a typical user's unowned attributes at once, not doubling up to them.
        out.reserve(256 + json.len());
    }
    out.push(if out.is_empty() { '{' } else { ',' });
    push_key(out, key);
    out.push(':');
    minify_into(json, out);
}

fn push_key(out: &mut String, key: &str) {
    if key.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(key);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(key).unwrap_or_default());
    }
}

/// Copies JSON text without the whitespace between tokens (a pretty-printed export would
/// otherwise keep its indentation in memory for every user).
pub fn minify_into(json: &str, out: &mut String) {
    if !json
        .bytes()
        .any(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        out.push_str(json);
        return;
    }
    let (mut in_str, mut escaped) = (false, false);
    for c in json.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            if c == '"' {
                in_str = true;
            }
            out.push(c);
        }
    }
}
