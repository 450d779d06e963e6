//! The classes of a run's characters for `pseudo` (each class an alphabet its digits are
//! permuted in), and the byte table that cuts a value into runs.

/// Non-ASCII cased letters are drawn from, and permuted within, U+00E0..U+00FE minus `÷`.
pub(super) const LATIN1_FIRST: u32 = 0xE0;
pub(super) const LATIN1_DIVIDE: u32 = 0xF7;
pub(super) const ARABIC_ZERO: u32 = 0x0660;
pub(super) const CJK_FIRST: u32 = 0x4E00;
pub(super) const CJK_COUNT: u32 = 2000;

/// A position's class: decides the alphabet of its digit (and is part of the tweak).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Letter,
    Digit,
    /// First digit of a run that is not 0: stays 1..=9.
    LeadDigit,
    /// First digit of a run that is 0: stays 0.
    ZeroLead,
    /// An ASCII letter of a run whose letters are all `a`..`f`: stays `a`..`f`.
    HexLetter,
    Latin,
    ArabicDigit,
    Cjk,
    /// Outside every alphabet: drawn by the keyed hash (not permuted).
    ForeignCased,
    ForeignDigit,
    ForeignUncased,
}

impl Kind {
    pub(super) fn radix(self) -> u16 {
        match self {
            Kind::Letter => 26,
            Kind::Digit | Kind::ArabicDigit | Kind::ForeignDigit => 10,
            Kind::LeadDigit => 9,
            Kind::ZeroLead => 1,
            Kind::HexLetter => 6,
            Kind::Latin | Kind::ForeignCased => 30,
            Kind::Cjk | Kind::ForeignUncased => CJK_COUNT as u16,
        }
    }

    pub(super) fn foreign(self) -> bool {
        matches!(
            self,
            Kind::ForeignCased | Kind::ForeignDigit | Kind::ForeignUncased
        )
    }

    pub(super) fn code(self) -> u8 {
        self as u8
    }

    /// The character of digit `d` (already lower case).
    pub(super) fn char_of(self, d: u16) -> char {
        let d = u32::from(d);
        let c = match self {
            Kind::Letter | Kind::HexLetter => u32::from(b'a') + d,
            Kind::Digit => u32::from(b'0') + d,
            Kind::LeadDigit => u32::from(b'1') + d,
            Kind::ZeroLead => u32::from(b'0'),
            Kind::Latin | Kind::ForeignCased => {
                let c = LATIN1_FIRST + d;
                if c >= LATIN1_DIVIDE {
                    c + 1
                } else {
                    c
                }
            }
            Kind::ArabicDigit | Kind::ForeignDigit => ARABIC_ZERO + d,
            Kind::Cjk | Kind::ForeignUncased => CJK_FIRST + d,
        };
        char::from_u32(c).unwrap_or('?')
    }
}

/// The lower case of `c` when it is one character (`İ` lower-cases to two: kept as spelled).
pub(super) fn lower1(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

/// The class and digit of a (lower-cased) character of a run (`hex_only`: every character
/// of the run is a hexadecimal digit).
pub(super) fn classify(c: char, hex_only: bool) -> (Kind, u16) {
    let u = c as u32;
    if c.is_ascii_lowercase() {
        let kind = if hex_only {
            Kind::HexLetter
        } else {
            Kind::Letter
        };
        (kind, (u - u32::from(b'a')) as u16)
    } else if c.is_ascii_digit() {
        (Kind::Digit, (u - u32::from(b'0')) as u16)
    } else if (LATIN1_FIRST..=0xFE).contains(&u) && u != LATIN1_DIVIDE {
        let d = u - LATIN1_FIRST - u32::from(u > LATIN1_DIVIDE);
        (Kind::Latin, d as u16)
    } else if (ARABIC_ZERO..ARABIC_ZERO + 10).contains(&u) {
        (Kind::ArabicDigit, (u - ARABIC_ZERO) as u16)
    } else if (CJK_FIRST..CJK_FIRST + CJK_COUNT).contains(&u) {
        (Kind::Cjk, (u - CJK_FIRST) as u16)
    } else if c.is_lowercase() || c.is_uppercase() {
        (Kind::ForeignCased, 0)
    } else if c.is_numeric() {
        (Kind::ForeignDigit, 0)
    } else {
        (Kind::ForeignUncased, 0)
    }
}

/// True when every `Letter` position of the vector holds `a`..`f`.
pub(super) fn letters_up_to_f(kinds: &[Kind], digits: &[u16]) -> bool {
    kinds
        .iter()
        .zip(digits)
        .all(|(&k, &d)| k != Kind::Letter || d < 6)
}

/// Which bytes are ASCII letters and digits (a run's), by table.
pub(super) const ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

pub(super) fn push_char(out: &mut Vec<u8>, c: char) {
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}
