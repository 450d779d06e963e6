//! Steps `http-auth` and `endpoint-path`, both judged on `GET Users?startIndex=1&count=1`.
//! `http-auth` sends it with the configured credentials and once more without any, and tells
//! 401 (token missing, invalid or expired: seed 004 "Resolving Admin Credentials") from 403
//! (accepted but not allowed), a wrong scheme (Basic vs Bearer) and an endpoint open to anyone.
//! `endpoint-path` explains 404/405, redirects and HTML pages (a wrong base URL or a proxy).

use super::probe::{describe_response, html_title, quote, scim_error, Probe};
use super::{State, StepOutcome, USERS_PROBE_PATH};
use crate::findings::{CheckResult, Status};
use crate::source::http::{Auth, AuthMode, HttpClient, Response};
use serde_json::json;

/// Schemes a `WWW-Authenticate` header offers, lowercased (`basic`, `bearer`, ...).
pub fn challenge_schemes(header: &str) -> Vec<String> {
    // Challenges are `scheme [params]` separated by commas; params contain `=`, schemes do not.
    let mut out = Vec::new();
    for part in header.split(',') {
        let first = part.split_whitespace().next().unwrap_or("");
        if !first.is_empty() && !first.contains('=') {
            let s = first.to_ascii_lowercase();
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn www_authenticate(r: &Response) -> Option<String> {
    let values: Vec<String> = r
        .headers
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// `; the server says: WWW-Authenticate "..."; detail "..."` (scrubbed), or nothing.
fn server_says(r: &Response) -> String {
    let mut parts = Vec::new();
    if let Some(w) = www_authenticate(r) {
        parts.push(format!("WWW-Authenticate: {}", quote(&w, 120)));
    }
    if let Some(e) = r.json().as_ref().and_then(scim_error) {
        if let Some(d) = e.detail {
            parts.push(format!("detail \"{}\"", quote(&d, 160)));
        }
    }
    if matches!(r.status, 401 | 403) && r.body_is_empty() {
        // Only the label could say HTML here: say what came back, not what the label implies.
        let ct = r.content_type();
        let ct = ct.split(';').next().unwrap_or("").trim();
        parts.push(if ct.is_empty() {
            "an empty body".to_string()
        } else {
            format!("an empty body (labelled {})", quote(ct, 60))
        });
    } else if matches!(r.status, 401 | 403) && r.looks_like_html() {
        // An HTML 401/403 usually comes from an SSO gateway or WAF, not from the SCIM server.
        parts.push(match html_title(&r.body) {
            Some(t) => {
                format!("an HTML page titled \"{t}\" (a proxy or SSO gateway may be answering)")
            }
            None => "an HTML page (a proxy or SSO gateway may be answering)".to_string(),
        });
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; the server says: {}", parts.join(", "))
    }
}

pub async fn http_auth(client: &HttpClient, state: &mut State) -> StepOutcome {
    let auth = &client.endpoint.auth;
    // Extra headers (--header) may carry an API key: they count as credentials too.
    let header_names: Vec<String> = client
        .endpoint
        .headers
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    let configured = Probe::get(client, USERS_PROBE_PATH, AuthMode::Configured).await;
    let anonymous = if matches!(auth, Auth::None) && header_names.is_empty() {
        None
    } else {
        Some(Probe::get(client, USERS_PROBE_PATH, AuthMode::Anonymous).await)
    };
    let mut evidence = vec![configured.exchange.clone()];
    if let Some(a) = &anonymous {
        evidence.push(a.exchange.clone());
    }
    let outcome = judge_auth(
        auth,
        &header_names,
        &configured,
        anonymous.as_ref(),
        client.endpoint.timeout.as_secs(),
    );
    state.users_probe = Some(configured);
    let mut out = outcome;
    out.result.evidence = evidence;
    out
}

fn judge_auth(
    auth: &Auth,
    header_names: &[String],
    configured: &Probe,
    anonymous: Option<&Probe>,
    timeout_secs: u64,
) -> StepOutcome {
    let no_credentials = matches!(auth, Auth::None) && header_names.is_empty();
    let sent = match auth {
        Auth::None if no_credentials => "no credentials".to_string(),
        Auth::None => format!("the extra header(s) {}", header_names.join(", ")),
        Auth::Bearer(_) => "a bearer token".to_string(),
        Auth::Basic { .. } => "basic credentials".to_string(),
    };
    let url = &configured.url;
    let r = match &configured.result {
        Err(e) => {
            // No HTTP answer at all: nothing after this can be learned either.
            let timed_out = matches!(e, crate::source::http::TransportError::Timeout(_));
            let fix = if timed_out {
                format!(
                    "the server accepted the connection but did not answer within {timeout_secs} s: IdPs give up too \
                     (Okta after 60 s); check the server's health and load, or a proxy holding the request"
                )
            } else {
                "check the network path and the server: the connection was set up but the HTTP request failed".to_string()
            };
            return StepOutcome {
                result: CheckResult::new(
                    "http-auth",
                    Status::Fail,
                    format!(
                        "expected an HTTP answer to GET {url} with {sent}, got {}",
                        configured.describe()
                    ),
                )
                .with_remediation(fix)
                .with_data(json!({"sent": sent, "error": configured.describe()})),
                hard_failure: true,
            };
        }
        Ok(r) => r,
    };
    let anon_status = anonymous.and_then(Probe::status);
    let challenge = www_authenticate(r)
        .or_else(|| {
            anonymous
                .and_then(|a| a.response())
                .and_then(www_authenticate)
        })
        .unwrap_or_default();
    let schemes = challenge_schemes(&challenge);
    let data = json!({
        "sent": auth.scheme(),
        "status": r.status,
        "anonymous_status": anon_status,
        "www_authenticate": quote(&challenge, 200),
        "challenge_schemes": schemes,
    });
    let says = server_says(r);
    match r.status {
        401 => {
            let (got, fix) = match auth {
                Auth::None if no_credentials => (
                    "401: the request carried no credentials".to_string(),
                    "give the SCIM token with SCIM_TOKEN or --token-file (or --username with SCIM_PASSWORD for basic auth) \
                     — the same secret that goes into the IdP's Secret Token field"
                        .to_string(),
                ),
                Auth::Bearer(_) if schemes.iter().any(|s| s == "basic") && !schemes.iter().any(|s| s == "bearer") => (
                    "401 and the server asks for Basic authentication, not a bearer token".to_string(),
                    "use basic authentication: --username KEY with the secret in SCIM_PASSWORD or --password-file \
                     (Safous hands out a SCIM key and secret); in the IdP put them in the user name / password fields"
                        .to_string(),
                ),
                Auth::Basic { .. } if schemes.iter().any(|s| s == "bearer") && !schemes.iter().any(|s| s == "basic") => (
                    "401 and the server asks for a Bearer token, not basic credentials".to_string(),
                    "send the secret as a bearer token: SCIM_TOKEN or --token-file instead of --username; \
                     in the IdP paste it into the Secret Token field"
                        .to_string(),
                ),
                _ => (
                    format!("401: the server rejected {sent} (missing, invalid or expired)"),
                    "in the target console check that the base URL matches the IdP's Tenant URL, then generate a new \
                     SCIM token, copy it before saving, paste it into the IdP's Secret Token field and run Test \
                     Connection again (\"SCIM Sync and Provisioning Troubleshooting\", section \"Resolving Admin Credentials\")"
                        .to_string(),
                ),
            };
            hard_fail(
                CheckResult::new("http-auth", Status::Fail, format!("expected 200 from GET {url} with {sent}, got {got}{says}"))
                    .with_remediation(fix)
                    .with_data(data),
            )
        }
        403 => hard_fail(
            CheckResult::new(
                "http-auth",
                Status::Fail,
                format!(
                    "expected 200 from GET {url} with {sent}, got 403: the credentials were accepted but are not allowed to list users{says}"
                ),
            )
            .with_remediation(
                "the token is valid but lacks permission: check its role/scope in the target console (it must be the \
                 SCIM provisioning token, with read and write access to users and groups), and any IP allow list or \
                 WAF rule in front of the endpoint that blocks the IdP",
            )
            .with_data(data),
        ),
        s if (200..300).contains(&s) && !r.looks_like_html() => {
            if !no_credentials && anon_status.is_some_and(|a| (200..300).contains(&a)) && !is_html(anonymous) {
                StepOutcome::soft(
                    CheckResult::new(
                        "http-auth",
                        Status::Warn,
                        format!(
                            "expected 401 from GET {url} without credentials, got {}: the endpoint lists users for anyone",
                            anon_status.unwrap_or(0)
                        ),
                    )
                    .with_remediation(
                        "the SCIM endpoint does not check credentials: require the token on every request \
                         (the IdP's token would otherwise protect nothing)",
                    )
                    .with_data(data),
                )
            } else if no_credentials {
                StepOutcome::soft(
                    CheckResult::new(
                        "http-auth",
                        Status::Warn,
                        format!("expected the endpoint to require credentials, got {s} for GET {url} sent without any"),
                    )
                    .with_remediation(
                        "no credentials were given and the endpoint answered anyway: it is open to anyone; \
                         require a token on the SCIM endpoint and test again with SCIM_TOKEN set",
                    )
                    .with_data(data),
                )
            } else if anon_status == Some(401)
                && matches!(auth, Auth::Bearer(_) | Auth::Basic { .. })
                && anonymous.and_then(Probe::response).and_then(www_authenticate).is_none()
            {
                // RFC 6750 §3 (bearer), RFC 7617 (basic), RFC 9110 §11.6.1: a 401 says how to
                // authenticate. An API-key header scheme has no standard challenge.
                StepOutcome::soft(
                    CheckResult::new(
                        "http-auth",
                        Status::Warn,
                        format!(
                            "credentials accepted ({sent}), but the 401 to GET {url} without credentials carries no WWW-Authenticate header (expected e.g. `Bearer realm=\"...\"`, RFC 6750 §3)"
                        ),
                    )
                    .with_remediation(
                        "send `WWW-Authenticate: Bearer` (or `Basic`) with every 401: without it clients and support engineers cannot tell a wrong scheme from a wrong or expired token",
                    )
                    .with_data(data),
                )
            } else {
                StepOutcome::soft(
                    CheckResult::pass(
                        "http-auth",
                        format!(
                            "credentials accepted ({sent}): GET {url} answered {s}{}",
                            match anon_status {
                                Some(a) => format!(", and {a} without credentials"),
                                None => String::new(),
                            }
                        ),
                    )
                    .with_data(data),
                )
            }
        }
        s => StepOutcome::soft(
            CheckResult::new(
                "http-auth",
                Status::Warn,
                format!(
                    "expected 200, 401 or 403 from GET {url}, got {}: the credentials could not be judged{says}",
                    describe_response(r)
                ),
            )
            .with_remediation(match s {
                429 => "the server is rate limiting: wait a minute and run the test again",
                s if s >= 500 => {
                    "the server failed before it judged the credentials (see scim-response); retry, and report the error to the target's support"
                }
                s if (300..400).contains(&s) || s == 404 || s == 405 || r.looks_like_html() => {
                    "fix the base URL first (see endpoint-path), then test the credentials again"
                }
                _ => "the server refused a plain user list request (see scim-response for its error); report it to the target's support",
            })
            .with_data(data),
        ),
    }
}

fn is_html(p: Option<&Probe>) -> bool {
    p.and_then(Probe::response)
        .is_some_and(Response::looks_like_html)
}

fn hard_fail(result: CheckResult) -> StepOutcome {
    StepOutcome {
        result,
        hard_failure: true,
    }
}

pub fn endpoint_path(client: &HttpClient, state: &State) -> StepOutcome {
    let Some(probe) = &state.users_probe else {
        return StepOutcome::soft(CheckResult::skipped(
            "endpoint-path",
            "skipped: `http-auth` sent no request to judge",
        ));
    };
    let mut out = judge_path(probe, &client.endpoint.base_url);
    out.result.evidence = vec![probe.exchange.clone()];
    out
}

fn judge_path(probe: &Probe, base: &::url::Url) -> StepOutcome {
    let url = &probe.url;
    let Some(r) = probe.response() else {
        return StepOutcome::soft(CheckResult::skipped(
            "endpoint-path",
            "skipped: no HTTP answer to judge",
        ));
    };
    let shape = "the SCIM root the target console shows, usually ending in /scim/v2";
    if (300..400).contains(&r.status) {
        let location = r
            .header("location")
            .map(|l| super::probe::public_url(&resolve(base, &l)));
        let to_https = location
            .as_deref()
            .is_some_and(|l| l.starts_with("https://") && url.starts_with("http://"));
        let where_to = location
            .clone()
            .map(|l| format!(" to {l}"))
            .unwrap_or_else(|| " without a Location header".into());
        let fix = match (&location, to_https) {
            (Some(_), true) => "use the https:// form of the base URL: IdPs do not follow redirects for SCIM".to_string(),
            (Some(l), false) => format!(
                "IdPs do not follow redirects for SCIM: put the final URL in the IdP (the part before /Users of {l}), \
                 after checking with the target that it is the right endpoint"
            ),
            (None, _) => "IdPs do not follow redirects for SCIM: find the final URL with the target's support and use it as the base URL".into(),
        };
        return hard(
            CheckResult::new(
                "endpoint-path",
                Status::Fail,
                format!(
                    "expected 200 from GET {url}, got a {} redirect{where_to}",
                    r.status
                ),
            )
            .with_remediation(fix)
            .with_data(json!({"status": r.status, "location": location})),
        );
    }
    if r.status == 404 || r.status == 405 {
        let what = if r.status == 404 {
            "404 Not Found"
        } else {
            "405 Method Not Allowed"
        };
        return hard(
            CheckResult::new(
                "endpoint-path",
                Status::Fail,
                format!(
                    "expected a SCIM Users endpoint at {url}, got {what} ({}): the base URL is probably wrong",
                    describe_response(r)
                ),
            )
            .with_remediation(format!(
                "compare the IdP's Tenant URL / Base URL with {shape}; it must be the root (without /Users), \
                 with the exact path and any account or directory ids the console shows"
            ))
            .with_data(json!({"status": r.status})),
        );
    }
    if r.looks_like_html() {
        let title = html_title(&r.body);
        let page = title
            .as_ref()
            .map(|t| format!("an HTML page titled \"{t}\""))
            .unwrap_or_else(|| "an HTML page".into());
        return hard(
            CheckResult::new(
                "endpoint-path",
                Status::Fail,
                format!(
                    "expected SCIM JSON from GET {url}, got {page} (HTTP {}): the base URL is probably wrong or a proxy \
                     (login page, captive portal, WAF) is answering",
                    r.status
                ),
            )
            .with_remediation(format!(
                "use {shape}, not the console or login URL; if it is already right, a proxy or SSO gateway in front \
                 of the endpoint intercepts API calls and must let the IdP through"
            ))
            .with_data(json!({"status": r.status, "title": title})),
        );
    }
    StepOutcome::soft(
        CheckResult::pass(
            "endpoint-path",
            format!(
                "the base URL reaches an API endpoint: GET {url} answered {}",
                describe_response(r)
            ),
        )
        .with_data(json!({"status": r.status})),
    )
}

/// A Location header may be relative; make it absolute against the request base.
fn resolve(base: &::url::Url, location: &str) -> String {
    base.join(location)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_string())
}

fn hard(result: CheckResult) -> StepOutcome {
    StepOutcome::hard_if_failed(result)
}

#[cfg(test)]
mod tests {
    use super::super::probe::canned as probe;
    use super::*;
    use crate::secret::SecretString;

    fn bearer() -> Auth {
        Auth::Bearer(SecretString::new("tok-auth-unit-5511"))
    }

    #[test]
    fn rate_limited_answer_is_inconclusive_and_says_so() {
        let out = judge_auth(
            &bearer(),
            &[],
            &probe(429, "application/scim+json", "{}", None),
            None,
            30,
        );
        assert_eq!(out.result.status, Status::Warn);
        assert!(!out.hard_failure);
        assert!(
            out.result.remediation.contains("rate limiting"),
            "{}",
            out.result.remediation
        );
    }

    #[test]
    fn a_401_without_www_authenticate_warns_for_bearer_but_not_for_an_api_key() {
        let ok = probe(200, "application/scim+json", "{}", None);
        let bare = probe(401, "application/scim+json", "{}", None);
        let out = judge_auth(&bearer(), &[], &ok, Some(&bare), 30);
        assert_eq!(out.result.status, Status::Warn, "{}", out.result.message);
        assert!(out.result.message.contains("no WWW-Authenticate header"));
        let challenged = probe(
            401,
            "application/scim+json",
            "{}",
            Some("Bearer realm=\"x\""),
        );
        let out = judge_auth(&bearer(), &[], &ok, Some(&challenged), 30);
        assert_eq!(out.result.status, Status::Pass, "{}", out.result.message);
        let key = judge_auth(
            &Auth::None,
            &["X-API-Key".to_string()],
            &ok,
            Some(&bare),
            30,
        );
        assert_eq!(key.result.status, Status::Pass, "{}", key.result.message);
    }

    #[test]
    fn api_key_header_counts_as_credentials() {
        let ok = probe(200, "application/scim+json", "{}", None);
        let anon = probe(401, "application/scim+json", "{}", None);
        let out = judge_auth(
            &Auth::None,
            &["X-API-Key".to_string()],
            &ok,
            Some(&anon),
            30,
        );
        assert_eq!(out.result.status, Status::Pass, "{}", out.result.message);
        assert!(
            out.result.message.contains("X-API-Key"),
            "{}",
            out.result.message
        );
        let open = judge_auth(&Auth::None, &[], &ok, None, 30);
        assert_eq!(
            open.result.status,
            Status::Warn,
            "no credentials at all and a 200: open endpoint"
        );
    }

    #[test]
    fn html_401_from_a_gateway_is_named() {
        let p = probe(
            401,
            "text/html",
            "<html><title>Corp SSO</title></html>",
            None,
        );
        let out = judge_auth(&bearer(), &[], &p, None, 30);
        assert_eq!(out.result.status, Status::Fail);
        assert!(
            out.result.message.contains("Corp SSO"),
            "{}",
            out.result.message
        );
        assert!(out.hard_failure);
    }

    #[test]
    fn empty_401_labelled_html_is_not_called_a_page() {
        let p = probe(401, "text/html; charset=utf-8", "", None);
        let out = judge_auth(&bearer(), &[], &p, None, 30);
        assert_eq!(out.result.status, Status::Fail);
        let msg = &out.result.message;
        assert!(!msg.contains("HTML page"), "{msg}");
        assert!(msg.contains("an empty body (labelled text/html)"), "{msg}");
        // A real page labelled text/html is still named.
        let page = probe(
            401,
            "text/html",
            "<!DOCTYPE html><html><title>Sign in</title></html>",
            None,
        );
        let out = judge_auth(&bearer(), &[], &page, None, 30);
        assert!(out
            .result
            .message
            .contains("an HTML page titled \"Sign in\""));
    }

    #[test]
    fn challenge_from_the_anonymous_answer_reveals_the_wrong_scheme() {
        let configured = probe(401, "application/scim+json", "{}", None);
        let anonymous = probe(
            401,
            "application/scim+json",
            "{}",
            Some("Basic realm=\"x\""),
        );
        let out = judge_auth(&bearer(), &[], &configured, Some(&anonymous), 30);
        assert!(
            out.result.message.contains("asks for Basic"),
            "{}",
            out.result.message
        );
    }

    #[test]
    fn challenge_schemes_read_from_multi_challenge_headers() {
        assert_eq!(challenge_schemes("Basic realm=\"scim\""), vec!["basic"]);
        assert_eq!(
            challenge_schemes("Bearer realm=\"x\", error=\"invalid_token\", Basic realm=\"y\""),
            vec!["bearer", "basic"]
        );
        assert!(challenge_schemes("").is_empty());
    }
}
