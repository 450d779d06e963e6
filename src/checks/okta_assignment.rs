//! `okta-app-assignment`, from Okta's app exports given with `--idp-config`: app users in
//! ERROR / OUT_OF_SYNC / STAGED, group push mappings in ERROR, and the assignments compared
//! with the target tenant. Reference idp-configuration-artifacts B2 and B3.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::util::plural;

pub const OKTA_APP_ASSIGNMENT: &str = "okta-app-assignment";

const UNASSIGNED: &[&str] = &[
    "DEPROVISIONED",
    "INACTIVE",
    "UNASSIGNED",
    "REVOKED",
    "SUSPENDED",
];

pub fn okta_app_assignment(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = OKTA_APP_ASSIGNMENT;
    let cfg = ctx.idp;
    let users = cfg.and_then(|c| c.app_users.as_ref());
    let pushes = cfg.and_then(|c| c.push_mappings.as_ref());
    if users.is_none() && pushes.is_none() {
        return CheckResult::skipped(id, "not run: give --idp-config with Okta app users (GET /api/v1/apps/{appId}/users) and/or group push mappings (GET /api/v1/apps/{appId}/group-push/mappings)");
    }
    let mut subjects = Vec::new();
    let mut worst = Status::Pass;
    let mut fixes: Vec<&str> = Vec::new();
    let mut flag = |s: Status, subj: Subject, fix: &'static str, subjects: &mut Vec<Subject>| {
        if s.rank() > worst.rank() {
            worst = s;
        }
        if !fixes.contains(&fix) {
            fixes.push(fix);
        }
        subjects.push(subj);
    };
    let mut counts = (0, 0, 0, 0, 0); // error, out of sync, staged, absent, unknown to Okta
    for u in users.into_iter().flatten() {
        let item = |d: String| {
            let mut s = Subject::item(SubjectKind::User, u.id.clone(), d);
            s.user_name = u.user_name.clone();
            s.external_id = u.external_id.clone();
            s
        };
        match u.sync_state.as_deref() {
            Some("ERROR") => {
                counts.0 += 1;
                flag(Status::Fail, item("syncState ERROR: the last provisioning operation failed".into()),
                    "for users in ERROR: open the app's Assignments tab (or Dashboard > Tasks), read the error, fix it and Retry", &mut subjects)
            }
            Some("OUT_OF_SYNC") => {
                counts.1 += 1;
                flag(Status::Warn, item("syncState OUT_OF_SYNC: Okta's profile differs from the app's".into()),
                    "for OUT_OF_SYNC users: push the profile again (app > Provisioning > To App > Force Sync) and watch the System Log for push_profile failures", &mut subjects)
            }
            _ => {}
        }
        if u.status.as_deref() == Some("STAGED") {
            counts.2 += 1;
            flag(Status::Warn, item("status STAGED: provisioning is queued and the user has no externalId yet".into()),
                "for STAGED users: check that Create Users is enabled under Provisioning > To App and that the System Log shows no application.provision.user.push failure", &mut subjects);
        }
    }
    for m in pushes
        .into_iter()
        .flatten()
        .filter(|m| m.status.as_deref() == Some("ERROR"))
    {
        let d = format!(
            "group push mapping in ERROR (source group {}): {}",
            m.source_group_id.as_deref().unwrap_or("?"),
            m.error_summary.as_deref().unwrap_or("no errorSummary")
        );
        flag(Status::Fail, Subject::item(SubjectKind::Group, m.id.clone(), d),
            "for group push errors: Push Groups > Errors shows the cause; fix it (a group deleted in the target: unlink, import, push again; members not assigned to the app: assign them) and Retry All Groups", &mut subjects);
    }
    if let (Some(users), Some(t)) = (users, ctx.tenant) {
        let lower = |s: &Option<String>| s.as_deref().map(str::to_lowercase);
        for u in users
            .iter()
            .filter(|u| !u.status.as_deref().is_some_and(|s| UNASSIGNED.contains(&s)))
        {
            let found = t.users.iter().any(|tu| {
                u.external_id.as_deref() == Some(tu.id.as_str())
                    || (u.user_name.is_some() && lower(&u.user_name) == lower(&tu.user_name))
                    || tu.external_id.as_deref() == Some(u.id.as_str())
            });
            if !found && u.status.as_deref() != Some("STAGED") {
                counts.3 += 1;
                let mut s = Subject::item(
                    SubjectKind::User,
                    u.id.clone(),
                    format!(
                        "assigned in Okta (status {}), absent from the target",
                        u.status.as_deref().unwrap_or("?")
                    ),
                );
                s.user_name = u.user_name.clone();
                flag(Status::Fail, s, "for users assigned in Okta but absent from the target: check the System Log for their push events (give it with --idp-config), then unassign and reassign them to retry", &mut subjects);
            }
        }
        for tu in &t.users {
            let Some(ext) = tu.external_id.as_deref() else {
                continue;
            };
            let known = users
                .iter()
                .any(|u| u.id == ext || u.external_id.as_deref() == Some(tu.id.as_str()));
            if !known {
                counts.4 += 1;
                flag(Status::Warn, Subject::user(tu, format!("externalId {ext} matches no Okta app user")),
                    "for target users Okta does not know: they were created by another source or their assignment was removed; if they should not exist, deactivate them in the target, otherwise assign them in Okta", &mut subjects);
            }
        }
    }
    let n_users = users.map(Vec::len).unwrap_or(0);
    let n_push = pushes.map(Vec::len).unwrap_or(0);
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "{} and {}: none in error, out of sync or staged{}",
                plural(n_users, "app user", "app users"),
                plural(n_push, "group push mapping", "group push mappings"),
                if ctx.tenant.is_some() && users.is_some() {
                    ", and assignments agree with the target"
                } else {
                    ""
                }
            ),
        );
    }
    let errors = subjects
        .iter()
        .filter(|s| s.kind == SubjectKind::Group)
        .count();
    let parts: Vec<String> = [
        (
            counts.0,
            plural(counts.0, "app user in ERROR", "app users in ERROR"),
        ),
        (counts.1, format!("{} OUT_OF_SYNC", counts.1)),
        (counts.2, format!("{} STAGED", counts.2)),
        (
            errors,
            plural(
                errors,
                "group push mapping in ERROR",
                "group push mappings in ERROR",
            ),
        ),
        (
            counts.3,
            format!("{} assigned in Okta but absent from the target", counts.3),
        ),
        (
            counts.4,
            plural(
                counts.4,
                "target user unknown to Okta",
                "target users unknown to Okta",
            ),
        ),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(_, t)| t)
    .collect();
    CheckResult::found(
        id,
        worst,
        format!(
            "expected every Okta app user synchronized and every group push active, got {}",
            parts.join(", ")
        ),
        fixes
            .iter()
            .map(|f| format!("{f}."))
            .collect::<Vec<_>>()
            .join("\n"),
        subjects,
    )
}
