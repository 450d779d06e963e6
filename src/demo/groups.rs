//! Demo groups: one group per department, teams drawn from each department, and the planted
//! group problems (nested groups, orphan members, names differing only in case, empty groups).

use super::names::DEPARTMENTS;
use super::{Seeded, SplitMix64};
use crate::model::{Group, Member, User};

/// Largest department group (the 3,000-user demo stays far below it).
const MAX_DEPARTMENT_MEMBERS: usize = 5_000;

fn user_member(u: &User) -> Member {
    Member {
        value: u.id.clone(),
        kind: Some("User".into()),
        display: u.display_name.clone(),
        reference: None,
    }
}

fn group(rng: &mut SplitMix64, name: &str, members: Vec<Member>) -> Group {
    Group {
        id: rng.guid(),
        display_name: Some(name.to_string()),
        external_id: Some(rng.guid()),
        members,
        extra: None,
    }
}

/// `k` distinct members of `pool` (a window at a random start; the pool is already in random
/// order, and copying huge departments for a shuffle would be slow for big tenants).
fn window(rng: &mut SplitMix64, users: &[User], pool: &[usize], k: usize) -> Vec<Member> {
    if pool.is_empty() {
        return Vec::new();
    }
    let start = rng.below(pool.len());
    (0..k.min(pool.len()))
        .map(|j| user_member(&users[pool[(start + j) % pool.len()]]))
        .collect()
}

pub fn generate(
    rng: &mut SplitMix64,
    users: &[User],
    departments: &[usize],
) -> (Vec<Group>, Vec<Seeded>) {
    let mut by_dept: Vec<Vec<usize>> = vec![Vec::new(); DEPARTMENTS.len()];
    for (i, &d) in departments.iter().enumerate() {
        by_dept[d].push(i);
    }
    let target = (users.len() / 25).max(24);
    let mut groups = Vec::with_capacity(target);
    for (d, name) in DEPARTMENTS.iter().enumerate() {
        // Capped so a page of groups stays a sane size in million-user benchmark tenants.
        let members = by_dept[d]
            .iter()
            .take(MAX_DEPARTMENT_MEMBERS)
            .map(|&i| user_member(&users[i]))
            .collect();
        groups.push(group(rng, &format!("Dept - {name}"), members));
    }

    // Case-only name twins: two groups an IdP matching on displayName cannot tell apart.
    let mut twins = Vec::new();
    for (a, b) in [
        ("VPN Users", "vpn users"),
        ("Finance Approvers", "FINANCE APPROVERS"),
    ] {
        for name in [a, b] {
            let d = rng.below(DEPARTMENTS.len());
            let members = window(rng, users, &by_dept[d], 5);
            let g = group(rng, name, members);
            twins.push(g.id.clone());
            groups.push(g);
        }
    }
    let mut empty = Vec::new();
    for name in ["Legacy Contractors", "Project Falcon", "Offboarding Queue"] {
        let g = group(rng, name, Vec::new());
        empty.push(g.id.clone());
        groups.push(g);
    }
    let mut orphans = Vec::new();
    for name in ["Regional Managers", "Badge Access - HQ", "Former Interns"] {
        let d = rng.below(DEPARTMENTS.len());
        let mut members = window(rng, users, &by_dept[d], 6);
        // Ids that exist nowhere in the tenant (deleted users the group still points to).
        for _ in 0..1 + rng.below(3) {
            members.push(Member {
                value: rng.guid(),
                kind: Some("User".into()),
                display: None,
                reference: None,
            });
        }
        let g = group(rng, name, members);
        orphans.push(g.id.clone());
        groups.push(g);
    }

    let specials = groups.len() + 2; // two nesting parents come last
    let teams = target.saturating_sub(specials);
    let mut team_ids: Vec<Vec<Member>> = vec![Vec::new(); DEPARTMENTS.len()];
    for t in 0..teams {
        let d = t % DEPARTMENTS.len();
        let size = 8 + rng.below(30);
        let members = window(rng, users, &by_dept[d], size);
        let g = group(
            rng,
            &format!("{} Team {:02}", DEPARTMENTS[d], t / DEPARTMENTS.len() + 1),
            members,
        );
        team_ids[d].push(Member {
            value: g.id.clone(),
            kind: Some("Group".into()),
            display: g.display_name.clone(),
            reference: None,
        });
        groups.push(g);
    }
    // Nested groups: parents whose members are groups (most SCIM targets ignore or reject these).
    let mut nested = Vec::new();
    for d in [1, 5] {
        let g = group(
            rng,
            &format!("All {} Teams", DEPARTMENTS[d]),
            team_ids[d].clone(),
        );
        nested.push(g.id.clone());
        groups.push(g);
    }
    rng.shuffle(&mut groups);
    let seeded = vec![
        Seeded {
            kind: "group-name-case-twin",
            ids: twins,
        },
        Seeded {
            kind: "empty-group",
            ids: empty,
        },
        Seeded {
            kind: "orphan-member",
            ids: orphans,
        },
        Seeded {
            kind: "nested-group",
            ids: nested,
        },
    ];
    (groups, seeded)
}
