//! `okta-app-assignment`, from Okta's app exports given with `--idp-config`: app users in
//! ERROR / OUT_OF_SYNC / STAGED, group push mappings in ERROR, and the assignments compared
//! with the target tenant. Reference idp-configuration-artifacts B2 and B3.

use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::util::plural;

pub const OKTA_APP_ASSIGNMENT: &str = "okta-app-assignment";

/// The USER_PROVISIONING capabilities that decide whether users reach the target (Okta's
/// `UpdateAppFeature` / `AppFeature` reference), what DISABLED means, and the fix.
const FEATURE_CAPABILITIES: &[(&str, &str, &str)] = &[
    ("create.lifecycleCreate", "new assignments are not created in the target (app users stay STAGED)",
     "enable Create Users: app > Provisioning > To App > Edit (or create.lifecycleCreate ENABLED in PUT .../features/USER_PROVISIONING)"),
    ("update.profile", "profile changes in Okta never reach the target",
     "enable Update User Attributes: app > Provisioning > To App > Edit (update.profile ENABLED)"),
    ("update.lifecycleDeactivate", "unassigned or deactivated Okta users stay active in the target",
     "enable Deactivate Users: app > Provisioning > To App > Edit (update.lifecycleDeactivate ENABLED)"),
];

/// App `features` that push users to the app (Okta's Application `features` values).
const PUSH_FEATURES: &[&str] = &[
    "PUSH_NEW_USERS",
    "PUSH_PROFILE_UPDATES",
    "PUSH_USER_DEACTIVATION",
    "REACTIVATE_USERS",
];

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
    let features = cfg.and_then(|c| c.app_features.as_ref());
    let apps = cfg.and_then(|c| c.apps.as_ref());
    let groups = cfg.and_then(|c| c.app_groups.as_ref());
    if users.is_none()
        && pushes.is_none()
        && features.is_none()
        && apps.is_none()
        && groups.is_none()
    {
        return CheckResult::skipped(id, "not run: give --idp-config with Okta app users (GET /api/v1/apps/{appId}/users), app groups (.../groups), group push mappings (.../group-push/mappings), app features (.../features) or the app itself (GET /api/v1/apps/{appId})");
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
    let mut disabled = 0;
    for f in features.into_iter().flatten() {
        if !f.name.eq_ignore_ascii_case("USER_PROVISIONING") {
            continue;
        }
        if f.status.as_deref() == Some("DISABLED") {
            disabled += 1;
            flag(Status::Fail, Subject::item(SubjectKind::Item, f.name.clone(), "USER_PROVISIONING is DISABLED: Okta sends nothing to the app (no create, update or deactivate)"),
                "enable provisioning to the app: app > Provisioning > Integration > Enable API integration (or PUT /api/v1/apps/{appId}/features/USER_PROVISIONING), then Provisioning > To App", &mut subjects);
            continue;
        }
        for (cap, what, fix) in FEATURE_CAPABILITIES {
            if f.capability(cap).is_some_and(|c| c.status == "DISABLED") {
                disabled += 1;
                flag(
                    Status::Warn,
                    Subject::item(
                        SubjectKind::Item,
                        format!("{}.{cap}", f.name),
                        format!("{cap} is DISABLED: {what}"),
                    ),
                    fix,
                    &mut subjects,
                );
            }
        }
    }
    let mut no_push_apps = 0;
    let all_apps = apps.map(Vec::len).unwrap_or(0);
    for a in apps.into_iter().flatten() {
        if !a
            .features
            .iter()
            .any(|f| PUSH_FEATURES.contains(&f.as_str()))
        {
            no_push_apps += 1;
        }
    }
    if all_apps > 0 && no_push_apps == all_apps {
        for a in apps.into_iter().flatten() {
            flag(Status::Warn, Subject::item(SubjectKind::Item, a.title(), format!(
                "features [{}]: none of {}, so Okta provisions no user to this app (sign-on mode {})",
                a.features.join(", "),
                PUSH_FEATURES.join(", "),
                a.sign_on_mode.as_deref().unwrap_or("not given")
            )), "if this app should receive users, enable provisioning: app > Provisioning > Configure API Integration, then To App > Create Users, Update User Attributes, Deactivate Users", &mut subjects);
        }
    }
    let mut inactive = 0;
    for m in pushes
        .into_iter()
        .flatten()
        .filter(|m| m.status.as_deref() == Some("INACTIVE"))
    {
        inactive += 1;
        flag(Status::Warn, Subject::item(SubjectKind::Group, m.id.clone(), format!(
            "group push mapping INACTIVE (source group {} -> target group {}): membership changes of this group are not pushed",
            m.source_group_id.as_deref().unwrap_or("?"),
            m.target_group_id.as_deref().unwrap_or("?")
        )), "for INACTIVE group pushes: Push Groups > the group > Activate group push (or POST .../group-push/mappings/{id} with status ACTIVE), if its memberships should reach the target", &mut subjects);
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
    let assigned_groups = groups
        .map(|g| {
            let names: Vec<String> = g
                .iter()
                .map(|x| x.name.clone().unwrap_or_else(|| x.id.clone()))
                .collect();
            format!(
                "; {} assigned to the app ({})",
                plural(g.len(), "group", "groups"),
                short_list(&names)
            )
        })
        .unwrap_or_default();
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "{}: none in error, out of sync, staged or disabled{}{assigned_groups}",
                given(&[
                    (users.is_some(), plural(n_users, "app user", "app users")),
                    (
                        pushes.is_some(),
                        plural(n_push, "group push mapping", "group push mappings")
                    ),
                    (
                        features.is_some(),
                        plural(
                            features.map(Vec::len).unwrap_or(0),
                            "app feature",
                            "app features"
                        )
                    ),
                    (apps.is_some(), plural(all_apps, "app", "apps")),
                ]),
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
        .filter(|s| s.kind == SubjectKind::Group && s.detail.contains("in ERROR"))
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
            disabled,
            plural(
                disabled,
                "provisioning capability DISABLED",
                "provisioning capabilities DISABLED",
            ),
        ),
        (
            if all_apps > 0 && no_push_apps == all_apps {
                no_push_apps
            } else {
                0
            },
            plural(
                no_push_apps,
                "app without provisioning features",
                "apps without provisioning features",
            ),
        ),
        (
            inactive,
            plural(
                inactive,
                "group push mapping INACTIVE",
                "group push mappings INACTIVE",
            ),
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
            "expected every Okta app user synchronized, every group push active and provisioning enabled, got {}{assigned_groups}",
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

/// At most five names, then how many more.
fn short_list(names: &[String]) -> String {
    if names.len() <= 5 {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..5].join(", "), names.len() - 5)
    }
}

/// "2 app users and 1 app feature": the inputs that were given, or "no app users".
fn given(parts: &[(bool, String)]) -> String {
    let v: Vec<&str> = parts
        .iter()
        .filter(|(g, _)| *g)
        .map(|(_, t)| t.as_str())
        .collect();
    match v.len() {
        0 => "no app users, pushes, features or apps given".into(),
        1 => v[0].to_string(),
        n => format!("{} and {}", v[..n - 1].join(", "), v[n - 1]),
    }
}
