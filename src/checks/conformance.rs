//! GET-side conformance a client relies on, judged on the probes of
//! `source::fetch::conformance`: `attributes-parameter` (RFC 7644 §3.4.2.5 `attributes` and
//! `excludedAttributes`, on one resource and on lists, for users and groups) and
//! `error-format` (RFC 7644 §3.12 error bodies for an unknown id, schema or resource type
//! and for a malformed filter).

use crate::findings::{CheckResult, Exchange, Status, Subject, SubjectKind};
use crate::model::ERROR_SCHEMA;
use crate::source::fetch::behaviour::BehaviourReport;
use crate::source::fetch::conformance::{
    attribute_names, Answer, AttributeProbes, Body, ConformanceReport,
};
use serde_json::Value;

pub const ATTRIBUTES_PARAMETER: &str = "attributes-parameter";
pub const ERROR_FORMAT: &str = "error-format";

/// Both check ids, in report order.
pub const IDS: [&str; 2] = [ATTRIBUTES_PARAMETER, ERROR_FORMAT];

pub fn results(c: &ConformanceReport, b: &BehaviourReport) -> Vec<CheckResult> {
    vec![attributes_parameter(c), error_format(c, b)]
}

fn subject(id: String, detail: String) -> Subject {
    Subject::item(SubjectKind::Request, id, detail)
}

/// What one probe showed: a problem (fail or warn) or a line for the pass message.
enum Seen {
    Fail(Subject),
    Warn(Subject),
    Ok(String),
    Unjudged(String),
}

fn has(v: &Value, name: &str) -> bool {
    v.as_object()
        .is_some_and(|m| m.keys().any(|k| k.eq_ignore_ascii_case(name)))
}

fn resources(v: &Value) -> Option<&Vec<Value>> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Resources"))
        .and_then(|(_, v)| v.as_array())
}

/// Attributes a resource returned besides the one asked for and those always returned.
fn extras(v: &Value, wanted: &str, always: &[String]) -> Vec<String> {
    attribute_names(v)
        .into_iter()
        .filter(|n| !n.eq_ignore_ascii_case(wanted) && !always.contains(&n.to_ascii_lowercase()))
        .collect()
}

/// `GET /path` (what a subject names).
fn req(a: &Answer) -> String {
    format!("GET /{}", a.path)
}

/// The answer as a JSON object with status 200, or why it is not one.
fn ok_json(a: &Answer) -> Result<&Value, Box<Seen>> {
    match (a.status, a.body.json()) {
        (None, _) => Err(Box::new(Seen::Unjudged(format!(
            "{}: {}",
            req(a),
            a.describe()
        )))),
        (Some(200), Some(v)) if v.is_object() => Ok(v),
        _ => Err(Box::new(Seen::Fail(subject(
            req(a),
            format!("expected 200 with the resource, got {}", a.describe()),
        )))),
    }
}

/// The resources an answer carries: the one resource, or a list's `Resources`; a failure
/// or "nothing to judge" when it carries none.
fn items_of(a: &Answer, list: bool) -> Result<Vec<&Value>, Box<Seen>> {
    let v = ok_json(a)?;
    let items: Vec<&Value> = if list {
        match resources(v) {
            Some(r) => r.iter().collect(),
            None => {
                return Err(Box::new(Seen::Fail(subject(
                    req(a),
                    "expected a ListResponse, got a body without Resources".into(),
                ))))
            }
        }
    } else {
        vec![v]
    };
    if items.is_empty() {
        return Err(Box::new(Seen::Unjudged(format!(
            "{}: no resource came back",
            req(a)
        ))));
    }
    Ok(items)
}

fn judge_only(a: &Answer, wanted: &str, always: &[String], list: bool) -> Seen {
    let items = match items_of(a, list) {
        Ok(items) => items,
        Err(s) => return *s,
    };
    let mut ignored: Vec<String> = Vec::new();
    let mut missing = 0;
    for r in &items {
        for x in extras(r, wanted, always) {
            if !ignored.contains(&x) {
                ignored.push(x);
            }
        }
        if !has(r, wanted) {
            missing += 1;
        }
    }
    if !ignored.is_empty() {
        return Seen::Fail(subject(
            req(a),
            format!(
                "asked for {wanted} only, got {} as well: `attributes` is ignored",
                ignored.join(", ")
            ),
        ));
    }
    if missing > 0 {
        return Seen::Warn(subject(
            req(a),
            format!("asked for {wanted} only, got a resource without {wanted}"),
        ));
    }
    Seen::Ok(format!("{} returned only {wanted}", req(a)))
}

fn judge_without(a: &Answer, excluded: &str, list: bool) -> Seen {
    let items = match items_of(a, list) {
        Ok(items) => items,
        Err(s) => return *s,
    };
    let with = items.iter().filter(|r| has(r, excluded)).count();
    if with > 0 {
        return Seen::Fail(subject(
            req(a),
            format!(
                "{excluded} was still returned ({with} of {}): `excludedAttributes` is ignored",
                crate::util::plural(items.len(), "resource", "resources")
            ),
        ));
    }
    Seen::Ok(format!("{} left {excluded} out", req(a)))
}

fn judge_resource(
    p: &AttributeProbes,
    always: &[String],
    seen: &mut Vec<(Seen, Option<Exchange>)>,
) {
    let plain_ok = ok_json(&p.plain).is_ok();
    if !plain_ok {
        let why = match ok_json(&p.plain).map_err(|b| *b) {
            Err(Seen::Unjudged(t)) => Seen::Unjudged(t),
            _ => Seen::Warn(subject(
                req(&p.plain),
                format!(
                    "a listed {} could not be read by id ({}), so the one-resource forms were not judged",
                    p.resource.trim_end_matches('s').to_ascii_lowercase(),
                    p.plain.describe()
                ),
            )),
        };
        seen.push((why, p.plain.exchange.clone()));
    }
    let mut push = |s: Seen, a: &Answer| seen.push((s, a.exchange.clone()));
    if let (true, Some(a)) = (plain_ok, &p.only) {
        push(judge_only(a, &p.wanted, always, false), a);
    }
    if let Some(a) = &p.list_only {
        push(judge_only(a, &p.wanted, always, true), a);
    }
    if let Some(x) = &p.excluded {
        if let (true, Some(a)) = (plain_ok, &p.without) {
            push(judge_without(a, x, false), a);
        }
        if let Some(a) = &p.list_without {
            push(judge_without(a, x, true), a);
        }
    } else if plain_ok {
        seen.push((
            Seen::Unjudged(format!(
                "{} carries none of the attributes excludedAttributes was to leave out",
                req(&p.plain)
            )),
            None,
        ));
    }
}

/// Turns what was seen into the check's result.
fn verdict(
    id: &str,
    seen: Vec<(Seen, Option<Exchange>)>,
    expected: &str,
    fix: &str,
    passed: impl Fn(&[String]) -> String,
) -> CheckResult {
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut oks = Vec::new();
    let mut unjudged = Vec::new();
    let mut bad_ev = Vec::new();
    let mut all_ev = Vec::new();
    for (s, ex) in seen {
        let bad = matches!(s, Seen::Fail(_) | Seen::Warn(_));
        match s {
            Seen::Fail(x) => fails.push(x),
            Seen::Warn(x) => warns.push(x),
            Seen::Ok(t) => oks.push(t),
            Seen::Unjudged(t) => unjudged.push(t),
        }
        if let Some(e) = ex {
            if bad {
                bad_ev.push(e.clone());
            }
            all_ev.push(e);
        }
    }
    if fails.is_empty() && warns.is_empty() {
        if oks.is_empty() {
            return CheckResult::skipped(
                id,
                format!("no answer to judge: {}", unjudged.join("; ")),
            );
        }
        let mut r = CheckResult::pass(id, passed(&oks));
        if !unjudged.is_empty() {
            r.message
                .push_str(&format!("; not judged: {}", unjudged.join("; ")));
        }
        r.evidence = all_ev;
        return r;
    }
    let status = if fails.is_empty() {
        Status::Warn
    } else {
        Status::Fail
    };
    let first = fails
        .first()
        .or(warns.first())
        .map(|s| format!("{}: {}", s.id, s.detail))
        .unwrap_or_default();
    let mut subjects = fails;
    subjects.extend(warns);
    let more = if subjects.len() > 1 {
        format!(" (and {} more)", subjects.len() - 1)
    } else {
        String::new()
    };
    let mut r = CheckResult::found(
        id,
        status,
        format!("expected {expected}, got: {first}{more}"),
        fix,
        subjects,
    );
    r.evidence = bad_ev;
    r
}

fn attributes_parameter(c: &ConformanceReport) -> CheckResult {
    let id = ATTRIBUTES_PARAMETER;
    if let Some(why) = &c.not_run {
        return CheckResult::skipped(id, why.clone());
    }
    let mut seen = Vec::new();
    for p in [&c.users, &c.groups].into_iter().flatten() {
        judge_resource(p, &c.always_returned, &mut seen);
    }
    if seen.is_empty() {
        return CheckResult::skipped(id, c.not_probed.join("; "));
    }
    verdict(
        id,
        seen,
        "`attributes` and `excludedAttributes` honoured on one resource and on lists (RFC 7644 §3.4.2.5)",
        "honour `attributes` (return only the listed attributes, plus id and those the schema marks returned \
         \"always\") and `excludedAttributes` (leave the listed attributes out) on GET of one resource and of a list \
         (RFC 7644 §3.4.2.5). Entra looks groups up with excludedAttributes=members so that large groups do not time \
         out; a server that ignores it sends every member on every lookup",
        |oks| {
            format!(
                "`attributes` and `excludedAttributes` are honoured: {}",
                oks.join("; ")
            )
        },
    )
}

/// One error answer against RFC 7644 §3.12. `want` is the status a conformant server
/// answers; `scim_type` the scimType §3.12 defines for the case, if any.
fn judge_error(what: &str, a: &Answer, want: u16, scim_type: Option<&str>) -> Seen {
    let Some(status) = a.status else {
        return Seen::Unjudged(format!("{what}: {}", a.describe()));
    };
    let subj = |detail: String| subject(req(a), format!("{what}: {detail}"));
    if status < 400 {
        return Seen::Fail(subj(format!(
            "expected {want} with a SCIM error, got {}",
            a.describe()
        )));
    }
    let v = match &a.body {
        Body::Json(v) if v.is_object() => v,
        other => {
            return Seen::Fail(subj(format!(
                "HTTP {status} with {}, not a SCIM error body",
                other.describe()
            )))
        }
    };
    let mut problems = Vec::new();
    let mut warn_only = true;
    let schema = v
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(ERROR_SCHEMA)));
    if !schema {
        problems.push(format!("no schemas [\"{ERROR_SCHEMA}\"]"));
        warn_only = false;
    }
    match v.get("status") {
        Some(Value::String(s)) if s.trim() == status.to_string() => {}
        Some(Value::String(s)) => problems.push(format!("status {s:?} in a HTTP {status} answer")),
        Some(Value::Number(n)) => {
            problems.push(format!("status is the number {n}, not a string"));
            warn_only = false;
        }
        _ => {
            problems.push("no status".into());
            warn_only = false;
        }
    }
    if status >= 500 {
        problems.push(format!("HTTP {status} (expected {want})"));
        warn_only = false;
    } else if status != want {
        problems.push(format!("HTTP {status} (expected {want})"));
    }
    if let Some(t) = scim_type {
        if v.get("scimType").and_then(Value::as_str).is_none() {
            problems.push(format!(
                "no scimType (RFC 7644 §3.12 defines {t} for this case)"
            ));
        }
    }
    if problems.is_empty() {
        return Seen::Ok(format!("{what}: {status} SCIM error"));
    }
    let s = subj(format!("HTTP {status}: {}", problems.join(", ")));
    if warn_only {
        Seen::Warn(s)
    } else {
        Seen::Fail(s)
    }
}

fn error_format(c: &ConformanceReport, b: &BehaviourReport) -> CheckResult {
    let id = ERROR_FORMAT;
    if let Some(why) = &c.not_run {
        return CheckResult::skipped(id, why.clone());
    }
    let mut seen: Vec<(Seen, Option<Exchange>)> = c
        .errors
        .iter()
        .map(|(what, a)| (judge_error(what, a, 404, None), a.exchange.clone()))
        .collect();
    for (flt, p) in &b.bad_filters {
        let what = format!("a malformed filter ({flt})");
        let Some(body) = &p.error_body else {
            if p.status.is_some() {
                seen.push((
                    Seen::Unjudged(format!(
                        "{what}: HTTP {} is not an error answer (see filter-invalid-rejected)",
                        p.status.unwrap_or_default()
                    )),
                    None,
                ));
            }
            continue;
        };
        let a = Answer {
            path: p.path.clone(),
            status: p.status,
            content_type: String::new(),
            body: body.clone(),
            error: p.error.clone(),
            exchange: p.exchange.clone(),
        };
        seen.push((
            judge_error(&what, &a, 400, Some("invalidFilter")),
            a.exchange.clone(),
        ));
    }
    if seen.is_empty() {
        return CheckResult::skipped(id, "no error answer was asked for");
    }
    verdict(
        id,
        seen,
        "SCIM error bodies for the errors a client meets (RFC 7644 §3.12: schemas [Error], status as a string, \
         scimType where defined)",
        "answer every error with a SCIM error body: {\"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:Error\"], \
         \"status\": \"404\", \"detail\": \"...\"} with status as a string, and scimType where RFC 7644 §3.12 defines \
         one (invalidFilter for a filter that does not parse). Clients read the error to decide what to do: an empty \
         body or an HTML page tells them nothing, and Entra reports it as a response it cannot deserialize",
        |oks| format!("every error answer is a SCIM error: {}", oks.join("; ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(path: &str, status: u16, body: Body) -> Answer {
        Answer {
            path: path.into(),
            status: Some(status),
            content_type: "application/scim+json".into(),
            body,
            ..Default::default()
        }
    }

    #[test]
    fn an_ignored_attributes_parameter_fails_and_always_returned_ones_do_not_count() {
        let full = answer(
            "Users/1?attributes=userName",
            200,
            Body::Json(
                json!({"id": "1", "schemas": [], "userName": "a", "name": {"givenName": "A"}}),
            ),
        );
        assert!(matches!(
            judge_only(&full, "userName", &[], false),
            Seen::Fail(_)
        ));
        let always = vec!["name".to_string()];
        assert!(matches!(
            judge_only(&full, "userName", &always, false),
            Seen::Ok(_)
        ));
    }

    #[test]
    fn error_bodies_are_judged_by_rfc7644_section_3_12() {
        let scim = Body::Json(json!({"schemas": [ERROR_SCHEMA], "status": "404", "detail": "x"}));
        assert!(matches!(
            judge_error("x", &answer("a", 404, scim), 404, None),
            Seen::Ok(_)
        ));
        assert!(matches!(
            judge_error("x", &answer("a", 404, Body::Empty), 404, None),
            Seen::Fail(_)
        ));
        let numeric = Body::Json(json!({"schemas": [ERROR_SCHEMA], "status": 404}));
        assert!(matches!(
            judge_error("x", &answer("a", 404, numeric), 404, None),
            Seen::Fail(_)
        ));
        let no_type = Body::Json(json!({"schemas": [ERROR_SCHEMA], "status": "400"}));
        assert!(matches!(
            judge_error("x", &answer("a", 400, no_type), 400, Some("invalidFilter")),
            Seen::Warn(_)
        ));
    }
}
