//! What the per-user checks ask of every user, read in one pass over the tenant and shared
//! by all of them (`TenantIndex::users`). On a large tenant the checks' cost is not their
//! logic but reaching each user's strings: a million users spread over hundreds of MB,
//! visited once per check, each visit a handful of cache misses. Here each user is visited
//! once (in chunks, one per core) and leaves a few bits and key hashes in dense arrays:
//! a check then scans megabytes instead of the tenant, and goes back to a user's own
//! fields only for the users it reports (in practice: few).
//!
//! Every flag is computed by the same function the check itself would call on the user
//! (`per_user::has_email`, `email_problem`, ...), and every hash is of the same normalised key
//! (`per_user::norm`) the exact grouping compares: the facts decide which users a check
//! looks at, never what it says about them.

use super::email::email_problem;
use super::per_user::{self, norm, soft_deleted_upn};
use super::repeats::KeyHasher;
use crate::model::User;
use crate::profile::Profile;

/// `User::is_active`.
pub const ACTIVE: u16 = 1;
/// A non-blank email value (`per_user::has_email`).
pub const HAS_EMAIL: u16 = 1 << 1;
/// A non-blank email value that is not a well-formed address (`invalid-email`).
pub const BAD_EMAIL: u16 = 1 << 2;
/// The identifying email is present and well formed (`per_user::usable_email`).
pub const USABLE_EMAIL: u16 = 1 << 3;
/// `userName` is present (its hash is in `FactSet::name`).
pub const HAS_NAME: u16 = 1 << 4;
/// `externalId` is present (its hash is in `FactSet::external`).
pub const HAS_EXTERNAL: u16 = 1 << 5;
/// userName missing or not an email address; computed only when the profile uses email as
/// the user id (`username-not-email` is skipped otherwise).
pub const NAME_NOT_EMAIL: u16 = 1 << 6;
/// More than one email marked primary (`per_user::several_primaries`).
pub const SEVERAL_PRIMARY: u16 = 1 << 7;
/// `active` was sent as something other than a JSON boolean (`User::active_as_sent`).
pub const ACTIVE_NOT_BOOL: u16 = 1 << 8;
/// Lacks one of the profile's required attributes (`per_user::lacks_required`).
pub const LACKS_REQUIRED: u16 = 1 << 9;
/// userName is a 32-hex object id prefixed to an address (`duplicates::soft_deleted_upn`).
pub const SOFT_DELETED_NAME: u16 = 1 << 10;

/// The facts of every user, by index into `Tenant::users`.
#[derive(Default)]
pub struct FactSet {
    hasher: KeyHasher,
    flags: Vec<u16>,
    /// Hash of the normalised userName (where `HAS_NAME`).
    name: Vec<u64>,
    /// Hash of the normalised externalId (where `HAS_EXTERNAL`).
    external: Vec<u64>,
    /// Hash of the normalised identifying email when it is usable (0 otherwise).
    identity: Vec<u64>,
    /// Hash of every non-blank email value, normalised, user after user in the order sent;
    /// user `i`'s are `emails[email_end[i - 1]..email_end[i]]`.
    emails: Vec<u64>,
    email_end: Vec<usize>,
}

impl FactSet {
    /// Reads every user once, on up to `threads` threads.
    pub fn of(users: &[User], profile: &Profile, threads: usize) -> FactSet {
        let hasher = KeyHasher::default();
        let n = users.len();
        let mut set = FactSet {
            hasher,
            flags: vec![0; n],
            name: vec![0; n],
            external: vec![0; n],
            identity: vec![0; n],
            emails: Vec::new(),
            email_end: vec![0; n],
        };
        let reader = Reader::new(&set.hasher, profile);
        // Chunks of at least 16k users: below that a thread costs more than it saves.
        let chunk = n.div_ceil(threads.max(1)).max(1 << 14);
        let parts: Vec<Vec<u64>> = std::thread::scope(|s| {
            let jobs: Vec<_> = users
                .chunks(chunk)
                .zip(set.flags.chunks_mut(chunk))
                .zip(set.name.chunks_mut(chunk))
                .zip(set.external.chunks_mut(chunk))
                .zip(set.identity.chunks_mut(chunk))
                .zip(set.email_end.chunks_mut(chunk))
                .map(
                    |(((((users, flags), name), external), identity), email_end)| {
                        let out = Out {
                            flags,
                            name,
                            external,
                            identity,
                            email_end,
                        };
                        let reader = &reader;
                        move || reader.read(users, out)
                    },
                )
                .collect();
            let mut jobs = jobs.into_iter();
            // The calling thread reads the first chunk itself.
            let first = jobs.next();
            let handles: Vec<_> = jobs.map(|job| s.spawn(job)).collect();
            let mut parts = Vec::with_capacity(handles.len() + 1);
            parts.extend(first.map(|job| job()));
            // A panic in a chunk is carried on, as it would be on one thread.
            parts.extend(handles.into_iter().map(|h| match h.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            }));
            parts
        });
        // Each chunk counted its emails from zero: shift its ends by the emails before it.
        set.emails.reserve_exact(parts.iter().map(Vec::len).sum());
        for (part, ends) in parts.iter().zip(set.email_end.chunks_mut(chunk)) {
            let before = set.emails.len();
            if before > 0 {
                ends.iter_mut().for_each(|e| *e += before);
            }
            set.emails.extend_from_slice(part);
        }
        set
    }

    /// The hasher every hash here was made with (to hash other keys comparably).
    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    pub fn has(&self, i: usize, flag: u16) -> bool {
        self.flags[i] & flag != 0
    }

    /// The users with every flag of `flags`, in order.
    pub fn with(&self, flags: u16) -> impl Iterator<Item = usize> + '_ {
        self.flags
            .iter()
            .enumerate()
            .filter(move |(_, f)| **f & flags == flags)
            .map(|(i, _)| i)
    }

    /// The users without `flag`, in order.
    pub fn without(&self, flag: u16) -> impl Iterator<Item = usize> + '_ {
        self.flags
            .iter()
            .enumerate()
            .filter(move |(_, f)| **f & flag == 0)
            .map(|(i, _)| i)
    }

    /// userName hashes by user (meaningful where `HAS_NAME`).
    pub fn names(&self) -> &[u64] {
        &self.name
    }

    /// externalId hashes by user (meaningful where `HAS_EXTERNAL`).
    pub fn externals(&self) -> &[u64] {
        &self.external
    }

    /// The usable identifying email's hash of user `i` (meaningful where `USABLE_EMAIL`).
    pub fn identity(&self, i: usize) -> u64 {
        self.identity[i]
    }

    /// Every non-blank email's hash, all users in order.
    pub fn all_emails(&self) -> &[u64] {
        &self.emails
    }

    /// User `i`'s non-blank email hashes, in the order sent.
    pub fn emails(&self, i: usize) -> &[u64] {
        let start = if i == 0 { 0 } else { self.email_end[i - 1] };
        &self.emails[start..self.email_end[i]]
    }

    /// The users, in order, with an email whose hash is in `wanted`.
    pub fn with_email_in<'s>(
        &'s self,
        wanted: &'s foldhash::HashSet<u64>,
    ) -> impl Iterator<Item = usize> + 's {
        (0..self.flags.len()).filter(move |&i| self.emails(i).iter().any(|h| wanted.contains(h)))
    }
}

/// One chunk's share of the per-user arrays.
struct Out<'a> {
    flags: &'a mut [u16],
    name: &'a mut [u64],
    external: &'a mut [u64],
    identity: &'a mut [u64],
    email_end: &'a mut [usize],
}

/// What reading a user needs, shared by the chunks.
struct Reader<'a> {
    hasher: &'a KeyHasher,
    name_as_email: bool,
    required: Vec<(&'a str, per_user::Probe)>,
}

impl<'a> Reader<'a> {
    fn new(hasher: &'a KeyHasher, profile: &'a Profile) -> Self {
        Reader {
            hasher,
            name_as_email: profile.email_as_user_id,
            required: per_user::required_probes(profile),
        }
    }

    /// Fills `out` for `users`; returns their email hashes (ends counted from zero).
    fn read(&self, users: &[User], out: Out) -> Vec<u64> {
        let mut emails = Vec::with_capacity(users.len() + users.len() / 4);
        for (k, u) in users.iter().enumerate() {
            let mut f = 0u16;
            if u.is_active() {
                f |= ACTIVE;
            }
            let ident = per_user::identity_email_index(u);
            // userName is often the email itself (the UPN as mail): then its hash and its
            // validity are the email's, not computed twice.
            let mut name_as_sent: Option<(u64, bool)> = None;
            for (n, e) in u.emails.iter().enumerate() {
                let key = norm(&e.value);
                if key.is_empty() {
                    continue;
                }
                f |= HAS_EMAIL;
                let hash = self.hasher.hash(&key);
                emails.push(hash);
                let valid = email_problem(&e.value).is_none();
                if !valid {
                    f |= BAD_EMAIL;
                } else if Some(n) == ident {
                    f |= USABLE_EMAIL;
                    out.identity[k] = hash;
                }
                if name_as_sent.is_none() && u.user_name.as_deref() == Some(e.value.as_str()) {
                    name_as_sent = Some((hash, valid));
                }
            }
            out.email_end[k] = emails.len();
            match u.user_name.as_deref() {
                Some(name) => {
                    f |= HAS_NAME;
                    if soft_deleted_upn(name).is_some() {
                        f |= SOFT_DELETED_NAME;
                    }
                    let (hash, is_email) = name_as_sent.unwrap_or_else(|| {
                        let is_email = !self.name_as_email || email_problem(name).is_none();
                        (self.hasher.hash(&norm(name)), is_email)
                    });
                    out.name[k] = hash;
                    if self.name_as_email && !is_email {
                        f |= NAME_NOT_EMAIL;
                    }
                }
                None if self.name_as_email => f |= NAME_NOT_EMAIL,
                None => {}
            }
            if let Some(ext) = u.external_id.as_deref() {
                f |= HAS_EXTERNAL;
                out.external[k] = self.hasher.hash(&norm(ext));
            }
            if per_user::several_primaries(u) {
                f |= SEVERAL_PRIMARY;
            }
            if u.active_as_sent().is_some() {
                f |= ACTIVE_NOT_BOOL;
            }
            if per_user::lacks_required(u, &self.required) {
                f |= LACKS_REQUIRED;
            }
            out.flags[k] = f;
        }
        emails
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Email;

    fn user(i: usize) -> User {
        User {
            id: format!("u{i}"),
            user_name: Some(format!("User{i}@x.test")),
            external_id: (!i.is_multiple_of(3)).then(|| format!("ext-{}", i % 7)),
            active: Some(!i.is_multiple_of(5)),
            emails: match i % 4 {
                0 => vec![],
                1 => vec![Email {
                    value: format!("u{i}@x.test"),
                    kind: Some("work".into()),
                    primary: true,
                }],
                2 => vec![
                    Email {
                        value: "not an address".into(),
                        kind: Some("work".into()),
                        primary: false,
                    },
                    Email {
                        value: format!("U{i}@X.test"),
                        kind: Some("other".into()),
                        primary: false,
                    },
                ],
                _ => vec![Email {
                    value: "  ".into(),
                    kind: None,
                    primary: false,
                }],
            },
            ..Default::default()
        }
    }

    /// Proves the chunked read gives every user the facts the checks' own functions give,
    /// with chunk borders anywhere (one thread and several, sizes around the chunk floor).
    #[test]
    fn facts_agree_with_the_checks_own_functions_on_every_chunking() {
        let profile = Profile {
            id: "test".into(),
            title: "test".into(),
            description: String::new(),
            required_user_attributes: vec!["externalId".into(), "emails".into()],
            email_as_user_id: true,
            email_required: true,
            nested_groups_supported: true,
            one_license_per_email: true,
            licence_name: "licence".into(),
            licence_settings: "the licence settings".into(),
            users_page: "the user list".into(),
        };
        for n in [0usize, 1, 7, (1 << 14) + 3, 3 * (1 << 14) + 1] {
            let users: Vec<User> = (0..n).map(user).collect();
            let one = FactSet::of(&users, &profile, 1);
            let many = FactSet::of(&users, &profile, 4);
            for (i, u) in users.iter().enumerate() {
                for set in [&one, &many] {
                    let h = |s: &str| set.hasher().hash(&norm(s));
                    assert_eq!(set.has(i, ACTIVE), u.is_active());
                    assert_eq!(set.has(i, HAS_EMAIL), per_user::has_email(u));
                    let bad = u
                        .emails
                        .iter()
                        .any(|e| !e.value.trim().is_empty() && email_problem(&e.value).is_some());
                    assert_eq!(set.has(i, BAD_EMAIL), bad);
                    assert_eq!(
                        set.has(i, USABLE_EMAIL),
                        per_user::usable_email(u).is_some()
                    );
                    if let Some(e) = per_user::usable_email(u) {
                        assert_eq!(set.identity(i), h(e));
                    }
                    assert_eq!(
                        set.has(i, NAME_NOT_EMAIL),
                        per_user::name_problem(u).is_some()
                    );
                    let soft = u.user_name.as_deref().and_then(soft_deleted_upn);
                    assert_eq!(set.has(i, SOFT_DELETED_NAME), soft.is_some());
                    assert_eq!(
                        set.has(i, LACKS_REQUIRED),
                        !u.has_attribute("externalId") || !u.has_attribute("emails")
                    );
                    let want: Vec<u64> = u.email_values().into_iter().map(h).collect();
                    assert_eq!(set.emails(i), want.as_slice(), "user {i} of {n}");
                    assert_eq!(set.names()[i], u.user_name.as_deref().map_or(0, h));
                }
            }
            assert_eq!(one.all_emails().len(), many.all_emails().len());
        }
    }
}
