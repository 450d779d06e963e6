//! Deliberate GET probes of how the server pages and queries, each a request or two, so
//! that a defect is found on purpose instead of by the luck of the tenant's size: a
//! `startIndex` past the end, `count=1`, a `count` above the advertised maximum, malformed
//! filters, and the group lookup Entra sends. They only record what came back; the
//! protocol checks (`checks::probes`) judge it.

use super::probe::{encode_query, eq_filter};
use super::retry::Fetcher;
use crate::findings::Exchange;
use crate::model::{Group, Tenant};
use serde_json::Value;

/// What one list probe got back.
#[derive(Debug, Clone, Default)]
pub struct ListProbe {
    /// The request, relative to the base URL, as sent.
    pub path: String,
    pub status: Option<u16>,
    /// Resources in the answer (None when the body is not a ListResponse).
    pub ids: Option<Vec<String>>,
    pub items_per_page: Option<usize>,
    pub total_results: Option<usize>,
    pub scim_type: Option<String>,
    /// Some resource carried a `members` attribute.
    pub has_members: bool,
    /// Why there is no HTTP answer (transport failure, budget, deadline).
    pub error: Option<String>,
    pub exchange: Option<Exchange>,
    /// An error answer's body as it came (4xx/5xx only), for `error-format`.
    pub error_body: Option<super::conformance::Body>,
}

impl ListProbe {
    pub fn count(&self) -> Option<usize> {
        self.ids.as_ref().map(Vec::len)
    }

    /// `HTTP 200 with 3 resources`, `HTTP 500`, or the transport error.
    pub fn describe(&self) -> String {
        match (self.status, &self.error) {
            (_, Some(e)) => e.clone(),
            (Some(s), None) => match (&self.ids, &self.scim_type) {
                (Some(ids), _) => format!("HTTP {s} with {} resources", ids.len()),
                (None, Some(t)) => format!("HTTP {s} scimType {t}"),
                (None, None) => format!("HTTP {s}"),
            },
            (None, None) => "no answer".into(),
        }
    }
}

/// The startIndex past the end of one listing and what it returned.
#[derive(Debug, Clone, Default)]
pub struct PastEnd {
    pub resource: String,
    /// Ids of the listing's first page, to tell "page 1 again" from other resources.
    pub first_ids: Vec<String>,
    pub probe: ListProbe,
}

/// The Entra group lookup and the group it looked for.
#[derive(Debug, Clone, Default)]
pub struct GroupLookup {
    pub id: String,
    pub display_name: String,
    pub members: usize,
    pub probe: ListProbe,
}

#[derive(Debug, Clone, Default)]
pub struct BehaviourReport {
    pub past_end: Vec<PastEnd>,
    /// `GET /Users?startIndex=1&count=1`, and how many users the tenant has.
    pub count_one: Option<ListProbe>,
    pub users_known: usize,
    /// The advertised maximum and `count` = maximum + 1.
    pub count_over_max: Option<(usize, ListProbe)>,
    /// Why the over-maximum probe was not sent.
    pub count_over_max_not_run: Option<String>,
    pub bad_filters: Vec<(String, ListProbe)>,
    pub group_lookup: Option<GroupLookup>,
    pub group_lookup_not_run: Option<String>,
    /// Probes did not run at all (offline, no users listed).
    pub not_run: Option<String>,
}

/// Malformed filters an IdP bug or a hand-written script can send (RFC 7644 §3.4.2.2
/// requires 400 `invalidFilter` for them).
pub const BAD_FILTERS: [&str; 2] = ["userName eq", "userName eq \"a\" and"];

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn number(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Reads the facts of one answer (pure, for tests).
pub fn read_answer(status: u16, body: Option<&Value>) -> ListProbe {
    let mut p = ListProbe {
        status: Some(status),
        ..Default::default()
    };
    let Some(v) = body else { return p };
    p.scim_type = field(v, "scimType")
        .and_then(Value::as_str)
        .map(str::to_string);
    p.items_per_page = field(v, "itemsPerPage").and_then(number);
    p.total_results = field(v, "totalResults").and_then(number);
    let resources = match (v, field(v, "Resources")) {
        (_, Some(Value::Array(a))) => Some(a),
        (Value::Array(a), _) => Some(a),
        // A ListResponse with totalResults 0 may leave Resources out.
        (_, None) if p.total_results.is_some() => None,
        _ => {
            return p;
        }
    };
    let resources: &[Value] = resources.map(Vec::as_slice).unwrap_or(&[]);
    p.has_members = resources.iter().any(|r| field(r, "members").is_some());
    p.ids = Some(
        resources
            .iter()
            .map(|r| match field(r, "id") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            })
            .collect(),
    );
    p
}

async fn list_probe(f: &Fetcher, path: String, label: &str) -> ListProbe {
    match f.get(&path, label).await {
        Err(e) => ListProbe {
            path,
            error: Some(e.describe()),
            ..Default::default()
        },
        Ok(r) => {
            let mut p = read_answer(r.status, r.json().as_ref());
            if r.status >= 400 {
                p.error_body = Some(super::conformance::Body::read(&r.content_type(), &r.body));
            }
            p.path = path;
            p.exchange = Some(r.exchange);
            p
        }
    }
}

/// The group Entra would look up: one with members (the case `excludedAttributes=members`
/// exists for) and a display name, else any group with a display name.
pub fn lookup_target(groups: &[Group]) -> Option<&Group> {
    let named = |g: &&Group| g.display_name.as_deref().is_some_and(|n| !n.is_empty());
    groups
        .iter()
        .filter(named)
        .max_by_key(|g| g.members.len().min(1))
}

/// The facts the probes need from the fetch: where each listing ended and its first ids.
pub struct Listed<'a> {
    pub resource: &'a str,
    pub end: usize,
    pub first_ids: Vec<String>,
    pub page_size: usize,
    /// Listed by cursor: there is no startIndex past the end to ask for.
    pub by_cursor: bool,
}

/// Runs every behaviour probe (in parallel, bounded by the fetcher's --concurrency).
pub async fn probe(
    f: &Fetcher,
    tenant: &Tenant,
    listed: &[Listed<'_>],
    advertised_max: Option<usize>,
) -> BehaviourReport {
    let mut out = BehaviourReport {
        users_known: tenant.users.len(),
        ..Default::default()
    };
    if listed.is_empty() {
        out.not_run = Some("no list could be fetched, so paging could not be probed".into());
        return out;
    }
    let by_index = listed.iter().filter(|l| !l.by_cursor);
    let past_end = futures::future::join_all(by_index.map(|l| async move {
        // One past the end the server itself announced (or the end reached): must be empty.
        let path = format!(
            "{}?startIndex={}&count={}",
            l.resource,
            l.end + 1,
            l.page_size
        );
        PastEnd {
            resource: l.resource.to_string(),
            first_ids: l.first_ids.clone(),
            probe: list_probe(f, path, &format!("GET /{} (probe)", l.resource)).await,
        }
    }));
    let count_one = list_probe(f, "Users?startIndex=1&count=1".into(), "GET /Users (probe)");
    let over_max = async {
        match advertised_max {
            None => Err("the ServiceProviderConfig advertises no maximum".to_string()),
            Some(m) if m > super::MAX_ADVERTISED_PAGE_SIZE => Err(format!(
                "the advertised maximum {m} is above {} (not probed: the page would be huge)",
                super::MAX_ADVERTISED_PAGE_SIZE
            )),
            Some(m) if tenant.users.len() <= m => Err(format!(
                "the tenant has {} users, not more than the advertised maximum {m}",
                tenant.users.len()
            )),
            Some(m) => Ok((
                m,
                list_probe(
                    f,
                    format!("Users?startIndex=1&count={}", m + 1),
                    "GET /Users (probe)",
                )
                .await,
            )),
        }
    };
    let bad = futures::future::join_all(BAD_FILTERS.iter().map(|flt| async move {
        let path = format!("Users?filter={}", encode_query(flt));
        (
            flt.to_string(),
            list_probe(f, path, "GET /Users?filter= (malformed)").await,
        )
    }));
    let group = async {
        let g = lookup_target(&tenant.groups)?;
        let name = g.display_name.clone().unwrap_or_default();
        let path = format!(
            "Groups?filter={}&excludedAttributes=members",
            encode_query(&eq_filter("displayName", &name))
        );
        Some(GroupLookup {
            id: g.id.clone(),
            display_name: name,
            members: g.members.len(),
            probe: list_probe(f, path, "GET /Groups?filter=displayName eq").await,
        })
    };
    let (past_end, count_one, over_max, bad, group) =
        futures::join!(past_end, count_one, over_max, bad, group);
    out.past_end = past_end;
    out.count_one = Some(count_one);
    match over_max {
        Ok(x) => out.count_over_max = Some(x),
        Err(why) => out.count_over_max_not_run = Some(why),
    }
    out.bad_filters = bad;
    out.group_lookup = group;
    if out.group_lookup.is_none() {
        out.group_lookup_not_run = Some("no fetched group has a displayName to look up".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_response_is_read_with_ids_counts_and_members() {
        let v = json!({"totalResults": 5, "itemsPerPage": 2,
            "Resources": [{"id": "a", "members": []}, {"id": 7}]});
        let p = read_answer(200, Some(&v));
        assert_eq!(p.ids, Some(vec!["a".to_string(), "7".to_string()]));
        assert_eq!((p.items_per_page, p.total_results), (Some(2), Some(5)));
        assert!(p.has_members);
    }

    #[test]
    fn an_error_body_has_no_ids_but_its_scim_type() {
        let v = json!({"status": "400", "scimType": "invalidFilter"});
        let p = read_answer(400, Some(&v));
        assert_eq!(p.ids, None);
        assert_eq!(p.scim_type.as_deref(), Some("invalidFilter"));
        // An empty ListResponse may leave Resources out: zero resources, not "not a list".
        let p = read_answer(200, Some(&json!({"totalResults": 0})));
        assert_eq!(p.ids, Some(vec![]));
    }
}
