//! Step `service-provider-config`: the three discovery documents (RFC 7643 §5-6, RFC 7644
//! §4; cursor pagination from RFC 9865). Entra ID and Okta do not read them, so a missing
//! document is a warning; a document that is served but broken, or that contradicts what the
//! endpoint does (no `eq` filter, an authentication scheme not listed), is reported. The
//! lists must be ListResponses with `totalResults` (strict clients discover the server from
//! them), and every schema and resource type they name must be served by id.

use super::probe::{describe_response, quote, Probe};
use crate::findings::{CheckResult, Status};
use crate::source::http::{Auth, AuthMode, HttpClient};
use serde_json::{json, Value};

const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const USER_SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

struct Problem {
    status: Status,
    what: String,
}

fn warn(what: impl Into<String>) -> Problem {
    Problem {
        status: Status::Warn,
        what: what.into(),
    }
}

fn fail(what: impl Into<String>) -> Problem {
    Problem {
        status: Status::Fail,
        what: what.into(),
    }
}

fn has_schema(v: &Value, urn: &str) -> bool {
    v.get("schemas").and_then(Value::as_array).is_some_and(|a| {
        a.iter()
            .any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)))
    })
}

/// The list a discovery endpoint returns: a ListResponse's `Resources`, or a bare array.
fn items(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        _ => v
            .get("Resources")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
    }
}

/// Fetches one document; `Ok(None)` when it is not served (a warning), `Err` when broken.
fn document(name: &str, probe: &Probe, problems: &mut Vec<Problem>) -> Option<Value> {
    let Some(r) = probe.response() else {
        problems.push(warn(format!("/{name}: {}", probe.describe())));
        return None;
    };
    if !(200..300).contains(&r.status) {
        problems.push(warn(format!(
            "/{name} not served ({})",
            describe_response(r)
        )));
        return None;
    }
    if r.looks_like_html() {
        problems.push(fail(format!("/{name} answered {}", describe_response(r))));
        return None;
    }
    match serde_json::from_slice::<Value>(&r.body) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(fail(format!("/{name} is not valid JSON ({e})")));
            None
        }
    }
}

fn auth_type_matches(auth: &Auth, t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    match auth {
        Auth::Bearer(_) => t.contains("bearer") || t.contains("oauth"),
        Auth::Basic { .. } => t.contains("basic"),
        Auth::None => true,
    }
}

fn judge_spc(v: &Value, auth: &Auth, problems: &mut Vec<Problem>) -> Value {
    if !has_schema(v, SPC_URN) {
        problems.push(fail(format!(
            "/ServiceProviderConfig without the schema {SPC_URN}"
        )));
    }
    let filter_supported = v.pointer("/filter/supported").and_then(Value::as_bool);
    if filter_supported != Some(true) {
        problems.push(warn(format!(
            "/ServiceProviderConfig says filter.supported is {} (IdPs match users with `userName eq`)",
            filter_supported.map_or("missing".to_string(), |b| b.to_string())
        )));
    }
    let schemes: Vec<String> = v
        .get("authenticationSchemes")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    s.get("type")
                        .or_else(|| s.get("name"))
                        .and_then(Value::as_str)
                })
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if !schemes.is_empty()
        && !matches!(auth, Auth::None)
        && !schemes.iter().any(|s| auth_type_matches(auth, s))
    {
        problems.push(warn(format!(
            "/ServiceProviderConfig lists authenticationSchemes {} but not the {} scheme in use",
            quote(&schemes.join(", "), 80),
            auth.scheme()
        )));
    }
    if let Some(p) = v.get("pagination") {
        judge_pagination(p, problems);
    }
    json!({"filter_supported": filter_supported, "authentication_schemes": schemes})
}

/// RFC 9865 `pagination`: at least one method, a default that is supported, sane sizes.
fn judge_pagination(p: &Value, problems: &mut Vec<Problem>) {
    if !p.is_object() {
        problems.push(warn("/ServiceProviderConfig `pagination` is not an object"));
        return;
    }
    let cursor = p.get("cursor").and_then(Value::as_bool).unwrap_or(false);
    let index = p.get("index").and_then(Value::as_bool).unwrap_or(false);
    if !cursor && !index {
        problems.push(warn(
            "/ServiceProviderConfig `pagination` supports neither cursor nor index paging",
        ));
    }
    if let Some(d) = p.get("defaultPaginationMethod").and_then(Value::as_str) {
        let ok = (d.eq_ignore_ascii_case("cursor") && cursor)
            || (d.eq_ignore_ascii_case("index") && index);
        if !ok {
            problems.push(warn(format!(
                "/ServiceProviderConfig `pagination.defaultPaginationMethod` is {} but that method is not supported",
                quote(d, 20)
            )));
        }
    }
    let size = |k: &str| p.get(k).map(|v| (v.as_u64(), v.clone()));
    for k in ["defaultPageSize", "maxPageSize"] {
        if let Some((None, raw)) | Some((Some(0), raw)) = size(k) {
            problems.push(warn(format!(
                "/ServiceProviderConfig `pagination.{k}` is {} (expected a positive integer)",
                quote(&raw.to_string(), 20)
            )));
        }
    }
    if let (Some((Some(d), _)), Some((Some(m), _))) = (size("defaultPageSize"), size("maxPageSize"))
    {
        if d > m {
            problems.push(warn(format!(
                "/ServiceProviderConfig `pagination.defaultPageSize` {d} is larger than maxPageSize {m}"
            )));
        }
    }
}

/// RFC 7644 §4 serves /Schemas and /ResourceTypes as ListResponses, and §3.4.2 makes
/// `totalResults` required in every ListResponse: strict clients read it to discover the server.
fn judge_list_shape(name: &str, v: &Value, problems: &mut Vec<Problem>) {
    let Some(m) = v.as_object() else {
        if v.is_array() {
            problems.push(warn(format!(
                "/{name} is a bare JSON array, not a ListResponse (RFC 7644 §4)"
            )));
        }
        return;
    };
    if !m.keys().any(|k| k.eq_ignore_ascii_case("totalResults")) {
        problems.push(fail(format!(
            "/{name} has no totalResults (required in a ListResponse, RFC 7644 §3.4.2)"
        )));
    }
    if !has_schema(v, super::probe::LIST_RESPONSE_URN) {
        problems.push(warn(format!(
            "/{name} without the schema {}",
            super::probe::LIST_RESPONSE_URN
        )));
    }
}

/// Ids a discovery list names (at most `MAX_SINGLES`), to be read one by one.
fn listed_ids(v: &Value) -> Vec<String> {
    items(v)
        .iter()
        .filter_map(|i| i.get("id").and_then(Value::as_str))
        .filter(|id| !id.is_empty())
        .take(MAX_SINGLES)
        .map(str::to_string)
        .collect()
}

/// Single-resource GETs per discovery list: enough for any real server's schemas.
const MAX_SINGLES: usize = 10;

/// `GET /Schemas/{id}` or `/ResourceTypes/{id}` for an id the list names: 200 with that item.
fn judge_single(name: &str, id: &str, probe: &Probe, problems: &mut Vec<Problem>) {
    let Some(r) = probe.response() else {
        problems.push(warn(format!("/{name}/{id}: {}", probe.describe())));
        return;
    };
    if !(200..300).contains(&r.status) {
        problems.push(warn(format!(
            "/{name}/{id} answered {} although /{name} lists it (RFC 7644 §4 serves each one at /{name}/{{id}})",
            describe_response(r)
        )));
        return;
    }
    if r.looks_like_html() {
        problems.push(fail(format!(
            "/{name}/{id} answered {}",
            describe_response(r)
        )));
        return;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&r.body) else {
        problems.push(fail(format!("/{name}/{id} is not valid JSON")));
        return;
    };
    let got = v.get("id").and_then(Value::as_str);
    if !got.is_some_and(|g| g.eq_ignore_ascii_case(id)) {
        problems.push(warn(format!(
            "/{name}/{id} answered {} instead of the {} itself",
            match got {
                Some(g) => format!("the item with id {}", quote(g, 80)),
                None if v.get("Resources").is_some() => "a list".to_string(),
                None => "an object without id".to_string(),
            },
            if name == "Schemas" {
                "schema"
            } else {
                "resource type"
            }
        )));
    }
}

fn judge_schemas(v: &Value, problems: &mut Vec<Problem>) {
    let ids: Vec<&str> = items(v)
        .iter()
        .filter_map(|s| s.get("id").and_then(Value::as_str))
        .collect();
    if ids.is_empty() {
        problems.push(fail(
            "/Schemas lists no schema (expected a ListResponse of schema definitions)",
        ));
    } else if !ids.iter().any(|i| i.eq_ignore_ascii_case(USER_SCHEMA_URN)) {
        problems.push(warn(format!("/Schemas does not define {USER_SCHEMA_URN}")));
    }
}

fn judge_resource_types(v: &Value, problems: &mut Vec<Problem>) {
    let list = items(v);
    if list.is_empty() {
        problems.push(fail("/ResourceTypes lists no resource type"));
        return;
    }
    let has_users = list.iter().any(|t| {
        t.get("endpoint")
            .and_then(Value::as_str)
            .is_some_and(|e| e.trim_end_matches('/').eq_ignore_ascii_case("/Users"))
    });
    if !has_users {
        problems.push(warn(
            "/ResourceTypes has no resource type with endpoint /Users",
        ));
    }
}

/// Each id a discovery list names, read by itself: (list name, id, answer).
type Singles = Vec<(&'static str, String, Probe)>;

fn ids_of(probe: &Probe) -> Vec<String> {
    probe
        .response()
        .filter(|r| r.status == 200)
        .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .map(|v| listed_ids(&v))
        .unwrap_or_default()
}

pub async fn check(client: &HttpClient) -> CheckResult {
    let spc = Probe::get(client, "ServiceProviderConfig", AuthMode::Configured).await;
    let schemas = Probe::get(client, "Schemas", AuthMode::Configured).await;
    let types = Probe::get(client, "ResourceTypes", AuthMode::Configured).await;
    let wanted: Vec<(&'static str, String)> = ids_of(&schemas)
        .into_iter()
        .map(|id| ("Schemas", id))
        .chain(ids_of(&types).into_iter().map(|id| ("ResourceTypes", id)))
        .collect();
    let singles: Singles =
        futures::future::join_all(wanted.into_iter().map(|(name, id)| async move {
            let path = format!("{name}/{id}");
            let p = Probe::get(client, &path, AuthMode::Configured).await;
            (name, id, p)
        }))
        .await;
    let mut r = judge(&spc, &schemas, &types, &singles, &client.endpoint.auth);
    r.evidence = vec![
        spc.exchange.clone(),
        schemas.exchange.clone(),
        types.exchange.clone(),
    ];
    r.evidence
        .extend(singles.iter().map(|(_, _, p)| p.exchange.clone()));
    r
}

fn judge(
    spc: &Probe,
    schemas: &Probe,
    types: &Probe,
    singles: &Singles,
    auth: &Auth,
) -> CheckResult {
    let mut problems = Vec::new();
    let spc = document("ServiceProviderConfig", spc, &mut problems);
    let schemas = document("Schemas", schemas, &mut problems);
    let types = document("ResourceTypes", types, &mut problems);
    let mut later = Vec::new();
    for (name, id, p) in singles {
        judge_single(name, id, p, &mut later);
    }
    conclude(
        [spc.as_ref(), schemas.as_ref(), types.as_ref()],
        auth,
        problems,
        later,
        None,
        Some(singles.len()),
    )
}

/// The same judgement on the documents a snapshot stored (`check --snapshot`): nothing is
/// requested. The authentication scheme in use is not known offline, so it is not compared;
/// a document the snapshot lacks was not served or not fetched when the snapshot was taken.
pub fn judge_stored(
    service_provider_config: Option<&Value>,
    schemas: Option<&Value>,
    resource_types: Option<&Value>,
) -> CheckResult {
    let mut problems = Vec::new();
    for (name, doc) in [
        ("ServiceProviderConfig", service_provider_config),
        ("Schemas", schemas),
        ("ResourceTypes", resource_types),
    ] {
        if doc.is_none() {
            problems.push(warn(format!(
                "/{name} is not in the snapshot (not served, or not fetched, when it was taken)"
            )));
        }
    }
    conclude(
        [service_provider_config, schemas, resource_types],
        &Auth::None,
        problems,
        Vec::new(),
        Some("judged on the documents stored in the snapshot; the authentication scheme in use is not known offline, so it is not compared"),
        None,
    )
}

/// `later`: problems found after the documents (the reads by id), reported after theirs;
/// `served_by_id`: how many listed items were read by id (live runs).
fn conclude(
    [spc, schemas, types]: [Option<&Value>; 3],
    auth: &Auth,
    mut problems: Vec<Problem>,
    later: Vec<Problem>,
    offline: Option<&str>,
    served_by_id: Option<usize>,
) -> CheckResult {
    let mut data = json!({});
    if let Some(v) = spc {
        data["service_provider_config"] = judge_spc(v, auth, &mut problems);
    }
    if let Some(v) = schemas {
        judge_list_shape("Schemas", v, &mut problems);
        judge_schemas(v, &mut problems);
    }
    if let Some(v) = types {
        judge_list_shape("ResourceTypes", v, &mut problems);
        judge_resource_types(v, &mut problems);
    }
    problems.extend(later);
    let note = offline.map(|n| format!(" ({n})")).unwrap_or_default();
    if problems.is_empty() {
        return CheckResult::pass(
            "service-provider-config",
            match (offline, served_by_id) {
                (Some(_), _) => format!("the discovery documents (ServiceProviderConfig, Schemas, ResourceTypes) are valid and consistent{note}"),
                (None, Some(n)) => format!(
                    "the discovery documents (ServiceProviderConfig, Schemas, ResourceTypes) are served, valid and consistent with the endpoint; the lists are ListResponses with totalResults and each of their {n} items is served by id"
                ),
                (None, None) => "the discovery documents (ServiceProviderConfig, Schemas, ResourceTypes) are served, valid and consistent with the endpoint".to_string(),
            },
        )
        .with_data(data);
    }
    let status = problems
        .iter()
        .map(|p| p.status)
        .max_by_key(|s| s.rank())
        .unwrap_or(Status::Warn);
    let fix = if status == Status::Fail {
        "the discovery documents are served but broken: report them to the target's developers (RFC 7643 §5-7); \
         Entra ID and Okta do not read them, but other SCIM clients and validators do"
    } else {
        "not blocking for Entra ID or Okta (they do not read the discovery documents); ask the target's developers \
         to serve and correct them so that other SCIM clients can rely on them"
    };
    let mut r = CheckResult::new(
        "service-provider-config",
        status,
        format!(
            "expected valid, consistent discovery documents, got {}{note}",
            problems
                .iter()
                .map(|p| p.what.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    )
    .with_remediation(fix)
    .with_data(data);
    r.count = problems.len();
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_default_must_be_supported_and_sizes_sane() {
        let mut p = Vec::new();
        judge_pagination(
            &json!({"cursor": false, "index": true, "defaultPaginationMethod": "cursor", "defaultPageSize": 500, "maxPageSize": 100}),
            &mut p,
        );
        assert_eq!(
            p.len(),
            2,
            "{:?}",
            p.iter().map(|p| &p.what).collect::<Vec<_>>()
        );
        let mut ok = Vec::new();
        judge_pagination(
            &json!({"cursor": true, "index": true, "defaultPaginationMethod": "index", "defaultPageSize": 100, "maxPageSize": 1000}),
            &mut ok,
        );
        assert!(ok.is_empty());
    }

    #[test]
    fn auth_scheme_in_use_must_be_listed() {
        let spc = json!({"schemas":[SPC_URN],"filter":{"supported":true},"authenticationSchemes":[{"type":"httpbasic","name":"HTTP Basic"}]});
        let mut p = Vec::new();
        judge_spc(
            &spc,
            &Auth::Bearer(crate::secret::SecretString::new("tok-spc-test-1")),
            &mut p,
        );
        assert_eq!(p.len(), 1);
        assert!(p[0].what.contains("bearer"));
        let mut ok = Vec::new();
        judge_spc(
            &spc,
            &Auth::Basic {
                username: "k".into(),
                password: crate::secret::SecretString::new("pw-spc-test-1"),
            },
            &mut ok,
        );
        assert!(ok.is_empty());
    }
}
