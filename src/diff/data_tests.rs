//! The fast tenant comparison (`data`) against the first, map-based one (`reference`): the
//! same `DataDiff`, byte for byte in JSON, on random tenant pairs drawn from tiny alphabets
//! (so ids repeat, collide across users and groups, get regenerated, and members point at
//! unknown ids), on one thread and on two.

use super::{data, reference};
use crate::model::{Email, Group, Member, Tenant, User};
use proptest::prelude::*;

fn pick(from: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(from).prop_map(str::to_string)
}

fn opt_of(from: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(pick(from))
}

// Short ids and long ones sharing their first 8 bytes (the sort's prefix) or all of them.
const IDS: &[&str] = &[
    "u1",
    "u2",
    "u3",
    "u4",
    "2819c223-a",
    "2819c223-B",
    "2819c223",
    "g1",
    "x9",
];
const NAMES: &[&str] = &["ann", "Ann ", "bob", "BOB", "cy", "", " "];
const MAILS: &[&str] = &["a@x", "A@X", "b@x", "", " "];
const GIDS: &[&str] = &["g1", "g2", "g3", "u1", "2819c223"];
const GNAMES: &[&str] = &["Sales", "sales", "VPN", ""];

fn user() -> impl Strategy<Value = User> {
    (
        pick(IDS),
        opt_of(NAMES),
        opt_of(&["e1", "e2"]),
        proptest::option::of(any::<bool>()),
        proptest::collection::vec(pick(MAILS), 0..3),
    )
        .prop_map(|(id, user_name, external_id, active, mails)| User {
            id,
            user_name,
            external_id,
            active,
            emails: mails
                .into_iter()
                .map(|value| Email {
                    value,
                    kind: None,
                    primary: false,
                })
                .collect(),
            ..Default::default()
        })
}

fn group() -> impl Strategy<Value = Group> {
    (
        pick(GIDS),
        opt_of(GNAMES),
        opt_of(&["x1", "x2"]),
        proptest::collection::vec(pick(IDS), 0..7),
    )
        .prop_map(|(id, display_name, external_id, members)| Group {
            id,
            display_name,
            external_id,
            members: members
                .into_iter()
                .map(|value| Member {
                    value,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
}

fn tenant() -> impl Strategy<Value = Tenant> {
    (
        proptest::collection::vec(user(), 0..8),
        proptest::collection::vec(group(), 0..5),
    )
        .prop_map(|(users, groups)| Tenant {
            users,
            groups,
            ..Default::default()
        })
}

fn json(d: &data::DataDiff) -> String {
    serde_json::to_string(d).unwrap()
}

fn assert_same(b: &Tenant, a: &Tenant) {
    let want = json(&reference::compare(b, a));
    assert_eq!(json(&data::compare_with(b, a, false)), want, "one thread");
    assert_eq!(json(&data::compare_with(b, a, true)), want, "two threads");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    // Any pair of small tenants (repeated ids, regenerated ids, odd members): same diff.
    #[test]
    fn random_pairs_diff_exactly_as_the_map_based_comparison(b in tenant(), a in tenant()) {
        assert_same(&b, &a);
    }

    // A tenant against an edited copy of itself (the realistic case): same diff.
    #[test]
    fn edited_copies_diff_exactly_as_the_map_based_comparison(
        b in tenant(),
        drop in proptest::collection::vec(any::<bool>(), 8),
        extra in tenant(),
    ) {
        let mut a = b.clone();
        let mut k = 0;
        a.users.retain(|_| { k += 1; !drop[k % 8] });
        a.users.extend(extra.users);
        if let Some(g) = a.groups.first_mut() {
            g.members.retain(|m| m.value != "u2");
        }
        a.groups.extend(extra.groups);
        assert_same(&b, &a);
    }
}

/// A bench-shaped pair: ids out of order on one side, some regenerated, members moved.
fn sized(n: usize, after: bool) -> Tenant {
    let mut users: Vec<User> = (0..n)
        .filter(|i| !(after && i % 97 == 3))
        .map(|i| {
            let regenerated = after && i % 89 == 1;
            User {
                id: format!(
                    "{:04x}{}",
                    (i * 7919) % 65521,
                    if regenerated { "-new" } else { "" }
                ),
                user_name: Some(format!("user{i}@x")),
                active: Some(!(after && i % 31 == 0)),
                ..Default::default()
            }
        })
        .collect();
    if after {
        users.reverse();
    }
    let groups = (0..7)
        .map(|g| Group {
            id: format!("g{g}"),
            display_name: Some(format!("G{g}")),
            members: users
                .iter()
                .enumerate()
                .filter(|(k, _)| (k + usize::from(after && k % 13 == 0)) % 7 == g)
                .map(|(_, u)| Member {
                    value: u.id.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    Tenant {
        users,
        groups,
        ..Default::default()
    }
}

#[test]
fn a_few_thousand_users_out_of_order_diff_exactly_as_the_map_based_comparison() {
    let (b, a) = (sized(3000, false), sized(3000, true));
    let d = data::compare_with(&b, &a, true);
    assert!(d.users.matched_by_name > 0 && !d.users.removed.is_empty());
    assert!(d
        .users
        .changed
        .iter()
        .any(|c| c.changes.iter().any(|x| x.attribute == "groups")));
    assert_same(&b, &a);
}

#[test]
fn an_id_repeated_only_in_after_resolves_members_to_its_first_occurrence() {
    // Found by the random pairs: "bob" (u4) matched by userName to the second "u5"; the
    // group's member "u5" is the first "u5", so bob left the group.
    let user = |id: &str, name: Option<&str>| User {
        id: id.into(),
        user_name: name.map(Into::into),
        ..Default::default()
    };
    let group = |m: &str| Group {
        id: "g1".into(),
        members: vec![Member {
            value: m.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let b = Tenant {
        users: vec![user("u4", Some("bob"))],
        groups: vec![group("u4")],
        ..Default::default()
    };
    let a = Tenant {
        users: vec![user("u5", None), user("u5", Some("bob"))],
        groups: vec![group("u5")],
        ..Default::default()
    };
    let d = data::compare_with(&b, &a, false);
    assert_eq!(d.users.changed[0].changes[0].attribute, "groups");
    assert_same(&b, &a);
}
