//! The diff's tenant comparison as first written (one id hash map per side, every member
//! resolved through them), kept for tests only: the linear-walk implementation in `data` must
//! give exactly the same `DataDiff` on any pair of tenants (see `data_tests`).

use super::data::{AttrChange, Changed, DataDiff, Ref, ResourceDiff};
use crate::model::{Group, Tenant, User};
use foldhash::{HashMap as FastMap, HashMapExt};

const MEMBERS_LISTED: usize = 20;

/// Pairs `before[i]` with an index of `after`: by id, then by normalised name.
fn pair<'a, T>(
    before: &'a [T],
    after: &'a [T],
    by_id: &FastMap<&'a str, u32>,
    id: impl Fn(&'a T) -> &'a str,
    name: impl Fn(&T) -> Option<String>,
) -> (Vec<Option<u32>>, Vec<bool>, usize) {
    let mut map = vec![None; before.len()];
    let mut taken = vec![false; after.len()];
    let mut left = Vec::new();
    for (i, x) in before.iter().enumerate() {
        match by_id.get(id(x)) {
            Some(&j) if !taken[j as usize] => {
                taken[j as usize] = true;
                map[i] = Some(j);
            }
            _ => left.push(i),
        }
    }
    let mut by_name = 0;
    if !left.is_empty() {
        let mut names: FastMap<String, u32> = FastMap::new();
        for (j, x) in after.iter().enumerate() {
            if !taken[j] {
                if let Some(n) = name(x) {
                    names.entry(n).or_insert(j as u32);
                }
            }
        }
        for i in left {
            if let Some(j) = name(&before[i]).and_then(|n| names.remove(&n)) {
                taken[j as usize] = true;
                map[i] = Some(j);
                by_name += 1;
            }
        }
    }
    (map, taken, by_name)
}

fn norm(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
}

fn user_name(u: &User) -> String {
    u.user_name.clone().unwrap_or_else(|| u.id.clone())
}

/// Position of each id (the first, when a server repeats one).
fn index_of<'a, T>(items: &'a [T], id: impl Fn(&'a T) -> &'a str) -> FastMap<&'a str, u32> {
    let mut m: FastMap<&str, u32> = FastMap::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        m.entry(id(x)).or_insert(i as u32);
    }
    m
}

/// Group memberships of every user, as indices of the group list, in one flat array
/// (`groups[start[u]..start[u + 1]]`): no allocation per user.
struct Memberships {
    start: Vec<u32>,
    groups: Vec<u32>,
}

impl Memberships {
    fn of(t: &Tenant, index: &FastMap<&str, u32>) -> Self {
        let mut count = vec![0u32; t.users.len() + 1];
        let each = |f: &mut dyn FnMut(usize, u32)| {
            for (g, group) in t.groups.iter().enumerate() {
                for m in &group.members {
                    if let Some(&u) = index.get(m.value.as_str()) {
                        f(u as usize, g as u32);
                    }
                }
            }
        };
        each(&mut |u, _| count[u + 1] += 1);
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        let mut fill = count.clone();
        let mut groups = vec![0u32; count[t.users.len()] as usize];
        each(&mut |u, g| {
            groups[fill[u] as usize] = g;
            fill[u] += 1;
        });
        Memberships {
            start: count,
            groups,
        }
    }

    fn of_user(&self, u: usize) -> &[u32] {
        &self.groups[self.start[u] as usize..self.start[u + 1] as usize]
    }
}

pub fn compare(before: &Tenant, after: &Tenant) -> DataDiff {
    let (bi, ai) = (
        index_of(&before.users, |u| &u.id),
        index_of(&after.users, |u| &u.id),
    );
    let (umap, utaken, uby_name) = pair(
        &before.users,
        &after.users,
        &ai,
        |u| &u.id,
        |u| norm(&u.user_name),
    );
    let gi = index_of(&after.groups, |g| &g.id);
    let (gmap, gtaken, gby_name) = pair(
        &before.groups,
        &after.groups,
        &gi,
        |g| &g.id,
        |g| norm(&g.display_name),
    );
    let (bm, am) = (Memberships::of(before, &bi), Memberships::of(after, &ai));
    let mut users = ResourceDiff {
        before: before.users.len(),
        after: after.users.len(),
        matched_by_name: uby_name,
        ..Default::default()
    };
    for (i, b) in before.users.iter().enumerate() {
        let Some(j) = umap[i] else {
            users.removed.push(Ref {
                id: b.id.clone(),
                name: user_name(b),
            });
            continue;
        };
        let a = &after.users[j as usize];
        // The attributes compare the same way in both: what this reference checks is the
        // pairing and the memberships.
        let mut changes = super::data::attr_changes(b, a);
        // Memberships compared in AFTER's group numbering; a group only BEFORE has maps to none.
        let (was, now) = (bm.of_user(i), am.of_user(j as usize));
        let same_groups = was.len() == now.len()
            && was
                .iter()
                .all(|&g| gmap[g as usize].is_some_and(|x| now.contains(&x)));
        if !same_groups {
            let names = |t: &Tenant, gs: &[u32]| {
                let mut v: Vec<&str> = gs.iter().map(|&g| t.groups[g as usize].name()).collect();
                v.sort_unstable();
                if v.is_empty() {
                    "(none)".to_string()
                } else {
                    v.join(", ")
                }
            };
            changes.push(AttrChange {
                attribute: "groups",
                before: names(before, was),
                after: names(after, now),
            });
        }
        if changes.is_empty() {
            users.unchanged += 1;
        } else {
            users.changed.push(Changed {
                id: a.id.clone(),
                before_id: (a.id != b.id).then(|| b.id.clone()),
                name: user_name(a),
                changes,
            });
        }
    }
    for (j, a) in after.users.iter().enumerate() {
        if !utaken[j] {
            users.added.push(Ref {
                id: a.id.clone(),
                name: user_name(a),
            });
        }
    }
    let groups = compare_groups(before, after, &gmap, &gtaken, gby_name, &umap, (&bi, &ai));
    DataDiff { users, groups }
}

/// A member as comparable across sides: the AFTER user index when it is a known user,
/// else its raw value (nested groups, orphans).
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone)]
enum MemberKey<'a> {
    User(u32),
    Raw(&'a str),
}

fn compare_groups(
    before: &Tenant,
    after: &Tenant,
    gmap: &[Option<u32>],
    gtaken: &[bool],
    by_name: usize,
    umap: &[Option<u32>],
    (bi, ai): (&FastMap<&str, u32>, &FastMap<&str, u32>),
) -> ResourceDiff {
    let mut out = ResourceDiff {
        before: before.groups.len(),
        after: after.groups.len(),
        matched_by_name: by_name,
        ..Default::default()
    };
    let gref = |g: &Group| Ref {
        id: g.id.clone(),
        name: g.name().to_string(),
    };
    for (i, b) in before.groups.iter().enumerate() {
        let Some(j) = gmap[i] else {
            out.removed.push(gref(b));
            continue;
        };
        let a = &after.groups[j as usize];
        let mut changes = super::members::group_attr_changes(b, a);
        let mut was: Vec<MemberKey> = b
            .members
            .iter()
            .map(
                |m| match bi.get(m.value.as_str()).and_then(|&u| umap[u as usize]) {
                    Some(u) => MemberKey::User(u),
                    None => MemberKey::Raw(m.value.as_str()),
                },
            )
            .collect();
        let mut now: Vec<MemberKey> = a
            .members
            .iter()
            .map(|m| match ai.get(m.value.as_str()) {
                Some(&u) => MemberKey::User(u),
                None => MemberKey::Raw(m.value.as_str()),
            })
            .collect();
        was.sort_unstable();
        now.sort_unstable();
        if was != now {
            let label = |k: &MemberKey| match k {
                MemberKey::User(u) => user_name(&after.users[*u as usize]),
                MemberKey::Raw(v) => v.to_string(),
            };
            let gone: Vec<&MemberKey> = was
                .iter()
                .filter(|k| now.binary_search(k).is_err())
                .collect();
            let came: Vec<&MemberKey> = now
                .iter()
                .filter(|k| was.binary_search(k).is_err())
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
            changes.push(AttrChange {
                attribute: "members",
                before: format!("{} members", b.members.len()),
                after: format!("{} members ({})", a.members.len(), delta.join("; ")),
            });
        }
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
        if !gtaken[j] {
            out.added.push(gref(a));
        }
    }
    out
}
