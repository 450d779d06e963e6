//! Input checks: whether the tenant the other checks see is the tenant the input held.
//! `input-integrity` accounts for every resource read (analysed, dropped with a reason, or
//! merged as a repeated id), for ids shared by a user and a group, and for completeness;
//! `active-not-boolean` reports `active` values that were not JSON booleans. Both run the
//! same way live and offline: the loader and the fetch record the same facts in the tenant.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::model::{read_active, ActiveForm};
use crate::util::plural;

pub const INPUT_INTEGRITY: &str = "input-integrity";
pub const ACTIVE_NOT_BOOLEAN: &str = "active-not-boolean";

/// input-integrity: fail when a resource read was dropped or merged, or when the tenant is
/// incomplete; warn when a user and a group share an id; pass when everything read was
/// analysed from a complete tenant.
pub fn input_integrity(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = INPUT_INTEGRITY;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let reported = t.dropped() + t.duplicates.len();
    // Tenants built in memory (tests, the demo) never counted what they read.
    let read = t.read.max(t.analysed() + reported);
    let mut subjects = Vec::new();
    let mut problems = Vec::new();
    let mut fail = false;
    if t.dropped() > 0 {
        fail = true;
        problems.push(format!(
            "{} dropped",
            plural(t.dropped(), "resource", "resources")
        ));
        for p in &t.parse_issues {
            let mut s = Subject::item(
                SubjectKind::Item,
                p.position.clone(),
                format!("{} not analysed: {}", p.kind, p.problem),
            );
            if let Some(name) = &p.name {
                s.detail = format!("{} {name} not analysed: {}", p.kind, p.problem);
            }
            subjects.push(s);
        }
        if t.parse_issues_unlisted > 0 {
            subjects.push(Subject::item(
                SubjectKind::Item,
                "more",
                format!(
                    "and {} more not analysed (the first {} of each file are listed, with their positions)",
                    t.parse_issues_unlisted,
                    crate::model::MAX_LISTED_PARSE_ISSUES
                ),
            ));
        }
    }
    if !t.duplicates.is_empty() {
        fail = true;
        problems.push(format!(
            "{} read twice (kept once)",
            plural(t.duplicates.len(), "id", "ids")
        ));
        for d in &t.duplicates {
            let kind = if d.kind == "group" {
                SubjectKind::Group
            } else {
                SubjectKind::User
            };
            let mut detail = format!("{} id returned again at {} (kept once)", d.kind, d.position);
            if d.differs {
                detail.push_str(
                    "; this copy differs from the one kept, so the server holds two versions",
                );
            }
            subjects.push(Subject::item(kind, d.id.clone(), detail));
        }
    }
    let collisions = ctx.index.directory().collisions();
    if !collisions.is_empty() {
        problems.push(format!(
            "{} shared by a user and a group",
            plural(collisions.len(), "id", "ids")
        ));
        for (u, g) in &collisions {
            let mut s = Subject::item(
                SubjectKind::Item,
                u.id.clone(),
                format!(
                    "user `{}` and group `{}` have the same id: a member without `type` or `$ref` cannot be told apart (RFC 7643 §3.1 wants ids unique)",
                    u.user_name.as_deref().unwrap_or("(no userName)"),
                    g.name()
                ),
            );
            s.user_name = u.user_name.clone();
            s.display_name = g.display_name.clone();
            subjects.push(s);
        }
    }
    if !t.is_complete() {
        fail = true;
        problems.push("the tenant is incomplete".into());
        if t.completeness.notes.is_empty() {
            subjects.push(Subject::item(
                SubjectKind::Item,
                "tenant",
                "some pages could not be fetched",
            ));
        }
        for n in &t.completeness.notes {
            subjects.push(Subject::item(SubjectKind::Item, "tenant", n.clone()));
        }
    }
    // Other directories (--other-snapshot) are loaded by the same loader: what they dropped
    // or lack is said too, since cross-directory checks rest on them.
    for o in ctx.others {
        let lost = o.dropped() + o.duplicates.len();
        if lost > 0 {
            fail = true;
            problems.push(format!("{lost} not analysed in {}", o.label));
            subjects.push(Subject::item(
                SubjectKind::Item,
                o.label.clone(),
                format!(
                    "other directory: {} dropped, {} repeated ids merged",
                    o.dropped(),
                    o.duplicates.len()
                ),
            ));
        }
        if !o.is_complete() {
            fail = true;
            problems.push(format!("{} is incomplete", o.label));
            subjects.push(Subject::item(
                SubjectKind::Item,
                o.label.clone(),
                format!(
                    "other directory incomplete: {}",
                    o.completeness.notes.join("; ")
                ),
            ));
        }
    }
    let counts = format!(
        "read {}: analysed {} and {}",
        plural(read, "resource", "resources"),
        plural(t.users.len(), "user", "users"),
        plural(t.groups.len(), "group", "groups"),
    );
    let data = serde_json::json!({
        "read": read,
        "analysed": t.analysed(),
        "users": t.users.len(),
        "groups": t.groups.len(),
        "dropped": t.dropped(),
        "merged": t.duplicates.len(),
        "id_collisions": collisions.len(),
        "complete": t.is_complete(),
        "users_absent": t.completeness.users_absent,
        "groups_absent": t.completeness.groups_absent,
    });
    if subjects.is_empty() {
        let mut msg =
            format!("{counts}; every resource read was analysed and the data is complete");
        for (absent, what) in [
            (t.completeness.users_absent, "users"),
            (t.completeness.groups_absent, "groups"),
        ] {
            if absent {
                msg.push_str(&format!(
                    "; the input holds no {what}, so checks that need {what} are skipped"
                ));
            }
        }
        return CheckResult::pass(id, msg).with_data(data);
    }
    let status = if fail { Status::Fail } else { Status::Warn };
    let mut r = CheckResult::found(
        id,
        status,
        format!(
            "expected every resource read to be analysed once, from a complete tenant with unique ids; {counts}, and found: {}",
            problems.join(", ")
        ),
        "the verdicts of the other checks rest on this data: fix the input first. A resource without an id is not a server's resource (an IdP request body?): export it from the server. Repeated ids come from overlapping pages concatenated, or a server that pages unstably: fetch again with `scim-doctor snapshot`. An incomplete tenant (one page, a truncated copy) must be fetched in full. Ids shared by a user and a group break RFC 7643 §3.1: ask the vendor to make ids unique, and send member `type` meanwhile",
        subjects,
    );
    r.data = Some(data);
    r
}

/// active-not-boolean: `active` must be a JSON boolean (RFC 7643 §2.3.2). Warn for forms
/// that were understood ("True", 1, "0"); fail for a value that says neither, whose user's
/// state is therefore unknown.
pub fn active_not_boolean(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = ACTIVE_NOT_BOOLEAN;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let mut subjects = Vec::new();
    let mut unreadable = 0;
    for i in ctx.index.users().with(super::facts::ACTIVE_NOT_BOOL) {
        let u = &t.users[i];
        let Some(sent) = u.active_as_sent() else {
            continue;
        };
        let detail = match read_active(Some(&sent)) {
            ActiveForm::Lenient(b) => format!("active sent as {sent} (read as {b})"),
            _ => {
                unreadable += 1;
                format!("active sent as {sent}: neither true nor false, so whether this user is enabled is unknown")
            }
        };
        subjects.push(Subject::user(u, detail));
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "every `active` among {} is a JSON boolean or absent",
                plural(t.users.len(), "user", "users")
            ),
        );
    }
    let status = if unreadable > 0 {
        Status::Fail
    } else {
        Status::Warn
    };
    CheckResult::found(
        id,
        status,
        format!(
            "expected `active` as a JSON boolean (RFC 7643 §2.3.2), got another form for {}{}",
            plural(subjects.len(), "user", "users"),
            if unreadable > 0 {
                format!(", {unreadable} of them unreadable")
            } else {
                String::new()
            }
        ),
        "the server should store and return `active` as JSON true/false. IdPs compare it as a boolean: a string or number makes Okta and Entra see a change on every sync, or miss a disable. If the server echoes what Entra sent, Entra sends \"True\"/\"False\" strings in PATCH unless the Tenant URL carries ?aadOptscim062020",
        subjects,
    )
}
