//! PATCH (RFC 7644 §3.5.2) for the writable store: every path form the IdPs send (plain,
//! dotted, URN-qualified, value-filtered, pathless with dotted/URN keys), with the quirks
//! that reproduce how real servers get them wrong.

use super::{
    boolean, conflict, find, get_ci, key_of, matches, not_found, taken, Kind, Quirks, Store,
};
use crate::server::filter;
use crate::server::scim::{error, Reply};
use serde_json::{json, Map, Value};

pub(super) fn patch(
    store: &mut Store,
    quirks: &Quirks,
    kind: Kind,
    id: &str,
    body: &Value,
) -> Reply {
    let Some(i) = find(store.list(kind), id) else {
        return not_found(kind, id);
    };
    let Some(ops) = get_ci(body, "Operations").and_then(Value::as_array) else {
        return error(
            400,
            Some("invalidSyntax"),
            "a PatchOp needs an Operations array",
        );
    };
    let mut target = store.list(kind)[i].clone();
    for op in ops {
        if let Err(r) = apply(&mut target, op, quirks) {
            return r;
        }
    }
    if kind == Kind::Users {
        if let Some(name) = get_ci(&target, "userName").and_then(Value::as_str) {
            if taken(&store.users, name, Some(id)) {
                return conflict(quirks, name);
            }
        }
    }
    store.list(kind)[i] = target.clone();
    Reply::ok(target)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

fn apply(target: &mut Value, op: &Value, quirks: &Quirks) -> Result<(), Reply> {
    let name = get_ci(op, "op").and_then(Value::as_str).unwrap_or("");
    let lowered = if quirks.case_sensitive_op {
        name.to_string()
    } else {
        name.to_ascii_lowercase()
    };
    let kind = match lowered.as_str() {
        "add" => Op::Add,
        "replace" => Op::Replace,
        "remove" => Op::Remove,
        _ => {
            return Err(error(
                400,
                Some("invalidSyntax"),
                format!("\"{name}\" is not a valid choice"),
            ))
        }
    };
    let value = get_ci(op, "value").cloned();
    match get_ci(op, "path").and_then(Value::as_str) {
        Some(path) => apply_path(target, kind, path, value, quirks),
        None => {
            let Some(Value::Object(m)) = value else {
                return Err(error(
                    400,
                    Some("invalidValue"),
                    "a PATCH op without path needs an object value",
                ));
            };
            let is_group = get_ci(target, "members").is_some();
            if quirks.rename_wipes_members && is_group && key_of(&m, "members").is_none() {
                if let Some(obj) = target.as_object_mut() {
                    obj.insert("members".into(), json!([]));
                }
            }
            for (k, v) in m {
                if k.eq_ignore_ascii_case("id") || k.eq_ignore_ascii_case("schemas") {
                    continue;
                }
                apply_path(target, kind, &k, Some(v), quirks)?;
            }
            Ok(())
        }
    }
}

/// A parsed PATCH path: `urn:...:ext:` prefix, attribute, optional `[filter]`, optional `.sub`.
struct Path {
    urn: Option<String>,
    attr: String,
    filter: Option<filter::Filter>,
    sub: Option<String>,
}

fn parse_path(path: &str, target: &Value) -> Result<Path, Reply> {
    let invalid = |why: String| error(400, Some("invalidPath"), why);
    let (urn, rest) = if path.to_ascii_lowercase().starts_with("urn:") {
        let whole_ext =
            get_ci(target, path).is_some() || path.to_ascii_lowercase().ends_with(":user");
        if whole_ext {
            (None, path.to_string())
        } else {
            let cut = path.rfind(':').unwrap_or(0);
            let urn = &path[..cut];
            let core = urn.eq_ignore_ascii_case(crate::model::USER_SCHEMA)
                || urn.eq_ignore_ascii_case(crate::model::GROUP_SCHEMA);
            (
                if core { None } else { Some(urn.to_string()) },
                path[cut + 1..].to_string(),
            )
        }
    } else {
        (None, path.to_string())
    };
    if let Some(open) = rest.find('[') {
        let close = rest
            .rfind(']')
            .ok_or_else(|| invalid(format!("unclosed `[` in {path}")))?;
        let f =
            filter::parse(&rest[open + 1..close]).map_err(|e| invalid(format!("{path}: {e}")))?;
        let sub = rest[close + 1..].strip_prefix('.').map(str::to_string);
        return Ok(Path {
            urn,
            attr: rest[..open].to_string(),
            filter: Some(f),
            sub,
        });
    }
    let (attr, sub) = match rest.split_once('.') {
        Some((a, s)) if !rest.to_ascii_lowercase().starts_with("urn:") => {
            (a.to_string(), Some(s.to_string()))
        }
        _ => (rest.clone(), None),
    };
    Ok(Path {
        urn,
        attr,
        filter: None,
        sub,
    })
}

fn container<'a>(target: &'a mut Value, urn: &Option<String>) -> &'a mut Map<String, Value> {
    if !target.is_object() {
        *target = json!({});
    }
    let root = target.as_object_mut().expect("object");
    let Some(urn) = urn else { return root };
    let key = key_of(root, urn).unwrap_or_else(|| urn.clone());
    let slot = root.entry(key).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    slot.as_object_mut().expect("object")
}

fn apply_path(
    target: &mut Value,
    op: Op,
    path: &str,
    value: Option<Value>,
    quirks: &Quirks,
) -> Result<(), Reply> {
    if quirks.no_filtered_path && path.contains('[') {
        return Err(error(
            400,
            Some("invalidPath"),
            format!("filtered paths are not supported: {path}"),
        ));
    }
    let p = parse_path(path, target)?;
    if quirks.no_externalid_patch && p.urn.is_none() && p.attr.eq_ignore_ascii_case("externalId") {
        return Err(error(501, None, "updating externalId is not implemented"));
    }
    if quirks.complex_replace_500
        && op == Op::Replace
        && p.filter.is_none()
        && p.sub.is_none()
        && matches!(value, Some(Value::Object(_)))
    {
        return Err(error(500, None, "internal server error"));
    }
    if quirks.no_members_replace && op == Op::Replace && p.attr.eq_ignore_ascii_case("members") {
        return Err(error(
            501,
            None,
            "patch-REPLACE-operation not supported for group.members",
        ));
    }
    let value = match (&value, p.attr.eq_ignore_ascii_case("active")) {
        (Some(v), true) => Some(boolean("active", v.clone(), quirks)?),
        _ => value,
    };
    let m = container(target, &p.urn);
    let key = key_of(m, &p.attr).unwrap_or_else(|| p.attr.clone());
    if let Some(f) = &p.filter {
        let items = m.entry(key).or_insert_with(|| json!([]));
        if !items.is_array() {
            *items = json!([]);
        }
        let arr = items.as_array_mut().expect("array");
        let hit = |v: &Value| matches(f, v);
        match (op, &p.sub) {
            (Op::Remove, None) => arr.retain(|v| !hit(v)),
            (Op::Remove, Some(sub)) => {
                for v in arr.iter_mut().filter(|v| hit(v)) {
                    if let Some(obj) = v.as_object_mut() {
                        if let Some(k) = key_of(obj, sub) {
                            obj.remove(&k);
                        }
                    }
                }
                arr.retain(|v| !hit(v) || get_ci(v, "value").is_some());
            }
            (_, sub) => {
                let Some(value) = value else {
                    return Err(error(
                        400,
                        Some("invalidValue"),
                        format!("{path} needs a value"),
                    ));
                };
                if !arr.iter().any(hit) {
                    // Add (and Entra's replace) on a filter that matches nothing creates the element.
                    let mut new = Map::new();
                    for c in f.any_of.first().into_iter().flatten() {
                        new.insert(c.attr.clone(), Value::from(c.value.clone()));
                    }
                    arr.push(Value::Object(new));
                }
                for v in arr.iter_mut().filter(|v| hit(v)) {
                    match (sub, v.as_object_mut()) {
                        (Some(sub), Some(obj)) => {
                            let k = key_of(obj, sub).unwrap_or_else(|| sub.clone());
                            obj.insert(k, value.clone());
                        }
                        _ => *v = value.clone(),
                    }
                }
            }
        }
        return Ok(());
    }
    if let Some(sub) = &p.sub {
        let slot = m.entry(key).or_insert_with(|| json!({}));
        if !slot.is_object() {
            *slot = json!({});
        }
        let obj = slot.as_object_mut().expect("object");
        let k = key_of(obj, sub).unwrap_or_else(|| sub.clone());
        match (op, value) {
            (Op::Remove, _) => {
                obj.remove(&k);
            }
            (_, Some(v)) => {
                obj.insert(k, v);
            }
            (_, None) => {
                return Err(error(
                    400,
                    Some("invalidValue"),
                    format!("{path} needs a value"),
                ))
            }
        }
        return Ok(());
    }
    match (op, value) {
        (Op::Remove, Some(Value::Array(gone))) if !quirks.remove_value_array_clears_all => {
            if let Some(Value::Array(arr)) = m.get_mut(&key) {
                arr.retain(|v| !gone.iter().any(|g| g.get("value") == v.get("value")));
            }
        }
        (Op::Remove, _) => {
            if matches!(m.get(&key), Some(Value::Array(_))) {
                m.insert(key, json!([]));
            } else {
                m.remove(&key);
            }
        }
        (Op::Add, Some(Value::Array(new))) => {
            let slot = m.entry(key).or_insert_with(|| json!([]));
            match slot.as_array_mut() {
                Some(arr) => {
                    for v in new {
                        if !arr
                            .iter()
                            .any(|a| a.get("value").is_some() && a.get("value") == v.get("value"))
                        {
                            arr.push(v);
                        }
                    }
                }
                None => *slot = Value::Array(new),
            }
        }
        (Op::Add | Op::Replace, Some(Value::Object(new)))
            if m.get(&key).is_some_and(Value::is_object) =>
        {
            let obj = m
                .get_mut(&key)
                .and_then(Value::as_object_mut)
                .expect("object");
            for (k, v) in new {
                let k = key_of(obj, &k).unwrap_or(k);
                obj.insert(k, v);
            }
        }
        (_, Some(v)) => {
            m.insert(key, v);
        }
        (_, None) => {
            return Err(error(
                400,
                Some("invalidValue"),
                format!("{path} needs a value"),
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(target: &mut Value, ops: Value, quirks: &Quirks) -> Result<(), u16> {
        for op in ops.as_array().expect("ops") {
            apply(target, op, quirks).map_err(|r| r.status)?;
        }
        Ok(())
    }

    /// Proves the URN-qualified path writes into the extension object, not a literal key.
    #[test]
    fn urn_qualified_path_sets_the_extension_attribute() {
        let mut u = json!({"userName": "a"});
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let ops =
            json!([{"op": "Replace", "path": format!("{urn}:employeeNumber"), "value": "42"}]);
        run(&mut u, ops, &Quirks::default()).expect("applied");
        assert_eq!(u[urn]["employeeNumber"], "42");
    }

    /// Proves a pathless replace expands dotted keys (Entra with aadOptscim062020).
    #[test]
    fn pathless_replace_expands_dotted_keys() {
        let mut u = json!({"name": {"givenName": "A", "familyName": "F"}});
        let ops = json!([{"op": "replace", "value": {"name.givenName": "B"}}]);
        run(&mut u, ops, &Quirks::default()).expect("applied");
        assert_eq!(u["name"], json!({"givenName": "B", "familyName": "F"}));
    }

    /// Proves an add on a filter that matches nothing creates the element.
    #[test]
    fn filtered_add_creates_the_missing_work_email() {
        let mut u = json!({"emails": []});
        let ops = json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "x@y"}]);
        run(&mut u, ops, &Quirks::default()).expect("applied");
        assert_eq!(u["emails"], json!([{"type": "work", "value": "x@y"}]));
    }

    /// Proves the value-array remove removes only the listed member, and wipes all with the quirk.
    #[test]
    fn value_array_remove_is_selective_unless_the_quirk_is_on() {
        let group = json!({"members": [{"value": "1"}, {"value": "2"}]});
        let ops = json!([{"op": "Remove", "path": "members", "value": [{"value": "2"}]}]);
        let mut g = group.clone();
        run(&mut g, ops.clone(), &Quirks::default()).expect("applied");
        assert_eq!(g["members"], json!([{"value": "1"}]));
        let mut g = group;
        let q = Quirks {
            remove_value_array_clears_all: true,
            ..Default::default()
        };
        run(&mut g, ops, &q).expect("applied");
        assert_eq!(g["members"], json!([]));
    }

    /// Proves the op-case and string-boolean quirks refuse Entra's legacy shapes with 400.
    #[test]
    fn legacy_shapes_refused_only_with_their_quirks() {
        let ops = json!([{"op": "Replace", "path": "active", "value": "False"}]);
        let mut u = json!({"active": true});
        run(&mut u, ops.clone(), &Quirks::default()).expect("tolerant server");
        assert_eq!(u["active"], false);
        let strict_op = Quirks {
            case_sensitive_op: true,
            ..Default::default()
        };
        assert_eq!(run(&mut json!({}), ops.clone(), &strict_op), Err(400));
        let typed = Quirks {
            reject_string_bool: true,
            ..Default::default()
        };
        assert_eq!(run(&mut json!({}), ops, &typed), Err(400));
    }
}
