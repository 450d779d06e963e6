//! The bundled demo tenant: `fixtures/demo-tenant/Users.json` and `Groups.json` (SCIM
//! ListResponses, one resource per line so diffs stay readable), embedded in the binary for
//! `serve --demo` and `demo`, and the writer that produces them from the generator.

use super::{generate, DEMO_SEED, DEMO_USERS};
use crate::model::{parse_group, parse_list_or_array, parse_user, Tenant, LIST_RESPONSE_SCHEMA};
use anyhow::Context;
use serde_json::Value;
use std::path::Path;

pub const USERS_JSON: &[u8] = include_bytes!("../../fixtures/demo-tenant/Users.json");
pub const GROUPS_JSON: &[u8] = include_bytes!("../../fixtures/demo-tenant/Groups.json");

/// A ListResponse holding every resource, one resource per line.
pub fn list_response(resources: &[Value]) -> Vec<u8> {
    let mut out = format!(
        "{{\"schemas\":[\"{LIST_RESPONSE_SCHEMA}\"],\"totalResults\":{n},\"itemsPerPage\":{n},\"startIndex\":1,\"Resources\":[\n",
        n = resources.len()
    )
    .into_bytes();
    for (i, r) in resources.iter().enumerate() {
        out.extend_from_slice(r.to_string().as_bytes());
        out.extend_from_slice(if i + 1 < resources.len() {
            b",\n"
        } else {
            b"\n"
        });
    }
    out.extend_from_slice(b"]}\n");
    out
}

/// `(Users.json, Groups.json)` for a tenant.
pub fn files(tenant: &Tenant) -> (Vec<u8>, Vec<u8>) {
    let users: Vec<Value> = tenant.users.iter().map(|u| u.to_scim()).collect();
    let groups: Vec<Value> = tenant.groups.iter().map(|g| g.to_scim()).collect();
    (list_response(&users), list_response(&groups))
}

/// The bundled demo tenant's files, regenerated (what the fixture must equal).
pub fn demo_files() -> (Vec<u8>, Vec<u8>) {
    files(&generate(DEMO_USERS, DEMO_SEED))
}

/// Writes `Users.json` and `Groups.json` for `tenant` into `dir` (created if missing).
pub fn write(tenant: &Tenant, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (users, groups) = files(tenant);
    for (name, bytes) in [("Users.json", users), ("Groups.json", groups)] {
        let path = dir.join(name);
        crate::util::write_output(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The bundled demo tenant, parsed from the embedded fixture.
pub fn demo_tenant() -> anyhow::Result<Tenant> {
    let mut tenant = Tenant::new("demo");
    let users: Value =
        serde_json::from_slice(USERS_JSON).context("the embedded demo Users.json is not JSON")?;
    let groups: Value =
        serde_json::from_slice(GROUPS_JSON).context("the embedded demo Groups.json is not JSON")?;
    for (i, v) in parse_list_or_array(users)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .enumerate()
    {
        // The model cannot tell `"emails": []` from no emails; keep the raw form so the
        // server serves exactly what the fixture holds.
        let empty_list = v
            .get("emails")
            .is_some_and(|e| e.as_array().is_some_and(|a| a.is_empty()));
        match parse_user(v, &format!("demo Users.json item {i}")) {
            Ok(mut u) => {
                if empty_list {
                    u.extra
                        .get_or_insert_with(Default::default)
                        .insert("emails", Value::Array(Vec::new()));
                }
                tenant.users.push(u)
            }
            Err(e) => tenant.parse_issues.push(e),
        }
    }
    for (i, v) in parse_list_or_array(groups)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .enumerate()
    {
        match parse_group(v, &format!("demo Groups.json item {i}")) {
            Ok(g) => tenant.groups.push(g),
            Err(e) => tenant.parse_issues.push(e),
        }
    }
    Ok(tenant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fixture_equals_a_fresh_generation() {
        let (users, groups) = demo_files();
        assert!(
            users == USERS_JSON,
            "fixtures/demo-tenant/Users.json is stale: run `cargo run --example generate_demo_tenant`"
        );
        assert!(
            groups == GROUPS_JSON,
            "fixtures/demo-tenant/Groups.json is stale: run `cargo run --example generate_demo_tenant`"
        );
    }

    #[test]
    fn embedded_fixture_parses_back_to_the_same_json() {
        let tenant = demo_tenant().unwrap();
        assert!(tenant.parse_issues.is_empty());
        let (users, groups) = files(&tenant);
        // Compared as JSON values: the model may reorder keys inside a resource.
        let json = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
        assert!(
            json(&users) == json(USERS_JSON),
            "parsing the demo users loses or changes data"
        );
        assert!(
            json(&groups) == json(GROUPS_JSON),
            "parsing the demo groups loses or changes data"
        );
    }
}
