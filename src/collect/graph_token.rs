//! The Entra collector's credentials: the OAuth client-credentials token request (with a
//! client secret, or a client assertion signed with a certificate's private key), and what
//! each AADSTS error code of the token endpoint means.

use super::enc;
use crate::secret::{self, SecretString};
use serde_json::Value;

/// The application permissions the collector needs, and what each reads.
pub const PERMISSIONS: [(&str, &str); 5] = [
    (
        "Application.Read.All",
        "the service principal and its app role assignments",
    ),
    (
        "Synchronization.Read.All",
        "the synchronization jobs and schema",
    ),
    ("AuditLog.Read.All", "the provisioning logs"),
    ("User.Read.All", "the assigned users"),
    ("GroupMember.Read.All", "the members of assigned groups"),
];

/// What an AADSTS code returned by the token endpoint means, and what to do.
pub fn aadsts(code: u64) -> Option<&'static str> {
    Some(match code {
        7000215 => "invalid client secret: AZURE_CLIENT_SECRET must be the secret's Value (shown once, when it is created), not its Secret ID",
        7000222 => "the client secret has expired: create a new one under Certificates & secrets",
        700016 => "application not found in the tenant: AZURE_CLIENT_ID is not the Application (client) ID of an app registration in this tenant (or the app was not consented there)",
        90002 => "tenant not found: AZURE_TENANT_ID is not a tenant GUID or verified domain of an existing tenant (or --login-url is for another cloud)",
        900023 => "the tenant identifier is malformed: AZURE_TENANT_ID must be the Directory (tenant) ID GUID or a verified domain",
        700027 => "the client assertion's signature does not verify: the certificate is not uploaded to this app registration",
        _ => return None,
    })
}

/// How the app proves who it is at the token endpoint.
pub enum Credential {
    /// `AZURE_CLIENT_SECRET`: the secret's value.
    Secret(SecretString),
    /// `AZURE_CLIENT_CERTIFICATE_PATH`: a PEM file with the PKCS#8 RSA private key and the
    /// certificate uploaded to the app registration.
    Certificate(Vec<u8>),
}

/// The token endpoint of `tenant` on the login origin.
pub fn token_url(login: &crate::source::http::HttpClient, tenant: &str) -> String {
    login
        .endpoint
        .url(&format!("{}/oauth2/v2.0/token", enc(tenant)))
}

fn b64url(bytes: &[u8]) -> String {
    crate::source::http::base64_encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A signed client assertion (RFC 7523; Microsoft identity platform "certificate
/// credentials"): an RS256 JWT whose header names the certificate by its SHA-256 thumbprint
/// (`x5t#S256`), with `aud` the token endpoint, `iss` and `sub` the client id, a fresh `jti`,
/// valid for ten minutes.
pub fn client_assertion(pem: &[u8], client_id: &str, aud: &str) -> Result<SecretString, String> {
    use sha2::Digest;
    let mut key = None;
    let mut cert = None;
    for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
        let block =
            block.map_err(|e| format!("AZURE_CLIENT_CERTIFICATE_PATH is not a PEM file ({e})"))?;
        match block.label.as_str() {
            "PRIVATE KEY" => key = key.or(Some(block.contents)),
            "CERTIFICATE" => cert = cert.or(Some(block.contents)),
            "RSA PRIVATE KEY" => return Err("AZURE_CLIENT_CERTIFICATE_PATH holds a PKCS#1 key (BEGIN RSA PRIVATE KEY): convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem`".into()),
            "ENCRYPTED PRIVATE KEY" => return Err("AZURE_CLIENT_CERTIFICATE_PATH holds an encrypted private key: export it without a password (kept out of the command line) or use AZURE_CLIENT_SECRET".into()),
            _ => {}
        }
    }
    let (Some(key), Some(cert)) = (key, cert) else {
        return Err("AZURE_CLIENT_CERTIFICATE_PATH must hold both the private key (BEGIN PRIVATE KEY) and the certificate (BEGIN CERTIFICATE), as PEM".into());
    };
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&key).map_err(|e| {
        format!("the private key in AZURE_CLIENT_CERTIFICATE_PATH is not an RSA PKCS#8 key ({e})")
    })?;
    let now = crate::util::now().unix_timestamp();
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "x5t#S256": b64url(&sha2::Sha256::digest(&cert)),
    });
    let claims = serde_json::json!({
        "aud": aud,
        "iss": client_id,
        "sub": client_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "nbf": now,
        "iat": now,
        "exp": now + 600,
    });
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| "could not sign the client assertion".to_string())?;
    Ok(SecretString::new(format!("{input}.{}", b64url(&sig))))
}

/// Asks `{login}/{tenant}/oauth2/v2.0/token` for an app-only token for `graph_origin`.
pub async fn client_credentials(
    login: &crate::source::http::HttpClient,
    tenant: &str,
    client_id: &str,
    credential: &Credential,
    graph_origin: &str,
) -> Result<SecretString, String> {
    let url = token_url(login, tenant);
    let proof = match credential {
        Credential::Secret(s) => format!("client_secret={}", enc(s.expose())),
        Credential::Certificate(pem) => {
            let jwt = client_assertion(pem, client_id, &url)?;
            format!(
                "client_assertion_type={}&client_assertion={}",
                enc("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                enc(jwt.expose())
            )
        }
    };
    let body = format!(
        "grant_type=client_credentials&client_id={}&{proof}&scope={}",
        enc(client_id),
        enc(&format!("{}/.default", graph_origin.trim_end_matches('/')))
    );
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(
        reqwest::header::USER_AGENT,
        reqwest::header::HeaderValue::from_static(crate::source::http::TOOL_USER_AGENT),
    );
    let (status, _, bytes) = login
        .send_method(
            reqwest::Method::POST,
            &url,
            headers,
            Some(body.into_bytes()),
        )
        .await
        .map_err(|e| format!("the token request to {} failed: {e}", login.endpoint.host()))?;
    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status == 200 {
        if let Some(t) = v.get("access_token").and_then(Value::as_str) {
            return Ok(SecretString::new(t));
        }
        return Err("the token endpoint answered 200 without an access_token".into());
    }
    let desc = v
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or("");
    let code = v
        .get("error_codes")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_u64)
        .or_else(|| {
            let at = desc.find("AADSTS")?;
            let digits: String = desc[at + 6..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        });
    let first_line = desc.lines().next().unwrap_or("").to_string();
    let what = match code.and_then(aadsts) {
        Some(m) => format!("AADSTS{}: {m}", code.unwrap_or(0)),
        None => match code {
            Some(c) => format!("AADSTS{c}"),
            None => v
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("no error code")
                .to_string(),
        },
    };
    Err(secret::scrub(&format!(
        "the token request was refused (HTTP {status}) — {what}. Microsoft said: {}",
        crate::util::quote(&first_line, 300)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_assertion_is_an_rs256_jwt_naming_the_certificate() {
        use sha2::Digest;
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/collect/test-client-certificate.pem"
        ))
        .unwrap();
        let aud = "https://login.example.test/t/oauth2/v2.0/token";
        let jwt = client_assertion(&pem, "client-1", aud).unwrap();
        let parts: Vec<&str> = jwt.expose().split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |s: &str| {
            let std = s.replace('-', "+").replace('_', "/");
            let padded = format!("{std}{}", "=".repeat((4 - std.len() % 4) % 4));
            let v = x509_parser::pem::Pem::iter_from_buffer(
                format!("-----BEGIN X-----\n{padded}\n-----END X-----\n").as_bytes(),
            )
            .next()
            .unwrap()
            .unwrap()
            .contents;
            v
        };
        let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
        let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
        assert_eq!(header["alg"], "RS256");
        let cert = x509_parser::pem::Pem::iter_from_buffer(&pem)
            .map(Result::unwrap)
            .find(|p| p.label == "CERTIFICATE")
            .unwrap();
        assert_eq!(
            header["x5t#S256"],
            b64url(&sha2::Sha256::digest(&cert.contents))
        );
        assert_eq!(claims["aud"], aud);
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        // The signature verifies with the certificate's public key.
        let (_, x509) = x509_parser::parse_x509_certificate(&cert.contents).unwrap();
        let spki = x509.public_key().subject_public_key.data.to_vec();
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            spki,
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        assert!(key.verify(signed.as_bytes(), &decode(parts[2])).is_ok());
        assert!(key.verify(b"tampered", &decode(parts[2])).is_err());
        // A PEM without the certificate is refused with what to do.
        let key_only: Vec<u8> = String::from_utf8(pem.clone())
            .unwrap()
            .split("-----BEGIN CERTIFICATE-----")
            .next()
            .unwrap()
            .as_bytes()
            .to_vec();
        assert!(client_assertion(&key_only, "c", aud)
            .unwrap_err()
            .contains("BEGIN CERTIFICATE"));
    }

    #[test]
    fn aadsts_codes_say_what_to_fix() {
        assert!(aadsts(7000215).unwrap().contains("Value"));
        assert!(aadsts(700016).unwrap().contains("AZURE_CLIENT_ID"));
        assert!(aadsts(90002).unwrap().contains("AZURE_TENANT_ID"));
        assert!(aadsts(1).is_none());
    }
}
