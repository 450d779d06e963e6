//! Unit tests of the comparison rules (the fixture pairs run in tests/diff.rs).

use super::data;
use super::findings::{self, Change};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::{Email, Group, Member, Tenant, User};
use crate::report::{Report, SourceInfo, SourceKind};

fn user(id: &str, name: &str) -> User {
    User {
        id: id.into(),
        user_name: Some(name.into()),
        emails: vec![Email {
            value: name.into(),
            kind: None,
            primary: true,
        }],
        ..Default::default()
    }
}

fn group(id: &str, name: &str, members: &[&str]) -> Group {
    Group {
        id: id.into(),
        display_name: Some(name.into()),
        members: members
            .iter()
            .map(|m| Member {
                value: m.to_string(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn report(checks: Vec<CheckResult>) -> Report {
    let src = SourceInfo {
        kind: SourceKind::Snapshot,
        label: "x".into(),
        base_url: None,
        insecure: false,
    };
    Report::new(src, checks, Vec::new())
}

#[test]
fn membership_moves_show_on_the_user_and_on_both_groups() {
    let b = Tenant {
        users: vec![user("u1", "ann@x")],
        groups: vec![group("g1", "Sales", &["u1"]), group("g2", "VPN", &[])],
        ..Default::default()
    };
    let a = Tenant {
        users: vec![user("u1", "ann@x")],
        groups: vec![group("g1", "Sales", &[]), group("g2", "VPN", &["u1"])],
        ..Default::default()
    };
    let d = data::compare(&b, &a);
    let ann = &d.users.changed[0].changes[0];
    assert_eq!(
        (ann.attribute, ann.before.as_str(), ann.after.as_str()),
        ("groups", "Sales", "VPN")
    );
    assert_eq!(d.groups.changed.len(), 2);
    assert!(d.groups.changed[1].changes[0].after.contains("+1: ann@x"));
}

#[test]
fn same_members_under_regenerated_ids_are_not_a_membership_change() {
    let b = Tenant {
        users: vec![user("u1", "ann@x")],
        groups: vec![group("g1", "Sales", &["u1"])],
        ..Default::default()
    };
    let a = Tenant {
        users: vec![user("n1", "ANN@x")],
        groups: vec![group("h1", "sales", &["n1"])],
        ..Default::default()
    };
    let d = data::compare(&b, &a);
    assert_eq!((d.users.matched_by_name, d.groups.matched_by_name), (1, 1));
    // userName case and displayName case changed: reported, but no membership change.
    assert!(d.users.changed[0]
        .changes
        .iter()
        .all(|c| c.attribute == "userName"));
    assert!(d.groups.changed[0]
        .changes
        .iter()
        .all(|c| c.attribute == "displayName"));
    assert!(d.users.added.is_empty() && d.users.removed.is_empty());
}

#[test]
fn clusters_compare_case_insensitively() {
    let dup = |key: &str| {
        CheckResult::found(
            "duplicate-email",
            Status::Fail,
            "m",
            "r",
            vec![Subject::user(&user("u1", "a"), "").in_group(key)],
        )
    };
    let d = findings::compare(&report(vec![dup("Ann@X")]), &report(vec![dup("ann@x")]));
    assert_eq!(d[0].change, Change::Same);
    assert_eq!(d[0].still.len(), 1);
}

#[test]
fn a_check_skipped_on_one_side_is_not_compared_and_not_worse() {
    let b = report(vec![CheckResult::skipped(
        "license-capacity",
        "give --licenses",
    )]);
    let a = report(vec![CheckResult::new(
        "license-capacity",
        Status::Fail,
        "short",
    )]);
    let d = findings::compare(&b, &a);
    assert_eq!(d[0].change, Change::NotCompared);
    assert!(d[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("skipped in BEFORE"));
}

#[test]
fn a_status_change_without_subjects_is_worse_or_better() {
    let b = report(vec![CheckResult::pass("tls", "ok")]);
    let a = report(vec![CheckResult::new("tls", Status::Fail, "expired")]);
    assert_eq!(findings::compare(&b, &a)[0].change, Change::Worse);
    assert_eq!(findings::compare(&a, &b)[0].change, Change::Better);
}

fn users_of(check: &str, status: Status, ids: &[&str]) -> CheckResult {
    let subjects = ids
        .iter()
        .map(|i| Subject::user(&user(i, &format!("{i}@x")), "x"))
        .collect();
    CheckResult::found(check, status, "m", "fix", subjects)
}

fn side(report: &Report) -> super::SideRef<'_> {
    super::SideRef {
        path: "x",
        kind: "report",
        report: Some(report),
        tenant: None,
    }
}

/// 30 resolved and 2 new is not "worse": the banner says MIXED with both counts, a diff with
/// only resolutions says BETTER, one with only new subjects WORSE.
#[test]
fn the_banner_says_what_changed() {
    let many: Vec<String> = (0..30).map(|i| format!("u{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let b = report(vec![
        users_of("missing-email", Status::Fail, &many),
        users_of("invalid-email", Status::Pass, &[]),
    ]);
    let a = report(vec![
        users_of("missing-email", Status::Pass, &[]),
        users_of("invalid-email", Status::Fail, &["n1", "n2"]),
    ]);
    let d = super::compare(side(&b), side(&a));
    assert_eq!(
        super::render::verdict(&d),
        ("warn", "MIXED: 30 resolved, 2 new".to_string())
    );
    let html = super::render::html(&d, 50);
    assert!(html.contains("MIXED: 30 resolved, 2 new"), "{html}");
    assert!(!html.contains(">WORSE<"), "{html}");
    let better = super::compare(side(&b), side(&b.clone()));
    assert_eq!(super::render::verdict(&better).1, "NO CHANGE IN FINDINGS");
    let only_new = super::compare(
        side(&a),
        side(&report(vec![
            users_of("missing-email", Status::Fail, &["z"]),
            users_of("invalid-email", Status::Fail, &["n1", "n2"]),
        ])),
    );
    assert_eq!(super::render::verdict(&only_new).0, "fail");
    let fixed = super::compare(side(&a), side(&b.clone()));
    assert_eq!(super::render::verdict(&fixed).0, "warn");
    let resolved_only = super::compare(
        side(&b),
        side(&report(vec![
            users_of("missing-email", Status::Pass, &[]),
            users_of("invalid-email", Status::Pass, &[]),
        ])),
    );
    assert_eq!(
        super::render::verdict(&resolved_only),
        ("pass", "BETTER: 30 resolved, 0 new".to_string())
    );
}

/// Checks skipped on both sides are counted, not listed, in HTML and Markdown.
#[test]
fn checks_skipped_on_both_sides_are_not_listed() {
    let skipped = |id: &str| CheckResult::skipped(id, "offline");
    let b = report(vec![
        skipped("tls"),
        skipped("dns"),
        users_of("missing-email", Status::Fail, &["u1"]),
    ]);
    let a = report(vec![
        skipped("tls"),
        skipped("dns"),
        users_of("missing-email", Status::Pass, &[]),
    ]);
    let d = super::compare(side(&b), side(&a));
    let html = super::render::html(&d, 50);
    assert_eq!(html.matches("<tr id=\"diff-").count(), 1, "{html}");
    assert!(
        html.contains("2 checks skipped or not run on both sides"),
        "{html}"
    );
    let md = super::render::markdown(&d, 50);
    assert!(!md.contains("| `tls` |"), "{md}");
    assert!(
        md.contains("2 checks skipped or not run on both sides"),
        "{md}"
    );
}

/// Which side is older comes from the times the data was read, and a BEFORE newer than
/// AFTER is pointed out.
#[test]
fn data_times_say_which_side_is_older() {
    let r = report(vec![users_of("missing-email", Status::Pass, &[])]);
    let mut d = super::compare(side(&r), side(&r));
    super::set_data_times(
        &mut d,
        Some("2026-01-02T00:00:00Z"),
        Some("2026-01-01T00:00:00Z"),
    );
    assert!(
        d.notes.iter().any(|n| n.contains("may be swapped")),
        "{:?}",
        d.notes
    );
    let human = super::render::human(&d, 10);
    assert!(
        human.contains("before: report x, data read 2026-01-02T00:00:00Z, the newer data"),
        "{human}"
    );
    assert!(
        human.contains("after: report x, data read 2026-01-01T00:00:00Z, the older data"),
        "{human}"
    );
}

/// A pseudonymised side is never compared with one in clear.
#[test]
fn a_pseudonymised_side_is_refused_against_one_in_clear() {
    let s = |p: bool| super::Side {
        path: if p {
            "redacted.zip".into()
        } else {
            "clear.zip".into()
        },
        kind: "bundle",
        report: None,
        tenant: None,
        pseudonymised: p,
        data_time: None,
    };
    let err = super::check_comparable(&s(true), &s(false)).unwrap_err();
    assert!(
        err.contains("redacted.zip was written with --redact-pii"),
        "{err}"
    );
    assert!(super::check_comparable(&s(false), &s(false)).is_ok());
    assert!(super::check_comparable(&s(true), &s(true)).is_ok());
}
