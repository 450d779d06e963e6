//! How a registered secret is recognised in text, whatever its spelling: each character as
//! itself (any ASCII case) or escaped as JSON (`\/`, `\uXXXX` behind any number of
//! backslashes), Markdown (`\|`), percent-encoding or an HTML reference; and a secret cut
//! short by a truncation (a long enough start before `…` or the end of the text, or an end
//! right after `…`).

/// One spelling the scrubber looks for, as characters (each matched in any escaped form).
pub(super) struct Form {
    pub chars: Vec<char>,
    /// How many leading characters of this form, followed by a cut, count as a leak.
    pub partial_min: usize,
}

/// Every registered form, longest first, with the bytes each can start at.
pub(super) struct Forms {
    forms: Vec<Form>,
    /// For each byte, the forms a match can start at it: bit `i` for form `i` (bit 63 for
    /// every form from the 64th on). A form starts at its first character in either ASCII
    /// case; an escape introducer (`\`, `%`, `&`) can start any form. Most bytes of a large
    /// report start none, so the scan costs a table lookup per byte.
    starts: [u64; 256],
}

impl Forms {
    pub const fn new() -> Self {
        Forms {
            forms: Vec::new(),
            starts: [0; 256],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// The longest form, in characters.
    pub fn longest(&self) -> usize {
        self.forms.first().map_or(0, |f| f.chars.len())
    }

    /// Adds a form unless it is known; keeps the list longest first (a secret that contains
    /// another is removed whole).
    pub fn add(&mut self, chars: Vec<char>, partial_min: usize) {
        if chars.is_empty() || self.forms.iter().any(|g| g.chars == chars) {
            return;
        }
        self.forms.push(Form { chars, partial_min });
        self.forms.sort_by_key(|f| std::cmp::Reverse(f.chars.len()));
        self.starts = [0; 256];
        for (i, f) in self.forms.iter().enumerate() {
            let bit = 1u64 << i.min(63);
            let mut buf = [0u8; 4];
            let first = f.chars[0].encode_utf8(&mut buf).as_bytes()[0];
            for b in [
                first,
                first.to_ascii_lowercase(),
                first.to_ascii_uppercase(),
            ] {
                self.starts[b as usize] |= bit;
            }
            if f.chars[0] == ' ' {
                self.starts[b'+' as usize] |= bit;
            }
        }
        for b in [b'\\', b'%', b'&'] {
            self.starts[b as usize] = u64::MAX;
        }
    }

    /// The first secret in `t` at or after `from`: (start, end) in bytes.
    pub fn find(&self, t: &[u8], from: usize) -> Option<(usize, usize)> {
        for p in from..t.len() {
            let b = t[p];
            let mask = self.starts[b as usize];
            if mask != 0 {
                for (i, form) in self.forms.iter().enumerate() {
                    if mask & (1u64 << i.min(63)) == 0 {
                        continue;
                    }
                    if let Some(end) = match_form(t, p, form, 0, true) {
                        return Some((p, end));
                    }
                }
            }
            // A secret's tail right after a cut marker (`…ENVALUE`): its start was cut off.
            if b == b'.' || b == ELLIPSIS_BYTES[0] {
                if let Some(n) = cut_at(t, p) {
                    let q = p + n;
                    for form in &self.forms {
                        let len = form.chars.len();
                        for k in 1..len.saturating_sub(form.partial_min) + 1 {
                            if let Some(end) = match_form(t, q, form, k, false) {
                                return Some((q, end));
                            }
                        }
                    }
                }
            }
        }
        None
    }
}

pub(super) const ELLIPSIS_BYTES: [u8; 3] = [0xE2, 0x80, 0xA6];

/// The length of a cut marker (`…` or `...`, three bytes either way) starting at `q`.
fn cut_at(t: &[u8], q: usize) -> Option<usize> {
    (t[q..].starts_with(&ELLIPSIS_BYTES) || t[q..].starts_with(b"...")).then_some(3)
}

fn hex_val(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Four hex digits at `q` (a `\uXXXX` body).
fn hex4(t: &[u8], q: usize) -> Option<u32> {
    let s = t.get(q..q + 4)?;
    s.iter()
        .try_fold(0u32, |acc, &b| Some(acc * 16 + hex_val(b)?))
}

/// A `\uXXXX` escape (one or more backslashes) at `q`: its code unit and where it ends.
fn json_unit(t: &[u8], q: usize) -> Option<(u32, usize)> {
    let mut r = q;
    while t.get(r) == Some(&b'\\') {
        r += 1;
    }
    if r == q || t.get(r) != Some(&b'u') {
        return None;
    }
    Some((hex4(t, r + 1)?, r + 5))
}

/// An HTML character reference at `q` (`&#43;`, `&#x2B;`, `&amp;`...): its character and end.
fn html_ref(t: &[u8], q: usize) -> Option<(char, usize)> {
    let end = q + t
        .get(q..(q + 12).min(t.len()))?
        .iter()
        .position(|&b| b == b';')?;
    let name = std::str::from_utf8(&t[q + 1..end]).ok()?;
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let v = match n.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(v)?
        }
    };
    Some((c, end + 1))
}

/// Where `c`, spelled any way the scrubber knows, ends when it starts at `q`. An escape
/// that stands for `c` wins over a raw match of its first byte (`&amp;` for `&`).
fn consume(t: &[u8], q: usize, c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let raw = c.encode_utf8(&mut buf).as_bytes();
    if let Some(end) = consume_escaped(t, q, c, raw) {
        return Some(end);
    }
    // ASCII case is ignored: probes send a userName case-changed, servers fold values, and
    // a token in capitals is the token all the same.
    if c.is_ascii() {
        return t[q].eq_ignore_ascii_case(&(c as u8)).then_some(q + 1);
    }
    t[q..].starts_with(raw).then_some(q + raw.len())
}

fn consume_escaped(t: &[u8], q: usize, c: char, raw: &[u8]) -> Option<usize> {
    match t[q] {
        b'\\' => {
            if c == '\\' {
                let run = t[q..].iter().take_while(|&&b| b == b'\\').count();
                return Some(q + run);
            }
            if let Some((unit, end)) = json_unit(t, q) {
                if unit == c as u32 {
                    return Some(end);
                }
                if (0xD800..0xDC00).contains(&unit) && (c as u32) > 0xFFFF {
                    let (low, end2) = json_unit(t, end)?;
                    if (0xDC00..0xE000).contains(&low) {
                        let v = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        return (v == c as u32).then_some(end2);
                    }
                }
                return None;
            }
            let run = t[q..].iter().take_while(|&&b| b == b'\\').count();
            let next = *t.get(q + run)?;
            // `\/`, `\"` (JSON) and `\|`, `\[` (Markdown): any escaped ASCII punctuation.
            (c.is_ascii_punctuation() && next == c as u8).then_some(q + run + 1)
        }
        b'%' => {
            let mut r = q;
            for &b in raw {
                if t.get(r) != Some(&b'%') {
                    return None;
                }
                let hi = hex_val(*t.get(r + 1)?)?;
                let lo = hex_val(*t.get(r + 2)?)?;
                if hi * 16 + lo != u32::from(b) {
                    return None;
                }
                r += 3;
            }
            Some(r)
        }
        b'+' if c == ' ' => Some(q + 1),
        b'&' => {
            let (d, end) = html_ref(t, q)?;
            (d == c).then_some(end)
        }
        _ => None,
    }
}

/// Where a match of `form[from..]` starting at `q` ends: the whole rest, or (when
/// `partial` and at least `partial_min` characters matched) a prefix followed by a cut
/// marker or the end of the text.
fn match_form(t: &[u8], mut q: usize, form: &Form, from: usize, partial: bool) -> Option<usize> {
    for (j, &c) in form.chars.iter().enumerate().skip(from) {
        let cut_here = q == t.len() || (c != super::ELLIPSIS && c != '.' && cut_at(t, q).is_some());
        if cut_here {
            return (partial && j - from >= form.partial_min).then_some(q);
        }
        q = consume(t, q, c)?;
    }
    Some(q)
}
