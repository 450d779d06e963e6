//! Groups and memberships of a diff. A member is known by a key comparable across sides: the
//! AFTER user it resolves to (BEFORE members through the user pairing), else its raw value
//! (nested groups, orphans). Resolving every member of a million-user tenant is the costly
//! part, so each group's member ids are compared raw first: an id listed on both sides that
//! is a user on both sides or on neither has the same key on both and cancels out; only the
//! rest is resolved (binary search in the id order). A user's group list is rebuilt only for
//! the users those leftovers name; every other user is in the same groups on both sides.

use super::changes::{opt, user_name, AttrChange, Changed, Ref, ResourceDiff};
use super::pairing::{self, Pairing, Sorted};
use crate::model::{Group, Tenant, User};
use foldhash::{HashMap as FastMap, HashMapExt, HashSet as FastSet};

/// Members listed per changed group (the counts are always complete).
const MEMBERS_LISTED: usize = 20;

#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy)]
enum MemberKey<'a> {
    User(u32),
    Raw(&'a str),
}

pub(super) struct Ctx<'a> {
    pub users_b: &'a Sorted<'a, User>,
    pub users_a: &'a Sorted<'a, User>,
    pub users: &'a Pairing<'a>,
}

impl<'a> Ctx<'a> {
    fn key_before(&self, v: &'a str) -> MemberKey<'a> {
        match self
            .users_b
            .first(v)
            .and_then(|i| self.users.map[i as usize])
        {
            Some(j) => MemberKey::User(j),
            None => MemberKey::Raw(v),
        }
    }

    fn key_after(&self, v: &'a str) -> MemberKey<'a> {
        match self.users_a.first(v) {
            Some(j) => MemberKey::User(j),
            None => MemberKey::Raw(v),
        }
    }
}

/// A group's member values in order, each with its prefix (see `pairing::prefix`).
fn sorted_values(g: &Group) -> Vec<(u64, &str)> {
    let mut v: Vec<(u64, &str)> = g
        .members
        .iter()
        .map(|m| (pairing::prefix(&m.value), m.value.as_str()))
        .collect();
    // Free when the server lists members in id order.
    if !v.is_sorted() {
        v.sort_unstable();
    }
    v
}

fn listed(v: &[(u64, &str)], x: &str) -> bool {
    v.binary_search(&(pairing::prefix(x), x)).is_ok()
}

/// The `members` change of a paired group, if any; pushes the AFTER positions of the paired
/// users whose membership may differ onto `touched`.
fn members_change<'a>(
    ctx: &Ctx<'a>,
    after: &'a Tenant,
    b: &'a Group,
    a: &'a Group,
    touched: &mut Vec<u32>,
) -> Option<AttrChange> {
    let (rb, ra) = (sorted_values(b), sorted_values(a));
    // Raw values left over on each side; a value listed on both sides stays only when its
    // id is a user on one side only (it resolves differently).
    let (mut xb, mut xa) = (Vec::new(), Vec::new());
    let one_sided = &ctx.users.one_sided;
    let (mut x, mut y) = (0, 0);
    while x < rb.len() || y < ra.len() {
        match (rb.get(x), ra.get(y)) {
            (Some(p), Some(q)) if p == q => {
                if ctx.users.is_one_sided(p.0, p.1) {
                    xb.push(p.1);
                    xa.push(q.1);
                }
                x += 1;
                y += 1;
            }
            (Some(p), Some(q)) if p < q => {
                xb.push(p.1);
                x += 1;
            }
            (Some(p), None) => {
                xb.push(p.1);
                x += 1;
            }
            (_, Some(q)) => {
                xa.push(q.1);
                y += 1;
            }
            (None, None) => break,
        }
    }
    if xb.is_empty() && xa.is_empty() {
        return None;
    }
    let mut was: Vec<MemberKey> = xb.iter().map(|v| ctx.key_before(v)).collect();
    let mut now: Vec<MemberKey> = xa.iter().map(|v| ctx.key_after(v)).collect();
    was.sort_unstable();
    now.sort_unstable();
    if was == now {
        return None;
    }
    for k in was.iter().chain(&now) {
        if let MemberKey::User(j) = *k {
            if ctx.users.taken[j as usize] {
                touched.push(j);
            }
        }
    }
    // The keys of the members that cancelled out: on both sides, so never gone nor new.
    let in_common = |k: &MemberKey| match *k {
        MemberKey::User(j) => {
            let w = after.users[j as usize].id.as_str();
            !ctx.users.repeated_after.contains(&j)
                && !one_sided.contains(w)
                && listed(&rb, w)
                && listed(&ra, w)
        }
        MemberKey::Raw(v) => {
            !one_sided.contains(v)
                && listed(&rb, v)
                && listed(&ra, v)
                && ctx.users_a.first(v).is_none()
        }
    };
    let label = |k: &MemberKey| match k {
        MemberKey::User(u) => user_name(&after.users[*u as usize]),
        MemberKey::Raw(v) => v.to_string(),
    };
    let gone: Vec<&MemberKey> = was
        .iter()
        .filter(|k| now.binary_search(k).is_err() && !in_common(k))
        .collect();
    let came: Vec<&MemberKey> = now
        .iter()
        .filter(|k| was.binary_search(k).is_err() && !in_common(k))
        .collect();
    let list = |v: &[&MemberKey]| {
        let mut s: Vec<String> = v.iter().take(MEMBERS_LISTED).map(|k| label(k)).collect();
        if v.len() > MEMBERS_LISTED {
            s.push(format!("and {} more", v.len() - MEMBERS_LISTED));
        }
        s.join(", ")
    };
    let mut delta = Vec::new();
    if !came.is_empty() {
        delta.push(format!("+{}: {}", came.len(), list(&came)));
    }
    if !gone.is_empty() {
        delta.push(format!("-{}: {}", gone.len(), list(&gone)));
    }
    Some(AttrChange {
        attribute: "members",
        before: format!("{} members", b.members.len()),
        after: format!("{} members ({})", a.members.len(), delta.join("; ")),
    })
}

/// The groups diff, and the `groups` change of every user whose memberships differ (by
/// BEFORE position, ascending).
pub(super) fn compare_groups<'a>(
    ctx: &Ctx<'a>,
    before: &'a Tenant,
    after: &'a Tenant,
) -> (ResourceDiff, Vec<(u32, AttrChange)>) {
    let (sb, sa) = (Sorted::new(&before.groups), Sorted::new(&after.groups));
    let gp = pairing::pair(&sb, &sa);
    let mut out = ResourceDiff {
        before: before.groups.len(),
        after: after.groups.len(),
        matched_by_name: gp.by_name,
        ..Default::default()
    };
    let gref = |g: &Group| Ref {
        id: g.id.clone(),
        name: g.name().to_string(),
    };
    let mut touched = Vec::new();
    for (i, b) in before.groups.iter().enumerate() {
        let Some(j) = gp.map[i] else {
            out.removed.push(gref(b));
            touched.extend(
                b.members
                    .iter()
                    .filter_map(|m| match ctx.key_before(&m.value) {
                        MemberKey::User(j) => Some(j),
                        MemberKey::Raw(_) => None,
                    }),
            );
            continue;
        };
        let a = &after.groups[j as usize];
        let mut changes = group_attr_changes(b, a);
        changes.extend(members_change(ctx, after, b, a, &mut touched));
        if changes.is_empty() {
            out.unchanged += 1;
        } else {
            out.changed.push(Changed {
                id: a.id.clone(),
                before_id: (a.id != b.id).then(|| b.id.clone()),
                name: a.name().to_string(),
                changes,
            });
        }
    }
    for (j, a) in after.groups.iter().enumerate() {
        if !gp.taken[j] {
            out.added.push(gref(a));
            touched.extend(
                a.members
                    .iter()
                    .filter_map(|m| match ctx.key_after(&m.value) {
                        MemberKey::User(j) if ctx.users.taken[j as usize] => Some(j),
                        _ => None,
                    }),
            );
        }
    }
    let users = membership_changes(ctx, before, after, &gp.map, touched);
    (out, users)
}

/// The `groups` change of each touched user (AFTER positions of paired users), from its
/// full group lists on both sides, as `docs/diff.md` states it.
fn membership_changes(
    ctx: &Ctx,
    before: &Tenant,
    after: &Tenant,
    gmap: &[Option<u32>],
    mut touched: Vec<u32>,
) -> Vec<(u32, AttrChange)> {
    if touched.is_empty() {
        return Vec::new();
    }
    touched.sort_unstable();
    touched.dedup();
    let mut inverse = vec![u32::MAX; after.users.len()];
    for (i, j) in ctx.users.map.iter().enumerate() {
        if let Some(j) = j {
            inverse[*j as usize] = i as u32;
        }
    }
    // Ids a member lookup finds (first occurrences) of the touched users, on each side.
    let mut slot_b: FastMap<&str, usize> = FastMap::with_capacity(touched.len());
    let mut slot_a: FastMap<&str, usize> = FastMap::with_capacity(touched.len());
    for (s, &j) in touched.iter().enumerate() {
        let i = inverse[j as usize];
        let id = before.users[i as usize].id.as_str();
        if ctx.users_b.first(id) == Some(i) {
            slot_b.insert(id, s);
        }
        if !ctx.users.repeated_after.contains(&j) {
            slot_a.insert(after.users[j as usize].id.as_str(), s);
        }
    }
    let groups_of = |t: &Tenant, slots: &FastMap<&str, usize>| {
        let mut of = vec![Vec::new(); touched.len()];
        if !slots.is_empty() {
            let prefixes: FastSet<u64> = slots.keys().map(|k| pairing::prefix(k)).collect();
            for (g, group) in t.groups.iter().enumerate() {
                for m in &group.members {
                    if !prefixes.contains(&pairing::prefix(&m.value)) {
                        continue;
                    }
                    if let Some(&s) = slots.get(m.value.as_str()) {
                        of[s].push(g as u32);
                    }
                }
            }
        }
        of
    };
    let (was, now) = (groups_of(before, &slot_b), groups_of(after, &slot_a));
    let names = |t: &Tenant, gs: &[u32]| {
        let mut v: Vec<&str> = gs.iter().map(|&g| t.groups[g as usize].name()).collect();
        v.sort_unstable();
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut out = Vec::new();
    for (s, &j) in touched.iter().enumerate() {
        let (was, now) = (&was[s], &now[s]);
        // Compared in AFTER's group numbering; a group only BEFORE has maps to none.
        let same = was.len() == now.len()
            && was
                .iter()
                .all(|&g| gmap[g as usize].is_some_and(|x| now.contains(&x)));
        if !same {
            let change = AttrChange {
                attribute: "groups",
                before: names(before, was),
                after: names(after, now),
            };
            out.push((inverse[j as usize], change));
        }
    }
    out.sort_unstable_by_key(|(i, _)| *i);
    out
}

/// A group's own attributes the diff reports (its members are compared apart).
pub(super) fn group_attr_changes(b: &Group, a: &Group) -> Vec<AttrChange> {
    let mut changes = Vec::new();
    if b.display_name != a.display_name {
        changes.push(AttrChange {
            attribute: "displayName",
            before: opt(&b.display_name),
            after: opt(&a.display_name),
        });
    }
    if b.external_id != a.external_id {
        changes.push(AttrChange {
            attribute: "externalId",
            before: opt(&b.external_id),
            after: opt(&a.external_id),
        });
    }
    changes
}
