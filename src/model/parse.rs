//! Lenient conversion of SCIM JSON into the tenant model.
//!
//! Real servers and IdPs deviate: `active` arrives as the string "False" (Entra without the
//! aadOptscim062020 flag), emails as bare strings, member lists as null. Each deviation the
//! model can absorb is absorbed; a resource it cannot use becomes a `ParseIssue`.

use super::{Email, Extra, Group, Member, User};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParseIssue {
    /// "user" or "group".
    pub kind: String,
    /// Position in the source (page/line/array index) when known.
    pub position: String,
    pub problem: String,
    /// What identifies the resource to a person (userName, displayName, externalId), when
    /// it has any: the finding names the resource, not only its position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ParseIssue {
    pub fn new(kind: &str, position: &str, problem: impl Into<String>) -> Self {
        ParseIssue {
            kind: kind.to_string(),
            position: position.to_string(),
            problem: problem.into(),
            name: None,
        }
    }
}

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

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    let found = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    match map.shift_remove(&found)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn take(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let found = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    map.shift_remove(&found)
}

fn as_bool(v: &Value) -> Option<bool> {
    match read_active(Some(v)) {
        ActiveForm::Boolean(b) | ActiveForm::Lenient(b) => Some(b),
        ActiveForm::Missing | ActiveForm::Unreadable => None,
    }
}

/// A short label a person recognises the resource by.
fn name_of(map: &Map<String, Value>) -> Option<String> {
    ["userName", "displayName", "externalId"]
        .iter()
        .find_map(|k| {
            let (_, v) = map.iter().find(|(key, _)| key.eq_ignore_ascii_case(k))?;
            let text = match v {
                Value::String(s) if !s.trim().is_empty() => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(format!(
                "{k} `{}`",
                crate::connection::probe::quote(&text, 120)
            ))
        })
}

fn finish_extra(map: Map<String, Value>) -> Option<Box<Map<String, Value>>> {
    if map.is_empty() {
        None
    } else {
        // Rebuilt rather than kept: the parsed map still has room for every attribute the
        // model took out, and nested maps and arrays keep their growth slack; together that
        // doubled the memory of a million-user tenant.
        Some(Box::new(
            map.into_iter().map(|(k, v)| (k, compact(v))).collect(),
        ))
    }
}

/// The same JSON value with every map and array allocated to its exact size.
fn compact(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, compact(v))).collect()),
        Value::Array(a) => Value::Array(
            a.into_iter()
                .map(compact)
                .collect::<Vec<_>>()
                .into_boxed_slice()
                .into_vec(),
        ),
        other => other,
    }
}

/// The resource's attributes and its non-blank `id`, or why it cannot be used.
fn object_with_id(
    value: Value,
    kind: &str,
    position: &str,
) -> Result<(Map<String, Value>, String), ParseIssue> {
    let Value::Object(mut map) = value else {
        let found = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(ParseIssue::new(
            kind,
            position,
            format!("expected a JSON object, found {found}"),
        ));
    };
    let id = match take(&mut map, "id") {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if id.trim().is_empty() {
        let mut issue = ParseIssue::new(
            kind,
            position,
            "resource has no id (an IdP's request body saved as a resource? servers assign ids)",
        );
        issue.name = name_of(&map);
        return Err(issue);
    }
    Ok((map, id))
}

/// Removes `schemas` when it lists exactly what the resource implies (the core User schema,
/// then each extension present, in order): `User::to_scim` derives that list back, and not
/// storing it saves ~130 bytes per user. A list that says anything else is kept verbatim.
fn drop_implied_schemas(map: &mut Map<String, Value>) {
    let implied = super::implied_user_schemas(map);
    let same = match map.get("schemas") {
        Some(Value::Array(list)) => {
            list.len() == implied.len()
                && list
                    .iter()
                    .zip(&implied)
                    .all(|(a, b)| a.as_str() == Some(b.as_str()))
        }
        _ => false,
    };
    if same {
        map.shift_remove("schemas");
    }
}

/// Converts one SCIM User resource.
pub fn parse_user(value: Value, position: &str) -> Result<User, ParseIssue> {
    let (mut map, id) = object_with_id(value, "user", position)?;
    let mut user = User {
        id,
        user_name: take_string(&mut map, "userName"),
        external_id: take_string(&mut map, "externalId"),
        display_name: take_string(&mut map, "displayName"),
        ..Default::default()
    };
    let active = take(&mut map, "active");
    user.active = match read_active(active.as_ref()) {
        ActiveForm::Boolean(b) => Some(b),
        ActiveForm::Missing => None,
        // Kept as sent, so that the `active-not-boolean` check (live and offline) sees it.
        ActiveForm::Lenient(b) => {
            map.insert("active".into(), active.unwrap_or(Value::Null));
            Some(b)
        }
        ActiveForm::Unreadable => {
            map.insert("active".into(), active.unwrap_or(Value::Null));
            None
        }
    };
    if let Some(Value::Object(mut name)) = take(&mut map, "name") {
        user.given_name = take_string(&mut name, "givenName");
        user.family_name = take_string(&mut name, "familyName");
        if !name.is_empty() {
            map.insert("name".into(), Value::Object(name));
        }
    }
    match take(&mut map, "emails") {
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => user.emails.push(Email {
                        value: s,
                        kind: None,
                        primary: false,
                    }),
                    Value::Object(mut e) => {
                        let primary = take(&mut e, "primary").as_ref().and_then(as_bool);
                        user.emails.push(Email {
                            value: take_string(&mut e, "value").unwrap_or_default(),
                            kind: take_string(&mut e, "type"),
                            primary: primary.unwrap_or(false),
                        });
                    }
                    _ => {}
                }
            }
        }
        // A lone object or string where a list belongs: keep the value, it is still an email.
        Some(Value::Object(mut e)) => user.emails.push(Email {
            value: take_string(&mut e, "value").unwrap_or_default(),
            kind: take_string(&mut e, "type"),
            primary: take(&mut e, "primary")
                .as_ref()
                .and_then(as_bool)
                .unwrap_or(false),
        }),
        Some(Value::String(s)) => user.emails.push(Email {
            value: s,
            kind: None,
            primary: false,
        }),
        _ => {}
    }
    if let Some(Value::Array(items)) = take(&mut map, "phoneNumbers") {
        for item in items {
            let v = match item {
                Value::String(s) => Some(s),
                Value::Object(mut p) => take_string(&mut p, "value"),
                _ => None,
            };
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                user.phone_numbers.push(v);
            }
        }
    }
    // A Vec grows to room for four on its first push: for the usual single email that was
    // 168 spare bytes per user, 160 MiB on a million-user tenant.
    user.emails.shrink_to_fit();
    user.phone_numbers.shrink_to_fit();
    drop_implied_schemas(&mut map);
    user.extra = Extra::from_map(&map);
    Ok(user)
}

/// Converts one SCIM Group resource.
pub fn parse_group(value: Value, position: &str) -> Result<Group, ParseIssue> {
    let (mut map, id) = object_with_id(value, "group", position)?;
    let mut group = Group {
        id,
        display_name: take_string(&mut map, "displayName"),
        external_id: take_string(&mut map, "externalId"),
        ..Default::default()
    };
    if let Some(Value::Array(items)) = take(&mut map, "members") {
        for item in items {
            if let Value::Object(mut m) = item {
                if let Some(value) = take_string(&mut m, "value").filter(|v| !v.is_empty()) {
                    group.members.push(Member {
                        value,
                        kind: take_string(&mut m, "type"),
                        display: take_string(&mut m, "display"),
                        reference: take_string(&mut m, "$ref"),
                    });
                }
            }
        }
    }
    group.members.shrink_to_fit();
    group.extra = finish_extra(map);
    Ok(group)
}

/// Accepts a SCIM ListResponse (`{"Resources": [...]}`, any key case), a bare JSON array,
/// or a Graph-style `{"value": [...]}` and returns the resources.
pub fn parse_list_or_array(value: Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Object(mut map) => {
            for key in ["Resources", "resources", "value"] {
                if let Some(found) = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned() {
                    return match map.shift_remove(&found) {
                        Some(Value::Array(items)) => Ok(items),
                        Some(Value::Null) => Ok(Vec::new()),
                        _ => Err(format!("`{found}` is not an array")),
                    };
                }
            }
            if map.keys().any(|k| k.eq_ignore_ascii_case("totalResults")) {
                // A ListResponse with zero results may omit Resources entirely.
                return Ok(Vec::new());
            }
            if map.contains_key("id") {
                return Ok(vec![Value::Object(map)]);
            }
            Err("expected a SCIM ListResponse (with `Resources`) or a JSON array".into())
        }
        _ => Err("expected a SCIM ListResponse (with `Resources`) or a JSON array".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entra_string_booleans_and_bare_email_strings_are_understood() {
        let u = parse_user(
            json!({"id": "1", "userName": "a@x", "active": "False", "emails": ["a@x"]}),
            "0",
        )
        .unwrap();
        assert_eq!(u.active, Some(false));
        assert_eq!(u.email_values(), vec!["a@x"]);
    }

    #[test]
    fn a_resource_without_id_is_an_issue_not_a_user() {
        let err = parse_user(json!({"userName": "a@x"}), "page 1 item 3").unwrap_err();
        assert!(err.problem.starts_with("resource has no id"), "{err:?}");
        assert_eq!(err.position, "page 1 item 3");
        assert_eq!(err.name.as_deref(), Some("userName `a@x`"));
    }

    #[test]
    fn extension_attributes_are_kept_and_found_by_urn_path() {
        let u = parse_user(
            json!({"id": "1", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"}}),
            "0",
        )
        .unwrap();
        assert!(u.has_attribute(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ));
        assert!(!u.has_attribute(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter"
        ));
        assert!(!u.has_attribute("emails"));
    }

    #[test]
    fn list_response_array_and_graph_value_shapes_are_accepted() {
        assert_eq!(
            parse_list_or_array(json!({"totalResults": 0}))
                .unwrap()
                .len(),
            0
        );
        assert_eq!(parse_list_or_array(json!([{"id": "1"}])).unwrap().len(), 1);
        assert_eq!(
            parse_list_or_array(json!({"Resources": [{"id": "1"}]}))
                .unwrap()
                .len(),
            1
        );
        assert!(parse_list_or_array(json!({"foo": 1})).is_err());
    }

    #[test]
    fn user_round_trips_through_scim_json() {
        let src = json!({"schemas": [super::super::USER_SCHEMA], "id": "7", "userName": "b@x", "active": true,
            "name": {"givenName": "B", "familyName": "X"}, "emails": [{"value": "b@x", "primary": true, "type": "work"}],
            "title": "Eng"});
        let u = parse_user(src, "0").unwrap();
        let back = parse_user(u.to_scim(), "0").unwrap();
        assert_eq!(u, back);
    }
}

#[cfg(test)]
mod active_tests {
    use super::*;
    use serde_json::json;

    /// Every documented boolean form is understood; only a JSON boolean is left unmarked.
    #[test]
    fn active_in_every_real_form_is_understood_and_non_booleans_are_kept_as_sent() {
        for (sent, want) in [
            (json!(true), Some(true)),
            (json!("False"), Some(false)),
            (json!("TRUE"), Some(true)),
            (json!(1), Some(true)),
            (json!(0), Some(false)),
            (json!("1"), Some(true)),
            (json!("0"), Some(false)),
        ] {
            let u = parse_user(json!({"id": "1", "active": sent.clone()}), "0").unwrap();
            assert_eq!(u.active, want, "{sent}");
            let kept = u.active_as_sent();
            assert_eq!(kept.is_some(), !sent.is_boolean(), "{sent}");
            // Round trip: the snapshot writes the form as sent, and reads it back the same.
            assert_eq!(parse_user(u.to_scim(), "0").unwrap(), u);
        }
    }

    /// "yes" is neither missing nor active: the state is unknown and kept for the report.
    #[test]
    fn an_unreadable_active_is_unknown_not_missing_and_active() {
        let u = parse_user(json!({"id": "1", "active": "yes"}), "0").unwrap();
        assert_eq!(u.active, None);
        assert_eq!(u.active_as_sent(), Some(json!("yes")));
        let u = parse_user(json!({"id": "1", "active": null}), "0").unwrap();
        assert_eq!((u.active, u.active_as_sent()), (None, None));
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attributes_the_model_does_not_own_keep_their_order() {
        let u = parse_user(
            json!({"id": "1", "zeta": 1, "userName": "a@x", "alpha": 2, "title": "t"}),
            "0",
        )
        .unwrap();
        let map = u.extra.as_ref().unwrap().map();
        let keys: Vec<&String> = map.keys().collect();
        assert_eq!(keys, ["zeta", "alpha", "title"]);
    }
}
