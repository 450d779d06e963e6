//! Scope checks (area Scope): `scope-filter-invalid`, `out-of-scope`, `not-provisioned` and
//! `stale-in-target`. They read `--scope-filter` / `--idp-users` (already parsed into
//! `ScopeInputs`) and the tenant; the population is the IdP export when given, else the SCIM
//! users mapped back to Entra attribute names (reference section 2, seed 004 "Scoping Filter
//! in Users/Groups").

use super::{Area, CheckDef, Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::model::Tenant;
use crate::scope::population::{population, IdpIndex, MatchedBy, PopulationSource, TargetIndex};
use crate::scope::{IdpUser, Outcome, ScopeFilter, ScopeInputs, Verdict};
use crate::util::plural;
use serde_json::json;
use std::collections::HashSet;

pub const SCOPE_FILTER_INVALID: &str = "scope-filter-invalid";
pub const OUT_OF_SCOPE: &str = "out-of-scope";
pub const NOT_PROVISIONED: &str = "not-provisioned";
pub const STALE_IN_TARGET: &str = "stale-in-target";

pub fn checks() -> Vec<CheckDef> {
    vec![
        CheckDef {
            id: SCOPE_FILTER_INVALID,
            area: Area::Scope,
            run: scope_filter_invalid,
        },
        CheckDef {
            id: OUT_OF_SCOPE,
            area: Area::Scope,
            run: out_of_scope,
        },
        CheckDef {
            id: NOT_PROVISIONED,
            area: Area::Scope,
            run: not_provisioned,
        },
        CheckDef {
            id: STALE_IN_TARGET,
            area: Area::Scope,
            run: stale_in_target,
        },
    ]
}

const NEED_FILTER: &str = "not run: no scoping filter given (--scope-filter FILE: the Graph synchronization schema JSON, its scope object, or the TOML form)";
const NEED_IDP: &str = "not run: needs the IdP's users (--idp-users FILE: Entra users CSV, Okta users CSV or Graph /users JSON) to compare with the target";

fn filter_of<'a>(ctx: &Ctx<'a>) -> Option<(&'a ScopeInputs, &'a ScopeFilter)> {
    let inputs = ctx.scope?;
    inputs.filter.as_ref().map(|f| (inputs, f))
}

/// A subject for an evaluated user: the SCIM user itself when the population is the tenant,
/// else an IdP-export entry named by its UPN (or objectId, or where it came from).
fn subject(
    u: &IdpUser,
    index: usize,
    from: PopulationSource,
    tenant: Option<&Tenant>,
    detail: String,
) -> Subject {
    if from == PopulationSource::ScimUsers {
        if let Some(t) = tenant.and_then(|t| t.users.get(index)) {
            return Subject::user(t, detail);
        }
    }
    idp_subject(u, detail)
}

fn idp_subject(u: &IdpUser, detail: String) -> Subject {
    let id = u
        .user_principal_name()
        .or(u.object_id())
        .unwrap_or(&u.origin)
        .to_string();
    let mut s = Subject::item(SubjectKind::Entry, id, detail);
    s.user_name = u.user_principal_name().map(str::to_string);
    s.display_name = u.display_name().map(str::to_string);
    s.emails = u.mail().map(|m| vec![m.to_string()]).unwrap_or_default();
    s.active = u.account_enabled();
    s
}

fn population_name(from: PopulationSource) -> &'static str {
    match from {
        PopulationSource::IdpExport => "users of the IdP export",
        PopulationSource::ScimUsers => "target's SCIM users",
    }
}

fn unmapped(inputs: &ScopeInputs) -> Vec<String> {
    inputs
        .idp_export
        .as_ref()
        .map(|x| x.unmapped.clone())
        .unwrap_or_default()
}

fn scope_filter_invalid(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = SCOPE_FILTER_INVALID;
    let Some((inputs, filter)) = filter_of(ctx) else {
        return CheckResult::skipped(id, NEED_FILTER);
    };
    let issues = filter.issues();
    let mut subjects: Vec<Subject> = issues
        .iter()
        .map(|i| {
            Subject::item(
                SubjectKind::Item,
                i.id(),
                format!("{}: {}", i.clause_text, i.reason),
            )
        })
        .collect();
    let broken: HashSet<(usize, usize)> = issues.iter().map(|i| (i.group, i.clause)).collect();
    let mut data_users = 0;
    let mut undetermined = 0;
    if let Some((users, from)) = population(inputs, ctx.tenant) {
        for (i, u) in users.iter().enumerate() {
            let d = filter.decide(u);
            if d.outcome == Outcome::Undetermined {
                undetermined += 1;
            }
            // Clauses broken for everyone are listed once above; here only the users whose
            // own values cannot be compared.
            let own: Vec<String> = d
                .misses
                .iter()
                .filter(|m| {
                    matches!(m.verdict, Verdict::Invalid(_))
                        && !broken.contains(&(m.group, m.clause))
                })
                .map(|m| m.describe())
                .collect();
            if !own.is_empty() {
                data_users += 1;
                subjects.push(subject(u, i, from, ctx.tenant, own.join("; ")));
            }
        }
    }
    let data = json!({
        "filter": filter.source,
        "clauses": filter.clause_count(),
        "invalid_clauses": issues.len(),
        "users_with_incomparable_values": data_users,
        "undetermined_users": undetermined,
    });
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "all {} of the filter use documented operators, compile, and every user's values could be compared",
                plural(filter.clause_count(), "clause", "clauses")
            ),
        )
        .with_data(data);
    }
    let mut parts = Vec::new();
    if !issues.is_empty() {
        parts.push(format!(
            "{} cannot be evaluated for anyone",
            plural(issues.len(), "clause", "clauses")
        ));
    }
    if data_users > 0 {
        parts.push(format!(
            "{} values a clause cannot compare",
            plural(data_users, "user has", "users have")
        ));
    }
    let tail = if undetermined > 0 {
        format!(
            "; the scope of {} cannot be decided",
            plural(undetermined, "user", "users")
        )
    } else {
        String::new()
    };
    let message = format!(
        "expected every clause to use a documented operator on a single-valued attribute with a usable value, but {}{tail}",
        parts.join(" and ")
    );
    CheckResult::found(
        id,
        Status::Fail,
        message,
        "rewrite the listed clauses with documented operators (EQUALS, NOT EQUALS, ENDS_WITH, Includes, REGEX MATCH, IS NULL...), on single-valued attributes, with regexes that avoid look-around and backreferences; for users listed with values, fix the attribute in the directory (integers for Greater_Than and &, true/false for IS TRUE/IS FALSE). Entra does not support IsMemberOf or multi-valued attributes in scoping filters: use group assignment instead",
        subjects,
    )
    .with_data(data)
}

fn out_of_scope(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = OUT_OF_SCOPE;
    let Some((inputs, filter)) = filter_of(ctx) else {
        return CheckResult::skipped(id, NEED_FILTER);
    };
    let Some((users, from)) = population(inputs, ctx.tenant) else {
        return CheckResult::skipped(
            id,
            ctx.no_tenant_reason
                .unwrap_or("not run: no users to evaluate: give --idp-users FILE or a tenant (--snapshot / --base-url)"),
        );
    };
    let (mut inside, mut undetermined) = (0usize, 0usize);
    let mut subjects = Vec::new();
    for (i, u) in users.iter().enumerate() {
        let d = filter.decide(u);
        match d.outcome {
            Outcome::InScope => inside += 1,
            Outcome::Undetermined => undetermined += 1,
            Outcome::OutOfScope => {
                let why: Vec<String> = d.misses.iter().map(|m| m.describe()).collect();
                subjects.push(subject(u, i, from, ctx.tenant, why.join("; ")));
            }
        }
    }
    let data = json!({
        "population": from,
        "users": users.len(),
        "in_scope": inside,
        "out_of_scope": subjects.len(),
        "undetermined": undetermined,
        "filter": filter.source,
        "unmapped_columns": unmapped(inputs),
    });
    if filter.is_empty() {
        return CheckResult::pass(
            id,
            "no scoping filter groups: every assigned user is in scope",
        )
        .with_data(data);
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "all {} of the {} are in scope of the filter",
                plural(users.len() - undetermined, "user", "users"),
                population_name(from)
            ),
        )
        .with_data(data);
    }
    let message = format!(
        "expected the users to be in scope of the filter, but {} of {} {} {} out of scope (Entra skips them, or disables them if they were provisioned)",
        subjects.len(),
        users.len(),
        population_name(from),
        if subjects.len() == 1 { "is" } else { "are" }
    );
    CheckResult::found(
        id,
        Status::Warn,
        message,
        "for each listed user the first failing clause of every filter group is shown: if the user should be provisioned, correct that attribute in the directory or change the filter (Entra admin center > Enterprise applications > the app > Provisioning > Mappings > Provision Microsoft Entra ID Users > Source object scope); note that saving a scoping filter triggers a full sync and users falling out of scope are disabled in the target",
        subjects,
    )
    .with_data(data)
}

fn not_provisioned(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = NOT_PROVISIONED;
    let Some(inputs) = ctx.scope.filter(|s| s.idp_users.is_some()) else {
        return CheckResult::skipped(id, NEED_IDP);
    };
    let tenant = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(skip) => return skip,
    };
    let users = inputs.idp_users.as_deref().unwrap_or_default();
    let filter = inputs.filter.as_ref();
    let index = TargetIndex::new(&tenant.users);
    let (mut in_scope, mut by_name, mut by_nick, mut by_oid) = (0usize, 0usize, 0usize, 0usize);
    let mut subjects = Vec::new();
    for u in users {
        let scope_note = match filter {
            None => String::new(),
            Some(f) => {
                let d = f.decide(u);
                if d.outcome != Outcome::InScope {
                    continue;
                }
                "in scope of the filter, ".to_string()
            }
        };
        in_scope += 1;
        match index.find(u) {
            Some((_, MatchedBy::UserName)) => by_name += 1,
            Some((_, MatchedBy::ExternalIdMailNickname)) => by_nick += 1,
            Some((_, MatchedBy::ExternalIdObjectId)) => by_oid += 1,
            None => {
                let mut tried = vec![format!(
                    "userName {:?}",
                    u.user_principal_name().unwrap_or("")
                )];
                if let Some(n) = u.mail_nickname() {
                    tried.push(format!("externalId {n:?} (mailNickname)"));
                }
                if let Some(o) = u.object_id() {
                    tried.push(format!("externalId {o:?} (objectId)"));
                }
                let disabled = if u.account_enabled() == Some(false) {
                    " (disabled in the IdP)"
                } else {
                    ""
                };
                subjects.push(idp_subject(
                    u,
                    format!(
                        "{scope_note}but no target user has {}{disabled}",
                        tried.join(" or ")
                    ),
                ));
            }
        }
    }
    let data = json!({
        "idp_users": users.len(),
        "in_scope": in_scope,
        "filter_applied": filter.is_some(),
        "matched_by_user_name": by_name,
        "matched_by_external_id_mail_nickname": by_nick,
        "matched_by_external_id_object_id": by_oid,
        "missing": subjects.len(),
        "target_complete": tenant.is_complete(),
        "unmapped_columns": unmapped(inputs),
    });
    let scope_words = if filter.is_some() { "in-scope " } else { "" };
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "every {scope_words}IdP user ({}) exists in the target ({by_name} matched by userName, {} by externalId)",
                in_scope,
                by_nick + by_oid
            ),
        )
        .with_data(data);
    }
    let partial = if tenant.is_complete() {
        ""
    } else {
        " (the target data is incomplete: some may be on pages that were not fetched)"
    };
    let message = format!(
        "expected every {scope_words}IdP user to exist in the target (matched on userName, then externalId), but {} of {in_scope} {} missing{partial}",
        subjects.len(),
        if subjects.len() == 1 { "is" } else { "are" }
    );
    let assignment = if filter.is_none() {
        "; no --scope-filter was given, so every user of the export was expected: users who are not assigned to the app are listed too"
    } else {
        ""
    };
    CheckResult::found(
        id,
        Status::Fail,
        message,
        format!(
            "open the Entra provisioning logs for these users: skip reason NotEffectivelyEntitled means they are not assigned to the enterprise application (assign them or a group they are in); an error such as EntryConflict or InvalidAnchor means matching failed (check the userName / externalId mappings); then run Provision on demand for one user to confirm{assignment}"
        ),
        subjects,
    )
    .with_data(data)
}

fn stale_in_target(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = STALE_IN_TARGET;
    let Some(inputs) = ctx
        .scope
        .filter(|s| s.idp_users.is_some() || s.filter.is_some())
    else {
        return CheckResult::skipped(
            id,
            "not run: needs the IdP's users (--idp-users FILE) or a scoping filter (--scope-filter FILE)",
        );
    };
    let tenant = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(skip) => return skip,
    };
    let filter = inputs.filter.as_ref();
    let idp_index = inputs.idp_users.as_deref().map(IdpIndex::new);
    let mut subjects = Vec::new();
    let (mut active, mut absent, mut outside) = (0usize, 0usize, 0usize);
    for t in tenant.users.iter().filter(|u| u.is_active()) {
        active += 1;
        let (source_user, matched): (std::borrow::Cow<IdpUser>, Option<MatchedBy>) =
            match &idp_index {
                Some(ix) => match ix.find(t) {
                    Some((u, by)) => (std::borrow::Cow::Borrowed(u), Some(by)),
                    None => {
                        absent += 1;
                        let mut keys = Vec::new();
                        if let Some(n) = &t.user_name {
                            keys.push(format!("userPrincipalName {n:?}"));
                        }
                        if let Some(x) = &t.external_id {
                            keys.push(format!("mailNickname or objectId {x:?}"));
                        }
                        let keys = if keys.is_empty() {
                            "no userName or externalId to match on".to_string()
                        } else {
                            format!("no IdP user with {}", keys.join(" or "))
                        };
                        subjects.push(Subject::user(
                            t,
                            format!("absent from the IdP export: {keys}"),
                        ));
                        continue;
                    }
                },
                None => (std::borrow::Cow::Owned(IdpUser::from_scim(t)), None),
            };
        let Some(f) = filter else { continue };
        let d = f.decide(&source_user);
        if d.outcome == Outcome::OutOfScope {
            outside += 1;
            let why: Vec<String> = d.misses.iter().map(|m| m.describe()).collect();
            let via = matched
                .map(|m| format!(" (IdP user matched by {})", m.describe()))
                .unwrap_or_default();
            subjects.push(Subject::user(
                t,
                format!("out of scope{via}: {}", why.join("; ")),
            ));
        }
    }
    let data = json!({
        "active_target_users": active,
        "absent_from_idp_export": absent,
        "out_of_scope": outside,
        "compared_with_idp_export": idp_index.is_some(),
        "filter_applied": filter.is_some(),
    });
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "all {} in the target are in scope in the IdP",
                plural(active, "active user", "active users")
            ),
        )
        .with_data(data);
    }
    let message = format!(
        "expected every active target user to be in scope in the IdP, but {} ({absent} absent from the IdP export, {outside} out of scope): the next provisioning cycle will disable them",
        plural(subjects.len(), "active user is not", "active users are not")
    );
    CheckResult::found(
        id,
        Status::Warn,
        message,
        "if these users must keep access, bring them back in scope before the next cycle (about 40 minutes): restore the assignment, adjust the scoping filter or fix the attribute listed; otherwise no action is needed, Entra will send PATCH active=false. If the IdP export was filtered or partial, export all users again before acting on this list",
        subjects,
    )
    .with_data(data)
}
