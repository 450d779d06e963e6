//! The writable mode of the embedded server (off unless `ServerConfig::writable` is set): an
//! in-memory store of /Users and /Groups as SCIM JSON, seeded from the tenant, that accepts
//! POST, PUT, PATCH (RFC 7644 §3.5.2 paths: plain, dotted, URN-qualified, filtered, pathless)
//! and DELETE, with switchable quirks that reproduce the write bugs IdPs trip over
//! (reference: scim-failure-modes.md #1-#3, #8-#11). `replay` and its tests run against it.
//! Everything here is pure: a request in, a `WriteReply` out.

use super::filter;
mod patch;
mod quirks;
use super::scim::{error, Query, Reply};
use crate::model::{Tenant, LIST_RESPONSE_SCHEMA};
use patch::patch;
pub use quirks::{Quirks, QUIRKS};
use serde_json::{json, Map, Value};

/// Largest request body the writable server reads.
pub const MAX_BODY: usize = 1 << 20;

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
        ("GET", None) => list(store, kind, &Query::parse(query), quirks),
        ("GET", Some(id)) => match find(store.list(kind), &id) {
            Some(i) => {
                let mut v = shaped(&store.list(kind)[i], &Query::parse(query));
                if quirks.omit_members {
                    if let Some(m) = v.as_object_mut() {
                        m.remove("members");
                    }
                }
                Reply::ok(v)
            }
            None => not_found(kind, &id),
        },
        ("POST", None) => create(store, quirks, base, kind, body),
        ("PUT", Some(id)) if quirks.no_put => {
            error(405, None, format!("PUT is not supported (resource {id})"))
                .header("allow", "GET, POST, PATCH, DELETE")
        }
        ("PUT", Some(id)) => put(store, quirks, kind, &id, body),
        ("PATCH", Some(id)) => patch(store, quirks, kind, &id, &body),
        ("DELETE", Some(id)) if quirks.no_delete => error(
            405,
            None,
            format!("DELETE is not supported (resource {id})"),
        )
        .header("allow", "GET, POST, PUT, PATCH"),
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

fn list(store: &mut Store, kind: Kind, q: &Query, quirks: &Quirks) -> Reply {
    let sw = q
        .get("filter")
        .is_some_and(|f| f.to_ascii_lowercase().contains(" sw "));
    if quirks.sw_finds_nothing && sw && !quirks.ignore_filter {
        return Reply::ok(json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": 0,
            "startIndex": 1,
            "itemsPerPage": 0,
            "Resources": [],
        }));
    }
    let filter = match q.get("filter").filter(|_| !quirks.ignore_filter) {
        Some(f) => match filter::parse(f) {
            Ok(f) => Some(f),
            Err(e) => return error(400, Some("invalidFilter"), e),
        },
        None => None,
    };
    let matched: Vec<&Value> = store
        .list(kind)
        .iter()
        .filter(|v| filter.as_ref().is_none_or(|f| matches(f, v)))
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
    if quirks.conflict_no_scimtype {
        return error(409, None, format!("userName {user_name} is already taken"));
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
    if quirks.reject_unknown_schema {
        let known = [
            crate::model::USER_SCHEMA,
            crate::model::GROUP_SCHEMA,
            crate::model::ENTERPRISE_SCHEMA,
        ];
        let schemas = key_of(&m, "schemas")
            .and_then(|k| m[&k].as_array().cloned())
            .unwrap_or_default();
        if let Some(u) = schemas
            .iter()
            .filter_map(Value::as_str)
            .find(|s| !known.contains(s))
        {
            return error(
                400,
                Some("invalidSyntax"),
                format!("Unknown extension schemas: {u}"),
            );
        }
    }
    if quirks.drops_attributes {
        drop_attributes(&mut m);
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
        body: if quirks.create_empty_body {
            Value::Null
        } else {
            v
        },
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
    if quirks.drops_attributes {
        drop_attributes(&mut m);
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

/// The `drops-attributes` quirk: `title` and every email's `type` are not stored.
fn drop_attributes(m: &mut Map<String, Value>) {
    if let Some(k) = key_of(m, "title") {
        m.remove(&k);
    }
    if let Some(Value::Array(emails)) = key_of(m, "emails").and_then(|k| m.get_mut(&k)) {
        for e in emails.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(k) = key_of(e, "type") {
                e.remove(&k);
            }
        }
    }
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

impl super::ServerView {
    /// The writable store's users and groups as SCIM JSON (None on a read-only server): lets a
    /// test compare the tenant before and after a write probe.
    pub fn written(&self) -> Option<(Vec<Value>, Vec<Value>)> {
        let store = self.shared.store.as_ref()?.lock().ok()?;
        Some((store.users.clone(), store.groups.clone()))
    }
}
