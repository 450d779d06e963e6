//! The explain-user "Mapping" stage: with the Entra synchronization schema (`--idp-config`)
//! and the user's row in the IdP export (`--idp-users`), what each mapped target attribute
//! would be for this user (the expression evaluator, `idpconfig::eval`), and which target
//! user Entra would match, trying the matching attributes in precedence order and stopping
//! at the first hit, as Entra does.

use super::matching::MatchOutcome;
use super::StageStatus;
use crate::idpconfig::eval::eval;
use crate::idpconfig::expr::{self, Val};
use crate::idpconfig::schema::{target_root, Schema};
use crate::idpconfig::IdpConfig;
use crate::model::{Tenant, User};
use crate::scope::{AttrValue, IdpUser};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct MappedValue {
    pub target: String,
    pub source: String,
    /// The value Entra would send; `None` when the expression gives null (nothing flows).
    pub value: Option<String>,
    /// Why the value is absent or approximate (not evaluated, missing attribute, default).
    pub note: Option<String>,
    /// False when the value cannot be known before Entra runs (Now, Guid, a default that
    /// depends on whether the user is created or updated): `value` is then absent, and
    /// must be read as "not known", not as null.
    pub known: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatchStep {
    pub priority: i64,
    pub target: String,
    pub value: Option<String>,
    /// Target users whose attribute equals the value.
    pub matches: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappingStage {
    pub status: StageStatus,
    pub summary: String,
    pub values: Vec<MappedValue>,
    pub matching: Vec<MatchStep>,
    /// The target user Entra would update, when one matches.
    pub would_match: Option<String>,
    /// What the schema's matching attributes conclude (`None`: skipped, or the schema has no
    /// matching attribute). With a schema, this is the match Entra performs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<MatchOutcome>,
    /// Required target attributes (userName, emails) whose mapping gives null for this user.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_required: Vec<String>,
}

impl MappingStage {
    pub fn skipped(why: &str) -> Self {
        MappingStage {
            status: StageStatus::Skipped,
            summary: why.into(),
            values: Vec::new(),
            matching: Vec::new(),
            would_match: None,
            outcome: None,
            missing_required: Vec::new(),
        }
    }
}

/// An attribute of the export row; `IsSoftDeleted`, which Entra computes and exports do not
/// hold, is derived from accountEnabled and the scope verdict.
fn lookup(u: &IdpUser, in_scope: Option<bool>, name: &str) -> (Val, Option<String>) {
    match u.get(name) {
        Some(AttrValue::Text(t)) => (Val::Str(t.clone()), None),
        Some(AttrValue::Many(m)) => (Val::Many(m.clone()), None),
        None if name.eq_ignore_ascii_case("IsSoftDeleted") => {
            let deleted = u.account_enabled() == Some(false) || in_scope == Some(false);
            let known = u.account_enabled().is_some() || in_scope.is_some();
            (
                Val::Str(if deleted { "True" } else { "False" }.into()),
                Some(if known {
                    "IsSoftDeleted derived from accountEnabled and the scope stage (assignment not known)".into()
                } else {
                    "IsSoftDeleted assumed False (accountEnabled and scope unknown)".into()
                }),
            )
        }
        None => (
            Val::Null,
            Some(format!("[{name}] is not in the export: read as null")),
        ),
    }
}

fn matches(t: &Tenant, target: &str, value: &str, case_exact: bool) -> Vec<String> {
    let eq = |v: Option<&str>| {
        v.is_some_and(|v| {
            if case_exact {
                v == value
            } else {
                v.eq_ignore_ascii_case(value)
            }
        })
    };
    let root = target_root(target).to_ascii_lowercase();
    t.users
        .iter()
        .filter(|u: &&User| match root.as_str() {
            "username" => eq(u.user_name.as_deref()),
            "externalid" => eq(u.external_id.as_deref()),
            "displayname" => eq(u.display_name.as_deref()),
            "emails" => u.email_values().into_iter().any(|e| eq(Some(e))),
            _ => false,
        })
        .map(|u| u.id.clone())
        .collect()
}

pub fn stage(
    idp: Option<&IdpConfig>,
    user: Option<&IdpUser>,
    in_scope: Option<bool>,
    tenant: &Tenant,
    required: &[String],
) -> MappingStage {
    let Some(schema) = idp.and_then(|c| c.schema.as_ref()) else {
        return MappingStage::skipped(
            "no synchronization schema given with --idp-config: mappings are not evaluated",
        );
    };
    let Some(user) = user else {
        return MappingStage::skipped("the user has no row in an --idp-users export, so the mappings have nothing to evaluate");
    };
    evaluate(schema, user, in_scope, tenant, required)
}

fn evaluate(
    schema: &Schema,
    user: &IdpUser,
    in_scope: Option<bool>,
    tenant: &Tenant,
    required: &[String],
) -> MappingStage {
    let mut values = Vec::new();
    let mut problems = 0;
    let mut missing_required = Vec::new();
    for m in &schema.mappings {
        let source = crate::checks::mapping::source_label(m);
        let mut known = true;
        // A mapping with only a default value is a constant; with a source, the default is
        // what Entra sends when the source is null, and only when it creates the user.
        let expression = m.source.clone().or_else(|| m.expr());
        let (value, mut note) = match expression {
            None => (
                None,
                Some(
                    m.source_error
                        .clone()
                        .map(|e| format!("cannot be parsed: {e}"))
                        .unwrap_or_else(|| "no source".into()),
                ),
            ),
            Some(e) => {
                let notes = std::cell::RefCell::new(Vec::new());
                let r = eval(&e, &|a: &str| {
                    let (v, n) = lookup(user, in_scope, a);
                    if let Some(n) = n {
                        notes.borrow_mut().push(n);
                    }
                    v
                });
                let mut notes = notes.into_inner();
                notes.dedup();
                match r {
                    Ok(v) => (
                        v.text(),
                        if notes.is_empty() {
                            None
                        } else {
                            Some(notes.join("; "))
                        },
                    ),
                    Err(why) if expr::is_not_known(&why) => {
                        known = false;
                        (None, Some(why))
                    }
                    Err(why) => (None, Some(format!("not evaluated: {why}"))),
                }
            }
        };
        // A null source with a default: Entra sends the default only when it creates the
        // user, so the value waits for the matching below (created, or updated: nothing).
        let pending_default =
            value.is_none() && known && m.source.is_some() && m.default_value.is_some();
        if let Some(d) = m.default_value.as_ref().filter(|_| pending_default) {
            known = false;
            note = Some(format!(
                "not known: the source is null, and Entra sends the default {d:?} only when it creates the user; an existing user gets nothing"
            ));
        }
        // A value that could not be evaluated is not known, which is not the same as null.
        let unknown = (!known && !pending_default)
            || note
                .as_deref()
                .is_some_and(|n| n.starts_with("not evaluated") || n.starts_with("cannot"));
        if unknown {
            problems += 1;
        } else if !pending_default
            && value.as_deref().is_none_or(|v| v.trim().is_empty())
            && required
                .iter()
                .any(|r| r.eq_ignore_ascii_case(target_root(&m.target)))
        {
            missing_required.push(m.target.clone());
        }
        values.push(MappedValue {
            target: m.target.clone(),
            source,
            value,
            note,
            known,
        });
    }
    let mut steps = Vec::new();
    let mut would_match = None;
    let mut ambiguous = false;
    // A matching value that could not be evaluated leaves whom Entra matches unknown.
    let mut unknown_step: Option<String> = None;
    for m in schema.matching() {
        let mapped = values.iter().find(|v| v.target == m.target);
        if mapped.is_some_and(|v| {
            !v.known
                || v.note
                    .as_deref()
                    .is_some_and(|n| n.starts_with("not evaluated") || n.starts_with("cannot"))
        }) {
            unknown_step = Some(m.target.clone());
            steps.push(MatchStep {
                priority: m.matching_priority,
                target: m.target.clone(),
                value: None,
                matches: Vec::new(),
            });
            break;
        }
        let value = mapped
            .and_then(|v| v.value.clone())
            // An empty string matches nobody: Entra needs a value to look up.
            .filter(|v| !v.trim().is_empty());
        let case_exact = schema
            .target_attributes
            .iter()
            .any(|a| a.case_exact && a.name.eq_ignore_ascii_case(&m.target));
        let found = value
            .as_deref()
            .map(|v| matches(tenant, &m.target, v, case_exact))
            .unwrap_or_default();
        let hit = !found.is_empty();
        if found.len() > 1 {
            ambiguous = true;
        } else if hit {
            would_match = found.first().cloned();
        }
        steps.push(MatchStep {
            priority: m.matching_priority,
            target: m.target.clone(),
            value,
            matches: found,
        });
        if hit {
            break;
        }
    }
    // A default waiting on create-versus-update is decided by the matching replayed above:
    // a match means an update (nothing sent), no match on known values a creation.
    let created = if unknown_step.is_some() {
        None
    } else if would_match.is_some() {
        Some(false)
    } else if !ambiguous && !steps.is_empty() && steps.iter().all(|s| s.value.is_some()) {
        Some(true)
    } else {
        None
    };
    for (v, m) in values.iter_mut().zip(&schema.mappings) {
        let waiting = !v.known
            && v.value.is_none()
            && v.note
                .as_deref()
                .is_some_and(|n| n.contains("only when it creates"));
        let Some(d) = m.default_value.as_ref().filter(|_| waiting) else {
            continue;
        };
        match created {
            Some(true) => {
                v.value = Some(d.clone());
                v.known = true;
                v.note = Some(format!(
                    "the default {d:?}: the source is null and no target user matches, so Entra creates the user with it"
                ));
            }
            Some(false) => {
                v.known = true;
                v.note = Some("null: the source is null and the user exists in the target, so Entra sends nothing (the default is for creation only)".into());
            }
            None => {}
        }
    }
    let all_null =
        unknown_step.is_none() && !steps.is_empty() && steps.iter().all(|s| s.value.is_none());
    let outcome = if steps.is_empty() || unknown_step.is_some() {
        None
    } else if ambiguous {
        Some(MatchOutcome::Ambiguous)
    } else if would_match.is_some() {
        Some(MatchOutcome::Matched)
    } else if all_null {
        Some(MatchOutcome::Unknown)
    } else {
        Some(MatchOutcome::NoMatch)
    };
    let (status, summary) = if !missing_required.is_empty() {
        (
            StageStatus::Fail,
            format!(
                "{} would be null for this user: Entra sends the user without it",
                missing_required.join(", ")
            ),
        )
    } else if all_null {
        (
            StageStatus::Fail,
            "every matching attribute is null for this user: Entra skips it (ImportSkipped)".into(),
        )
    } else if ambiguous {
        let step = steps.last();
        (
            StageStatus::Fail,
            format!(
                "{} {:?} is held by {} target users ({}): Entra stops with DuplicateTargetEntries",
                step.map(|s| s.target.as_str())
                    .unwrap_or("a matching attribute"),
                step.and_then(|s| s.value.as_deref()).unwrap_or(""),
                step.map(|s| s.matches.len()).unwrap_or(0),
                step.map(|s| s.matches.join(", ")).unwrap_or_default()
            ),
        )
    } else if let Some(target) = &unknown_step {
        (
            StageStatus::Warn,
            format!("the matching attribute {target} could not be evaluated for this user, so whom Entra matches is not known"),
        )
    } else if steps.is_empty() {
        (
            StageStatus::Warn,
            "no matching attribute in the schema: Entra cannot match, it creates the user".into(),
        )
    } else {
        let head = match &would_match {
            Some(id) => format!(
                "Entra would match target user {id} by {}",
                steps.last().map(|s| s.target.as_str()).unwrap_or("?")
            ),
            None => "no target user holds the matching values: Entra would create the user".into(),
        };
        let st = if problems > 0 {
            StageStatus::Warn
        } else {
            StageStatus::Ok
        };
        let lacking = values
            .iter()
            .filter(|v| {
                v.note
                    .as_deref()
                    .is_some_and(|n| n.contains("is not in the export"))
            })
            .count();
        let mut tail = String::new();
        if problems > 0 {
            tail.push_str(&format!(", {problems} not evaluated"));
        }
        if lacking > 0 {
            tail.push_str(&format!(
                ", {} an attribute the export lacks (read as null)",
                crate::util::plural(lacking, "reads", "read")
            ));
        }
        (
            st,
            format!(
                "{head}; {} evaluated{tail}",
                crate::util::plural(values.len(), "mapping", "mappings")
            ),
        )
    };
    MappingStage {
        status,
        summary,
        values,
        matching: steps,
        would_match,
        outcome,
        missing_required,
    }
}
