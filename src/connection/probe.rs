//! One GET as the connection steps see it: the answer (or why there was none), the exchange
//! to quote as evidence, and the small readers every step shares (SCIM error bodies, HTML
//! titles, quoting server text safely).

use crate::findings::Exchange;
use crate::secret;
use crate::source::http::{AuthMode, HttpClient, Response, TransportError};
/// The text helpers every layer uses live in `util` (the bottom layer); named here too
/// because every connection step quotes server text.
pub use crate::util::{html_title, quote};
use serde_json::Value;
use std::time::Instant;

pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, Clone)]
pub struct Probe {
    /// The URL without user info and with secrets scrubbed: safe to print.
    pub url: String,
    pub result: Result<Response, TransportError>,
    pub exchange: Exchange,
}

impl Probe {
    /// GET `base/path` (path may carry a query string).
    pub async fn get(client: &HttpClient, path: &str, mode: AuthMode) -> Probe {
        let url = client.endpoint.url(path);
        let at = crate::util::now_rfc3339();
        let started = Instant::now();
        let result = client.get_url(&url, mode).await;
        let shown = public_url(&url);
        let exchange = match &result {
            Ok(r) => {
                let mut e = r.exchange.clone();
                e.url = shown.clone();
                if mode == AuthMode::Anonymous {
                    e.note = Some("sent without credentials".into());
                }
                e
            }
            Err(err) => Exchange {
                method: "GET".into(),
                url: shown.clone(),
                status: None,
                elapsed_ms: started.elapsed().as_millis() as u64,
                at,
                note: Some(secret::scrub(&err.to_string())),
            },
        };
        Probe {
            url: shown,
            result,
            exchange,
        }
    }

    pub fn response(&self) -> Option<&Response> {
        self.result.as_ref().ok()
    }

    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status)
    }

    /// "404 text/html (an HTML page titled "Sign in")", or "no answer: timed out after 1 s".
    pub fn describe(&self) -> String {
        match &self.result {
            Err(e) => format!("no answer ({})", secret::scrub(&e.to_string())),
            Ok(r) => describe_response(r),
        }
    }
}

pub fn describe_response(r: &Response) -> String {
    let ct = r.content_type();
    let ct = ct.split(';').next().unwrap_or("").trim().to_string();
    let mut s = format!("HTTP {}", r.status);
    if !ct.is_empty() {
        s.push(' ');
        s.push_str(&ct);
    }
    if r.body_is_empty() {
        s.push_str(" (empty body)");
    } else if r.looks_like_html() {
        match html_title(&r.body) {
            Some(t) => s.push_str(&format!(" (an HTML page titled \"{t}\")")),
            None => s.push_str(" (an HTML page)"),
        }
    } else if let Some(e) = r.json().as_ref().and_then(scim_error) {
        s.push_str(&format!(" ({})", e.summary()));
    }
    s
}

/// The URL with any user info removed and registered secrets scrubbed.
pub fn public_url(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            secret::scrub(u.as_str())
        }
        Err(_) => secret::scrub(raw),
    }
}

/// A SCIM error body (RFC 7644 §3.12). `status` is a string by the RFC; numbers are accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    pub status: Option<String>,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
}

impl ScimError {
    pub fn summary(&self) -> String {
        let mut parts = vec!["SCIM error".to_string()];
        if let Some(t) = &self.scim_type {
            parts.push(format!("scimType {}", quote(t, 40)));
        }
        if let Some(d) = &self.detail {
            parts.push(format!("detail \"{}\"", quote(d, 160)));
        }
        parts.join(", ")
    }
}

pub fn scim_error(v: &Value) -> Option<ScimError> {
    let has_urn = v.get("schemas").and_then(Value::as_array).is_some_and(|a| {
        a.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(ERROR_URN))
        })
    });
    let status = v.get("status").and_then(|s| match s {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    let detail = v.get("detail").and_then(Value::as_str).map(str::to_string);
    // Without the URN, only a body with both `status` and `detail` is taken for an error.
    let looks_like_error = has_urn || (status.is_some() && detail.is_some());
    if !looks_like_error {
        return None;
    }
    Some(ScimError {
        status,
        scim_type: v
            .get("scimType")
            .and_then(Value::as_str)
            .map(str::to_string),
        detail,
    })
}

/// True when `v` is a ListResponse by its `schemas` (case-insensitive URN match).
pub fn is_list_response(v: &Value) -> bool {
    v.get("schemas").and_then(Value::as_array).is_some_and(|a| {
        a.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(LIST_RESPONSE_URN))
        })
    })
}

/// `totalResults` when it is a JSON number (RFC 7644 requires an integer; a string is not one).
pub fn total_results(v: &Value) -> Option<u64> {
    match v.get("totalResults")? {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A probe with a made-up answer, for unit tests of the judging functions.
#[cfg(test)]
pub(crate) fn canned(
    status: u16,
    content_type: &str,
    body: &str,
    www_authenticate: Option<&str>,
) -> Probe {
    use reqwest::header::{HeaderMap, HeaderValue};
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_str(content_type).unwrap());
    if let Some(w) = www_authenticate {
        headers.insert("www-authenticate", HeaderValue::from_str(w).unwrap());
    }
    let exchange = Exchange {
        method: "GET".into(),
        url: "https://h.example/scim/v2/Users".into(),
        status: Some(status),
        elapsed_ms: 1,
        at: "2026-11-26T00:00:00Z".into(),
        note: None,
    };
    Probe {
        url: exchange.url.clone(),
        result: Ok(Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::from_millis(1),
            exchange: exchange.clone(),
        }),
        exchange,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn public_url_drops_user_info() {
        let u = public_url("https://key:pw-public-url-1@host.example/scim/v2/Users");
        assert_eq!(u, "https://host.example/scim/v2/Users");
    }

    #[test]
    fn scim_error_read_with_string_or_number_status() {
        let e = scim_error(&json!({"schemas":[ERROR_URN],"status":"400","scimType":"invalidFilter","detail":"bad"}))
            .unwrap();
        assert_eq!(e.scim_type.as_deref(), Some("invalidFilter"));
        let e = scim_error(&json!({"status":401,"detail":"token expired"})).unwrap();
        assert_eq!(e.status.as_deref(), Some("401"));
        assert!(scim_error(&json!({"Resources":[]})).is_none());
    }

    #[test]
    fn list_response_urn_matched_and_total_read() {
        let v = json!({"schemas":[LIST_RESPONSE_URN],"totalResults":0});
        assert!(is_list_response(&v));
        assert_eq!(total_results(&v), Some(0));
        assert_eq!(total_results(&json!({"totalResults":"3"})), None);
    }
}
