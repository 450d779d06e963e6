//! Steps `scim-response` (is the Users answer a well-formed SCIM ListResponse?) and
//! `idp-test-connection` (replay what Entra ID's "Test Connection" and Okta's "Test API
//! Credentials" send, reference sections 2-3, and say per IdP whether the button would pass).

use super::probe::{describe_response, is_list_response, quote, scim_error, total_results, Probe};
use super::State;
use crate::findings::{CheckResult, Status};
use crate::source::http::{AuthMode, HttpClient, Response};
use serde_json::{json, Value};

/// One problem found in a ListResponse, with how bad it is.
struct Finding {
    status: Status,
    what: String,
}

/// Judges a response that should be a ListResponse. Used by both steps.
fn list_response_problems(r: &Response) -> (Vec<Finding>, Option<Value>) {
    let mut out = Vec::new();
    let ct = r.content_type();
    let mime = ct.split(';').next().unwrap_or("").trim().to_string();
    match mime.as_str() {
        "application/scim+json" => {}
        "application/json" => out.push(Finding {
            status: Status::Warn,
            what: "Content-Type application/json instead of application/scim+json".into(),
        }),
        "" => out.push(Finding {
            status: Status::Warn,
            what: "no Content-Type header".into(),
        }),
        other => out.push(Finding {
            status: Status::Warn,
            what: format!("Content-Type {other} instead of application/scim+json"),
        }),
    }
    let v: Value = match serde_json::from_slice(&r.body) {
        Ok(v) => v,
        Err(e) => {
            out.push(Finding {
                status: Status::Fail,
                what: format!(
                    "a body that is not valid JSON ({e}; it starts with \"{}\")",
                    quote(&r.text_excerpt(60), 60)
                ),
            });
            return (out, None);
        }
    };
    if !v.is_object() {
        out.push(Finding {
            status: Status::Fail,
            what: "a JSON body that is not an object".into(),
        });
        return (out, Some(v));
    }
    if !is_list_response(&v) {
        out.push(Finding {
            status: Status::Fail,
            what: "`schemas` without urn:ietf:params:scim:api:messages:2.0:ListResponse".into(),
        });
    }
    let total = total_results(&v);
    match v.get("totalResults") {
        None => out.push(Finding {
            status: Status::Fail,
            what: "no `totalResults`".into(),
        }),
        Some(t) if total.is_none() => out.push(Finding {
            status: Status::Fail,
            what: format!(
                "`totalResults` that is not a non-negative integer ({})",
                quote(&t.to_string(), 30)
            ),
        }),
        Some(_) => {}
    }
    match v.get("Resources") {
        Some(Value::Array(_)) => {}
        None if total == Some(0) => {}
        None => out.push(Finding {
            status: Status::Fail,
            what: "no `Resources` array although totalResults is not 0".into(),
        }),
        Some(_) => out.push(Finding {
            status: Status::Fail,
            what: "`Resources` that is not an array".into(),
        }),
    }
    (out, Some(v))
}

fn worst(f: &[Finding]) -> Status {
    f.iter()
        .map(|f| f.status)
        .max_by_key(|s| s.rank())
        .unwrap_or(Status::Pass)
}

fn joined(f: &[Finding]) -> String {
    f.iter()
        .map(|f| f.what.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn scim_response(state: &State) -> CheckResult {
    let Some(probe) = &state.users_probe else {
        return CheckResult::skipped(
            "scim-response",
            "skipped: `http-auth` sent no request to judge",
        );
    };
    let mut r = judge_scim_response(probe);
    r.evidence = vec![probe.exchange.clone()];
    r
}

fn judge_scim_response(probe: &Probe) -> CheckResult {
    let url = &probe.url;
    let Some(r) = probe.response() else {
        return CheckResult::skipped("scim-response", "skipped: no HTTP answer to judge");
    };
    if !(200..300).contains(&r.status) {
        let err = r.json().as_ref().and_then(scim_error);
        let what = match &err {
            Some(e) => e.summary(),
            None => format!(
                "a body that is not a SCIM error (\"{}\")",
                quote(&r.text_excerpt(80), 80)
            ),
        };
        return CheckResult::new(
            "scim-response",
            Status::Fail,
            format!("expected 200 with a ListResponse from GET {url}, got HTTP {} with {what}", r.status),
        )
        .with_remediation(if r.status >= 500 {
            "the SCIM server failed on a plain user list: send this report (with the time of the request) to the target's support"
        } else {
            "the server refused a plain `GET /Users?startIndex=1&count=1`, which every IdP sends: check the detail above with the target's support"
        })
        .with_data(json!({"status": r.status, "scim_error": err.map(|e| json!({"status": e.status, "scimType": e.scim_type, "detail": e.detail.map(|d| quote(&d, 200))}))}));
    }
    let (problems, v) = list_response_problems(r);
    let data = json!({
        "status": r.status,
        "content_type": r.content_type(),
        "totalResults": v.as_ref().and_then(total_results),
    });
    if problems.is_empty() {
        return CheckResult::pass(
            "scim-response",
            format!("well-formed ListResponse (application/scim+json) from GET {url}"),
        )
        .with_data(data);
    }
    let status = worst(&problems);
    let fix = if status == Status::Fail {
        "the endpoint does not answer like a SCIM 2.0 server (RFC 7644 §3.4.2): check the base URL points at the SCIM API, and report the body above to the target's support"
    } else {
        "tell the target's developers to answer with Content-Type application/scim+json (RFC 7644 §8.1); most IdPs accept application/json, strict clients may not"
    };
    let mut res = CheckResult::new(
        "scim-response",
        status,
        format!(
            "expected a SCIM ListResponse (application/scim+json) from GET {url}, got {}",
            joined(&problems)
        ),
    )
    .with_remediation(fix)
    .with_data(data);
    res.count = problems.len();
    res
}

/// One IdP's verdict on its own test request.
fn verdict(idp: &str, probe: &Probe, expect_empty: bool) -> (bool, String, Value) {
    let reason: Result<String, String> = match probe.response() {
        None => Err(probe.describe()),
        Some(r) if r.status == 401 || r.status == 403 => {
            Err(format!("{} (credentials rejected)", describe_response(r)))
        }
        Some(r) if r.looks_like_html() => Err(describe_response(r)),
        Some(r) if r.status == 400 => {
            let invalid_filter = r.json().as_ref().and_then(scim_error).is_some_and(|e| {
                e.scim_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("invalidFilter"))
            });
            Err(format!(
                "{}{}",
                describe_response(r),
                if invalid_filter {
                    ": the server does not accept the `userName eq` filter"
                } else {
                    ""
                }
            ))
        }
        Some(r) if !(200..300).contains(&r.status) => Err(describe_response(r)),
        Some(r) => {
            let (problems, v) = list_response_problems(r);
            let fatal: Vec<&Finding> = problems
                .iter()
                .filter(|f| f.status == Status::Fail)
                .collect();
            if !fatal.is_empty() {
                Err(format!(
                    "HTTP {} with {}",
                    r.status,
                    fatal
                        .iter()
                        .map(|f| f.what.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            } else {
                let total = v.as_ref().and_then(total_results).unwrap_or(0);
                let listed = v
                    .as_ref()
                    .and_then(|v| v.get("Resources"))
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                if expect_empty && (total > 0 || listed > 0) {
                    Err(format!(
                        "HTTP {} with {total} result(s) for a userName that cannot exist: the server ignores the filter",
                        r.status
                    ))
                } else {
                    Ok(format!(
                        "HTTP {} with a ListResponse (totalResults {total})",
                        r.status
                    ))
                }
            }
        }
    };
    let (pass, text) = match reason {
        Ok(t) => (true, t),
        Err(t) => (false, t),
    };
    let data = json!({
        "would_pass": pass,
        "request": format!("GET {}", probe.url),
        "status": probe.status(),
        "got": text,
        "idp": idp,
    });
    (pass, text, data)
}

/// A fresh random GUID per run, as Entra sends: no real user can match it.
fn random_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn entra_path(guid: &str) -> String {
    let filter = format!("userName eq \"{guid}\"");
    let encoded: String = ::url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
    // form encoding writes spaces as `+`; Entra sends `%20`, which every server decodes.
    format!("Users?filter={}", encoded.replace('+', "%20"))
}

pub const OKTA_PATH: &str = "Users?startIndex=1&count=2";

pub async fn idp_test_connection(client: &HttpClient) -> CheckResult {
    let entra = Probe::get(client, &entra_path(&random_guid()), AuthMode::Configured).await;
    let okta = Probe::get(client, OKTA_PATH, AuthMode::Configured).await;
    let mut r = judge_idp(&entra, &okta);
    r.evidence = vec![entra.exchange.clone(), okta.exchange.clone()];
    r
}

fn judge_idp(entra: &Probe, okta: &Probe) -> CheckResult {
    let (e_ok, e_text, e_data) = verdict("Microsoft Entra ID", entra, true);
    let (o_ok, o_text, o_data) = verdict("Okta", okta, false);
    let word = |ok: bool| if ok { "would pass" } else { "would fail" };
    let data = json!({"entra": e_data, "okta": o_data});
    let summary = format!(
        "entra id test connection {} (expected 200 with an empty ListResponse for a random userName, got {e_text}); \
         okta test api credentials {} (expected 200 with a ListResponse, got {o_text})",
        word(e_ok),
        word(o_ok)
    );
    if e_ok && o_ok {
        return CheckResult::pass("idp-test-connection", summary).with_data(data);
    }
    let mut fixes = Vec::new();
    if !e_ok {
        fixes.push(
            "Entra ID: `GET /Users?filter=userName eq \"<random GUID>\"` must answer 200 with totalResults 0 — not 404, \
             not 400 invalidFilter, not an HTML page, not the whole user list; the target must support `eq` filtering on userName",
        );
    }
    if !o_ok {
        fixes.push(
            "Okta: `GET /Users?startIndex=1&count=2` must answer 200 with a SCIM ListResponse",
        );
    }
    let mut r = CheckResult::new("idp-test-connection", Status::Fail, summary)
        .with_remediation(format!(
            "{}; send this report to the target's support if the base URL and token are right",
            fixes.join("; ")
        ))
        .with_data(data);
    r.count = usize::from(!e_ok) + usize::from(!o_ok);
    r
}

#[cfg(test)]
mod tests {
    use super::super::probe::canned;
    use super::*;

    const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

    #[test]
    fn resources_missing_while_total_is_not_zero_fails() {
        let body = json!({"schemas": [LIST], "totalResults": 4}).to_string();
        let r = judge_scim_response(&canned(200, "application/scim+json", &body, None));
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("no `Resources` array"), "{}", r.message);
        let empty = json!({"schemas": [LIST], "totalResults": 0}).to_string();
        let ok = judge_scim_response(&canned(200, "application/scim+json", &empty, None));
        assert_eq!(ok.status, Status::Pass, "{}", ok.message);
    }

    #[test]
    fn server_error_detail_is_quoted() {
        let body = json!({"schemas": [super::super::probe::ERROR_URN], "status": "500", "detail": "db down"}).to_string();
        let r = judge_scim_response(&canned(500, "application/scim+json", &body, None));
        assert_eq!(r.status, Status::Fail);
        assert!(r.message.contains("db down"), "{}", r.message);
    }

    #[test]
    fn entra_fails_on_404_while_okta_passes_on_a_list() {
        let list =
            json!({"schemas": [LIST], "totalResults": 1, "Resources": [{"id": "1"}]}).to_string();
        let r = judge_idp(
            &canned(404, "application/scim+json", "{}", None),
            &canned(200, "application/scim+json", &list, None),
        );
        assert_eq!(r.status, Status::Fail);
        let d = r.data.unwrap();
        assert_eq!(d["entra"]["would_pass"], false);
        assert_eq!(d["okta"]["would_pass"], true);
        assert_eq!(r.count, 1);
    }

    #[test]
    fn entra_filter_is_url_encoded_with_quoted_guid() {
        let p = entra_path("0b9e6a4c-1111-2222-3333-444455556666");
        assert_eq!(
            p,
            "Users?filter=userName%20eq%20%220b9e6a4c-1111-2222-3333-444455556666%22"
        );
    }
}
