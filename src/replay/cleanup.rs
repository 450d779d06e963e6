//! Leaving the tenant as it was: the counts before the first write, the removal of every
//! canary (groups first; users deactivated first in Okta's flow, then deleted), the search for
//! canaries by their generated names (`replay --cleanup`), and the closing GETs that prove
//! what is left.

use super::client::WriteClient;
use super::exec::Created;
use super::sequence::{
    canary_role, filter_query, CANARY_PREFIX, GROUP_ROLES, PATCH_OP, USER_ROLES,
};
use serde_json::{json, Value};

/// `totalResults` of /Users and /Groups (None when the server did not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub users: Option<u64>,
    pub groups: Option<u64>,
}

pub async fn counts(client: &WriteClient) -> Counts {
    let total = |path: &'static str| async move {
        let r = client.send("GET", path, None).await;
        r.json()
            .filter(|_| r.status == Some(200))
            .and_then(|j| j.get("totalResults").and_then(Value::as_u64))
    };
    Counts {
        users: total("/Users?startIndex=1&count=1").await,
        groups: total("/Groups?excludedAttributes=members&startIndex=1&count=1").await,
    }
}

/// What happened to one canary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub res: Created,
    /// None: gone (GET answers 404). Some: why it is still there.
    pub left: Option<String>,
}

/// Removes every resource in `created` that still exists: groups first, then users
/// (deactivated first when `deactivate_first`, as Okta would have left them).
pub async fn remove(
    client: &WriteClient,
    created: &[Created],
    deactivate_first: bool,
) -> Vec<Removal> {
    let mut order: Vec<&Created> = created.iter().filter(|c| c.group).collect();
    order.extend(created.iter().filter(|c| !c.group));
    let mut out: Vec<Removal> = Vec::new();
    for c in order {
        if out
            .iter()
            .any(|r| r.res.id == c.id && r.res.group == c.group)
        {
            continue;
        }
        let path = format!("/{}/{}", if c.group { "Groups" } else { "Users" }, c.id);
        let left = match client.send("GET", &path, None).await.status {
            Some(404) => None,
            _ => {
                if deactivate_first && !c.group {
                    let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]});
                    client.send("PATCH", &path, Some(&body)).await;
                }
                let del = client.send("DELETE", &path, None).await;
                let after = client.send("GET", &path, None).await;
                match after.status {
                    Some(404) => None,
                    _ => Some(format!(
                        "DELETE answered {}, GET then answered {}",
                        del.describe(),
                        after.describe()
                    )),
                }
            }
        };
        out.push(Removal {
            res: c.clone(),
            left,
        });
    }
    out
}

/// Canaries found by name: `sw` filter on the prefix first; a full scan of the listing when
/// the filter is refused, finds nothing, or finds more than one page; then only the names
/// that match the generated pattern exactly (`sequence::canary_role`).
pub async fn find(client: &WriteClient) -> Result<Vec<Created>, String> {
    let mut found = Vec::new();
    for (group, attr) in [(false, "userName"), (true, "displayName")] {
        let kind = if group { "Groups" } else { "Users" };
        let extra = if group {
            "excludedAttributes=members&"
        } else {
            ""
        };
        let filtered = format!(
            "/{kind}?{extra}filter={}&startIndex=1&count=100",
            filter_query(&format!("{attr} sw \"{CANARY_PREFIX}\""))
        );
        let r = client.send("GET", &filtered, None).await;
        let listed = match r.json().filter(|_| r.status == Some(200)) {
            Some(j) if j.get("Resources").is_some() || j.get("totalResults").is_some() => {
                let n = j.get("totalResults").and_then(Value::as_u64).unwrap_or(0);
                // An empty answer proves nothing: a server that does not implement `sw` may
                // answer "no match" instead of 400, so only a full listing shows there is none.
                if n > 100 || resources(&j).is_empty() {
                    scan(client, kind, extra).await?
                } else {
                    resources(&j)
                }
            }
            _ => scan(client, kind, extra).await?,
        };
        let roles: &[_] = if group { &GROUP_ROLES } else { &USER_ROLES };
        for res in listed {
            let name = res.get(attr).and_then(Value::as_str).unwrap_or("");
            // The server's `sw` filter is only a first sieve: a name counts when it is
            // exactly one this tool generates, whatever else starts with the prefix.
            if let (Some(_), Some(id)) = (
                canary_role(name, roles),
                res.get("id").and_then(Value::as_str),
            ) {
                found.push(Created {
                    group,
                    id: id.to_string(),
                    name: name.to_string(),
                });
            }
        }
    }
    Ok(found)
}

fn resources(j: &Value) -> Vec<Value> {
    j.get("Resources")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Pages through a whole listing (a server without `sw`): bounded at 1,000 pages.
async fn scan(client: &WriteClient, kind: &str, extra: &str) -> Result<Vec<Value>, String> {
    let mut all = Vec::new();
    let mut start = 1u64;
    for _ in 0..1000 {
        let r = client
            .send(
                "GET",
                &format!("/{kind}?{extra}startIndex={start}&count=100"),
                None,
            )
            .await;
        let Some(j) = r.json().filter(|_| r.status == Some(200)) else {
            return Err(format!(
                "cannot list /{kind} to look for canaries: {}",
                r.describe()
            ));
        };
        let page = resources(&j);
        let total = j.get("totalResults").and_then(Value::as_u64).unwrap_or(0);
        if page.is_empty() {
            break;
        }
        start += page.len() as u64;
        all.extend(page);
        if start > total {
            break;
        }
    }
    Ok(all)
}

/// This run's canaries by their exact names (`userName eq` / `displayName eq`: the lookups
/// the IdPs need anyway, cheap on any tenant size).
pub async fn find_named(client: &WriteClient, users: &[String], groups: &[String]) -> Vec<Created> {
    let mut found = Vec::new();
    for (group, attr, names) in [(false, "userName", users), (true, "displayName", groups)] {
        let kind = if group { "Groups" } else { "Users" };
        let extra = if group {
            "excludedAttributes=members&"
        } else {
            ""
        };
        for name in names {
            let path = format!(
                "/{kind}?{extra}filter={}",
                filter_query(&format!("{attr} eq \"{name}\""))
            );
            let r = client.send("GET", &path, None).await;
            let Some(j) = r.json().filter(|_| r.status == Some(200)) else {
                continue;
            };
            for res in resources(&j) {
                let same = res
                    .get(attr)
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name));
                if let (true, Some(id)) = (same, res.get("id").and_then(Value::as_str)) {
                    found.push(Created {
                        group,
                        id: id.to_string(),
                        name: name.clone(),
                    });
                }
            }
        }
    }
    found
}
