//! What one user's attributes say, read the same way by the checks that report on them
//! (`users`, `duplicates`, `license`) and by the facts every per-user check shares
//! (`facts`): the normal form of a key, the identifying email, the required attributes,
//! the primaries, Entra's soft-delete rename. Plain functions of a `User`: no check here.

use super::email::email_problem;
use crate::model::User;
use crate::profile::Profile;
use std::borrow::Cow;

/// Trimmed, lowercased key; borrows when the value already is in normal form (the common
/// case), so a million-user tenant does not allocate a million strings per check.
pub fn norm(s: &str) -> Cow<'_, str> {
    let t = s.trim();
    // One pass without early exit (the compiler vectorises it): any byte that is not
    // lowercase ASCII already, i.e. non-ASCII or an uppercase letter.
    let unusual = t
        .bytes()
        .fold(false, |seen, b| seen | (b >= 0x80) | b.is_ascii_uppercase());
    if !unusual {
        return Cow::Borrowed(t);
    }
    if t.is_ascii() {
        return Cow::Owned(t.to_ascii_lowercase());
    }
    if t.chars().any(char::is_uppercase) {
        Cow::Owned(t.to_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// If `user_name` is `<32 hex chars><upn>` (Entra's soft-delete rewrite), the UPN part.
pub fn soft_deleted_upn(user_name: &str) -> Option<&str> {
    let b = user_name.as_bytes();
    if b.len() <= 32 || !b[..32].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    // The first 32 bytes are ASCII, so 32 is a char boundary.
    let rest = &user_name[32..];
    let (local, domain) = rest.split_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(rest)
}

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
