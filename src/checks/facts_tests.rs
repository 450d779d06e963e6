//! The per-user checks read the shared `FactSet` to find the few users they report. These
//! tests prove that shortcut changes no verdict: on generated tenants full of collisions
//! (case and whitespace variants, blank and malformed values, aliases, soft-delete copies,
//! non-boolean `active`, another directory), each check reports exactly the users a plain
//! reading of its rule, user by user with ordinary maps, picks out.

use super::duplicates::{norm, soft_deleted_upn};
use super::users::{has_email, name_problem, several_primaries, usable_email};
use super::{Ctx, LicenseOptions, Params};
use crate::findings::CheckResult;
use crate::model::{parse_user, Tenant, User};
use crate::profile::Profile;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A small deterministic generator (xorshift): the same tenant on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// A key drawn from a pool of `pool` (`shape` writes key n), in one of the forms servers
/// send it.
fn drawn(r: &mut Rng, pool: u64, shape: fn(u64) -> String) -> String {
    let base = shape(r.below(pool));
    match r.below(6) {
        0 => base.to_uppercase(),
        1 => format!(" {base} "),
        2 => base.replacen('a', "A", 1),
        _ => base,
    }
}

/// One user as a server would send it (read by the real parser, so `active` forms and
/// unowned attributes take the loader's path).
fn user_json(r: &mut Rng, i: usize, pool: u64) -> Value {
    let mut u = json!({"id": format!("id-{i}")});
    let name = match r.below(10) {
        0 => None,
        1 => Some(format!(
            "0123456789abcdef0123456789abcdef{}",
            drawn(r, pool, |n| format!("user{n}@x.test"))
        )),
        2 => Some(format!("name {}", r.below(pool))),
        _ => Some(drawn(r, pool, |n| format!("user{n}@x.test"))),
    };
    if let Some(n) = name {
        u["userName"] = json!(n);
    }
    if r.below(4) != 0 {
        u["externalId"] = json!(drawn(r, pool, |n| format!("ext-{n}")));
    }
    match r.below(12) {
        0 => {}
        1 => u["active"] = json!(r.pick(&["True", "false", "yes", "1"])),
        2..=4 => u["active"] = json!(false),
        _ => u["active"] = json!(true),
    }
    let emails: Vec<Value> = (0..r.below(4))
        .map(|_| {
            let value = match r.below(8) {
                0 => "  ".to_string(),
                1 => format!("not an address {}", r.below(pool)),
                _ => drawn(r, pool, |n| format!("user{n}@x.test")),
            };
            let mut e = json!({"value": value});
            if let Some(kind) =
                [Some("work"), Some("other"), Some("home"), None][r.below(4) as usize]
            {
                e["type"] = json!(kind);
            }
            if r.below(3) == 0 {
                e["primary"] = json!(true);
            }
            e
        })
        .collect();
    // Often the userName is the email itself, as sent (the UPN as mail), blanks included.
    if let Some(first) = emails.first().filter(|_| r.below(3) == 0) {
        u["userName"] = first["value"].clone();
    }
    if !emails.is_empty() || r.below(2) == 0 {
        u["emails"] = json!(emails);
    }
    if r.below(5) == 0 {
        u["title"] = json!("Engineer");
    }
    u
}

fn tenant(r: &mut Rng, users: usize, pool: u64, label: &str) -> Tenant {
    let mut t = Tenant {
        label: label.into(),
        ..Default::default()
    };
    t.users = (0..users)
        .map(|i| parse_user(user_json(r, i, pool), &i.to_string()).unwrap())
        .collect();
    t
}

fn profile() -> Profile {
    let mut p = crate::profile::load("default", None).unwrap();
    p.required_user_attributes
        .push("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".into());
    p
}

/// The reported users' ids, sorted (a user reported in two clusters counts twice).
fn reported(r: &CheckResult) -> Vec<String> {
    let mut ids: Vec<String> = r.subjects.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    ids
}

fn ids<'a>(users: impl IntoIterator<Item = &'a User>) -> Vec<String> {
    let mut ids: Vec<String> = users.into_iter().map(|u| u.id.clone()).collect();
    ids.sort();
    ids
}

/// Users grouped by a normalised key, each user once per key.
fn holders<'a>(
    users: impl IntoIterator<Item = &'a User>,
    keys: impl Fn(&'a User) -> Vec<String>,
) -> BTreeMap<String, Vec<&'a User>> {
    let mut by: BTreeMap<String, Vec<&User>> = BTreeMap::new();
    for u in users {
        let mut ks = keys(u);
        ks.sort();
        ks.dedup();
        for k in ks.into_iter().filter(|k| !k.is_empty()) {
            by.entry(k).or_default().push(u);
        }
    }
    by
}

fn shared(by: BTreeMap<String, Vec<&User>>) -> Vec<&User> {
    by.into_values().filter(|v| v.len() > 1).flatten().collect()
}

fn email_keys(u: &User) -> Vec<String> {
    u.email_values()
        .iter()
        .map(|e| norm(e).into_owned())
        .collect()
}

/// Proves every per-user check reports exactly the users its rule names, on tenants of
/// several sizes (one chunk and several) and key pools (few and many collisions).
#[test]
fn checks_on_shared_facts_report_exactly_the_users_their_rule_names() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    let profile = profile();
    let license = LicenseOptions::default();
    for (users, pool) in [(300, 40), (40_000, 25_000), (40_000, 3_000)] {
        let t = tenant(&mut r, users, pool, "main");
        let others = vec![tenant(&mut r, 500, pool, "other")];
        let ctx = Ctx {
            others: &others,
            ..Ctx::for_test(&t, &profile, &license)
        };
        let p = Params::new();
        let all = || t.users.iter();
        let active = || t.users.iter().filter(|u| u.is_active());
        let case = format!("{users} users, pool {pool}");

        let mut want_total = 0;
        let mut check = |got: CheckResult, want: Vec<String>| {
            assert_eq!(reported(&got), want, "{} ({case})", got.id);
            want_total += want.len();
        };
        check(
            super::users::missing_email(&ctx, &p),
            ids(all().filter(|u| !has_email(u))),
        );
        check(
            super::users::invalid_email(&ctx, &p),
            ids(all().filter(|u| {
                u.email_values()
                    .iter()
                    .any(|e| super::users::email_problem(e).is_some())
            })),
        );
        check(
            super::users::username_not_email(&ctx, &p),
            ids(all().filter(|u| name_problem(u).is_some())),
        );
        check(
            super::users::multiple_primary_emails(&ctx, &p),
            ids(all().filter(|u| several_primaries(u))),
        );
        check(
            super::integrity::active_not_boolean(&ctx, &p),
            ids(all().filter(|u| u.active_as_sent().is_some())),
        );
        let required = &profile.required_user_attributes;
        check(
            super::users::missing_required_attribute(&ctx, &p),
            ids(all().filter(|u| required.iter().any(|a| !u.has_attribute(a)))),
        );
        check(
            super::duplicates::duplicate_email(&ctx, &p),
            ids(shared(holders(all(), email_keys))),
        );
        // Across the tenant and the other directory: ids repeat between them, so compare
        // (directory, id) pairs through the detail's directory note.
        for (got, key) in [
            (
                super::duplicates::duplicate_username(&ctx, &p),
                (|u: &User| u.user_name.clone()) as fn(&User) -> Option<String>,
            ),
            (
                super::duplicates::duplicate_external_id(&ctx, &p),
                |u: &User| u.external_id.clone(),
            ),
        ] {
            let everyone = t.users.iter().chain(others[0].users.iter());
            let by = holders(everyone, |u| {
                key(u).map(|k| norm(&k).into_owned()).into_iter().collect()
            });
            check(got, ids(shared(by)));
        }
        // soft-delete-leftover: a disabled user whose 32-hex-prefixed userName is another
        // user's, or that shares an email with an active user.
        let names: std::collections::BTreeSet<String> = all()
            .filter_map(|u| u.user_name.as_deref().map(|n| norm(n).into_owned()))
            .collect();
        let active_emails: std::collections::BTreeSet<String> =
            active().flat_map(email_keys).collect();
        check(
            super::duplicates::soft_delete_leftover(&ctx, &p),
            ids(all().filter(|u| !u.is_active()).filter(|u| {
                let prefixed = u
                    .user_name
                    .as_deref()
                    .and_then(soft_deleted_upn)
                    .is_some_and(|upn| names.contains(norm(upn).as_ref()));
                prefixed || email_keys(u).iter().any(|e| active_emails.contains(e))
            })),
        );
        // unlicensable-user: active users without a usable email, and every later active
        // holder of a usable email an earlier active user holds.
        let mut seen = std::collections::HashSet::new();
        let unlicensable = active().filter(|u| match usable_email(u) {
            None => true,
            Some(e) => !seen.insert(norm(e).into_owned()),
        });
        check(
            super::license::unlicensable_user(&ctx, &p),
            ids(unlicensable),
        );
        assert!(
            want_total > users / 2,
            "the tenant has problems to find ({case})"
        );
    }
}

/// Proves the one-pass choice of the identifying email is the rule as written (the first
/// primary, else the first of type work, else the first whose type is not other; blank
/// values never), on every list of up to three emails built from the forms that matter.
#[test]
fn identity_email_follows_the_rule_on_every_small_list() {
    use crate::model::Email;
    let kinds = [
        None,
        Some("work"),
        Some(" Work "),
        Some("other"),
        Some("home"),
    ];
    let mut forms = Vec::new();
    for value in ["a@x.test", "  "] {
        for kind in kinds {
            for primary in [false, true] {
                forms.push(Email {
                    value: value.into(),
                    kind: kind.map(str::to_string),
                    primary,
                });
            }
        }
    }
    let rule = |emails: &[Email]| {
        let kind_is = |e: &Email, k: &str| {
            e.kind
                .as_deref()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(k))
        };
        let pos = |f: &dyn Fn(&Email) -> bool| {
            emails
                .iter()
                .position(|e| !e.value.trim().is_empty() && f(e))
        };
        pos(&|e| e.primary)
            .or_else(|| pos(&|e| kind_is(e, "work")))
            .or_else(|| pos(&|e| !kind_is(e, "other")))
    };
    let mut lists: Vec<Vec<Email>> = vec![vec![]];
    for _ in 0..3 {
        let longer: Vec<Vec<Email>> = lists
            .iter()
            .filter(|l| l.len() == lists.last().map_or(0, Vec::len))
            .flat_map(|l| {
                forms.iter().map(move |f| {
                    let mut l = l.clone();
                    l.push(f.clone());
                    l
                })
            })
            .collect();
        lists.extend(longer);
    }
    assert!(lists.len() > 8_000);
    for emails in lists {
        let u = User {
            emails,
            ..Default::default()
        };
        assert_eq!(
            super::users::identity_email_index(&u),
            rule(&u.emails),
            "{:?}",
            u.emails
        );
    }
}
