//! Entry points for the coverage-guided fuzz targets in `fuzz/` and for the regression test
//! that replays every input those targets ever crashed on (`fuzz/regressions/<target>/`).
//! Each function feeds arbitrary bytes to one parser the tool exposes to untrusted input and
//! must return, whatever the bytes: a panic here is a bug.

use crate::archive::{read_entries, ReadLimits};
use crate::model::{parse_group, parse_list_or_array, parse_user};
use crate::scope::idp::IdpUser;
use std::collections::HashMap;

/// The fuzz target names, in the order the smoke run executes them.
pub const TARGETS: &[&str] = &[
    "scim_parse",
    "scope_filter",
    "provisioning_logs",
    "idp_import",
    "bundle_zip",
    "idp_config",
    "bundle_reader",
];

/// Runs target `name` on `data`; false for an unknown name.
pub fn run(name: &str, data: &[u8]) -> bool {
    match name {
        "scim_parse" => scim_parse(data),
        "scope_filter" => scope_filter(data),
        "provisioning_logs" => provisioning_logs(data),
        "idp_import" => idp_import(data),
        "bundle_zip" => bundle_zip(data),
        "idp_config" => idp_config(data),
        "bundle_reader" => bundle_reader(data),
        _ => return false,
    }
    true
}

/// SCIM resources and ListResponses as a server, or a hand-edited snapshot, may send them.
pub fn scim_parse(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(items) = parse_list_or_array(value) {
            for (i, item) in items.into_iter().enumerate() {
                if let Ok(u) = parse_user(item.clone(), "fuzz") {
                    let _ = u.has_attribute(
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                    );
                    let _ = u.has_attribute("name.givenName");
                    let _ = parse_user(u.to_scim(), "fuzz-roundtrip");
                }
                let _ = parse_group(item, &i.to_string());
            }
        }
    }
    // The same bytes as the NDJSON files of a snapshot.
    let _ = crate::source::snapshot::from_files("fuzz", &|name| match name {
        "users.ndjson" | "groups.ndjson" => Some(data.to_vec()),
        _ => None,
    });
}

fn sample_users() -> Vec<IdpUser> {
    let mut a = IdpUser::new("fuzz");
    a.set_text("userPrincipalName", "alice@contoso.com");
    a.set_text("department", "Sales");
    a.set_text("employeeId", "42");
    a.set_text("accountEnabled", "true");
    let mut b = IdpUser::new("fuzz");
    b.set_text("userPrincipalName", "bob@contoso.com");
    b.set_text("extensionAttribute1", "");
    vec![a, b, IdpUser::new("fuzz")]
}

/// Scoping filters (Graph JSON and the TOML form), parsed and evaluated against a few users:
/// an unknown operator or a bad regex must become a finding.
pub fn scope_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut filters = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(f) = crate::scope::parse::from_json("fuzz.json", &v) {
            filters.push(f);
        }
    }
    if let Ok(f) = crate::scope::parse::from_toml("fuzz.toml", text) {
        filters.push(f);
    }
    let users = sample_users();
    for f in &filters {
        let _ = f.issues();
        for u in &users {
            let _ = f.evaluate(u);
            let _ = f.decide(u);
        }
    }
}

/// Entra provisioning-log downloads (CSV trio, portal JSON, Graph JSON).
pub fn provisioning_logs(data: &[u8]) {
    if let Ok(inputs) =
        crate::logs::parse_files(&[("ProvisioningLogs.csv".to_string(), data.to_vec())])
    {
        let _ = crate::logs::summary_line(&inputs);
    }
}

/// IdP user exports (Entra CSV, Okta CSV, Graph /users JSON).
pub fn idp_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // An unknown extension dispatches on the content; the other parser is then forced by
    // name, so every input reaches both without parsing the same way twice.
    let _ = crate::scope::export::parse_users("users.export", text);
    let other = if crate::scope::export::looks_json(text) {
        "users.csv"
    } else {
        "users.json"
    };
    let _ = crate::scope::export::parse_users(other, text);
}

/// Bundle zips handed back for re-analysis: hostile archives must be refused cleanly.
pub fn bundle_zip(data: &[u8]) {
    // Small caps: libFuzzer's default RSS limit is 2 GB, and the cap logic is under test too.
    let limits = ReadLimits {
        max_entries: 64,
        max_total_bytes: 8 << 20,
    };
    if let Ok(entries) = read_entries(std::io::Cursor::new(data), limits, &|n| {
        n.starts_with("snapshot/")
    }) {
        let files: HashMap<String, Vec<u8>> = entries
            .into_iter()
            .filter_map(|e| {
                let name = e.name.strip_prefix("snapshot/")?.to_string();
                e.data.ok().map(|d| (name, d))
            })
            .collect();
        let _ = crate::source::snapshot::from_files("fuzz", &|n| files.get(n).cloned());
    }
}

/// Bundle zips read back as `check --snapshot x.zip` reads them (names checked, the inputs
/// `inputs/inputs.json` names read, overrides written to disk), asserting the write
/// boundary: every override the manifest lists either is refused or lands inside the
/// reader's private directory, and nothing is left beside the zip or in that directory.
pub fn bundle_reader(data: &[u8]) {
    use crate::bundle::{inputs, reload};
    use std::path::Component;
    let root = std::env::temp_dir().join(format!(
        "scim-doctor-fuzz-reader-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let tmp = root.join("tmp");
    let zip = root.join("b.zip");
    if std::fs::create_dir_all(&tmp).is_err() || std::fs::write(&zip, data).is_err() {
        let _ = std::fs::remove_dir_all(&root);
        return;
    }
    let _ = reload::read_bundle_in(&zip, &tmp);
    let _ = reload::raw_from_bundle(&zip);
    let left = |d: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(d)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let in_tmp = left(&tmp);
    let mut in_root = left(&root);
    in_root.sort();
    // Whatever the overrides say, each lands as `tmp/<dir>/<x>.toml` or deeper by one.
    let limits = ReadLimits {
        max_entries: 64,
        max_total_bytes: 8 << 20,
    };
    let listed: Vec<String> = read_entries(std::io::Cursor::new(data), limits, &|n| {
        n == inputs::MANIFEST
    })
    .ok()
    .and_then(|e| e.into_iter().next())
    .and_then(|e| e.data.ok())
    .and_then(|b| serde_json::from_slice::<inputs::Manifest>(&b).ok())
    .map(|m| m.overrides)
    .unwrap_or_default();
    let _ = std::fs::remove_dir_all(&root);
    assert!(in_tmp.is_empty(), "the reader left {in_tmp:?} behind");
    assert_eq!(
        in_root,
        ["b.zip", "tmp"],
        "something was written beside the zip"
    );
    let private = tmp.join("d");
    for name in &listed {
        if let Ok(p) = reload::override_target(&private, name) {
            let rest = p
                .strip_prefix(&private)
                .expect("inside the private directory");
            assert!(
                (1..=2).contains(&rest.components().count())
                    && rest.components().all(|c| matches!(c, Component::Normal(_))),
                "override {name:?} maps to {}",
                p.display()
            );
        }
    }
}

/// `--idp-config` files (Entra schema and job, Okta System Log JSON/CSV, app exports) read by
/// shape, every schema mapping evaluated on a sample user, and the bytes themselves as an
/// attribute-mapping expression, parsed and evaluated.
pub fn idp_config(data: &[u8]) {
    use crate::idpconfig::eval::eval;
    use crate::idpconfig::expr::{self, Val};
    let user = |a: &str| match a {
        "userPrincipalName" | "mail" => Val::Str("alice@contoso.com".into()),
        "IsSoftDeleted" => Val::Str("False".into()),
        "proxyAddresses" => Val::Many(vec!["smtp:a@x".into(), String::new()]),
        _ => Val::Null,
    };
    if let Ok(cfg) = crate::idpconfig::parse_files(&[("idp.json".to_string(), data.to_vec())]) {
        let _ = cfg.summary();
        if let Some(s) = &cfg.schema {
            let _ = s.matching();
            for m in &s.mappings {
                if let Some(e) = m.expr() {
                    let _ = eval(&e, &user);
                    let _ = expr::shape(&e);
                }
            }
            let _ = crate::scope::parse::from_json(&s.file, &s.document);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(e) = expr::parse(text) {
            let _ = eval(&e, &user);
            let _ = e.to_string();
        }
    }
}
