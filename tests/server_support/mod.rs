//! Shared helpers of the embedded-server tests (tests/server.rs, tests/server_faults.rs): a
//! seven-user tenant, a reqwest client that does not follow redirects, and TLS certificates.
#![allow(dead_code)]

use scim_doctor::model::{Email, Group, Member, Tenant, User};
use scim_doctor::server::{self, Faults, ServerConfig};
use serde_json::Value;
use std::time::Duration;

pub const TOKEN: &str = "srv-test-token-8c1e";

pub fn user(i: usize) -> User {
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
pub fn tenant() -> Tenant {
    let mut t = Tenant::new("server-test");
    t.users = (1..=7).map(user).collect();
    let member = |v: &str| Member {
        value: v.into(),
        kind: Some("User".into()),
        display: None,
        reference: None,
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

pub fn config(faults: Faults) -> ServerConfig {
    ServerConfig {
        faults,
        ..ServerConfig::with_token(TOKEN)
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub async fn get(base: &str, path: &str) -> reqwest::Response {
    client()
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
}

pub async fn json(base: &str, path: &str) -> (u16, Value) {
    let r = get(base, path).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

pub fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

pub async fn serve(faults: Faults) -> server::RunningServer {
    server::start(tenant(), config(faults)).await.unwrap()
}

pub async fn statuses_of_n_gets(s: &server::RunningServer, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get(s.base_url(), "/Users").await.status().as_u16());
    }
    out
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A self-signed certificate (PEM cert, PEM key) for `names`, optionally long expired.
pub fn certificate(names: &[&str], expired: bool) -> (String, String) {
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
pub async fn tls_server(cert: &(String, String)) -> (server::RunningServer, reqwest::Client) {
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
