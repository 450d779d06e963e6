//! The text helpers behind ConvertToBase64, NormalizeDiacritics, PCase and InStr, each as
//! Microsoft's expression reference describes it.

/// Base64 of the UTF-16LE bytes (.NET's Unicode encoding, as ConvertToBase64 documents).
pub(super) fn base64_utf16(s: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Microsoft's NormalizeDiacritics table: letters with diacritics become their base letters
/// (æ -> ae, ø -> oe, ß -> ss); combining marks (the table's ā́, e̱...) are dropped.
pub(super) fn normalize_diacritics(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if ('\u{0300}'..='\u{036F}').contains(&c) {
            continue;
        }
        let r: &str = match c {
            'ä' | 'à' | 'â' | 'ã' | 'å' | 'á' | 'ą' | 'ă' | 'ā' | 'ǟ' | 'ǡ' => "a",
            'Ä' | 'À' | 'Â' | 'Ã' | 'Å' | 'Á' | 'Ą' | 'Ă' | 'Ā' | 'Ǟ' | 'Ǡ' => "A",
            'æ' | 'ǣ' => "ae",
            'Æ' | 'Ǣ' => "AE",
            'ç' | 'č' | 'ć' => "c",
            'Ç' | 'Č' | 'Ć' => "C",
            'ď' | 'ḏ' => "d",
            'Ď' | 'Ḏ' => "D",
            'ë' | 'è' | 'é' | 'ê' | 'ę' | 'ě' | 'ė' | 'ē' | 'ḗ' | 'ḕ' => "e",
            'Ë' | 'È' | 'É' | 'Ê' | 'Ę' | 'Ě' | 'Ė' | 'Ē' | 'Ḗ' | 'Ḕ' => "E",
            'ğ' | 'ḡ' => "g",
            'Ğ' | 'Ḡ' => "G",
            'ï' | 'î' | 'ì' | 'í' | 'ı' | 'ī' => "i",
            'Ï' | 'Î' | 'Ì' | 'Í' | 'İ' | 'Ī' => "I",
            'ľ' | 'ł' | 'ḹ' | 'ḻ' => "l",
            'Ł' | 'Ľ' | 'Ḹ' | 'Ḻ' => "L",
            'ñ' | 'ń' | 'ň' | 'ṉ' => "n",
            'Ñ' | 'Ń' | 'Ň' | 'Ṉ' => "N",
            'ö' | 'ò' | 'ő' | 'õ' | 'ô' | 'ó' | 'ō' | 'ṓ' | 'ṑ' | 'ȫ' | 'ǭ' | 'ȭ' | 'ȱ' => {
                "o"
            }
            'Ö' | 'Ò' | 'Ő' | 'Õ' | 'Ô' | 'Ó' | 'Ō' | 'Ṓ' | 'Ṑ' | 'Ȫ' | 'Ǭ' | 'Ȭ' | 'Ȱ' => {
                "O"
            }
            'ø' | 'œ' => "oe",
            'Ø' | 'Œ' => "OE",
            'ř' | 'ṟ' | 'ṝ' => "r",
            'Ř' | 'Ṟ' | 'Ṝ' => "R",
            'ß' => "ss",
            'š' | 'ś' | 'ș' | 'ş' => "s",
            'Š' | 'Ś' | 'Ș' | 'Ş' => "S",
            'ť' | 'ț' | 'ṯ' => "t",
            'Ť' | 'Ț' | 'Ṯ' => "T",
            'ü' | 'ù' | 'û' | 'ú' | 'ů' | 'ű' | 'ū' | 'ǖ' | 'ṻ' => "u",
            'Ü' | 'Ù' | 'Û' | 'Ú' | 'Ů' | 'Ű' | 'Ū' | 'Ǖ' | 'Ṻ' => "U",
            'ÿ' | 'ý' | 'ȳ' => "y",
            'Ÿ' | 'Ý' | 'Ȳ' => "Y",
            'ź' | 'ž' | 'ż' | 'ẕ' => "z",
            'Ź' | 'Ž' | 'Ż' | 'Ẕ' => "Z",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

/// PCase: the first letter of each word upper case, the rest lower case. Without
/// separators, every character that is not a letter or a digit separates words (.NET's
/// ToTitleCase separators: spaces, punctuation, symbols); with them, only those characters.
pub(super) fn pcase(s: &str, seps: Option<&str>) -> String {
    let is_sep = |c: char| match seps {
        Some(set) => set.contains(c),
        None => !c.is_alphanumeric(),
    };
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if is_sep(c) {
            out.push(c);
            start = true;
        } else if start {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// 1-based position of `needle` in `hay` from `start`, 0 when absent (InStr).
pub(super) fn instr(hay: &str, needle: &str, start: usize, text_compare: bool) -> i64 {
    let fold = |s: &str| -> Vec<char> {
        if text_compare {
            s.chars().flat_map(char::to_lowercase).collect()
        } else {
            s.chars().collect()
        }
    };
    let (h, n) = (fold(hay), fold(needle));
    if start == 0 || start > h.len() + 1 {
        return 0;
    }
    if n.is_empty() {
        return start as i64;
    }
    (start - 1..=h.len().saturating_sub(n.len()))
        .find(|&i| h[i..i + n.len()] == n[..])
        .map(|i| i as i64 + 1)
        .unwrap_or(0)
}
