//! The runs a thread pseudonymised lately (`pseudo`), for one key: a set of two slots per
//! fingerprint's low bits, the run met last first. The given name of a display name comes
//! again in `name.givenName`, a userName in the email, and domains, titles and departments
//! repeat across a tenant; each costs one lookup after the first time, and two frequent
//! runs that share a set stay both (a new run takes the slot of the one met less lately).
//!
//! Laid out for a lookup that misses, the common case (most runs of a tenant are new):
//! the fingerprint tags of a set, in a 64 KB array, decide it without touching the slots.
//! A slot is one 64-byte cache line that holds the run and its pseudonym themselves (no
//! pointer to follow); runs longer than `LONGEST` bytes are not kept. About 1 MB per
//! thread, allocated at its first run and reused without clearing.

/// Sets of two slots (a power of two).
const SETS: usize = 1 << 13;
/// The longest run, and pseudonym, a slot holds (bytes).
pub const LONGEST: usize = 31;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    run_len: u8,
    pseudonym_len: u8,
    run: [u8; LONGEST],
    pseudonym: [u8; LONGEST],
}

const EMPTY: Slot = Slot {
    run_len: 0,
    pseudonym_len: 0,
    run: [0; LONGEST],
    pseudonym: [0; LONGEST],
};

pub struct Recent {
    /// The key's SipHash key, which the pseudonyms of the slots were made with.
    pub key: (u64, u64),
    hasher: foldhash::fast::FixedState,
    /// A slot's tag: the high half of its run's fingerprint, never 0 (0 marks an empty slot).
    tags: Vec<[u32; 2]>,
    slots: Vec<[Slot; 2]>,
    /// Per set, the slot met less lately (the next to be replaced): replacing it needs no
    /// read of the other slot.
    older: Vec<u8>,
}

impl Default for Recent {
    fn default() -> Self {
        Recent::new((0, 0))
    }
}

impl Recent {
    pub fn new(key: (u64, u64)) -> Self {
        Recent {
            key,
            hasher: foldhash::fast::FixedState::with_seed(key.0 ^ key.1.rotate_left(17)),
            tags: Vec::new(),
            slots: Vec::new(),
            older: Vec::new(),
        }
    }

    /// The run's fingerprint: its low bits pick the set, its high half is the tag.
    pub fn fingerprint(&self, run: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, run)
    }

    fn place(fp: u64) -> (usize, u32) {
        (fp as usize % SETS, ((fp >> 32) as u32).max(1))
    }

    /// The pseudonym of `run` when its set holds it.
    pub fn get(&mut self, fp: u64, run: &str) -> Option<&str> {
        let (i, tag) = Self::place(fp);
        let tags = self.tags.get(i)?;
        let slots = &self.slots[i];
        let way = (0..2).find(|&w| {
            let s = &slots[w];
            tags[w] == tag && s.run.get(..usize::from(s.run_len)) == Some(run.as_bytes())
        })?;
        self.older[i] = 1 - way as u8;
        let s = &slots[way];
        std::str::from_utf8(s.pseudonym.get(..usize::from(s.pseudonym_len))?).ok()
    }

    /// Keeps `run`'s pseudonym in the slot of its set met less lately (unless either is
    /// longer than `LONGEST`).
    pub fn put(&mut self, fp: u64, run: &str, pseudonym: &str) {
        if run.len() > LONGEST || pseudonym.len() > LONGEST {
            return;
        }
        if self.tags.is_empty() {
            self.tags = vec![[0; 2]; SETS];
            self.slots = vec![[EMPTY; 2]; SETS];
            self.older = vec![0; SETS];
        }
        let (i, tag) = Self::place(fp);
        let way = usize::from(self.older[i] & 1);
        self.older[i] = 1 - way as u8;
        self.tags[i][way] = tag;
        let s = &mut self.slots[i][way];
        s.run_len = run.len() as u8;
        s.run[..run.len()].copy_from_slice(run.as_bytes());
        s.pseudonym_len = pseudonym.len() as u8;
        s.pseudonym[..pseudonym.len()].copy_from_slice(pseudonym.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Slot>(), 64);
    }

    /// A kept run comes back; runs of one set: the two met last stay, a third pushes out
    /// the other; a different run with the same tag and set is not taken for a kept one;
    /// a run too long is not kept.
    #[test]
    fn keeps_the_two_runs_of_a_set_met_last() {
        let mut r = Recent::new((1, 2));
        let fp = r.fingerprint("ann");
        assert_eq!(r.get(fp, "ann"), None);
        r.put(fp, "ann", "kqz");
        assert_eq!(r.get(fp, "ann"), Some("kqz"));
        // Same fingerprint (forced), other runs: the bytes decide.
        assert_eq!(r.get(fp, "bob"), None);
        r.put(fp, "bob", "wxy");
        assert_eq!(r.get(fp, "ann"), Some("kqz"));
        assert_eq!(r.get(fp, "bob"), Some("wxy"));
        // `bob` was met last: `cat` pushes out `ann`.
        r.put(fp, "cat", "mno");
        assert_eq!(r.get(fp, "ann"), None);
        assert_eq!(r.get(fp, "bob"), Some("wxy"));
        assert_eq!(r.get(fp, "cat"), Some("mno"));
        let long = "a".repeat(LONGEST + 1);
        let fl = r.fingerprint(&long);
        r.put(fl, &long, &"b".repeat(LONGEST + 1));
        assert_eq!(r.get(fl, &long), None);
        let edge = "c".repeat(LONGEST);
        let fe = r.fingerprint(&edge);
        r.put(fe, &edge, "é".repeat(15).as_str());
        assert_eq!(r.get(fe, &edge), Some("é".repeat(15).as_str()));
    }
}
