//! Filter probes: what an IdP does before it creates a user. Entra and Okta look a user up
//! with `filter=userName eq "..."` (and Entra by `externalId eq "..."`); if the server does
//! not return exactly the existing user, the IdP POSTs again and gets a 409 or creates a
//! duplicate. The probes ask for a sample of real users and compare with what the fetch saw.

use super::retry::Fetcher;
use crate::findings::Exchange;
use crate::model::{parse_list_or_array, User};
use futures::StreamExt;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    UserName,
    ExternalId,
}

impl Attr {
    pub fn scim_name(self) -> &'static str {
        match self {
            Attr::UserName => "userName",
            Attr::ExternalId => "externalId",
        }
    }

    fn value(self, u: &User) -> Option<&str> {
        match self {
            Attr::UserName => u.user_name.as_deref(),
            Attr::ExternalId => u.external_id.as_deref(),
        }
        .filter(|v| !v.trim().is_empty())
    }
}

/// One lookup and how it went.
#[derive(Debug, Clone)]
pub struct ProbeCase {
    pub user: User,
    /// The value sent (the stored one, or with its case changed).
    pub value: String,
    pub case_changed: bool,
    /// Ids the server should return, from the fetched tenant.
    pub expected: BTreeSet<String>,
    /// Ids it returned, or why there was no usable answer.
    pub got: Result<BTreeSet<String>, String>,
    pub exchange: Option<Exchange>,
}

impl ProbeCase {
    pub fn ok(&self) -> bool {
        matches!(&self.got, Ok(ids) if *ids == self.expected)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ProbeOutcome {
    pub cases: Vec<ProbeCase>,
    /// Why nothing was probed (no users with the attribute, --probe-sample 0, deadline).
    pub not_run: Option<String>,
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode_query(v: &str) -> String {
    let mut out = String::with_capacity(v.len() * 3);
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `attr eq "value"` with the value escaped as a SCIM string literal (JSON rules).
pub fn eq_filter(attr: &str, value: &str) -> String {
    let literal = serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""));
    format!("{attr} eq {literal}")
}

/// The value with its letters' case changed, or None when it has no cased letters.
fn change_case(v: &str) -> Option<String> {
    let upper = v.to_uppercase();
    let changed = if upper != v { upper } else { v.to_lowercase() };
    (changed != v).then_some(changed)
}

/// The value shapes servers most often get wrong in a filter, in the order they are sampled:
/// non-ASCII letters (case folding and percent-encoding of UTF-8), quotes and backslashes
/// (escaping inside the SCIM string literal), `+` (decoded as a space by form decoders), and
/// mixed case (a case-sensitive comparison).
const RISKY: &[fn(&str) -> bool] = &[
    |v| !v.is_ascii(),
    |v| v.contains('"') || v.contains('\''),
    |v| v.contains('\\'),
    |v| v.contains('+'),
    |v| v.chars().any(char::is_uppercase) && v.chars().any(char::is_lowercase),
];

/// Picks up to `n` users: first one user of each risky shape in turn (round after round,
/// while the sample has room and such users remain), then users evenly spread over the rest
/// of the tenant. Deterministic for a given tenant.
fn sample(users: &[User], attr: Attr, n: usize) -> Vec<&User> {
    let candidates: Vec<&User> = users.iter().filter(|u| attr.value(u).is_some()).collect();
    if candidates.len() <= n {
        return candidates;
    }
    let mut taken = vec![false; candidates.len()];
    let mut picked: Vec<usize> = Vec::new();
    let mut next = vec![0usize; RISKY.len()];
    'rounds: loop {
        let mut progressed = false;
        for (shape, is_risky) in RISKY.iter().enumerate() {
            if picked.len() >= n {
                break 'rounds;
            }
            while next[shape] < candidates.len() {
                let i = next[shape];
                next[shape] += 1;
                if !taken[i] && attr.value(candidates[i]).is_some_and(is_risky) {
                    taken[i] = true;
                    picked.push(i);
                    progressed = true;
                    break;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    let rest: Vec<usize> = (0..candidates.len()).filter(|&i| !taken[i]).collect();
    let room = n - picked.len();
    if room > 0 && !rest.is_empty() {
        picked
            .extend((0..room.min(rest.len())).map(|k| rest[k * rest.len() / room.min(rest.len())]));
    }
    picked.into_iter().map(|i| candidates[i]).collect()
}

fn expected_ids(users: &[User], attr: Attr, value: &str) -> BTreeSet<String> {
    users
        .iter()
        .filter(|u| match (attr, attr.value(u)) {
            // userName is caseExact=false (RFC 7643 §4.1.1): every case variant matches.
            (Attr::UserName, Some(v)) => v.to_lowercase() == value.to_lowercase(),
            (Attr::ExternalId, Some(v)) => v == value,
            _ => false,
        })
        .map(|u| u.id.clone())
        .collect()
}

async fn lookup(
    f: &Fetcher,
    attr: Attr,
    value: &str,
) -> (Result<BTreeSet<String>, String>, Option<Exchange>) {
    let path = format!(
        "Users?filter={}",
        encode_query(&eq_filter(attr.scim_name(), value))
    );
    let resp = match f
        .get(&path, &format!("GET /Users?filter={} eq", attr.scim_name()))
        .await
    {
        Ok(r) => r,
        Err(e) => return (Err(e.describe()), None),
    };
    let exchange = Some(resp.exchange.clone());
    if resp.status != 200 {
        return (
            Err(format!(
                "HTTP {} ({})",
                resp.status,
                resp.text_excerpt(160).replace('\n', " ")
            )),
            exchange,
        );
    }
    let ids = resp
        .json()
        .ok_or_else(|| "the body is not JSON".to_string())
        .and_then(parse_list_or_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.get("id"))
                .map(|id| match id {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        });
    (ids, exchange)
}

/// Probes `attr eq` for a sample of `users`; userName also with its case changed.
pub async fn probe(f: &Fetcher, users: &[User], attr: Attr, n: usize) -> ProbeOutcome {
    if n == 0 {
        return ProbeOutcome {
            not_run: Some("--probe-sample is 0".into()),
            ..Default::default()
        };
    }
    let picked = sample(users, attr, n);
    if picked.is_empty() {
        return ProbeOutcome {
            not_run: Some(format!("no fetched user has a {}", attr.scim_name())),
            ..Default::default()
        };
    }
    let mut lookups = Vec::new();
    for u in picked {
        let Some(value) = attr.value(u) else { continue };
        lookups.push((u, value.to_string(), false));
        if attr == Attr::UserName {
            if let Some(c) = change_case(value) {
                lookups.push((u, c, true));
            }
        }
    }
    // In parallel (bounded by the fetcher's --concurrency), results kept in sample order.
    let answers: Vec<_> = futures::stream::iter(lookups.iter().map(|(_, v, _)| async move {
        if f.past_deadline() {
            None
        } else {
            Some(lookup(f, attr, v).await)
        }
    }))
    .buffered(f.opts.concurrency.max(1))
    .collect()
    .await;
    let mut out = ProbeOutcome::default();
    for ((u, v, case_changed), answer) in lookups.into_iter().zip(answers) {
        let Some((got, exchange)) = answer else {
            out.not_run =
                Some("the --deadline passed before every probe ran: raise --deadline".into());
            continue;
        };
        out.cases.push(ProbeCase {
            user: u.clone(),
            expected: expected_ids(users, attr, &v),
            value: v,
            case_changed,
            got,
            exchange,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_values_are_escaped_and_percent_encoded() {
        assert_eq!(eq_filter("userName", "a\"b@x"), "userName eq \"a\\\"b@x\"");
        assert_eq!(
            encode_query("userName eq \"a+b@x\""),
            "userName%20eq%20%22a%2Bb%40x%22"
        );
    }

    #[test]
    fn case_change_flips_letters_and_skips_values_without_any() {
        assert_eq!(change_case("Alice@X.test").as_deref(), Some("ALICE@X.TEST"));
        assert_eq!(change_case("ALICE").as_deref(), Some("alice"));
        assert_eq!(change_case("12345"), None);
    }

    #[test]
    fn sample_spreads_over_the_tenant_and_expects_case_variants_for_username() {
        let users: Vec<User> = (0..10)
            .map(|i| User {
                id: i.to_string(),
                user_name: Some(format!("u{i}@x")),
                ..Default::default()
            })
            .chain(std::iter::once(User {
                id: "dup".into(),
                user_name: Some("U3@X".into()),
                ..Default::default()
            }))
            .collect();
        let ids: Vec<&str> = sample(&users, Attr::UserName, 3)
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(ids, vec!["0", "3", "7"]);
        let exp = expected_ids(&users, Attr::UserName, "u3@x");
        assert_eq!(
            exp.into_iter().collect::<Vec<_>>(),
            vec!["3".to_string(), "dup".to_string()]
        );
        assert!(expected_ids(&users, Attr::ExternalId, "u3@x").is_empty());
    }

    // proves the risky shapes are sampled before ordinary users, wherever they sit in the tenant
    #[test]
    fn sample_takes_risky_shapes_first() {
        let mut users: Vec<User> = (0..600)
            .map(|i| User {
                id: i.to_string(),
                user_name: Some(format!("user{i}@x.test")),
                ..Default::default()
            })
            .collect();
        for (i, name) in [
            (590, "jos\u{e9}@x.test"),
            (591, "o'brien@x.test"),
            (592, "back\\slash@x.test"),
            (593, "plus+tag@x.test"),
            (594, "Mixed.Case@x.test"),
        ] {
            users[i].user_name = Some(name.to_string());
        }
        let ids: Vec<&str> = sample(&users, Attr::UserName, 5)
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(ids, vec!["590", "591", "592", "593", "594"]);
        // With room left, the rest is spread over the ordinary users.
        let ids: Vec<&str> = sample(&users, Attr::UserName, 7)
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(&ids[..5], &["590", "591", "592", "593", "594"]);
        assert_eq!(ids.len(), 7);
        assert!(
            ids[5..].iter().all(|i| i.parse::<usize>().unwrap() < 590),
            "{ids:?}"
        );
        // Without risky shapes, the even spread is unchanged.
        let plain = &users[..10];
        let ids: Vec<&str> = sample(plain, Attr::UserName, 3)
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(ids, vec!["0", "3", "6"]);
    }
}
