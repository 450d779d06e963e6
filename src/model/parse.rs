//! Lenient conversion of SCIM JSON into the tenant model.
//!
//! Real servers and IdPs deviate: `active` arrives as the string "False" (Entra without the
//! aadOptscim062020 flag), emails as bare strings, member lists as null. Each deviation the
//! model can absorb is absorbed; a resource it cannot use becomes a `ParseIssue`.

use super::attrs::members_of;
use super::scalar::{read_active, scalar_text, ActiveForm};
use super::seed::Fields;
use super::{Extra, Group, User};
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

/// A short label a person recognises the resource by.
fn name_of(f: &Fields) -> Option<String> {
    [
        ("userName", &f.user_name),
        ("displayName", &f.display_name),
        ("externalId", &f.external_id),
    ]
    .iter()
    .find_map(|(k, v)| {
        let text = match v.as_ref()? {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(format!("{k} `{}`", crate::util::quote(&text, 120)))
    })
}

fn finish_extra(text: Option<String>) -> Option<Box<Map<String, Value>>> {
    let map: Map<String, Value> = serde_json::from_str(&text?).ok()?;
    if map.is_empty() {
        None
    } else {
        // Rebuilt rather than kept: nested maps and arrays keep their growth slack.
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

/// The resource's non-blank `id`, or why it cannot be used.
fn id_of(f: &mut Fields, kind: &str, position: &str) -> Result<String, ParseIssue> {
    if let Some(found) = f.not_object {
        return Err(ParseIssue::new(
            kind,
            position,
            format!("expected a JSON object, found {found}"),
        ));
    }
    let id = match f.id.take() {
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
        issue.name = name_of(f);
        return Err(issue);
    }
    Ok(id)
}

/// Converts one SCIM User resource.
pub fn parse_user(value: Value, position: &str) -> Result<User, ParseIssue> {
    user_from_fields(Fields::from_value(value), position)
}

/// Builds a user from the fields read by `ResourceSeed`.
pub fn user_from_fields(mut f: Fields, position: &str) -> Result<User, ParseIssue> {
    let id = id_of(&mut f, "user", position)?;
    let mut user = User {
        id,
        user_name: f.user_name.take().and_then(scalar_text),
        external_id: f.external_id.take().and_then(scalar_text),
        display_name: f.display_name.take().and_then(scalar_text),
        ..Default::default()
    };
    let active = f.active.take();
    user.active = match read_active(active.as_ref()) {
        ActiveForm::Boolean(b) => Some(b),
        ActiveForm::Missing => None,
        // Kept as sent, so that the `active-not-boolean` check (live and offline) sees it.
        ActiveForm::Lenient(b) => {
            f.push_extra("active", &active.unwrap_or(Value::Null).to_string());
            Some(b)
        }
        ActiveForm::Unreadable => {
            f.push_extra("active", &active.unwrap_or(Value::Null).to_string());
            None
        }
    };
    if let Some((given, family, mut rest)) = f.name.take() {
        user.given_name = given.and_then(scalar_text);
        user.family_name = family.and_then(scalar_text);
        if !rest.is_empty() {
            rest.push('}');
            f.push_extra("name", &rest);
        }
    }
    user.emails = std::mem::take(&mut f.emails);
    if let Some(Value::Array(items)) = f.phone_numbers.take() {
        for item in items {
            let v = match item {
                Value::String(s) => Some(s),
                Value::Object(mut p) => p
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case("value"))
                    .cloned()
                    .and_then(|k| p.shift_remove(&k))
                    .and_then(scalar_text),
                _ => None,
            };
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                user.phone_numbers.push(v);
            }
        }
        user.phone_numbers.shrink_to_fit();
    }
    // `members` on a user is not the model's: kept with the rest.
    if let Some(m) = f.members.take() {
        f.push_extra("members", &m.to_string());
    }
    // `schemas` is not stored when it says only what the rest implies: `User::to_scim`
    // derives it back (~130 bytes per user).
    if let Some(s) = f.schemas.take() {
        if !f.schemas_implied(&s) {
            f.push_extra("schemas", &s.to_string());
        }
    }
    let extra = f.extra_text();
    user.extra = extra.map(Extra::from_text);
    Ok(user)
}

/// Converts one SCIM Group resource.
pub fn parse_group(value: Value, position: &str) -> Result<Group, ParseIssue> {
    group_from_fields(Fields::from_value(value), position)
}

/// Builds a group from the fields read by `ResourceSeed`. Groups are few: what the model
/// does not own is kept as a JSON map.
pub fn group_from_fields(mut f: Fields, position: &str) -> Result<Group, ParseIssue> {
    let id = id_of(&mut f, "group", position)?;
    let mut group = Group {
        id,
        display_name: f.display_name.take().and_then(scalar_text),
        external_id: f.external_id.take().and_then(scalar_text),
        members: members_of(f.members.take()),
        ..Default::default()
    };
    // Attributes a group does not have in the model stay with the rest, as sent.
    for (key, v) in [
        ("userName", f.user_name.take()),
        ("active", f.active.take()),
        ("phoneNumbers", f.phone_numbers.take()),
        ("schemas", f.schemas.take()),
    ] {
        if let Some(v) = v {
            f.push_extra(key, &v.to_string());
        }
    }
    if let Some((given, family, rest)) = f.name.take() {
        let mut name = Map::new();
        if let Some(g) = given {
            name.insert("givenName".into(), g);
        }
        if let Some(fam) = family {
            name.insert("familyName".into(), fam);
        }
        if !rest.is_empty() {
            let rest: Map<String, Value> =
                serde_json::from_str(&format!("{rest}}}")).unwrap_or_default();
            name.extend(rest);
        }
        f.push_extra("name", &Value::Object(name).to_string());
    }
    if !f.emails.is_empty() {
        let emails = serde_json::to_string(&f.emails).unwrap_or_default();
        f.push_extra("emails", &emails);
    }
    group.extra = finish_extra(f.extra_text());
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
