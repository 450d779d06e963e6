//! The tenant half of a diff: users and groups added, removed and changed, with the changed
//! attributes the checks use (active, userName, emails, externalId, group memberships; a
//! group's displayName, externalId and members). Users are matched by id, then by
//! case-insensitive userName when ids were regenerated; groups by id, then displayName.
//! No id hash map of a million entries: both sides are walked in id order (`pairing`), group
//! members compared as raw ids and only the differing ones resolved (`members`); users and
//! groups are compared on two threads for large tenants, with the same result as one.
//! No allocation for an unchanged user.

use super::changes::{opt, user_name};
pub use super::changes::{AttrChange, Changed, DataDiff, Ref, ResourceDiff};
use super::members;
use super::pairing::{self, Sorted};
use crate::model::{Tenant, User};

/// From this many users (both sides together) the comparison uses a second thread.
const PARALLEL_FROM: usize = 20_000;

fn emails_equal(a: &User, b: &User) -> bool {
    // The common case (same single email) without building lists.
    if a.emails.len() == b.emails.len()
        && a.emails
            .iter()
            .zip(&b.emails)
            .all(|(x, y)| x.value == y.value || x.value.eq_ignore_ascii_case(&y.value))
    {
        return true;
    }
    let (x, y) = (a.email_values(), b.email_values());
    x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| p.eq_ignore_ascii_case(q))
}

fn emails(u: &User) -> String {
    let v = u.email_values();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(", ")
    }
}

/// Runs both closures, on two threads when `parallel`.
fn join<A: Send, B: Send>(
    parallel: bool,
    fa: impl FnOnce() -> A + Send,
    fb: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        return (fa(), fb());
    }
    std::thread::scope(|s| {
        let hb = s.spawn(fb);
        let a = fa();
        let b = hb.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (a, b)
    })
}

/// The attributes the checks use, except memberships (compared from the groups' side).
pub(super) fn attr_changes(b: &User, a: &User) -> Vec<AttrChange> {
    let mut changes = Vec::new();
    if b.is_active() != a.is_active() {
        changes.push(AttrChange {
            attribute: "active",
            before: b.is_active().to_string(),
            after: a.is_active().to_string(),
        });
    }
    if b.user_name != a.user_name {
        changes.push(AttrChange {
            attribute: "userName",
            before: opt(&b.user_name),
            after: opt(&a.user_name),
        });
    }
    if !emails_equal(b, a) {
        changes.push(AttrChange {
            attribute: "emails",
            before: emails(b),
            after: emails(a),
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

/// Paired users of BEFORE positions `from..to` whose attributes differ, by position.
fn users_with_attr_changes(
    before: &Tenant,
    after: &Tenant,
    map: &[Option<u32>],
    (from, to): (usize, usize),
) -> Vec<(u32, Vec<AttrChange>)> {
    let mut out = Vec::new();
    for (i, j) in (from..to).zip(&map[from..to]) {
        if let Some(j) = *j {
            let changes = attr_changes(&before.users[i], &after.users[j as usize]);
            if !changes.is_empty() {
                out.push((i as u32, changes));
            }
        }
    }
    out
}

pub fn compare(before: &Tenant, after: &Tenant) -> DataDiff {
    let parallel = before.users.len() + after.users.len() >= PARALLEL_FROM;
    compare_with(before, after, parallel)
}

pub(super) fn compare_with(before: &Tenant, after: &Tenant, parallel: bool) -> DataDiff {
    let (ub, ua) = join(
        parallel,
        || Sorted::new(&before.users),
        || Sorted::new(&after.users),
    );
    let up = pairing::pair(&ub, &ua);
    let ctx = members::Ctx {
        users_b: &ub,
        users_a: &ua,
        users: &up,
    };
    // Users in two halves beside the groups: three pieces of work for two cores, so that
    // neither core idles when one piece is larger.
    let (n, half) = (before.users.len(), before.users.len() / 2);
    let ((mut attrs, rest), (groups, memberships)) = join(
        parallel,
        || {
            join(
                parallel,
                || users_with_attr_changes(before, after, &up.map, (0, half)),
                || users_with_attr_changes(before, after, &up.map, (half, n)),
            )
        },
        || members::compare_groups(&ctx, before, after),
    );
    attrs.extend(rest);
    let mut users = ResourceDiff {
        before: before.users.len(),
        after: after.users.len(),
        matched_by_name: up.by_name,
        ..Default::default()
    };
    let (mut attrs, mut memberships) = (
        attrs.into_iter().peekable(),
        memberships.into_iter().peekable(),
    );
    for (i, b) in before.users.iter().enumerate() {
        let Some(j) = up.map[i] else {
            users.removed.push(Ref {
                id: b.id.clone(),
                name: user_name(b),
            });
            continue;
        };
        let mut changes = match attrs.next_if(|(k, _)| *k as usize == i) {
            Some((_, c)) => c,
            None => Vec::new(),
        };
        if let Some((_, c)) = memberships.next_if(|(k, _)| *k as usize == i) {
            changes.push(c);
        }
        if changes.is_empty() {
            users.unchanged += 1;
        } else {
            let a = &after.users[j as usize];
            users.changed.push(Changed {
                id: a.id.clone(),
                before_id: (a.id != b.id).then(|| b.id.clone()),
                name: user_name(a),
                changes,
            });
        }
    }
    for (j, a) in after.users.iter().enumerate() {
        if !up.taken[j] {
            users.added.push(Ref {
                id: a.id.clone(),
                name: user_name(a),
            });
        }
    }
    DataDiff { users, groups }
}
