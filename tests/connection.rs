//! `scim-doctor test-connection` end to end: the real binary against the embedded server
//! (`server::TestServer`, with its fault knobs and TLS) on 127.0.0.1, and against a small
//! scripted server (tests/connection_support) for the few behaviours the embedded server does
//! not play (a server that ignores filters or rejects them). Each failure class must come out
//! under its own check id with its own message, later steps skipped after a hard failure, and
//! no planted secret in any output. Test names follow the catalog convention
//! `<check_id>_positive_*` (problem present) / `<check_id>_negative_*` (healthy: must pass).

mod connection_support;

use connection_support::*;
use scim_doctor::secret::SecretString;
use scim_doctor::server::{Faults, Redirect, ServerConfig};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

const WRONG_TOKEN: &str = "tok-WrongPLANTED-0f0f0f";

fn write_temp(contents: &str) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(contents.as_bytes()).expect("write temp file");
    f
}

fn assert_clean(run: &Run) {
    run.assert_no_secret();
    assert!(
        !run.stdout.contains(WRONG_TOKEN) && !run.stderr.contains(WRONG_TOKEN),
        "wrong token leaked"
    );
}

/// Every step after `failed` is skipped and names it.
fn assert_skipped_after(run: &Run, failed: &str) {
    let ids = scim_doctor::connection::STEPS;
    let pos = ids.iter().position(|i| *i == failed).expect("known step");
    for id in &ids[pos + 1..] {
        assert_eq!(
            run.status(id),
            "skipped",
            "{id} after {failed}: {}",
            run.message(id)
        );
        assert!(
            run.message(id).contains(&format!("`{failed}` failed")),
            "{}",
            run.message(id)
        );
    }
}

/// The passing path, run once and shared: the embedded server over HTTPS with a certificate
/// from a test CA given with --ca-cert, reached as `localhost`, with the valid bearer token.
struct Passing {
    run: Run,
    methods: Vec<String>,
    paths: Vec<String>,
}

fn passing() -> &'static Passing {
    static RUN: OnceLock<Passing> = OnceLock::new();
    RUN.get_or_init(|| {
        let pems = ca_signed(&["localhost", "127.0.0.1"], -1, 365);
        let ca = write_temp(pems.ca.as_deref().expect("ca"));
        let server = embedded_tls(&pems);
        let ca_path = ca.path().to_string_lossy().to_string();
        let run = run(
            &url_for(&server, "localhost"),
            Creds::Token(TOKEN),
            &["--ca-cert", &ca_path],
        );
        let reqs = server.requests();
        assert_eq!(server.non_get_count(), 0, "only GET requests");
        Passing {
            run,
            methods: reqs.iter().map(|r| r.method.clone()).collect(),
            paths: reqs.iter().map(|r| r.path.clone()).collect(),
        }
    })
}

fn remediation(run: &Run, id: &str) -> String {
    run.check(id)["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn passing_path_every_step_passes_exit_0_and_only_gets_were_sent() {
    let p = passing();
    for id in scim_doctor::connection::STEPS {
        assert_eq!(p.run.status(id), "pass", "{id}: {}", p.run.message(id));
        let c = p.run.check(id);
        assert!(
            c["at"].is_string() && c["elapsed_ms"].is_u64(),
            "{id} lacks timing"
        );
    }
    let evidence = p.run.check("http-auth")["evidence"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        evidence.len(),
        2,
        "configured and anonymous request recorded"
    );
    assert!(evidence
        .iter()
        .all(|e| e["method"] == "GET" && e["status"].is_u64() && e["at"].is_string()));
    assert_eq!(p.run.code, 0, "{}", p.run.stderr);
    assert!(
        !p.methods.is_empty() && p.methods.iter().all(|m| m == "GET"),
        "{:?}",
        p.methods
    );
    assert_clean(&p.run);
}

// ---------- base-url ----------

#[test]
fn base_url_negative_https_scim_root() {
    let p = passing();
    assert_eq!(
        p.run.status("base-url"),
        "pass",
        "{}",
        p.run.message("base-url")
    );
}

#[test]
fn base_url_positive_path_ends_in_users() {
    let server = embedded(Faults::default());
    let run = run(
        &format!("{}/Users", server.base_url()),
        Creds::Token(TOKEN),
        &[],
    );
    assert_eq!(run.status("base-url"), "fail");
    assert!(
        run.message("base-url").contains("/Users"),
        "{}",
        run.message("base-url")
    );
    assert!(remediation(&run, "base-url").contains("/scim/v2"));
    assert_eq!(run.code, 1);
    assert_clean(&run);
}

#[test]
fn base_url_positive_embedded_password_is_never_echoed() {
    let server = embedded(Faults::default());
    let url = format!(
        "http://{USERNAME}:{PASSWORD}@127.0.0.1:{}/scim/v2",
        server.addr().port()
    );
    let run = run(&url, Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("base-url"), "fail");
    assert!(
        run.message("base-url").contains("embedded"),
        "{}",
        run.message("base-url")
    );
    assert_clean(&run);
}

// ---------- dns ----------

#[test]
fn dns_negative_localhost_resolves() {
    let p = passing();
    assert_eq!(p.run.status("dns"), "pass");
    assert!(
        p.run.message("dns").contains("127.0.0.1"),
        "{}",
        p.run.message("dns")
    );
}

#[test]
fn dns_positive_unresolvable_name() {
    // `.invalid` is reserved (RFC 6761): resolution fails locally and nothing is sent.
    let run = run(
        "https://scim-doctor-test.invalid/scim/v2",
        Creds::Token(TOKEN),
        &["--timeout", "5"],
    );
    assert_eq!(run.status("dns"), "fail");
    assert!(
        run.message("dns").contains("scim-doctor-test.invalid"),
        "{}",
        run.message("dns")
    );
    assert_skipped_after(&run, "dns");
    assert_eq!(run.code, 1);
    assert_clean(&run);
}

// ---------- tcp ----------

#[test]
fn tcp_negative_port_accepts() {
    let p = passing();
    assert_eq!(p.run.status("tcp"), "pass");
}

#[test]
fn tcp_positive_refused_port() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    }; // dropped: nothing listens there any more
    let run = run(
        &format!("http://127.0.0.1:{port}/scim/v2"),
        Creds::Token(TOKEN),
        &[],
    );
    assert_eq!(run.status("tcp"), "fail");
    assert!(
        run.message("tcp").contains("refused"),
        "{}",
        run.message("tcp")
    );
    assert_eq!(
        run.message("tls"),
        "skipped: `tcp` failed, so no TLS handshake could be made"
    );
    assert_skipped_after(&run, "tcp");
    assert_eq!(run.code, 1);
    assert_clean(&run);
}

// ---------- tls ----------

#[test]
fn tls_negative_trusted_certificate() {
    let p = passing();
    assert_eq!(p.run.status("tls"), "pass");
    assert!(
        p.run.message("tls").contains("scim-doctor test CA"),
        "{}",
        p.run.message("tls")
    );
}

#[test]
fn tls_negative_plain_http_is_skipped_with_reason() {
    let server = embedded(Faults::default());
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("tls"), "skipped");
    assert!(
        run.message("tls").contains("plain http"),
        "{}",
        run.message("tls")
    );
    assert_eq!(
        run.status("base-url"),
        "warn",
        "plain http on loopback is a warning"
    );
    assert_eq!(run.status("http-auth"), "pass");
    assert_eq!(run.code, 0);
    assert_clean(&run);
}

#[test]
fn tls_positive_self_signed_certificate() {
    let pems = self_signed(&["localhost", "127.0.0.1"]);
    let server = embedded_tls(&pems);
    let run = run(&url_for(&server, "127.0.0.1"), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("tls"), "fail");
    assert!(
        run.message("tls").contains("self-signed"),
        "{}",
        run.message("tls")
    );
    assert!(remediation(&run, "tls").contains("--ca-cert"));
    assert_skipped_after(&run, "tls");
    assert_eq!(run.code, 1);
    assert_clean(&run);
}

#[test]
fn tls_positive_expired_certificate() {
    let pems = ca_signed(&["localhost", "127.0.0.1"], -60, -2);
    let ca = write_temp(pems.ca.as_deref().expect("ca"));
    let server = embedded_tls(&pems);
    let run = run(
        &url_for(&server, "127.0.0.1"),
        Creds::Token(TOKEN),
        &["--ca-cert", &ca.path().to_string_lossy()],
    );
    assert_eq!(run.status("tls"), "fail");
    assert!(
        run.message("tls").contains("expired on"),
        "{}",
        run.message("tls")
    );
    assert!(
        !run.message("tls").contains("self-signed"),
        "{}",
        run.message("tls")
    );
    assert_skipped_after(&run, "tls");
    assert_clean(&run);
}

#[test]
fn tls_positive_wrong_host_certificate() {
    let pems = ca_signed(&["wrong.example.com"], -1, 365);
    let ca = write_temp(pems.ca.as_deref().expect("ca"));
    let server = embedded_tls(&pems);
    let run = run(
        &url_for(&server, "127.0.0.1"),
        Creds::Token(TOKEN),
        &["--ca-cert", &ca.path().to_string_lossy()],
    );
    assert_eq!(run.status("tls"), "fail");
    let msg = run.message("tls");
    assert!(
        msg.contains("wrong.example.com") && msg.contains("not 127.0.0.1"),
        "{msg}"
    );
    assert_clean(&run);
}

#[test]
fn tls_positive_expiring_soon_warns() {
    let pems = ca_signed(&["localhost", "127.0.0.1"], -300, 10);
    let ca = write_temp(pems.ca.as_deref().expect("ca"));
    let server = embedded_tls(&pems);
    let run = run(
        &url_for(&server, "127.0.0.1"),
        Creds::Token(TOKEN),
        &["--ca-cert", &ca.path().to_string_lossy()],
    );
    assert_eq!(run.status("tls"), "warn", "{}", run.message("tls"));
    assert!(
        run.message("tls").contains("days left"),
        "{}",
        run.message("tls")
    );
    assert_eq!(
        run.status("http-auth"),
        "pass",
        "a warning does not stop the run"
    );
    assert_clean(&run);
}

#[test]
fn tls_positive_insecure_reports_warn_and_proceeds() {
    let pems = self_signed(&["localhost", "127.0.0.1"]);
    let server = embedded_tls(&pems);
    let run = run(
        &url_for(&server, "127.0.0.1"),
        Creds::Token(TOKEN),
        &["--insecure"],
    );
    assert_eq!(run.status("tls"), "warn", "{}", run.message("tls"));
    assert!(
        run.message("tls").contains("--insecure"),
        "{}",
        run.message("tls")
    );
    assert_eq!(
        run.status("http-auth"),
        "pass",
        "{}",
        run.message("http-auth")
    );
    assert_clean(&run);
}

#[test]
fn tls_positive_https_url_on_a_plain_http_port() {
    let server = embedded(Faults::default());
    let run = run(
        &url_for(&server, "127.0.0.1").replace("http://", "https://"),
        Creds::Token(TOKEN),
        &["--insecure"],
    );
    assert_eq!(
        run.status("tls"),
        "fail",
        "no handshake at all fails even with --insecure"
    );
    assert!(
        run.message("tls").contains("plain HTTP"),
        "{}",
        run.message("tls")
    );
    assert_skipped_after(&run, "tls");
    assert_clean(&run);
}

// ---------- http-auth ----------

#[test]
fn http_auth_negative_valid_token() {
    let p = passing();
    assert_eq!(p.run.status("http-auth"), "pass");
    assert!(
        p.run
            .message("http-auth")
            .contains("401 without credentials"),
        "{}",
        p.run.message("http-auth")
    );
}

#[test]
fn http_auth_negative_basic_credentials_accepted() {
    let server = embedded_with(ServerConfig {
        basic: Some((USERNAME.into(), SecretString::new(PASSWORD))),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Basic, &[]);
    assert_eq!(
        run.status("http-auth"),
        "pass",
        "{}",
        run.message("http-auth")
    );
    assert_eq!(
        run.status("service-provider-config"),
        "pass",
        "{}",
        run.message("service-provider-config")
    );
    assert_clean(&run);
}

#[test]
fn http_auth_positive_wrong_token() {
    let server = embedded(Faults::default());
    let run = run(server.base_url(), Creds::Token(WRONG_TOKEN), &[]);
    assert_eq!(run.status("http-auth"), "fail");
    let msg = run.message("http-auth");
    assert!(
        msg.contains("401") && msg.contains("invalid or expired"),
        "{msg}"
    );
    assert!(
        msg.contains("missing or wrong credentials"),
        "the server's detail is quoted: {msg}"
    );
    assert!(remediation(&run, "http-auth").contains("new SCIM token"));
    assert_skipped_after(&run, "http-auth");
    assert_eq!(run.code, 1);
    assert_clean(&run);
}

/// Proves a 401 whose body is empty is not called an HTML page because of its text/html label:
/// the body decides, and the message says it was empty.
#[test]
fn http_auth_positive_empty_401_labelled_html_is_not_an_html_page() {
    let server = embedded(Faults {
        empty_html_401: true,
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(WRONG_TOKEN), &[]);
    assert_eq!(run.status("http-auth"), "fail");
    let msg = run.message("http-auth");
    assert!(msg.contains("401"), "{msg}");
    assert!(
        !msg.contains("HTML page"),
        "an empty body is no page: {msg}"
    );
    assert!(!msg.contains("SSO gateway"), "{msg}");
    assert!(
        msg.contains("an empty body"),
        "the message says what came back: {msg}"
    );
    assert_clean(&run);
}

#[test]
fn http_auth_positive_wrong_scheme_bearer_sent_basic_wanted() {
    // Safous-style: the server takes a key + secret over Basic; a bearer token was sent.
    let server = embedded_with(ServerConfig {
        basic: Some((USERNAME.into(), SecretString::new(PASSWORD))),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("http-auth"), "fail");
    assert!(
        run.message("http-auth").contains("asks for Basic"),
        "{}",
        run.message("http-auth")
    );
    assert!(remediation(&run, "http-auth").contains("--username"));
    assert_clean(&run);
}

#[test]
fn http_auth_positive_wrong_scheme_basic_sent_bearer_wanted() {
    let server = embedded(Faults::default());
    let run = run(server.base_url(), Creds::Basic, &[]);
    assert_eq!(run.status("http-auth"), "fail");
    assert!(
        run.message("http-auth").contains("asks for a Bearer token"),
        "{}",
        run.message("http-auth")
    );
    assert_clean(&run);
}

#[test]
fn http_auth_positive_forbidden_403() {
    let server = embedded(Faults {
        status: vec![("/Users".into(), 403)],
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("http-auth"), "fail");
    let msg = run.message("http-auth");
    assert!(msg.contains("403") && msg.contains("not allowed"), "{msg}");
    assert!(remediation(&run, "http-auth").contains("permission"));
    assert_skipped_after(&run, "http-auth");
    assert_clean(&run);
}

#[test]
fn http_auth_positive_no_credentials_given() {
    let server = embedded(Faults::default());
    let run = run(server.base_url(), Creds::None, &[]);
    assert_eq!(run.status("http-auth"), "fail");
    assert!(
        run.message("http-auth").contains("no credentials"),
        "{}",
        run.message("http-auth")
    );
    assert_clean(&run);
}

#[test]
fn http_auth_positive_endpoint_open_without_credentials() {
    // No token and no basic credentials configured: the embedded server accepts everyone.
    let server = embedded_with(ServerConfig::default());
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("http-auth"), "warn");
    assert!(
        run.message("http-auth").contains("for anyone"),
        "{}",
        run.message("http-auth")
    );
    assert_clean(&run);
}

#[test]
fn http_auth_positive_timeout() {
    let server = embedded(Faults {
        latency: Duration::from_millis(2500),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &["--timeout", "1"]);
    assert_eq!(
        run.status("tcp"),
        "pass",
        "the port accepts; only the answer is late"
    );
    assert_eq!(run.status("http-auth"), "fail");
    assert!(
        run.message("http-auth").contains("timed out"),
        "{}",
        run.message("http-auth")
    );
    assert_skipped_after(&run, "http-auth");
    assert_clean(&run);
}

// ---------- endpoint-path ----------

#[test]
fn endpoint_path_negative_users_endpoint_found() {
    assert_eq!(passing().run.status("endpoint-path"), "pass");
}

#[test]
fn endpoint_path_positive_404_wrong_base_url() {
    let server = embedded(Faults::default());
    let run = run(
        &format!("http://127.0.0.1:{}/api/v1", server.addr().port()),
        Creds::Token(TOKEN),
        &[],
    );
    assert_eq!(run.status("endpoint-path"), "fail");
    assert!(
        run.message("endpoint-path").contains("404"),
        "{}",
        run.message("endpoint-path")
    );
    assert_skipped_after(&run, "endpoint-path");
    assert_clean(&run);
}

#[test]
fn endpoint_path_positive_html_login_page() {
    let server = embedded(Faults {
        html_login: Some(String::new()),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("endpoint-path"), "fail");
    let msg = run.message("endpoint-path");
    assert!(msg.contains("HTML page") && msg.contains("proxy"), "{msg}");
    assert_eq!(
        run.status("http-auth"),
        "warn",
        "an HTML page does not prove the credentials work"
    );
    assert_skipped_after(&run, "endpoint-path");
    assert_clean(&run);
}

#[test]
fn endpoint_path_positive_redirect() {
    let server = embedded(Faults {
        redirect: Some(Redirect {
            prefix: String::new(),
            location: "https://login.example.com/sso?next=scim".into(),
        }),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("endpoint-path"), "fail");
    let msg = run.message("endpoint-path");
    assert!(
        msg.contains("302 redirect to https://login.example.com/sso"),
        "{msg}"
    );
    assert!(remediation(&run, "endpoint-path").contains("do not follow redirects"));
    assert_clean(&run);
}

// ---------- scim-response ----------

#[test]
fn scim_response_negative_list_response() {
    assert_eq!(passing().run.status("scim-response"), "pass");
}

#[test]
fn scim_response_positive_malformed_json() {
    let server = embedded(Faults {
        malformed_json: Some("/Users".into()),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("scim-response"), "fail");
    assert!(
        run.message("scim-response").contains("not valid JSON"),
        "{}",
        run.message("scim-response")
    );
    assert_eq!(
        run.status("idp-test-connection"),
        "fail",
        "neither IdP accepts broken JSON"
    );
    assert_clean(&run);
}

#[test]
fn scim_response_positive_plain_json_content_type_warns() {
    let server = embedded(Faults {
        content_type: Some("application/json".into()),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("scim-response"), "warn");
    assert!(
        run.message("scim-response")
            .contains("application/json instead of application/scim+json"),
        "{}",
        run.message("scim-response")
    );
    assert_clean(&run);
}

#[test]
fn scim_response_positive_missing_total_results() {
    let server = Scripted::http(Arc::new(|r: &Req| {
        if r.path.ends_with("/Users") && r.authorization.is_some() {
            Resp::scim(
                200,
                serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": []}),
            )
        } else {
            healthy(Expect::Bearer, r)
        }
    }));
    let run = run(&server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("scim-response"), "fail");
    assert!(
        run.message("scim-response").contains("no `totalResults`"),
        "{}",
        run.message("scim-response")
    );
    assert_clean(&run);
}

// ---------- idp-test-connection ----------

#[test]
fn idp_test_connection_negative_both_idps_would_pass() {
    let p = passing();
    assert_eq!(p.run.status("idp-test-connection"), "pass");
    let data = &p.run.check("idp-test-connection")["data"];
    assert_eq!(data["entra"]["would_pass"], true);
    assert_eq!(data["okta"]["would_pass"], true);
    // Entra's request: a URL-encoded `userName eq "<GUID>"` filter; Okta's: count=2.
    assert!(
        p.paths.iter().any(
            |t| t.starts_with("/scim/v2/Users?filter=userName%20eq%20%22") && t.ends_with("%22")
        ),
        "{:?}",
        p.paths
    );
    assert!(
        p.paths
            .iter()
            .any(|t| t == "/scim/v2/Users?startIndex=1&count=2"),
        "{:?}",
        p.paths
    );
}

#[test]
fn idp_test_connection_positive_filter_ignored() {
    // The server returns its users whatever the filter: Entra's check fails, Okta's passes.
    let server = Scripted::http(Arc::new(|r: &Req| {
        let mut r = r.clone();
        r.query = r.query.replace("filter=", "ignored=");
        healthy(Expect::Bearer, &r)
    }));
    let run = run(&server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("idp-test-connection"), "fail");
    let data = &run.check("idp-test-connection")["data"];
    assert_eq!(data["entra"]["would_pass"], false);
    assert_eq!(data["okta"]["would_pass"], true);
    assert!(
        run.message("idp-test-connection")
            .contains("ignores the filter"),
        "{}",
        run.message("idp-test-connection")
    );
    assert_clean(&run);
}

#[test]
fn idp_test_connection_positive_invalid_filter() {
    let server = Scripted::http(Arc::new(|r: &Req| {
        if r.query.contains("filter=") {
            Resp::scim(
                400,
                scim_error(400, Some("invalidFilter"), "filter not supported"),
            )
        } else {
            healthy(Expect::Bearer, r)
        }
    }));
    let run = run(&server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("idp-test-connection"), "fail");
    assert!(
        run.message("idp-test-connection").contains("invalidFilter"),
        "{}",
        run.message("idp-test-connection")
    );
    assert_eq!(
        run.check("idp-test-connection")["data"]["okta"]["would_pass"],
        true
    );
    assert_clean(&run);
}

#[test]
fn idp_test_connection_positive_404_on_filter() {
    // Entra treats a 404 on its filter query as a failed test connection.
    let server = embedded(Faults {
        status: vec![("/Users?filter".into(), 404)],
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("idp-test-connection"), "fail");
    let data = &run.check("idp-test-connection")["data"];
    assert_eq!(data["entra"]["would_pass"], false);
    assert_eq!(data["entra"]["status"], 404);
    assert_eq!(data["okta"]["would_pass"], true);
    assert_clean(&run);
}

// ---------- service-provider-config ----------

#[test]
fn service_provider_config_negative_documents_valid() {
    assert_eq!(passing().run.status("service-provider-config"), "pass");
}

/// Proves `service-provider-config` runs offline on the discovery documents a snapshot stored
/// (no request), passing on valid ones and reporting a broken one.
#[test]
fn service_provider_config_runs_offline_on_stored_documents() {
    let server = embedded(Faults {
        service_provider_config: Some(serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "filter": {"supported": false}
        })),
        ..Default::default()
    });
    let good = embedded(Faults::default());
    for (srv, want) in [(&good, "pass"), (&server, "warn")] {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap");
        let out = assert_cmd::Command::cargo_bin("scim-doctor")
            .unwrap()
            .env("SCIM_TOKEN", TOKEN)
            .env_remove("SCIM_BASE_URL")
            .env("NO_COLOR", "1")
            .args(["snapshot", "--base-url", srv.base_url(), "--out"])
            .arg(&snap)
            .args(["-q"])
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = assert_cmd::Command::cargo_bin("scim-doctor")
            .unwrap()
            .env_remove("SCIM_TOKEN")
            .env_remove("SCIM_BASE_URL")
            .args(["check", "--format", "json", "--snapshot"])
            .arg(&snap)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let c = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "service-provider-config")
            .cloned()
            .unwrap();
        assert_eq!(c["status"], want, "{c}");
        assert!(
            c["message"]
                .as_str()
                .unwrap()
                .contains("stored in the snapshot"),
            "{c}"
        );
    }
}

#[test]
fn service_provider_config_positive_documents_missing_is_a_warning() {
    let server = embedded(Faults {
        status: vec![
            ("/ServiceProviderConfig".into(), 404),
            ("/Schemas".into(), 404),
            ("/ResourceTypes".into(), 404),
        ],
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("service-provider-config"), "warn");
    assert!(
        run.message("service-provider-config")
            .contains("/ServiceProviderConfig not served"),
        "{}",
        run.message("service-provider-config")
    );
    assert_eq!(
        run.code, 0,
        "missing discovery documents do not fail the run"
    );
    assert_clean(&run);
}

#[test]
fn service_provider_config_positive_filter_unsupported_and_broken_schemas() {
    let server = embedded(Faults {
        service_provider_config: Some(serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "filter": {"supported": false}
        })),
        malformed_json: Some("/Schemas".into()),
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("service-provider-config"), "fail");
    let msg = run.message("service-provider-config");
    assert!(
        msg.contains("filter.supported is false") && msg.contains("/Schemas is not valid JSON"),
        "{msg}"
    );
    assert_clean(&run);
}

#[test]
fn service_provider_config_positive_discovery_lists_without_total_results() {
    // RFC 7644 §3.4.2: totalResults is required in every ListResponse, /Schemas included.
    let server = embedded(Faults {
        conformance: scim_doctor::server::ConformanceFaults {
            discovery_without_total: true,
            ..Default::default()
        },
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("service-provider-config"), "fail");
    let msg = run.message("service-provider-config");
    assert!(
        msg.contains("/Schemas has no totalResults")
            && msg.contains("/ResourceTypes has no totalResults"),
        "{msg}"
    );
    assert_clean(&run);
}

#[test]
fn service_provider_config_positive_listed_schema_not_served_by_id() {
    let server = embedded(Faults {
        conformance: scim_doctor::server::ConformanceFaults {
            no_discovery_by_id: true,
            ..Default::default()
        },
        ..Default::default()
    });
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("service-provider-config"), "warn");
    let msg = run.message("service-provider-config");
    assert!(
        msg.contains("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User answered HTTP 404")
            && msg.contains("/ResourceTypes/User answered HTTP 404"),
        "{msg}"
    );
    assert_clean(&run);
}

#[test]
fn service_provider_config_negative_lists_and_single_items_served() {
    let server = embedded(Faults::default());
    let run = run(server.base_url(), Creds::Token(TOKEN), &[]);
    assert_eq!(run.status("service-provider-config"), "pass");
    let msg = run.message("service-provider-config");
    assert!(
        msg.contains("each of their 5 items is served by id"),
        "{msg}"
    );
    assert_clean(&run);
}

// ---------- secrets ----------

#[test]
fn planted_secrets_never_appear_in_human_or_verbose_output() {
    // Passing and failing runs, token on the command line and in the environment, basic auth.
    let bearer = embedded(Faults::default());
    let basic = embedded_with(ServerConfig {
        basic: Some((USERNAME.into(), SecretString::new(PASSWORD))),
        ..Default::default()
    });
    let runs = [
        run_raw(
            &[
                "-v",
                "test-connection",
                "--format",
                "human",
                "--base-url",
                bearer.base_url(),
                "--token",
                TOKEN,
            ],
            &[],
        ),
        run_raw(
            &[
                "-v",
                "test-connection",
                "--format",
                "markdown",
                "--base-url",
                bearer.base_url(),
            ],
            &[("SCIM_TOKEN", WRONG_TOKEN)],
        ),
        run_raw(
            &[
                "-v",
                "test-connection",
                "--format",
                "human",
                "--base-url",
                basic.base_url(),
                "--username",
                USERNAME,
            ],
            &[("SCIM_PASSWORD", PASSWORD)],
        ),
        run_raw(
            &[
                "-v",
                "test-connection",
                "--format",
                "human",
                "--base-url",
                bearer.base_url(),
                "--username",
                USERNAME,
            ],
            &[("SCIM_PASSWORD", PASSWORD)],
        ),
    ];
    let basic_b64 = basic_header();
    let basic_b64 = basic_b64.trim_start_matches("Basic ");
    for (i, (code, out, err)) in runs.iter().enumerate() {
        assert!(*code == 0 || *code == 1, "run {i} exited {code}: {err}");
        for secret in [TOKEN, WRONG_TOKEN, PASSWORD, basic_b64] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "run {i} leaked a secret"
            );
        }
    }
    assert_eq!(runs[0].0, 0, "valid token passes: {}", runs[0].2);
    assert_eq!(runs[1].0, 1, "wrong token fails");
}
