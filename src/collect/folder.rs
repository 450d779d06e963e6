//! A collected folder given where a file is expected (`--idp-config DIR`): every file in it
//! is recognised by its shape and stands for the flag that reads that shape, so the run is
//! the same as with the files given one by one.

use crate::idpconfig::{job, okta, schema};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Expanded {
    /// Read as `--idp-config`.
    pub idp_config: Vec<PathBuf>,
    /// Read as `--idp-users` (a Graph /users document).
    pub idp_users: Vec<PathBuf>,
    /// Read as `--provisioning-logs`.
    pub provisioning_logs: Vec<PathBuf>,
    /// Files no check reads (the manifest, the app, assignments), with what they are.
    pub skipped: Vec<(PathBuf, String)>,
}

fn first_value(v: &Value) -> Option<&Value> {
    v.get("value")?.as_array()?.iter().find(|x| x.is_object())
}

fn context(v: &Value) -> String {
    v.get("@odata.context")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Graph provisioning logs (`provisioningObjectSummary` list).
pub fn is_graph_provisioning_logs(v: &Value) -> bool {
    context(v).contains("auditlogs/provisioning")
        || first_value(v).is_some_and(|r| {
            r.get("provisioningAction").is_some() || r.get("provisioningStatusInfo").is_some()
        })
}

/// A Graph list of users (`/users`, or the user members of a group).
pub fn is_graph_users(v: &Value) -> bool {
    let c = context(v);
    (v.get("value").is_some_and(Value::is_array)
        && (c.contains("#users") || c.contains("microsoft.graph.user")))
        || first_value(v).is_some_and(|u| u.get("userPrincipalName").is_some())
}

/// What a file is, from its bytes; `None` when no check reads that shape.
pub fn classify(name: &str, bytes: &[u8]) -> Result<Option<crate::collect::Role>, String> {
    use crate::collect::Role;
    let text = crate::input::decode(bytes).map_err(|e| format!("{name}: {e}"))?;
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return Ok(okta::is_log_csv(&text).then_some(Role::IdpConfig));
    }
    let Ok(parsed) = crate::idpconfig::lenient::parse(&text) else {
        return Err(format!("{name}: not valid JSON"));
    };
    let v = parsed.value;
    if v.get("artifacts").is_some() && v.get("idp").is_some() {
        return Ok(None); // manifest.json
    }
    if schema::looks_like(&v)
        || job::looks_like(&v)
        || okta::is_log(&v)
        || okta::is_push_mappings(&v)
        || okta::is_app_users(&v)
        || okta::is_app_groups(&v)
    {
        return Ok(Some(Role::IdpConfig));
    }
    if is_graph_provisioning_logs(&v) {
        return Ok(Some(Role::ProvisioningLogs));
    }
    if is_graph_users(&v) {
        return Ok(Some(Role::IdpUsers));
    }
    Ok(None)
}

/// Every file of `dir` (not its subfolders), sorted by name, sorted into the flags.
pub fn expand(dir: &Path) -> Result<Expanded, String> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    let mut out = Expanded::default();
    for p in names {
        let bytes = std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let name = p.display().to_string();
        match classify(&name, &bytes)? {
            Some(crate::collect::Role::IdpConfig) => out.idp_config.push(p),
            Some(crate::collect::Role::IdpUsers) => out.idp_users.push(p),
            Some(crate::collect::Role::ProvisioningLogs) => out.provisioning_logs.push(p),
            Some(crate::collect::Role::Context) | None => {
                out.skipped.push((p, "no check reads this shape".into()))
            }
        }
    }
    if out.idp_users.len() > 1 {
        return Err(format!(
            "the folder {} holds {} user exports ({}); --idp-users takes one",
            dir.display(),
            out.idp_users.len(),
            out.idp_users
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::Role;

    #[test]
    fn shapes_pick_the_flag() {
        let c = |s: &str| classify("x", s.as_bytes()).unwrap();
        assert_eq!(
            c(
                r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#auditLogs/provisioning","value":[]}"#
            ),
            Some(Role::ProvisioningLogs)
        );
        assert_eq!(
            c(r#"{"value":[{"id":"1","userPrincipalName":"a@b.test"}]}"#),
            Some(Role::IdpUsers)
        );
        assert_eq!(
            c(r#"[{"eventType":"application.provision.user.push","target":[]}]"#),
            Some(Role::IdpConfig)
        );
        assert_eq!(c(r#"{"id":"0oa1","label":"App","name":"x"}"#), None);
        assert_eq!(c(r#"{"idp":"okta","artifacts":[]}"#), None);
    }
}
