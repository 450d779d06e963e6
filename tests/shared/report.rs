//! Shared by the tests that read the JSON report of the real binary (tests/behaviour_probes.rs,
//! tests/paging_budget.rs, tests/fetch.rs, tests/interop.rs, tests/loader.rs, tests/diff.rs): one check
//! entry of `report["checks"]` by id, and its status, message and subject details.
#![allow(dead_code)]

use serde_json::Value;

/// The entry of check `id` in the report; panics naming the id when it is missing.
pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}` in {report}"))
}

pub fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}

/// Asserts check `id` has status `want`, printing the whole report when it has not.
#[track_caller]
pub fn assert_status(report: &Value, id: &str, want: &str) {
    assert_eq!(status(report, id), want, "{report}");
}

pub fn message<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["message"].as_str().unwrap()
}

/// The check's message plus every subject's detail, for wording assertions.
pub fn text(report: &Value, id: &str) -> String {
    let c = check(report, id);
    let mut s = c["message"].as_str().unwrap_or("").to_string();
    for subj in c["subjects"].as_array().into_iter().flatten() {
        s.push_str(" | ");
        s.push_str(subj["detail"].as_str().unwrap_or(""));
    }
    s
}
