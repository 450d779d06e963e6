//! The page shell every HTML output shares (report, explain-user trace, diff): escaping,
//! the Content-Security-Policy that forbids every network resource, the inline stylesheet
//! and script with their hashes, and the status badge (icon + word, never colour alone).

use sha2::{Digest, Sha256};

pub const STYLE: &str = include_str!("style.css");
pub const SCRIPT: &str = include_str!("script.js");

/// Longest text shown whole, in characters. A long unbreakable value in a table cell with
/// `overflow-wrap: anywhere` costs the browser time that grows faster than its length
/// (a 20,000-character value took Chromium 10 s to lay out, 80,000 took 53 s).
pub const VALUE_MAX: usize = 1000;

/// Escapes text for HTML element content and double-quoted attribute values. Tenant data is
/// untrusted: every value that reaches the page goes through here. Secrets are removed
/// first, then a value longer than `VALUE_MAX` is clipped around a note giving its length.
pub fn esc(text: &str) -> String {
    let clean = crate::secret::scrub_cow(text);
    let clipped = clip(&clean);
    escape(&clipped)
}

/// The start and the end of a long value around a note of its length.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= VALUE_MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let total = text.chars().count();
    if total <= VALUE_MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let (head, tail) = (VALUE_MAX * 2 / 3, VALUE_MAX / 3);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(total - tail).collect();
    std::borrow::Cow::Owned(format!(
        "{start}\u{2026} [{total} characters; {} clipped here, report.json and the CSVs have the full value] \u{2026}{end}",
        total - head - tail
    ))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no business in a report and some break parsers.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A value usable inside an `id` attribute (check ids are kebab-case already; anything
/// else is reduced to `[a-z0-9-]`).
pub fn anchor(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `'sha256-...'` source expression for an inline element's exact text.
pub fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

/// The policy: nothing may be loaded from anywhere (no fetch, image, font, frame, form
/// target); only this page's own stylesheet and script, by hash, may run. A tenant value
/// that slipped past escaping still could not execute or phone home.
pub fn csp(with_script: bool) -> String {
    let script = if with_script {
        csp_hash(SCRIPT)
    } else {
        "'none'".to_string()
    };
    format!(
        "default-src 'none'; script-src {script}; style-src {}; img-src data:; connect-src 'none'; font-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'",
        csp_hash(STYLE)
    )
}

/// A complete document around `body` (already escaped HTML).
pub fn document(title: &str, body: &str, with_script: bool) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
        csp(with_script)
    ));
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.push_str(&format!("<title>{}</title>\n<style>", esc(title)));
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(body);
    if with_script {
        out.push_str("<script>");
        out.push_str(SCRIPT);
        out.push_str("</script>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Icon for a status word (decorative: the word is always printed beside it).
pub fn icon(status: &str) -> &'static str {
    match status {
        "pass" | "ok" | "resolved" | "better" => "\u{2714}",
        "warn" => "\u{26A0}",
        "fail" | "new" | "worse" => "\u{2716}",
        "error" => "\u{203C}",
        _ => "\u{2013}",
    }
}

/// `<span class="st st-fail"><span aria-hidden="true">✖</span> FAIL</span>`.
pub fn badge(status: &str) -> String {
    format!(
        "<span class=\"st st-{}\"><span aria-hidden=\"true\">{}</span> {}</span>",
        anchor(status),
        icon(status),
        esc(&status.to_ascii_uppercase())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_is_clipped_with_its_length() {
        let v = format!("{}<tail>", "x".repeat(80_000));
        let e = esc(&v);
        assert!(e.len() < 2 * VALUE_MAX, "{}", e.len());
        assert!(e.contains("80006 characters"), "{e}");
        assert!(e.starts_with("xxx") && e.ends_with("&lt;tail&gt;"), "{e}");
        assert_eq!(esc("short"), "short");
    }

    #[test]
    fn esc_neutralises_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn csp_forbids_network_and_pins_the_inline_assets() {
        let p = csp(true);
        assert!(p.starts_with("default-src 'none'"));
        assert!(p.contains(&csp_hash(SCRIPT)) && p.contains(&csp_hash(STYLE)));
        assert!(!p.contains("unsafe-inline") && !p.contains("http"));
    }
}
