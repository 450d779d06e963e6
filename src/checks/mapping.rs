//! Mapping-area checks over the Entra synchronization schema (`--idp-config`): is the work
//! email mapped (`mapping-email`), is userName the email (`mapping-username`), is `active`
//! driven by IsSoftDeleted (`mapping-active`). Matching and required attributes, which also
//! need the target's side, live in `mapping_target`. Seed 004 "Mandatory Attributes" and
//! "Error When Enabling SCIM"; reference idp-configuration-artifacts A3.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::idpconfig::eval::eval;
use crate::idpconfig::expr::{self, Shape, Val};
use crate::idpconfig::schema::{AttributeMapping, Schema};

pub const MAPPING_EMAIL: &str = "mapping-email";
pub const MAPPING_USERNAME: &str = "mapping-username";
pub const MAPPING_ACTIVE: &str = "mapping-active";

/// The schema given with `--idp-config`, if any.
pub fn schema<'a>(ctx: &Ctx<'a>) -> Option<&'a Schema> {
    ctx.idp.and_then(|c| c.schema.as_ref())
}

/// The skipped result naming the missing input.
pub fn no_schema(id: &str) -> CheckResult {
    CheckResult::skipped(
        id,
        "not run: give --idp-config with the Entra synchronization schema (Provisioning > Attribute mappings > Show advanced options > Review your schema > Download, or Graph GET .../synchronization/jobs/{jobId}/schema)",
    )
}

/// For a target that is not SCIM: the mappings whose target attribute, by its own name, plays
/// the role a SCIM attribute plays (`Email` for emails, `IsActive` for active).
pub fn own_attribute<'a>(schema: &'a Schema, names: &[&str]) -> Vec<&'a AttributeMapping> {
    schema
        .mappings
        .iter()
        .filter(|m| {
            let root = crate::idpconfig::schema::target_root(&m.target).to_ascii_lowercase();
            names.contains(&root.as_str())
        })
        .collect()
}

/// The skipped result for a non-SCIM target with no attribute in the role the check judges.
fn no_own_attribute(id: &str, schema: &Schema, role: &str, names: &[&str]) -> CheckResult {
    CheckResult::skipped(
        id,
        format!(
            "not run: {}; no mapping targets an attribute named like its {role} ({}), so whether it needs one is not known",
            schema.target.evidence,
            names.join(", ")
        ),
    )
}

const EMAIL_NAMES: &[&str] = &["email", "mail", "emailaddress", "primaryemail", "workemail"];
const USERNAME_NAMES: &[&str] = &["username", "login", "loginname"];
const ACTIVE_NAMES: &[&str] = &["active", "isactive", "enabled", "accountenabled"];

/// Source attributes whose value is an email address in Entra (UPN is user@domain).
pub fn is_mail_like(attr: &str) -> bool {
    matches!(
        attr.to_ascii_lowercase().as_str(),
        "mail"
            | "userprincipalname"
            | "originaluserprincipalname"
            | "othermails"
            | "email"
            | "login"
    )
}

/// Extension attributes may hold anything: their content cannot be judged by name.
fn is_opaque(attr: &str) -> bool {
    let a = attr.to_ascii_lowercase();
    a.starts_with("extension") || a.starts_with("msds-") || a.starts_with("customattribute")
}

pub fn source_label(m: &AttributeMapping) -> String {
    match (&m.source_text, &m.default_value) {
        (Some(s), _) => s.clone(),
        (None, Some(d)) => format!("constant {d:?}"),
        (None, None) => "no source".into(),
    }
}

fn subject(m: &AttributeMapping, detail: String) -> Subject {
    Subject::item(SubjectKind::Item, m.target.clone(), detail)
}

fn is_work_email(target: &str) -> bool {
    let t: String = target
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    t == "emails" || t.starts_with("emails[typeeq\"work\"]")
}

/// A problem with one mapping's source, from the static shape of its expression.
enum Judgement {
    Ok,
    Warn(String),
    Fail(String),
}

pub fn mapping_email(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MAPPING_EMAIL;
    let Some(schema) = schema(ctx) else {
        return no_schema(id);
    };
    let scim = schema.target.scim;
    let work: Vec<&AttributeMapping> = if scim {
        schema
            .mappings
            .iter()
            .filter(|m| is_work_email(&m.target))
            .collect()
    } else {
        own_attribute(schema, EMAIL_NAMES)
    };
    if work.is_empty() && !scim {
        return no_own_attribute(id, schema, "email", EMAIL_NAMES);
    }
    if work.is_empty() {
        let others: Vec<String> = schema
            .targeting("emails")
            .iter()
            .map(|m| m.target.clone())
            .collect();
        let status = if ctx.profile.email_required {
            Status::Fail
        } else {
            Status::Warn
        };
        let also = if others.is_empty() {
            String::new()
        } else {
            format!(" (only {})", others.join(", "))
        };
        return CheckResult::new(
            id,
            status,
            format!(
                "expected a mapping to emails[type eq \"work\"].value in {}, got none among {} attribute mappings{also}: users arrive without an email and cannot be licensed or connect",
                schema.mapping_label,
                schema.mappings.len()
            ),
        )
        .with_remediation("in Entra: Provisioning > Mappings > Provision Microsoft Entra ID Users > Add New Mapping: source attribute mail, target attribute emails[type eq \"work\"].value, apply Always; then Provision on demand one user to confirm");
    }
    let mut subjects = Vec::new();
    let mut worst = Status::Pass;
    for m in &work {
        for (status, why) in judge_email(m) {
            if status.rank() > worst.rank() {
                worst = status;
            }
            subjects.push(subject(m, why));
        }
    }
    let head = work
        .iter()
        .map(|m| format!("{} <- {}", m.target, source_label(m)))
        .collect::<Vec<_>>()
        .join("; ");
    let own = if scim {
        String::new()
    } else {
        format!(" ({}; judged on its own attribute)", schema.target.evidence)
    };
    if subjects.is_empty() {
        return CheckResult::pass(id, format!("{head}, applied always{own}"));
    }
    let msg = format!(
        "expected the work email to flow always from a mail attribute, got {head}{own}: {}",
        subjects
            .iter()
            .map(|s| s.detail.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    CheckResult::found(
        id,
        worst,
        msg,
        "map emails[type eq \"work\"].value from [mail] (or Coalesce([mail], [userPrincipalName]) when some users have no mailbox) with \"Apply this mapping\" set to Always, so address changes reach the target",
        subjects,
    )
}

fn judge_email(m: &AttributeMapping) -> Vec<(Status, String)> {
    let mut out = Vec::new();
    if let Some(e) = &m.source_error {
        out.push((
            Status::Warn,
            format!("the expression cannot be parsed ({e})"),
        ));
    }
    match m.expr().map(|e| expr::shape(&e)) {
        None if m.source_error.is_none() => {
            out.push((Status::Warn, "no source and no default value".into()))
        }
        Some(Shape::Constant(c)) => out.push((
            Status::Warn,
            format!("a constant ({c:?}): every user gets the same address"),
        )),
        Some(Shape::Attributes(a)) if !a.iter().all(|x| is_mail_like(x)) => out.push((
            Status::Warn,
            format!("comes from {}, not a mail attribute", a.join(", ")),
        )),
        Some(Shape::Computed(_)) => out.push((
            Status::Warn,
            "computed by an expression: whether it is an address cannot be known statically".into(),
        )),
        _ => {}
    }
    if m.create_only() {
        out.push((
            Status::Warn,
            "applied only on creation (ObjectAddOnly): later email changes never reach the target"
                .into(),
        ));
    }
    out
}

pub fn mapping_username(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MAPPING_USERNAME;
    let Some(schema) = schema(ctx) else {
        return no_schema(id);
    };
    let maps = if schema.target.scim {
        schema.targeting("userName")
    } else {
        own_attribute(schema, USERNAME_NAMES)
    };
    if maps.is_empty() && !schema.target.scim {
        return no_own_attribute(id, schema, "user name", USERNAME_NAMES);
    }
    let Some(m) = maps.first() else {
        return CheckResult::new(
            id,
            Status::Fail,
            format!("expected a mapping to userName (required by SCIM) in {}, got none", schema.mapping_label),
        )
        .with_remediation("add the mapping userName <- [userPrincipalName] (the default of Entra's SCIM template), and make it the first matching attribute");
    };
    let judgement = match (&m.source_error, m.expr().map(|e| expr::shape(&e))) {
        (Some(e), _) => Judgement::Warn(format!("the expression cannot be parsed ({e})")),
        (_, None) => Judgement::Fail("userName has no source and no default".into()),
        (_, Some(Shape::Constant(c))) => {
            Judgement::Fail(format!("userName is the constant {c:?}: every user collides"))
        }
        (_, Some(Shape::Attributes(a))) => {
            let bad: Vec<&String> = a.iter().filter(|x| !is_mail_like(x) && !is_opaque(x)).collect();
            let opaque: Vec<&String> = a.iter().filter(|x| is_opaque(x)).collect();
            if !bad.is_empty() {
                Judgement::Fail(format!(
                    "userName comes from {}, which is not an email address",
                    bad.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ))
            } else if !opaque.is_empty() {
                Judgement::Warn(format!(
                    "userName comes from {}, whose content cannot be judged by its name",
                    opaque.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ))
            } else {
                Judgement::Ok
            }
        }
        (_, Some(Shape::Computed(e))) => Judgement::Warn(format!(
            "userName is computed by {e}: whether the result is the user's email cannot be known statically"
        )),
    };
    let label = if schema.target.scim {
        format!("userName <- {}", source_label(m))
    } else {
        format!(
            "{} <- {} ({})",
            m.target,
            source_label(m),
            schema.target.evidence
        )
    };
    let (status, why) = match judgement {
        Judgement::Ok => return CheckResult::pass(id, format!("{label}: an email address")),
        Judgement::Warn(w) => (Status::Warn, w),
        Judgement::Fail(f) if ctx.profile.email_as_user_id => (Status::Fail, f),
        Judgement::Fail(f) => {
            return CheckResult::pass(
                id,
                format!(
                    "{label} ({f}; profile `{}` does not require email as the user id)",
                    ctx.profile.id
                ),
            )
        }
    };
    CheckResult::found(
        id,
        status,
        format!("expected userName to be the user's email (the target's user id is the email), got {label}: {why}"),
        "map userName from [userPrincipalName] (or [mail]); check with explain-user on one user what the expression produces before saving, since changing userName on existing users renames them in the target",
        vec![subject(m, why)],
    )
}

/// `active` for a soft-deleted and for a live user, when the mapping can be evaluated.
fn active_for(m: &AttributeMapping, soft_deleted: bool) -> Option<Result<Val, String>> {
    let e = m.expr()?;
    let flag = if soft_deleted { "True" } else { "False" };
    Some(eval(&e, &|a: &str| {
        if a.eq_ignore_ascii_case("IsSoftDeleted") {
            Val::Str(flag.into())
        } else {
            Val::Null
        }
    }))
}

fn is_true(v: &Val) -> Option<bool> {
    crate::scope::idp::parse_bool(&v.text()?)
}

pub fn mapping_active(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MAPPING_ACTIVE;
    let Some(schema) = schema(ctx) else {
        return no_schema(id);
    };
    let own = if schema.target.scim {
        schema.targeting("active")
    } else {
        own_attribute(schema, ACTIVE_NAMES)
    };
    if own.is_empty() && !schema.target.scim {
        return no_own_attribute(id, schema, "account-enabled flag", ACTIVE_NAMES);
    }
    let Some(m) = own.into_iter().next() else {
        return CheckResult::new(
            id,
            Status::Fail,
            format!("expected a mapping to active in {}, got none: unassigning, disabling or deleting a user in Entra never disables it in the target", schema.mapping_label),
        )
        .with_remediation("add the mapping active <- Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") (or Not([IsSoftDeleted])), apply Always");
    };
    let label = if schema.target.scim {
        format!("active <- {}", source_label(m))
    } else {
        format!(
            "{} <- {} ({})",
            m.target,
            source_label(m),
            schema.target.evidence
        )
    };
    let reads_flag = m
        .expr()
        .map(|e| {
            expr::attributes(&e)
                .iter()
                .any(|a| a.eq_ignore_ascii_case("IsSoftDeleted"))
        })
        .unwrap_or(false);
    let (status, why) = if m.create_only() {
        (
            Status::Fail,
            "applied only on creation (ObjectAddOnly): deprovisioning never flows".to_string(),
        )
    } else if !reads_flag {
        match m.expr().map(|e| expr::shape(&e)) {
            Some(Shape::Constant(c)) => (Status::Fail, format!("a constant ({c:?}): nobody is ever disabled")),
            _ => (Status::Warn, "does not read IsSoftDeleted, which is the only attribute that covers unassignment, leaving scope, soft delete and a blocked sign-in together".to_string()),
        }
    } else {
        match (active_for(m, true), active_for(m, false)) {
            (Some(Ok(del)), Some(Ok(live))) => match (is_true(&del), is_true(&live)) {
                (Some(false), Some(true)) => (Status::Pass, String::new()),
                (Some(true), Some(false)) => (Status::Fail, "inverted: a soft-deleted user becomes active=True and a live one active=False".into()),
                _ => (Status::Warn, format!("evaluates to {} for a soft-deleted user and {} for a live one, expected False and True", del.display(), live.display())),
            },
            (Some(Err(e)), _) | (_, Some(Err(e))) => (Status::Warn, format!("cannot be evaluated: {e}")),
            _ => (Status::Warn, "cannot be evaluated".into()),
        }
    };
    if status == Status::Pass {
        return CheckResult::pass(
            id,
            format!("{label}: False for soft-deleted users, True otherwise"),
        );
    }
    CheckResult::found(
        id,
        status,
        format!("expected active to be False exactly when IsSoftDeleted is True, got {label}: {why}"),
        "map active from Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\") or Not([IsSoftDeleted]) with \"Apply this mapping\" Always, then restart provisioning so existing users are re-evaluated",
        vec![subject(m, why)],
    )
}
