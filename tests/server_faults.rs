//! The embedded server's fault knobs, each exercised over real HTTP on 127.0.0.1: status
//! codes, latency, 429/503, sign-in page, broken and odd bodies, paging and filter
//! deviations, redirects, resets, slow drip, gzip.

mod server_support;

use scim_doctor::server::{Drip, EveryNth, Faults, RateLimit, Redirect, RetryAfter};
use serde_json::Value;
use server_support::*;
use std::time::{Duration, Instant};

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
    assert_eq!(
        get(s.base_url(), "/ServiceProviderConfig").await.status(),
        200
    );
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
    assert!(
        t.elapsed() >= Duration::from_millis(120),
        "{:?}",
        t.elapsed()
    );
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
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["totalResults"],
        7
    );
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
    assert_eq!(
        r.json::<Value>().await.unwrap()["filter"]["supported"],
        false
    );
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
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidFilter"))
    );
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
    let q = |v: &str| {
        format!(
            "/Users?filter={}",
            urlencode(&format!(r#"userName eq "{v}""#))
        )
    };
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
