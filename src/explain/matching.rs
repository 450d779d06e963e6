//! The Match stage: what Entra's lookups return. Entra matches users by `userName eq`, then
//! `externalId eq` in precedence order: the first lookup with a hit decides and the later ones
//! are not sent; more than one hit is an error; no hit at all means a create. A lookup needs a
//! value: an empty or blank value is no value, so it is not looked up. Offline the lookups are
//! computed on the tenant, with `userName` compared case-insensitively as RFC 7643 requires
//! (`caseExact: false`) and `externalId` exactly. Live, the same filters are sent to the server
//! (GET only) in the same order, stopping where Entra stops, and each answer is compared with
//! what a correct server would return.

use super::identity::Identity;
use crate::model::{parse_list_or_array, parse_user, Tenant, User};
use crate::source::http::HttpClient;
use serde::Serialize;

/// A target user as a lookup returned it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRef {
    pub id: String,
    #[serde(rename = "userName")]
    pub user_name: Option<String>,
    #[serde(rename = "externalId")]
    pub external_id: Option<String>,
    pub active: bool,
}

impl UserRef {
    pub fn of(u: &User) -> Self {
        UserRef {
            id: u.id.clone(),
            user_name: u.user_name.clone(),
            external_id: u.external_id.clone(),
            active: u.is_active(),
        }
    }
}

/// One lookup and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchQuery {
    /// `userName` or `externalId`.
    pub attribute: &'static str,
    pub value: String,
    /// Where the value comes from ("the IdP export (userPrincipalName)").
    pub value_from: &'static str,
    /// The SCIM filter as Entra sends it.
    pub filter: String,
    pub results: Vec<UserRef>,
    /// HTTP status of the live request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The request URL (live only; scrubbed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What is wrong with the answer, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The live request failed (transport error, non-2xx, or not a ListResponse): Entra's
    /// lookup fails here, so the sequence stops.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
}

/// What Entra would conclude from the lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchOutcome {
    /// Exactly one user: Entra updates it.
    Matched,
    /// No user: Entra creates one.
    NoMatch,
    /// More than one user for a lookup: Entra stops with MultipleEntriesInResponse.
    Ambiguous,
    /// Nothing to look up with (no userName or externalId known).
    Unknown,
    /// A live lookup failed (transport error or non-2xx).
    Failed,
}

pub fn filter_for(attribute: &str, value: &str) -> String {
    format!(
        "{attribute} eq \"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

fn expected(tenant: &Tenant, attribute: &str, value: &str) -> Vec<UserRef> {
    let v = value.trim();
    tenant
        .users
        .iter()
        .filter(|u| match attribute {
            "userName" => u
                .user_name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == v.to_lowercase()),
            _ => u.external_id.as_deref().is_some_and(|e| e.trim() == v),
        })
        .map(UserRef::of)
        .collect()
}

/// The lookups Entra would send, in its order; a blank value is no value (Entra does not
/// match on an empty string, and `externalId eq ""` would list unrelated users).
fn lookups(id: &Identity) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    if let Some((v, from)) = &id.user_name {
        out.push(("userName", v.clone(), *from));
    }
    if let Some((v, from)) = &id.external_id {
        out.push(("externalId", v.clone(), *from));
    }
    out.retain(|(_, v, _)| !v.trim().is_empty());
    out
}

/// The lookups computed on the tenant.
pub fn offline(tenant: &Tenant, id: &Identity) -> Vec<MatchQuery> {
    lookups(id)
        .into_iter()
        .map(|(attribute, value, value_from)| MatchQuery {
            attribute,
            filter: filter_for(attribute, &value),
            results: expected(tenant, attribute, &value),
            value,
            value_from,
            http_status: None,
            url: None,
            problem: None,
            failed: false,
        })
        .collect()
}

/// The lookups sent to the server, each compared with the tenant it served. Like Entra, the
/// sequence stops at the first lookup that returns a user or fails: later lookups are not sent.
pub async fn live(client: &HttpClient, tenant: &Tenant, id: &Identity) -> Vec<MatchQuery> {
    let mut out = Vec::new();
    for (attribute, value, value_from) in lookups(id) {
        let filter = filter_for(attribute, &value);
        let encoded: String = url::form_urlencoded::byte_serialize(filter.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let path = format!("Users?filter={encoded}");
        let url = crate::secret::scrub(&client.endpoint.url(&path));
        let want = expected(tenant, attribute, &value);
        let mut q = MatchQuery {
            attribute,
            value,
            value_from,
            filter,
            results: Vec::new(),
            http_status: None,
            url: Some(url),
            problem: None,
            failed: true,
        };
        match client.get(&path).await {
            Err(e) => q.problem = Some(format!("the request failed: {e}")),
            Ok(resp) => {
                q.http_status = Some(resp.status);
                let body = resp.json();
                match (resp.status, body) {
                    (200..=299, Some(v)) => match parse_list_or_array(v) {
                        Ok(items) => {
                            q.results = items
                                .into_iter()
                                .enumerate()
                                .filter_map(|(i, v)| parse_user(v, &format!("result {i}")).ok())
                                .map(|u| UserRef::of(&u))
                                .collect();
                            q.problem = compare(attribute, &q.results, &want);
                            q.failed = false;
                        }
                        Err(e) => {
                            q.problem = Some(format!("expected a SCIM ListResponse, got {e}"))
                        }
                    },
                    (status, _) => {
                        q.problem = Some(format!(
                            "expected 200 with a ListResponse, got {status} {}",
                            resp.text_excerpt(120)
                        ))
                    }
                }
            }
        }
        let decisive = q.failed || !q.results.is_empty();
        out.push(q);
        if decisive {
            break;
        }
    }
    out
}

/// How a live answer differs from what a correct server would return for the same tenant.
fn compare(attribute: &str, got: &[UserRef], want: &[UserRef]) -> Option<String> {
    let missed: Vec<&UserRef> = want
        .iter()
        .filter(|w| !got.iter().any(|g| g.id == w.id))
        .collect();
    let extra: Vec<&UserRef> = got
        .iter()
        .filter(|g| !want.iter().any(|w| w.id == g.id))
        .collect();
    if !missed.is_empty() {
        let names: Vec<String> = missed
            .iter()
            .map(|m| {
                format!(
                    "{} ({})",
                    m.id,
                    m.user_name.as_deref().unwrap_or("no userName")
                )
            })
            .collect();
        // What this means for Entra depends on the later lookups: the Match stage says it.
        let why = if attribute == "userName" {
            "the server's userName filter is case-sensitive or ignores part of the value"
        } else {
            "the server's externalId filter does not find users that hold this value"
        };
        return Some(format!(
            "expected the lookup to return {}, got {} result(s): {why}",
            names.join(", "),
            got.len()
        ));
    }
    if !extra.is_empty() {
        return Some(format!(
            "expected {} result(s), got {}: the server ignores or mis-evaluates the filter",
            want.len(),
            got.len()
        ));
    }
    None
}

/// Entra's conclusion: the first lookup with a hit decides.
pub fn outcome(queries: &[MatchQuery]) -> (MatchOutcome, Option<&UserRef>) {
    if queries.is_empty() {
        return (MatchOutcome::Unknown, None);
    }
    for q in queries {
        if q.failed {
            return (MatchOutcome::Failed, None);
        }
        match q.results.len() {
            0 => continue,
            1 => return (MatchOutcome::Matched, q.results.first()),
            _ => return (MatchOutcome::Ambiguous, None),
        }
    }
    (MatchOutcome::NoMatch, None)
}
