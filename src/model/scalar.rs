//! Lenient readings of one JSON scalar where SCIM wants a given type: `active` as it
//! arrived (`ActiveForm`), a string-ish value as text, a boolean-ish value as a bool. Shared
//! by the resource reader (`seed`, `attrs`) and the model's parsing (`parse`).

use serde_json::Value;

/// How a resource's `active` arrived. RFC 7643 §2.3.2 wants a JSON boolean; Entra sends
/// "True"/"False" without its aadOptscim062020 flag, and some servers send 1/0 or "1"/"0".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveForm {
    /// Absent or null: unassigned (RFC 7643 §2.5).
    Missing,
    /// A JSON boolean.
    Boolean(bool),
    /// Understood, but not a JSON boolean (a protocol deviation worth reporting).
    Lenient(bool),
    /// Not a value that says true or false ("yes", 2, an object): the state is unknown.
    Unreadable,
}

/// Reads one `active` value.
pub fn read_active(v: Option<&Value>) -> ActiveForm {
    match v {
        None | Some(Value::Null) => ActiveForm::Missing,
        Some(Value::Bool(b)) => ActiveForm::Boolean(*b),
        Some(Value::String(s)) => match s.trim() {
            t if t.eq_ignore_ascii_case("true") || t == "1" => ActiveForm::Lenient(true),
            t if t.eq_ignore_ascii_case("false") || t == "0" => ActiveForm::Lenient(false),
            _ => ActiveForm::Unreadable,
        },
        Some(Value::Number(n)) => {
            let x = n.as_f64();
            if x == Some(1.0) {
                ActiveForm::Lenient(true)
            } else if x == Some(0.0) {
                ActiveForm::Lenient(false)
            } else {
                ActiveForm::Unreadable
            }
        }
        Some(_) => ActiveForm::Unreadable,
    }
}

/// A scalar as text (a number or boolean where a string belongs is still readable); `None`
/// for null, arrays and objects.
pub fn scalar_text(v: Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn as_bool(v: &Value) -> Option<bool> {
    match read_active(Some(v)) {
        ActiveForm::Boolean(b) | ActiveForm::Lenient(b) => Some(b),
        ActiveForm::Missing | ActiveForm::Unreadable => None,
    }
}
