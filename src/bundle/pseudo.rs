//! Shape-preserving pseudonyms: the part of `--redact-pii` that decides what a value becomes.
//!
//! A value is cut into runs of letters and digits; everything between runs (spaces, `@`,
//! dots, hyphens, quotes, any other punctuation) is kept as it is. Each run is replaced by a
//! run of the same length and character classes (ASCII letters, digits, other cased letters,
//! uncased letters), computed from the lower-cased run and a secret key, with the original's
//! letter case put back character by character. So every property a check reads from the
//! text survives: whitespace, the number and place of `@`, empty parts, misplaced dots,
//! characters a domain may not hold, an all-digit top-level domain, emptiness, "equal
//! ignoring case but spelled differently", one value being the local part of another, two
//! users sharing a domain. Runs made of hexadecimal digits stay hexadecimal, and an Entra
//! soft-delete name (`<32 hex><UPN>`) keeps its shape.
//!
//! # How a run is mapped (no table)
//!
//! Each character becomes a digit in the alphabet of its class: ASCII letter (26), ASCII
//! digit (10; the first digit of a run keeps being zero or non-zero, so a JSON number
//! stays a number and a lone `0` stays `0`), the 30 Latin-1 lower-case letters `à`..`þ`,
//! the Arabic-Indic digits, and 2,000 CJK ideographs. The digit vector goes through a keyed
//! permutation of all vectors of those radices (format-preserving encryption): a 6-step
//! Feistel network over its two halves, each step adding a keyed SipHash-1-3 of the other
//! half, the step number and the run's class sequence (the tweak, so runs of different
//! shapes never interact): modulo the half's size when both halves hold fewer than 2^40
//! values (each half read as one mixed-radix number: runs of up to about 32 letters),
//! digit by digit modulo each position's radix otherwise. A one-character run is
//! first split into two digits (26 = 2 x 13, 10 = 2 x 5, ...) so that the network has two
//! halves to work on. With `P` that permutation the pseudonym is `P⁻¹(P(x) + 1)` (adding
//! one with carry): a permutation of the same set made of a single cycle through all of it,
//! so it never maps a run to itself when the set has two or more members.
//!
//! Hexadecimal stays hexadecimal without looking at the context: a run whose letters are
//! all `a`..`f` (an object id, a GUID part such as `4aaa`, a soft-delete prefix) maps to a
//! run of letters `a`..`f` and digits in the same places, and any other run of ASCII letters
//! and digits maps to one holding a letter after `f` (cycle walking: the permutation is
//! applied again until it lands on that side). So ids stay ids, GUIDs stay GUIDs, and an id
//! and a value that is not one can never meet. The price: a word made only of the letters
//! `a`..`f` (`Ada`, `Dee`) is known to be one from its pseudonym.
//!
//! # What is guaranteed one-to-one, and what is not
//!
//! The mapping needs no memory: the same key gives the same pseudonyms in every run, thread
//! and process (the key is saved in the map file so that a later bundle extends it), and
//! two values that differ ignoring case get pseudonyms that differ ignoring case whenever
//! every letter and digit is in one of the alphabets above (all ASCII values, most Western
//! European names). The exception: a character outside those alphabets (Cyrillic, Greek,
//! other ideographs, `ß`, `ÿ`, other digits) cannot be permuted in a fixed alphabet. It is
//! replaced by a character drawn by the keyed hash from its class's alphabet (Latin-1
//! letter, Arabic-Indic digit, CJK ideograph), and the rest of the run is permuted under a
//! tweak that holds those characters. Two runs with the same such characters in the same
//! places still map one-to-one; two runs of the same length and classes of which one holds
//! such characters (and the other other ones, or none) share a pseudonym only when every
//! drawn character agrees and the permuted rest agrees too: about 1/30 per cased letter,
//! 1/10 per digit, 1/2000 per ideograph, times 1/26 per ASCII letter and 1/10 per digit of
//! the rest. Two 6-letter Cyrillic names: about one chance in 7 x 10^8; a Greek initial and
//! five ASCII letters against another: one in 3.5 x 10^8.

use super::feistel::{split_radix, Draw, Feed, Feistel, Keyed, Prf};
use super::kinds::{classify, letters_up_to_f, lower1, push_char, Kind, ALNUM};
use super::recent::{Recent, Shapes, RUN_BYTES};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::hash::Hasher;

/// Keyed, stateless, `Sync`: the same key gives the same pseudonyms in every run and thread.
#[derive(Clone)]
pub struct Pseudonymiser {
    key: [u8; 32],
    /// SipHash key of the Feistel rounds and tweaks.
    fpe: (u64, u64),
    /// SipHash key of the characters drawn for runs outside the alphabets.
    draw: (u64, u64),
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser { key: (redacted) }")
    }
}

impl Default for Pseudonymiser {
    /// A fresh random key.
    fn default() -> Self {
        Self::random()
    }
}

/// SipHash key halves from 16 bytes of a SHA-256 of the key and a label.
fn subkey(key: &[u8; 32], label: &[u8]) -> (u64, u64) {
    let d = Sha256::new()
        .chain_update(label)
        .chain_update(key)
        .finalize();
    let k0 = u64::from_le_bytes(d[0..8].try_into().unwrap_or_default());
    let k1 = u64::from_le_bytes(d[8..16].try_into().unwrap_or_default());
    (k0, k1)
}

impl Pseudonymiser {
    pub fn new(key: [u8; 32]) -> Self {
        Pseudonymiser {
            key,
            fpe: subkey(&key, b"scim-doctor pseudonyms: permutation"),
            draw: subkey(&key, b"scim-doctor pseudonyms: drawn characters"),
        }
    }

    /// A key from `rand`'s thread generator (a CSPRNG seeded from the operating system).
    pub fn random() -> Self {
        Self::new(rand::random())
    }

    pub fn key(&self) -> [u8; 32] {
        self.key
    }

    /// The pseudonym of one run of letters and digits, appended to `out`. A thread keeps
    /// the runs it mapped lately (`recent`).
    fn run(&self, run: &str, out: &mut Vec<u8>, s: &mut Scratch) {
        if s.recent.key != self.fpe {
            s.recent = Recent::new(self.fpe);
        }
        let fp = s.recent.fingerprint(run);
        if let Some(p) = s.recent.get(fp, run) {
            out.extend_from_slice(p);
            return;
        }
        let before = out.len();
        self.run_uncached(run, out, s);
        s.recent.put(fp, run, &out[before..]);
    }

    /// The keyed tweak of a run's shape (its length and classes) and the Feistel network
    /// of that shape.
    fn network<'r>(
        &self,
        n: usize,
        kinds: &[Kind],
        seed: Option<u64>,
        radix: &'r [u16],
    ) -> Feistel<'r> {
        let mut tweak = Prf::new_with_keys(self.fpe.0, self.fpe.1);
        let mut feed = Feed::new(&mut tweak);
        feed.push(n as u64, std::mem::size_of::<usize>() as u32);
        for k in kinds {
            feed.push(u64::from(k.code()), 1);
        }
        feed.flush();
        if let Some(seed) = seed {
            tweak.write_u64(seed);
        }
        let tweak = tweak.finish();
        let mut base = Prf::new_with_keys(self.fpe.0, self.fpe.1);
        base.write_u64(tweak);
        Feistel {
            base,
            keyed: Keyed::new(self.fpe, tweak),
            radix,
        }
    }

    /// `network` without a seed, from the thread's `Shapes` when it met the shape lately.
    fn network_of_shape<'r>(
        &self,
        shapes: &mut Shapes,
        kinds: &[Kind],
        radix: &'r [u16],
    ) -> Feistel<'r> {
        let mut codes = [0u8; 32];
        for (c, k) in codes.iter_mut().zip(kinds) {
            *c = k.code();
        }
        if let Some((base, keyed)) = shapes.get(self.fpe, kinds.len(), &codes) {
            return Feistel { base, keyed, radix };
        }
        let f = self.network(kinds.len(), kinds, None, radix);
        shapes.put(kinds.len(), codes, f.base, f.keyed);
        f
    }

    /// `run_uncached` for a run of up to 32 ASCII letters and digits (most runs), on the
    /// stack: the same pseudonym as the general path, which a test compares over every
    /// shape.
    fn run_ascii(&self, run: &[u8], out: &mut Vec<u8>, shapes: &mut Shapes) {
        let n = run.len();
        let hex_only = run.iter().all(u8::is_ascii_hexdigit);
        let mut kinds = [Kind::Letter; 32];
        let mut x = [0u16; 32];
        let mut radix = [0u16; 32];
        for (i, &b) in run.iter().enumerate() {
            let (k, d) = if b.is_ascii_digit() {
                match (i, b - b'0') {
                    (0, 0) => (Kind::ZeroLead, 0),
                    (0, d) => (Kind::LeadDigit, d - 1),
                    (_, d) => (Kind::Digit, d),
                }
            } else if hex_only {
                (Kind::HexLetter, b.to_ascii_lowercase() - b'a')
            } else {
                (Kind::Letter, b.to_ascii_lowercase() - b'a')
            };
            kinds[i] = k;
            x[i] = u16::from(d);
            radix[i] = k.radix();
        }
        // A lone `0` is the only run of one value: it stays.
        if !(n == 1 && kinds[0] == Kind::ZeroLead) {
            if n == 1 {
                // One digit: split in two so that the network has two halves.
                let (a, b) = split_radix(radix[0]);
                let r = [a, b];
                let p = self.network_of_shape(shapes, &kinds[..1], &r);
                let mut v = [x[0] / b, x[0] % b];
                let start = v;
                loop {
                    p.next(&mut v);
                    if hex_only || v == start || v[0] * b + v[1] >= 6 {
                        break;
                    }
                }
                x[0] = v[0] * b + v[1];
            } else {
                let p = self.network_of_shape(shapes, &kinds[..n], &radix[..n]);
                let start = x;
                loop {
                    p.next(&mut x[..n]);
                    if hex_only || x == start || !letters_up_to_f(&kinds[..n], &x[..n]) {
                        break;
                    }
                }
            }
        }
        let mut text = [0u8; 32];
        for i in 0..n {
            let c = kinds[i].char_of(x[i]) as u8;
            text[i] = if run[i].is_ascii_uppercase() {
                c.to_ascii_uppercase()
            } else {
                c
            };
        }
        out.extend_from_slice(&text[..n]);
    }

    fn run_uncached(&self, run: &str, out: &mut Vec<u8>, s: &mut Scratch) {
        if run.len() <= 32 && run.is_ascii() && !force_general() {
            return self.run_ascii(run.as_bytes(), out, &mut s.shapes);
        }
        let Scratch {
            original,
            lower,
            kinds,
            digits,
            slots,
            slot_kinds,
            x,
            radix,
            start,
            ..
        } = s;
        original.clear();
        original.extend(run.chars());
        lower.clear();
        lower.extend(original.iter().map(|&c| lower1(c)));
        let hex_only = lower.iter().all(char::is_ascii_hexdigit);
        let n = lower.len();
        kinds.clear();
        digits.clear();
        for &c in lower.iter() {
            let (k, d) = classify(c, hex_only);
            kinds.push(k);
            digits.push(d);
        }
        // A number keeps a zero or non-zero first digit (a lone `0` therefore stays `0`:
        // nothing else has its shape).
        if kinds.first() == Some(&Kind::Digit) {
            (kinds[0], digits[0]) = match digits[0] {
                0 => (Kind::ZeroLead, 0),
                d => (Kind::LeadDigit, d - 1),
            };
        }

        let foreign = kinds.iter().any(|k| k.foreign());
        let mut seed = None;
        if foreign {
            // Characters outside the alphabets: drawn from a keyed hash of what they are and
            // where, which also tweaks the permutation of the rest.
            let mut h = Prf::new_with_keys(self.draw.0, self.draw.1);
            for (i, (&k, &c)) in kinds.iter().zip(lower.iter()).enumerate() {
                h.write_u8(k.code());
                if k.foreign() {
                    h.write_usize(i);
                    h.write_u32(c as u32);
                }
            }
            let drawn = h.finish();
            seed = Some(drawn);
            let mut h = Prf::new_with_keys(self.draw.0, self.draw.1);
            h.write_u64(drawn);
            let mut draw = Draw::new(h);
            for (k, d) in kinds.iter().zip(digits.iter_mut()) {
                if k.foreign() {
                    *d = draw.digit(k.radix());
                }
            }
        }

        // A run of ASCII letters and digits that is not hex-only holds a letter after `f`,
        // and so must its pseudonym (hex-only runs use `HexLetter` and stay hex-only): walk
        // the cycle past the vectors whose letters are all `a`..`f`.
        let walk = run.is_ascii() && !hex_only;
        slots.clear();
        slots.extend((0..n).filter(|&i| !kinds[i].foreign()));
        slot_kinds.clear();
        slot_kinds.extend(slots.iter().map(|&i| kinds[i]));
        x.clear();
        x.extend(slots.iter().map(|&i| digits[i]));
        radix.clear();
        radix.extend(slot_kinds.iter().map(|k| k.radix()));
        let many = radix
            .iter()
            .try_fold(1u32, |a, &r| a.checked_mul(u32::from(r)))
            .is_none_or(|size| size > 1);
        if many {
            // One digit: split it in two so that the network has two halves.
            let single = x.len() == 1;
            if single {
                let (a, b) = split_radix(radix[0]);
                *x = vec![x[0] / b, x[0] % b];
                *radix = vec![a, b];
            }
            let p = self.network(n, kinds, seed, radix);
            start.clear();
            start.extend_from_slice(x);
            loop {
                p.next(x);
                if !walk || x == start {
                    break;
                }
                let beyond_f = if single {
                    x[0] * radix[1] + x[1] >= 6
                } else {
                    !letters_up_to_f(slot_kinds, x)
                };
                if beyond_f {
                    break;
                }
            }
            if single {
                *x = vec![x[0] * radix[1] + x[1]];
            }
            for (&i, &d) in slots.iter().zip(x.iter()) {
                digits[i] = d;
            }
        }

        for ((&o, &k), &d) in original.iter().zip(kinds.iter()).zip(digits.iter()) {
            let p = k.char_of(d);
            if o.is_uppercase() {
                p.to_uppercase().for_each(|c| push_char(out, c));
            } else {
                push_char(out, p);
            }
        }
    }

    /// The pseudonym of a whole value: every run replaced, everything else kept. With
    /// `keep_domain`, the text after the last `@` stays as it is.
    pub fn value(&self, v: &str, keep_domain: bool) -> String {
        let mut bytes = Vec::with_capacity(v.len() + 8);
        self.value_bytes(v, keep_domain, &mut bytes);
        // Runs are replaced by whole characters and the rest copied: valid UTF-8.
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// `value` as UTF-8 bytes pushed onto `out` (no allocation once `out` and the thread's
    /// buffers are warm).
    pub fn value_bytes(&self, v: &str, keep_domain: bool, out: &mut Vec<u8>) {
        SCRATCH.with_borrow_mut(|s| self.value_with(v, keep_domain, s, out))
    }

    fn value_with(&self, v: &str, keep_domain: bool, s: &mut Scratch, out: &mut Vec<u8>) {
        let (body, domain) = match keep_domain.then(|| v.rfind('@')).flatten() {
            Some(i) => (&v[..i], Some(&v[i..])),
            None => (v, None),
        };
        // Entra soft-delete: `<32 hex><UPN>`: the prefix is a run of its own.
        let mut rest = body;
        if let Some(prefix) = rest.get(..32) {
            if prefix.bytes().all(|b| b.is_ascii_hexdigit()) && rest.len() > 32 {
                self.run(prefix, out, s);
                rest = &rest[32..];
            }
        }
        if rest.is_ascii() {
            // The loop below, a byte at a time (most values).
            let b = rest.as_bytes();
            let mut i = 0;
            while i < b.len() {
                let start = i;
                let alnum = ALNUM[usize::from(b[i])];
                i += b[i..]
                    .iter()
                    .position(|&c| ALNUM[usize::from(c)] != alnum)
                    .unwrap_or(b.len() - i);
                match alnum {
                    true => self.run(&rest[start..i], out, s),
                    false => out.extend_from_slice(&b[start..i]),
                }
            }
            rest = "";
        }
        let mut run_start = None;
        for (i, c) in rest.char_indices() {
            if c.is_alphanumeric() {
                run_start.get_or_insert(i);
            } else {
                if let Some(start) = run_start.take() {
                    self.run(&rest[start..i], out, s);
                }
                push_char(out, c);
            }
        }
        if let Some(start) = run_start {
            self.run(&rest[start..], out, s);
        }
        if let Some(d) = domain {
            out.extend_from_slice(d.as_bytes());
        }
    }
}

/// Buffers of `run`, reused by every run of a thread (they hold nothing between runs), and
/// the thread's recent runs.
#[derive(Default)]
struct Scratch {
    original: Vec<char>,
    lower: Vec<char>,
    kinds: Vec<Kind>,
    digits: Vec<u16>,
    slots: Vec<usize>,
    slot_kinds: Vec<Kind>,
    x: Vec<u16>,
    radix: Vec<u16>,
    start: Vec<u16>,
    recent: Recent<RUN_BYTES>,
    shapes: Shapes,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[cfg(test)]
thread_local! {
    /// Tests compare the ASCII path with the general one by forcing the latter.
    static FORCE_GENERAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a test asked for the general path only (never outside tests).
fn force_general() -> bool {
    #[cfg(test)]
    return FORCE_GENERAL.with(|f| f.get());
    #[cfg(not(test))]
    false
}

#[cfg(test)]
#[path = "pseudo_tests.rs"]
mod tests;
