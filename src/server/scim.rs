//! The read-only SCIM endpoints: routing of a path relative to the base path, list
//! responses with filters and index / cursor paging, single resources and SCIM errors.
//! Everything here is pure (no I/O): it turns a request into a `Reply` that the transport
//! layer (`super::http`) may still damage on purpose.

use super::faults::under;
use super::filter::{self, Filter};
use super::{discovery, Shared};
use crate::model::{ERROR_SCHEMA, LIST_RESPONSE_SCHEMA};
use serde_json::{json, Map, Value};

pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// An answer before transport-level faults: status, extra headers, JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A SCIM error (RFC 7644 §3.12): `status` is a string.
pub fn error(status: u16, scim_type: Option<&str>, detail: impl Into<String>) -> Reply {
    let mut body =
        json!({"schemas": [ERROR_SCHEMA], "status": status.to_string(), "detail": detail.into()});
    if let Some(t) = scim_type {
        body["scimType"] = Value::from(t);
    }
    Reply {
        status,
        headers: Vec::new(),
        body,
    }
}

/// Query parameters, names matched case-insensitively.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(query: &str) -> Self {
        Query(
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Routes `path` (relative to the base path, no query) to its handler.
pub fn route(shared: &Shared, path: &str, query: &Query) -> Reply {
    let trimmed = path.trim_end_matches('/');
    let mut parts = trimmed.trim_start_matches('/').splitn(2, '/');
    let first = parts.next().unwrap_or("").to_ascii_lowercase();
    let rest = parts.next();
    let t = &shared.tenant;
    match (first.as_str(), rest) {
        ("serviceproviderconfig", None) => Reply::ok(discovery::service_provider_config(
            &shared.config,
            &shared.base_path,
        )),
        ("schemas", None) => Reply::ok(discovery_list(shared, discovery::schemas(t))),
        ("resourcetypes", None) => Reply::ok(discovery_list(shared, discovery::resource_types(t))),
        ("schemas", Some(id)) => discovery_item(shared, discovery::schemas(t), "schema", id),
        ("resourcetypes", Some(id)) => {
            discovery_item(shared, discovery::resource_types(t), "resource type", id)
        }
        ("users", None) => list_users(shared, path, query),
        ("groups", None) => list_groups(shared, path, query),
        ("users", Some(id)) => match shared.user_index.get(percent_decode(id).as_str()) {
            Some(&i) => Reply::ok(shape(shared, t.users[i].to_scim(), query)),
            None => error(404, None, format!("no user with id {id}")),
        },
        ("groups", Some(id)) => match shared.group_index.get(percent_decode(id).as_str()) {
            Some(&i) => Reply::ok(shape(shared, t.groups[i].to_scim(), query)),
            None => error(404, None, format!("no group with id {id}")),
        },
        _ => error(404, None, format!("no SCIM endpoint at {path}")),
    }
}

/// A discovery list as served, `totalResults` left out under the fault that does so.
fn discovery_list(shared: &Shared, mut list: Value) -> Value {
    if shared.config.faults.conformance.discovery_without_total {
        if let Some(m) = list.as_object_mut() {
            m.remove("totalResults");
        }
    }
    list
}

/// `GET /Schemas/{id}` / `GET /ResourceTypes/{id}`: the listed item with that id (RFC 7644 §4).
fn discovery_item(shared: &Shared, list: Value, what: &str, id: &str) -> Reply {
    let id = percent_decode(id);
    let found = list
        .get("Resources")
        .and_then(Value::as_array)
        .and_then(|items| {
            items
                .iter()
                .find(|i| i.get("id").and_then(Value::as_str) == Some(id.as_str()))
        });
    match found {
        Some(item) if !shared.config.faults.conformance.no_discovery_by_id => {
            Reply::ok(item.clone())
        }
        _ => error(404, None, format!("no {what} with id {id}")),
    }
}

/// Decodes `%XX` escapes in a path segment (ids may hold characters a client must escape).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Which resources a list request selects, after the filter-related faults.
enum Selection {
    All,
    Filtered(Filter),
    Nothing,
}

fn selection(
    shared: &Shared,
    path: &str,
    query: &Query,
    allowed: &[&str],
) -> Result<Selection, Reply> {
    let faults = &shared.config.faults;
    let Some(text) = query.get("filter") else {
        return Ok(Selection::All);
    };
    if under(&faults.ignore_filter, path) {
        return Ok(Selection::All);
    }
    if under(&faults.reject_filter, path) {
        return Err(error(
            400,
            Some("invalidFilter"),
            "filtering is not supported",
        ));
    }
    if faults.risky_filter_values_miss && (!text.is_ascii() || text.contains('\\')) {
        return Ok(Selection::Nothing);
    }
    match filter::parse(text).and_then(|f| filter::check_attributes(&f, allowed).map(|_| f)) {
        Ok(mut f) => {
            f.case_exact_user_name = faults.case_exact_user_name;
            Ok(Selection::Filtered(f))
        }
        Err(_) if faults.bad_filter_empty => Ok(Selection::Nothing),
        Err(_) if faults.paging.bad_filter_500 => Err(error(
            500,
            None,
            "internal server error while evaluating the filter",
        )),
        Err(detail) => Err(error(400, Some("invalidFilter"), detail)),
    }
}

fn list_users(shared: &Shared, path: &str, query: &Query) -> Reply {
    let users = &shared.tenant.users;
    match selection(shared, path, query, filter::USER_ATTRIBUTES) {
        Err(r) => r,
        Ok(Selection::All) => page(shared, query, users.len(), |i| users[i].to_scim()),
        Ok(Selection::Nothing) => page(shared, query, 0, |i| users[i].to_scim()),
        Ok(Selection::Filtered(f)) => {
            let hits: Vec<usize> = match indexed_candidates(shared, &f) {
                Some(candidates) => candidates
                    .into_iter()
                    .filter(|&i| f.matches_user(&users[i]))
                    .collect(),
                None => (0..users.len())
                    .filter(|&i| f.matches_user(&users[i]))
                    .collect(),
            };
            page(shared, query, hits.len(), |i| users[hits[i]].to_scim())
        }
    }
}

/// For a filter without `or` that pins `id`, `userName` or `externalId`, the few users that
/// can match (in tenant order); `None` means the filter needs a full scan.
fn indexed_candidates(shared: &Shared, f: &Filter) -> Option<Vec<usize>> {
    let [clauses] = f.any_of.as_slice() else {
        return None;
    };
    let mut candidates: Vec<usize> = clauses.iter().find_map(|c| match c.attr.as_str() {
        "id" => Some(
            shared
                .user_index
                .get(&c.value)
                .map(|&i| vec![i])
                .unwrap_or_default(),
        ),
        "username" => Some(
            shared
                .user_name_index
                .get(&c.value.to_lowercase())
                .cloned()
                .unwrap_or_default(),
        ),
        "externalid" => Some(
            shared
                .external_id_index
                .get(&c.value)
                .cloned()
                .unwrap_or_default(),
        ),
        _ => None,
    })?;
    candidates.sort_unstable();
    Some(candidates)
}

fn list_groups(shared: &Shared, path: &str, query: &Query) -> Reply {
    let groups = &shared.tenant.groups;
    match selection(shared, path, query, filter::GROUP_ATTRIBUTES) {
        Err(r) => r,
        Ok(Selection::All) => page(shared, query, groups.len(), |i| groups[i].to_scim()),
        Ok(Selection::Nothing) => page(shared, query, 0, |i| groups[i].to_scim()),
        Ok(Selection::Filtered(f)) => {
            let hits: Vec<usize> = (0..groups.len())
                .filter(|&i| f.matches_group(&groups[i]))
                .collect();
            page(shared, query, hits.len(), |i| groups[hits[i]].to_scim())
        }
    }
}

fn int_param(query: &Query, name: &str) -> Result<Option<i64>, Reply> {
    match query.get(name) {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            error(
                400,
                Some("invalidValue"),
                format!("{name} must be an integer, got {v:?}"),
            )
        }),
    }
}

/// Opaque-looking cursor for an offset; anything else is `invalidCursor`.
fn encode_cursor(offset: usize) -> String {
    format!("c{:x}", offset ^ 0x5c1d)
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix('c')?;
    usize::from_str_radix(hex, 16).ok().map(|v| v ^ 0x5c1d)
}

/// One page of a list of `total` resources, `item(i)` giving the i-th (0-based).
fn page(shared: &Shared, query: &Query, total: usize, item: impl Fn(usize) -> Value) -> Reply {
    let cfg = &shared.config;
    let faults = &cfg.faults;
    let requested = match int_param(query, "count") {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut count = requested
        .map(|c| c.max(0) as usize)
        .unwrap_or(cfg.page_size());
    // The generated ServiceProviderConfig advertises `filter.maxResults` = the page size:
    // a well-behaved server never returns more than it advertises (RFC 7643 §5).
    count = count.min(cfg.page_size());
    if let Some(cap) = cfg.max_page_size {
        count = count.min(cap);
    }
    if let Some(fixed) = faults.paging.ignore_count {
        count = fixed;
    }
    let mut body = Map::new();
    body.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
    let mut reported_total = (total as i64 + faults.total_results_delta).max(0);
    if faults.paging.growing_total {
        let n = shared
            .list_requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        reported_total += 1000 * (n as i64 + 1);
    }
    if !faults.omit_total_results {
        body.insert("totalResults".into(), Value::from(reported_total));
    }

    let offset = match (cfg.cursor, query.get("cursor")) {
        (true, Some(c)) => {
            let offset = if c.is_empty() {
                Some(0)
            } else {
                decode_cursor(c)
            };
            match offset {
                Some(o) if o <= total => {
                    if o + count < total {
                        let next = if faults.paging.repeat_cursor {
                            count
                        } else {
                            o + count
                        };
                        body.insert("nextCursor".into(), Value::from(encode_cursor(next)));
                    }
                    if o > 0 {
                        body.insert(
                            "previousCursor".into(),
                            Value::from(encode_cursor(o.saturating_sub(count))),
                        );
                    }
                    o
                }
                _ => {
                    return error(
                        400,
                        Some("invalidCursor"),
                        format!("cursor {c:?} is not one this server issued"),
                    )
                }
            }
        }
        _ => {
            let start = match int_param(query, "startIndex") {
                Ok(s) => s.unwrap_or(1),
                Err(r) => return r,
            };
            let start = start.max(if faults.zero_based { 0 } else { 1 });
            body.insert("startIndex".into(), Value::from(start));
            let offset = if faults.zero_based {
                start as usize
            } else {
                (start - 1) as usize
            };
            if faults.repeat_first_page || (faults.past_end_first_page && offset >= total) {
                0
            } else {
                offset
            }
        }
    };
    let end = offset.saturating_add(count).min(total);
    let (excluded, attributes) = parameters(shared, query);
    // Unstable order: each list request sees the resources rotated by a different amount, so
    // pages of one walk overlap and leave gaps (what a server without a sort key does).
    let shift = if faults.unstable_order && total > 0 {
        let n = shared
            .list_requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (n as usize).wrapping_mul(7919) % total
    } else {
        0
    };
    let resources: Vec<Value> = (offset.min(end)..end)
        .map(|i| strip(item((i + shift) % total.max(1)), &excluded, attributes))
        .collect();
    let per_page = if faults.items_per_page_echoes_count {
        count
    } else {
        resources.len()
    };
    body.insert("itemsPerPage".into(), Value::from(per_page));
    body.insert("Resources".into(), Value::from(resources));
    Reply::ok(Value::Object(body))
}

fn excluded(query: &Query) -> Vec<String> {
    query
        .get("excludedAttributes")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Applies `attributes` / `excludedAttributes` to one resource (top-level names only;
/// `id` and `schemas` are always returned, as RFC 7643 §7 requires).
fn strip(resource: Value, excluded: &[String], attributes: Option<&str>) -> Value {
    let Value::Object(map) = resource else {
        return resource;
    };
    let wanted: Option<Vec<String>> = attributes.map(|a| {
        a.split(',')
            .map(|s| {
                s.trim()
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            })
            .filter(|s| !s.is_empty())
            .collect()
    });
    let keep = |k: &str| {
        let k = k.to_ascii_lowercase();
        if k == "id" || k == "schemas" {
            return true;
        }
        if excluded.contains(&k) {
            return false;
        }
        wanted.as_ref().is_none_or(|w| w.contains(&k))
    };
    Value::Object(map.into_iter().filter(|(k, _)| keep(k)).collect())
}

/// `excludedAttributes` and `attributes` as the server honours them (faults may ignore them).
fn parameters<'q>(shared: &Shared, query: &'q Query) -> (Vec<String>, Option<&'q str>) {
    let faults = &shared.config.faults;
    if faults.conformance.ignore_attributes {
        return (Vec::new(), None);
    }
    let excluded = if faults.paging.ignore_excluded_attributes {
        Vec::new()
    } else {
        excluded(query)
    };
    (excluded, query.get("attributes"))
}

fn shape(shared: &Shared, resource: Value, query: &Query) -> Value {
    let (excluded, attributes) = parameters(shared, query);
    strip(resource, &excluded, attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_lookups_find_exactly_what_a_full_scan_finds() {
        // The demo generator plants case twins and duplicate externalIds: the hard cases.
        let tenant = crate::demo::generate(600, 3);
        let shared = Shared::new(tenant, Default::default(), String::new());
        let users = &shared.tenant.users;
        for u in users.iter().step_by(7) {
            let name = u.user_name.clone().unwrap_or_default().to_uppercase();
            let ext = u.external_id.clone().unwrap_or_default();
            for text in [
                format!("userName eq {name:?}"),
                format!("externalId eq {ext:?}"),
                format!("id eq {:?}", u.id),
            ] {
                let f = filter::parse(&text).unwrap();
                let scan: Vec<usize> = (0..users.len())
                    .filter(|&i| f.matches_user(&users[i]))
                    .collect();
                let indexed: Vec<usize> = indexed_candidates(&shared, &f)
                    .unwrap()
                    .into_iter()
                    .filter(|&i| f.matches_user(&users[i]))
                    .collect();
                assert_eq!(indexed, scan, "{text}");
                assert!(!scan.is_empty(), "{text}");
            }
        }
    }

    #[test]
    fn percent_decoding_of_id_segments() {
        assert_eq!(percent_decode("a%20b%40c"), "a b@c");
        assert_eq!(percent_decode("plain"), "plain");
        assert_eq!(percent_decode("bad%zzend%4"), "bad%zzend%4");
    }
}
