//! The credential test-connection playbook (seed 004 "Validate Admin Credentials" and
//! "Resolving Admin Credentials"; reference sections 2-4): nine ordered steps, each a live
//! check with its own id, diagnosis and remediation.
//!
//! This module owns the order of the steps and what a hard failure means for the steps after
//! it (they are reported as `skipped` with the reason). The steps themselves live in
//! `base_url` (base-url), `network` (dns, tcp), `tls` (+ `certificate`), `auth` (http-auth, endpoint-path),
//! `scim` (scim-response, idp-test-connection) and `discovery` (service-provider-config).
//! Every request is a GET sent through `HttpClient`, so it lands in the transcript scrubbed.

mod auth;
mod base_url;
mod certificate;
pub mod discovery;
mod network;
pub(crate) mod probe;
mod scim;
mod tls;

use crate::findings::{CheckResult, Status};
use crate::source::http::HttpClient;
use std::time::Instant;

pub use probe::Probe;

/// The step ids, in the order they run (pinned by a test; ids are a public contract).
pub const STEPS: [&str; 9] = [
    "base-url",
    "dns",
    "tcp",
    "tls",
    "http-auth",
    "endpoint-path",
    "scim-response",
    "idp-test-connection",
    "service-provider-config",
];

/// The request every HTTP step starts from: one user, so the answer is cheap.
pub const USERS_PROBE_PATH: &str = "Users?startIndex=1&count=1";

pub struct ConnectionOutcome {
    /// One result per step id, in step order.
    pub results: Vec<CheckResult>,
    /// False after a hard failure: nothing else can be fetched.
    pub proceed: bool,
    pub failed_step: Option<String>,
}

/// What a step hands back: its result and whether the steps after it can still run.
pub(crate) struct StepOutcome {
    pub result: CheckResult,
    pub hard_failure: bool,
}

impl StepOutcome {
    pub fn soft(result: CheckResult) -> Self {
        StepOutcome {
            result,
            hard_failure: false,
        }
    }

    /// A failing result stops the run; anything else lets it continue.
    pub fn hard_if_failed(result: CheckResult) -> Self {
        let hard_failure = result.status == Status::Fail;
        StepOutcome {
            result,
            hard_failure,
        }
    }
}

/// What each step could not do when an earlier step failed hard, for the skip reason.
fn skip_consequence(id: &str) -> &'static str {
    match id {
        "dns" => "the host name was not looked up",
        "tcp" => "no TCP connection could be attempted",
        "tls" => "no TLS handshake could be made",
        "http-auth" => "no authenticated request could be sent",
        "endpoint-path" => "the SCIM endpoint path could not be checked",
        "scim-response" => "no SCIM response could be judged",
        "idp-test-connection" => "the IdP test requests were not replayed",
        "service-provider-config" => "the discovery documents were not fetched",
        _ => "this step could not run",
    }
}

pub(crate) fn skipped_after(id: &str, failed: &str) -> CheckResult {
    CheckResult::skipped(
        id,
        format!("skipped: `{failed}` failed, so {}", skip_consequence(id)),
    )
    .with_remediation(format!(
        "fix the `{failed}` finding first, then run `scim-doctor test-connection` again"
    ))
}

/// Runs the steps in order. A hard failure (dns, tcp, tls without --insecure, http-auth
/// 401/403 or no answer, endpoint-path) turns every later step into `skipped`.
pub async fn run(client: &HttpClient) -> ConnectionOutcome {
    let mut state = State::default();
    let mut results = Vec::with_capacity(STEPS.len());
    let mut failed_step: Option<String> = None;
    for id in STEPS {
        if let Some(failed) = &failed_step {
            let mut r = skipped_after(id, failed);
            r.at = Some(crate::util::now_rfc3339());
            r.elapsed_ms = Some(0);
            results.push(r);
            continue;
        }
        let at = crate::util::now_rfc3339();
        let started = Instant::now();
        let outcome = run_step(id, client, &mut state).await;
        let mut result = outcome.result;
        result.at = Some(at);
        result.elapsed_ms = Some(started.elapsed().as_millis() as u64);
        if result.status != Status::Pass && result.remediation.is_empty() {
            // Every non-pass result must carry something a support engineer can paste.
            result.remediation =
                "attach this report to the support ticket so the target's support team can see the exchange".into();
        }
        if matches!(result.status, Status::Warn | Status::Fail) && result.count == 0 {
            // A failed probe counts as one, so summaries never show a failure affecting nothing.
            result.count = 1;
        }
        let mut hard_failure = outcome.hard_failure;
        if matches!(id, "dns" | "tcp" | "tls") && result.status == Status::Fail {
            if let Some(proxy) = proxy_for(&client.endpoint.base_url, &|k| std::env::var(k).ok()) {
                // The HTTP steps go through the proxy; a direct probe that fails only says
                // this machine cannot reach the endpoint without it.
                result.status = Status::Warn;
                result.message = format!(
                    "{} (a direct probe; requests go through the proxy {proxy}, so the HTTP steps decide reachability)",
                    result.message
                );
                hard_failure = false;
            }
        }
        result.message = crate::secret::scrub(&result.message);
        result.remediation = crate::secret::scrub(&result.remediation);
        if hard_failure {
            failed_step = Some(id.to_string());
        }
        results.push(result);
    }
    ConnectionOutcome {
        results,
        proceed: failed_step.is_none(),
        failed_step,
    }
}

/// Facts one step learns that a later step needs.
#[derive(Default)]
pub(crate) struct State {
    /// Addresses the host resolved to (dns), in resolver order.
    pub addrs: Vec<std::net::SocketAddr>,
    /// The address the TCP connection succeeded on.
    pub connected: Option<std::net::SocketAddr>,
    /// The configured-credentials answer to `GET Users?startIndex=1&count=1` (http-auth).
    pub users_probe: Option<Probe>,
}

async fn run_step(id: &str, client: &HttpClient, state: &mut State) -> StepOutcome {
    let ep = &client.endpoint;
    match id {
        "base-url" => StepOutcome::soft(base_url::check(ep)),
        "dns" => network::dns(ep, state).await,
        "tcp" => network::tcp(ep, state).await,
        "tls" => tls::check(ep, state).await,
        "http-auth" => auth::http_auth(client, state).await,
        "endpoint-path" => auth::endpoint_path(client, state),
        "scim-response" => StepOutcome::soft(scim::scim_response(state)),
        "idp-test-connection" => StepOutcome::soft(scim::idp_test_connection(client).await),
        "service-provider-config" => StepOutcome::soft(discovery::check(client).await),
        other => StepOutcome::soft(CheckResult::new(
            other,
            Status::Error,
            format!("unknown connection step `{other}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ids_are_pinned_and_registered() {
        // Renaming a step id is a breaking change for reports and playbooks.
        let registry: Vec<&str> = crate::checks::registry().iter().map(|d| d.id).collect();
        for id in STEPS {
            assert!(registry.contains(&id), "{id} missing from the registry");
        }
        assert_eq!(STEPS[0], "base-url");
        assert_eq!(STEPS[8], "service-provider-config");
    }

    #[test]
    fn every_step_is_documented_in_connection_toml() {
        let text = include_str!("../../playbooks/checks/connection.toml");
        let doc: toml::Table = toml::from_str(text).unwrap();
        let ids: Vec<&str> = doc["check"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c.get("id").and_then(|v| v.as_str()))
            .collect();
        assert_eq!(ids, STEPS.to_vec());
    }

    #[test]
    fn skip_reason_names_the_failed_step_and_the_consequence() {
        let r = skipped_after("tls", "tcp");
        assert_eq!(r.status, Status::Skipped);
        assert_eq!(
            r.message,
            "skipped: `tcp` failed, so no TLS handshake could be made"
        );
        assert!(!r.remediation.is_empty());
    }
}

/// The proxy (`host:port (VARIABLE)`) the HTTP client will use for `url`, from the standard
/// variables (`HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, either case) minus `NO_PROXY`. Only the
/// host and port are returned: a proxy URL may carry credentials.
pub(crate) fn proxy_for(url: &url::Url, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let get = |name: &str| {
        env(name)
            .or_else(|| env(&name.to_ascii_lowercase()))
            .filter(|v| !v.trim().is_empty())
    };
    if let Some(no_proxy) = get("NO_PROXY") {
        for entry in no_proxy.split(',').map(|e| e.trim().to_ascii_lowercase()) {
            let entry = entry.trim_start_matches("*.").trim_start_matches('.');
            if entry == "*"
                || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
            {
                return None;
            }
        }
    }
    let vars: &[&str] = if url.scheme() == "https" {
        &["HTTPS_PROXY", "ALL_PROXY"]
    } else {
        &["HTTP_PROXY", "ALL_PROXY"]
    };
    vars.iter().find_map(|var| {
        let raw = get(var)?;
        let with_scheme = if raw.contains("://") {
            raw
        } else {
            format!("http://{raw}")
        };
        let proxy = url::Url::parse(&with_scheme).ok()?;
        let port = proxy
            .port_or_known_default()
            .map(|p| format!(":{p}"))
            .unwrap_or_default();
        Some(format!("{}{port} ({var})", proxy.host_str()?))
    })
}

#[cfg(test)]
mod proxy_tests {
    use super::proxy_for;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn https_proxy_applies_and_its_credentials_are_not_repeated() {
        let url = url::Url::parse("https://scim.example.test/scim/v2").unwrap();
        let e = env(&[("HTTPS_PROXY", "http://user:pw@proxy.corp:3128")]);
        assert_eq!(
            proxy_for(&url, &e).as_deref(),
            Some("proxy.corp:3128 (HTTPS_PROXY)")
        );
    }

    #[test]
    fn no_proxy_and_scheme_mismatch_mean_a_direct_connection() {
        let url = url::Url::parse("https://scim.example.test/scim/v2").unwrap();
        assert_eq!(
            proxy_for(
                &url,
                &env(&[("HTTPS_PROXY", "proxy:8080"), ("NO_PROXY", ".example.test")])
            ),
            None
        );
        assert_eq!(proxy_for(&url, &env(&[("http_proxy", "proxy:8080")])), None);
        assert_eq!(proxy_for(&url, &env(&[])), None);
        assert!(proxy_for(&url, &env(&[("all_proxy", "proxy:8080")])).is_some());
    }
}
