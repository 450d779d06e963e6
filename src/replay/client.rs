//! Sends the probe's requests through the shared `HttpClient` (same TLS, credentials and
//! transcript) with the headers the IdP uses, and keeps a write transcript with the request
//! bodies, scrubbed where it is collected (canary values are not personal data).

use super::Idp;
use crate::findings::Exchange;
use crate::secret;
use crate::source::http::{excerpt, redact_headers, AuthMode, HttpClient, BODY_EXCERPT_BYTES};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde::Serialize;
use serde_json::Value;
use std::sync::Mutex;
use std::time::Instant;

/// What Okta sends as User-Agent (developer.okta.com SCIM 2.0 reference).
pub const OKTA_USER_AGENT: &str = "Okta SCIM Client 1.0.0";
pub const SCIM_JSON: &str = "application/scim+json";

/// One request of the probe as it appears in the report and in `--transcript`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WriteEntry {
    pub at: String,
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    pub status: Option<u16>,
    pub content_type: String,
    pub response_excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer to one request, or why there was none.
#[derive(Debug, Clone)]
pub struct Sent {
    pub status: Option<u16>,
    pub content_type: String,
    pub body: Vec<u8>,
    pub exchange: Exchange,
    pub error: Option<String>,
    /// Index in the write transcript.
    pub entry: usize,
}

impl Sent {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// "404 application/scim+json", or "no response (timed out after 30 s)".
    pub fn describe(&self) -> String {
        match (self.status, &self.error) {
            (Some(s), _) => {
                let ct = if self.content_type.is_empty() {
                    "no content type"
                } else {
                    &self.content_type
                };
                let body = excerpt(&self.body, 160).replace('\n', " ");
                if body.trim().is_empty() {
                    format!("{s} {ct}")
                } else {
                    format!("{s} {ct} {}", secret::scrub(body.trim()))
                }
            }
            (None, Some(e)) => format!("no response ({e})"),
            (None, None) => "no response".into(),
        }
    }
}

pub struct WriteClient {
    pub http: HttpClient,
    idp: Idp,
    log: Mutex<Vec<WriteEntry>>,
}

impl WriteClient {
    pub fn new(http: HttpClient, idp: Idp) -> Self {
        WriteClient {
            http,
            idp,
            log: Mutex::new(Vec::new()),
        }
    }

    pub fn entries(&self) -> Vec<WriteEntry> {
        self.log.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Sends `method path` (relative to the base URL, query included) with a JSON body.
    pub async fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Sent {
        let url = self.http.endpoint.url(path);
        let mut headers = self.http.base_headers(AuthMode::Configured);
        headers.insert(ACCEPT, HeaderValue::from_static(SCIM_JSON));
        if self.idp == Idp::Okta {
            headers.insert(USER_AGENT, HeaderValue::from_static(OKTA_USER_AGENT));
        }
        let bytes = body.map(|b| {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
            serde_json::to_vec(b).unwrap_or_default()
        });
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let at = crate::util::now_rfc3339();
        let started = Instant::now();
        let request_headers = redact_headers(&headers);
        let raw = self.http.send_method(m, &url, headers, bytes).await;
        let result = self
            .http
            .finish(method, &url, at.clone(), started, request_headers, raw);
        let sent = match result {
            Ok(r) => Sent {
                status: Some(r.status),
                content_type: r.content_type(),
                body: r.body,
                exchange: r.exchange,
                error: None,
                entry: 0,
            },
            Err(e) => Sent {
                status: None,
                content_type: String::new(),
                body: Vec::new(),
                exchange: Exchange {
                    method: method.into(),
                    url: secret::scrub(&url),
                    status: None,
                    elapsed_ms: started.elapsed().as_millis() as u64,
                    at: at.clone(),
                    note: None,
                },
                error: Some(secret::scrub(&e.to_string())),
                entry: 0,
            },
        };
        let mut sent = sent;
        let entry = WriteEntry {
            at,
            method: method.into(),
            url: secret::scrub(&url),
            request_body: body.map(|b| {
                serde_json::from_str(&secret::scrub(&b.to_string())).unwrap_or(Value::Null)
            }),
            status: sent.status,
            content_type: sent.content_type.clone(),
            response_excerpt: excerpt(&sent.body, BODY_EXCERPT_BYTES),
            error: sent.error.clone(),
        };
        if let Ok(mut log) = self.log.lock() {
            sent.entry = log.len();
            log.push(entry);
        }
        sent
    }
}
