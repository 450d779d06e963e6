//! Who the query is: the target users it names directly, the values Entra would send for
//! matching (`userName` from the UPN, `externalId` from mailNickname under the default
//! mapping), every target user related to the person (case variants, soft-delete
//! leftovers, shared email or externalId), and the closest names when nothing matches.

use crate::logs::LogEntry;
use crate::model::{Tenant, User};

/// Why a target user belongs to the person being explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// The query is this user's id, userName, externalId or email.
    Named,
    /// Found by the `userName eq` / `externalId eq` lookup Entra performs.
    Matched,
    /// Its userName is `<32 hex><userName>`: the soft-delete rewrite (a heuristic, not
    /// confirmed by Microsoft's docs: reference section 2).
    SoftDeleteLeftover,
    SameEmail,
    SameExternalId,
}

/// The person behind the query, as far as the inputs tell.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub query: String,
    /// Target users the query names directly (indices into `tenant.users`).
    pub named: Vec<usize>,
    /// The userName Entra sends in `userName eq`, and where it came from.
    pub user_name: Option<(String, &'static str)>,
    /// The externalId Entra sends in `externalId eq`, and where it came from.
    pub external_id: Option<(String, &'static str)>,
    /// Email addresses of the person (IdP, logs, named users).
    pub emails: Vec<String>,
    /// Log entries about the person (indices into the log entries).
    pub log_entries: Vec<usize>,
    /// Attributes from the IdP export, when the person is in it.
    pub idp: Option<IdpRecord>,
}

/// The IdP side of the person (from `--idp-users`).
#[derive(Debug, Clone, Default)]
pub struct IdpRecord {
    pub user_principal_name: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: Option<String>,
    pub object_id: Option<String>,
    /// Every attribute of the export row, for the Import stage.
    pub attributes: Vec<(String, String)>,
}

/// The original userName of a soft-delete rewrite (`^[0-9a-fA-F]{32}(.+@.+)$`), if the
/// userName has that form.
pub fn soft_delete_original(user_name: &str) -> Option<&str> {
    let (head, rest) = user_name.split_at_checked(32)?;
    if !head.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let (local, domain) = rest.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(rest)
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Does the query name this user directly?
fn names(u: &User, q: &str) -> bool {
    if q.is_empty() {
        return false;
    }
    u.id == q
        || u.user_name.as_deref().is_some_and(|n| eq_ci(n, q))
        || u.external_id.as_deref().is_some_and(|e| e == q)
        || u.email_values().iter().any(|e| eq_ci(e, q))
}

pub fn resolve(
    query: &str,
    tenant: &Tenant,
    idp: Option<IdpRecord>,
    logs: &[LogEntry],
) -> Identity {
    let q = query.trim();
    let named: Vec<usize> = tenant
        .users
        .iter()
        .enumerate()
        .filter(|(_, u)| names(u, q))
        .map(|(i, _)| i)
        .collect();
    // A named user that is itself a soft-delete leftover tells us the person's real userName.
    let live_named: Vec<&User> = named
        .iter()
        .map(|&i| &tenant.users[i])
        .filter(|u| {
            u.user_name
                .as_deref()
                .and_then(soft_delete_original)
                .is_none()
        })
        .collect();

    let mut id = Identity {
        query: q.to_string(),
        named: named.clone(),
        idp: idp.clone(),
        ..Default::default()
    };
    let mut log_keys: Vec<String> = vec![q.to_lowercase()];
    if let Some(r) = &idp {
        for v in [
            &r.user_principal_name,
            &r.mail,
            &r.object_id,
            &r.mail_nickname,
        ]
        .into_iter()
        .flatten()
        {
            log_keys.push(v.to_lowercase());
        }
    }
    for &i in &named {
        let u = &tenant.users[i];
        log_keys.push(u.id.to_lowercase());
        if let Some(n) = &u.user_name {
            log_keys.push(n.to_lowercase());
        }
    }
    id.log_entries = logs
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.identifiers()
                .any(|s| log_keys.contains(&s.trim().to_lowercase()))
        })
        .map(|(i, _)| i)
        .collect();
    let log_upn = id
        .log_entries
        .iter()
        .filter_map(|&i| logs[i].source_name.as_deref())
        .find(|n| n.contains('@'))
        .map(str::to_string);

    id.user_name = idp
        .as_ref()
        .and_then(|r| r.user_principal_name.clone())
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v, "the IdP export (userPrincipalName)"))
        .or_else(|| log_upn.map(|v| (v, "the provisioning logs (source UPN)")))
        .or_else(|| {
            live_named
                .iter()
                .find_map(|u| u.user_name.clone())
                .map(|v| (v, "the target user named by the query"))
        })
        .or_else(|| {
            named
                .iter()
                .find_map(|&i| {
                    tenant.users[i]
                        .user_name
                        .as_deref()
                        .and_then(soft_delete_original)
                })
                .map(|v| {
                    (
                        v.to_string(),
                        "the soft-deleted target user's original userName",
                    )
                })
        })
        .or_else(|| q.contains('@').then(|| (q.to_string(), "the query")));
    id.external_id = idp
        .as_ref()
        .and_then(|r| r.mail_nickname.clone())
        .filter(|v| !v.trim().is_empty())
        .map(|v| (v, "the IdP export (mailNickname, Entra's default mapping)"))
        .or_else(|| {
            live_named
                .iter()
                .find_map(|u| u.external_id.clone().filter(|v| !v.trim().is_empty()))
                .map(|v| (v, "the target user named by the query"))
        });
    let mut emails: Vec<String> = Vec::new();
    if let Some(m) = idp.as_ref().and_then(|r| r.mail.clone()) {
        emails.push(m);
    }
    for &i in &named {
        emails.extend(
            tenant.users[i]
                .email_values()
                .into_iter()
                .map(str::to_string),
        );
    }
    if q.contains('@') {
        emails.push(q.to_string());
    }
    let mut seen = Vec::new();
    emails.retain(|e| !e.trim().is_empty());
    emails.retain(|e| {
        let k = e.to_lowercase();
        let fresh = !seen.contains(&k);
        seen.push(k);
        fresh
    });
    id.emails = emails;
    id
}

/// Every target user related to the person, with the strongest reason.
pub fn related(tenant: &Tenant, id: &Identity, matched: &[String]) -> Vec<(usize, Relation)> {
    let mut out: Vec<(usize, Relation)> = Vec::new();
    for (i, u) in tenant.users.iter().enumerate() {
        let rel = if id.named.contains(&i) {
            Some(Relation::Named)
        } else if matched.contains(&u.id) {
            Some(Relation::Matched)
        } else if let (Some(orig), Some((un, _))) = (
            u.user_name.as_deref().and_then(soft_delete_original),
            &id.user_name,
        ) {
            eq_ci(orig, un).then_some(Relation::SoftDeleteLeftover)
        } else {
            None
        };
        let rel = rel
            .or_else(|| {
                u.email_values()
                    .iter()
                    .any(|e| id.emails.iter().any(|m| eq_ci(e, m)))
                    .then_some(Relation::SameEmail)
            })
            .or_else(|| {
                match (&u.external_id, &id.external_id) {
                    // An empty externalId is no value: it relates nobody.
                    (Some(a), Some((b, _))) => !b.trim().is_empty() && a == b,
                    _ => false,
                }
                .then_some(Relation::SameExternalId)
            });
        if let Some(r) = rel {
            // A leftover is worth naming as such even when the query named it.
            let r = if r != Relation::SoftDeleteLeftover
                && u.user_name
                    .as_deref()
                    .and_then(soft_delete_original)
                    .is_some()
            {
                Relation::SoftDeleteLeftover
            } else {
                r
            };
            out.push((i, r));
        }
    }
    out
}

/// Up to five known names closest to the query (for "not found"), nearest first.
pub fn closest(query: &str, candidates: impl Iterator<Item = String>) -> Vec<String> {
    let q = query.trim().to_lowercase();
    let q_local = q.split('@').next().unwrap_or(&q).to_string();
    let mut scored: Vec<(usize, String)> = Vec::new();
    for c in candidates {
        let lc = c.to_lowercase();
        if lc.is_empty() || scored.iter().any(|(_, s)| s.to_lowercase() == lc) {
            continue;
        }
        let local = lc.split('@').next().unwrap_or(&lc).to_string();
        let d = crate::util::edit_distance(&q, &lc)
            .min(crate::util::edit_distance(&q_local, &local) + 1);
        let limit = (q_local.chars().count() * 2 / 5).max(2);
        if d <= limit || (q_local.chars().count() >= 3 && local.contains(&q_local)) {
            scored.push((d, c));
        }
    }
    scored.sort();
    scored.into_iter().take(5).map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // proves the soft-delete heuristic recognises the Entra rewrite and nothing else
    #[test]
    fn soft_delete_pattern() {
        assert_eq!(
            soft_delete_original("0a1b2c3d4e5f60718293a4b5c6d7e8f9bob@contoso.com"),
            Some("bob@contoso.com")
        );
        assert_eq!(soft_delete_original("bob@contoso.com"), None);
        assert_eq!(
            soft_delete_original("0a1b2c3d4e5f60718293a4b5c6d7e8bob@contoso.com"),
            None
        );
    }

    // proves that typos find the intended user and unrelated names are not suggested
    #[test]
    fn closest_names() {
        let names = [
            "alice@contoso.com",
            "alicia@contoso.com",
            "bob@contoso.com",
            "zed@fabrikam.com",
        ];
        let got = closest("alcie@contoso.com", names.iter().map(|s| s.to_string()));
        assert_eq!(got.first().map(String::as_str), Some("alice@contoso.com"));
        assert!(!got.contains(&"zed@fabrikam.com".to_string()));
        assert!(!got.contains(&"bob@contoso.com".to_string()), "{got:?}");
        let none = closest("kim@contoso.com", names.iter().map(|s| s.to_string()));
        assert!(none.is_empty(), "{none:?}");
        let domain = closest("zed@contoso.com", names.iter().map(|s| s.to_string()));
        assert_eq!(domain, vec!["zed@fabrikam.com".to_string()]);
    }
}
