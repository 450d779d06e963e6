//! The IdP-side stages: Import (is the user in the IdP export, with which attributes) and
//! Scope (the scoping filter evaluated clause by clause by the scope evaluator). Without an
//! export, the filter is evaluated on the target user as Entra's source view of it (the
//! scope work's `IdpUser::from_scim`), and the stage says so.

use super::identity::{Identity, IdpRecord};
use super::{ClauseVerdict, ImportStage, ScopeGroupVerdict, ScopeStage, StageStatus};
use crate::model::Tenant;
use crate::scope::{IdpUser, Outcome, ScopeInputs, Verdict};

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The IdP user the person is: by UPN or mail (any case), object id or mailNickname,
/// compared with the query and with the target users the query names.
pub fn find_idp<'a>(users: &'a [IdpUser], id: &Identity, tenant: &Tenant) -> Option<&'a IdpUser> {
    let mut keys: Vec<String> = vec![id.query.clone()];
    for &i in &id.named {
        let u = &tenant.users[i];
        keys.extend(u.user_name.iter().cloned());
        keys.extend(u.external_id.iter().cloned());
        keys.extend(u.email_values().into_iter().map(str::to_string));
    }
    // A blank identifier is no value: it would pair the person with any row lacking it.
    keys.retain(|k| !k.trim().is_empty());
    let hit = |u: &&IdpUser| {
        keys.iter().any(|k| {
            u.user_principal_name().is_some_and(|v| eq_ci(v, k))
                || u.mail().is_some_and(|v| eq_ci(v, k))
                || u.object_id().is_some_and(|v| v.trim() == k.trim())
                || u.mail_nickname().is_some_and(|v| v.trim() == k.trim())
        })
    };
    // The query itself first: a named target user's other identifiers are weaker evidence.
    users
        .iter()
        .find(|u| {
            let q = &id.query;
            u.user_principal_name().is_some_and(|v| eq_ci(v, q))
                || u.mail().is_some_and(|v| eq_ci(v, q))
                || u.object_id().is_some_and(|v| v.trim() == q.trim())
        })
        .or_else(|| users.iter().find(hit))
}

/// Attribute list of an IdP user, sorted by name, in Entra's spelling.
fn attributes(u: &IdpUser) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = u
        .attributes
        .iter()
        .map(|(k, v)| {
            let name = u.names.get(k).cloned().unwrap_or_else(|| k.clone());
            let text = match v {
                crate::scope::AttrValue::Text(s) => s.clone(),
                crate::scope::AttrValue::Many(items) => items.join(", "),
            };
            (name, text)
        })
        .collect();
    out.sort_by_key(|a| a.0.to_lowercase());
    out
}

pub fn record(u: &IdpUser) -> IdpRecord {
    IdpRecord {
        user_principal_name: u.user_principal_name().map(str::to_string),
        mail: u.mail().map(str::to_string),
        mail_nickname: u.mail_nickname().map(str::to_string),
        object_id: u.object_id().map(str::to_string),
        attributes: attributes(u),
    }
}

pub fn import_stage(scope: Option<&ScopeInputs>, found: Option<&IdpUser>) -> ImportStage {
    let Some(users) = scope.and_then(|s| s.idp_users.as_ref()) else {
        return ImportStage {
            status: StageStatus::Skipped,
            summary: "no --idp-users given: the IdP side is not simulated".into(),
            attributes: Vec::new(),
        };
    };
    let from = scope
        .and_then(|s| s.idp_export.as_ref())
        .map(|e| format!("{} ({})", e.path, e.format.describe()))
        .unwrap_or_else(|| "the IdP export".into());
    match found {
        None => ImportStage {
            status: StageStatus::Fail,
            summary: format!(
                "expected the user in {from}, got no user with this userPrincipalName, mail, object id or mailNickname among {}",
                crate::util::plural(users.len(), "user", "users")
            ),
            attributes: Vec::new(),
        },
        Some(u) => {
            let disabled = u.account_enabled() == Some(false);
            ImportStage {
                status: if disabled { StageStatus::Warn } else { StageStatus::Ok },
                summary: if disabled {
                    format!("found in {from} ({}), but accountEnabled is false: Entra disables the user in the target", u.origin)
                } else {
                    format!("found in {from} ({})", u.origin)
                },
                attributes: attributes(u),
            }
        }
    }
}

fn skipped_scope(summary: &str) -> ScopeStage {
    ScopeStage {
        status: StageStatus::Skipped,
        summary: summary.to_string(),
        in_scope: None,
        groups: Vec::new(),
    }
}

/// Evaluates the filter for the IdP user, or for the target user's source view without an
/// export. `target_view` is the fallback subject.
pub fn scope_stage(
    scope: Option<&ScopeInputs>,
    idp: Option<&IdpUser>,
    target_view: Option<IdpUser>,
) -> ScopeStage {
    let Some(filter) = scope.and_then(|s| s.filter.as_ref()) else {
        return skipped_scope("no --scope-filter given: scoping is not simulated");
    };
    let export_given = scope.is_some_and(|s| s.idp_users.is_some());
    let (subject, note) =
        match (idp, target_view) {
            (Some(u), _) => (u.clone(), "the IdP export's values"),
            (None, Some(v)) if !export_given => (
                v,
                "the target user's values mapped back to Entra attributes (no --idp-users given)",
            ),
            _ => return skipped_scope(
                "the user is not in the IdP export, so there is nothing to evaluate the filter on",
            ),
        };
    let eval = filter.evaluate(&subject);
    let groups: Vec<ScopeGroupVerdict> = eval
        .groups
        .iter()
        .map(|g| ScopeGroupVerdict {
            name: g.name.clone(),
            passed: g.passed,
            clauses: g
                .clauses
                .iter()
                .map(|c| ClauseVerdict {
                    attribute: c.attribute.clone(),
                    operator: c.operator.clone(),
                    expected: c.expected.join(" or "),
                    seen: c.seen.clone(),
                    passed: c.verdict.is_pass(),
                    verdict: match &c.verdict {
                        Verdict::Pass => "pass".into(),
                        Verdict::Fail => "fail".into(),
                        Verdict::Invalid(r) => format!("cannot be evaluated: {r}"),
                    },
                })
                .collect(),
        })
        .collect();
    let (status, in_scope, summary) = match eval.outcome {
        _ if eval.no_filter => (
            StageStatus::Ok,
            Some(true),
            "the filter has no groups: every assigned user is in scope".to_string(),
        ),
        Outcome::InScope => {
            let passed: Vec<&str> = groups.iter().filter(|g| g.passed).map(|g| g.name.as_str()).collect();
            (
                StageStatus::Ok,
                Some(true),
                format!("in scope: group {} holds (evaluated on {note})", passed.join(", ")),
            )
        }
        Outcome::OutOfScope => (
            StageStatus::Fail,
            Some(false),
            format!("out of scope: no filter group holds (evaluated on {note})"),
        ),
        Outcome::Undetermined => (
            StageStatus::Warn,
            None,
            format!("undetermined: no group holds and a clause cannot be evaluated (evaluated on {note}); `scope-filter-invalid` explains the clause"),
        ),
    };
    ScopeStage {
        status,
        summary,
        in_scope,
        groups,
    }
}
