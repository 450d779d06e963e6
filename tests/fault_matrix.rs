//! The fault matrix (issue #7): every failure class a diagnostic tool meets in the field,
//! driven through the embedded server (and, for what it cannot play, a scripted raw-socket
//! server), each run as `scim-doctor check --bundle` with a planted token. Every case asserts:
//! the specific check id, status and message; the exit code; no panic; that partial data is
//! kept and flagged (in the report and in the bundle's report.json); and that the planted
//! token appears in no line of stdout/stderr and in no file of the bundle.

#[path = "connection_support/mod.rs"]
mod support;

use scim_doctor::model::{Email, Tenant, User};
use scim_doctor::server::{
    Drip, EveryNth, Faults, RateLimit, RetryAfter, ServerConfig, TestServer, TlsPem,
};
use serde_json::Value;
use std::io::Read;
use std::time::Duration;
use support::{Resp, Scripted, TOKEN};

const USERS: usize = 250;

/// A tenant with no data problems, so that only the injected fault decides the outcome.
fn clean_tenant() -> Tenant {
    let mut t = Tenant::new("fault-matrix");
    for i in 0..USERS {
        let mail = format!("user{i:04}@example.test");
        t.users.push(User {
            id: format!("u-{i:04}"),
            user_name: Some(mail.clone()),
            external_id: Some(format!("ext-{i:04}")),
            active: Some(true),
            display_name: Some(format!("User {i}")),
            emails: vec![Email {
                value: mail,
                kind: Some("work".into()),
                primary: true,
            }],
            ..Default::default()
        });
    }
    t
}

fn server(faults: Faults) -> TestServer {
    TestServer::start(
        clean_tenant(),
        ServerConfig {
            faults,
            ..ServerConfig::with_token(TOKEN)
        },
    )
    .expect("embedded server")
}

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    report: Value,
    bundle_report: Option<Value>,
}

impl Outcome {
    fn check(&self, id: &str) -> &Value {
        self.report["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no `{id}` in the report:\n{}\n{}", self.stdout, self.stderr))
    }

    /// Asserts `id` has `status` and a message containing `needle` (case-insensitive).
    fn expect(&self, id: &str, status: &str, needle: &str) {
        let c = self.check(id);
        let message = c["message"].as_str().unwrap_or("");
        assert_eq!(c["status"], status, "`{id}`: {message}");
        assert!(
            message.to_lowercase().contains(&needle.to_lowercase()),
            "`{id}` message should mention `{needle}`: {message}"
        );
        if status != "pass" && status != "skipped" {
            assert!(
                !c["remediation"].as_str().unwrap_or("").is_empty(),
                "`{id}` has no remediation"
            );
        }
    }

    /// Asserts the users fetched were kept and the data is flagged incomplete, in the report
    /// and in the bundle.
    fn expect_partial(&self, min_users: u64) {
        for (what, r) in [
            ("report", Some(&self.report)),
            ("bundle report.json", self.bundle_report.as_ref()),
        ] {
            let r = r.unwrap_or_else(|| panic!("no {what}"));
            assert_eq!(
                r["tenant"]["complete"], false,
                "{what} should flag incomplete data"
            );
            assert!(
                r["tenant"]["users"].as_u64().unwrap_or(0) >= min_users,
                "{what} should keep the {min_users}+ users fetched: {}",
                r["tenant"]
            );
            let warnings = r["warnings"].to_string();
            assert!(
                warnings.contains("incomplete"),
                "{what} warnings should say incomplete: {warnings}"
            );
        }
    }

    fn expect_complete(&self) {
        assert_eq!(
            self.report["tenant"]["complete"], true,
            "{}",
            self.report["tenant"]
        );
        assert_eq!(self.report["tenant"]["users"], USERS as u64);
    }
}

/// Retries, deadline and timeout kept small so failing cases end quickly; a case's own
/// value for one of them wins.
fn defaults_not_in(extra: &[&str]) -> Vec<&'static str> {
    [("--retries", "2"), ("--deadline", "40"), ("--timeout", "5")]
        .into_iter()
        .filter(|(flag, _)| !extra.contains(flag))
        .flat_map(|(flag, value)| [flag, value])
        .collect()
}

/// Runs `check --bundle` against `base_url` with the planted token in the environment, then
/// applies the checks every case shares: no panic, valid JSON, and no secret anywhere.
fn run(base_url: &str, extra: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("case.zip");
    let out = assert_cmd::Command::cargo_bin("scim-doctor")
        .expect("binary")
        .env("SCIM_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "*")
        .env_remove("SCIM_BASE_URL")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .args(["check", "--format", "json", "--base-url", base_url])
        .args(["--bundle", zip.to_str().expect("utf-8 path")])
        .args(defaults_not_in(extra))
        .args(extra)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run scim-doctor");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "panic: {stderr}"
    );
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "token leaked to stdout/stderr"
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}\n{stderr}"));
    let mut bundle_report = None;
    if zip.exists() {
        let file = std::fs::File::open(&zip).expect("open bundle");
        let mut archive = zip::ZipArchive::new(file).expect("bundle is a zip");
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read entry");
            let name = entry.name().to_string();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(TOKEN),
                "token leaked into bundle file {name}"
            );
            if name == "report.json" {
                bundle_report = serde_json::from_slice(&bytes).ok();
            }
        }
    }
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout,
        stderr,
        report,
        bundle_report,
    }
}

// ---------- authentication and routing ----------

#[test]
fn http_401_wrong_token_is_an_auth_failure() {
    let srv = TestServer::start(
        clean_tenant(),
        ServerConfig::with_token("a-different-token-123"),
    )
    .expect("server");
    let o = run(srv.base_url(), &[]);
    o.expect("http-auth", "fail", "401");
    assert_eq!(o.code, 1);
    o.expect("missing-email", "skipped", "http-auth");
}

#[test]
fn http_403_is_an_auth_failure_not_a_token_problem() {
    let srv = server(Faults {
        status: vec![("/Users".into(), 403)],
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("http-auth", "fail", "403");
    assert_eq!(o.code, 1);
}

#[test]
fn http_404_means_the_base_url_is_wrong() {
    let srv = server(Faults {
        status: vec![("/Users".into(), 404)],
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("endpoint-path", "fail", "404");
    assert_eq!(o.code, 1);
}

#[test]
fn http_405_means_the_base_url_is_wrong() {
    let srv = server(Faults {
        status: vec![("/Users".into(), 405)],
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("endpoint-path", "fail", "405");
    assert_eq!(o.code, 1);
}

#[test]
fn html_login_page_instead_of_json() {
    let srv = server(Faults {
        html_login: Some(String::new()),
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("endpoint-path", "fail", "html");
    assert_eq!(o.code, 1);
}

#[test]
fn redirect_loop_is_reported_not_followed() {
    let srv = server(Faults {
        redirect_loop: Some("/Users".into()),
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("endpoint-path", "fail", "redirect");
    assert_eq!(o.code, 1);
}

// ---------- transport ----------

#[test]
fn connection_refused() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let o = run(&format!("http://127.0.0.1:{port}/scim/v2"), &[]);
    o.expect("tcp", "fail", "refused");
    assert_eq!(o.code, 1);
}

#[test]
fn read_timeout() {
    let srv = server(Faults {
        latency: Duration::from_secs(3),
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--timeout", "1"]);
    o.expect("http-auth", "fail", "timed out");
    assert_eq!(o.code, 1);
}

#[test]
fn slow_drip_body_hits_the_timeout() {
    let srv = server(Faults {
        drip: Some(Drip {
            chunk: 8,
            delay: Duration::from_millis(100),
        }),
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--timeout", "2"]);
    o.expect("http-auth", "fail", "timed out");
    assert_eq!(o.code, 1);
}

#[test]
fn connection_reset_mid_body_is_retried_and_nothing_is_lost() {
    let srv = server(Faults {
        reset_mid_body: Some(EveryNth::with_prefix(4, "/Users?startIndex")),
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--page-size", "50"]);
    o.expect("fetch-complete", "pass", "250 of 250");
    o.expect_complete();
}

fn tls_server(pems: &support::Pems) -> TestServer {
    TestServer::start(
        clean_tenant(),
        ServerConfig {
            tls: Some(TlsPem {
                cert_pem: pems.chain.clone().into_bytes(),
                key_pem: pems.key.clone().into_bytes(),
            }),
            ..ServerConfig::with_token(TOKEN)
        },
    )
    .expect("tls server")
}

#[test]
fn tls_untrusted_self_signed_certificate() {
    let srv = tls_server(&support::self_signed(&["localhost", "127.0.0.1"]));
    let o = run(&srv.base_url().replace("http://", "https://"), &[]);
    o.expect("tls", "fail", "self-signed");
    assert_eq!(o.code, 1);
}

#[test]
fn tls_expired_certificate() {
    let pems = support::ca_signed(&["localhost", "127.0.0.1"], -30, -1);
    let ca = tempfile::NamedTempFile::new().expect("ca file");
    std::fs::write(ca.path(), pems.ca.clone().expect("ca")).expect("write ca");
    let srv = tls_server(&pems);
    let o = run(
        &srv.base_url().replace("http://", "https://"),
        &["--ca-cert", ca.path().to_str().expect("path")],
    );
    o.expect("tls", "fail", "expired");
    assert_eq!(o.code, 1);
}

#[test]
fn tls_wrong_host_certificate() {
    let pems = support::ca_signed(&["scim.other.example"], -1, 365);
    let ca = tempfile::NamedTempFile::new().expect("ca file");
    std::fs::write(ca.path(), pems.ca.clone().expect("ca")).expect("write ca");
    let srv = tls_server(&pems);
    let o = run(
        &srv.base_url().replace("http://", "https://"),
        &["--ca-cert", ca.path().to_str().expect("path")],
    );
    o.expect("tls", "fail", "scim.other.example");
    assert_eq!(o.code, 1);
}

// ---------- bodies ----------

#[test]
fn malformed_json_body() {
    let srv = server(Faults {
        malformed_json: Some("/Users".into()),
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("scim-response", "fail", "json");
    assert_eq!(o.code, 1);
}

/// A raw server whose /Users answers `body` with `content_type` (what the embedded server
/// cannot play: truncated bodies, JSON that is not SCIM).
fn scripted(body: &'static str, content_type: &'static str) -> Scripted {
    Scripted::http(std::sync::Arc::new(move |_req| {
        Resp::new(200, content_type, body.as_bytes().to_vec())
    }))
}

#[test]
fn truncated_json_body() {
    let srv = scripted(
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"Resources":[{"id":"#,
        "application/scim+json",
    );
    let o = run(&srv.base_url(), &[]);
    o.expect("scim-response", "fail", "json");
    assert_eq!(o.code, 1);
}

#[test]
fn valid_json_that_is_not_scim() {
    let srv = scripted(
        r#"{"status":"ok","users":[{"name":"a"}]}"#,
        "application/json",
    );
    let o = run(&srv.base_url(), &[]);
    o.expect("scim-response", "fail", "ListResponse");
    assert_eq!(o.code, 1);
}

#[test]
fn non_utf8_bytes_in_bodies_do_not_break_the_run() {
    let srv = server(Faults {
        non_utf8: true,
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    assert!(matches!(o.code, 0 | 1), "exit {}", o.code);
    // JSON must be UTF-8 (RFC 8259): the server is broken, and the report says where.
    o.expect("scim-response", "fail", "not valid json");
}

#[test]
fn gzip_compressed_bodies_are_decoded() {
    let srv = server(Faults {
        gzip: true,
        ..Default::default()
    });
    let o = run(srv.base_url(), &[]);
    o.expect("fetch-complete", "pass", "250 of 250");
    o.expect_complete();
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn oversized_body_is_refused_with_the_flag_that_raises_the_cap() {
    let srv = server(Faults {
        oversized_mib: 2,
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--max-body-mib", "1"]);
    assert_eq!(o.code, 1);
    let text = o.stdout.to_lowercase();
    assert!(
        text.contains("--max-body-mib"),
        "the report should name --max-body-mib"
    );
}

// ---------- throttling and server errors ----------

/// 429 bursts with Retry-After in both RFC 9110 forms (seconds and HTTP-date) are waited out.
#[test]
fn http_429_with_retry_after_is_waited_out() {
    for retry_after in [RetryAfter::Seconds(1), RetryAfter::HttpDate(1)] {
        let srv = server(Faults {
            rate_limit: Some(RateLimit {
                every: EveryNth::with_prefix(3, "/Users?startIndex"),
                retry_after: retry_after.clone(),
            }),
            ..Default::default()
        });
        let o = run(srv.base_url(), &["--page-size", "50"]);
        o.expect("rate-limited", "warn", "429");
        o.expect("fetch-complete", "pass", "250 of 250");
        o.expect_complete();
    }
}

#[test]
fn http_503_now_and_then_is_retried_and_nothing_is_lost() {
    let srv = server(Faults {
        unavailable: Some(EveryNth::with_prefix(3, "/Users?startIndex")),
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--page-size", "50"]);
    o.expect("fetch-complete", "pass", "250 of 250");
    o.expect_complete();
}

/// 500/502/503/504 on every group page: users are kept, groups are lost, and the report and
/// the bundle both say the data is incomplete.
#[test]
fn http_5xx_on_a_resource_type_keeps_what_was_fetched_and_flags_it() {
    for status in [500u16, 502, 503, 504] {
        let srv = server(Faults {
            status: vec![("/Groups".into(), status)],
            ..Default::default()
        });
        let o = run(srv.base_url(), &["--retries", "1"]);
        o.expect("fetch-complete", "fail", "groups");
        o.expect_partial(USERS as u64);
        assert_eq!(o.code, 1, "status {status}");
        assert!(
            o.check("fetch-complete")["message"]
                .as_str()
                .unwrap_or("")
                .contains(&status.to_string())
                || o.stdout.contains(&format!("HTTP {status}")),
            "status {status} should be named"
        );
    }
}

// ---------- servers that lie about paging ----------

#[test]
fn lying_total_results() {
    let srv = server(Faults {
        total_results_delta: 40,
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--page-size", "50"]);
    o.expect("pagination-consistency", "fail", "totalResults");
    o.expect_partial(USERS as u64);
    assert_eq!(o.code, 1);
}

#[test]
fn a_page_that_repeats_forever_is_stopped() {
    let srv = server(Faults {
        repeat_first_page: true,
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--page-size", "50"]);
    o.expect("pagination-consistency", "fail", "repeat");
    o.expect_partial(50);
    assert_eq!(o.code, 1);
}

#[test]
fn zero_based_paging_is_detected_and_nothing_is_lost() {
    let srv = server(Faults {
        zero_based: true,
        ..Default::default()
    });
    let o = run(srv.base_url(), &["--page-size", "50"]);
    // IdPs page from 1 and would skip the first resource: a defect, even though scim-doctor
    // adapts and loses nothing.
    o.expect("pagination-consistency", "fail", "from 0");
    o.expect_complete();
}
