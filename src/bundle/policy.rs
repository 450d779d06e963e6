//! What a value becomes under `--redact-pii`: the keyed pseudonym of `pseudo`, unless the
//! value is kept in the clear (a resource id, `--keep-clear`, a scoping filter's value).

use super::pseudo::Pseudonymiser;
use std::collections::HashSet;

/// How kept values are compared: as the checks compare values (trimmed, ignoring case).
pub(super) fn keep_key(v: &str) -> String {
    v.trim().to_lowercase()
}

type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// What a value becomes. Read-only once the kept values are known, and shared by the
/// threads that pseudonymise the snapshot.
pub struct Policy {
    pseudo: Pseudonymiser,
    pub keep_domains: bool,
    /// Values left in the clear on request (`--keep-clear`, a scoping filter's values) and
    /// the ids of the resources the free-text files name (lower-cased, trimmed).
    pub(super) keep: HashSet<String>,
    /// Resource ids kept (every id that does not look personal), as 64-bit fingerprints of
    /// their lower-cased form: a million ids cost 16 MB, not a table of strings. Two
    /// different values share a fingerprint with odds of about one in 2^64 / (ids x values).
    pub(super) kept_ids: FastSet<u64>,
    fingerprints: foldhash::quality::RandomState,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("keep_domains", &self.keep_domains)
            .field("kept", &self.keep.len())
            .field("kept_ids", &self.kept_ids.len())
            .finish_non_exhaustive()
    }
}

impl Policy {
    pub(super) fn new(pseudo: Pseudonymiser, keep_domains: bool) -> Self {
        Policy {
            pseudo,
            keep_domains,
            keep: HashSet::new(),
            kept_ids: FastSet::default(),
            fingerprints: Default::default(),
        }
    }

    pub(super) fn fingerprint(&self, key: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.fingerprints, key)
    }

    /// The key of the pseudonyms, in hex (written only to the private map).
    pub fn key_hex(&self) -> String {
        hex::encode(self.pseudo.key())
    }

    pub fn is_kept(&self, value: &str) -> bool {
        let k = keep_key(value);
        self.keep.contains(&k) || self.kept_ids.contains(&self.fingerprint(&k))
    }

    /// What `value` becomes, or `None` when it stays as it is (kept, or without a letter or
    /// digit). The same value gives the same pseudonym in every thread and, with the same
    /// key (`--map-file`), in every run.
    pub fn pseudonym(&self, value: &str) -> Option<String> {
        if !value.chars().any(char::is_alphanumeric) || self.is_kept(value) {
            return None;
        }
        let keep_domain = self.keep_domains && value.contains('@');
        Some(
            match value.get(32..).filter(|_| value.is_char_boundary(32)) {
                // An Entra soft-delete name whose UPN stays in the clear keeps it in the
                // clear too, so that the leftover still names the live user.
                Some(rest)
                    if value.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
                        && self.is_kept(rest) =>
                {
                    format!("{}{rest}", self.pseudo.value(&value[..32], false))
                }
                _ => self.pseudo.value(value, keep_domain),
            },
        )
    }
}
