//! The record of one HTTP exchange (`TranscriptEntry`: what the transcript, snapshots and
//! bundles keep), and `-v` / `-vv`: every exchange logged on stderr as it completes. Level
//! 1 prints one line (method, URL, status or error, time); level 2 adds the request and
//! response headers. Everything comes from the transcript entry, which is already scrubbed
//! (URL secrets, redacted credential headers); the line is scrubbed once more on the way out.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TranscriptEntry {
    pub at: String,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed_ms: u64,
    pub request_headers: Vec<(String, String)>,
    pub response_headers: Vec<(String, String)>,
    pub body_bytes: u64,
    pub body_excerpt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How much of each exchange to log: 0 nothing, 1 one line, 2 and more with headers.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct RequestLog(pub u8);

impl RequestLog {
    /// The text logged for `e` at this level (`None` at level 0).
    pub fn format(self, e: &TranscriptEntry) -> Option<String> {
        if self.0 == 0 {
            return None;
        }
        let outcome = match (e.status, &e.error) {
            (Some(s), _) => s.to_string(),
            (None, Some(err)) => format!("failed ({err})"),
            (None, None) => "no response".into(),
        };
        let mut text = format!(
            "http: {} {} -> {} in {} ms",
            e.method, e.url, outcome, e.elapsed_ms
        );
        if self.0 >= 2 {
            for (name, value) in &e.request_headers {
                text.push_str(&format!("\n  > {name}: {value}"));
            }
            for (name, value) in &e.response_headers {
                text.push_str(&format!("\n  < {name}: {value}"));
            }
        }
        Some(crate::secret::scrub(&text))
    }

    /// Logs `e` on stderr (one write, so concurrent requests do not interleave lines).
    pub fn log(self, e: &TranscriptEntry) {
        if let Some(text) = self.format(e) {
            eprintln!("{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> TranscriptEntry {
        TranscriptEntry {
            at: "2026-11-26T08:00:00Z".into(),
            method: "GET".into(),
            url: "https://h.example/scim/v2/Users?count=1".into(),
            status: Some(200),
            elapsed_ms: 12,
            request_headers: vec![("authorization".into(), crate::secret::REDACTED.into())],
            response_headers: vec![("content-type".into(), "application/scim+json".into())],
            body_bytes: 10,
            body_excerpt: String::new(),
            error: None,
        }
    }

    #[test]
    fn level_one_is_one_line_and_level_two_adds_headers() {
        assert_eq!(RequestLog(0).format(&entry()), None);
        let one = RequestLog(1).format(&entry()).unwrap();
        assert_eq!(
            one,
            "http: GET https://h.example/scim/v2/Users?count=1 -> 200 in 12 ms"
        );
        let two = RequestLog(2).format(&entry()).unwrap();
        assert!(two.contains("\n  > authorization: ") && two.contains("\n  < content-type: "));
    }
}
