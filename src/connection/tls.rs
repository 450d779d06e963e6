//! Step `tls`: one TLS handshake made with a verifier that records the chain the server
//! presents and what the standard verification said about it, without aborting, so that every
//! problem can be named at once: untrusted (self-signed, unknown or corporate CA, missing
//! intermediates), wrong host name, expired or not yet valid, expiring within 30 days.
//! Roots: Mozilla's (webpki-roots), the system's, and `--ca-cert`.
//! Certificates are judged against the real clock (the IdP uses it too), not the test clock.

use super::{State, StepOutcome};
use crate::findings::{CheckResult, Status};
use crate::source::http::Endpoint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde_json::json;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::timeout;

const ID: &str = "tls";
/// Certificates expiring sooner than this are reported (a renewal is due).
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// What the server presented and what webpki said about it.
#[derive(Debug, Default)]
struct Seen {
    chain: Vec<CertificateDer<'static>>,
    verdict: Option<rustls::Error>,
}

#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Seen>,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .err();
        if let Ok(mut seen) = self.seen.lock() {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates.iter())
                .map(|c| c.clone().into_owned())
                .collect();
            seen.verdict = verdict;
        }
        // Let the handshake finish: the judgement is made afterwards, from what was recorded.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn roots(ep: &Endpoint) -> (RootCertStore, usize) {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    store.add_parsable_certificates(native.certs);
    let mut extra = 0;
    if let Some(pem) = &ep.ca_cert_pem {
        for der in CertificateDer::pem_slice_iter(pem).flatten() {
            if store.add(der).is_ok() {
                extra += 1;
            }
        }
    }
    (store, extra)
}

pub async fn check(ep: &Endpoint, state: &State) -> StepOutcome {
    if ep.base_url.scheme() != "https" {
        return StepOutcome::soft(
            CheckResult::skipped(
                ID,
                "skipped: the base URL uses plain http, so there is no TLS handshake to check",
            )
            .with_remediation(
                "use the https:// URL of the real endpoint: IdPs provision over https only",
            ),
        );
    }
    let host = ep.host();
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let Some(addr) = state.connected.or_else(|| state.addrs.first().copied()) else {
        return fail_outright(ep, "no address to connect to".into());
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (store, extra_roots) = roots(ep);
    let inner = match WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
        .build()
    {
        Ok(v) => v,
        Err(e) => return fail_outright(ep, format!("no usable trust roots ({e})")),
    };
    let verifier = Arc::new(RecordingVerifier {
        inner,
        seen: Mutex::new(Seen::default()),
    });
    let config =
        match ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
            Ok(b) => b
                .dangerous()
                .with_custom_certificate_verifier(verifier.clone())
                .with_no_client_auth(),
            Err(e) => return fail_outright(ep, format!("TLS set-up failed ({e})")),
        };
    let server_name = match ServerName::try_from(bare.clone()) {
        Ok(n) => n,
        Err(_) => return fail_outright(ep, format!("`{bare}` is not a valid TLS server name")),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let handshake = async {
        let tcp = TcpStream::connect(addr).await?;
        connector.connect(server_name, tcp).await
    };
    let outcome = timeout(ep.timeout, handshake).await;
    let (protocol, cipher, handshake_error) = match outcome {
        Err(_) => (
            None,
            None,
            Some(format!("no TLS answer within {} s", ep.timeout.as_secs())),
        ),
        Ok(Err(e)) => (None, None, Some(e.to_string())),
        Ok(Ok(stream)) => {
            let conn = stream.get_ref().1;
            (
                conn.protocol_version().map(|v| format!("{v:?}")),
                conn.negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite())),
                None,
            )
        }
    };
    let seen = match verifier.seen.lock() {
        Ok(mut s) => std::mem::take(&mut *s),
        Err(_) => Seen::default(),
    };
    if seen.chain.is_empty() {
        let err = handshake_error.unwrap_or_else(|| "the server presented no certificate".into());
        return fail_outright(ep, err);
    }
    let mut out = judge(
        &bare,
        &seen.chain,
        seen.verdict.as_ref(),
        OffsetDateTime::now_utc(),
        ep.insecure,
        ep.ca_cert_pem.is_some(),
    );
    if let Some(d) = out.result.data.as_mut() {
        d["protocol"] = json!(protocol);
        d["cipher"] = json!(cipher);
        d["extra_roots"] = json!(extra_roots);
    }
    if let Some(e) = handshake_error {
        // The chain was recorded but the handshake still broke (e.g. a bad signature).
        out.result
            .message
            .push_str(&format!("; the handshake then failed ({e})"));
        if !ep.insecure {
            out.result.status = Status::Fail;
            out.hard_failure = true;
        }
    }
    out
}

/// A handshake that produced no certificate to judge: not TLS, wrong port, or no answer.
fn fail_outright(ep: &Endpoint, err: String) -> StepOutcome {
    let host = ep.host();
    let lower = err.to_ascii_lowercase();
    let hint = if lower.contains("corrupt message")
        || lower.contains("invalidcontenttype")
        || lower.contains("invalid content type")
    {
        " (the port answers, but not with TLS: it probably speaks plain HTTP)"
    } else {
        ""
    };
    let status = if ep.insecure {
        Status::Warn
    } else {
        Status::Fail
    };
    let r = CheckResult::new(
        ID,
        status,
        format!(
            "expected a TLS handshake with {host}, got a failure: {}{hint}",
            crate::secret::scrub(&err)
        ),
    )
    .with_remediation(
        "check that the port in the base URL serves HTTPS (a plain-HTTP port needs http://, a TLS port https://) \
         and that the server offers TLS 1.2 or newer",
    )
    .with_data(json!({"error": crate::secret::scrub(&err)}));
    // Without a handshake no HTTPS request can succeed, even with --insecure.
    StepOutcome {
        result: r,
        hard_failure: true,
    }
}

/// Facts about one certificate, read with x509-parser.
#[derive(Debug, Clone)]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub self_signed: bool,
    /// subjectAltName DNS and IP entries; the subject CN when there are none.
    pub names: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

pub fn cert_facts(der: &[u8]) -> Option<CertFacts> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_string()),
                x509_parser::extensions::GeneralName::IPAddress(b) => {
                    if let Some(ip) = ip_from_bytes(b) {
                        names.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if names.is_empty() {
        if let Some(cn) = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|c| c.as_str().ok())
        {
            names.push(cn.to_string());
        }
    }
    let validity = cert.validity();
    Some(CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
        names,
        not_before: OffsetDateTime::from_unix_timestamp(validity.not_before.timestamp()).ok()?,
        not_after: OffsetDateTime::from_unix_timestamp(validity.not_after.timestamp()).ok()?,
    })
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

/// RFC 6125 matching: case-insensitive, a `*` only as the whole leftmost label.
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let (Ok(a), Ok(b)) = (pattern.parse::<IpAddr>(), host.parse::<IpAddr>()) {
        return a == b;
    }
    if let Some(rest) = pattern.strip_prefix("*.") {
        return match host.split_once('.') {
            Some((first, tail)) => {
                !first.is_empty() && tail == rest && host.parse::<IpAddr>().is_err()
            }
            None => false,
        };
    }
    pattern == host
}

fn date(t: OffsetDateTime) -> String {
    crate::util::rfc3339(t)
}

/// Judges a recorded chain. `verdict` is webpki's objection, if any; names and dates are
/// judged here from the certificate itself so that all problems are named, not only the first.
fn judge(
    host: &str,
    chain: &[CertificateDer<'static>],
    verdict: Option<&rustls::Error>,
    now: OffsetDateTime,
    insecure: bool,
    has_ca_cert: bool,
) -> StepOutcome {
    let Some(leaf) = chain.first().and_then(|c| cert_facts(c.as_ref())) else {
        let status = if insecure { Status::Warn } else { Status::Fail };
        let what = verdict
            .map(|v| format!("{v}"))
            .unwrap_or_else(|| "unreadable".into());
        return StepOutcome {
            result: CheckResult::new(
                ID,
                status,
                format!("expected a readable X.509 certificate from {host}, got one that could not be parsed ({what})"),
            )
            .with_remediation("install a standard X.509 certificate (PEM/DER) with the full chain on the endpoint"),
            hard_failure: !insecure,
        };
    };
    let mut hard: Vec<String> = Vec::new();
    let mut fixes: Vec<String> = Vec::new();
    let mut trusted = true;
    match verdict {
        // Path-building errors: no trusted root signs this chain. webpki reports the most
        // telling attempt, so a self-signed leaf can come back as a signature mismatch with
        // an unrelated root of the same name rather than as UnknownIssuer.
        Some(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer
            | CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
        )) => {
            trusted = false;
            if leaf.self_signed {
                hard.push(format!("a self-signed certificate ({})", leaf.subject));
            } else if chain.len() == 1 {
                hard.push(format!(
                    "a certificate issued by {} that no trusted root vouches for, and no intermediate certificates",
                    leaf.issuer
                ));
            } else {
                hard.push(format!(
                    "a certificate issued by {} that no trusted root vouches for",
                    leaf.issuer
                ));
            }
            fixes.push(if has_ca_cert {
                "the --ca-cert file does not hold the CA that issued this certificate: export the issuing root (and intermediates) and pass them with --ca-cert".to_string()
            } else {
                "if the endpoint uses a corporate or internal CA, re-run with --ca-cert corp-ca.pem to check the rest; cloud IdPs (Entra ID, Okta) trust only public CAs, so install a certificate from a public CA and serve the full chain (leaf + intermediates)".to_string()
            });
        }
        Some(rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName
            | CertificateError::NotValidForNameContext { .. }
            | CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        )) => {} // judged below from the certificate itself
        Some(other) => {
            trusted = false;
            hard.push(format!("a certificate the verifier rejected ({other})"));
            fixes.push("replace the endpoint's certificate with one from a public CA, served with its full chain".into());
        }
        None => {}
    }
    if !leaf.names.iter().any(|n| name_matches(n, host)) {
        hard.push(format!(
            "a certificate for {} (not {host})",
            leaf.names.join(", ")
        ));
        fixes.push(format!(
            "use the host name the certificate was issued for in the base URL, or reissue the certificate with {host} in its subjectAltName"
        ));
    }
    let days_left = (leaf.not_after - now).whole_days();
    if now > leaf.not_after {
        hard.push(format!(
            "a certificate that expired on {}",
            date(leaf.not_after)
        ));
        fixes.push("renew the endpoint's certificate and install it with its chain".into());
    } else if now < leaf.not_before {
        hard.push(format!(
            "a certificate not valid before {}",
            date(leaf.not_before)
        ));
        fixes.push("check the server clock and the certificate's validity dates; reissue it if they are wrong".into());
    }
    let expiring = hard.is_empty() && days_left < EXPIRY_WARN_DAYS;
    let data = json!({
        "host": host,
        "subject": leaf.subject,
        "issuer": leaf.issuer,
        "names": leaf.names,
        "self_signed": leaf.self_signed,
        "not_before": date(leaf.not_before),
        "not_after": date(leaf.not_after),
        "days_left": days_left,
        "chain_length": chain.len(),
        "trusted": trusted,
    });
    if hard.is_empty() && !expiring {
        return StepOutcome::soft(
            CheckResult::pass(
                ID,
                format!(
                    "trusted certificate for {} issued by {}, valid until {} ({days_left} days left)",
                    leaf.names.join(", "),
                    leaf.issuer,
                    date(leaf.not_after)
                ),
            )
            .with_data(data),
        );
    }
    if hard.is_empty() {
        return StepOutcome::soft(
            CheckResult::new(
                ID,
                Status::Warn,
                format!(
                    "expected a certificate valid for at least {EXPIRY_WARN_DAYS} more days, got one that expires on {} ({days_left} days left)",
                    date(leaf.not_after)
                ),
            )
            .with_remediation("renew the endpoint's certificate before it expires: once it does, every IdP's provisioning stops")
            .with_data(data),
        );
    }
    let (status, suffix) = if insecure {
        (
            Status::Warn,
            " (reported as a warning because of --insecure; the IdP will not accept it)",
        )
    } else {
        (Status::Fail, "")
    };
    let mut r = CheckResult::new(
        ID,
        status,
        format!(
            "expected a trusted, valid certificate for {host}, got {}{suffix}",
            hard.join("; ")
        ),
    )
    .with_remediation(fixes.join("; "))
    .with_data(data);
    r.count = hard.len();
    StepOutcome {
        result: r,
        hard_failure: !insecure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A self-signed certificate for `names`, valid through 2026.
    fn cert(names: &[&str]) -> Vec<CertificateDer<'static>> {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        p.not_before = datetime!(2026-01-01 0:00 UTC);
        p.not_after = datetime!(2027-01-01 0:00 UTC);
        vec![p.self_signed(&key).unwrap().der().clone()]
    }

    #[test]
    fn valid_certificate_for_the_host_passes() {
        let out = judge(
            "scim.example.com",
            &cert(&["scim.example.com"]),
            None,
            datetime!(2026-06-01 0:00 UTC),
            false,
            false,
        );
        assert_eq!(out.result.status, Status::Pass, "{}", out.result.message);
        assert!(!out.hard_failure);
    }

    #[test]
    fn expiring_within_30_days_warns_without_stopping() {
        let out = judge(
            "scim.example.com",
            &cert(&["scim.example.com"]),
            None,
            datetime!(2026-12-20 0:00 UTC),
            false,
            false,
        );
        assert_eq!(out.result.status, Status::Warn);
        assert!(
            out.result.message.contains("12 days left"),
            "{}",
            out.result.message
        );
        assert!(!out.hard_failure);
    }

    #[test]
    fn expired_and_wrong_host_are_both_named() {
        let out = judge(
            "other.example.com",
            &cert(&["scim.example.com"]),
            None,
            datetime!(2027-02-01 0:00 UTC),
            false,
            false,
        );
        assert_eq!(out.result.status, Status::Fail);
        assert!(
            out.result.message.contains("not other.example.com"),
            "{}",
            out.result.message
        );
        assert!(
            out.result.message.contains("expired on 2027-01-01"),
            "{}",
            out.result.message
        );
        assert_eq!(out.result.count, 2);
        assert!(out.hard_failure);
    }

    #[test]
    fn untrusted_self_signed_is_a_warning_only_with_insecure() {
        let unknown = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let chain = cert(&["scim.example.com"]);
        let now = datetime!(2026-06-01 0:00 UTC);
        let strict = judge(
            "scim.example.com",
            &chain,
            Some(&unknown),
            now,
            false,
            false,
        );
        assert_eq!(strict.result.status, Status::Fail);
        assert!(strict.result.message.contains("self-signed"));
        assert!(strict.hard_failure);
        let lax = judge("scim.example.com", &chain, Some(&unknown), now, true, false);
        assert_eq!(lax.result.status, Status::Warn);
        assert!(!lax.hard_failure);
    }

    #[test]
    fn wildcard_matches_one_label_only() {
        assert!(name_matches("*.example.com", "scim.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("SCIM.Example.com", "scim.example.com"));
        assert!(name_matches("127.0.0.1", "127.0.0.1"));
        assert!(!name_matches("localhost", "127.0.0.1"));
    }
}
