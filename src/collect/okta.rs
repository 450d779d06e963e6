//! `collect okta`: the app, its features, app users, app groups, group push mappings and the
//! System Log events whose target is the app, from the Okta management API (GET only).
//!
//! Paging follows `Link: <...>; rel="next"`. The System Log is asked with both `since` and
//! `until` (now), so its next link ends; a page that is empty, or whose events reach the
//! window's end, stops it all the same (without `until` the next link is a polling stream
//! that never ends). `X-Rate-Limit-Remaining: 0` waits for `X-Rate-Limit-Reset`; a 429
//! (E0000047) waits and tries again.

use super::{enc, zulu, Folder, GetError, Manifest, Role, Session};
use serde_json::{json, Value};

pub const SCOPES: [&str; 4] = [
    "okta.apps.read",
    "okta.logs.read",
    "okta.users.read",
    "okta.groups.read",
];

pub struct Request<'a> {
    /// What `--app` said: an app id (`0oa...`) or a label.
    pub app: &'a str,
    pub since: time::OffsetDateTime,
    pub until: time::OffsetDateTime,
}

/// Why the collection could not start or had to stop.
#[derive(Debug)]
pub struct Fatal(pub String);

/// The `Link` header's `rel="next"` URL, if any.
pub fn next_link(resp: &crate::source::http::Response) -> Option<String> {
    for v in resp.headers.get_all("link") {
        let Ok(text) = v.to_str() else { continue };
        for part in text.split(',') {
            let mut pieces = part.split(';');
            let target = pieces.next().unwrap_or("").trim();
            let is_next = pieces.any(|p| {
                let p = p.trim().to_ascii_lowercase().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_string());
            }
        }
    }
    None
}

/// An error of Okta's, with what to do about it.
pub fn explain(e: &GetError, scope: &str) -> String {
    match e.code() {
        Some("E0000011") => format!(
            "{} — the token is not valid (E0000011: expired, revoked, or for another org): create a new API token (Security > API > Tokens) or a new access token, and check --org",
            e.describe()
        ),
        Some("E0000006") => format!(
            "{} — the token lacks a permission (E0000006): this read needs the scope {scope}; grant the service app okta.apps.read, okta.logs.read, okta.users.read and okta.groups.read, or use an API token of a read-only admin",
            e.describe()
        ),
        Some("E0000047") => format!(
            "{} — rate limited (E0000047) longer than the tool waits: run again later or lower the API's other load",
            e.describe()
        ),
        _ if e.status() == Some(401) => format!(
            "{} — the credentials were refused: check OKTA_API_TOKEN (sent as SSWS) or OKTA_ACCESS_TOKEN (sent as Bearer) and --org",
            e.describe()
        ),
        _ if e.status() == Some(403) => format!(
            "{} — not allowed: this read needs the scope {scope} (or an admin role that can read it)",
            e.describe()
        ),
        _ => e.describe(),
    }
}

/// GET every page of a list; `stop` sees each page and says when the list is complete.
async fn list(
    s: &mut Session<'_>,
    first: &str,
    mut stop: impl FnMut(&[Value]) -> bool,
) -> Result<(Vec<Value>, usize), GetError> {
    let mut all = Vec::new();
    let mut url = first.to_string();
    let mut pages = 0;
    loop {
        let resp = s.get(&url).await?;
        if !(200..300).contains(&resp.status) {
            return Err(s.error(&resp));
        }
        pages += 1;
        let page = match resp.json() {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(GetError::Status {
                    status: resp.status,
                    code: None,
                    message: "the answer is not a JSON array".into(),
                })
            }
        };
        let empty = page.is_empty();
        let done = stop(&page);
        all.extend(page);
        let Some(next) = next_link(&resp) else { break };
        if empty || done || next == url {
            break;
        }
        url = next;
    }
    Ok((all, pages))
}

/// Could be an app id: Okta ids are 20 characters starting `0oa`, but anything without a
/// space or a character that needs escaping in a path is tried as an id first (one GET).
fn may_be_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn label(app: &Value) -> String {
    app.get("label")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Finds the app by id, or by label (exact, case-insensitive; several matches or none are
/// an error that lists the candidates).
async fn find_app(s: &mut Session<'_>, wanted: &str) -> Result<Value, Fatal> {
    let fatal = |e: &GetError| Fatal(format!("reading the app: {}", explain(e, "okta.apps.read")));
    if may_be_id(wanted) {
        let url = s.url(&format!("api/v1/apps/{wanted}"));
        let resp = s.get(&url).await.map_err(|e| fatal(&e))?;
        if resp.status == 200 {
            return resp
                .json()
                .ok_or_else(|| Fatal("the app's answer is not JSON".into()));
        }
        let e = s.error(&resp);
        if resp.status != 404 {
            return Err(fatal(&e));
        }
    }
    let url = s.url(&format!("api/v1/apps?q={}&limit=200", enc(wanted)));
    let (found, _) = list(s, &url, |_| false).await.map_err(|e| fatal(&e))?;
    let folded = crate::util::fold_name(wanted);
    let exact: Vec<&Value> = found
        .iter()
        .filter(|a| {
            label(a).eq_ignore_ascii_case(wanted)
                || a.get("id").and_then(Value::as_str) == Some(wanted)
        })
        .collect();
    let exact: Vec<&Value> = if exact.is_empty() {
        found
            .iter()
            .filter(|a| crate::util::fold_name(&label(a)) == folded)
            .collect()
    } else {
        exact
    };
    match exact.len() {
        1 => Ok(exact[0].clone()),
        0 => {
            // Close labels: q= matches the start of a label or name only, so a typo needs the
            // whole list (a few pages at most).
            let all_url = s.url("api/v1/apps?limit=200");
            let mut pages = 0;
            let (all, _) = list(s, &all_url, |_| {
                pages += 1;
                pages >= 5
            })
            .await
            .map_err(|e| fatal(&e))?;
            let labels: Vec<String> = all.iter().map(label).filter(|l| !l.is_empty()).collect();
            let close = super::closest(wanted, &labels, 5);
            Err(Fatal(if close.is_empty() {
                format!("no app with the id or label `{}` (E0000007 not found), and the org lists no apps this token can read", crate::util::quote(wanted, 80))
            } else {
                format!(
                    "no app with the id or label `{}` (E0000007 not found); the closest labels: {}",
                    crate::util::quote(wanted, 80),
                    close.join(", ")
                )
            }))
        }
        _ => Err(Fatal(format!(
            "{} apps are labelled `{}`; give the id with --app: {}",
            exact.len(),
            crate::util::quote(wanted, 80),
            exact
                .iter()
                .map(|a| format!(
                    "{} ({}, {})",
                    a.get("id").and_then(Value::as_str).unwrap_or("?"),
                    label(a),
                    a.get("status").and_then(Value::as_str).unwrap_or("?")
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

/// True when the event names `app_id` among its targets.
pub fn targets_app(e: &Value, app_id: &str) -> bool {
    e.get("target").and_then(Value::as_array).is_some_and(|ts| {
        ts.iter()
            .any(|t| t.get("id").and_then(Value::as_str) == Some(app_id))
    })
}

/// Collects everything into `folder`; returns it with its manifest written.
pub async fn collect(
    s: &mut Session<'_>,
    req: &Request<'_>,
    out: &std::path::Path,
) -> Result<Folder, Fatal> {
    s.progress("okta: finding the app");
    let app = find_app(s, req.app).await?;
    let id = app
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Fatal("the app has no id".into()))?
        .to_string();
    let manifest = Manifest::start(
        "okta",
        s,
        json!({"id": id, "label": label(&app), "name": app.get("name")}),
        req.since,
        req.until,
    );
    let mut folder = Folder::create(out, manifest).map_err(Fatal)?;
    let app_url = s.url(&format!("api/v1/apps/{id}"));
    folder
        .write("okta-app.json", "the app", Role::Context, &app_url, &app, 1)
        .map_err(Fatal)?;

    // (file, what, role, path, scope)
    let lists: [(&str, &str, Role, String, &str); 4] = [
        (
            "okta-app-features.json",
            "the app's provisioning features",
            Role::Context,
            format!("api/v1/apps/{id}/features"),
            "okta.apps.read",
        ),
        (
            "okta-app-users.json",
            "app users",
            Role::IdpConfig,
            format!("api/v1/apps/{id}/users?limit=500"),
            "okta.apps.read (and okta.users.read for the users' profiles)",
        ),
        (
            "okta-app-groups.json",
            "app groups",
            Role::IdpConfig,
            format!("api/v1/apps/{id}/groups?limit=200"),
            "okta.apps.read (and okta.groups.read)",
        ),
        (
            "okta-group-push-mappings.json",
            "group push mappings",
            Role::IdpConfig,
            format!("api/v1/apps/{id}/group-push/mappings?limit=1000"),
            "okta.apps.read",
        ),
    ];
    for (file, what, role, path, scope) in lists {
        s.progress(&format!("okta: reading {what}"));
        let url = s.url(&path);
        match list(s, &url, |_| false).await {
            Ok((items, pages)) => folder
                .write(file, what, role, &url, &Value::Array(items), pages)
                .map_err(Fatal)?,
            Err(e) => {
                if e.code() == Some("E0000011") {
                    return Err(Fatal(explain(&e, scope)));
                }
                let reason = match (e.status(), file) {
                    (Some(400 | 404), "okta-app-features.json") => format!(
                        "{} — the app has no provisioning features (provisioning not enabled, or not a SCIM app)",
                        e.describe()
                    ),
                    (Some(400 | 401 | 404), "okta-group-push-mappings.json") => format!(
                        "{} — this org or app does not answer the group push mappings API",
                        e.describe()
                    ),
                    _ => explain(&e, scope),
                };
                s.progress(&format!("okta: {what} not readable: {reason}"));
                // After a bound is reached each remaining read fails at once (no request is
                // sent) and is listed too.
                folder.not_readable(what, &url, &e, reason);
            }
        }
    }

    // The System Log: target.id is the app; since..until (now), oldest first.
    s.progress("okta: reading the System Log");
    let filter = format!("target.id eq \"{id}\"");
    let until = zulu(req.until);
    let url = s.url(&format!(
        "api/v1/logs?since={}&until={}&filter={}&sortOrder=ASCENDING&limit=1000",
        enc(&zulu(req.since)),
        enc(&until),
        enc(&filter)
    ));
    let end = req.until;
    let reached_end = |page: &[Value]| {
        page.last()
            .and_then(|e| e.get("published"))
            .and_then(Value::as_str)
            .and_then(|p| {
                time::OffsetDateTime::parse(p, &time::format_description::well_known::Rfc3339).ok()
            })
            .is_some_and(|p| p >= end)
    };
    match list(s, &url, reached_end).await {
        Ok((events, pages)) => {
            let total = events.len();
            let kept: Vec<Value> = events.into_iter().filter(|e| targets_app(e, &id)).collect();
            if kept.len() < total {
                folder.manifest.notes.push(format!(
                    "System Log: {} events that do not name the app as a target were dropped",
                    total - kept.len()
                ));
            }
            folder
                .write(
                    "okta-system-log.json",
                    "System Log events with the app as target",
                    Role::IdpConfig,
                    &url,
                    &Value::Array(kept),
                    pages,
                )
                .map_err(Fatal)?;
        }
        Err(e) => {
            if e.code() == Some("E0000011") {
                return Err(Fatal(explain(&e, "okta.logs.read")));
            }
            let reason = explain(&e, "okta.logs.read");
            s.progress(&format!("okta: System Log not readable: {reason}"));
            folder.not_readable("System Log", &url, &e, reason);
        }
    }
    let requests = s.requests;
    folder.finish(requests).map_err(Fatal)?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_ids_are_told_from_labels() {
        assert!(may_be_id("0oa1gjh63g214q0Hq0g4"));
        assert!(may_be_id("0oa1scimapp"));
        assert!(!may_be_id("SASE SCIM"));
        assert!(!may_be_id("a/b"));
    }

    #[test]
    fn targets_app_reads_the_target_ids() {
        let e = json!({"target": [{"id": "00u1", "type": "User"}, {"id": "0oaA", "type": "AppInstance"}]});
        assert!(targets_app(&e, "0oaA"));
        assert!(!targets_app(&e, "0oaB"));
        assert!(!targets_app(&json!({}), "0oaA"));
    }
}
