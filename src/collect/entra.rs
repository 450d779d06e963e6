//! `collect entra`: the service principal, its synchronization jobs and each job's schema,
//! its provisioning logs in the window, its app role assignments, and the assigned users and
//! the transitive members of the assigned groups, from Microsoft Graph (v1.0, GET only; the
//! one POST is the OAuth client-credentials token request).
//!
//! Paging follows `@odata.nextLink` to the end; 429, 503 and 504 wait for `Retry-After`.

pub use super::graph_token::{aadsts, client_credentials, Credential, PERMISSIONS};
use super::graph_users::{graph_property, schema_attributes, STANDARD_SELECT};
use super::{enc, zulu, Folder, GetError, Manifest, Role, Session};
use serde_json::{json, Map, Value};

pub struct Request<'a> {
    /// What `--app` said: a display name, an appId or the service principal's object id.
    pub app: &'a str,
    pub since: time::OffsetDateTime,
    pub until: time::OffsetDateTime,
}

#[derive(Debug)]
pub struct Fatal(pub String);

/// The Graph error with what to do about it; `permission` is what this read needs.
pub fn explain(e: &GetError, permission: &str) -> String {
    match e.status() {
        Some(401) => format!(
            "{} — the token was refused: it is expired, or not for {}; get a new one (GRAPH_TOKEN) or check AZURE_TENANT_ID / AZURE_CLIENT_ID",
            e.describe(),
            "Microsoft Graph"
        ),
        Some(403) => format!(
            "{} — missing application permission {permission}: add it to the app registration and grant admin consent (see docs/collect.md)",
            e.describe()
        ),
        _ => e.describe(),
    }
}

fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// GET every page: `{"@odata.context": first page's, "value": [every page's values]}`.
async fn list(s: &mut Session<'_>, first: &str) -> Result<(Value, usize), GetError> {
    let mut all = Vec::new();
    let mut context = None;
    let mut url = first.to_string();
    let mut pages = 0;
    loop {
        let resp = s.get(&url).await?;
        if !(200..300).contains(&resp.status) {
            return Err(s.error(&resp));
        }
        pages += 1;
        let Some(Value::Object(mut body)) = resp.json() else {
            return Err(GetError::Status {
                status: resp.status,
                code: None,
                message: "the answer is not a JSON object".into(),
            });
        };
        if context.is_none() {
            context = body.remove("@odata.context");
        }
        if let Some(Value::Array(v)) = body.remove("value") {
            all.extend(v);
        }
        match body.get("@odata.nextLink").and_then(Value::as_str) {
            Some(next) if next != url => url = next.to_string(),
            _ => break,
        }
    }
    let mut out = Map::new();
    if let Some(c) = context {
        out.insert("@odata.context".into(), c);
    }
    out.insert("value".into(), Value::Array(all));
    Ok((Value::Object(out), pages))
}

async fn get_one(s: &mut Session<'_>, url: &str) -> Result<Value, GetError> {
    let resp = s.get(url).await?;
    if !(200..300).contains(&resp.status) {
        return Err(s.error(&resp));
    }
    resp.json().ok_or(GetError::Status {
        status: resp.status,
        code: None,
        message: "the answer is not JSON".into(),
    })
}

fn values(v: &Value) -> Vec<Value> {
    v.get("value")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn text<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

/// OData string literal: single quotes doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

async fn find_sp(s: &mut Session<'_>, wanted: &str) -> Result<Value, Fatal> {
    let perm = "Application.Read.All";
    let fatal = |e: &GetError| {
        Fatal(format!(
            "reading the service principal: {}",
            explain(e, perm)
        ))
    };
    let select = "$select=id,appId,displayName,servicePrincipalType,tags";
    if is_guid(wanted) {
        let url = s.url(&format!("servicePrincipals/{wanted}?{select}"));
        match get_one(s, &url).await {
            Ok(v) => return Ok(v),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(fatal(&e)),
        }
        let url = s.url(&format!(
            "servicePrincipals?$filter={}&{select}",
            enc(&format!("appId eq {}", lit(wanted)))
        ));
        let (v, _) = list(s, &url).await.map_err(|e| fatal(&e))?;
        if let Some(sp) = values(&v).into_iter().next() {
            return Ok(sp);
        }
        return Err(Fatal(format!(
            "no service principal has the object id or appId {wanted} in this tenant"
        )));
    }
    let url = s.url(&format!(
        "servicePrincipals?$filter={}&{select}",
        enc(&format!("displayName eq {}", lit(wanted)))
    ));
    let (v, _) = list(s, &url).await.map_err(|e| fatal(&e))?;
    let found = values(&v);
    match found.len() {
        1 => Ok(found[0].clone()),
        0 => {
            let url = s.url("servicePrincipals?$select=id,appId,displayName&$top=999");
            let names: Vec<String> = match list(s, &url).await {
                Ok((v, _)) => values(&v)
                    .iter()
                    .filter_map(|x| text(x, "displayName").map(str::to_string))
                    .collect(),
                Err(_) => Vec::new(),
            };
            let close = super::closest(wanted, &names, 5);
            Err(Fatal(if close.is_empty() {
                format!(
                    "no service principal is named `{}`",
                    crate::util::quote(wanted, 80)
                )
            } else {
                format!(
                    "no service principal is named `{}`; the closest names: {}",
                    crate::util::quote(wanted, 80),
                    close.join(", ")
                )
            }))
        }
        n => Err(Fatal(format!(
            "{n} service principals are named `{}`; give the object id or appId with --app: {}",
            crate::util::quote(wanted, 80),
            found
                .iter()
                .map(|x| format!(
                    "{} (appId {})",
                    text(x, "id").unwrap_or("?"),
                    text(x, "appId").unwrap_or("?")
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ))),
    }
}

/// A directory object that is a user (`@odata.type`, or a user's own property without it).
fn is_user(v: &Value) -> bool {
    match text(v, "@odata.type") {
        Some(t) => t.eq_ignore_ascii_case("#microsoft.graph.user"),
        None => v.get("userPrincipalName").is_some(),
    }
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Collects everything into `out`; returns the folder with its manifest written.
pub async fn collect(
    s: &mut Session<'_>,
    req: &Request<'_>,
    out: &std::path::Path,
) -> Result<Folder, Fatal> {
    s.progress("entra: finding the service principal");
    let sp = find_sp(s, req.app).await?;
    let id = text(&sp, "id")
        .ok_or_else(|| Fatal("the service principal has no id".into()))?
        .to_string();
    let manifest = Manifest::start(
        "entra",
        s,
        json!({"id": id, "appId": sp.get("appId"), "displayName": sp.get("displayName")}),
        req.since,
        req.until,
    );
    let mut folder = Folder::create(out, manifest).map_err(Fatal)?;
    let sp_url = s.url(&format!("servicePrincipals/{id}"));
    folder
        .write(
            "entra-service-principal.json",
            "the service principal",
            Role::Context,
            &sp_url,
            &sp,
            1,
        )
        .map_err(Fatal)?;
    let fail =
        |folder: &mut Folder, s: &Session<'_>, what: &str, url: &str, e: &GetError, perm: &str| {
            let reason = explain(e, perm);
            s.progress(&format!("entra: {what} not readable: {reason}"));
            folder.not_readable(what, url, e, reason);
        };

    // Synchronization jobs, then each job's schema.
    s.progress("entra: reading the synchronization jobs");
    let url = s.url(&format!("servicePrincipals/{id}/synchronization/jobs"));
    let mut attributes: Vec<String> = Vec::new();
    match list(s, &url).await {
        Ok((jobs, pages)) => {
            folder
                .write(
                    "entra-sync-jobs.json",
                    "synchronization jobs",
                    Role::IdpConfig,
                    &url,
                    &jobs,
                    pages,
                )
                .map_err(Fatal)?;
            for job in values(&jobs) {
                let Some(job_id) = text(&job, "id") else {
                    continue;
                };
                let url = s.url(&format!(
                    "servicePrincipals/{id}/synchronization/jobs/{}/schema",
                    enc(job_id)
                ));
                s.progress(&format!("entra: reading the schema of job {job_id}"));
                match get_one(s, &url).await {
                    Ok(schema) => {
                        attributes.extend(schema_attributes(&schema));
                        folder
                            .write(
                                &format!("entra-sync-schema-{}.json", file_safe(job_id)),
                                &format!("synchronization schema of job {job_id}"),
                                Role::IdpConfig,
                                &url,
                                &schema,
                                1,
                            )
                            .map_err(Fatal)?;
                    }
                    Err(e) => fail(
                        &mut folder,
                        s,
                        "synchronization schema",
                        &url,
                        &e,
                        "Synchronization.Read.All",
                    ),
                }
            }
        }
        Err(e) => fail(
            &mut folder,
            s,
            "synchronization jobs",
            &url,
            &e,
            "Synchronization.Read.All",
        ),
    }

    // Provisioning logs of this service principal in the window.
    s.progress("entra: reading the provisioning logs");
    let filter = format!(
        "servicePrincipal/id eq {} and activityDateTime ge {} and activityDateTime le {}",
        lit(&id),
        zulu(req.since),
        zulu(req.until)
    );
    let url = s.url(&format!(
        "auditLogs/provisioning?$filter={}&$top=500",
        enc(&filter)
    ));
    match list(s, &url).await {
        Ok((mut logs, pages)) => {
            let all = values(&logs);
            let total = all.len();
            let kept: Vec<Value> = all
                .into_iter()
                .filter(|e| {
                    e.get("servicePrincipal")
                        .and_then(|p| p.get("id"))
                        .and_then(Value::as_str)
                        == Some(id.as_str())
                })
                .collect();
            if kept.len() < total {
                folder.manifest.notes.push(format!(
                    "provisioning logs: {} entries of another service principal were dropped",
                    total - kept.len()
                ));
            }
            logs["value"] = Value::Array(kept);
            folder
                .write(
                    "entra-provisioning-logs.json",
                    "provisioning logs of the service principal",
                    Role::ProvisioningLogs,
                    &url,
                    &logs,
                    pages,
                )
                .map_err(Fatal)?;
        }
        Err(e) => fail(
            &mut folder,
            s,
            "provisioning logs",
            &url,
            &e,
            "AuditLog.Read.All",
        ),
    }

    // App role assignments, then the users they reach.
    s.progress("entra: reading the app role assignments");
    let url = s.url(&format!(
        "servicePrincipals/{id}/appRoleAssignedTo?$top=999"
    ));
    let assignments = match list(s, &url).await {
        Ok((a, pages)) => {
            folder
                .write(
                    "entra-app-role-assignments.json",
                    "app role assignments (users and groups)",
                    Role::Context,
                    &url,
                    &a,
                    pages,
                )
                .map_err(Fatal)?;
            Some(values(&a))
        }
        Err(e) => {
            fail(
                &mut folder,
                s,
                "app role assignments",
                &url,
                &e,
                "Application.Read.All",
            );
            None
        }
    };
    if let Some(assignments) = assignments {
        let mut select: Vec<String> = STANDARD_SELECT.iter().map(|s| s.to_string()).collect();
        let mut unreadable = Vec::new();
        for a in &attributes {
            match graph_property(a) {
                Some(p) => select.push(p),
                None => unreadable.push(a.clone()),
            }
        }
        select.sort();
        select.dedup();
        if !unreadable.is_empty() {
            folder.manifest.notes.push(format!(
                "schema attributes not read from /users (computed or not a user property): {}",
                unreadable.join(", ")
            ));
        }
        let sel = select.join(",");
        let mut users: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let user_ids: Vec<String> = assignments
            .iter()
            .filter(|a| text(a, "principalType") == Some("User"))
            .filter_map(|a| text(a, "principalId").map(str::to_string))
            .collect();
        let mut user_pages = 0;
        let mut first_url = None;
        let mut gone = 0;
        // One GET per directly assigned user (GET /users/{id} is the one form every Graph
        // answers; assignments through groups are read by group below).
        for uid in &user_ids {
            if !seen.insert(uid.clone()) {
                continue;
            }
            let url = s.url(&format!("users/{}?$select={sel}", enc(uid)));
            first_url.get_or_insert(url.clone());
            if users.len().is_multiple_of(50) {
                s.progress(&format!(
                    "entra: reading assigned users ({} of {})",
                    users.len(),
                    user_ids.len()
                ));
            }
            match get_one(s, &url).await {
                Ok(u) => {
                    users.push(u);
                    user_pages += 1;
                }
                Err(e) if e.status() == Some(404) => gone += 1,
                Err(e) => {
                    fail(&mut folder, s, "assigned users", &url, &e, "User.Read.All");
                    break;
                }
            }
        }
        if gone > 0 {
            folder.manifest.notes.push(format!(
                "{gone} assigned users no longer exist (404): their assignments are left over"
            ));
        }
        for g in assignments
            .iter()
            .filter(|a| text(a, "principalType") == Some("Group"))
        {
            let Some(gid) = text(g, "principalId") else {
                continue;
            };
            let url = s.url(&format!(
                "groups/{}/transitiveMembers?$select={sel}&$top=999",
                enc(gid)
            ));
            first_url.get_or_insert(url.clone());
            s.progress(&format!(
                "entra: reading the members of group {}",
                text(g, "principalDisplayName").unwrap_or(gid)
            ));
            match list(s, &url).await {
                Ok((v, p)) => {
                    user_pages += p;
                    // Transitive members are users, groups, devices and service principals:
                    // only users are provisioned.
                    for u in values(&v).into_iter().filter(is_user) {
                        if seen.insert(text(&u, "id").unwrap_or("").to_string()) {
                            users.push(u);
                        }
                    }
                }
                Err(e) => fail(
                    &mut folder,
                    s,
                    "members of an assigned group",
                    &url,
                    &e,
                    "GroupMember.Read.All",
                ),
            }
        }
        let doc = json!({
            "@odata.context": format!("{}/$metadata#users({sel})", s.client.endpoint.base_url.as_str().trim_end_matches('/')),
            "value": users,
        });
        folder
            .write(
                "entra-users.json",
                "assigned users and the transitive members of assigned groups",
                Role::IdpUsers,
                first_url.as_deref().unwrap_or(&s.url("users")),
                &doc,
                user_pages,
            )
            .map_err(Fatal)?;
    }
    let requests = s.requests;
    folder.finish(requests).map_err(Fatal)?;
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_attributes_read_mappings_functions_and_scope() {
        let schema = json!({"synchronizationRules": [{"objectMappings": [{
            "sourceObjectName": "User",
            "attributeMappings": [
                {"source": {"type": "Attribute", "name": "userPrincipalName"}},
                {"source": {"type": "Function", "name": "Join", "parameters": [
                    {"key": "source", "value": {"type": "Attribute", "name": "extension_abc_costCenter"}}]}}
            ],
            "scope": {"categoryFilterGroups": [{"clauses": [{"sourceOperandName": "department"}]}]}
        }, {"sourceObjectName": "Group", "attributeMappings": [
            {"source": {"type": "Attribute", "name": "description"}}]}]}]});
        assert_eq!(
            schema_attributes(&schema),
            vec![
                "department",
                "extension_abc_costCenter",
                "userPrincipalName"
            ]
        );
        assert_eq!(graph_property("mobile").as_deref(), Some("mobilePhone"));
        assert_eq!(graph_property("IsSoftDeleted"), None);
    }

    #[test]
    fn guids_are_told_from_names() {
        assert!(is_guid("6f1c0b8e-4a4e-4a4c-9d1e-2b7f1c0e9a11"));
        assert!(!is_guid("Salesforce"));
    }
}
