//! Per-user attribute checks (seed 004 "Mandatory Attributes", "Error when enabling SCIM";
//! reference sections 1 and 5): email present and well-formed, the profile's required
//! attributes, userName as an email where the account uses Email as User ID, and at most
//! one primary email. Each check is one pass over the users.

use super::{facts, Ctx, Params};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::User;
use crate::util::plural;

pub const MISSING_EMAIL: &str = "missing-email";
pub const INVALID_EMAIL: &str = "invalid-email";
pub const MISSING_REQUIRED_ATTRIBUTE: &str = "missing-required-attribute";
pub const USERNAME_NOT_EMAIL: &str = "username-not-email";
pub const MULTIPLE_PRIMARY_EMAILS: &str = "multiple-primary-emails";

pub use super::email::email_problem;
pub use super::per_user::{
    has_email, identity_email, identity_email_index, lacks_required, name_problem, required_probes,
    several_primaries, usable_email, Probe,
};

fn active_label(u: &User) -> &'static str {
    if u.is_active() {
        "active"
    } else {
        "disabled"
    }
}

/// missing-email: no emails, an empty list, or only blank values (seed 004: the user is
/// provisioned but cannot be licensed or connect). Fail when the profile requires email.
pub fn missing_email(ctx: &Ctx, _: &Params) -> CheckResult {
    let t = match ctx.tenant_or_skip(MISSING_EMAIL) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut subjects = Vec::new();
    let mut active = 0usize;
    for i in ctx.index.users().without(facts::HAS_EMAIL) {
        let u = &t.users[i];
        let why = if u.emails.is_empty() {
            "no emails attribute, or an empty list"
        } else {
            "emails present but every value is empty"
        };
        if u.is_active() {
            active += 1;
        }
        subjects.push(Subject::user(u, format!("{}: {why}", active_label(u))));
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            MISSING_EMAIL,
            format!(
                "every one of {} has an email address",
                plural(t.users.len(), "user", "users")
            ),
        );
    }
    let status = if ctx.profile.email_required {
        Status::Fail
    } else {
        Status::Warn
    };
    CheckResult::found(
        MISSING_EMAIL,
        status,
        format!(
            "expected every user to carry an email, got {} without one ({active} active): they are provisioned but cannot be licensed or connect",
            plural(subjects.len(), "user", "users")
        ),
        "in the IdP, fill the mail attribute of these users (or map a source attribute that holds it to emails[type eq \"work\"].value), then run Provision on demand for one of them to confirm",
        subjects,
    )
}

/// invalid-email: an email value that is not a syntactically usable address.
pub fn invalid_email(ctx: &Ctx, _: &Params) -> CheckResult {
    let t = match ctx.tenant_or_skip(INVALID_EMAIL) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut subjects = Vec::new();
    for i in ctx.index.users().with(facts::BAD_EMAIL) {
        let u = &t.users[i];
        let bad: Vec<String> = u
            .emails
            .iter()
            .filter(|e| !e.value.trim().is_empty())
            .filter_map(|e| email_problem(&e.value).map(|p| format!("`{}`: {p}", e.value)))
            .collect();
        if !bad.is_empty() {
            subjects.push(Subject::user(
                u,
                format!("{}: {}", active_label(u), bad.join("; ")),
            ));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(INVALID_EMAIL, "every email value is a well-formed address");
    }
    let status = if ctx.profile.email_required {
        Status::Fail
    } else {
        Status::Warn
    };
    CheckResult::found(
        INVALID_EMAIL,
        status,
        format!(
            "expected well-formed email addresses (name@domain.tld), got malformed values on {}",
            plural(subjects.len(), "user", "users")
        ),
        "correct the email (mail) attribute of these users in the IdP, or fix the attribute mapping that builds it, then re-provision them",
        subjects,
    )
}

/// missing-required-attribute: the profile's `required_user_attributes`, per user.
pub fn missing_required_attribute(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MISSING_REQUIRED_ATTRIBUTE;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let required = &ctx.profile.required_user_attributes;
    if required.is_empty() {
        return CheckResult::skipped(
            id,
            format!("profile `{}` requires no attributes", ctx.profile.id),
        );
    }
    let probes = required_probes(ctx.profile);
    let mut subjects = Vec::new();
    for i in ctx.index.users().with(facts::LACKS_REQUIRED) {
        let u = &t.users[i];
        let missing: Vec<&str> = probes
            .iter()
            .filter(|(a, p)| !p(u, a))
            .map(|(a, _)| *a)
            .collect();
        if !missing.is_empty() {
            subjects.push(Subject::user(u, format!("missing: {}", missing.join(", "))));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "every user carries {} (profile `{}`)",
                required.join(", "),
                ctx.profile.id
            ),
        );
    }
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected every user to carry {} (profile `{}`), got {} missing at least one",
            required.join(", "),
            ctx.profile.id,
            plural(subjects.len(), "user", "users")
        ),
        "in the IdP's attribute mappings for the provisioning app, map a source attribute to each missing target attribute and make sure the source attribute is filled for these users; then Provision on demand one of them",
        subjects,
    )
}

/// username-not-email: where the account uses Email as User ID (profile
/// `email_as_user_id`), userName must be an email address (seed 004 "Error when enabling SCIM").
pub fn username_not_email(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = USERNAME_NOT_EMAIL;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if !ctx.profile.email_as_user_id {
        return CheckResult::skipped(
            id,
            format!(
                "profile `{}` does not use email as the user id",
                ctx.profile.id
            ),
        );
    }
    let mut subjects = Vec::new();
    for i in ctx.index.users().with(facts::NAME_NOT_EMAIL) {
        let u = &t.users[i];
        if let Some(p) = name_problem(u) {
            subjects.push(Subject::user(u, p));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(id, "every userName is an email address");
    }
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected userName to be an email address (the account uses Email as User ID), got {} not in email form",
            plural(subjects.len(), "userName", "userNames")
        ),
        "map userPrincipalName (or mail) to userName in the IdP so it is the user's email; if SCIM cannot be enabled at all, ask support to set Account ID Configuration to Email",
        subjects,
    )
}

/// multiple-primary-emails: RFC 7643 allows at most one `primary: true` email.
pub fn multiple_primary_emails(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = MULTIPLE_PRIMARY_EMAILS;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut subjects = Vec::new();
    for i in ctx.index.users().with(facts::SEVERAL_PRIMARY) {
        let u = &t.users[i];
        let primaries: Vec<&str> = u
            .emails
            .iter()
            .filter(|e| e.primary)
            .map(|e| e.value.as_str())
            .collect();
        if primaries.len() > 1 {
            subjects.push(Subject::user(
                u,
                format!(
                    "{} emails marked primary: {}",
                    primaries.len(),
                    primaries.join(", ")
                ),
            ));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(id, "no user has more than one primary email");
    }
    CheckResult::found(
        id,
        Status::Warn,
        format!(
            "expected at most one primary email per user (RFC 7643), got {} with several: the target may pick either",
            plural(subjects.len(), "user", "users")
        ),
        "in the IdP's attribute mappings keep exactly one email mapping with primary = true (usually emails[type eq \"work\"]), then re-provision these users",
        subjects,
    )
}
