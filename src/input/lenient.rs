//! JSON as Microsoft's and Okta's own samples write it (read by `--idp-config` and
//! `--provisioning-logs` alike): strict JSON first, then, when that fails, the
//! same text with trailing commas (`[1, 2,]`, `{"a": 1,}`) blanked out. Each tolerated comma
//! is reported by line and column, so the report can say the file is not strict JSON.

use serde_json::Value;

/// A parsed document and where it departed from strict JSON.
#[derive(Debug)]
pub struct Lenient {
    pub value: Value,
    /// "line L, column C" of every trailing comma that was ignored.
    pub trailing_commas: Vec<String>,
}

/// Parses `text`; the error is the strict parser's, in words with line and column.
pub fn parse(text: &str) -> Result<Lenient, String> {
    let strict = match serde_json::from_str::<Value>(text) {
        Ok(value) => {
            return Ok(Lenient {
                value,
                trailing_commas: Vec::new(),
            })
        }
        Err(e) => e,
    };
    let (blanked, commas) = blank_trailing_commas(text);
    if commas.is_empty() {
        return Err(crate::input::json_error(&strict));
    }
    match serde_json::from_str::<Value>(&blanked) {
        Ok(value) => Ok(Lenient {
            value,
            trailing_commas: commas,
        }),
        // Blanking keeps every offset, so this error points into the user's file too.
        Err(e) => Err(crate::input::json_error(&e)),
    }
}

/// The text with every comma that is followed (after whitespace) by `]` or `}` replaced by
/// a space, outside strings; and the positions replaced.
fn blank_trailing_commas(text: &str) -> (String, Vec<String>) {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut found = Vec::new();
    let (mut in_str, mut escaped) = (false, false);
    let (mut line, mut col) = (1usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b',' => {
                let next = bytes[i + 1..]
                    .iter()
                    .find(|c| !c.is_ascii_whitespace())
                    .copied();
                if matches!(next, Some(b']' | b'}')) {
                    out[i] = b' ';
                    found.push(format!("line {line}, column {col}"));
                }
            }
            _ => {}
        }
    }
    // Only ASCII commas were replaced by ASCII spaces: still valid UTF-8.
    (String::from_utf8(out).unwrap_or_default(), found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves strict JSON passes through untouched and reports nothing.
    #[test]
    fn strict_json_has_no_notes() {
        let l = parse(r#"{"a": [1, 2]}"#).unwrap();
        assert!(l.trailing_commas.is_empty());
    }

    /// Proves trailing commas (as in Graph docs samples) are tolerated and located.
    #[test]
    fn trailing_commas_are_tolerated_and_located() {
        let l = parse("{\"a\": [1, 2,],\n \"b\": \"x,]\",\n}").unwrap();
        assert_eq!(l.value["a"], serde_json::json!([1, 2]));
        assert_eq!(l.value["b"], "x,]");
        assert_eq!(
            l.trailing_commas,
            vec!["line 1, column 12", "line 2, column 12"]
        );
    }

    /// Proves a genuinely broken file still fails with a position.
    #[test]
    fn broken_json_still_fails_with_position() {
        let e = parse("{\"a\": [1, 2,}").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        assert!(parse("{\"a\": ").unwrap_err().starts_with("truncated JSON"));
    }
}
