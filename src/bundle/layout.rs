//! The snapshot-directory layout written under `snapshot/` in a bundle (common brief):
//! `snapshot.json`, `users.ndjson`, `groups.ndjson`, `discovery/*.json`, `requests.jsonl`.
//! Interim copy: the fetch work's `source::snapshot::to_files` / `from_files` replace it
//! once they land on main.

use crate::model::{parse_group, parse_user, Tenant};
use crate::source::http::TranscriptEntry;
use serde_json::{json, Value};

pub const FORMAT_VERSION: &str = "1";

fn ndjson(values: impl Iterator<Item = Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        out.extend_from_slice(v.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

pub fn to_files(tenant: &Tenant, transcript: &[TranscriptEntry]) -> Vec<(String, Vec<u8>)> {
    let meta = json!({
        "format_version": FORMAT_VERSION,
        "label": tenant.label,
        "fetched_at": crate::util::now_rfc3339(),
        "completeness": tenant.completeness,
        "counts": { "users": tenant.users.len(), "groups": tenant.groups.len() },
    });
    let mut files = vec![
        (
            "snapshot.json".to_string(),
            serde_json::to_vec_pretty(&meta).unwrap_or_default(),
        ),
        (
            "users.ndjson".to_string(),
            ndjson(tenant.users.iter().map(|u| u.to_scim())),
        ),
        (
            "groups.ndjson".to_string(),
            ndjson(tenant.groups.iter().map(|g| g.to_scim())),
        ),
    ];
    let d = &tenant.discovery;
    for (name, v) in [
        ("ServiceProviderConfig", &d.service_provider_config),
        ("Schemas", &d.schemas),
        ("ResourceTypes", &d.resource_types),
    ] {
        if let Some(v) = v {
            files.push((
                format!("discovery/{name}.json"),
                serde_json::to_vec_pretty(v).unwrap_or_default(),
            ));
        }
    }
    files.push((
        "requests.jsonl".to_string(),
        ndjson(
            transcript
                .iter()
                .filter_map(|e| serde_json::to_value(e).ok()),
        ),
    ));
    files
}

pub fn from_files(label: &str, read: &dyn Fn(&str) -> Option<Vec<u8>>) -> anyhow::Result<Tenant> {
    let mut tenant = Tenant::new(label);
    if let Some(meta) = read("snapshot.json") {
        let meta: Value = serde_json::from_slice(&meta)
            .map_err(|e| anyhow::anyhow!("snapshot.json is not valid JSON: {e}"))?;
        if let Some(c) = meta.get("completeness") {
            if let Ok(c) = serde_json::from_value(c.clone()) {
                tenant.completeness = c;
            }
        }
    }
    let users = read("users.ndjson");
    let groups = read("groups.ndjson");
    if users.is_none() && groups.is_none() {
        anyhow::bail!("no users.ndjson or groups.ndjson: not a scim-doctor snapshot");
    }
    for (file, bytes, is_user) in [
        ("users.ndjson", users, true),
        ("groups.ndjson", groups, false),
    ] {
        let Some(bytes) = bytes else { continue };
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let pos = format!("{file} line {}", i + 1);
            let value: Value = serde_json::from_str(line)
                .map_err(|e| anyhow::anyhow!("{pos} is not valid JSON: {e}"))?;
            if is_user {
                match parse_user(value, &pos) {
                    Ok(u) => tenant.users.push(u),
                    Err(e) => tenant.parse_issues.push(e),
                }
            } else {
                match parse_group(value, &pos) {
                    Ok(g) => tenant.groups.push(g),
                    Err(e) => tenant.parse_issues.push(e),
                }
            }
        }
    }
    let disc = |name: &str| {
        read(&format!("discovery/{name}.json")).and_then(|b| serde_json::from_slice(&b).ok())
    };
    tenant.discovery.service_provider_config = disc("ServiceProviderConfig");
    tenant.discovery.schemas = disc("Schemas");
    tenant.discovery.resource_types = disc("ResourceTypes");
    Ok(tenant)
}
