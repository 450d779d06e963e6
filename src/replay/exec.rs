//! Runs a sequence: fills the placeholders with the ids the server assigned, sends each step,
//! judges the status against `Expect`, GETs the resource back to verify the effect, and turns
//! every observation into a `Fact`. Facts are plain data; `judge` makes findings of them.

use super::client::{Sent, WriteClient};
use super::ids::RESPONSE_FORMAT;
use super::readback::{self, lookup};
use super::sequence::{Expect, Slot, Step, Verify};
use super::Mode;
use crate::findings::Exchange;
use crate::model::ERROR_SCHEMA;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    Warn(String),
    Fail(String),
    Skipped(String),
}

/// One observation: a step's answer and effect, or a response's format.
#[derive(Debug, Clone)]
pub struct Fact {
    pub check: &'static str,
    pub mode: Mode,
    pub what: String,
    /// `METHOD path` as sent (ids filled in).
    pub request: String,
    pub verdict: Verdict,
    pub exchange: Option<Exchange>,
    /// Index of the request in the write transcript.
    pub entry: Option<usize>,
}

/// A resource the run created (what the cleanup must remove).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub group: bool,
    pub id: String,
    pub name: String,
}

/// Everything created so far, shared with the interrupt path so that a Ctrl-C or a timeout
/// still cleans up.
pub type CreatedLog = Arc<Mutex<Vec<Created>>>;

pub struct Runner<'a> {
    pub client: &'a WriteClient,
    pub created: CreatedLog,
    pub facts: Arc<Mutex<Vec<Fact>>>,
    ids: HashMap<Slot, String>,
    /// Members seen just before a step that must keep them.
    kept: Option<Vec<String>>,
}

impl<'a> Runner<'a> {
    pub fn new(client: &'a WriteClient, created: CreatedLog, facts: Arc<Mutex<Vec<Fact>>>) -> Self {
        Runner {
            client,
            created,
            facts,
            ids: HashMap::new(),
            kept: None,
        }
    }

    fn push(&self, f: Fact) {
        if let Ok(mut v) = self.facts.lock() {
            v.push(f);
        }
    }

    fn fill(&self, text: &str) -> String {
        self.ids.iter().fold(text.to_string(), |t, (slot, id)| {
            t.replace(slot.placeholder(), id)
        })
    }

    pub async fn run(&mut self, steps: &[Step]) {
        for step in steps {
            self.step(step).await;
        }
    }

    async fn step(&mut self, step: &Step) {
        let missing: Vec<&str> = step
            .needs()
            .into_iter()
            .filter(|s| !self.ids.contains_key(s))
            .map(Slot::placeholder)
            .collect();
        let path = self.fill(&step.path);
        let request = format!("{} {}", step.method, path);
        if !missing.is_empty() {
            self.push(Fact {
                check: step.check,
                mode: step.mode,
                what: step.what.clone(),
                request,
                verdict: Verdict::Skipped(format!(
                    "an earlier step did not create {}",
                    missing.join(", ")
                )),
                exchange: None,
                entry: None,
            });
            return;
        }
        let body = step
            .body
            .as_ref()
            .and_then(|b| serde_json::from_str::<Value>(&self.fill(&b.to_string())).ok());
        self.kept = None;
        for v in &step.verify {
            if let (Verify::MembersKept(slot), Some(id)) = (v, self.ids.get(&slot_of(v))) {
                let before = self
                    .client
                    .send("GET", &resource_path(*slot, id), None)
                    .await;
                self.kept = before
                    .json()
                    .filter(|_| before.status == Some(200))
                    .map(|j| member_ids(&j));
            }
        }
        let sent = self.client.send(step.method, &path, body.as_ref()).await;
        self.format_fact(step.mode, &request, &sent);
        let id = sent
            .json()
            .and_then(|j| j.get("id").and_then(Value::as_str).map(str::to_string));
        if let Some(id) = &id {
            if sent.status.is_some_and(|s| (200..300).contains(&s)) && step.method == "POST" {
                let name = body
                    .as_ref()
                    .and_then(|b| b.get("userName").or(b.get("displayName")))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                if let Ok(mut c) = self.created.lock() {
                    c.push(Created {
                        group: path.starts_with("/Groups"),
                        id: id.clone(),
                        name,
                    });
                }
            }
        }
        let mut verdict = judge_status(step.expect, step.mode, &sent);
        if let (Some(slot), Some(id), Verdict::Pass | Verdict::Warn(_)) =
            (step.creates, &id, &verdict)
        {
            self.ids.insert(slot, id.clone());
        }
        if matches!(verdict, Verdict::Pass | Verdict::Warn(_)) {
            let answered = sent.status.map(|s| s.to_string()).unwrap_or_default();
            let lost = self.read_back(step, body.as_ref()).await;
            if let Some(problem) = &lost {
                verdict = Verdict::Fail(format!(
                    "{} answered {answered}, but {problem}",
                    step.method
                ));
            }
            for v in step.verify.iter().filter(|_| lost.is_none()) {
                match self.verify(step, v).await {
                    Some(Verdict::Fail(problem)) => {
                        verdict = Verdict::Fail(format!(
                            "{} answered {answered}, but {problem}",
                            step.method
                        ));
                        break;
                    }
                    Some(Verdict::Warn(problem)) => {
                        verdict = Verdict::Warn(format!(
                            "{} answered {answered}, but {problem}",
                            step.method
                        ));
                    }
                    _ => {}
                }
            }
        }
        self.push(Fact {
            check: step.check,
            mode: step.mode,
            what: step.what.clone(),
            request,
            verdict,
            exchange: Some(sent.exchange),
            entry: Some(sent.entry),
        });
    }

    /// GETs the resource a write step wrote and compares every attribute the step sent
    /// (`readback`); `Some(problem)` naming each attribute lost or changed. Attributes the
    /// step's own verification judges better (`active` as a string, members that a GET may
    /// leave out) are left to it.
    async fn read_back(&self, step: &Step, body: Option<&Value>) -> Option<String> {
        if !matches!(
            step.expect,
            Expect::Created | Expect::Patched | Expect::Replaced
        ) {
            return None;
        }
        let body = body?;
        let slot = step.creates.or_else(|| slot_in_path(&step.path))?;
        let id = self.ids.get(&slot)?;
        let skip: Vec<&str> = step
            .verify
            .iter()
            .filter_map(|v| match v {
                Verify::Active(..) => Some("active"),
                Verify::Members(..) | Verify::MembersKept(..) => Some("members"),
                _ => None,
            })
            .collect();
        let expected = if step.method == "PATCH" {
            readback::from_patch(body, &skip)
        } else {
            readback::from_resource(body, &skip)
        };
        if expected.is_empty() {
            return None;
        }
        let path = resource_path(slot, id);
        let got = self.client.send("GET", &path, None).await;
        self.format_fact(step.mode, &format!("GET {path}"), &got);
        let Some(res) = got.json().filter(|_| got.status == Some(200)) else {
            return Some(format!(
                "GET {path} to read back what was sent answered {}",
                got.describe()
            ));
        };
        let diffs = readback::differences(&expected, &res);
        (!diffs.is_empty()).then(|| {
            format!(
                "GET {path} does not show what was sent: {}",
                diffs.join("; ")
            )
        })
    }

    /// GETs the resource back; `Some(problem)` when it does not show the step's effect.
    async fn verify(&self, step: &Step, v: &Verify) -> Option<Verdict> {
        let slot = slot_of(v);
        let id = self.ids.get(&slot)?;
        let path = resource_path(slot, id);
        let got = self.client.send("GET", &path, None).await;
        self.format_fact(step.mode, &format!("GET {path}"), &got);
        if let Verify::Gone(_) = v {
            return match got.status {
                Some(404) => None,
                Some(s) => Some(format!("GET {path} still answers {s} (expected 404)")),
                None => Some(format!("GET {path}: {}", got.describe())),
            }
            .map(Verdict::Fail);
        }
        let Some(mut res) = got.json().filter(|_| got.status == Some(200)) else {
            return Some(Verdict::Fail(format!(
                "GET {path} answered {}",
                got.describe()
            )));
        };
        let wants_members = match v {
            Verify::Members(_, want) => Some(!want.is_empty()),
            Verify::MembersKept(_) => Some(self.kept.as_ref().is_some_and(|k| !k.is_empty())),
            _ => None,
        };
        if let (Some(non_empty), None) = (wants_members, lookup(&res, "members")) {
            // Some servers leave members out of GET by id: ask for them before judging, and
            // never call a group wiped when the server simply did not show its members.
            let again_path = format!("{path}?attributes=members");
            let again = self.client.send("GET", &again_path, None).await;
            self.format_fact(step.mode, &format!("GET {again_path}"), &again);
            match again.json().filter(|j| again.status == Some(200) && lookup(j, "members").is_some()) {
                Some(j) => res = j,
                None if non_empty => {
                    return Some(Verdict::Warn(format!(
                        "GET {path} does not return members (not even with attributes=members): the effect could not be verified"
                    )))
                }
                None => {}
            }
        }
        if matches!(v, Verify::Active(..)) && lookup(&res, "active").is_none() {
            return Some(Verdict::Warn(format!(
                "GET {path} does not return active: the deactivation could not be verified"
            )));
        }
        self.effect(v, &res).map(Verdict::Fail)
    }

    /// What the resource shows against what the step should have done.
    fn effect(&self, v: &Verify, res: &Value) -> Option<String> {
        let res = res.clone();
        match v {
            Verify::Attrs(_, pairs) => pairs.iter().find_map(|(p, want)| {
                let have = lookup(&res, p).cloned().unwrap_or(Value::Null);
                (have != *want).then(|| format!("GET shows {p} = {have}, expected {want}"))
            }),
            Verify::Active(_, want) => match lookup(&res, "active") {
                Some(Value::Bool(b)) if b == want => None,
                Some(Value::String(s)) => Some(format!(
                    "GET shows active as the string {s:?}, not a boolean (it reads as true in most code)"
                )),
                other => Some(format!(
                    "GET shows active = {}, expected {want}: the user was not deactivated",
                    other.cloned().unwrap_or(Value::Null)
                )),
            },
            Verify::WorkEmail(_, want) => {
                let have = work_email(&res);
                (have != *want).then(|| format!(
                    "GET shows the work email {}, expected {}",
                    have.as_deref().unwrap_or("(none)"),
                    want.as_deref().unwrap_or("(none)")
                ))
            }
            Verify::Members(_, want) => {
                let mut have = member_ids(&res);
                let mut want: Vec<String> = want.iter().filter_map(|s| self.ids.get(s).cloned()).collect();
                have.sort();
                want.sort();
                if have == want {
                    None
                } else if have.is_empty() {
                    Some(format!("GET shows no member left, expected {}: the group was wiped", want.len()))
                } else {
                    Some(format!("GET shows members {have:?}, expected {want:?}"))
                }
            }
            Verify::MembersKept(_) => {
                let mut have = member_ids(&res);
                let mut want = self.kept.clone()?;
                have.sort();
                want.sort();
                (have != want).then(|| {
                    if have.is_empty() {
                        format!("GET shows no member left, expected the {} it had: the group was wiped", want.len())
                    } else {
                        format!("GET shows members {have:?}, expected the unchanged {want:?}")
                    }
                })
            }
            Verify::Gone(_) => None,
        }
    }

    /// RFC 7644 §3.8 media type and §3.12 error bodies, for every answer.
    fn format_fact(&self, mode: Mode, request: &str, sent: &Sent) {
        let Some(status) = sent.status else { return };
        let verdict = format_verdict(status, &sent.content_type, &sent.body);
        self.push(Fact {
            check: RESPONSE_FORMAT,
            mode,
            what: format!("{request} answered {status}"),
            request: request.to_string(),
            verdict,
            exchange: Some(sent.exchange.clone()),
            entry: Some(sent.entry),
        });
    }
}

pub fn format_verdict(status: u16, content_type: &str, body: &[u8]) -> Verdict {
    if body.is_empty() {
        return Verdict::Pass;
    }
    let ct = content_type.split(';').next().unwrap_or("").trim();
    let json: Option<Value> = serde_json::from_slice(body).ok();
    if status >= 400 {
        let scim = json.as_ref().is_some_and(|j| {
            j["schemas"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == ERROR_SCHEMA))
                && j["status"].as_str() == Some(&status.to_string())
        });
        if !scim {
            let excerpt = crate::source::http::excerpt(body, 80).replace('\n', " ");
            return Verdict::Fail(format!(
                "error {status} is not a SCIM error body (schemas Error, status as a string): {content_type} {excerpt:?}"
            ));
        }
    }
    match ct {
        "application/scim+json" => Verdict::Pass,
        "application/json" => {
            Verdict::Warn("application/json instead of application/scim+json".into())
        }
        _ if json.is_some() => Verdict::Fail(format!(
            "JSON labelled {content_type:?} instead of application/scim+json"
        )),
        _ => Verdict::Fail(format!("{content_type:?} body that is not JSON")),
    }
}

/// Status judgement against RFC 7644 and what the IdP needs.
pub fn judge_status(expect: Expect, mode: Mode, sent: &Sent) -> Verdict {
    let Some(status) = sent.status else {
        return Verdict::Fail(sent.describe());
    };
    let json = sent.json();
    let got = sent.describe();
    match (expect, status) {
        (Expect::EmptyList, 200) => match json.as_ref().and_then(|j| j.get("totalResults")).and_then(Value::as_u64) {
            Some(0) => Verdict::Pass,
            Some(n) => Verdict::Fail(format!(
                "the lookup of a canary that does not exist returned {}: the filter is ignored or wrong",
                crate::util::plural(n as usize, "resource", "resources")
            )),
            None => Verdict::Fail(format!("expected a ListResponse with totalResults 0, got {got}")),
        },
        (Expect::EmptyList, 404) if mode == Mode::Okta => {
            Verdict::Warn("404 for no match: Okta accepts it, Entra needs 200 with an empty ListResponse".into())
        }
        (Expect::Created, 201) | (Expect::Created, 200) if json.as_ref().and_then(|j| j["id"].as_str()).is_none() => {
            Verdict::Fail(format!("expected the created resource with its id, got {got}"))
        }
        (Expect::Created, 201) => Verdict::Pass,
        (Expect::Created, 200) => Verdict::Warn("200 instead of 201 Created".into()),
        (Expect::Found, 200) | (Expect::Replaced, 200) if json.is_some() => Verdict::Pass,
        (Expect::Patched, 200 | 204) => Verdict::Pass,
        (Expect::Replaced, 204) => Verdict::Warn("204 to a PUT: Okta expects the updated resource back".into()),
        // RFC 7644 §3.3: a conflict with an existing resource is 409 with scimType "uniqueness".
        (Expect::Conflict, 409) => match json.as_ref().map(|j| j.get("scimType")) {
            Some(Some(Value::String(t))) if t == "uniqueness" => Verdict::Pass,
            Some(Some(other)) => Verdict::Warn(format!(
                "409 Conflict with scimType {other} instead of \"uniqueness\" (RFC 7644 §3.3)"
            )),
            Some(None) => Verdict::Warn(
                "409 Conflict without a scimType (RFC 7644 §3.3 requires scimType \"uniqueness\")".into(),
            ),
            None => Verdict::Warn(
                "409 Conflict whose body is not JSON, so it carries no scimType (RFC 7644 §3.3 requires scimType \"uniqueness\")".into(),
            ),
        },
        (Expect::Conflict, 200..=299) => Verdict::Fail(format!(
            "expected 409 Conflict, got {status}: a second user with the same userName was accepted"
        )),
        (Expect::Deleted, 204) => Verdict::Pass,
        (Expect::Deleted, 200) => Verdict::Warn("200 instead of 204 No Content".into()),
        (e, 500..=599) if mode == Mode::Rfc => Verdict::Fail(format!(
            "expected {}, got {got}: the server failed on a request RFC 7644 defines",
            expected_text(e)
        )),
        (e, _) => Verdict::Fail(format!("expected {}, got {got}", expected_text(e))),
    }
}

pub fn expected_text(e: Expect) -> &'static str {
    match e {
        Expect::EmptyList => "200 with an empty ListResponse",
        Expect::Created => "201 Created with the resource",
        Expect::Found => "200 with the resource",
        Expect::Patched => "200 or 204",
        Expect::Replaced => "200 with the updated resource",
        Expect::Conflict => "409 Conflict",
        Expect::Deleted => "204 No Content",
    }
}

fn work_email(res: &Value) -> Option<String> {
    lookup(res, "emails")?
        .as_array()?
        .iter()
        .find(|e| {
            lookup(e, "type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("work"))
        })
        .and_then(|e| lookup(e, "value"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub fn member_ids(res: &Value) -> Vec<String> {
    lookup(res, "members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| {
                    lookup(m, "value")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn slot_of(v: &Verify) -> Slot {
    match v {
        Verify::Attrs(s, _)
        | Verify::Active(s, _)
        | Verify::WorkEmail(s, _)
        | Verify::Members(s, _)
        | Verify::MembersKept(s)
        | Verify::Gone(s) => *s,
    }
}

/// The canary a step's path addresses (`/Users/{user}`), if any.
fn slot_in_path(path: &str) -> Option<Slot> {
    [Slot::User, Slot::User2, Slot::Group]
        .into_iter()
        .find(|s| path.ends_with(s.placeholder()))
}

fn resource_path(slot: Slot, id: &str) -> String {
    format!("/{}/{id}", if slot.is_group() { "Groups" } else { "Users" })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves a plain-text error and a non-JSON content type fail, application/json warns.
    #[test]
    fn response_format_follows_rfc7644_media_type_and_error_shape() {
        let scim_err = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","detail":"x"}"#;
        assert_eq!(
            format_verdict(409, "application/scim+json", scim_err),
            Verdict::Pass
        );
        assert!(matches!(
            format_verdict(409, "text/plain", b"Error: taken"),
            Verdict::Fail(_)
        ));
        let numeric =
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":409}"#;
        assert!(matches!(
            format_verdict(409, "application/scim+json", numeric),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            format_verdict(200, "application/json", b"{}"),
            Verdict::Warn(_)
        ));
        assert!(matches!(
            format_verdict(200, "text/html", b"{}"),
            Verdict::Fail(_)
        ));
        assert_eq!(format_verdict(204, "", b""), Verdict::Pass);
    }

    /// Proves attribute lookup resolves URN-qualified and dotted paths case-insensitively.
    #[test]
    fn lookup_resolves_urn_and_dotted_paths() {
        let urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let res = serde_json::json!({"Name": {"givenName": "A"}, urn: {"employeeNumber": "7"}});
        assert_eq!(
            lookup(&res, "name.givenname"),
            Some(&serde_json::json!("A"))
        );
        assert_eq!(
            lookup(&res, &format!("{urn}:employeeNumber")),
            Some(&serde_json::json!("7"))
        );
        assert_eq!(lookup(&res, "title"), None);
    }
}
