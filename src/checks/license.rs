//! Licence checks (seed 004 "Resolving the licensing issue", reference section 5): whether
//! the seats cover the active, licensable users (`--licenses`, `--license-mode`,
//! `--license-groups`), and which users cannot hold a licence at all. One pass over users and
//! one over the licensed groups' members.

use super::duplicates::norm;
use super::duplicates::{FastMap, FastSet, HashMapExt, HashSetExt};
use super::facts::{FactSet, ACTIVE, USABLE_EMAIL};
use super::repeats::repeated;
use super::users::usable_email;
use super::{Ctx, LicenseOptions, Params};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::Tenant;
use crate::options::LicenseMode;
use crate::profile::Profile;
use crate::util::plural;
use serde_json::json;
use std::borrow::Cow;

pub const LICENSE_CAPACITY: &str = "license-capacity";
pub const UNLICENSABLE_USER: &str = "unlicensable-user";

/// Who among the active users can hold a licence, and why the others cannot.
struct Analysis<'a> {
    active: usize,
    /// Active users that can hold a licence (one per email when the profile says so).
    licensable: Vec<usize>,
    /// Active users without a usable email (profile `email_required`).
    no_email: Vec<usize>,
    /// (second copy, the user that holds the email's eligibility).
    second_copies: Vec<(usize, usize)>,
    /// Groups mode: members of the licensed groups, and the names that matched no group.
    licensed_members: Option<FastSet<&'a str>>,
    groups_found: Vec<&'a str>,
    groups_missing: Vec<String>,
}

fn analyse<'a>(
    t: &'a Tenant,
    facts: &FactSet,
    profile: &Profile,
    license: &LicenseOptions,
) -> Analysis<'a> {
    let mut a = Analysis {
        active: 0,
        licensable: Vec::new(),
        no_email: Vec::new(),
        second_copies: Vec::new(),
        licensed_members: None,
        groups_found: Vec::new(),
        groups_missing: Vec::new(),
    };
    // Only an email held by several active users can have a second copy: the usable
    // emails whose hash repeats among the active users are the only ones that go through
    // the map.
    let per_email = profile.one_license_per_email;
    let repeats = if per_email {
        let mut hashes: Vec<u64> = Vec::with_capacity(t.users.len());
        hashes.extend(facts.with(ACTIVE | USABLE_EMAIL).map(|i| facts.identity(i)));
        repeated(&hashes)
    } else {
        Default::default()
    };
    a.licensable.reserve(t.users.len());
    let mut holder_of: FastMap<Cow<str>, usize> = FastMap::new();
    for i in facts.with(ACTIVE) {
        a.active += 1;
        let usable = facts.has(i, USABLE_EMAIL);
        if profile.email_required && !usable {
            a.no_email.push(i);
            continue;
        }
        if usable && repeats.contains(&facts.identity(i)) {
            if let Some(e) = usable_email(&t.users[i]) {
                match holder_of.get(&norm(e)) {
                    Some(&j) => {
                        a.second_copies.push((i, j));
                        continue;
                    }
                    None => {
                        holder_of.insert(norm(e), i);
                    }
                }
            }
        }
        a.licensable.push(i);
    }
    if license.mode == LicenseMode::Groups && !license.groups.is_empty() {
        let wanted: FastSet<Cow<str>> = license.groups.iter().map(|g| norm(g)).collect();
        let mut members = FastSet::new();
        let mut matched: FastSet<Cow<str>> = FastSet::new();
        for g in &t.groups {
            let Some(name) = g.display_name.as_deref() else {
                continue;
            };
            if wanted.contains(&norm(name)) {
                matched.insert(norm(name));
                a.groups_found.push(name);
                members.extend(g.members.iter().map(|m| m.value.as_str()));
            }
        }
        a.groups_missing = license
            .groups
            .iter()
            .filter(|g| !matched.contains(&norm(g)))
            .cloned()
            .collect();
        a.licensed_members = Some(members);
    }
    a
}

fn mode_name(m: LicenseMode) -> &'static str {
    match m {
        LicenseMode::All => "all",
        LicenseMode::Groups => "groups",
    }
}

/// license-capacity: active licensable users against seats. Fail on a shortfall; in groups
/// mode warn when users sit outside every licensed group (they get no licence).
pub fn license_capacity(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = LICENSE_CAPACITY;
    let Some(seats) = ctx.license.seats else {
        return CheckResult::skipped(id, "no licence count: pass --licenses N (and --license-mode groups --license-groups NAME,... when licences go to selected groups)");
    };
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if ctx.license.mode == LicenseMode::Groups && ctx.license.groups.is_empty() {
        return CheckResult::new(
            id,
            Status::Error,
            "--license-mode groups needs --license-groups NAME,...",
        )
        .with_remediation(format!(
            "name the licensed groups with --license-groups, as listed under {}",
            ctx.profile.licence_settings
        ));
    }
    let a = analyse(t, ctx.index.users(), ctx.profile, ctx.license);
    let (needing, outside): (Vec<usize>, Vec<usize>) = match &a.licensed_members {
        Some(m) => a
            .licensable
            .iter()
            .partition(|&&i| m.contains(t.users[i].id.as_str())),
        None => (a.licensable.clone(), Vec::new()),
    };
    let needed = needing.len() as u64;
    let shortfall = needed.saturating_sub(seats);
    let free = seats.saturating_sub(needed);
    let data = json!({
        "mode": mode_name(ctx.license.mode),
        "seats": seats,
        "users": t.users.len(),
        "active_users": a.active,
        "licensable_users": a.licensable.len(),
        "needing_a_seat": needed,
        "shortfall": shortfall,
        "free_seats": free,
        "without_usable_email": a.no_email.len(),
        "second_copies_of_an_email": a.second_copies.len(),
        "outside_licensed_groups": outside.len(),
        "licensed_groups_found": a.groups_found,
        "licensed_groups_missing": a.groups_missing,
        "arithmetic": format!("{needed} needing a seat, {seats} seats: {shortfall} short, {free} free"),
    });
    let subjects: Vec<Subject> = outside
        .iter()
        .map(|&i| {
            Subject::user(
                &t.users[i],
                format!(
                    "active, not a member of any licensed group ({})",
                    ctx.license.groups.join(", ")
                ),
            )
        })
        .collect();
    let missing_note = if a.groups_missing.is_empty() {
        String::new()
    } else {
        format!(
            "; licensed groups not found among the SCIM groups: {}",
            a.groups_missing.join(", ")
        )
    };
    let scope = match ctx.license.mode {
        LicenseMode::All => "active licensable users".to_string(),
        LicenseMode::Groups => format!(
            "active licensable users in the licensed groups ({})",
            ctx.license.groups.join(", ")
        ),
    };
    let (name, settings) = (&ctx.profile.licence_name, &ctx.profile.licence_settings);
    let (status, message, remediation) = if shortfall > 0 {
        (
            Status::Fail,
            format!("expected the {scope} to fit in {seats} seats, got {needed}: {shortfall} short{missing_note}"),
            format!("the licensed users exceed the seats: buy more {name}s from your sales representative, or remove users from the IdP app assignment (or the licensed groups) who do not need access; check {settings}"),
        )
    } else if !outside.is_empty() {
        (
            Status::Warn,
            format!(
                "{needed} {scope} fit in {seats} seats ({free} free), but {} outside every licensed group get no licence{missing_note}",
                plural(outside.len(), "active user", "active users")
            ),
            format!("add the users who must connect to one of the licensed groups (in the IdP, then let provisioning sync the membership), or add their group under {settings}"),
        )
    } else if !a.groups_missing.is_empty() {
        (
            Status::Warn,
            format!("{needed} {scope} fit in {seats} seats ({free} free){missing_note}"),
            format!("check the names given with --license-groups against {settings} and the provisioned groups"),
        )
    } else {
        (
            Status::Pass,
            format!("{needed} {scope} fit in {seats} seats ({free} free)"),
            String::new(),
        )
    };
    let mut r = CheckResult::found(id, status, message, remediation, subjects).with_data(data);
    r.count = shortfall as usize + outside.len();
    r
}

/// unlicensable-user: active users that cannot hold a licence: no usable email (profile
/// `email_required`), the second copy of a duplicated email (`one_license_per_email`), or,
/// in groups mode, not in a licensed group. Fail: these users cannot connect (seed 004).
pub fn unlicensable_user(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = UNLICENSABLE_USER;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let a = analyse(t, ctx.index.users(), ctx.profile, ctx.license);
    let mut subjects = Vec::new();
    for &i in &a.no_email {
        subjects.push(Subject::user(
            &t.users[i],
            "active, no usable email (missing or malformed): no licence can be assigned",
        ));
    }
    for &(i, j) in &a.second_copies {
        let holder = &t.users[j];
        subjects.push(Subject::user(
            &t.users[i],
            format!(
                "active, second copy of email `{}`: user {} ({}) holds the licence eligibility, only one copy per email can",
                usable_email(&t.users[i]).unwrap_or(""),
                holder.id,
                holder.user_name.as_deref().unwrap_or("no userName")
            ),
        ));
    }
    if let Some(members) = &a.licensed_members {
        for &i in a
            .licensable
            .iter()
            .filter(|&&i| !members.contains(t.users[i].id.as_str()))
        {
            subjects.push(Subject::user(
                &t.users[i],
                format!(
                    "active, not a member of any licensed group ({})",
                    ctx.license.groups.join(", ")
                ),
            ));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!("every active user ({}) can hold a licence", a.active),
        );
    }
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected every active user to be able to hold a licence, got {} who cannot (they cannot connect)",
            plural(subjects.len(), "user", "users")
        ),
        "give each user a valid email in the IdP; for a duplicated email delete the disabled or stale copy in the console so the right user gets the licence; in groups mode add the user to a licensed group",
        subjects,
    )
}
