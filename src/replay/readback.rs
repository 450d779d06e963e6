//! Read-back of every attribute a write sent, compared by its SCIM meaning (pure, no I/O):
//! attribute names case-insensitive; strings case-insensitive unless RFC 7643 makes the
//! attribute caseExact (`id`, `externalId`, `$ref`); multi-valued attributes matched element
//! by element (by `value`, else `type`) whatever their order, each sent sub-attribute
//! (`type`, `primary`...) compared; extension attributes under their schema URN; an empty
//! array or a null equal to an absent attribute (RFC 7643 §2.5), `primary: false` equal to
//! an absent `primary`. Every attribute lost or changed is named, not only the first.

use serde_json::Value;

/// Attribute by path: `a`, `a.b`, or `urn:...:Ext:attr` (names case-insensitive).
pub fn lookup<'v>(res: &'v Value, path: &str) -> Option<&'v Value> {
    let get = |v: &'v Value, k: &str| -> Option<&'v Value> {
        v.as_object()?
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    };
    if path.to_ascii_lowercase().starts_with("urn:") {
        let cut = path.rfind(':')?;
        return get(get(res, &path[..cut])?, &path[cut + 1..]);
    }
    path.split('.').try_fold(res, get)
}

/// What a read-back must show at one attribute path.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// The value sent, or a value equal to it by SCIM meaning (multi-valued: every element
    /// sent is present; the server may hold more).
    Has(Value),
    /// The attribute was removed.
    Absent,
}

/// Attributes never compared: server-assigned, write-only or read-only in RFC 7643
/// (`groups` on a user is read-only, `password` is never returned).
const NOT_READ_BACK: &[&str] = &["schemas", "id", "meta", "password", "groups"];

fn skipped(name: &str, skip: &[&str]) -> bool {
    NOT_READ_BACK
        .iter()
        .chain(skip)
        .any(|s| s.eq_ignore_ascii_case(name))
}

/// The attribute a path starts with (`name` for `name.givenName`, the leaf of a URN path).
fn head(path: &str) -> &str {
    if path.to_ascii_lowercase().starts_with("urn:") {
        return path.rsplit(':').next().unwrap_or(path);
    }
    path.split('.').next().unwrap_or(path)
}

/// Expectations of a POST or PUT body: every attribute, extension attributes one by one.
pub fn from_resource(body: &Value, skip: &[&str]) -> Vec<(String, Want)> {
    let Some(m) = body.as_object() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in m {
        if skipped(k, skip) || v.is_null() {
            continue;
        }
        match v {
            Value::Object(ext) if k.to_ascii_lowercase().starts_with("urn:") => {
                for (sub, sv) in ext {
                    if !sv.is_null() {
                        out.push((format!("{k}:{sub}"), Want::Has(sv.clone())));
                    }
                }
            }
            _ => out.push((k.clone(), Want::Has(v.clone()))),
        }
    }
    out
}

/// Expectations of a PatchOp (RFC 7644 §3.5.2): add and replace show their value at the
/// path (a pathless op at each key of its value), remove leaves the path empty. Value
/// filters (`emails[type eq "work"].value`, `members[value eq "..."]`) and removals of
/// listed values are left to the step's own verification.
pub fn from_patch(body: &Value, skip: &[&str]) -> Vec<(String, Want)> {
    let ops = body
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
                .map(|(_, v)| v)
        })
        .and_then(Value::as_array);
    let mut out: Vec<(String, Want)> = Vec::new();
    // A later op wins over an earlier one on the same or an enclosing path.
    let mut push = |path: String, want: Want| {
        let lower = path.to_ascii_lowercase();
        out.retain(|(p, _)| {
            let p = p.to_ascii_lowercase();
            p != lower
                && !p.starts_with(&format!("{lower}."))
                && !lower.starts_with(&format!("{p}."))
        });
        out.push((path, want));
    };
    for op in ops.into_iter().flatten() {
        let field = |name: &str| lookup(op, name);
        let kind = field("op")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let value = field("value").cloned();
        match (kind.as_str(), field("path").and_then(Value::as_str)) {
            (_, Some(p)) if p.contains('[') || skipped(head(p), skip) => {}
            ("add" | "replace", Some(p)) => {
                if let Some(v) = value.filter(|v| !v.is_null()) {
                    push(p.to_string(), Want::Has(v));
                }
            }
            ("remove", Some(p)) if value.is_none() => push(p.to_string(), Want::Absent),
            ("add" | "replace", None) => {
                for (k, v) in value
                    .as_ref()
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if skipped(head(k), skip) || k.contains('[') || v.is_null() {
                        continue;
                    }
                    match v {
                        Value::Object(ext) if k.to_ascii_lowercase().starts_with("urn:") => {
                            for (sub, sv) in ext {
                                push(format!("{k}:{sub}"), Want::Has(sv.clone()));
                            }
                        }
                        _ => push(k.clone(), Want::Has(v.clone())),
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// RFC 7643 §4.1.1, §3.1: the attributes whose strings compare case-exactly.
fn case_exact(path: &str) -> bool {
    let leaf = path
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(path)
        .trim_start_matches(']');
    ["id", "externalId", "$ref"]
        .iter()
        .any(|a| leaf.eq_ignore_ascii_case(a))
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(empty),
        _ => false,
    }
}

fn same_scalar(path: &str, want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::String(w), Value::String(h)) if case_exact(path) => w == h,
        (Value::String(w), Value::String(h)) => w.to_lowercase() == h.to_lowercase(),
        (Value::Number(w), Value::Number(h)) => w.as_f64() == h.as_f64(),
        (w, h) => w == h,
    }
}

/// The element of `have` a sent element is matched with: by `value`, else by `type`, else
/// an equal element.
fn matching<'h>(attr: &str, sent: &Value, have: &'h [Value]) -> Option<&'h Value> {
    for key in ["value", "type"] {
        if let Some(w) = lookup(sent, key) {
            let path = format!("{attr}.{key}");
            return have
                .iter()
                .find(|h| lookup(h, key).is_some_and(|hv| same_scalar(&path, w, hv)));
        }
    }
    have.iter()
        .find(|h| compare(attr, sent, Some(h)).is_empty())
}

/// How a sent element is named: `emails[value eq "a@b"]`.
fn element_name(attr: &str, sent: &Value) -> String {
    for key in ["value", "type"] {
        if let Some(w) = lookup(sent, key) {
            return format!("{attr}[{key} eq {w}]");
        }
    }
    format!("{attr}[{}]", show(sent))
}

/// Differences between what was sent at `path` and what the server shows (`None`: absent).
pub fn compare(path: &str, want: &Value, have: Option<&Value>) -> Vec<String> {
    let have = have.filter(|h| !h.is_null());
    match (want, have) {
        (w, _) if w.is_null() => Vec::new(),
        (w, None) if empty(w) => Vec::new(),
        (Value::Bool(false), None) if head_leaf(path).eq_ignore_ascii_case("primary") => Vec::new(),
        (w, None) => vec![format!("lost {path} (sent {})", show(w))],
        (Value::Object(w), Some(Value::Object(_))) => w
            .iter()
            .flat_map(|(k, v)| {
                let sub = format!("{path}.{k}");
                compare(&sub, v, have.and_then(|h| lookup(h, k)))
            })
            .collect(),
        (Value::Array(w), Some(Value::Array(h))) => w
            .iter()
            .flat_map(|sent| match (sent, matching(path, sent, h)) {
                (_, None) => vec![format!(
                    "lost {} (sent {})",
                    element_name(path, sent),
                    show(sent)
                )],
                (Value::Object(fields), Some(got)) => {
                    let name = element_name(path, sent);
                    fields
                        .iter()
                        .flat_map(|(k, v)| compare(&format!("{name}.{k}"), v, lookup(got, k)))
                        .collect()
                }
                _ => Vec::new(),
            })
            .collect(),
        (w, Some(h)) if same_scalar(path, w, h) => Vec::new(),
        (w, Some(h)) => vec![format!("changed {path}: sent {}, got {}", show(w), show(h))],
    }
}

fn head_leaf(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Every difference between the expectations and the resource read back.
pub fn differences(expected: &[(String, Want)], resource: &Value) -> Vec<String> {
    expected
        .iter()
        .flat_map(|(path, want)| {
            let have = lookup(resource, path);
            match want {
                Want::Has(v) => compare(path, v, have),
                Want::Absent if have.is_some_and(|h| !empty(h)) => {
                    vec![format!(
                        "{path} is still there after its removal ({})",
                        show(have.unwrap_or(&Value::Null))
                    )]
                }
                Want::Absent => Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EXT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn a_dropped_title_and_email_type_are_each_named() {
        let sent = json!({"schemas": ["x"], "userName": "a@b", "title": "Engineer",
            "emails": [{"value": "a@b", "type": "work", "primary": true}]});
        let got =
            json!({"id": "1", "userName": "A@B", "emails": [{"value": "a@b", "primary": true}]});
        let d = differences(&from_resource(&sent, &[]), &got);
        assert_eq!(
            d,
            vec![
                "lost title (sent \"Engineer\")".to_string(),
                "lost emails[value eq \"a@b\"].type (sent \"work\")".to_string()
            ],
            "userName differs only in case (caseExact false): not a change"
        );
    }

    #[test]
    fn scim_meaning_order_case_primary_false_and_empty_arrays_are_not_changes() {
        let sent = json!({"emails": [{"value": "x@y", "type": "Work", "primary": false},
            {"value": "h@y", "type": "home"}], "roles": [], "name": {"givenName": "A"},
            EXT: {"employeeNumber": "42"}, "externalId": "Ab"});
        let got = json!({"Emails": [{"value": "h@y", "type": "home"}, {"value": "X@Y", "type": "work"}],
            "name": {"givenName": "a", "familyName": "F"}, EXT: {"employeeNumber": "42"}, "externalId": "Ab"});
        assert!(differences(&from_resource(&sent, &[]), &got).is_empty());
        let changed = json!({"emails": [], "name": {"givenName": "A"}, EXT: {"employeeNumber": "43"}, "externalId": "ab"});
        let d = differences(&from_resource(&sent, &[]), &changed);
        assert!(
            d.iter()
                .any(|x| x.starts_with("lost emails[value eq \"x@y\"]")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|x| x.contains("changed externalId")),
            "externalId is caseExact: {d:?}"
        );
        assert!(
            d.iter()
                .any(|x| x.contains(&format!("changed {EXT}:employeeNumber"))),
            "{d:?}"
        );
    }

    #[test]
    fn patch_expectations_follow_rfc7644_paths_and_leave_filters_alone() {
        let body = json!({"Operations": [
            {"op": "Replace", "path": "externalId", "value": "n"},
            {"op": "replace", "value": {"displayName": "D", "name.givenName": "G", "id": "x"}},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "e"},
            {"op": "replace", "path": "name", "value": {"givenName": "A", "familyName": "B"}},
            {"op": "Remove", "path": "title"},
            {"op": "Replace", "path": "active", "value": "False"}]});
        let e = from_patch(&body, &["active"]);
        let paths: Vec<&str> = e.iter().map(|(p, _)| p.as_str()).collect();
        // The later replace of `name` wins over the earlier `name.givenName`.
        assert_eq!(paths, ["externalId", "displayName", "name", "title"]);
        assert_eq!(e[3].1, Want::Absent);
        let got = json!({"externalId": "n", "displayName": "d", "name": {"givenName": "A", "familyName": "C"}});
        let d = differences(&e, &got);
        assert_eq!(
            d,
            vec!["changed name.familyName: sent \"B\", got \"C\"".to_string()]
        );
    }
}
