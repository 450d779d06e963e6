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
