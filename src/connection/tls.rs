//! Step `tls`: one TLS handshake made with a verifier that records the chain the server
//! presents and what the standard verification said about it, without aborting, so that every
//! problem can be named at once: untrusted (self-signed, unknown or corporate CA, missing
//! intermediates), wrong host name, expired or not yet valid, expiring within 30 days.
//! Roots: Mozilla's (webpki-roots), the system's, and `--ca-cert`.
//! The judgement itself lives in `certificate`.
//! Certificates are judged against the real clock (the IdP uses it too), not the test clock.

use super::{State, StepOutcome};
use crate::findings::{CheckResult, Status};
use crate::source::http::Endpoint;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde_json::json;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::timeout;

const ID: &str = "tls";

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
    let mut out = super::certificate::judge(
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
    // No handshake means no HTTPS request can succeed, so this fails even with --insecure.
    let r = CheckResult::new(
        ID,
        Status::Fail,
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
    StepOutcome::hard_if_failed(r)
}
