//! The fetcher against the embedded server with faults injected, through the real binary:
//! every fault either ends with every user exactly once, or with a specific finding. Also
//! the positive/negative tests of every protocol check, and the live-vs-offline agreement of
//! a snapshot. Every server here listens on 127.0.0.1 and stops on drop.

use assert_cmd::Command;
use scim_doctor::model::{Email, Group, Tenant, User};
use scim_doctor::server::{EveryNth, Faults, RateLimit, RetryAfter, ServerConfig, TestServer};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

#[path = "shared/live.rs"]
mod live;
use live::{json_report, member, serve_tenant};

const TOKEN: &str = "fetch-test-token-51d9";
const USERS: usize = 250;

fn user(i: usize) -> User {
    User {
        id: format!("u{i:04}"),
        user_name: Some(format!("Person{i}@Example.test")),
        external_id: Some(format!("ext-{i}")),
        active: Some(!i.is_multiple_of(17)),
        display_name: Some(format!("Person {i}")),
        emails: vec![Email {
            value: format!("person{i}@example.test"),
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

/// `n` users and three groups (one holds the first ten users, one is empty).
fn tenant(n: usize) -> Tenant {
    let mut t = Tenant::new("fetch-test");
    t.users = (1..=n).map(user).collect();
    t.groups = vec![
        Group {
            id: "g1".into(),
            display_name: Some("Sales".into()),
            members: (1..=10.min(n)).map(member).collect(),
            ..Default::default()
        },
        Group {
            id: "g2".into(),
            display_name: Some("Empty".into()),
            ..Default::default()
        },
        Group {
            id: "g3".into(),
            display_name: Some("Support".into()),
            members: vec![member(1)],
            ..Default::default()
        },
    ];
    t
}

fn serve(n: usize, faults: Faults, cfg: impl FnOnce(&mut ServerConfig)) -> TestServer {
    serve_tenant(tenant(n), TOKEN, faults, cfg)
}

fn doctor() -> Command {
    live::doctor(TOKEN)
}

/// `check` (incomplete-import playbook, JSON) against the server, plus extra flags.
fn check_live(server: &TestServer, extra: &[&str]) -> Value {
    let mut cmd = doctor();
    cmd.args([
        "check",
        "--base-url",
        server.base_url(),
        "--format",
        "json",
        "--playbook",
        "incomplete-import",
    ])
    .args(extra);
    let out = cmd.output().unwrap();
    json_report(&out)
}

#[path = "shared/report.rs"]
mod report;
use report::{check, message, status};

/// Snapshots the server and returns the user ids in users.ndjson, in file order.
fn snapshot_ids(server: &TestServer, dir: &Path, extra: &[&str]) -> (i32, Vec<String>) {
    let out_dir = dir.join("snap");
    let out = doctor()
        .args([
            "snapshot",
            "--base-url",
            server.base_url(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "snapshot exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(out_dir.join("users.ndjson")).unwrap();
    let ids = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    (code, ids)
}

/// Every user of the served tenant exactly once.
fn assert_every_user_once(ids: &[String], n: usize) {
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in the snapshot");
    let expected: HashSet<String> = (1..=n).map(|i| format!("u{i:04}")).collect();
    let got: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(got, expected, "missing or unexpected users");
}

// ---- faults that must end with every user exactly once -------------------------------

#[test]
fn rate_limited_positive_429_bursts_with_retry_after_seconds_are_waited_out() {
    let faults = Faults {
        rate_limit: Some(RateLimit {
            every: EveryNth::with_prefix(3, "/Users?startIndex"),
            retry_after: RetryAfter::Seconds(1),
        }),
        ..Default::default()
    };
    let server = serve(USERS, faults.clone(), |_| {});
    let report = check_live(&server, &["--page-size", "50", "--retries", "8"]);
    assert_eq!(status(&report, "rate-limited"), "warn", "{report}");
    assert!(check(&report, "rate-limited")["count"].as_u64().unwrap() >= 1);
    assert!(message(&report, "rate-limited").contains("largest Retry-After 1 s"));
    assert_eq!(status(&report, "fetch-complete"), "pass");
    assert_eq!(report["tenant"]["users"], USERS);
    assert_eq!(server.non_get_count(), 0, "the fetch must only GET");
    let server = serve(USERS, faults, |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(
        &server,
        dir.path(),
        &["--page-size", "50", "--retries", "8"],
    );
    assert_eq!(code, 0);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn rate_limited_positive_http_date_retry_after_is_honoured() {
    let faults = Faults {
        rate_limit: Some(RateLimit {
            every: EveryNth::with_prefix(3, "/Users?startIndex"),
            retry_after: RetryAfter::HttpDate(1),
        }),
        ..Default::default()
    };
    let server = serve(USERS, faults, |_| {});
    let report = check_live(&server, &["--page-size", "50", "--retries", "8"]);
    assert_eq!(status(&report, "rate-limited"), "warn");
    assert_eq!(status(&report, "fetch-complete"), "pass");
    assert_eq!(report["tenant"]["users"], USERS);
}

#[test]
fn rate_limited_negative_well_behaved_server() {
    let server = serve(USERS, Faults::default(), |_| {});
    let report = check_live(&server, &[]);
    assert_eq!(status(&report, "rate-limited"), "pass");
    assert!(message(&report, "rate-limited").starts_with("no 429"));
}

#[test]
fn fetch_complete_negative_503s_and_connection_resets_are_retried() {
    // Every 3rd list request answers 503 and every 4th is cut mid-body; the connection
    // steps' own first /Users requests come before either fires.
    let faults = Faults {
        unavailable: Some(EveryNth::with_prefix(3, "/Users?startIndex")),
        reset_mid_body: Some(EveryNth::with_prefix(4, "/Users?startIndex")),
        ..Default::default()
    };
    let server = serve(USERS, faults.clone(), |_| {});
    let report = check_live(&server, &["--page-size", "25", "--retries", "6"]);
    assert_eq!(status(&report, "fetch-complete"), "pass", "{report}");
    assert_eq!(status(&report, "pagination-consistency"), "pass");
    assert_eq!(report["tenant"]["users"], USERS);
    assert!(
        check(&report, "rate-limited")["data"]["retries"]
            .as_u64()
            .unwrap()
            >= 3
    );
    let server = serve(USERS, faults, |_| {});
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(
        &server,
        dir.path(),
        &["--page-size", "25", "--retries", "6"],
    );
    assert_eq!(code, 0);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn page_size_cap_positive_silent_cap_of_50_is_replanned_without_gaps() {
    let server = serve(USERS, Faults::default(), |c| c.max_page_size = Some(50));
    let report = check_live(&server, &["--page-size", "100"]);
    assert_eq!(status(&report, "page-size-cap"), "warn", "{report}");
    assert!(message(&report, "page-size-cap").contains("/Users asked 100, got 50"));
    assert_eq!(status(&report, "pagination-consistency"), "pass");
    assert_eq!(status(&report, "fetch-complete"), "pass");
    // Re-planned at 50: windows 51..201, then one request past the end (a full last page
    // may mean totalResults is too small), never windows of 100.
    let mut starts: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/Users?startIndex=") && r.path.ends_with("&count=50"))
        .map(|r| {
            r.path
                .split("startIndex=")
                .nth(1)
                .unwrap_or("")
                .split('&')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    starts.sort_by_key(|s| s.parse::<usize>().unwrap_or(0));
    assert_eq!(starts, vec!["51", "101", "151", "201", "251"]);
    let dir = tempfile::tempdir().unwrap();
    let (_, ids) = snapshot_ids(&server, dir.path(), &["--page-size", "100"]);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn page_size_cap_negative_server_serves_the_size_asked() {
    let server = serve(USERS, Faults::default(), |_| {});
    let report = check_live(&server, &["--page-size", "100"]);
    assert_eq!(status(&report, "page-size-cap"), "pass");
}

#[test]
fn pagination_consistency_positive_zero_based_paging_is_detected_and_handled() {
    let server = serve(
        USERS,
        Faults {
            zero_based: true,
            ..Default::default()
        },
        |_| {},
    );
    let report = check_live(&server, &["--page-size", "40"]);
    assert_eq!(
        status(&report, "pagination-consistency"),
        "fail",
        "{report}"
    );
    assert!(message(&report, "pagination-consistency").contains("counts startIndex from 0"));
    assert_eq!(status(&report, "fetch-complete"), "pass");
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(&server, dir.path(), &["--page-size", "40"]);
    assert_eq!(code, 0);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn pagination_consistency_positive_total_results_too_low_paging_continues() {
    let server = serve(
        USERS,
        Faults {
            total_results_delta: -120,
            ..Default::default()
        },
        |_| {},
    );
    let report = check_live(&server, &["--page-size", "50"]);
    assert_eq!(status(&report, "pagination-consistency"), "fail");
    assert!(
        message(&report, "pagination-consistency").contains("totalResults 130 is below"),
        "{report}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(&server, dir.path(), &["--page-size", "50"]);
    assert_eq!(code, 0);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn pagination_consistency_positive_total_results_too_high_is_reported() {
    let server = serve(
        USERS,
        Faults {
            total_results_delta: 75,
            ..Default::default()
        },
        |_| {},
    );
    let report = check_live(&server, &["--page-size", "50"]);
    assert_eq!(status(&report, "pagination-consistency"), "fail");
    assert!(
        message(&report, "pagination-consistency").contains("totalResults 325 but 250"),
        "{report}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (_, ids) = snapshot_ids(&server, dir.path(), &["--page-size", "50"]);
    assert_every_user_once(&ids, USERS);
}

#[test]
fn pagination_consistency_negative_healthy_server() {
    let server = serve(USERS, Faults::default(), |_| {});
    let report = check_live(&server, &["--page-size", "30", "--concurrency", "8"]);
    assert_eq!(
        status(&report, "pagination-consistency"),
        "pass",
        "{report}"
    );
}

#[test]
fn cursor_paging_is_used_when_the_server_prefers_it() {
    let spc = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "filter": {"supported": true, "maxResults": 60},
        "pagination": {"cursor": true, "index": false, "defaultPaginationMethod": "cursor", "defaultPageSize": 60}
    });
    let faults = Faults {
        service_provider_config: Some(spc),
        ..Default::default()
    };
    let server = serve(USERS, faults, |c| c.cursor = true);
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(&server, dir.path(), &[]);
    assert_eq!(code, 0);
    assert_every_user_once(&ids, USERS);
    // 250 users at 60 per page: 5 cursor pages, and no index page of 60.
    let cursor_pages = server
        .requests()
        .iter()
        .filter(|r| r.path.contains("/Users?cursor="))
        .count();
    assert_eq!(cursor_pages, 5);
    assert!(!server
        .requests()
        .iter()
        .any(|r| r.path.contains("startIndex=") && r.path.contains("count=60")));
}

// ---- faults that must stop with a specific finding ----------------------------------

#[test]
fn fetch_complete_positive_page_that_repeats_forever_stops_with_a_finding() {
    let server = serve(
        USERS,
        Faults {
            repeat_first_page: true,
            ..Default::default()
        },
        |_| {},
    );
    let report = check_live(&server, &["--page-size", "50"]);
    assert_eq!(status(&report, "fetch-complete"), "fail", "{report}");
    assert!(message(&report, "fetch-complete").contains("ignores startIndex"));
    assert_eq!(status(&report, "pagination-consistency"), "fail");
    assert_eq!(report["tenant"]["complete"], false);
    // The first page is kept, once.
    assert_eq!(report["tenant"]["users"], 50);
}

#[test]
fn fetch_complete_positive_max_pages_keeps_partial_data_and_names_the_flag() {
    let server = serve(USERS, Faults::default(), |_| {});
    let report = check_live(&server, &["--page-size", "100", "--max-pages", "2"]);
    assert_eq!(status(&report, "fetch-complete"), "fail");
    assert!(message(&report, "fetch-complete").contains("raise --max-pages"));
    assert_eq!(report["tenant"]["users"], 200);
    let dir = tempfile::tempdir().unwrap();
    let (code, ids) = snapshot_ids(
        &server,
        dir.path(),
        &["--page-size", "100", "--max-pages", "2"],
    );
    assert_eq!(code, 1, "an incomplete snapshot exits 1");
    assert_eq!(ids.len(), 200);
    let meta: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("snap/snapshot.json")).unwrap())
            .unwrap();
    assert_eq!(meta["completeness"]["users_complete"], false);
}

#[test]
fn fetch_complete_positive_deadline_keeps_partial_data_and_names_the_flag() {
    let faults = Faults {
        latency: Duration::from_millis(400),
        ..Default::default()
    };
    let server = serve(USERS, faults, |_| {});
    let report = check_live(
        &server,
        &["--page-size", "10", "--concurrency", "1", "--deadline", "3"],
    );
    assert_eq!(status(&report, "fetch-complete"), "fail", "{report}");
    assert!(message(&report, "fetch-complete").contains("--deadline"));
    assert_eq!(report["tenant"]["complete"], false);
}

#[test]
fn fetch_complete_positive_retries_exhausted_on_503s() {
    let faults = Faults {
        status: vec![("/Users?startIndex=101".into(), 503)],
        ..Default::default()
    };
    let server = serve(USERS, faults, |_| {});
    let report = check_live(&server, &["--page-size", "100", "--retries", "1"]);
    assert_eq!(status(&report, "fetch-complete"), "fail");
    assert!(
        message(&report, "fetch-complete").contains("raise --retries"),
        "{report}"
    );
    // Pages 1 and 3 are kept.
    assert_eq!(report["tenant"]["users"], 150);
}

#[test]
fn fetch_complete_negative_everything_fetched() {
    let server = serve(USERS, Faults::default(), |_| {});
    let report = check_live(&server, &[]);
    assert_eq!(status(&report, "fetch-complete"), "pass");
    assert!(message(&report, "fetch-complete")
        .starts_with("fetched 250 of 250 users and 3 of 3 groups"));
}

// ---- filter probes and latency ------------------------------------------------------

#[test]
fn filter_username_eq_positive_server_rejects_filters() {
    let faults = Faults {
        status: vec![("/Users?filter".into(), 400)],
        ..Default::default()
    };
    let server = serve(40, faults, |_| {});
    let report = check_live(&server, &["--probe-sample", "3"]);
    assert_eq!(status(&report, "filter-username-eq"), "fail");
    assert_eq!(
        check(&report, "filter-username-eq")["count"],
        6,
        "3 users, each as sent and case-changed"
    );
    assert!(message(&report, "filter-username-eq").contains("3 with the value's case changed"));
}

#[test]
fn filter_username_eq_negative_case_insensitive_lookup_finds_the_user() {
    let server = serve(40, Faults::default(), |_| {});
    let report = check_live(&server, &["--probe-sample", "4"]);
    assert_eq!(status(&report, "filter-username-eq"), "pass", "{report}");
    assert!(message(&report, "filter-username-eq").starts_with("8 lookups"));
}

/// 596 plain users and, last, the shapes servers get wrong: non-ASCII letters, a backslash,
/// a quote, a plus sign.
fn risky_tenant() -> Tenant {
    let mut t = tenant(600);
    for (i, name) in [
        (596, "Jos\u{e9}.Garc\u{ed}a@Example.test"),
        (597, "back\\slash@Example.test"),
        (598, "o\"quote@Example.test"),
        (599, "plus+tag@Example.test"),
    ] {
        t.users[i].user_name = Some(name.to_string());
    }
    t
}

/// Proves the default sample of 5 looks the risky userNames up first: on a server whose
/// filter misses non-ASCII and escaped values, 4 users among 600 make the probe fail.
#[test]
fn filter_username_eq_positive_risky_shapes_are_sampled_first() {
    let faults = Faults {
        risky_filter_values_miss: true,
        ..Default::default()
    };
    let server = serve_tenant(risky_tenant(), TOKEN, faults, |_| {});
    let report = check_live(&server, &[]);
    assert_eq!(status(&report, "filter-username-eq"), "fail", "{report}");
    let text = check(&report, "filter-username-eq").to_string();
    assert!(text.contains("u0597") && text.contains("u0598"), "{text}");
}

#[test]
fn filter_username_eq_negative_risky_shapes_found_by_a_correct_server() {
    let server = serve_tenant(risky_tenant(), TOKEN, Faults::default(), |_| {});
    let report = check_live(&server, &[]);
    assert_eq!(status(&report, "filter-username-eq"), "pass", "{report}");
}

#[test]
fn filter_externalid_eq_positive_server_rejects_filters() {
    let faults = Faults {
        status: vec![("/Users?filter=externalId".into(), 501)],
        ..Default::default()
    };
    let server = serve(40, faults, |_| {});
    let report = check_live(&server, &["--probe-sample", "2"]);
    assert_eq!(status(&report, "filter-externalid-eq"), "fail");
    assert_eq!(check(&report, "filter-externalid-eq")["count"], 2);
    assert_eq!(status(&report, "filter-username-eq"), "pass");
}

#[test]
fn filter_externalid_eq_negative_lookup_finds_the_user() {
    let server = serve(40, Faults::default(), |_| {});
    let report = check_live(&server, &["--probe-sample", "5"]);
    assert_eq!(status(&report, "filter-externalid-eq"), "pass");
}

#[test]
fn latency_positive_slow_server_warns_about_entra_throughput() {
    let faults = Faults {
        latency: Duration::from_millis(120),
        ..Default::default()
    };
    let server = serve(20, faults, |_| {});
    let report = check_live(
        &server,
        &[
            "--concurrency",
            "1",
            "--page-size",
            "10",
            "--probe-sample",
            "1",
        ],
    );
    assert_eq!(status(&report, "latency"), "warn", "{report}");
    assert!(message(&report, "latency").contains("25 requests/s"));
}

#[test]
fn latency_negative_fast_server() {
    let server = serve(20, Faults::default(), |_| {});
    let report = check_live(&server, &[]);
    assert_eq!(status(&report, "latency"), "pass");
}

#[path = "shared/findings.rs"]
mod findings;
use findings::offline_findings;

// ---- snapshots: live and offline agree ---------------------------------------------

#[test]
fn snapshot_written_live_and_reread_offline_gives_identical_findings() {
    let server = serve(USERS, Faults::default(), |c| c.max_page_size = Some(60));
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    doctor()
        .args([
            "snapshot",
            "--base-url",
            server.base_url(),
            "--out",
            snap.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    let live = doctor()
        .args([
            "check",
            "--base-url",
            server.base_url(),
            "--format",
            "json",
            "--playbook",
            "full-audit",
        ])
        .output()
        .unwrap();
    let offline = doctor()
        .args([
            "check",
            "--snapshot",
            snap.to_str().unwrap(),
            "--format",
            "json",
            "--playbook",
            "full-audit",
        ])
        .output()
        .unwrap();
    let live: Value = serde_json::from_slice(&live.stdout).unwrap();
    let offline: Value = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(live["tenant"], offline["tenant"]);
    assert_eq!(offline_findings(&live), offline_findings(&offline));
    assert_eq!(status(&offline, "fetch-complete"), "skipped");
    assert!(message(&offline, "fetch-complete").contains("offline run"));
}

#[test]
fn snapshot_refuses_a_non_empty_directory_before_fetching() {
    let server = serve(5, Faults::default(), |_| {});
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "mine").unwrap();
    let out = doctor()
        .args([
            "snapshot",
            "--base-url",
            server.base_url(),
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    assert!(
        server.requests().is_empty(),
        "nothing is fetched when the output cannot be written"
    );
}

#[test]
fn snapshot_never_writes_the_token() {
    let server = serve(30, Faults::default(), |_| {});
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    doctor()
        .args([
            "snapshot",
            "--base-url",
            server.base_url(),
            "--out",
            snap.to_str().unwrap(),
        ])
        .assert()
        .code(0);
    for entry in walk(&snap) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(TOKEN), "{} holds the token", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn snapshot_with_a_wrong_token_exits_2_and_points_at_test_connection() {
    let server = serve(5, Faults::default(), |_| {});
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    let out = doctor()
        .env("SCIM_TOKEN", "wrong-token-for-this-test")
        .args([
            "snapshot",
            "--base-url",
            server.base_url(),
            "--out",
            snap.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("HTTP 401") && err.contains("test-connection"),
        "{err}"
    );
    assert!(
        !snap.exists(),
        "no snapshot is written when nothing was fetched"
    );
}

/// Proves `snapshot` on a slow server says what it is waiting for before its first page, and
/// that Ctrl-C (SIGINT) during the fetch ends it with exit 2 and a line saying how far it got
/// and that nothing was written.
#[test]
fn snapshot_speaks_before_the_first_page_and_reports_an_interrupt() {
    let config = ServerConfig {
        faults: Faults {
            latency: Duration::from_millis(700),
            ..Default::default()
        },
        ..ServerConfig::with_token(TOKEN)
    };
    let srv = TestServer::start(tenant(USERS), config).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("snap");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_scim-doctor"))
        .env("SCIM_TOKEN", TOKEN)
        .args(["snapshot", "--base-url", srv.base_url(), "--out"])
        .arg(&out_dir)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The connection steps take several 700 ms answers: the first note is there long before.
    std::thread::sleep(Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no exit after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("snapshot: checking the connection to"),
        "{stderr}"
    );
    assert!(stderr.contains("interrupted by Ctrl-C while"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!out_dir.join("users.ndjson").exists());
}
