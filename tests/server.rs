//! The embedded SCIM server, exercised in-process over real HTTP on 127.0.0.1 with reqwest:
//! authentication, discovery, filters, paging (index, capped, 0-based, cursor), the
//! read-only guard and every fault knob.

use scim_doctor::model::{Email, Group, Member, Tenant, User};
use scim_doctor::secret::SecretString;
use scim_doctor::server::{
    self, Drip, EveryNth, Faults, RateLimit, Redirect, RetryAfter, ServerConfig, TestServer,
};
use serde_json::Value;
use std::time::{Duration, Instant};

const TOKEN: &str = "srv-test-token-8c1e";

fn user(i: usize) -> User {
    User {
        id: format!("u{i}"),
        user_name: Some(format!("User{i}@Example.test")),
        external_id: Some(format!("ext-{i}")),
        active: Some(true),
        display_name: Some(format!("User {i}")),
        emails: vec![Email {
            value: format!("user{i}@example.test"),
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

/// Seven users u1..u7 and two groups (g1 holds u1 and u2, g2 is empty).
fn tenant() -> Tenant {
    let mut t = Tenant::new("server-test");
    t.users = (1..=7).map(user).collect();
    let member = |v: &str| Member {
        value: v.into(),
        kind: Some("User".into()),
        display: None,
    };
    t.groups = vec![
        Group {
            id: "g1".into(),
            display_name: Some("Sales".into()),
            members: vec![member("u1"), member("u2")],
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

fn config(faults: Faults) -> ServerConfig {
    ServerConfig {
        faults,
        ..ServerConfig::with_token(TOKEN)
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn get(base: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

async fn json(base: &str, path: &str) -> (u16, Value) {
    let r = get(base, path).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn serve(faults: Faults) -> server::RunningServer {
    server::start(tenant(), config(faults)).await.unwrap()
}

#[tokio::test]
async fn missing_or_wrong_token_gets_401_with_bearer_challenge_and_scim_error() {
    let s = serve(Faults::default()).await;
    let url = format!("{}/Users", s.base_url());
    for req in [client().get(&url), client().get(&url).bearer_auth("wrong-token")] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401);
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_string();
        assert!(challenge.starts_with("Bearer"), "{challenge}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["status"], "401");
        assert_eq!(body["schemas"][0], scim_doctor::model::ERROR_SCHEMA);
    }
    assert_eq!(get(s.base_url(), "/Users").await.status(), 200);
}

#[tokio::test]
async fn basic_auth_accepts_the_right_password_only() {
    let cfg = ServerConfig {
        basic: Some(("svc".into(), SecretString::new("basic-pass-31"))),
        ..Default::default()
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    let url = format!("{}/Users", s.base_url());
    let ok = client()
        .get(&url)
        .basic_auth("svc", Some("basic-pass-31"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let bad = client()
        .get(&url)
        .basic_auth("svc", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert!(bad.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic realm="));
}

#[tokio::test]
async fn discovery_endpoints_answer_scim_json() {
    let s = serve(Faults::default()).await;
    for path in ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"] {
        let r = get(s.base_url(), path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "application/scim+json");
        let body: Value = r.json().await.unwrap();
        assert!(body["schemas"].is_array(), "{path}");
    }
    let (_, spc) = json(s.base_url(), "/ServiceProviderConfig").await;
    assert_eq!(spc["filter"]["supported"], true);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert!(spc.get("pagination").is_none(), "cursor paging is off by default");
}

#[tokio::test]
async fn open_discovery_skips_auth_for_discovery_only() {
    let cfg = ServerConfig {
        open_discovery: true,
        ..ServerConfig::with_token(TOKEN)
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    let spc = client()
        .get(format!("{}/ServiceProviderConfig", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(spc.status(), 200);
    let users = client()
        .get(format!("{}/Users", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(users.status(), 401);
}

#[tokio::test]
async fn single_resources_and_unknown_ids() {
    let s = serve(Faults::default()).await;
    let (status, u) = json(s.base_url(), "/Users/u3").await;
    assert_eq!(
        (status, u["userName"].as_str()),
        (200, Some("User3@Example.test"))
    );
    let (status, g) = json(s.base_url(), "/Groups/g1").await;
    assert_eq!((status, g["members"].as_array().map(|m| m.len())), (200, Some(2)));
    let (status, e) = json(s.base_url(), "/Users/nobody").await;
    assert_eq!((status, e["status"].as_str()), (404, Some("404")));
    assert_eq!(json(s.base_url(), "/Groups/nothing").await.0, 404);
    assert_eq!(get(s.base_url(), "/Elsewhere").await.status(), 404);
}

#[tokio::test]
async fn filters_match_eq_clauses_with_the_right_case_rules() {
    let s = serve(Faults::default()).await;
    let q = |f: &str| format!("/Users?filter={}", urlencode(f));
    let cases = [
        (r#"userName eq "user2@example.TEST""#, vec!["u2"]),
        (r#"USERNAME EQ "USER2@EXAMPLE.TEST""#, vec!["u2"]),
        (r#"externalId eq "ext-4""#, vec!["u4"]),
        (r#"externalId eq "EXT-4""#, vec![]),
        (r#"emails.value eq "USER5@example.test""#, vec!["u5"]),
        (r#"emails eq "user5@example.test""#, vec!["u5"]),
        (r#"displayName eq "user 6""#, vec!["u6"]),
        (r#"id eq "u7""#, vec!["u7"]),
        (
            r#"userName eq "user1@example.test" and externalId eq "ext-1""#,
            vec!["u1"],
        ),
        (
            r#"userName eq "user1@example.test" and externalId eq "ext-2""#,
            vec![],
        ),
        (r#"userName eq "00000000-0000-0000-0000-000000000000""#, vec![]),
    ];
    for (filter, want) in cases {
        let (status, body) = json(s.base_url(), &q(filter)).await;
        assert_eq!(status, 200, "{filter}");
        assert_eq!(ids(&body), want, "{filter}");
        assert_eq!(body["totalResults"], want.len(), "{filter}");
    }
    let (_, groups) = json(
        s.base_url(),
        &format!("/Groups?filter={}", urlencode(r#"displayName eq "sales""#)),
    )
    .await;
    assert_eq!(ids(&groups), vec!["g1"]);
}

#[tokio::test]
async fn malformed_filter_is_400_invalid_filter() {
    let s = serve(Faults::default()).await;
    for bad in [
        r#"userName eq"#,
        r#"userName eq "x" and"#,
        r#"userName zz "x""#,
        r#"nickName eq "x""#,
    ] {
        let (status, body) = json(s.base_url(), &format!("/Users?filter={}", urlencode(bad))).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["scimType"], "invalidFilter", "{bad}");
    }
}

#[tokio::test]
async fn index_paging_is_one_based_with_defaults_and_count_zero() {
    let s = serve(Faults::default()).await;
    let (_, p) = json(s.base_url(), "/Users?startIndex=1&count=3").await;
    assert_eq!(ids(&p), vec!["u1", "u2", "u3"]);
    assert_eq!(
        (
            p["totalResults"].as_u64(),
            p["startIndex"].as_u64(),
            p["itemsPerPage"].as_u64()
        ),
        (Some(7), Some(1), Some(3))
    );
    let (_, p) = json(s.base_url(), "/Users?startIndex=7&count=3").await;
    assert_eq!(ids(&p), vec!["u7"]);
    let (_, p) = json(s.base_url(), "/Users?startIndex=0&count=2").await;
    assert_eq!(ids(&p), vec!["u1", "u2"], "startIndex < 1 counts as 1");
    let (_, p) = json(s.base_url(), "/Users?count=0").await;
    assert_eq!((p["totalResults"].as_u64(), ids(&p).len()), (Some(7), 0));
    let (_, p) = json(s.base_url(), "/Users?startIndex=50").await;
    assert_eq!(ids(&p).len(), 0);
    let (_, p) = json(s.base_url(), "/Users").await;
    assert_eq!(ids(&p).len(), 7, "default page size covers the tenant");
}

#[tokio::test]
async fn silent_page_cap_returns_fewer_than_asked() {
    let cfg = ServerConfig {
        max_page_size: Some(2),
        ..config(Faults::default())
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    let (_, p) = json(s.base_url(), "/Users?startIndex=3&count=5").await;
    assert_eq!(ids(&p), vec!["u3", "u4"]);
    assert_eq!(p["totalResults"], 7);
    let (_, spc) = json(s.base_url(), "/ServiceProviderConfig").await;
    assert!(
        !spc.to_string().contains("maxPageSize"),
        "the cap is not advertised"
    );
}

#[tokio::test]
async fn excluded_attributes_members_drops_members() {
    let s = serve(Faults::default()).await;
    let (_, p) = json(s.base_url(), "/Groups?excludedAttributes=members").await;
    let groups = p["Resources"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups
        .iter()
        .all(|g| g.get("members").is_none() && g.get("displayName").is_some()));
    let (_, g) = json(s.base_url(), "/Groups/g1?excludedAttributes=members").await;
    assert!(g.get("members").is_none());
}

#[tokio::test]
async fn cursor_paging_walks_the_tenant_and_rejects_foreign_cursors() {
    let cfg = ServerConfig {
        cursor: true,
        ..config(Faults::default())
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    let (_, spc) = json(s.base_url(), "/ServiceProviderConfig").await;
    assert_eq!(spc["pagination"]["cursor"], true);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..10 {
        let (_, p) = json(
            s.base_url(),
            &format!("/Users?cursor={}&count=3", urlencode(&cursor)),
        )
        .await;
        assert!(p.get("startIndex").is_none());
        seen.extend(ids(&p));
        match p.get("nextCursor").and_then(|c| c.as_str()) {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, (1..=7).map(|i| format!("u{i}")).collect::<Vec<_>>());
    let (status, e) = json(s.base_url(), "/Users?cursor=bogus").await;
    assert_eq!((status, e["scimType"].as_str()), (400, Some("invalidCursor")));
}

#[tokio::test]
async fn writes_get_405_and_are_counted_per_method() {
    let s = serve(Faults::default()).await;
    let url = format!("{}/Users", s.base_url());
    let c = client();
    assert_eq!(
        c.post(&url)
            .bearer_auth(TOKEN)
            .body("{}")
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(
        c.delete(format!("{url}/u1"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    assert_eq!(c.patch(format!("{url}/u1")).send().await.unwrap().status(), 405);
    assert_eq!(c.get(&url).bearer_auth(TOKEN).send().await.unwrap().status(), 200);
    let counts = s.method_counts();
    assert_eq!(
        (counts["POST"], counts["DELETE"], counts["PATCH"], counts["GET"]),
        (1, 1, 1, 1)
    );
    assert_eq!(s.non_get_count(), 3);
    let log = s.requests();
    assert_eq!(log.len(), 4);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str(), log[0].status),
        ("POST", "/scim/v2/Users", 405)
    );
}

#[tokio::test]
async fn status_fault_applies_to_its_prefix_only() {
    let s = serve(Faults {
        status: vec![("/Users".into(), 403), ("/Groups".into(), 503)],
        ..Default::default()
    })
    .await;
    let (status, body) = json(s.base_url(), "/Users?filter=x").await;
    assert_eq!((status, body["status"].as_str()), (403, Some("403")));
    assert_eq!(get(s.base_url(), "/Groups").await.status(), 503);
    assert_eq!(get(s.base_url(), "/ServiceProviderConfig").await.status(), 200);
    // Authentication still comes first: a wrong token is 401, not 403.
    let r = client()
        .get(format!("{}/Users", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn latency_delays_every_response() {
    let s = serve(Faults {
        latency: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    assert_eq!(get(s.base_url(), "/Users").await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn rate_limit_every_second_request_with_seconds_retry_after() {
    let s = serve(Faults {
        rate_limit: Some(RateLimit {
            every: EveryNth::new(2),
            retry_after: RetryAfter::Seconds(3),
        }),
        ..Default::default()
    })
    .await;
    let statuses: Vec<u16> = statuses_of_n_gets(&s, 4).await;
    assert_eq!(statuses, vec![200, 429, 200, 429]);
    let r = get(s.base_url(), "/Users").await; // 5th: passes
    assert_eq!(r.status(), 200);
    let r = get(s.base_url(), "/Users").await; // 6th: limited
    assert_eq!(r.headers()["retry-after"], "3");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["scimType"], "tooMany");
}

#[tokio::test]
async fn rate_limit_with_http_date_retry_after() {
    let s = serve(Faults {
        rate_limit: Some(RateLimit {
            every: EveryNth::with_prefix(1, "/Users"),
            retry_after: RetryAfter::HttpDate(2),
        }),
        ..Default::default()
    })
    .await;
    assert_eq!(
        get(s.base_url(), "/Groups").await.status(),
        200,
        "other prefixes are not limited"
    );
    let r = get(s.base_url(), "/Users").await;
    assert_eq!(r.status(), 429);
    let v = r.headers()["retry-after"].to_str().unwrap().to_string();
    assert!(v.ends_with(" GMT") && v.parse::<u64>().is_err(), "{v}");
}

#[tokio::test]
async fn unavailable_every_third_request() {
    let s = serve(Faults {
        unavailable: Some(EveryNth::new(3)),
        ..Default::default()
    })
    .await;
    assert_eq!(
        statuses_of_n_gets(&s, 6).await,
        vec![200, 200, 503, 200, 200, 503]
    );
}

async fn statuses_of_n_gets(s: &server::RunningServer, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get(s.base_url(), "/Users").await.status().as_u16());
    }
    out
}

#[tokio::test]
async fn html_login_page_instead_of_json() {
    let s = serve(Faults {
        html_login: Some("/Users".into()),
        ..Default::default()
    })
    .await;
    let r = client()
        .get(format!("{}/Users", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("<form"));
    assert_eq!(
        get(s.base_url(), "/Groups").await.headers()["content-type"],
        "application/scim+json"
    );
}

#[tokio::test]
async fn malformed_json_does_not_parse() {
    let s = serve(Faults {
        malformed_json: Some(String::new()),
        ..Default::default()
    })
    .await;
    let r = get(s.base_url(), "/Users").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(!bytes.is_empty());
    assert!(serde_json::from_slice::<Value>(&bytes).is_err());
}

#[tokio::test]
async fn wrong_total_results_is_off_by_the_delta() {
    let s = serve(Faults {
        total_results_delta: 5,
        ..Default::default()
    })
    .await;
    let (_, p) = json(s.base_url(), "/Users").await;
    assert_eq!((p["totalResults"].as_u64(), ids(&p).len()), (Some(12), 7));
}

#[tokio::test]
async fn zero_based_paging_skips_the_first_user_for_a_one_based_client() {
    let s = serve(Faults {
        zero_based: true,
        ..Default::default()
    })
    .await;
    let (_, p) = json(s.base_url(), "/Users?startIndex=1&count=3").await;
    assert_eq!(ids(&p), vec!["u2", "u3", "u4"]);
    let (_, p) = json(s.base_url(), "/Users?startIndex=0&count=2").await;
    assert_eq!(ids(&p), vec!["u1", "u2"]);
}

#[tokio::test]
async fn repeating_page_ignores_start_index() {
    let s = serve(Faults {
        repeat_first_page: true,
        ..Default::default()
    })
    .await;
    let (_, a) = json(s.base_url(), "/Users?startIndex=1&count=2").await;
    let (_, b) = json(s.base_url(), "/Users?startIndex=3&count=2").await;
    let (_, c) = json(s.base_url(), "/Users?startIndex=99&count=2").await;
    assert_eq!(ids(&a), vec!["u1", "u2"]);
    assert_eq!(ids(&b), ids(&a));
    assert_eq!(ids(&c), ids(&a));
}

#[tokio::test]
async fn redirect_and_redirect_loop() {
    let s = serve(Faults {
        redirect: Some(Redirect {
            prefix: "/Groups".into(),
            location: "https://login.example.invalid/sso".into(),
        }),
        redirect_loop: Some("/Users".into()),
        ..Default::default()
    })
    .await;
    let r = get(s.base_url(), "/Groups").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "https://login.example.invalid/sso");
    let r = get(s.base_url(), "/Users?count=1").await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/scim/v2/Users?count=1");
    // A following client gives up on the loop instead of hanging.
    let following = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap();
    let err = following
        .get(format!("{}/Users", s.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert!(err.is_err());
}

#[tokio::test]
async fn reset_mid_body_breaks_every_second_response() {
    let s = serve(Faults {
        reset_mid_body: Some(EveryNth::new(2)),
        ..Default::default()
    })
    .await;
    let first = get(s.base_url(), "/Users").await.bytes().await;
    assert!(first.is_ok());
    let second = get(s.base_url(), "/Users").await;
    assert_eq!(second.status(), 200, "headers arrive before the reset");
    assert!(
        second.bytes().await.is_err(),
        "the body of the 2nd response must not complete"
    );
}

#[tokio::test]
async fn drip_trickles_the_body_slowly_but_completely() {
    let s = serve(Faults {
        drip: Some(Drip {
            chunk: 256,
            delay: Duration::from_millis(40),
        }),
        ..Default::default()
    })
    .await;
    let t = Instant::now();
    let (status, body) = json(s.base_url(), "/Users").await;
    assert_eq!((status, ids(&body).len()), (200, 7));
    assert!(t.elapsed() >= Duration::from_millis(120), "{:?}", t.elapsed());
}

#[tokio::test]
async fn gzip_only_when_the_client_asks() {
    let s = serve(Faults {
        gzip: true,
        ..Default::default()
    })
    .await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let url = format!("{}/Users", s.base_url());
    let r = raw
        .get(&url)
        .bearer_auth(TOKEN)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let bytes = r.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["totalResults"], 7);
    let plain = raw.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn non_utf8_bytes_in_the_body() {
    let s = serve(Faults {
        non_utf8: true,
        ..Default::default()
    })
    .await;
    let bytes = get(s.base_url(), "/Users").await.bytes().await.unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
}

#[tokio::test]
async fn oversized_body_is_padded_but_still_json() {
    let s = serve(Faults {
        oversized_mib: 2,
        ..Default::default()
    })
    .await;
    let bytes = get(s.base_url(), "/Users/u1").await.bytes().await.unwrap();
    assert!(bytes.len() > 2 * 1024 * 1024);
    assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap()["id"], "u1");
}

#[tokio::test]
async fn content_type_override_and_spc_override() {
    let s = serve(Faults {
        content_type: Some("application/json".into()),
        service_provider_config: Some(serde_json::json!({"filter": {"supported": false}})),
        ..Default::default()
    })
    .await;
    let r = get(s.base_url(), "/ServiceProviderConfig").await;
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.json::<Value>().await.unwrap()["filter"]["supported"], false);
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cfg = ServerConfig {
        tls: Some(server::TlsPem {
            cert_pem: cert.cert.pem().into_bytes(),
            key_pem: cert.key_pair.serialize_pem().into_bytes(),
        }),
        ..config(Faults::default())
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    assert!(s.base_url().starts_with("https://127.0.0.1:"));
    let url = format!("{}/Users", s.base_url());
    let untrusting = reqwest::Client::builder().use_rustls_tls().build().unwrap();
    assert!(
        untrusting.get(&url).bearer_auth(TOKEN).send().await.is_err(),
        "self-signed must not verify"
    );
    let trusting = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let r = trusting.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn stop_closes_the_port() {
    let s = serve(Faults::default()).await;
    let base = s.base_url().to_string();
    assert_eq!(get(&base, "/Users").await.status(), 200);
    s.stop().await;
    assert!(client().get(format!("{base}/Users")).send().await.is_err());
}

#[test]
fn test_server_runs_on_its_own_thread_and_stops_on_drop() {
    let s = TestServer::start(tenant(), ServerConfig::with_token(TOKEN)).unwrap();
    let base = s.base_url().to_string();
    assert!(base.starts_with("http://127.0.0.1:"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async { get(&base, "/Users").await.status() });
    assert_eq!(status, 200);
    assert_eq!(s.method_counts()["GET"], 1);
    assert_eq!(s.requests()[0].status, 200);
    drop(s);
    let after = rt.block_on(async { client().get(format!("{base}/Users")).send().await });
    assert!(after.is_err(), "the port must be closed after drop");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn ignored_filter_returns_everything_on_its_prefix_only() {
    let s = serve(Faults {
        ignore_filter: Some("/Groups".into()),
        ..Default::default()
    })
    .await;
    let f = urlencode(r#"displayName eq "nothing-like-this""#);
    let (_, groups) = json(s.base_url(), &format!("/Groups?filter={f}")).await;
    assert_eq!(ids(&groups), vec!["g1", "g2"]);
    let (_, users) = json(s.base_url(), &format!("/Users?filter={f}")).await;
    assert_eq!(ids(&users).len(), 0, "users still filter");
}

#[tokio::test]
async fn rejected_filter_is_400_even_when_well_formed() {
    let s = serve(Faults {
        reject_filter: Some(String::new()),
        ..Default::default()
    })
    .await;
    let (status, body) = json(
        s.base_url(),
        &format!("/Users?filter={}", urlencode(r#"userName eq "a""#)),
    )
    .await;
    assert_eq!((status, body["scimType"].as_str()), (400, Some("invalidFilter")));
    assert_eq!(
        json(s.base_url(), "/Users").await.0,
        200,
        "unfiltered lists still work"
    );
}

#[tokio::test]
async fn bad_filter_empty_answers_200_with_no_results() {
    let s = serve(Faults {
        bad_filter_empty: true,
        ..Default::default()
    })
    .await;
    let (status, body) = json(
        s.base_url(),
        &format!("/Users?filter={}", urlencode("userName eq")),
    )
    .await;
    assert_eq!((status, body["totalResults"].as_u64()), (200, Some(0)));
}

#[tokio::test]
async fn case_exact_user_name_misses_other_case() {
    let s = serve(Faults {
        case_exact_user_name: true,
        ..Default::default()
    })
    .await;
    let q = |v: &str| format!("/Users?filter={}", urlencode(&format!(r#"userName eq "{v}""#)));
    assert_eq!(
        ids(&json(s.base_url(), &q("user2@example.test")).await.1).len(),
        0
    );
    assert_eq!(
        ids(&json(s.base_url(), &q("User2@Example.test")).await.1),
        vec!["u2"]
    );
}

#[tokio::test]
async fn omitted_total_results_and_echoed_items_per_page() {
    let s = serve(Faults {
        omit_total_results: true,
        items_per_page_echoes_count: true,
        ..Default::default()
    })
    .await;
    let (_, p) = json(s.base_url(), "/Users?startIndex=6&count=5").await;
    assert!(p.get("totalResults").is_none());
    assert_eq!((p["itemsPerPage"].as_u64(), ids(&p).len()), (Some(5), 2));
}

#[tokio::test]
async fn past_end_returns_the_first_page_again() {
    let s = serve(Faults {
        past_end_first_page: true,
        ..Default::default()
    })
    .await;
    let (_, p) = json(s.base_url(), "/Users?startIndex=6&count=5").await;
    assert_eq!(ids(&p), vec!["u6", "u7"]);
    let (_, p) = json(s.base_url(), "/Users?startIndex=8&count=2").await;
    assert_eq!(ids(&p), vec!["u1", "u2"]);
}

#[tokio::test]
async fn no_www_authenticate_on_401() {
    let s = serve(Faults {
        no_www_authenticate: true,
        ..Default::default()
    })
    .await;
    let r = client()
        .get(format!("{}/Users", s.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("www-authenticate").is_none());
}

/// A self-signed certificate (PEM cert, PEM key) for `names`, optionally long expired.
fn certificate(names: &[&str], expired: bool) -> (String, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// Serves over TLS with `cert`, and returns a client that trusts exactly that certificate.
async fn tls_server(cert: &(String, String)) -> (server::RunningServer, reqwest::Client) {
    let cfg = ServerConfig {
        tls: Some(server::TlsPem {
            cert_pem: cert.0.clone().into_bytes(),
            key_pem: cert.1.clone().into_bytes(),
        }),
        ..config(Faults::default())
    };
    let s = server::start(tenant(), cfg).await.unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.0.as_bytes()).unwrap())
        .build()
        .unwrap();
    (s, client)
}

#[tokio::test]
async fn tls_with_an_expired_certificate_fails_verification() {
    let (s, c) = tls_server(&certificate(&["localhost", "127.0.0.1"], true)).await;
    let err = c
        .get(format!("{}/Users", s.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert!(err.is_err(), "an expired certificate must not verify");
    let (fresh, c) = tls_server(&certificate(&["localhost", "127.0.0.1"], false)).await;
    let ok = c
        .get(format!("{}/Users", fresh.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert_eq!(
        ok.unwrap().status(),
        200,
        "the same setup with a valid certificate works"
    );
}

#[tokio::test]
async fn tls_with_a_wrong_host_certificate_fails_verification() {
    let (s, c) = tls_server(&certificate(&["other.example"], false)).await;
    let err = c
        .get(format!("{}/Users", s.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await;
    assert!(err.is_err(), "a certificate for another host must not verify");
}

#[tokio::test]
async fn tls_with_a_bad_pem_is_an_error_not_a_panic() {
    let cfg = ServerConfig {
        tls: Some(server::TlsPem {
            cert_pem: b"not a pem".to_vec(),
            key_pem: b"nor this".to_vec(),
        }),
        ..Default::default()
    };
    let err = server::start(tenant(), cfg)
        .await
        .err()
        .expect("bad PEM must fail");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[tokio::test]
async fn unstable_order_makes_a_paged_walk_miss_and_repeat_resources() {
    let s = serve(Faults {
        unstable_order: true,
        ..Default::default()
    })
    .await;
    let mut seen = Vec::new();
    for start in [1, 3, 5, 7] {
        let (_, p) = json(s.base_url(), &format!("/Users?startIndex={start}&count=2")).await;
        assert_eq!(p["totalResults"], 7);
        seen.extend(ids(&p));
    }
    let distinct: std::collections::HashSet<&String> = seen.iter().collect();
    assert_eq!(seen.len(), 7);
    assert!(
        distinct.len() < 7,
        "an unstable walk must not see every user exactly once: {seen:?}"
    );
}
