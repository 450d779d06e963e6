//! Fault injection for the embedded server: the misbehaviours real SCIM targets and the
//! proxies in front of them show (seed 004, reference §1/§6), switched on per test.
//!
//! Prefixes are matched case-insensitively against the request's path and query relative to
//! the base path (`/Users`, `/Users?startIndex=101`, `/Groups/g1`); an empty prefix matches
//! every request. "Every Nth" faults count only the requests their prefix matches, each with
//! its own counter, so a test can say "the 2nd /Users request gets a 429" deterministically.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Fires on every `n`th request (n, 2n, 3n...) whose path matches `prefix`. A clone starts
/// counting from zero again (each started server counts its own requests).
#[derive(Debug, Default)]
pub struct EveryNth {
    pub n: u64,
    pub prefix: String,
    seen: AtomicU64,
}

impl Clone for EveryNth {
    fn clone(&self) -> Self {
        EveryNth::with_prefix(self.n, &self.prefix)
    }
}

impl EveryNth {
    /// Every `n`th request to any path (`n` = 0 never fires).
    pub fn new(n: u64) -> Self {
        Self::with_prefix(n, "")
    }

    pub fn with_prefix(n: u64, prefix: &str) -> Self {
        EveryNth {
            n,
            prefix: prefix.to_string(),
            seen: AtomicU64::new(0),
        }
    }

    /// Counts the request when the prefix matches and says whether the fault fires.
    pub(crate) fn hit(&self, path_and_query: &str) -> bool {
        if self.n == 0 || !prefix_matches(&self.prefix, path_and_query) {
            return false;
        }
        let seen = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
        seen.is_multiple_of(self.n)
    }
}

/// How a 429 says when to come back (RFC 9110 allows both forms).
#[derive(Debug, Clone, PartialEq)]
pub enum RetryAfter {
    /// `Retry-After: 2`
    Seconds(u64),
    /// `Retry-After: Thu, 26 Nov 2026 08:00:02 GMT`, this many seconds after the response.
    HttpDate(u64),
    /// No Retry-After header at all.
    Absent,
}

#[derive(Debug, Clone)]
pub struct RateLimit {
    pub every: EveryNth,
    pub retry_after: RetryAfter,
}

/// A 302 answer with `Location: location` for requests under `prefix`.
#[derive(Debug, Clone)]
pub struct Redirect {
    pub prefix: String,
    pub location: String,
}

/// Body bytes trickled `chunk` bytes at a time with `delay` between chunks.
#[derive(Debug, Clone)]
pub struct Drip {
    pub chunk: usize,
    pub delay: Duration,
}

/// Every knob is off by default; `Faults::default()` is a well-behaved server.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer with this status (and a SCIM error body) for requests under the prefix,
    /// after authentication succeeded. First matching entry wins. E.g. `("/Users", 403)`.
    pub status: Vec<(String, u16)>,
    /// Added to every response before anything else happens.
    pub latency: Duration,
    /// 429 Too Many Requests every Nth request.
    pub rate_limit: Option<RateLimit>,
    /// 503 Service Unavailable every Nth request (no Retry-After).
    pub unavailable: Option<EveryNth>,
    /// A 200 `text/html` sign-in page instead of SCIM JSON for requests under the prefix
    /// (what an SSO proxy or a wrong base URL returns). Checked before authentication.
    pub html_login: Option<String>,
    /// Truncate JSON bodies of requests under the prefix so they no longer parse.
    pub malformed_json: Option<String>,
    /// Added to the true `totalResults` of list responses (may be negative; floored at 0).
    pub total_results_delta: i64,
    /// Treat `startIndex` as 0-based: `startIndex=1` skips the first resource.
    pub zero_based: bool,
    /// Ignore `startIndex` and always serve the first page: paging never ends by index.
    pub repeat_first_page: bool,
    /// 302 to a fixed location.
    pub redirect: Option<Redirect>,
    /// 302 back to the same URL for requests under the prefix (a redirect loop).
    pub redirect_loop: Option<String>,
    /// Replace the generated ServiceProviderConfig with this document.
    pub service_provider_config: Option<serde_json::Value>,
    /// Send this Content-Type on SCIM JSON answers instead of `application/scim+json`.
    pub content_type: Option<String>,
    /// Ignore `filter` on list requests under the prefix and return everything (a server
    /// that cannot filter: the IdP's matching query finds "someone" and it updates the wrong user).
    pub ignore_filter: Option<String>,
    /// Answer 400 `invalidFilter` to every filtered list request under the prefix.
    pub reject_filter: Option<String>,
    /// Answer a malformed filter with 200 and an empty list instead of 400 (SCIMMY does this).
    pub bad_filter_empty: bool,
    /// Compare `userName` case-exactly in filters (against RFC 7643's `caseExact: false`).
    pub case_exact_user_name: bool,
    /// A filter whose value holds a non-ASCII character or a backslash escape finds nothing (a
    /// server that mangles percent-encoded UTF-8 or JSON string escapes): only lookups of such
    /// values go wrong.
    pub risky_filter_values_miss: bool,
    /// Leave `totalResults` out of list responses.
    pub omit_total_results: bool,
    /// Echo the requested `count` as `itemsPerPage` instead of the number of resources sent.
    pub items_per_page_echoes_count: bool,
    /// A `startIndex` past the end returns the first page again (a client paging until an
    /// empty page never stops).
    pub past_end_first_page: bool,
    /// Every list request sees the resources in a different order (rotated), so paging
    /// returns duplicates and misses resources.
    pub unstable_order: bool,
    /// 401 answers carry no `WWW-Authenticate` header.
    pub no_www_authenticate: bool,
    /// 401 answers have an empty body labelled `text/html` (what some gateways and frameworks
    /// send): the label says HTML, the body says nothing.
    pub empty_html_401: bool,
    /// Drop the connection half-way through the body every Nth request.
    pub reset_mid_body: Option<EveryNth>,
    /// Trickle body bytes slowly.
    pub drip: Option<Drip>,
    /// Gzip JSON bodies when the client sends `Accept-Encoding: gzip`.
    pub gzip: bool,
    /// Put bytes that are not UTF-8 (Latin-1 `é`) inside a string of every JSON body.
    pub non_utf8: bool,
    /// Pad JSON bodies with this many MiB of whitespace (still valid JSON, just huge).
    pub oversized_mib: usize,
    /// Read-only paging and query faults (issue 13), kept apart from the transport faults.
    pub paging: PagingFaults,
    /// How the GET side departs from RFC 7644 beyond paging (issue 27).
    pub conformance: ConformanceFaults,
}

/// What error answers (4xx/5xx after authentication) carry instead of a SCIM error body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ErrorBodies {
    /// RFC 7644 §3.12 error JSON (the well-behaved default).
    #[default]
    Scim,
    /// No body at all (a framework's bare 404).
    Empty,
    /// A web framework's HTML error page.
    Html,
    /// SCIM error JSON with `status` as a number instead of a string.
    NumericStatus,
}

/// GET-side misbehaviours that break strict clients without touching paging: each knob
/// is one behaviour a real server was seen with (a django-scim2 0.23 audit among them).
#[derive(Debug, Clone, Default)]
pub struct ConformanceFaults {
    /// `attributes` and `excludedAttributes` are ignored on every GET (one resource and lists).
    pub ignore_attributes: bool,
    /// What error answers carry.
    pub error_bodies: ErrorBodies,
    /// `/Schemas` and `/ResourceTypes` answer ListResponses without `totalResults`.
    pub discovery_without_total: bool,
    /// `GET /Schemas/{id}` and `GET /ResourceTypes/{id}` answer 404 even for listed ids.
    pub no_discovery_by_id: bool,
}

/// How a broken server pages and queries: each knob is one real-world misbehaviour that
/// a client must notice within a few requests instead of paging forever.
#[derive(Debug, Clone, Default)]
pub struct PagingFaults {
    /// `totalResults` grows by 1,000 with every list request answered (a count that never
    /// settles: a client re-planning from it never reaches the end).
    pub growing_total: bool,
    /// `nextCursor` always points at the second page, so cursor paging loops.
    pub repeat_cursor: bool,
    /// Serve this many resources per page whatever `count` asks (a framework that ignores
    /// `count`; not a cap: `count=1` gets this many too).
    pub ignore_count: Option<usize>,
    /// A malformed filter gets 500 instead of 400 `invalidFilter`.
    pub bad_filter_500: bool,
    /// `excludedAttributes` is ignored on lists and on one resource (Entra's group lookup
    /// then downloads every member).
    pub ignore_excluded_attributes: bool,
}

pub(crate) fn prefix_matches(prefix: &str, path_and_query: &str) -> bool {
    path_and_query.len() >= prefix.len()
        && path_and_query.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

pub(crate) fn under(prefix: &Option<String>, path_and_query: &str) -> bool {
    prefix
        .as_deref()
        .is_some_and(|p| prefix_matches(p, path_and_query))
}

/// The error page a web framework serves for a path it does not route.
pub const HTML_ERROR_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Not Found</title></head>\
<body><h1>Not Found</h1><p>The requested resource was not found on this server.</p></body></html>\n";

/// A sign-in page as an SSO proxy would serve it.
pub const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in to your account</title></head>\
<body><form method=\"post\" action=\"/login\"><input name=\"username\"><input name=\"password\" type=\"password\">\
<button>Sign in</button></form></body></html>\n";

/// Cuts a JSON body in half so it stops parsing (what a truncating proxy produces).
pub(crate) fn malform(body: &mut Vec<u8>) {
    let keep = (body.len() / 2).max(1).min(body.len());
    body.truncate(keep);
}

/// Inserts a Latin-1 `é` (0xE9, invalid as UTF-8) at the start of the first `userName` or
/// `displayName` value, else right after the first `{`.
pub(crate) fn inject_non_utf8(body: &mut Vec<u8>) {
    let find = |needle: &[u8]| {
        body.windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + needle.len())
    };
    let at = find(b"\"userName\":\"")
        .or_else(|| find(b"\"displayName\":\""))
        .or_else(|| body.iter().position(|&b| b == b'{').map(|p| p + 1));
    if let Some(at) = at {
        body.insert(at, 0xE9);
    }
}

/// Pads a JSON body with whitespace before its final byte, keeping it valid JSON.
pub(crate) fn pad(body: &mut Vec<u8>, mib: usize) {
    let last = body.pop();
    body.resize(body.len() + mib * 1024 * 1024, b' ');
    if let Some(b) = last {
        body.push(b);
    }
}

pub(crate) fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(body)?;
    enc.finish()
}

/// `Retry-After` value for a 429.
pub(crate) fn retry_after_value(r: &RetryAfter) -> Option<String> {
    match r {
        RetryAfter::Seconds(s) => Some(s.to_string()),
        RetryAfter::HttpDate(s) => {
            let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(*s as i64);
            let fmt = time::macros::format_description!(
                "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
            );
            t.format(&fmt).ok()
        }
        RetryAfter::Absent => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_fires_on_multiples_of_n_for_matching_paths_only() {
        let e = EveryNth::with_prefix(2, "/users");
        let fired: Vec<bool> = ["/Users", "/Groups", "/Users?x", "/Users", "/Users"]
            .iter()
            .map(|p| e.hit(p))
            .collect();
        assert_eq!(fired, vec![false, false, true, false, true]);
    }

    #[test]
    fn padding_keeps_json_valid() {
        let mut body = br#"{"a":1}"#.to_vec();
        pad(&mut body, 1);
        assert!(body.len() > 1024 * 1024);
        assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
    }

    #[test]
    fn non_utf8_injection_breaks_utf8_decoding() {
        let mut body = br#"{"userName":"a"}"#.to_vec();
        inject_non_utf8(&mut body);
        assert!(std::str::from_utf8(&body).is_err());
    }

    #[test]
    fn http_date_retry_after_looks_like_an_imf_date() {
        let v = retry_after_value(&RetryAfter::HttpDate(5)).unwrap();
        assert!(v.ends_with(" GMT") && v.contains(", "), "{v}");
    }
}
