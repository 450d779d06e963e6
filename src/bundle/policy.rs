//! What a value becomes under `--redact-pii`: the keyed pseudonym of `pseudo`, unless the
//! value is kept in the clear (a resource id, `--keep-clear`, a scoping filter's value).

use super::pseudo::Pseudonymiser;
use std::collections::HashSet;

/// How kept values are compared: as the checks compare values (trimmed, ignoring case).
pub(super) fn keep_key(v: &str) -> String {
    v.trim().to_lowercase()
}

/// `v.trim()`, read from the first and last bytes when neither is whitespace (most values):
/// a value that starts and ends with an ASCII character other than whitespace is its own
/// trim. (`str::trim_ascii` would not do: `trim` also removes the vertical tab.)
pub(super) fn trimmed(v: &str) -> &str {
    let plain = |b: &u8| b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ');
    let b = v.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if plain(f) && plain(l) => v,
        _ => v.trim(),
    }
}

type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// Bits of the kept ids' filter (`Policy::id_bits`): 2^24 bits, 2 MB.
const ID_BITS: u32 = 24;

/// Sets the kept ids are spread over, by their fingerprints' top bits (a power of two): a
/// million ids are kept on every core at once, each thread building its own sets.
const ID_SHARDS: usize = 16;

fn shard(f: u64) -> usize {
    (f >> 60) as usize % ID_SHARDS
}

/// The trimmed byte lengths of a set of values (up to 255; longer ones share the last bit):
/// a value of another length is not in the set, with no hash and no lookup (ids are mostly
/// of one length, such as a GUID's 36).
#[derive(Default)]
struct Lengths {
    bits: [u64; 4],
    /// Whether a value of the set holds a non-ASCII character (its lower case may change
    /// its length, so lengths prove nothing then).
    beyond_ascii: bool,
}

impl Lengths {
    fn bit(v: &str) -> (usize, u64) {
        let n = trimmed(v).len().min(255);
        (n / 64, 1 << (n % 64))
    }

    fn note(&mut self, v: &str) {
        let (i, bit) = Self::bit(v);
        self.bits[i] |= bit;
        self.beyond_ascii |= !v.is_ascii();
    }

    fn merge(&mut self, other: &Lengths) {
        for (a, b) in self.bits.iter_mut().zip(other.bits) {
            *a |= b;
        }
        self.beyond_ascii |= other.beyond_ascii;
    }

    fn may_hold(&self, v: &str) -> bool {
        if self.beyond_ascii || !v.is_ascii() {
            return true;
        }
        let (i, bit) = Self::bit(v);
        self.bits[i] & bit != 0
    }
}

/// `v` trimmed and lower-cased, on the stack when it is ASCII and short (most values), for
/// `use_it`.
fn with_key<T>(v: &str, use_it: impl FnOnce(&str) -> T) -> T {
    let t = trimmed(v);
    if t.is_ascii() && t.len() <= 128 {
        let mut buf = [0u8; 128];
        let low = &mut buf[..t.len()];
        low.copy_from_slice(t.as_bytes());
        low.make_ascii_lowercase();
        return use_it(std::str::from_utf8(low).unwrap_or_default());
    }
    use_it(&keep_key(v))
}

/// What a value becomes. Read-only once the kept values are known, and shared by the
/// threads that pseudonymise the snapshot.
pub struct Policy {
    pseudo: Pseudonymiser,
    pub keep_domains: bool,
    /// Values left in the clear on request (`--keep-clear`, a scoping filter's values) and
    /// the ids of the resources the free-text files name (lower-cased, trimmed): added with
    /// `keep_value`.
    pub(super) keep: FastSet<String>,
    keep_lengths: Lengths,
    /// Resource ids kept (every id that does not look personal), as 64-bit fingerprints of
    /// their lower-cased form: a million ids cost 16 MB, not a table of strings. Two
    /// different values share a fingerprint with odds of about one in 2^64 / (ids x values).
    kept_ids: Vec<FastSet<u64>>,
    id_lengths: Lengths,
    /// One bit per fingerprint's top `ID_BITS` bits, set for the kept ids: most values that
    /// are no kept id are told so from 2 MB that stay in cache, not from the 16 MB set.
    id_bits: Vec<u64>,
    fingerprints: foldhash::quality::RandomState,
    /// The ids `keep_ids` found personal (pseudonymised, not kept): usually none.
    personal_ids: FastSet<String>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("keep_domains", &self.keep_domains)
            .field("kept", &self.keep.len())
            .field(
                "kept_ids",
                &self.kept_ids.iter().map(|s| s.len()).sum::<usize>(),
            )
            .finish_non_exhaustive()
    }
}

impl Policy {
    pub(super) fn new(pseudo: Pseudonymiser, keep_domains: bool) -> Self {
        Policy {
            pseudo,
            keep_domains,
            keep: FastSet::default(),
            keep_lengths: Lengths::default(),
            kept_ids: vec![FastSet::default(); ID_SHARDS],
            id_lengths: Lengths::default(),
            id_bits: Vec::new(),
            fingerprints: Default::default(),
            personal_ids: FastSet::default(),
        }
    }

    /// Leaves a resource id in the clear (by its fingerprint).
    pub(super) fn keep_id(&mut self, id: &str) {
        let f = self.fingerprint(id);
        self.kept_ids[shard(f)].insert(f);
        self.id_lengths.note(id);
        self.set_id_bit(f);
    }

    fn set_id_bit(&mut self, f: u64) {
        if self.id_bits.is_empty() {
            self.id_bits = vec![0; 1 << (ID_BITS - 6)];
        }
        let b = f >> (64 - ID_BITS);
        self.id_bits[(b >> 6) as usize] |= 1 << (b & 63);
    }

    /// `keep_id` of every id of `ids`, on every core: their fingerprints by slices of
    /// `ids`, then the sets by shards (each thread inserts the fingerprints of its own).
    pub(super) fn keep_ids(&mut self, ids: &[&str]) {
        let threads = crate::archive::threads().clamp(1, ID_SHARDS);
        let this = &*self;
        let parts = crate::util::in_chunks(ids, threads, 1, |c| {
            let mut lengths = Lengths::default();
            let fps: Vec<u64> = c
                .iter()
                .map(|id| {
                    lengths.note(id);
                    this.fingerprint(id)
                })
                .collect();
            (fps, lengths)
        });
        for (fps, lengths) in &parts {
            self.id_lengths.merge(lengths);
            for &f in fps {
                self.set_id_bit(f);
            }
        }
        let per_shard = ids.len() / ID_SHARDS + 1;
        let group = ID_SHARDS.div_ceil(threads);
        std::thread::scope(|s| {
            for (g, sets) in self.kept_ids.chunks_mut(group).enumerate() {
                let parts = &parts;
                s.spawn(move || {
                    for set in sets.iter_mut() {
                        set.reserve(per_shard);
                    }
                    for f in parts.iter().flat_map(|(fps, _)| fps) {
                        if let Some(set) = shard(*f)
                            .checked_sub(g * group)
                            .and_then(|i| sets.get_mut(i))
                        {
                            set.insert(*f);
                        }
                    }
                });
            }
        });
    }

    pub(super) fn note_personal_id(&mut self, id: &str) {
        self.personal_ids.insert(id.to_string());
    }

    pub(super) fn is_personal_id(&self, id: &str) -> bool {
        !self.personal_ids.is_empty() && self.personal_ids.contains(id)
    }

    fn is_kept_id(&self, value: &str) -> bool {
        if !self.may_be_an_id(value) {
            return false;
        }
        let f = self.fingerprint(value);
        let b = f >> (64 - ID_BITS);
        self.id_bits[(b >> 6) as usize] & (1 << (b & 63)) != 0
            && self.kept_ids[shard(f)].contains(&f)
    }

    /// Leaves `value` in the clear (any letter case); false when it was kept already.
    pub(super) fn keep_value(&mut self, value: &str) -> bool {
        self.keep_lengths.note(value);
        self.keep.insert(keep_key(value))
    }

    fn may_be_an_id(&self, v: &str) -> bool {
        !self.id_bits.is_empty() && self.id_lengths.may_hold(v)
    }

    /// The fingerprint of `v` trimmed and lower-cased.
    pub(super) fn fingerprint(&self, v: &str) -> u64 {
        use std::hash::BuildHasher;
        with_key(v, |k| self.fingerprints.hash_one(k.as_bytes()))
    }

    /// The key of the pseudonyms, in hex (written only to the private map).
    pub fn key_hex(&self) -> String {
        hex::encode(self.pseudo.key())
    }

    pub fn is_kept(&self, value: &str) -> bool {
        (!self.keep.is_empty()
            && self.keep_lengths.may_hold(value)
            && with_key(value, |k| self.keep.contains(k)))
            || self.is_kept_id(value)
    }

    /// What `value` becomes, or `None` when it stays as it is (kept, or without a letter or
    /// digit). The same value gives the same pseudonym in every thread and, with the same
    /// key (`--map-file`), in every run.
    pub fn pseudonym(&self, value: &str) -> Option<String> {
        let mut out = Vec::with_capacity(value.len() + 8);
        self.pseudonym_bytes(value, &mut out)
            .then(|| String::from_utf8_lossy(&out).into_owned())
    }

    /// `pseudonym` as UTF-8 bytes pushed onto `out`; false (and `out` as it was) when
    /// `value` stays.
    pub fn pseudonym_bytes(&self, value: &str, out: &mut Vec<u8>) -> bool {
        let alnum = match value.is_ascii() {
            true => value.bytes().any(|b| b.is_ascii_alphanumeric()),
            false => value.chars().any(char::is_alphanumeric),
        };
        if !alnum || self.is_kept(value) {
            return false;
        }
        let keep_domain = self.keep_domains && value.contains('@');
        match value.get(32..).filter(|_| value.is_char_boundary(32)) {
            // An Entra soft-delete name whose UPN stays in the clear keeps it in the
            // clear too, so that the leftover still names the live user.
            Some(rest)
                if value.as_bytes()[..32].iter().all(u8::is_ascii_hexdigit)
                    && self.is_kept(rest) =>
            {
                self.pseudo.value_bytes(&value[..32], false, out);
                out.extend_from_slice(rest.as_bytes());
            }
            _ => self.pseudo.value_bytes(value, keep_domain, out),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `keep_ids` (on every core, by shards) keeps what `keep_id` keeps one by one: every id
    /// in any letter case and with spaces around, and nothing else; an empty list keeps none.
    #[test]
    fn ids_kept_together_are_kept_as_one_by_one() {
        let ids: Vec<String> = (0..5000)
            .map(|i| format!("{i:08x}-5c1d-4a2b-9e3f-{:012x}", i * 7919))
            .chain([
                "bjensen".to_string(),
                "G-Ops".to_string(),
                "Ärzte".to_string(),
            ])
            .collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut together = Policy::new(Pseudonymiser::new([1; 32]), false);
        together.keep_ids(&refs);
        let mut one_by_one = Policy::new(Pseudonymiser::new([1; 32]), false);
        for id in &refs {
            one_by_one.keep_id(id);
        }
        for p in [&together, &one_by_one] {
            for id in &refs {
                assert!(p.is_kept(id), "{id}");
                assert!(p.is_kept(&format!(" {} ", id.to_uppercase())), "{id}");
                assert!(!p.is_kept(&format!("{id}0")), "{id}");
            }
            assert!(!p.is_kept("00000000-5c1d-4a2b-9e3f-00000000000x"));
        }
        let mut none = Policy::new(Pseudonymiser::new([1; 32]), false);
        none.keep_ids(&[]);
        assert!(!none.is_kept("bjensen"));
    }

    /// `trimmed` is `trim` for values with and without whitespace of every kind at either end.
    #[test]
    fn trimmed_is_trim() {
        let cases = [
            "",
            " ",
            "a",
            "ab",
            " a",
            "a ",
            "\ta\n",
            "\u{b}x\u{b}",
            "\u{c}x",
            "x\r",
            "\u{85}x",
            "x\u{a0}",
            "\u{3000}名\u{3000}",
            "\u{1}x\u{1f}",
            "é",
            " é ",
            "x y",
            "\u{2028}",
            "a\u{200a}",
        ];
        for c in cases {
            assert_eq!(super::trimmed(c), c.trim(), "{c:?}");
        }
    }
}
