//! Per-user attribute checks (seed 004 "Mandatory Attributes", "Error when enabling SCIM";
//! reference sections 1 and 5): email present and well-formed, the profile's required
//! attributes, userName as an email where the account uses Email as User ID, and at most
//! one primary email. Each check is one pass over the users.

use super::{facts, Ctx, Params};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::User;
use crate::profile::Profile;
use crate::util::plural;

pub const MISSING_EMAIL: &str = "missing-email";
pub const INVALID_EMAIL: &str = "invalid-email";
pub const MISSING_REQUIRED_ATTRIBUTE: &str = "missing-required-attribute";
pub const USERNAME_NOT_EMAIL: &str = "username-not-email";
pub const MULTIPLE_PRIMARY_EMAILS: &str = "multiple-primary-emails";

pub use super::email::email_problem;

/// Whether the user has at least one non-blank email value (no allocation: hot path).
pub fn has_email(u: &User) -> bool {
    u.emails.iter().any(|e| !e.value.trim().is_empty())
}

/// Which of the user's email values identifies the user to the target (seed 004: the email
/// is the account's identity and the licence key; the IdPs map `mail` to
/// `emails[type eq "work"]`): the one marked primary, else the first of type `work`, else the
/// first whose type is not `other`. An address of type `other` (Entra maps proxyAddresses
/// there) is an alias, never the identity, unless the server marked it primary.
pub fn identity_email_index(u: &User) -> Option<usize> {
    // One pass: each non-blank value gets the rank of the rule it meets first (0 primary,
    // 1 type work, 2 any type but other); the first value of the best rank wins.
    let kind_is = |e: &crate::model::Email, k: &str| {
        e.kind
            .as_deref()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(k))
    };
    let mut best: Option<(u8, usize)> = None;
    for (i, e) in u.emails.iter().enumerate() {
        if e.value.trim().is_empty() {
            continue;
        }
        let rank = if e.primary {
            0
        } else if kind_is(e, "work") {
            1
        } else if !kind_is(e, "other") {
            2
        } else {
            continue;
        };
        if best.is_none_or(|(r, _)| rank < r) {
            best = Some((rank, i));
            if rank == 0 {
                break;
            }
        }
    }
    best.map(|(_, i)| i)
}

/// The identifying email (see `identity_email_index`), if any.
pub fn identity_email(u: &User) -> Option<&str> {
    identity_email_index(u).map(|i| u.emails[i].value.as_str())
}

/// The identifying email, if it is a valid address: what the target can license.
pub fn usable_email(u: &User) -> Option<&str> {
    identity_email(u).filter(|e| email_problem(e).is_none())
}

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

/// Whether a user carries one required attribute (the path is passed back in).
pub type Probe = fn(&User, &str) -> bool;

fn filled(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// How to tell whether a user carries the attribute at `path` (same answers as
/// `User::has_attribute`, without re-parsing the path for every user).
fn probe(path: &str) -> Probe {
    match path.to_ascii_lowercase().as_str() {
        "username" => |u, _| filled(&u.user_name),
        "externalid" => |u, _| filled(&u.external_id),
        "active" => |u, _| u.active.is_some(),
        "emails" | "emails.value" => |u, _| has_email(u),
        _ => |u, path| u.has_attribute(path),
    }
}

/// The profile's required attributes, each with its probe (each path resolved once: the
/// core attributes are read directly, anything else goes through `User::has_attribute`,
/// for dotted paths and extension URNs).
pub fn required_probes(profile: &Profile) -> Vec<(&str, Probe)> {
    profile
        .required_user_attributes
        .iter()
        .map(|a| (a.as_str(), probe(a)))
        .collect()
}

/// Whether the user lacks one of the `required_probes`.
pub fn lacks_required(u: &User, probes: &[(&str, Probe)]) -> bool {
    !probes.iter().all(|(a, p)| p(u, a))
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

/// Why the user's userName is not an email address (absent, or the address problem).
pub fn name_problem(u: &User) -> Option<String> {
    match u.user_name.as_deref() {
        None => Some("no userName".to_string()),
        Some(n) => email_problem(n).map(|p| format!("userName `{n}` is not an email: {p}")),
    }
}

/// Whether more than one of the user's emails is marked primary.
pub fn several_primaries(u: &User) -> bool {
    u.emails.iter().filter(|e| e.primary).nth(1).is_some()
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
