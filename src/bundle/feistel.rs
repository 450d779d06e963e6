//! The keyed permutation behind the pseudonyms (`pseudo`): a Feistel network over the two
//! halves of a vector of digits of mixed radices, keyed with SipHash-1-3 and a tweak, and
//! the single cycle `P⁻¹(P(x) + 1)` through all vectors that never maps one to itself.

use std::hash::Hasher;

/// Steps of the Feistel network (each changes one half): three full rounds, the fewest
/// that make a keyed permutation look random to whoever sees its outputs (Luby-Rackoff),
/// twice per run (`P` then `P⁻¹`). Eight steps cost a third more of a million-user
/// bundle's pseudonymising for no property the bundle relies on.
pub(super) const ROUNDS: u8 = 6;
/// The keyed PRF: SipHash-1-3, the variant Rust's own hash tables key against hash flooding
/// (-2-4 does twice the rounds per block, and a run takes about 13 calls).
pub(super) type Prf = siphasher::sip::SipHasher13;
/// Digits taken from one 64-bit hash before drawing a fresh one: the product of their
/// radices stays below 2^40, so the leftover bias is below 2^-24.
pub(super) const MAX_DRAW: u64 = 1 << 40;

/// Bytes fed to a SipHash state eight at a time, gathered in a register: the same hash as
/// writing them one by one (SipHash reads its input as one stream of bytes), without
/// storing small pieces to memory and loading them back as one word.
pub(super) struct Feed<'a> {
    h: &'a mut Prf,
    acc: u64,
    /// Bytes held in `acc` (0..8).
    held: u32,
}

impl<'a> Feed<'a> {
    pub(super) fn new(h: &'a mut Prf) -> Self {
        Feed { h, acc: 0, held: 0 }
    }

    /// The low `n` bytes of `v` (1..=8; the bytes above them are zero), little-endian.
    #[inline(always)]
    pub(super) fn push(&mut self, v: u64, n: u32) {
        let shift = 8 * self.held;
        self.acc |= v << shift;
        let total = self.held + n;
        if total >= 8 {
            self.h.write_u64(self.acc);
            // The bytes of `v` that did not fit.
            self.acc = if shift == 0 { 0 } else { v >> (64 - shift) };
            self.held = total - 8;
        } else {
            self.held = total;
        }
    }

    /// Writes the bytes still held.
    #[inline(always)]
    pub(super) fn flush(mut self) {
        if self.held >= 4 {
            self.h.write_u32(self.acc as u32);
            self.acc >>= 32;
            self.held -= 4;
        }
        if self.held >= 2 {
            self.h.write_u16(self.acc as u16);
            self.acc >>= 16;
            self.held -= 2;
        }
        if self.held == 1 {
            self.h.write_u8(self.acc as u8);
        }
    }
}

/// Digits drawn from a keyed hash stream: one SipHash per ~40 bits of radix product.
/// Digits are read from the top of the word, so their bias stays below 2^-24 as above.
pub(super) struct Draw {
    state: Prf,
    word: u64,
    room: u64,
    counter: u8,
}

impl Draw {
    pub(super) fn new(state: Prf) -> Self {
        Draw {
            state,
            word: 0,
            room: MAX_DRAW,
            counter: 0,
        }
    }

    #[inline(always)]
    pub(super) fn digit(&mut self, radix: u16) -> u16 {
        let r = u64::from(radix.max(1));
        if self.room.saturating_mul(r) >= MAX_DRAW {
            let mut h = self.state;
            h.write_u8(self.counter);
            self.counter = self.counter.wrapping_add(1);
            self.word = h.finish();
            self.room = 1;
        }
        // The word read as a fraction of 2^64: its next digit in base `r` is the integer
        // part of word x r, the rest stays for the following digits (no division).
        let wide = u128::from(self.word) * u128::from(r);
        self.word = wide as u64;
        self.room *= r;
        (wide >> 64) as u16
    }
}

/// SipHash-1-3 keyed and fed one 8-byte word (a run's tweak), for the steps of
/// `next_packed`: `finish` gives what `Prf` fed the same 17 bytes gives (a test compares
/// them), as five SipRounds on four words, without the general hasher's buffering of a
/// partial word. A run takes eleven of these (twelve when adding one carries).
#[derive(Clone, Copy)]
pub(super) struct Keyed {
    v: [u64; 4],
}

#[inline(always)]
fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// One 8-byte block of SipHash-1-3 (one compression round).
#[inline(always)]
fn compress(v: &mut [u64; 4], m: u64) {
    v[3] ^= m;
    sip_round(v);
    v[0] ^= m;
}

impl Keyed {
    pub(super) fn new(key: (u64, u64), tweak: u64) -> Self {
        let (k0, k1) = key;
        // SipHash's initial state: the key XOR "somepseudorandomlygeneratedbytes".
        let mut v = [
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ];
        compress(&mut v, tweak);
        Keyed { v }
    }

    /// The hash of the tweak, then `word` (little-endian), then `byte`: 17 bytes in all.
    #[inline(always)]
    fn finish(self, word: u64, byte: u8) -> u64 {
        let mut v = self.v;
        compress(&mut v, word);
        // The last block: the message length (17) in the top byte, the byte left over.
        compress(&mut v, (17 << 56) | u64::from(byte));
        v[2] ^= 0xff;
        sip_round(&mut v);
        sip_round(&mut v);
        sip_round(&mut v);
        v[0] ^ v[1] ^ v[2] ^ v[3]
    }
}

/// The keyed permutation of the digit vectors of one shape (radices + tweak).
pub(super) struct Feistel<'a> {
    /// SipHash state keyed and fed the tweak: every step starts from a copy.
    pub(super) base: Prf,
    /// The same state, for the steps of halves held as integers.
    pub(super) keyed: Keyed,
    pub(super) radix: &'a [u16],
}

impl Feistel<'_> {
    fn half(&self) -> usize {
        self.radix.len() / 2
    }

    /// Adds (or subtracts) the round function of `src` to `dst`, digit by digit (halves
    /// of 2^40 values or more; `next_packed` takes the others). The message: per 32
    /// digits, the step number then each digit as two little-endian bytes.
    fn step(&self, round: u8, src: &[u16], dst: &mut [u16], dst_radix: &[u16], add: bool) {
        let mut h = self.base;
        let mut feed = Feed::new(&mut h);
        for chunk in src.chunks(32) {
            feed.push(u64::from(round), 1);
            for &d in chunk {
                feed.push(u64::from(d), 2);
            }
        }
        feed.flush();
        let mut draw = Draw::new(h);
        for (x, &r) in dst.iter_mut().zip(dst_radix) {
            let f = draw.digit(r);
            *x = match add {
                true if *x + f >= r => *x + f - r,
                true => *x + f,
                false if *x >= f => *x - f,
                false => *x + r - f,
            };
        }
    }

    fn forward(&self, x: &mut [u16]) {
        let (left, right) = x.split_at_mut(self.half());
        let (lr, rr) = self.radix.split_at(self.half());
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                self.step(round, right, left, lr, true);
            } else {
                self.step(round, left, right, rr, true);
            }
        }
    }

    fn backward(&self, x: &mut [u16]) {
        let (left, right) = x.split_at_mut(self.half());
        let (lr, rr) = self.radix.split_at(self.half());
        for round in (0..ROUNDS).rev() {
            if round % 2 == 0 {
                self.step(round, right, left, lr, false);
            } else {
                self.step(round, left, right, rr, false);
            }
        }
    }

    /// The sizes of the two halves (the products of their radices) when both are below
    /// `MAX_DRAW`, 2^40: a half of a run of up to about 16 letters or 24 digits.
    fn small_halves(&self) -> Option<(u64, u64)> {
        let (l, r) = self.radix.split_at(self.half());
        let size = |rs: &[u16]| {
            rs.iter().try_fold(1u64, |a, &r| {
                Some(a * u64::from(r)).filter(|&p| p < MAX_DRAW)
            })
        };
        Some((size(l)?, size(r)?))
    }

    /// The round function of `packed` halves: a keyed SipHash-1-3 of the other half (as one
    /// integer) and the step number, scaled to `0..size` (a bias below 2^-24, as `Draw`).
    #[inline(always)]
    fn round(&self, round: u8, other: u64, size: u64) -> u64 {
        ((u128::from(self.keyed.finish(other, round)) * u128::from(size)) >> 64) as u64
    }

    /// `next` with each half held as one integer (mixed radix, first digit most
    /// significant): a step adds the round function modulo the half's size, one hash and
    /// one multiplication instead of a digit at a time.
    fn next_packed(&self, x: &mut [u16], a: u64, b: u64) {
        let half = self.half();
        let pack = |ds: &[u16], rs: &[u16]| {
            ds.iter()
                .zip(rs)
                .fold(0u64, |acc, (&d, &r)| acc * u64::from(r) + u64::from(d))
        };
        let mut l = pack(&x[..half], &self.radix[..half]);
        let mut r = pack(&x[half..], &self.radix[half..]);
        let add = |v: u64, f: u64, size: u64| if v + f >= size { v + f - size } else { v + f };
        let sub = |v: u64, f: u64, size: u64| if v >= f { v - f } else { v + size - f };
        // The last forward step (odd: it adds a function of `l` to `r`), kept for the
        // first backward step, which undoes it from the same `l` unless the +1 carried.
        const _: () = assert!(ROUNDS.is_multiple_of(2));
        let mut last = 0;
        for round in 0..ROUNDS {
            if round % 2 == 0 {
                l = add(l, self.round(round, r, a), a);
            } else {
                last = self.round(round, l, b);
                r = add(r, last, b);
            }
        }
        // Plus one, the last digit first: the whole vector's number is l * b + r.
        r += 1;
        let carried = r == b;
        if carried {
            r = 0;
            l += 1;
            if l == a {
                l = 0;
            }
        }
        for round in (0..ROUNDS).rev() {
            if round % 2 == 0 {
                l = sub(l, self.round(round, r, a), a);
            } else if round == ROUNDS - 1 && !carried {
                r = sub(r, last, b);
            } else {
                r = sub(r, self.round(round, l, b), b);
            }
        }
        for (v, range) in [(l, 0..half), (r, half..x.len())] {
            let mut v = v;
            for i in range.rev() {
                let (q, d) = div_rem(v, self.radix[i]);
                x[i] = d;
                v = q;
            }
        }
    }

    /// The next vector on the key's single cycle through all vectors: P⁻¹(P(x) + 1).
    pub(super) fn next(&self, x: &mut [u16]) {
        if let Some((a, b)) = self.small_halves() {
            return self.next_packed(x, a, b);
        }
        self.forward(x);
        for (d, &r) in x.iter_mut().zip(self.radix).rev() {
            *d += 1;
            if *d < r {
                break;
            }
            *d = 0;
        }
        self.backward(x);
    }
}

/// `v / r` and `v % r`, by a constant for the usual radices (letters, digits, a first
/// digit, hex letters, Latin-1 letters): the compiler turns those into multiplications,
/// where a division by a radix known only at run time takes tens of cycles, eight times
/// per run.
#[inline(always)]
fn div_rem(v: u64, r: u16) -> (u64, u16) {
    macro_rules! by {
        ($c:literal) => {
            (v / $c, (v % $c) as u16)
        };
    }
    match r {
        26 => by!(26),
        10 => by!(10),
        9 => by!(9),
        6 => by!(6),
        30 => by!(30),
        _ => (v / u64::from(r.max(1)), (v % u64::from(r.max(1))) as u16),
    }
}

/// Two factors of `r`, the first the largest not above its square root (1 for a prime).
pub(super) fn split_radix(r: u16) -> (u16, u16) {
    let mut a = 1;
    let mut f = 2;
    while f * f <= r {
        if r.is_multiple_of(f) {
            a = f;
        }
        f += 1;
    }
    (a, r / a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `div_rem` divides as `/` and `%` do, for every radix a run can have.
    #[test]
    fn div_rem_is_division() {
        for r in [1u16, 2, 5, 6, 9, 10, 13, 26, 30, 2000] {
            for v in [0u64, 1, 25, 26, 27, 999_999, (1 << 40) - 1, u64::MAX / 3] {
                assert_eq!(div_rem(v, r), (v / u64::from(r), (v % u64::from(r)) as u16));
            }
        }
    }

    /// `Keyed` is SipHash-1-3 as `Prf` computes it, for the message the packed steps hash.
    #[test]
    fn keyed_steps_hash_as_siphash_1_3() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let (k0, k1, tweak, word) = (next(), next(), next(), next());
            let byte = next() as u8;
            let mut h = Prf::new_with_keys(k0, k1);
            h.write_u64(tweak);
            h.write_u64(word);
            h.write_u8(byte);
            assert_eq!(Keyed::new((k0, k1), tweak).finish(word, byte), h.finish());
        }
    }
}
