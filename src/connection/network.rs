//! Steps `dns` and `tcp`: can the host name be resolved, and does anything accept a TCP
//! connection on the port? Both bounded by `--timeout`. They tell "wrong host name" apart from
//! "refused" (nothing listens), "timed out" (a firewall drops packets) and "unreachable".

use super::{State, StepOutcome};
use crate::findings::{CheckResult, Status};
use crate::source::http::Endpoint;
use serde_json::json;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Addresses tried by `tcp`: enough to get past a dead first record, few enough to stay quick.
const MAX_TCP_ATTEMPTS: usize = 4;

pub fn port(ep: &Endpoint) -> u16 {
    ep.base_url.port_or_known_default().unwrap_or(443)
}

pub async fn dns(ep: &Endpoint, state: &mut State) -> StepOutcome {
    let host = ep.host();
    let port = port(ep);
    // IPv6 literals come bracketed from the URL; the resolver wants them bare.
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if let Ok(ip) = bare.parse::<IpAddr>() {
        state.addrs = vec![SocketAddr::new(ip, port)];
        return StepOutcome::soft(
            CheckResult::pass(
                "dns",
                format!("no name lookup needed: {bare} is an IP address"),
            )
            .with_data(json!({"host": bare, "addresses": [ip.to_string()]})),
        );
    }
    let lookup = timeout(ep.timeout, tokio::net::lookup_host((bare.as_str(), port))).await;
    let result = match lookup {
        Err(_) => Err(format!(
            "no answer from the resolver within {} s",
            ep.timeout.as_secs()
        )),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(addrs)) => {
            let mut v: Vec<SocketAddr> = Vec::new();
            for a in addrs {
                if !v.contains(&a) {
                    v.push(a);
                }
            }
            if v.is_empty() {
                Err("the resolver returned no address".into())
            } else {
                Ok(v)
            }
        }
    };
    match result {
        Err(e) => StepOutcome::hard_if_failed(
            CheckResult::new(
                "dns",
                Status::Fail,
                format!("expected {host} to resolve to an IP address, got a lookup failure ({e})"),
            )
            .with_remediation(format!(
                "check the spelling of {host} against the base URL shown in the target console; \
                 if it is right, check the DNS record exists publicly (the IdP resolves it from the internet, \
                 not from this network) and that this machine's DNS/VPN can see it"
            ))
            .with_data(json!({"host": host, "error": e})),
        ),
        Ok(addrs) => {
            let ips: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            let all_private = addrs.iter().all(|a| is_private(a.ip()));
            state.addrs = addrs;
            let data = json!({"host": host, "addresses": ips});
            if all_private {
                StepOutcome::soft(
                    CheckResult::new(
                        "dns",
                        Status::Warn,
                        format!(
                            "expected {host} to resolve to a public address the IdP can reach, got only private addresses ({})",
                            ips.join(", ")
                        ),
                    )
                    .with_remediation(
                        "cloud IdPs (Entra ID, Okta) connect from the internet: publish the SCIM endpoint on a public \
                         name, or confirm that split-horizon DNS gives the public address outside this network",
                    )
                    .with_data(data),
                )
            } else {
                StepOutcome::soft(
                    CheckResult::pass("dns", format!("the host name {host} resolves to {}", ips.join(", "))).with_data(data),
                )
            }
        }
    }
}

/// RFC 1918 / unique-local / link-local addresses. Loopback is not counted: it means a
/// deliberate local test, which `base-url` already comments on.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TcpFailure {
    Refused,
    TimedOut,
    Unreachable,
    Other,
}

impl TcpFailure {
    fn describe(self) -> &'static str {
        match self {
            TcpFailure::Refused => "connection refused",
            TcpFailure::TimedOut => "timed out",
            TcpFailure::Unreachable => "network or host unreachable",
            TcpFailure::Other => "connection failed",
        }
    }
}

fn classify(e: &std::io::Error) -> TcpFailure {
    match e.kind() {
        ErrorKind::ConnectionRefused => TcpFailure::Refused,
        ErrorKind::TimedOut => TcpFailure::TimedOut,
        _ if e.raw_os_error().is_some_and(is_unreachable_errno) => TcpFailure::Unreachable,
        _ => TcpFailure::Other,
    }
}

/// ENETUNREACH / EHOSTUNREACH (the ErrorKinds for them need a newer Rust than we require).
fn is_unreachable_errno(code: i32) -> bool {
    if cfg!(target_os = "linux") {
        matches!(code, 101 | 113)
    } else if cfg!(target_os = "macos") {
        matches!(code, 51 | 65)
    } else {
        false
    }
}

pub async fn tcp(ep: &Endpoint, state: &mut State) -> StepOutcome {
    let port = port(ep);
    let host = ep.host();
    let mut attempts = Vec::new();
    let mut worst: Option<TcpFailure> = None;
    for addr in state.addrs.iter().take(MAX_TCP_ATTEMPTS) {
        let outcome = match timeout(ep.timeout, TcpStream::connect(addr)).await {
            Err(_) => Err((
                TcpFailure::TimedOut,
                format!("no answer within {} s", ep.timeout.as_secs()),
            )),
            Ok(Err(e)) => Err((classify(&e), e.to_string())),
            Ok(Ok(_stream)) => Ok(()),
        };
        match outcome {
            Ok(()) => {
                attempts.push(json!({"address": addr.to_string(), "result": "connected"}));
                state.connected = Some(*addr);
                return StepOutcome::soft(
                    CheckResult::pass("tcp", format!("connected to {host} port {port} ({addr})"))
                        .with_data(json!({"port": port, "attempts": attempts})),
                );
            }
            Err((kind, text)) => {
                attempts.push(
                    json!({"address": addr.to_string(), "result": kind.describe(), "error": text}),
                );
                // Report the most telling failure: a timeout says more than a refusal on one record.
                worst = Some(match (worst, kind) {
                    (Some(TcpFailure::TimedOut), _) | (_, TcpFailure::TimedOut) => {
                        TcpFailure::TimedOut
                    }
                    (_, k) => k,
                });
            }
        }
    }
    let kind = worst.unwrap_or(TcpFailure::Other);
    let tried: Vec<String> = state
        .addrs
        .iter()
        .take(MAX_TCP_ATTEMPTS)
        .map(|a| a.to_string())
        .collect();
    let (got, fix) = match kind {
        TcpFailure::Refused => (
            format!("connection refused by {}", tried.join(", ")),
            format!(
                "nothing listens on port {port} of {host}: check the port in the base URL (https uses 443 unless \
                 the console says otherwise) and that the SCIM service is running"
            ),
        ),
        TcpFailure::TimedOut => (
            format!("no answer within {} s from {} (packets are dropped)", ep.timeout.as_secs(), tried.join(", ")),
            format!(
                "a firewall or security group drops traffic to port {port}: allow the IdP's outbound addresses \
                 (Entra ID / Okta publish their ranges) and check this network's egress rules"
            ),
        ),
        TcpFailure::Unreachable => (
            format!("network unreachable for {}", tried.join(", ")),
            "this machine has no route to the host: check VPN, proxy and routing, and that the address is public".to_string(),
        ),
        TcpFailure::Other => (
            format!("connection failed to {}", if tried.is_empty() { host.clone() } else { tried.join(", ") }),
            "check the host and port in the base URL and the network path to it".to_string(),
        ),
    };
    StepOutcome::hard_if_failed(
        CheckResult::new(
            "tcp",
            Status::Fail,
            format!("expected a TCP connection to {host} port {port}, got {got}"),
        )
        .with_remediation(fix)
        .with_data(json!({"port": port, "failure": kind.describe(), "attempts": attempts})),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_recognised_loopback_not() {
        assert!(is_private("10.1.2.3".parse().unwrap()));
        assert!(is_private("192.168.0.1".parse().unwrap()));
        assert!(is_private("fd00::1".parse().unwrap()));
        assert!(!is_private("127.0.0.1".parse().unwrap()));
        assert!(!is_private("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn refused_is_classified_apart_from_timeout() {
        let e = std::io::Error::from(ErrorKind::ConnectionRefused);
        assert_eq!(classify(&e), TcpFailure::Refused);
        assert_eq!(
            classify(&std::io::Error::from(ErrorKind::TimedOut)),
            TcpFailure::TimedOut
        );
        #[cfg(target_os = "linux")]
        assert_eq!(
            classify(&std::io::Error::from_raw_os_error(113)),
            TcpFailure::Unreachable
        );
    }
}
