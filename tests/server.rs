//! The embedded SCIM server, exercised in-process over real HTTP on 127.0.0.1 with reqwest:
//! authentication, discovery, filters, paging (index, capped, cursor), the read-only guard,
//! lifetime (stop, TestServer) and TLS. The fault knobs are in tests/server_faults.rs.

mod server_support;

use scim_doctor::secret::SecretString;
use scim_doctor::server::{self, Faults, ServerConfig, TestServer};
use serde_json::Value;
use server_support::*;

#[tokio::test]
async fn missing_or_wrong_token_gets_401_with_bearer_challenge_and_scim_error() {
    let s = serve(Faults::default()).await;
    let url = format!("{}/Users", s.base_url());
    for req in [
        client().get(&url),
        client().get(&url).bearer_auth("wrong-token"),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401);
        let challenge = r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_string();
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
    assert!(
        spc.get("pagination").is_none(),
        "cursor paging is off by default"
    );
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
    assert_eq!(
        (status, g["members"].as_array().map(|m| m.len())),
        (200, Some(2))
    );
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
        (
            r#"userName eq "00000000-0000-0000-0000-000000000000""#,
            vec![],
        ),
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
    assert_eq!(
        (status, e["scimType"].as_str()),
        (400, Some("invalidCursor"))
    );
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
    assert_eq!(
        c.patch(format!("{url}/u1")).send().await.unwrap().status(),
        405
    );
    assert_eq!(
        c.get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let counts = s.method_counts();
    assert_eq!(
        (
            counts["POST"],
            counts["DELETE"],
            counts["PATCH"],
            counts["GET"]
        ),
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
async fn tls_with_a_self_signed_certificate() {
    let cert =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
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
        untrusting
            .get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .is_err(),
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
    assert!(
        err.is_err(),
        "a certificate for another host must not verify"
    );
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

#[test]
fn test_server_stops_by_itself_when_idle() {
    let s = TestServer::start_with_limits(
        tenant(),
        ServerConfig::with_token(TOKEN),
        std::time::Duration::from_millis(300),
        std::time::Duration::from_secs(60),
    )
    .unwrap();
    let addr = s.addr();
    assert!(
        std::net::TcpStream::connect(addr).is_ok(),
        "listening at first"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(addr).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "still listening long after the idle limit"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
