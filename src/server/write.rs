//! The writable mode of the embedded server (off unless `ServerConfig::writable` is set): an
//! in-memory store of /Users and /Groups as SCIM JSON, seeded from the tenant, that accepts
//! POST, PUT, PATCH (RFC 7644 §3.5.2 paths: plain, dotted, URN-qualified, filtered, pathless)
//! and DELETE, with switchable quirks that reproduce the write bugs IdPs trip over
//! (reference: scim-failure-modes.md #1-#3, #8-#11). `replay` and its tests run against it.
//! Everything here is pure: a request in, a `WriteReply` out.

use super::filter;
use super::scim::{error, Query, Reply};
use crate::model::{Tenant, LIST_RESPONSE_SCHEMA};
use serde_json::{json, Map, Value};

/// Largest request body the writable server reads.
pub const MAX_BODY: usize = 1 << 20;

/// Switchable write bugs; `Quirks::default()` is a conformant, IdP-tolerant server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks {
    /// PATCH `op` must be lowercase: Entra's legacy `"Replace"` is refused with 400.
    pub case_sensitive_op: bool,
    /// A boolean sent as a string (`"active":"False"`) is refused with 400.
    pub reject_string_bool: bool,
    /// `remove` on `members` with a value array clears the whole group.
    pub remove_value_array_clears_all: bool,
    /// PUT answers 405.
    pub no_put: bool,
    /// A PATCH path with a filter (`emails[type eq "work"].value`) answers 400.
    pub no_filtered_path: bool,
    /// A duplicate userName answers 500 instead of 409.
    pub conflict_500: bool,
    /// Errors come as `text/plain` sentences instead of SCIM error JSON.
    pub plain_text_errors: bool,
    /// Every answer is labelled `text/plain` although the body is JSON.
    pub wrong_content_type: bool,
}

/// Quirk names for `serve --writable --quirk NAME`, in the order of the fields above.
pub const QUIRK_NAMES: &[&str] = &[
    "case-sensitive-op",
    "reject-string-bool",
    "remove-value-array-clears-all",
    "no-put",
    "no-filtered-path",
    "conflict-500",
    "plain-text-errors",
    "wrong-content-type",
];

impl Quirks {
    /// Switches on the quirk called `name` (one of `QUIRK_NAMES`).
    pub fn enable(&mut self, name: &str) -> Result<(), String> {
        let flag = match name {
            "case-sensitive-op" => &mut self.case_sensitive_op,
            "reject-string-bool" => &mut self.reject_string_bool,
            "remove-value-array-clears-all" => &mut self.remove_value_array_clears_all,
            "no-put" => &mut self.no_put,
            "no-filtered-path" => &mut self.no_filtered_path,
            "conflict-500" => &mut self.conflict_500,
            "plain-text-errors" => &mut self.plain_text_errors,
            "wrong-content-type" => &mut self.wrong_content_type,
            other => {
                return Err(format!(
                    "unknown quirk `{other}`; known: {}",
                    QUIRK_NAMES.join(", ")
                ))
            }
        };
        *flag = true;
        Ok(())
    }
}

/// The resources of a writable server, in creation order.
#[derive(Debug, Default)]
pub struct Store {
    users: Vec<Value>,
    groups: Vec<Value>,
    next: u64,
}

impl Store {
    pub fn seeded(tenant: &Tenant) -> Self {
        Store {
            users: tenant.users.iter().map(|u| u.to_scim()).collect(),
            groups: tenant.groups.iter().map(|g| g.to_scim()).collect(),
            next: 0,
        }
    }

    fn list(&mut self, kind: Kind) -> &mut Vec<Value> {
        match kind {
            Kind::Users => &mut self.users,
            Kind::Groups => &mut self.groups,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Users,
    Groups,
}

/// True for the paths the writable store answers (/Users, /Groups and their members).
pub fn owns(rel: &str) -> bool {
    let first = rel.trim_start_matches('/').split('/').next().unwrap_or("");
    first.eq_ignore_ascii_case("users") || first.eq_ignore_ascii_case("groups")
}

/// Answer of the writable store: a JSON reply, or a plain-text error (quirk).
pub enum WriteReply {
    Json(Reply),
    Text(u16, String),
}

/// Handles one request to /Users or /Groups.
pub fn handle(
    store: &mut Store,
    quirks: &Quirks,
    base: &str,
    method: &str,
    rel: &str,
    query: &str,
    body: &[u8],
) -> WriteReply {
    let reply = route(store, quirks, base, method, rel, query, body);
    if quirks.plain_text_errors && reply.status >= 400 {
        let detail = reply.body["detail"].as_str().unwrap_or("error").to_string();
        return WriteReply::Text(reply.status, format!("Error: {detail}\n"));
    }
    WriteReply::Json(reply)
}

fn route(
    store: &mut Store,
    quirks: &Quirks,
    base: &str,
    method: &str,
    rel: &str,
    query: &str,
    body: &[u8],
) -> Reply {
    let trimmed = rel.trim_matches('/');
    let mut parts = trimmed.splitn(2, '/');
    let kind = match parts.next().unwrap_or("").to_ascii_lowercase().as_str() {
        "users" => Kind::Users,
        _ => Kind::Groups,
    };
    let id = parts.next().filter(|s| !s.is_empty()).map(str::to_string);
    let parsed = if body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice::<Value>(body)
    };
    let body = match parsed {
        Ok(v) => v,
        Err(e) => return error(400, Some("invalidSyntax"), format!("body is not JSON: {e}")),
    };
    match (method, id) {
        ("GET", None) => list(store, kind, &Query::parse(query)),
        ("GET", Some(id)) => match find(store.list(kind), &id) {
            Some(i) => Reply::ok(shaped(&store.list(kind)[i], &Query::parse(query))),
            None => not_found(kind, &id),
        },
        ("POST", None) => create(store, quirks, base, kind, body),
        ("PUT", Some(id)) if quirks.no_put => {
            error(405, None, format!("PUT is not supported (resource {id})"))
                .header("allow", "GET, POST, PATCH, DELETE")
        }
        ("PUT", Some(id)) => put(store, quirks, kind, &id, body),
        ("PATCH", Some(id)) => patch(store, quirks, kind, &id, &body),
        ("DELETE", Some(id)) => {
            let items = store.list(kind);
            match find(items, &id) {
                Some(i) => {
                    items.remove(i);
                    Reply {
                        status: 204,
                        headers: Vec::new(),
                        body: Value::Null,
                    }
                }
                None => not_found(kind, &id),
            }
        }
        (m, _) => error(405, None, format!("{m} is not allowed on {rel}")),
    }
}

fn not_found(kind: Kind, id: &str) -> Reply {
    let what = if kind == Kind::Users { "user" } else { "group" };
    error(404, None, format!("no {what} with id {id}"))
}

fn find(items: &[Value], id: &str) -> Option<usize> {
    items.iter().position(|v| v["id"].as_str() == Some(id))
}

/// Case-insensitive attribute lookup (SCIM attribute names are case-insensitive).
fn key_of(m: &Map<String, Value>, name: &str) -> Option<String> {
    m.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

fn get_ci<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let m = v.as_object()?;
    key_of(m, name).and_then(|k| m.get(&k))
}

fn list(store: &mut Store, kind: Kind, q: &Query) -> Reply {
    let filter = match q.get("filter") {
        Some(f) => match filter::parse(f) {
            Ok(f) => Some(f),
            Err(e) => return error(400, Some("invalidFilter"), e),
        },
        None => None,
    };
    let matched: Vec<&Value> = store
        .list(kind)
        .iter()
        .filter(|v| filter.as_ref().map_or(true, |f| matches(f, v)))
        .collect();
    let start = q
        .get("startIndex")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let count = q
        .get("count")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(super::DEFAULT_PAGE_SIZE);
    let page: Vec<Value> = matched
        .iter()
        .skip(start - 1)
        .take(count)
        .map(|v| shaped(v, q))
        .collect();
    Reply::ok(json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": matched.len(),
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    }))
}

fn matches(f: &filter::Filter, v: &Value) -> bool {
    f.any_of.iter().any(|all| {
        all.iter().all(|c| {
            let got = c
                .attr
                .split('.')
                .try_fold(v, |cur, part| get_ci(cur, part))
                .and_then(Value::as_str);
            match got {
                Some(g) if c.attr == "username" => g.eq_ignore_ascii_case(&c.value),
                Some(g) => g == c.value,
                None => false,
            }
        })
    })
}

/// `excludedAttributes=members` (what Entra sends on group lookups) and `attributes`.
fn shaped(v: &Value, q: &Query) -> Value {
    let mut out = v.clone();
    if let (Some(ex), Some(m)) = (q.get("excludedAttributes"), out.as_object_mut()) {
        for name in ex.split(',') {
            if let Some(k) = key_of(m, name.trim()) {
                m.remove(&k);
            }
        }
    }
    out
}

fn conflict(quirks: &Quirks, user_name: &str) -> Reply {
    if quirks.conflict_500 {
        return error(500, None, "internal server error");
    }
    error(
        409,
        Some("uniqueness"),
        format!("userName {user_name} is already taken"),
    )
}

fn taken(items: &[Value], user_name: &str, except: Option<&str>) -> bool {
    items.iter().any(|u| {
        u["id"].as_str() != except
            && get_ci(u, "userName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
    })
}

fn create(store: &mut Store, quirks: &Quirks, base: &str, kind: Kind, body: Value) -> Reply {
    let Value::Object(mut m) = body else {
        return error(400, Some("invalidSyntax"), "expected a JSON object");
    };
    let (required, resource) = match kind {
        Kind::Users => ("userName", "User"),
        Kind::Groups => ("displayName", "Group"),
    };
    let Some(name) = key_of(&m, required).and_then(|k| m[&k].as_str().map(str::to_string)) else {
        return error(400, Some("invalidValue"), format!("{required} is required"));
    };
    if kind == Kind::Users && taken(&store.users, &name, None) {
        return conflict(quirks, &name);
    }
    if let Err(r) = coerce_booleans(&mut m, quirks) {
        return r;
    }
    store.next += 1;
    let id = format!("w{:06}-{}", store.next, uuid::Uuid::new_v4().simple());
    for k in ["id", "password", "meta"] {
        if let Some(k) = key_of(&m, k) {
            m.remove(&k);
        }
    }
    if kind == Kind::Groups && key_of(&m, "members").is_none() {
        m.insert("members".into(), json!([]));
    }
    let now = crate::util::now_rfc3339();
    let location = format!("{base}/{resource}s/{id}");
    m.insert("id".into(), Value::from(id));
    m.insert(
        "meta".into(),
        json!({"resourceType": resource, "created": now, "lastModified": now, "location": location}),
    );
    let v = Value::Object(m);
    store.list(kind).push(v.clone());
    Reply {
        status: 201,
        headers: vec![("location", location)],
        body: v,
    }
}

fn put(store: &mut Store, quirks: &Quirks, kind: Kind, id: &str, body: Value) -> Reply {
    let Value::Object(mut m) = body else {
        return error(400, Some("invalidSyntax"), "expected a JSON object");
    };
    let Some(i) = find(store.list(kind), id) else {
        return not_found(kind, id);
    };
    if kind == Kind::Users {
        let name = key_of(&m, "userName").and_then(|k| m[&k].as_str().map(str::to_string));
        let Some(name) = name else {
            return error(400, Some("invalidValue"), "userName is required");
        };
        if taken(&store.users, &name, Some(id)) {
            return conflict(quirks, &name);
        }
    }
    if let Err(r) = coerce_booleans(&mut m, quirks) {
        return r;
    }
    let items = store.list(kind);
    let meta = items[i]["meta"].clone();
    for k in ["id", "password", "meta"] {
        if let Some(k) = key_of(&m, k) {
            m.remove(&k);
        }
    }
    m.insert("id".into(), Value::from(id));
    m.insert("meta".into(), meta);
    items[i] = Value::Object(m);
    Reply::ok(items[i].clone())
}

/// `active` (the one boolean the IdPs write) sent as "True"/"False": converted, or refused.
fn coerce_booleans(m: &mut Map<String, Value>, quirks: &Quirks) -> Result<(), Reply> {
    if let Some(k) = key_of(m, "active") {
        let v = m[&k].clone();
        m.insert(k, boolean("active", v, quirks)?);
    }
    Ok(())
}

fn boolean(attr: &str, v: Value, quirks: &Quirks) -> Result<Value, Reply> {
    let Value::String(s) = &v else { return Ok(v) };
    if quirks.reject_string_bool {
        return Err(error(
            400,
            Some("invalidValue"),
            format!("Attribute '{attr}' expected value type 'boolean' but found type 'string'"),
        ));
    }
    match s.to_ascii_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        _ => Err(error(
            400,
            Some("invalidValue"),
            format!("{attr} must be a boolean, got {s:?}"),
        )),
    }
}

fn patch(store: &mut Store, quirks: &Quirks, kind: Kind, id: &str, body: &Value) -> Reply {
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
