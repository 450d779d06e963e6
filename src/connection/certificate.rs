//! Judging the certificate chain the `tls` step recorded: facts read with x509-parser
//! (names, dates, issuer), RFC 6125 host-name matching, and the verdict that names every
//! problem at once (untrusted, wrong host, expired, not yet valid, expiring soon).

use super::StepOutcome;
use crate::findings::{CheckResult, Status};
use rustls::pki_types::CertificateDer;
use rustls::CertificateError;
use serde_json::json;
use std::net::IpAddr;
use time::OffsetDateTime;

const ID: &str = "tls";
/// Certificates expiring sooner than this are reported (a renewal is due).
pub const EXPIRY_WARN_DAYS: i64 = 30;

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
pub(super) fn judge(
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
