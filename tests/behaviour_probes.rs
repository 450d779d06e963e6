//! The deliberate paging and query probes (issue 13), one positive test per misbehaviour of
//! the embedded server and one negative test on the well-behaved server, through the real
//! binary; each also asserts the probe costs only a request or two. The same probes against
//! scim2-server live in tests/interop.rs. Every server here listens on 127.0.0.1 and stops
//! on drop.

use scim_doctor::model::{Group, Tenant};
use scim_doctor::server::{Faults, PagingFaults, ServerConfig, TestServer};
use serde_json::Value;

#[path = "shared/live.rs"]
mod live;
use live::{doctor, json_report, member, numbered_users, serve_tenant};

const TOKEN: &str = "probe-test-token-9a41";
const USERS: usize = 250;

fn tenant() -> Tenant {
    let mut t = Tenant::new("probe-test");
    t.users = numbered_users(USERS);
    t.groups = vec![
        Group {
            id: "g1".into(),
            display_name: Some("VPN Users".into()),
            members: (1..=5).map(member).collect(),
            ..Default::default()
        },
        Group {
            id: "g2".into(),
            display_name: Some("Empty".into()),
            ..Default::default()
        },
    ];
    t
}

fn serve(faults: Faults, cfg: impl FnOnce(&mut ServerConfig)) -> TestServer {
    serve_tenant(tenant(), TOKEN, faults, cfg)
}

/// `check --format json` (full audit) against the server; the JSON report.
fn check_live(server: &TestServer, extra: &[&str]) -> Value {
    let out = doctor(TOKEN)
        .args(["check", "--base-url", server.base_url(), "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    json_report(&out)
}

#[path = "shared/report.rs"]
mod report;
use report::{assert_status, text};

/// Requests whose path ends with `suffix`.
fn sent_exactly(server: &TestServer, suffix: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

/// Requests whose path contains `needle`.
fn sent(server: &TestServer, needle: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.contains(needle))
        .count()
}

/// The embedded server with `faults` (default page size), and the full audit run against it.
fn probe(faults: Faults, extra: &[&str]) -> (TestServer, Value) {
    let server = serve(faults, |_| {});
    let report = check_live(&server, extra);
    (server, report)
}

// ---- past-end-page ---------------------------------------------------------------------

#[test]
fn past_end_page_positive_first_page_again_found_even_when_everything_fits_on_one_page() {
    // 250 users at 300 a page: paging alone never asks past the end, the probe does.
    let server = serve(
        Faults {
            past_end_first_page: true,
            ..Default::default()
        },
        |c| c.default_page_size = 300,
    );
    let report = check_live(&server, &["--page-size", "300"]);
    assert_status(&report, "past-end-page", "fail");
    assert!(text(&report, "past-end-page").contains("the first page again"));
    assert_eq!(
        sent(&server, "/Users?startIndex=251&"),
        1,
        "one probe request"
    );
    assert_eq!(
        sent(&server, "/Groups?startIndex=3&"),
        1,
        "groups probed too"
    );
}

#[test]
fn past_end_page_negative_empty_page_past_the_end() {
    let (_server, report) = probe(Faults::default(), &["--page-size", "50"]);
    assert_status(&report, "past-end-page", "pass");
}

// ---- count-parameter -------------------------------------------------------------------

#[test]
fn count_parameter_positive_server_ignoring_count_is_not_called_a_silent_cap() {
    let (server, report) = probe(
        Faults {
            paging: PagingFaults {
                ignore_count: Some(20),
                ..Default::default()
            },
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "count-parameter", "fail");
    assert!(text(&report, "count-parameter").contains("ignores `count`"));
    assert!(!text(&report, "page-size-cap").contains("silent cap"));
    assert_eq!(
        report["tenant"]["users"], USERS as u64,
        "paging still got everyone"
    );
    assert_eq!(
        sent_exactly(&server, "/Users?startIndex=1&count=1"),
        3,
        "2 auth steps + 1 probe"
    );
}

#[test]
fn count_parameter_positive_items_per_page_echoing_count_warns() {
    let (_server, report) = probe(
        Faults {
            items_per_page_echoes_count: true,
            ..Default::default()
        },
        &["--page-size", "50"],
    );
    assert_status(&report, "count-parameter", "warn");
    assert!(text(&report, "count-parameter").contains("itemsPerPage is"));
}

#[test]
fn count_parameter_positive_count_above_the_advertised_maximum_is_not_capped() {
    let spc = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "filter": {"supported": true, "maxResults": 50}
    });
    let (server, report) = probe(
        Faults {
            service_provider_config: Some(spc),
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "count-parameter", "warn");
    assert!(text(&report, "count-parameter").contains("more than the advertised maximum 50"));
    assert_eq!(sent(&server, "/Users?startIndex=1&count=51"), 1);
}

#[test]
fn count_parameter_negative_count_honoured_and_capped() {
    let (_server, report) = probe(Faults::default(), &[]);
    assert_status(&report, "count-parameter", "pass");
    assert!(text(&report, "count-parameter").contains("count=101 returned 100"));
}

// ---- filter-invalid-rejected -----------------------------------------------------------

#[test]
fn filter_invalid_rejected_positive_200_with_an_empty_list() {
    let (server, report) = probe(
        Faults {
            bad_filter_empty: true,
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "filter-invalid-rejected", "fail");
    assert!(text(&report, "filter-invalid-rejected").contains("creates a duplicate"));
    assert_eq!(sent_exactly(&server, "filter=userName%20eq"), 1);
    assert_eq!(
        sent_exactly(&server, "filter=userName%20eq%20%22a%22%20and"),
        1
    );
}

#[test]
fn filter_invalid_rejected_positive_500_on_a_malformed_filter() {
    let (_server, report) = probe(
        Faults {
            paging: PagingFaults {
                bad_filter_500: true,
                ..Default::default()
            },
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "filter-invalid-rejected", "fail");
    assert!(text(&report, "filter-invalid-rejected").contains("HTTP 500"));
}

#[test]
fn filter_invalid_rejected_negative_400_invalid_filter() {
    let (_server, report) = probe(Faults::default(), &[]);
    assert_status(&report, "filter-invalid-rejected", "pass");
}

// ---- group-lookup-excludes-members -----------------------------------------------------

#[test]
fn group_lookup_excludes_members_positive_members_sent_anyway() {
    let (server, report) = probe(
        Faults {
            paging: PagingFaults {
                ignore_excluded_attributes: true,
                ..Default::default()
            },
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "group-lookup-excludes-members", "warn");
    assert!(text(&report, "group-lookup-excludes-members").contains("with its members"));
    // attributes-parameter also sends excludedAttributes=members, without a filter.
    let lookups = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("excludedAttributes=members") && r.path.contains("filter="))
        .count();
    assert_eq!(lookups, 1, "one lookup");
}

#[test]
fn group_lookup_excludes_members_positive_lookup_rejected() {
    let (_server, report) = probe(
        Faults {
            reject_filter: Some("/Groups".into()),
            ..Default::default()
        },
        &[],
    );
    assert_status(&report, "group-lookup-excludes-members", "fail");
    assert!(text(&report, "group-lookup-excludes-members").contains("expected group g1 back"));
}

#[test]
fn group_lookup_excludes_members_negative_group_without_members() {
    let (_server, report) = probe(Faults::default(), &[]);
    assert_status(&report, "group-lookup-excludes-members", "pass");
    assert!(text(&report, "group-lookup-excludes-members").contains("group g1 without members"));
}

// ---- WWW-Authenticate on 401 (a warning in http-auth) ----------------------------------

#[test]
fn http_auth_positive_401_without_www_authenticate_warns() {
    let (_server, report) = probe(
        Faults {
            no_www_authenticate: true,
            ..Default::default()
        },
        &["--playbook", "test-connection"],
    );
    assert_status(&report, "http-auth", "warn");
    let t = text(&report, "http-auth");
    assert!(t.contains("no WWW-Authenticate header"), "{t}");
}

#[test]
fn http_auth_negative_401_with_www_authenticate_passes() {
    let (_server, report) = probe(Faults::default(), &["--playbook", "test-connection"]);
    assert_status(&report, "http-auth", "pass");
}
