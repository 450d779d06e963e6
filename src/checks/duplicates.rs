//! Duplicate-user checks (seed 004 "Duplicate Users", "Resolving Duplicate Users"; reference
//! sections 2 and 5): the same email on several users, externalId (the Entra ObjectID) and
//! userName (the UPN) that must be unique across every SCIM directory of the account, and the
//! disabled copies a soft delete in Entra leaves behind. All keys are hashed once: linear time.

use super::facts::{self, FactSet};
use super::repeats::{repeated, KeyBits, KeyHasher};
use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject};
use crate::model::{Tenant, User};
use crate::util::plural;
pub(crate) use foldhash::{HashMap as FastMap, HashMapExt, HashSet as FastSet, HashSetExt};
use std::borrow::Cow;

pub use super::per_user::{norm, soft_deleted_upn};

pub const DUPLICATE_EMAIL: &str = "duplicate-email";
pub const DUPLICATE_EXTERNAL_ID: &str = "duplicate-external-id";
pub const DUPLICATE_USERNAME: &str = "duplicate-username";
pub const SOFT_DELETE_LEFTOVER: &str = "soft-delete-leftover";

/// Groups items by key and returns the clusters with more than one member, in the order
/// their first member was seen. Items are any index type (user index, (directory, user)...);
/// `capacity` is the expected number of items. `items` is called once to hash every key
/// (`repeats`), and a second time, only when some hash repeats, to group those keys.
pub fn clusters<'a, T: Copy, I: Iterator<Item = (Cow<'a, str>, T)>>(
    capacity: usize,
    items: impl Fn() -> I,
) -> Vec<(Cow<'a, str>, Vec<T>)> {
    let hasher = KeyHasher::default();
    let mut hashes = Vec::with_capacity(capacity);
    hashes.extend(items().map(|(key, _)| hasher.hash(&key)));
    let repeated = repeated(&hashes);
    if repeated.is_empty() {
        return Vec::new();
    }
    // A key whose hash occurs once is in no cluster: leaving it out changes neither the
    // clusters nor their order.
    exact_clusters(
        items()
            .zip(hashes)
            .filter(|(_, h)| repeated.contains(h))
            .map(|(item, _)| item),
    )
}

/// The grouping itself, over every item it is given.
fn exact_clusters<'a, T: Copy>(
    items: impl Iterator<Item = (Cow<'a, str>, T)>,
) -> Vec<(Cow<'a, str>, Vec<T>)> {
    let mut first: FastMap<Cow<'a, str>, usize> = FastMap::new();
    let mut groups: Vec<(Cow<'a, str>, Vec<T>)> = Vec::new();
    let mut singles: Vec<T> = Vec::new();
    // `first` maps a key to either a single (index into `singles`, tagged even) or a
    // cluster (index into `groups`, tagged odd), so singletons never allocate a Vec.
    for (key, item) in items {
        if key.is_empty() {
            continue;
        }
        match first.get(&key).copied() {
            None => {
                first.insert(key, singles.len() << 1);
                singles.push(item);
            }
            Some(tag) if tag & 1 == 0 => {
                let earlier = singles[tag >> 1];
                first.insert(key.clone(), (groups.len() << 1) | 1);
                groups.push((key, vec![earlier, item]));
            }
            Some(tag) => groups[tag >> 1].1.push(item),
        }
    }
    groups
}

/// The tenant and the other directories, for cross-directory uniqueness.
fn directories<'a>(ctx: &'a Ctx, t: &'a Tenant) -> Vec<&'a Tenant> {
    let mut all = vec![t];
    all.extend(ctx.others.iter());
    all
}

fn state(u: &User) -> &'static str {
    if u.is_active() {
        "active"
    } else {
        "disabled"
    }
}

/// A user's distinct non-blank emails, normalised, each flagged when it is the identifying
/// one (sorted and deduplicated only when there are several; one email allocates nothing).
fn email_keys(u: &User) -> EmailKeys<'_> {
    let ident = super::per_user::identity_email_index(u);
    let filled = |(_, e): &(usize, &crate::model::Email)| !e.value.trim().is_empty();
    let mut iter = u.emails.iter().enumerate().filter(filled);
    let Some((n0, e0)) = iter.next() else {
        return EmailKeys::One(None);
    };
    let Some((n1, e1)) = iter.next() else {
        return EmailKeys::One(Some((norm(&e0.value), Some(n0) == ident)));
    };
    let mut keys: Vec<(Cow<str>, bool)> = [(n0, e0), (n1, e1)]
        .into_iter()
        .chain(iter)
        .map(|(n, e)| (norm(&e.value), Some(n) == ident))
        .collect();
    // Identity first within equal keys, so dedup keeps the identity flag.
    keys.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    keys.dedup_by(|a, b| a.0 == b.0);
    EmailKeys::Many(keys.into_iter())
}

enum EmailKeys<'a> {
    One(Option<(Cow<'a, str>, bool)>),
    Many(std::vec::IntoIter<(Cow<'a, str>, bool)>),
}

impl<'a> Iterator for EmailKeys<'a> {
    type Item = (Cow<'a, str>, bool);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            EmailKeys::One(k) => k.take(),
            EmailKeys::Many(k) => k.next(),
        }
    }
}

/// duplicate-email: several users share an email (trimmed, case-insensitive). Two kinds of
/// sharing are told apart (seed 004): an *identifying* email (`per_user::identity_email_index`:
/// primary, else work) shared by several users is the duplicate the target licenses only
/// once: fail when two or more copies are active, warn when the others are disabled. A
/// *secondary* address (any other value, e.g. type `other` from proxyAddresses) held by several users does
/// not decide licences (the same rule as `unlicensable-user`) and is reported apart, as a
/// warning: a lookup by email may still match the wrong person. Counts are people.
pub fn duplicate_email(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = DUPLICATE_EMAIL;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    // Only a user holding an email whose hash repeats can share an email: those users'
    // keys (one per distinct email, flagged when it is the user's identity) are grouped.
    let facts = ctx.index.users();
    let repeats = repeated(facts.all_emails());
    let found = if repeats.is_empty() {
        Vec::new()
    } else {
        exact_clusters(
            facts
                .with_email_in(&repeats)
                .flat_map(|i| email_keys(&t.users[i]).map(move |(k, is_ident)| (k, (i, is_ident)))),
        )
    };
    if found.is_empty() {
        return CheckResult::pass(id, "no two users share an email address");
    }
    let mut subjects = Vec::new();
    let (mut identity_shares, mut several_active, mut secondary_shares) = (0usize, 0usize, 0usize);
    let mut identity_people: FastSet<usize> = FastSet::new();
    let mut secondary_people: FastSet<usize> = FastSet::new();
    for (key, members) in &found {
        let idents: Vec<usize> = members.iter().filter(|m| m.1).map(|m| m.0).collect();
        let aliases: Vec<usize> = members.iter().filter(|m| !m.1).map(|m| m.0).collect();
        if idents.len() > 1 {
            identity_shares += 1;
            identity_people.extend(idents.iter().copied());
            let holder = idents.iter().copied().find(|&i| t.users[i].is_active());
            if idents.iter().filter(|&&i| t.users[i].is_active()).count() > 1 {
                several_active += 1;
            }
            for &i in &idents {
                let u = &t.users[i];
                let detail = if Some(i) == holder {
                    "active: the copy that holds the licence eligibility"
                } else if u.is_active() {
                    "active: a second copy, cannot hold a licence while the other copy has it"
                } else if holder.is_some() {
                    "disabled: a leftover copy, delete it in the console"
                } else {
                    "disabled: no copy of this email is active"
                };
                subjects.push(
                    Subject::user(u, format!("identifying email; {detail}")).in_group(key.as_ref()),
                );
            }
        }
        if aliases.is_empty() {
            continue;
        }
        secondary_shares += 1;
        secondary_people.extend(members.iter().map(|m| m.0));
        if idents.len() == 1 {
            let u = &t.users[idents[0]];
            subjects.push(
                Subject::user(u, format!("{}: its identifying email, which another user holds as a secondary address", state(u)))
                    .in_group(key.as_ref()),
            );
        }
        for &i in &aliases {
            let u = &t.users[i];
            subjects.push(
                Subject::user(u, format!("{}: a secondary address (not its primary or work email; e.g. type other from proxyAddresses)", state(u)))
                    .in_group(key.as_ref()),
            );
        }
    }
    let status = if several_active > 0 {
        Status::Fail
    } else {
        Status::Warn
    };
    let secondary = (secondary_shares > 0).then(|| {
        format!(
            "{} shared by {} (these do not decide licences, but a lookup by email may match the wrong person)",
            plural(secondary_shares, "secondary address", "secondary addresses"),
            plural(secondary_people.len(), "person", "people"),
        )
    });
    let message = if identity_shares > 0 {
        let mut m = format!(
            "expected one person per identifying email (the primary or work address), got {} shared by {} ({} with more than one active copy)",
            plural(identity_shares, "email", "emails"),
            plural(identity_people.len(), "person", "people"),
            several_active
        );
        if let Some(s) = secondary {
            m.push_str(&format!("; also {s}"));
        }
        m
    } else {
        format!(
            "every identifying email (the primary or work address) belongs to one person; {}",
            secondary.unwrap_or_default()
        )
    };
    CheckResult::found(
        id,
        status,
        message,
        format!("for each identifying email keep one user: delete the disabled copy in the console ({}); if two copies are active, remove the wrong one from the IdP app assignment (or fix its email in the IdP) so only one person holds the address; remove a shared secondary address (proxyAddresses) from the users it does not belong to", ctx.profile.users_page),
        subjects,
    )
}

/// The keys that must be unique across directories.
#[derive(Clone, Copy)]
enum UniqueKey {
    ExternalId,
    UserName,
}

impl UniqueKey {
    fn of(self, u: &User) -> Option<&str> {
        match self {
            UniqueKey::ExternalId => u.external_id.as_deref(),
            UniqueKey::UserName => u.user_name.as_deref(),
        }
    }

    /// The key's hash for every user of the tenant, and the flag of those that have it.
    fn hashes(self, facts: &FactSet) -> (&[u64], u16) {
        match self {
            UniqueKey::ExternalId => (facts.externals(), facts::HAS_EXTERNAL),
            UniqueKey::UserName => (facts.names(), facts::HAS_NAME),
        }
    }
}

/// Shared body of the two cross-directory uniqueness checks.
fn unique_across(
    ctx: &Ctx,
    id: &str,
    attr: &str,
    key: UniqueKey,
    remediation: &str,
) -> CheckResult {
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let dirs = directories(ctx, t);
    // The hashes of every key present: the tenant's from the shared facts, the other
    // directories' (usually none, and small) made here with the same hasher.
    let facts = ctx.index.users();
    let (hashes, has_key) = key.hashes(facts);
    let others: Vec<Vec<(usize, u64)>> = dirs[1..]
        .iter()
        .map(|d| {
            d.users
                .iter()
                .enumerate()
                .filter_map(|(i, u)| key.of(u).map(|k| (i, facts.hasher().hash(&norm(k)))))
                .collect()
        })
        .collect();
    let mut present: Vec<u64> = Vec::with_capacity(hashes.len());
    present.extend(facts.with(has_key).map(|i| hashes[i]));
    others
        .iter()
        .for_each(|o| present.extend(o.iter().map(|&(_, h)| h)));
    let repeats = repeated(&present);
    drop(present);
    let found = if repeats.is_empty() {
        Vec::new()
    } else {
        let in_tenant = facts
            .with(has_key)
            .filter(|&i| repeats.contains(&hashes[i]))
            .map(|i| (0, i));
        let in_others = others.iter().enumerate().flat_map(|(d, o)| {
            let repeats = &repeats;
            o.iter()
                .filter(move |(_, h)| repeats.contains(h))
                .map(move |&(i, _)| (d + 1, i))
        });
        exact_clusters(
            in_tenant
                .chain(in_others)
                .filter_map(|(d, i)| key.of(&dirs[d].users[i]).map(|k| (norm(k), (d, i)))),
        )
    };
    let scope = if dirs.len() > 1 {
        format!("across {} SCIM directories", dirs.len())
    } else {
        "in the directory".to_string()
    };
    if found.is_empty() {
        return CheckResult::pass(id, format!("every {attr} is unique {scope}"));
    }
    let mut subjects = Vec::new();
    let mut cross = 0usize;
    for (k, members) in &found {
        if members.iter().any(|&(d, _)| d != members[0].0) {
            cross += 1;
        }
        for &(d, i) in members {
            let u = &dirs[d].users[i];
            let mut detail = format!(
                "{}, {attr} `{k}` shared by {} users",
                state(u),
                members.len()
            );
            if dirs.len() > 1 {
                detail.push_str(&format!(", in directory {}", dirs[d].label));
            }
            subjects.push(Subject::user(u, detail).in_group(k.as_ref()));
        }
    }
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected every {attr} to be unique {scope}, got {} used by {} users ({cross} across directories)",
            plural(found.len(), "value", "values"),
            subjects.len()
        ),
        remediation,
        subjects,
    )
}

/// duplicate-external-id: the ObjectID must be unique across all SCIM directories (seed 004).
pub fn duplicate_external_id(ctx: &Ctx, _: &Params) -> CheckResult {
    unique_across(
        ctx,
        DUPLICATE_EXTERNAL_ID,
        "externalId",
        UniqueKey::ExternalId,
        "an externalId (the Entra ObjectID) must be unique across all SCIM directories of the account: delete the stale copy in the console, and make sure the same users are not assigned to two provisioning apps that feed different SCIM directories",
    )
}

/// duplicate-username: userName is unique, case-insensitively (RFC 7643 `uniqueness: server`,
/// `caseExact: false`), across all SCIM directories (seed 004).
pub fn duplicate_username(ctx: &Ctx, _: &Params) -> CheckResult {
    unique_across(
        ctx,
        DUPLICATE_USERNAME,
        "userName",
        UniqueKey::UserName,
        "userName (the UPN) must be unique, ignoring case, across all SCIM directories of the account: delete the stale copy in the console, or stop assigning the user to a second provisioning app",
    )
}

/// The user's non-blank email values.
fn non_blank(u: &User) -> Vec<&str> {
    u.emails
        .iter()
        .map(|e| e.value.as_str())
        .filter(|v| !v.trim().is_empty())
        .collect()
}

/// soft-delete-leftover: a disabled user whose userName is an Entra object id prefixed to
/// another user's UPN (heuristic, reference section 2), or a disabled user sharing its
/// email with an active one. Warn: the active copy works, the leftover confuses licensing.
pub fn soft_delete_leftover(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = SOFT_DELETE_LEFTOVER;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    // Everything is first compared by the key hashes of the shared facts; a user's own
    // strings are read only where a hash matches (in practice: the leftovers themselves).
    let facts = ctx.index.users();
    let disabled: Vec<usize> = facts.without(facts::ACTIVE).collect();
    // By name: the disabled users whose userName is a 32-hex id prefixed to an address,
    // and the first user whose userName is that address.
    let wanted_names: FastSet<Cow<str>> = disabled
        .iter()
        .filter(|&&i| facts.has(i, facts::SOFT_DELETED_NAME))
        .filter_map(|&i| t.users[i].user_name.as_deref().and_then(soft_deleted_upn))
        .map(norm)
        .collect();
    let mut by_name: FastMap<Cow<str>, usize> = FastMap::new();
    if !wanted_names.is_empty() {
        let bits = KeyBits::of(facts.hasher(), &wanted_names);
        for i in facts.with(facts::HAS_NAME) {
            if !bits.may_contain(facts.names()[i]) {
                continue;
            }
            if let Some(k) = t.users[i].user_name.as_deref().map(norm) {
                if wanted_names.contains(&k) {
                    by_name.entry(k).or_insert(i);
                }
            }
        }
    }
    // By email: the hashes a disabled and an active user both hold; then, among the users
    // holding one, the first active user of each email.
    let mut disabled_hashes: FastSet<u64> = FastSet::with_capacity(disabled.len());
    disabled_hashes.extend(
        disabled
            .iter()
            .flat_map(|&i| facts.emails(i).iter().copied()),
    );
    let mut shared_hashes: FastSet<u64> = FastSet::new();
    let mut active_by_email: FastMap<Cow<str>, usize> = FastMap::new();
    if !disabled_hashes.is_empty() {
        let bits = KeyBits::of_hashes(disabled_hashes.iter().copied(), disabled_hashes.len());
        for i in facts.with(facts::ACTIVE) {
            let mut hit = false;
            for &h in facts.emails(i) {
                if bits.may_contain(h) && disabled_hashes.contains(&h) {
                    shared_hashes.insert(h);
                    hit = true;
                }
            }
            if !hit {
                continue;
            }
            for k in non_blank(&t.users[i]).into_iter().map(norm) {
                active_by_email.entry(k).or_insert(i);
            }
        }
    }
    let mut subjects = Vec::new();
    let mut by_prefix = 0usize;
    for &i in &disabled {
        let u = &t.users[i];
        let prefixed = u
            .user_name
            .as_deref()
            .filter(|_| facts.has(i, facts::SOFT_DELETED_NAME))
            .and_then(soft_deleted_upn)
            .and_then(|upn| by_name.get(&norm(upn)).map(|&j| (upn, j)));
        let reason = if let Some((upn, j)) = prefixed {
            by_prefix += 1;
            Some((
                j,
                format!(
                    "disabled, userName is a 32-hex object id prefixed to `{upn}` (the UPN of user {}): looks like an Entra soft-delete copy (heuristic)",
                    t.users[j].id
                ),
            ))
        } else if !facts.emails(i).iter().any(|h| shared_hashes.contains(h)) {
            None
        } else {
            non_blank(u).into_iter().find_map(|e| {
                active_by_email.get(&norm(e)).map(|&j| {
                    (
                        j,
                        format!(
                            "disabled, shares email `{}` with active user {}",
                            e.trim(),
                            t.users[j].id
                        ),
                    )
                })
            })
        };
        if let Some((j, detail)) = reason {
            let key = t.users[j]
                .user_name
                .clone()
                .unwrap_or_else(|| t.users[j].id.clone());
            subjects.push(Subject::user(u, detail).in_group(key));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(id, "no disabled user is a leftover copy of another user");
    }
    CheckResult::found(
        id,
        Status::Warn,
        format!(
            "expected no disabled copies of existing users, got {}: {by_prefix} by a 32-hex object id prefixed to another user's userName (a heuristic: Microsoft does not document the pattern), {} by an email shared with an active user",
            plural(subjects.len(), "leftover", "leftovers"),
            subjects.len() - by_prefix
        ),
        format!("delete the disabled one in the console ({}): it is the copy Entra left behind when the user was deleted and recreated; the active copy keeps the licence", ctx.profile.users_page),
        subjects,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_keep_only_repeated_keys_in_first_seen_order() {
        let items = ["b", "a", "B", "c", "a", "b"]
            .into_iter()
            .enumerate()
            .map(|(i, k)| (norm(k), i));
        let got = clusters(6, || items.clone());
        let got: Vec<(String, Vec<usize>)> =
            got.into_iter().map(|(k, v)| (k.into_owned(), v)).collect();
        assert_eq!(
            got,
            vec![
                ("b".to_string(), vec![0, 2, 5]),
                ("a".to_string(), vec![1, 4])
            ]
        );
    }

    #[test]
    fn soft_deleted_upn_needs_32_hex_then_an_address() {
        assert_eq!(
            soft_deleted_upn("0123456789abcdef0123456789ABCDEFalice@x.com"),
            Some("alice@x.com")
        );
        assert_eq!(
            soft_deleted_upn("0123456789abcdef0123456789abcdzzalice@x.com"),
            None
        );
        assert_eq!(soft_deleted_upn("alice@x.com"), None);
        assert_eq!(soft_deleted_upn("0123456789abcdef0123456789abcdef"), None);
    }
}
