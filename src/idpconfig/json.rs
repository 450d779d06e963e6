//! Case-insensitive access to Graph / Okta JSON objects (Graph spells properties in
//! camelCase, but hand-edited exports and PowerShell output do not always).

use serde_json::{Map, Value};

pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    m.get(key).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

pub fn obj<'a>(v: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    get(v, key).and_then(Value::as_object)
}

pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    get(v, key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A string, or a number / boolean written as text; `None` for null, missing or "".
pub fn text(v: &Value, key: &str) -> Option<String> {
    match get(v, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn path(v: &Value, keys: &[&str]) -> Option<String> {
    let (last, head) = keys.split_last()?;
    let mut cur = v;
    for k in head {
        cur = get(cur, k)?;
    }
    text(cur, last)
}

pub fn int(v: &Value, key: &str) -> Option<i64> {
    match get(v, key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn boolean(v: &Value, key: &str) -> Option<bool> {
    match get(v, key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => crate::scope::idp::parse_bool(s),
        _ => None,
    }
}

/// A Graph timestamp, or `None` for the "never" forms: null, "" and 0001-01-01.
pub fn when(v: &Value, key: &str) -> Option<String> {
    text(v, key).filter(|t| !t.starts_with("0001-01-01"))
}
