//! GET-only probes of the conformance a client relies on when it reads a target: the
//! `attributes` and `excludedAttributes` parameters (RFC 7644 §3.4.2.5) on one resource and
//! on lists, for users and groups, and the error answers a client meets (an unknown user id,
//! an unknown schema, an unknown resource type; the malformed filters are the behaviour
//! probes'). They only record what came back; `checks::conformance` judges it.

use super::probe::encode_query;
use super::retry::Fetcher;
use crate::findings::Exchange;
use crate::model::Tenant;
use serde_json::Value;

/// What a body turned out to be, without judging it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Body {
    #[default]
    Empty,
    /// An HTML page (content type or markup).
    Html(String),
    /// Bytes that do not parse as JSON (an excerpt).
    NotJson(String),
    Json(Value),
}

impl Body {
    pub fn read(content_type: &str, bytes: &[u8]) -> Body {
        let text = crate::source::http::excerpt(bytes, 120).replace('\n', " ");
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Body::Empty;
        }
        let head = text.trim_start().to_ascii_lowercase();
        if content_type.contains("html")
            || head.starts_with("<!doctype html")
            || head.starts_with("<html")
        {
            return Body::Html(text);
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => Body::Json(v),
            Err(_) => Body::NotJson(text),
        }
    }

    /// `an empty body`, `an HTML page ("<!DOCTYPE ...")`, `a body that is not JSON ("...")`, `JSON`.
    pub fn describe(&self) -> String {
        match self {
            Body::Empty => "an empty body".into(),
            Body::Html(t) => format!("an HTML page ({t:?})"),
            Body::NotJson(t) => format!("a body that is not JSON ({t:?})"),
            Body::Json(_) => "JSON".into(),
        }
    }

    pub fn json(&self) -> Option<&Value> {
        match self {
            Body::Json(v) => Some(v),
            _ => None,
        }
    }
}

/// One GET and what came back.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// The request, relative to the base URL, as sent.
    pub path: String,
    pub status: Option<u16>,
    pub content_type: String,
    pub body: Body,
    /// Why there is no HTTP answer (transport failure, budget, deadline).
    pub error: Option<String>,
    pub exchange: Option<Exchange>,
}

impl Answer {
    /// `HTTP 404 with an empty body`, `HTTP 200`, or the transport error.
    pub fn describe(&self) -> String {
        match (self.status, &self.error) {
            (_, Some(e)) => e.clone(),
            (Some(s), None) if matches!(self.body, Body::Json(_)) => {
                format!("HTTP {s} {}", self.content_type)
                    .trim_end()
                    .to_string()
            }
            (Some(s), None) => format!("HTTP {s} with {}", self.body.describe()),
            (None, None) => "no answer".into(),
        }
    }
}

pub async fn get(f: &Fetcher, path: String, label: &str) -> Answer {
    match f.get(&path, label).await {
        Err(e) => Answer {
            path,
            error: Some(e.describe()),
            ..Default::default()
        },
        Ok(r) => {
            let content_type = r.content_type();
            Answer {
                body: Body::read(&content_type, &r.body),
                content_type,
                status: Some(r.status),
                exchange: Some(r.exchange),
                error: None,
                path,
            }
        }
    }
}

/// The `attributes` / `excludedAttributes` probes of one resource type.
#[derive(Debug, Clone, Default)]
pub struct AttributeProbes {
    /// `Users` or `Groups`.
    pub resource: String,
    pub id: String,
    /// `GET /Users/{id}` as it is, to learn which attributes the resource has.
    pub plain: Answer,
    /// The attribute asked for alone (`userName`, `displayName`).
    pub wanted: String,
    /// `GET /Users/{id}?attributes=<wanted>`.
    pub only: Option<Answer>,
    /// The attribute left out (`members` for groups), present in `plain`.
    pub excluded: Option<String>,
    /// `GET /Users/{id}?excludedAttributes=<excluded>`.
    pub without: Option<Answer>,
    /// `GET /Users?count=1&attributes=<wanted>` (no startIndex: a probe, not a page).
    pub list_only: Option<Answer>,
    /// `GET /Users?count=1&excludedAttributes=<excluded>`.
    pub list_without: Option<Answer>,
}

#[derive(Debug, Clone, Default)]
pub struct ConformanceReport {
    pub users: Option<AttributeProbes>,
    pub groups: Option<AttributeProbes>,
    /// Why each resource type was not probed.
    pub not_probed: Vec<String>,
    /// The error answers: (what was asked, the answer).
    pub errors: Vec<(String, Answer)>,
    /// Attribute names the server's /Schemas marks `returned: always` (lowercase).
    pub always_returned: Vec<String>,
    /// Probes did not run at all (no list could be fetched).
    pub not_run: Option<String>,
}

/// Attributes a resource carries besides `id`, `schemas` and `meta` (names as sent).
pub fn attribute_names(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|m| {
            m.keys()
                .filter(|k| !["id", "schemas", "meta"].contains(&k.to_ascii_lowercase().as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The attribute to leave out: the first of `preferred` the resource carries.
fn excludable(plain: &Value, preferred: &[&str]) -> Option<String> {
    let names = attribute_names(plain);
    preferred.iter().find_map(|p| {
        names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(p))
            .map(|_| p.to_string())
    })
}

/// Names of attributes with `returned: always` in a /Schemas answer (RFC 7643 §7).
pub fn always_returned(schemas: Option<&Value>) -> Vec<String> {
    let Some(doc) = schemas else {
        return Vec::new();
    };
    let list: Vec<&Value> = match doc {
        Value::Array(a) => a.iter().collect(),
        v => v
            .get("Resources")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
    };
    let mut out = Vec::new();
    for schema in list {
        for a in schema
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let always = a
                .get("returned")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case("always"));
            if let (true, Some(n)) = (always, a.get("name").and_then(Value::as_str)) {
                out.push(n.to_ascii_lowercase());
            }
        }
    }
    out
}

async fn attribute_probes(
    f: &Fetcher,
    resource: &str,
    id: &str,
    wanted: &str,
    preferred: &[&str],
) -> AttributeProbes {
    let one = format!("{resource}/{}", encode_query(id));
    let plain = get(f, one.clone(), &format!("GET /{resource}/{{id}} (probe)")).await;
    let excluded = plain.body.json().and_then(|v| excludable(v, preferred));
    let label = format!("GET /{resource} attributes (probe)");
    let only = get(f, format!("{one}?attributes={wanted}"), &label);
    let list_only = get(f, format!("{resource}?count=1&attributes={wanted}"), &label);
    let without = async {
        match &excluded {
            Some(x) => Some(get(f, format!("{one}?excludedAttributes={x}"), &label).await),
            None => None,
        }
    };
    let list_without = async {
        match &excluded {
            Some(x) => Some(
                get(
                    f,
                    format!("{resource}?count=1&excludedAttributes={x}"),
                    &label,
                )
                .await,
            ),
            None => None,
        }
    };
    let (only, list_only, without, list_without) =
        futures::join!(only, list_only, without, list_without);
    AttributeProbes {
        resource: resource.to_string(),
        id: id.to_string(),
        plain,
        wanted: wanted.to_string(),
        only: Some(only),
        excluded,
        without,
        list_only: Some(list_only),
        list_without,
    }
}

/// A user id no server has issued: the nil-like UUID (many servers check the id's format),
/// changed in the unlikely case the tenant holds it.
fn unknown_id(tenant: &Tenant) -> String {
    let mut id = "00000000-0000-4000-8000-000000000000".to_string();
    while tenant.users.iter().any(|u| u.id == id) {
        id.push('0');
    }
    id
}

/// Paths of the error probes and what each asks for.
pub fn error_probes(tenant: &Tenant) -> Vec<(String, String)> {
    vec![
        (
            "an unknown user id".into(),
            format!("Users/{}", unknown_id(tenant)),
        ),
        (
            "an unknown schema".into(),
            "Schemas/urn:scim-doctor:probe:no-such-schema".into(),
        ),
        (
            "an unknown resource type".into(),
            "ResourceTypes/NoSuchResourceType".into(),
        ),
    ]
}

/// Runs every conformance probe (in parallel, bounded by the fetcher's --concurrency).
/// `group` is the group to probe (one with members, the case `excludedAttributes=members`
/// exists for).
pub async fn probe(
    f: &Fetcher,
    tenant: &Tenant,
    listed_any: bool,
    group: Option<&crate::model::Group>,
) -> ConformanceReport {
    let mut out = ConformanceReport {
        always_returned: always_returned(tenant.discovery.schemas.as_ref()),
        ..Default::default()
    };
    if !listed_any {
        out.not_run = Some("no list could be fetched, so there was no resource to probe".into());
        return out;
    }
    let user = tenant.users.first();
    if user.is_none() {
        out.not_probed
            .push("no user was fetched, so no user could be read by id".into());
    }
    if group.is_none() {
        out.not_probed
            .push("no group was fetched, so no group could be read by id".into());
    }
    let users = async {
        match user {
            Some(u) => Some(
                attribute_probes(
                    f,
                    "Users",
                    &u.id,
                    "userName",
                    &[
                        "emails",
                        "name",
                        "displayName",
                        "title",
                        "phoneNumbers",
                        "externalId",
                        "active",
                    ],
                )
                .await,
            ),
            None => None,
        }
    };
    let groups = async {
        match group {
            Some(g) => Some(
                attribute_probes(
                    f,
                    "Groups",
                    &g.id,
                    "displayName",
                    &["members", "externalId"],
                )
                .await,
            ),
            None => None,
        }
    };
    let errors = futures::future::join_all(error_probes(tenant).into_iter().map(
        |(what, path)| async move {
            let a = get(f, path, &format!("GET ({what}, probe)")).await;
            (what, a)
        },
    ));
    let (users, groups, errors) = futures::join!(users, groups, errors);
    out.users = users;
    out.groups = groups;
    out.errors = errors;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_told_apart_without_judging() {
        assert_eq!(Body::read("application/scim+json", b""), Body::Empty);
        assert_eq!(Body::read("", b"  \n"), Body::Empty);
        assert!(matches!(
            Body::read("text/html", b"<p>Not Found</p>"),
            Body::Html(_)
        ));
        assert!(matches!(
            Body::read("text/plain", b"<!DOCTYPE html><html>"),
            Body::Html(_)
        ));
        assert!(matches!(
            Body::read("text/plain", b"Not Found"),
            Body::NotJson(_)
        ));
        assert_eq!(
            Body::read("application/json", br#"{"status":"404"}"#),
            Body::Json(json!({"status": "404"}))
        );
    }

    #[test]
    fn always_returned_attributes_come_from_the_schemas_list() {
        let doc = json!({"Resources": [{"id": "urn:x", "attributes": [
            {"name": "userName", "returned": "always"},
            {"name": "title", "returned": "default"}]}]});
        assert_eq!(always_returned(Some(&doc)), vec!["username".to_string()]);
        assert!(always_returned(None).is_empty());
    }

    #[test]
    fn the_excluded_attribute_is_one_the_resource_has() {
        let v = json!({"id": "1", "schemas": [], "userName": "a", "externalId": "x"});
        assert_eq!(
            excludable(&v, &["emails", "externalId"]).as_deref(),
            Some("externalId")
        );
        assert_eq!(excludable(&v, &["emails"]), None);
    }
}
