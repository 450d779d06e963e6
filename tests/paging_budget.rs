//! Never hammer a broken endpoint (issue 13): against the embedded server with a paging
//! fault, the real binary must stop within a small request budget (asserted from the
//! server's own request count), in seconds, with the right finding and the data marked
//! incomplete. Also `--max-requests`, and `snapshot` against a closed port or an HTML page
//! giving test-connection's diagnosis. Every server here listens on 127.0.0.1 and stops on
//! drop.

use assert_cmd::Command;
use scim_doctor::model::{Group, Tenant};
use scim_doctor::server::{Faults, PagingFaults, ServerConfig, TestServer};
use serde_json::Value;
use std::time::{Duration, Instant};

#[path = "shared/live.rs"]
mod live;
use live::{json_report, member, numbered_users, serve_tenant};

const TOKEN: &str = "budget-test-token-3c7e";
const USERS: usize = 250;

fn tenant() -> Tenant {
    let mut t = Tenant::new("budget-test");
    t.users = numbered_users(USERS);
    t.groups = vec![Group {
        id: "g1".into(),
        display_name: Some("Sales".into()),
        members: vec![member(1)],
        ..Default::default()
    }];
    t
}

fn serve(faults: Faults, cfg: impl FnOnce(&mut ServerConfig)) -> TestServer {
    serve_tenant(tenant(), TOKEN, faults, cfg)
}

fn doctor() -> Command {
    live::doctor(TOKEN)
}

/// `check --format json` on the incomplete-import playbook; the report and the time taken.
fn check_live(base_url: &str, extra: &[&str]) -> (Value, Duration) {
    let started = Instant::now();
    let out = doctor()
        .args(["check", "--base-url", base_url, "--format", "json"])
        .args(["--playbook", "incomplete-import"])
        .args(extra)
        .output()
        .unwrap();
    let took = started.elapsed();
    (json_report(&out), took)
}

#[path = "shared/report.rs"]
mod report;
use report::{assert_status, check, status, text};

/// List requests the server saw for a resource type (pages, not lookups).
fn list_requests(server: &TestServer, resource: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| {
            r.path.contains(&format!("/{resource}?"))
                && (r.path.contains("startIndex=") || r.path.contains("cursor="))
        })
        .count()
}

#[test]
fn pagination_consistency_positive_ignored_start_index_with_a_million_total_costs_a_few_dozen_requests(
) {
    let server = serve(
        Faults {
            repeat_first_page: true,
            total_results_delta: 1_000_000 - USERS as i64,
            ..Default::default()
        },
        |_| {},
    );
    let (report, took) = check_live(server.base_url(), &["--page-size", "50"]);
    assert_status(&report, "pagination-consistency", "fail");
    assert!(text(&report, "pagination-consistency").contains("repeated resources"));
    assert_eq!(status(&report, "fetch-complete"), "fail");
    assert!(text(&report, "fetch-complete").contains("ignores startIndex"));
    assert_eq!(report["tenant"]["complete"], false);
    assert_eq!(report["tenant"]["users"], 50, "page 1 kept, once");
    let total = server.request_count();
    // Besides paging: the connection steps' discovery reads by id (5) and the
    // attributes-parameter / error-format probes (13), each sent once.
    assert!(
        total <= 80,
        "{total} requests for a server claiming 1,000,000 users"
    );
    // Connection steps (3), page 1, the 0-based probe, one look-ahead window (8), probes (3).
    assert!(
        list_requests(&server, "Users") <= 20,
        "{:?}",
        server.requests()
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn pagination_consistency_positive_growing_total_results_stops_at_the_real_end() {
    let server = serve(
        Faults {
            paging: PagingFaults {
                growing_total: true,
                ..Default::default()
            },
            ..Default::default()
        },
        |_| {},
    );
    let (report, took) = check_live(server.base_url(), &["--page-size", "50"]);
    assert_status(&report, "pagination-consistency", "fail");
    assert!(text(&report, "pagination-consistency").contains("totalResults changed while paging"));
    assert_eq!(
        report["tenant"]["users"], USERS as u64,
        "every real user fetched"
    );
    assert_eq!(
        report["tenant"]["complete"], false,
        "the announced rest is unaccounted for"
    );
    // 5 real pages of users, then at most one look-ahead window of empty pages.
    assert!(
        list_requests(&server, "Users") <= 25,
        "{:?}",
        server.requests()
    );
    assert!(
        server.request_count() <= 80,
        "{} requests",
        server.request_count()
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn pagination_consistency_positive_repeated_cursor_stops_at_once() {
    let spc = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "filter": {"supported": true, "maxResults": 50},
        "pagination": {"cursor": true, "index": false, "defaultPaginationMethod": "cursor"}
    });
    let server = serve(
        Faults {
            service_provider_config: Some(spc),
            paging: PagingFaults {
                repeat_cursor: true,
                ..Default::default()
            },
            ..Default::default()
        },
        |c| c.cursor = true,
    );
    let (report, _) = check_live(server.base_url(), &[]);
    assert_status(&report, "pagination-consistency", "fail");
    assert!(text(&report, "pagination-consistency").contains("nextCursor already followed"));
    assert_eq!(status(&report, "fetch-complete"), "fail");
    assert!(text(&report, "fetch-complete").contains("same nextCursor twice"));
    assert_eq!(report["tenant"]["complete"], false);
    let cursor_pages = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/Users?cursor="))
        .count();
    assert!(
        cursor_pages <= 3,
        "{cursor_pages} cursor pages: {:?}",
        server.requests()
    );
}

#[test]
fn pagination_consistency_positive_unstable_order_is_stopped_after_a_few_overlapping_pages() {
    let server = serve(
        Faults {
            unstable_order: true,
            total_results_delta: 100_000,
            ..Default::default()
        },
        |_| {},
    );
    let (report, _) = check_live(server.base_url(), &["--page-size", "10"]);
    assert_status(&report, "pagination-consistency", "fail");
    assert_eq!(report["tenant"]["complete"], false);
    // 10,025 pages announced. Overlaps stop it early; at the latest, after 25 pages of 10
    // every one of the 250 ids has been seen and the next page is a pure repeat: 25 pages,
    // plus at most the 32-page look-ahead (8 x --concurrency 4), plus the ~10 connection
    // and probe requests.
    assert!(
        list_requests(&server, "Users") <= 70,
        "{:?}",
        server.requests()
    );
}

#[test]
fn pagination_consistency_negative_healthy_server_within_its_page_budget() {
    let server = serve(Faults::default(), |_| {});
    let (report, _) = check_live(server.base_url(), &["--page-size", "50"]);
    assert_status(&report, "pagination-consistency", "pass");
    assert_eq!(status(&report, "fetch-complete"), "pass");
    assert_eq!(report["tenant"]["users"], USERS as u64);
    // 5 pages of 50, the look past the last full page, the 0-based probe, the past-the-end
    // and two count probes, and the three connection-step requests: no more.
    let pages = list_requests(&server, "Users");
    assert!(
        (5..=13).contains(&pages),
        "{pages}: {:?}",
        server.requests()
    );
}

#[test]
fn fetch_complete_positive_max_requests_stops_and_names_the_flag() {
    let server = serve(Faults::default(), |_| {});
    let (report, _) = check_live(
        server.base_url(),
        &["--page-size", "10", "--max-requests", "12"],
    );
    assert_status(&report, "fetch-complete", "fail");
    assert!(text(&report, "fetch-complete").contains("raise --max-requests"));
    assert_eq!(report["tenant"]["complete"], false);
    // The fetch sent at most 12; the connection steps before it a handful more (among them
    // the 5 listed schemas and resource types read by id).
    assert!(
        server.request_count() <= 12 + 15,
        "{}",
        server.request_count()
    );
}

#[test]
fn max_requests_zero_is_refused_before_any_request() {
    let out = doctor()
        .args([
            "check",
            "--base-url",
            "http://127.0.0.1:9/scim/v2",
            "--max-requests",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-requests must be at least 1"));
}

/// `snapshot` and `test-connection` against the same endpoint: the failing step and its
/// message must be the same, and the snapshot must give up quickly with exit 2.
fn same_diagnosis(base_url: &str, failing: &str) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let snap = doctor()
        .args([
            "snapshot",
            "--base-url",
            base_url,
            "--format",
            "json",
            "--out",
        ])
        .arg(dir.path().join("snap"))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(
        snap.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&snap.stderr)
    );
    assert!(took < Duration::from_secs(8), "snapshot took {took:?}");
    let stderr = String::from_utf8_lossy(&snap.stderr);
    assert!(
        stderr.contains(&format!("the connection failed at `{failing}`")),
        "{stderr}"
    );
    assert!(!stderr.contains("raise --retries"), "{stderr}");
    let snap_report: Value = serde_json::from_slice(&snap.stdout).expect("the diagnosis on stdout");
    let tc = doctor()
        .args([
            "test-connection",
            "--base-url",
            base_url,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let tc_report: Value = serde_json::from_slice(&tc.stdout).unwrap();
    assert_eq!(status(&snap_report, failing), "fail");
    assert_eq!(status(&tc_report, failing), "fail");
    let msg = |r: &Value| check(r, failing)["message"].as_str().unwrap().to_string();
    assert_eq!(msg(&snap_report), msg(&tc_report));
    assert!(!dir.path().join("snap").exists(), "nothing written");
}

#[test]
fn snapshot_against_a_closed_port_gives_the_test_connection_diagnosis_at_once() {
    // Bind and drop: the port is free and nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    same_diagnosis(&format!("http://127.0.0.1:{port}/scim/v2"), "tcp");
}

#[test]
fn snapshot_against_an_html_sign_in_page_gives_the_test_connection_diagnosis() {
    let server = serve(
        Faults {
            html_login: Some(String::new()),
            ..Default::default()
        },
        |_| {},
    );
    let tc = doctor()
        .args([
            "test-connection",
            "--base-url",
            server.base_url(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&tc.stdout).unwrap();
    let failing = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "fail")
        .and_then(|c| c["id"].as_str())
        .expect("test-connection fails on a sign-in page")
        .to_string();
    same_diagnosis(server.base_url(), &failing);
}
