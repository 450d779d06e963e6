//! Per-user attribute checks (seed 004 "Mandatory Attributes", "Error when enabling SCIM";
//! reference sections 1 and 5): email present and well-formed, the profile's required
//! attributes, userName as an email where the account uses Email as User ID, and at most
//! one primary email. Each check is one pass over the users.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::User;
use crate::util::plural;

pub const MISSING_EMAIL: &str = "missing-email";
pub const INVALID_EMAIL: &str = "invalid-email";
pub const MISSING_REQUIRED_ATTRIBUTE: &str = "missing-required-attribute";
pub const USERNAME_NOT_EMAIL: &str = "username-not-email";
pub const MULTIPLE_PRIMARY_EMAILS: &str = "multiple-primary-emails";

/// Why `s` is not a usable email address, or `None` when it is. Deliberately a syntax
/// check (one `@`, a dotted domain, no spaces), not RFC 5322: it catches what IdP mappings
/// actually produce (a bare name, a UPN without a domain, a value with spaces).
pub fn email_problem(s: &str) -> Option<&'static str> {
    if plain_ascii_address(s) {
        None
    } else {
        email_problem_in_full(s)
    }
}

/// The full check, which also names the problem (any script, any character).
fn email_problem_in_full(s: &str) -> Option<&'static str> {
    if s.trim().is_empty() {
        return Some("the value is empty");
    }
    if s.trim() != s {
        return Some("the value has leading or trailing whitespace");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("the value contains whitespace");
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return Some("there is no @");
    };
    if local.is_empty() {
        return Some("nothing before the @");
    }
    if local.contains('@') {
        return Some("more than one @");
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("the part before the @ has a misplaced dot");
    }
    if domain.is_empty() {
        return Some("nothing after the @");
    }
    if !domain.contains('.') {
        return Some("the domain has no dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Some("the domain has an empty label");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Some("a domain label starts or ends with a hyphen");
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Some("the domain has a character that is not allowed");
        }
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    if tld.chars().count() < 2 || tld.chars().all(|c| c.is_ascii_digit()) {
        return Some("the top-level domain is not valid");
    }
    None
}

/// One pass over the bytes for the common case: an ASCII address that `email_problem`
/// accepts. `false` means "look closer" (the slow path finds the reason, or accepts a
/// non-ASCII address); it never accepts what the slow path would reject.
fn plain_ascii_address(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty() || domain.is_empty() || local[0] == b'.' || local[local.len() - 1] == b'.' {
        return false;
    }
    let mut prev = 0u8;
    for &c in local {
        if c <= b' ' || c >= 0x7f || c == b'@' || (c == b'.' && prev == b'.') {
            return false;
        }
        prev = c;
    }
    let (mut label_len, mut dots, mut tld_digits_only, mut prev) = (0usize, 0usize, true, b'.');
    for &c in domain {
        match c {
            b'.' => {
                if label_len == 0 || prev == b'-' {
                    return false;
                }
                dots += 1;
                label_len = 0;
                tld_digits_only = true;
            }
            b'-' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => {
                if c == b'-' && label_len == 0 {
                    return false;
                }
                if !c.is_ascii_digit() {
                    tld_digits_only = false;
                }
                label_len += 1;
            }
            _ => return false,
        }
        prev = c;
    }
    dots > 0 && label_len >= 2 && prev != b'-' && !tld_digits_only
}

/// Whether the user has at least one non-blank email value (no allocation: hot path).
pub fn has_email(u: &User) -> bool {
    u.emails.iter().any(|e| !e.value.trim().is_empty())
}

/// The email the target would use for the user (primary, else first non-blank), if valid.
pub fn usable_email(u: &User) -> Option<&str> {
    u.primary_email().filter(|e| email_problem(e).is_none())
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
    for u in &t.users {
        if !has_email(u) {
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
    for u in &t.users {
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

type Probe = fn(&User, &str) -> bool;

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
    // Resolve each path once: the core attributes are read directly, anything else goes
    // through `User::has_attribute` (dotted paths, extension URNs).
    let probes: Vec<(&str, Probe)> = required.iter().map(|a| (a.as_str(), probe(a))).collect();
    let mut subjects = Vec::new();
    for u in &t.users {
        if probes.iter().all(|(a, p)| p(u, a)) {
            continue;
        }
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
    for u in &t.users {
        let problem = match u.user_name.as_deref() {
            None => Some("no userName".to_string()),
            Some(n) => email_problem(n).map(|p| format!("userName `{n}` is not an email: {p}")),
        };
        if let Some(p) = problem {
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
    for u in &t.users {
        if u.emails.iter().filter(|e| e.primary).nth(1).is_none() {
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::email_problem;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in [
            "a@example.com",
            "first.last+tag@sub.example.co.uk",
            "ü@bücher.de",
        ] {
            assert_eq!(email_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn the_ascii_fast_path_agrees_with_the_full_check() {
        let cases = [
            "a@example.com",
            "a.b@x.co",
            "a@x.1",
            "a@-x.com",
            "a@x-.com",
            "a@x..com",
            ".a@x.com",
            "a.@x.com",
            "a..b@x.com",
            "a@x",
            "a@x.c",
            "a@x.c0",
            "@x.com",
            "a@",
            "a b@x.com",
            "a@x_y.com",
            "a@@x.com",
            "a@x.com.",
            "a@.x.com",
            "a\tb@x.com",
            "a@123.45",
        ];
        for c in cases {
            assert_eq!(
                super::plain_ascii_address(c),
                super::email_problem_in_full(c).is_none(),
                "fast and full checks disagree on {c}"
            );
        }
        assert!(super::plain_ascii_address(
            "first.last+tag@sub.example.co.uk"
        ));
    }

    #[test]
    fn what_idp_mappings_get_wrong_is_rejected() {
        for bad in [
            "alice",
            "alice@",
            "@x.com",
            "alice@localhost",
            "a b@x.com",
            " a@x.com",
            "a@@x.com",
            "a@x..com",
            "a@x.1",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}
