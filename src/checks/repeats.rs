//! A first pass for the uniqueness checks: which keys may occur more than once. On a
//! healthy tenant almost every key (userName, externalId, email) is unique, and a hash map
//! or bit set of a million keys costs a cache miss per key (on this class of machine about
//! 100 ns, more than everything else a check does per user). Instead each key's 64-bit
//! hash is written to a vector in order, the vector is split into cache-sized buckets by
//! the hash's top bits and each bucket sorted: equal neighbours are the hashes that repeat.
//! Only keys with such a hash (in practice: the real repeats) go through the exact
//! grouping, so the result is the one a map of every key gives.

use foldhash::fast::RandomState;
use foldhash::{HashSet as FastSet, HashSetExt};
use std::hash::BuildHasher;

/// Hashes keys with a per-run seed: tenant data cannot be shaped to make keys collide (a
/// collision would only send more keys through the exact grouping, never hide a repeat).
#[derive(Default, Clone)]
pub struct KeyHasher(RandomState);

impl KeyHasher {
    pub fn hash(&self, key: &str) -> u64 {
        self.0.hash_one(key)
    }
}

/// The hashes that occur more than once in `hashes` (empty: every hash is distinct).
pub fn repeated(hashes: &[u64]) -> FastSet<u64> {
    let mut out = FastSet::new();
    if hashes.len() < 2 {
        return out;
    }
    // About 512 hashes (4 KiB) per bucket: each bucket is sorted inside the L1 cache.
    let bits = (hashes.len() / 512)
        .max(1)
        .next_power_of_two()
        .trailing_zeros();
    let shift = 64 - bits.max(1);
    let buckets = 1usize << bits.max(1);
    let mut start = vec![0usize; buckets + 1];
    for &h in hashes {
        start[(h >> shift) as usize + 1] += 1;
    }
    for b in 0..buckets {
        start[b + 1] += start[b];
    }
    let mut next = start.clone();
    let mut sorted = vec![0u64; hashes.len()];
    for &h in hashes {
        let b = (h >> shift) as usize;
        sorted[next[b]] = h;
        next[b] += 1;
    }
    for b in 0..buckets {
        let bucket = &mut sorted[start[b]..start[b + 1]];
        bucket.sort_unstable();
        out.extend(bucket.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]));
    }
    out
}

/// A set of key hashes as one bit per hash (16 bits per key): "certainly not in the set"
/// or "maybe". Small sets fit the cache, so a scan of every user can ask it cheaply and
/// probe the exact set only on a "maybe".
pub struct KeyBits {
    words: Vec<u64>,
    mask: u64,
}

impl KeyBits {
    pub fn of<'k, K: AsRef<str> + 'k>(
        hasher: &KeyHasher,
        keys: impl IntoIterator<Item = &'k K>,
    ) -> Self {
        let keys: Vec<&K> = keys.into_iter().collect();
        let len = keys.len();
        Self::of_hashes(keys.into_iter().map(|k| hasher.hash(k.as_ref())), len)
    }

    /// The set of `len` key hashes made by a `KeyHasher`.
    pub fn of_hashes(hashes: impl IntoIterator<Item = u64>, len: usize) -> Self {
        let bits = len
            .saturating_mul(16)
            .next_power_of_two()
            .clamp(64, 1 << 30);
        let mut set = KeyBits {
            words: vec![0; bits / 64],
            mask: bits as u64 - 1,
        };
        for h in hashes {
            let b = h & set.mask;
            set.words[(b >> 6) as usize] |= 1 << (b & 63);
        }
        set
    }

    /// False when no key with this hash was added.
    pub fn may_contain(&self, hash: u64) -> bool {
        let b = hash & self.mask;
        self.words[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves exactly the hashes present twice or more come back, at every size class.
    #[test]
    fn repeated_finds_exactly_the_repeated_hashes() {
        let h = KeyHasher::default();
        for n in [0usize, 1, 2, 100, 5_000, 70_000] {
            let mut hashes: Vec<u64> = (0..n).map(|i| h.hash(&format!("user{i}@x.test"))).collect();
            assert!(repeated(&hashes).is_empty(), "{n} distinct keys");
            if n >= 2 {
                hashes.push(h.hash("user1@x.test"));
                hashes.push(hashes[0]);
                hashes.push(hashes[0]);
                let got = repeated(&hashes);
                let want: FastSet<u64> = [hashes[0], hashes[1]].into_iter().collect();
                assert_eq!(got, want, "{n} keys");
            }
        }
        // Hashes in one bucket, including the extremes of the range.
        assert_eq!(repeated(&[u64::MAX, 0, u64::MAX, 0]).len(), 2);
    }

    /// Proves every key put in the bit set is a "maybe" and most other keys are a "no".
    #[test]
    fn key_bits_never_miss_a_member() {
        let h = KeyHasher::default();
        let keys: Vec<String> = (0..1_000).map(|i| format!("a{i}@x.test")).collect();
        let bits = KeyBits::of(&h, &keys);
        assert!(keys.iter().all(|k| bits.may_contain(h.hash(k))));
        let maybes = (0..1_000)
            .filter(|i| bits.may_contain(h.hash(&format!("b{i}@x.test"))))
            .count();
        assert!(maybes < 200, "{maybes} false maybes of 1000");
        assert!(!KeyBits::of::<String>(&h, &[]).may_contain(h.hash("a")));
    }
}
