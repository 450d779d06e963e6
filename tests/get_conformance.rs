//! The GET-side conformance checks of issue 27 (`attributes-parameter`, `error-format`), one
//! positive test per misbehaviour of the embedded server and a negative test on the
//! well-behaved server, through the real binary's full audit. Every server here listens on
//! 127.0.0.1 and stops on drop.

use scim_doctor::model::{Group, Tenant, User};
use scim_doctor::server::{
    ConformanceFaults, ErrorBodies, Faults, PagingFaults, ServerConfig, TestServer,
};
use serde_json::Value;

#[path = "shared/live.rs"]
mod live;
use live::{doctor, json_report, member, numbered_users, serve_tenant};

#[path = "shared/report.rs"]
mod report;
use report::{assert_status, check, text};

const TOKEN: &str = "conformance-test-token-51c7";

fn tenant() -> Tenant {
    let mut t = Tenant::new("conformance-test");
    let mut users = numbered_users(30);
    users[0] = User {
        display_name: Some("Person One".into()),
        given_name: Some("Person".into()),
        family_name: Some("One".into()),
        ..users[0].clone()
    };
    t.users = users;
    t.groups = vec![Group {
        id: "g1".into(),
        display_name: Some("VPN Users".into()),
        members: (1..=5).map(member).collect(),
        ..Default::default()
    }];
    t
}

/// The full audit (JSON) against the embedded server with `faults`.
fn audit(faults: Faults) -> (TestServer, Value) {
    let server = serve_tenant(tenant(), TOKEN, faults, |_: &mut ServerConfig| {});
    let out = doctor(TOKEN)
        .args(["check", "--base-url", server.base_url(), "--format", "json"])
        .output()
        .unwrap();
    let report = json_report(&out);
    (server, report)
}

/// The subjects' ids (the requests that show the defect).
fn subject_ids(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["subjects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str().map(str::to_string))
        .collect()
}

fn sent(server: &TestServer, needle: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.contains(needle))
        .count()
}

// ---- attributes-parameter --------------------------------------------------------------

#[test]
fn attributes_parameter_positive_both_parameters_ignored_on_users_and_groups() {
    let (_server, report) = audit(Faults {
        conformance: ConformanceFaults {
            ignore_attributes: true,
            ..Default::default()
        },
        ..Default::default()
    });
    assert_status(&report, "attributes-parameter", "fail");
    let t = text(&report, "attributes-parameter");
    assert!(t.contains("`attributes` is ignored"), "{t}");
    assert!(t.contains("`excludedAttributes` is ignored"), "{t}");
    let ids = subject_ids(&report, "attributes-parameter");
    for want in [
        "GET /Users/u0001?attributes=userName",
        "GET /Users/u0001?excludedAttributes=name",
        "GET /Users?count=1&attributes=userName",
        "GET /Groups/g1?excludedAttributes=members",
        "GET /Groups?count=1&excludedAttributes=members",
        "GET /Groups/g1?attributes=displayName",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} not in {ids:?}");
    }
    assert!(!check(&report, "attributes-parameter")["evidence"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn attributes_parameter_positive_excluded_members_judged_even_when_the_group_filter_fails() {
    // The group filter is refused, so Entra's lookup cannot show whether members are left
    // out; the parameter is still tested on its own.
    let (_server, report) = audit(Faults {
        reject_filter: Some("/Groups".into()),
        paging: PagingFaults {
            ignore_excluded_attributes: true,
            ..Default::default()
        },
        ..Default::default()
    });
    assert_status(&report, "group-lookup-excludes-members", "fail");
    assert_status(&report, "attributes-parameter", "fail");
    let ids = subject_ids(&report, "attributes-parameter");
    assert!(
        ids.iter()
            .any(|i| i == "GET /Groups/g1?excludedAttributes=members"),
        "{ids:?}"
    );
    let t = text(&report, "attributes-parameter");
    assert!(t.contains("members was still returned"), "{t}");
    assert!(
        !t.contains("`attributes` is ignored"),
        "only excludedAttributes is broken: {t}"
    );
}

#[test]
fn attributes_parameter_negative_both_parameters_honoured() {
    let (server, report) = audit(Faults::default());
    assert_status(&report, "attributes-parameter", "pass");
    let t = text(&report, "attributes-parameter");
    assert!(
        t.contains("GET /Groups/g1?excludedAttributes=members left members out"),
        "{t}"
    );
    assert_eq!(
        sent(&server, "/Groups/g1"),
        3,
        "the group read as it is, with attributes, with excludedAttributes"
    );
}

// ---- error-format ----------------------------------------------------------------------

#[test]
fn error_format_positive_empty_error_bodies() {
    let (_server, report) = audit(Faults {
        conformance: ConformanceFaults {
            error_bodies: ErrorBodies::Empty,
            ..Default::default()
        },
        ..Default::default()
    });
    assert_status(&report, "error-format", "fail");
    let t = text(&report, "error-format");
    assert!(t.contains("an empty body, not a SCIM error body"), "{t}");
    let ids = subject_ids(&report, "error-format");
    for want in [
        "GET /Schemas/urn:scim-doctor:probe:no-such-schema",
        "GET /ResourceTypes/NoSuchResourceType",
        "GET /Users/00000000-0000-4000-8000-000000000000",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} not in {ids:?}");
    }
    assert!(
        ids.iter().any(|i| i.starts_with("GET /Users?filter=")),
        "{ids:?}"
    );
}

#[test]
fn error_format_positive_html_error_pages() {
    let (_server, report) = audit(Faults {
        conformance: ConformanceFaults {
            error_bodies: ErrorBodies::Html,
            ..Default::default()
        },
        ..Default::default()
    });
    assert_status(&report, "error-format", "fail");
    let t = text(&report, "error-format");
    assert!(t.contains("an HTML page"), "{t}");
}

#[test]
fn error_format_positive_status_as_a_number() {
    let (_server, report) = audit(Faults {
        conformance: ConformanceFaults {
            error_bodies: ErrorBodies::NumericStatus,
            ..Default::default()
        },
        ..Default::default()
    });
    assert_status(&report, "error-format", "fail");
    let t = text(&report, "error-format");
    assert!(t.contains("status is the number 404, not a string"), "{t}");
}

#[test]
fn error_format_negative_scim_error_bodies() {
    let (_server, report) = audit(Faults::default());
    assert_status(&report, "error-format", "pass");
    let t = text(&report, "error-format");
    assert!(t.contains("an unknown schema: 404 SCIM error"), "{t}");
    assert!(t.contains("a malformed filter"), "{t}");
}
