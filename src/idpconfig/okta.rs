//! Okta inputs: System Log events (`GET /api/v1/logs` JSON array, one LogEvent, an event hook
//! delivery's `data.events[]`, newline-delimited JSON as SIEM exports write it, or the admin
//! console's "Download CSV" with its headers matched loosely, since Okta does not document
//! them), app users (`/api/v1/apps/{id}/users`, or one), app groups (`/api/v1/apps/{id}/groups`),
//! group push mappings (`/api/v1/apps/{id}/group-push/mappings`), app features
//! (`/api/v1/apps/{id}/features`) and apps (`/api/v1/apps`, or one).

use super::json::{arr, get, path, text};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct OktaEvent {
    pub published: Option<String>,
    pub event_type: String,
    pub legacy_event_type: Option<String>,
    /// SUCCESS, FAILURE, SKIPPED, RATE_LIMIT... (upper case as Okta writes it).
    pub result: Option<String>,
    pub reason: Option<String>,
    pub display_message: Option<String>,
    pub severity: Option<String>,
    /// The app user (or user) the event is about: its alternateId, else display name.
    pub user: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppUser {
    pub id: String,
    pub external_id: Option<String>,
    pub status: Option<String>,
    pub sync_state: Option<String>,
    /// USER (direct) or GROUP (through a group).
    pub scope: Option<String>,
    pub user_name: Option<String>,
    pub email: Option<String>,
    pub last_sync: Option<String>,
}

impl AppUser {
    pub fn label(&self) -> &str {
        self.user_name
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AppGroup {
    pub id: String,
    pub name: Option<String>,
    pub priority: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PushMapping {
    pub id: String,
    pub source_group_id: Option<String>,
    pub target_group_id: Option<String>,
    pub status: Option<String>,
    pub error_summary: Option<String>,
    pub last_push: Option<String>,
}

fn first(v: &Value) -> Option<&Value> {
    v.as_array()?.iter().find(|x| x.is_object())
}

pub fn is_log(v: &Value) -> bool {
    first(v).is_some_and(|e| get(e, "eventType").is_some())
}
pub fn is_app_users(v: &Value) -> bool {
    first(v).is_some_and(|e| {
        get(e, "signOnMode").is_none() && get(e, "syncState").is_some()
            || get(e, "credentials").is_some()
            || (get(e, "signOnMode").is_none()
                && get(e, "scope").is_some()
                && get(e, "status").is_some())
    })
}
pub fn is_push_mappings(v: &Value) -> bool {
    first(v).is_some_and(|e| get(e, "sourceGroupId").is_some() || get(e, "targetGroupId").is_some())
}
pub fn is_app_groups(v: &Value) -> bool {
    first(v).is_some_and(|e| {
        get(e, "priority").is_some() && get(e, "id").is_some() && get(e, "eventType").is_none()
    })
}

fn target_user(e: &Value) -> Option<String> {
    let targets = arr(e, "target");
    let label = |t: &Value| text(t, "alternateId").or_else(|| text(t, "displayName"));
    for kind in ["AppUser", "User"] {
        if let Some(t) = targets
            .iter()
            .find(|t| text(t, "type").is_some_and(|k| k.eq_ignore_ascii_case(kind)))
        {
            if let Some(l) = label(t) {
                return Some(l);
            }
        }
    }
    targets
        .iter()
        .filter_map(text_alt)
        .find(|a| a.contains('@'))
}

fn text_alt(t: &Value) -> Option<String> {
    text(t, "alternateId")
}

pub fn read_log(v: &Value) -> Vec<OktaEvent> {
    log_events(v)
        .map(|(items, _)| read_events(&items))
        .unwrap_or_default()
}

pub fn read_app_users(v: &Value) -> Vec<AppUser> {
    let items: Vec<&Value> = match v.as_array() {
        Some(a) => a.iter().collect(),
        None => vec![v],
    };
    items
        .into_iter()
        .filter_map(|u| {
            Some(AppUser {
                id: text(u, "id")?,
                external_id: text(u, "externalId"),
                status: text(u, "status").map(|s| s.to_ascii_uppercase()),
                sync_state: text(u, "syncState").map(|s| s.to_ascii_uppercase()),
                scope: text(u, "scope"),
                user_name: path(u, &["credentials", "userName"]),
                email: path(u, &["profile", "email"])
                    .or_else(|| path(u, &["_embedded", "user", "profile", "email"])),
                last_sync: text(u, "lastSync"),
            })
        })
        .collect()
}

pub fn read_app_groups(v: &Value) -> Vec<AppGroup> {
    v.as_array()
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|g| {
            Some(AppGroup {
                id: text(g, "id")?,
                name: path(g, &["_embedded", "group", "profile", "name"])
                    .or_else(|| path(g, &["profile", "name"])),
                priority: super::json::int(g, "priority"),
            })
        })
        .collect()
}

pub fn read_push_mappings(v: &Value) -> Vec<PushMapping> {
    v.as_array()
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            Some(PushMapping {
                id: text(m, "id")?,
                source_group_id: text(m, "sourceGroupId"),
                target_group_id: text(m, "targetGroupId"),
                status: text(m, "status").map(|s| s.to_ascii_uppercase()),
                error_summary: text(m, "errorSummary"),
                last_push: text(m, "lastPush"),
            })
        })
        .collect()
}

/// A header, lower-cased with everything but letters and digits removed.
fn norm(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Column indexes of a System Log CSV, or `None` when there is no event-type column.
struct Columns {
    event_type: usize,
    published: Option<usize>,
    message: Option<usize>,
    result: Option<usize>,
    reason: Option<usize>,
    severity: Option<usize>,
    legacy: Option<usize>,
    targets: Vec<usize>,
}

fn columns(headers: &[String]) -> Option<Columns> {
    let n: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let find = |names: &[&str]| n.iter().position(|h| names.contains(&h.as_str()));
    Some(Columns {
        event_type: find(&["eventtype", "event"])?,
        published: find(&["published", "time", "date", "timestamp", "datetime"]),
        message: find(&["displaymessage", "message", "eventinfo", "description"]),
        result: find(&["outcomeresult", "outcome", "result"]),
        reason: find(&["outcomereason", "reason"]),
        severity: find(&["severity"]),
        legacy: find(&["legacyeventtype"]),
        targets: n
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                h.starts_with("target") && (h.contains("alternateid") || h.contains("displayname"))
                    || h.as_str() == "targets"
            })
            .map(|(i, _)| i)
            .collect(),
    })
}

/// True when the first CSV line names an event-type column.
pub fn is_log_csv(text: &str) -> bool {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    r.headers()
        .ok()
        .map(|h| h.iter().map(str::to_string).collect::<Vec<_>>())
        .and_then(|h| columns(&h))
        .is_some()
}

/// Reads the console CSV; the second value lists the headers that were understood.
pub fn read_log_csv(file: &str, text: &str) -> Result<(Vec<OktaEvent>, Vec<String>), String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("{file}: cannot read the CSV header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let c = columns(&headers).ok_or_else(|| {
        format!("{file}: no event-type column (expected a header like `eventType` or `Event Type`)")
    })?;
    let mut understood = vec![headers[c.event_type].clone()];
    for i in [
        c.published,
        c.message,
        c.result,
        c.reason,
        c.severity,
        c.legacy,
    ]
    .into_iter()
    .flatten()
    .chain(c.targets.iter().copied())
    {
        understood.push(headers[i].clone());
    }
    let mut out = Vec::new();
    for (line, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{file}: CSV row {}: {e}", line + 2))?;
        let cell = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(event_type) = cell(Some(c.event_type)) else {
            continue;
        };
        let targets: Vec<String> = c.targets.iter().filter_map(|&i| cell(Some(i))).collect();
        let user = targets
            .iter()
            .find(|t| t.contains('@'))
            .or(targets.first())
            .cloned();
        out.push(OktaEvent {
            event_type,
            published: cell(c.published),
            legacy_event_type: cell(c.legacy),
            result: cell(c.result).map(|r| r.to_ascii_uppercase()),
            reason: cell(c.reason),
            display_message: cell(c.message),
            severity: cell(c.severity),
            user,
        });
    }
    Ok((out, understood))
}

/// The events of an Okta System Log document, and which shape held them: the `/api/v1/logs`
/// array, an event hook delivery (`data.events[]`, Okta's event hook request body), or one
/// LogEvent on its own. `None` when `v` holds none of these.
pub fn log_events(v: &Value) -> Option<(Vec<&Value>, &'static str)> {
    if is_log(v) {
        let items = v.as_array()?.iter().filter(|e| e.is_object()).collect();
        return Some((items, "GET /api/v1/logs array"));
    }
    if let Some(events) = get(v, "data")
        .and_then(|d| get(d, "events"))
        .and_then(Value::as_array)
    {
        if events.iter().any(|e| get(e, "eventType").is_some()) {
            return Some((
                events.iter().filter(|e| e.is_object()).collect(),
                "event hook payload (data.events[])",
            ));
        }
    }
    let single = v.is_object()
        && get(v, "eventType").is_some()
        && ["published", "uuid", "outcome", "actor"]
            .iter()
            .any(|k| get(v, k).is_some());
    single.then(|| (vec![v], "one LogEvent"))
}

/// Newline-delimited LogEvents (what SIEM exports and `okta-logs` tools write): every line
/// that is not blank is one JSON object with an `eventType`. `None` for anything else.
pub fn ndjson_events(text: &str) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_str(line).ok()?;
        get(&v, "eventType")?;
        out.push(v);
    }
    (out.len() > 1 || (out.len() == 1 && text.trim().lines().count() == 1)).then_some(out)
}

/// True when `text` is an Okta System Log in any shape `--idp-config` reads (JSON array,
/// event hook payload, one LogEvent, NDJSON, the console CSV).
pub fn looks_like_log_text(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}');
    match super::lenient::parse(t) {
        Ok(l) => log_events(&l.value).is_some(),
        Err(_) => {
            ndjson_events(t).is_some() || (!t.trim_start().starts_with(['{', '[']) && is_log_csv(t))
        }
    }
}

/// Reads LogEvent objects (whatever document held them).
pub fn read_events(items: &[&Value]) -> Vec<OktaEvent> {
    items
        .iter()
        .filter_map(|e| {
            Some(OktaEvent {
                event_type: text(e, "eventType")?,
                published: text(e, "published"),
                legacy_event_type: text(e, "legacyEventType"),
                result: path(e, &["outcome", "result"]).map(|r| r.to_ascii_uppercase()),
                reason: path(e, &["outcome", "reason"]),
                display_message: text(e, "displayMessage"),
                severity: text(e, "severity"),
                user: target_user(e),
            })
        })
        .collect()
}

/// One capability of an app feature (`create.lifecycleCreate`, `update.profile`...).
#[derive(Debug, Clone, Serialize)]
pub struct Capability {
    pub path: String,
    /// ENABLED or DISABLED.
    pub status: String,
}

/// An app feature (`GET /api/v1/apps/{appId}/features`): USER_PROVISIONING (Okta to the
/// app) or INBOUND_PROVISIONING (the app to Okta), with its capabilities.
#[derive(Debug, Clone, Serialize)]
pub struct AppFeature {
    pub name: String,
    pub status: Option<String>,
    pub capabilities: Vec<Capability>,
}

impl AppFeature {
    pub fn capability(&self, path: &str) -> Option<&Capability> {
        self.capabilities
            .iter()
            .find(|c| c.path.eq_ignore_ascii_case(path))
    }
}

pub fn is_app_features(v: &Value) -> bool {
    first(v).is_some_and(|e| {
        get(e, "capabilities").is_some()
            || text(e, "name").is_some_and(|n| n.ends_with("_PROVISIONING"))
                && get(e, "status").is_some()
    })
}

fn capabilities(prefix: &str, v: &Value, out: &mut Vec<Capability>, depth: usize) {
    let Some(o) = v.as_object() else {
        return;
    };
    if depth > 8 {
        return;
    }
    if let Some(s) = o.get("status").and_then(Value::as_str) {
        out.push(Capability {
            path: prefix.to_string(),
            status: s.to_ascii_uppercase(),
        });
    }
    for (k, child) in o.iter().filter(|(_, c)| c.is_object()) {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        capabilities(&p, child, out, depth + 1);
    }
}

pub fn read_app_features(v: &Value) -> Vec<AppFeature> {
    v.as_array()
        .map(|a| a.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|f| {
            let mut caps = Vec::new();
            if let Some(c) = get(f, "capabilities") {
                capabilities("", c, &mut caps, 0);
            }
            Some(AppFeature {
                name: text(f, "name")?,
                status: text(f, "status").map(|s| s.to_ascii_uppercase()),
                capabilities: caps,
            })
        })
        .collect()
}

/// An Okta app (`GET /api/v1/apps` or `/api/v1/apps/{appId}`): what matters for
/// provisioning is its status and its `features` list (PUSH_NEW_USERS...).
#[derive(Debug, Clone, Serialize)]
pub struct OktaApp {
    pub id: String,
    pub name: Option<String>,
    pub label: Option<String>,
    pub status: Option<String>,
    pub sign_on_mode: Option<String>,
    pub features: Vec<String>,
}

impl OktaApp {
    pub fn title(&self) -> String {
        self.label
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| self.id.clone())
    }
}

fn is_app(v: &Value) -> bool {
    get(v, "signOnMode").is_some() && get(v, "id").is_some() && get(v, "label").is_some()
}

/// One app or a list of apps.
pub fn is_apps(v: &Value) -> bool {
    is_app(v) || first(v).is_some_and(is_app)
}

pub fn read_apps(v: &Value) -> Vec<OktaApp> {
    let items: Vec<&Value> = match v.as_array() {
        Some(a) => a.iter().collect(),
        None => vec![v],
    };
    items
        .into_iter()
        .filter_map(|a| {
            Some(OktaApp {
                id: text(a, "id")?,
                name: text(a, "name"),
                label: text(a, "label"),
                status: text(a, "status").map(|s| s.to_ascii_uppercase()),
                sign_on_mode: text(a, "signOnMode"),
                features: arr(a, "features")
                    .iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect(),
            })
        })
        .collect()
}

/// One app user (`GET /api/v1/apps/{appId}/users/{userId}`), not in a list.
pub fn is_single_app_user(v: &Value) -> bool {
    v.is_object()
        && get(v, "id").is_some()
        && get(v, "signOnMode").is_none()
        && (get(v, "syncState").is_some()
            || (get(v, "scope").is_some()
                && get(v, "status").is_some()
                && get(v, "credentials").is_some()))
}
