//! Shared by tests/fetch.rs and tests/interop.rs: the part of a JSON report that live and
//! offline runs of the same tenant must agree on byte for byte.

use serde_json::Value;

/// The offline checks of a report, timing fields removed, as JSON text.
pub fn offline_findings(report: &Value) -> String {
    let live: Vec<&str> = scim_doctor::checks::registry()
        .into_iter()
        .filter(|d| d.area.is_live())
        .map(|d| d.id)
        .collect();
    let checks: Vec<Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !live.contains(&c["id"].as_str().unwrap_or("")))
        .map(|c| {
            let mut c = c.clone();
            if let Some(m) = c.as_object_mut() {
                m.remove("at");
                m.remove("elapsed_ms");
            }
            c
        })
        .collect();
    serde_json::to_string(&checks).unwrap()
}
