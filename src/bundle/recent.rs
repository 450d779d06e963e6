//! The runs a thread pseudonymised lately (`pseudo`), for one key: a set of two slots per
//! fingerprint's low bits, the run met last first. The given name of a display name comes
//! again in `name.givenName`, a userName in the email, and domains, titles and departments
//! repeat across a tenant; each costs one lookup after the first time, and two frequent
//! runs that share a set stay both (a new run takes the slot of the one met less lately).
//!
//! Laid out for a lookup that misses, the common case (most runs of a tenant are new):
//! the fingerprint tags of a set, in a 64 KB array, decide it without touching the slots.
//! A slot holds the text and its pseudonym themselves (no pointer to follow) in one or two
//! 64-byte cache lines: `Recent<31>` (runs, about 1 MB per thread) or `Recent<63>` (whole
//! values, for the writer: about 2 MB); longer texts are not kept. Allocated at the first
//! `put` and reused without clearing.
//!
//! `Shapes` keeps, the same way, the keyed network states of the run shapes a thread met.

use super::feistel::{Keyed, Prf};

/// Sets of two slots (a power of two).
const SETS: usize = 1 << 13;
/// The longest run, and pseudonym, the pseudonymiser's cache holds (bytes).
pub const RUN_BYTES: usize = 31;

/// A text of up to `N` bytes and its pseudonym (`N` = 31 or 63: one or two cache lines).
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot<const N: usize> {
    text_len: u8,
    pseudonym_len: u8,
    text: [u8; N],
    pseudonym: [u8; N],
}

impl<const N: usize> Slot<N> {
    const EMPTY: Self = Slot {
        text_len: 0,
        pseudonym_len: 0,
        text: [0; N],
        pseudonym: [0; N],
    };
}

pub struct Recent<const N: usize> {
    /// What the slots were made under (for the pseudonymiser, its SipHash key; for the
    /// writer, the bundle): a cache made under another is not used.
    pub key: (u64, u64),
    hasher: foldhash::fast::FixedState,
    /// A slot's tag: the high half of its run's fingerprint, never 0 (0 marks an empty slot).
    tags: Vec<[u32; 2]>,
    slots: Vec<[Slot<N>; 2]>,
    /// Per set, the slot met less lately (the next to be replaced): replacing it needs no
    /// read of the other slot.
    older: Vec<u8>,
}

impl<const N: usize> Default for Recent<N> {
    fn default() -> Self {
        Recent::new((0, 0))
    }
}

impl<const N: usize> Recent<N> {
    pub fn new(key: (u64, u64)) -> Self {
        Recent {
            key,
            hasher: foldhash::fast::FixedState::with_seed(key.0 ^ key.1.rotate_left(17)),
            tags: Vec::new(),
            slots: Vec::new(),
            older: Vec::new(),
        }
    }

    /// The text's fingerprint: its low bits pick the set, its high half is the tag.
    pub fn fingerprint(&self, text: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, text)
    }

    fn place(fp: u64) -> (usize, u32) {
        (fp as usize % SETS, ((fp >> 32) as u32).max(1))
    }

    /// The pseudonym of `text` (UTF-8) when its set holds it.
    pub fn get(&mut self, fp: u64, text: &str) -> Option<&[u8]> {
        let (i, tag) = Self::place(fp);
        let tags = self.tags.get(i)?;
        let slots = &self.slots[i];
        let way = (0..2).find(|&w| {
            let s = &slots[w];
            tags[w] == tag && s.text.get(..usize::from(s.text_len)) == Some(text.as_bytes())
        })?;
        self.older[i] = 1 - way as u8;
        let s = &slots[way];
        s.pseudonym.get(..usize::from(s.pseudonym_len))
    }

    /// Whether a slot holds `text` and `pseudonym` (both of at most `N` bytes).
    pub fn holds(text: &str, pseudonym: &[u8]) -> bool {
        text.len() <= N && pseudonym.len() <= N
    }

    /// Keeps `text`'s pseudonym in the slot of its set met less lately (unless either is
    /// longer than `N` bytes).
    /// Keeps `text`'s pseudonym (UTF-8) in the slot of its set met less lately (unless
    /// either is longer than `N` bytes).
    pub fn put(&mut self, fp: u64, text: &str, pseudonym: &[u8]) {
        if !Self::holds(text, pseudonym) {
            return;
        }
        if self.tags.is_empty() {
            self.tags = vec![[0; 2]; SETS];
            self.slots = vec![[Slot::EMPTY; 2]; SETS];
            self.older = vec![0; SETS];
        }
        let (i, tag) = Self::place(fp);
        let way = usize::from(self.older[i] & 1);
        self.older[i] = 1 - way as u8;
        self.tags[i][way] = tag;
        let s = &mut self.slots[i][way];
        s.text_len = text.len() as u8;
        s.text[..text.len()].copy_from_slice(text.as_bytes());
        s.pseudonym_len = pseudonym.len() as u8;
        s.pseudonym[..pseudonym.len()].copy_from_slice(pseudonym);
    }
}

/// Slots of `Shapes`.
const SHAPES: usize = 64;

/// The networks (keyed states) of the shapes of ASCII runs a thread met lately (`pseudo`),
/// one slot per shape's hash, for one key: a shape's tweak costs two SipHashes, and a
/// tenant's runs come in few shapes (a name's length, a number's digits).
#[derive(Default)]
pub struct Shapes {
    key: (u64, u64),
    slots: Vec<Option<Shape>>,
    /// The slot of the last `get`, which `put` fills.
    last: usize,
}

/// A shape (its length, and its classes' codes padded with zeros) and its network.
type Shape = (u8, [u8; 32], Prf, Keyed);

impl Shapes {
    /// The network of the shape of `n` classes `codes` (zeros after them), made under
    /// `key`; a shape not met lately leaves its slot for `put`.
    pub fn get(&mut self, key: (u64, u64), n: usize, codes: &[u8; 32]) -> Option<(Prf, Keyed)> {
        if self.key != key || self.slots.is_empty() {
            *self = Shapes {
                key,
                slots: vec![None; SHAPES],
                last: 0,
            };
        }
        let h = codes[..n.min(32)].iter().fold(n as u64, |h, &c| {
            h.wrapping_mul(0x9e37_79b9).wrapping_add(u64::from(c))
        });
        self.last = ((h ^ (h >> 29)) % SHAPES as u64) as usize;
        match &self.slots[self.last] {
            Some((sn, sc, base, keyed)) if usize::from(*sn) == n && sc == codes => {
                Some((*base, *keyed))
            }
            _ => None,
        }
    }

    /// Keeps the network of the shape the last `get` missed.
    pub fn put(&mut self, n: usize, codes: [u8; 32], base: Prf, keyed: Keyed) {
        if let Some(slot) = self.slots.get_mut(self.last) {
            *slot = Some((n as u8, codes, base, keyed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_one_or_two_cache_lines() {
        assert_eq!(std::mem::size_of::<Slot<RUN_BYTES>>(), 64);
        assert_eq!(std::mem::size_of::<Slot<63>>(), 128);
    }

    /// A kept run comes back; runs of one set: the two met last stay, a third pushes out
    /// the other; a different run with the same tag and set is not taken for a kept one;
    /// a run too long is not kept.
    #[test]
    fn keeps_the_two_runs_of_a_set_met_last() {
        let mut r = Recent::<RUN_BYTES>::new((1, 2));
        let fp = r.fingerprint("ann");
        assert_eq!(r.get(fp, "ann"), None);
        r.put(fp, "ann", b"kqz");
        assert_eq!(r.get(fp, "ann"), Some(&b"kqz"[..]));
        // Same fingerprint (forced), other runs: the bytes decide.
        assert_eq!(r.get(fp, "bob"), None);
        r.put(fp, "bob", b"wxy");
        assert_eq!(r.get(fp, "ann"), Some(&b"kqz"[..]));
        assert_eq!(r.get(fp, "bob"), Some(&b"wxy"[..]));
        // `bob` was met last: `cat` pushes out `ann`.
        r.put(fp, "cat", b"mno");
        assert_eq!(r.get(fp, "ann"), None);
        assert_eq!(r.get(fp, "bob"), Some(&b"wxy"[..]));
        assert_eq!(r.get(fp, "cat"), Some(&b"mno"[..]));
        let long = "a".repeat(RUN_BYTES + 1);
        let fl = r.fingerprint(&long);
        r.put(fl, &long, "b".repeat(RUN_BYTES + 1).as_bytes());
        assert_eq!(r.get(fl, &long), None);
        let edge = "c".repeat(RUN_BYTES);
        let fe = r.fingerprint(&edge);
        r.put(fe, &edge, "é".repeat(15).as_bytes());
        assert_eq!(r.get(fe, &edge), Some("é".repeat(15).as_bytes()));
    }
}
