//! The Entra collector's credentials: the OAuth client-credentials token request and what
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

/// Asks `{login}/{tenant}/oauth2/v2.0/token` for an app-only token for `graph_origin`.
pub async fn client_credentials(
    login: &crate::source::http::HttpClient,
    tenant: &str,
    client_id: &str,
    secret_value: &SecretString,
    graph_origin: &str,
) -> Result<SecretString, String> {
    let url = login
        .endpoint
        .url(&format!("{}/oauth2/v2.0/token", enc(tenant)));
    let body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        enc(client_id),
        enc(secret_value.expose()),
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
    fn aadsts_codes_say_what_to_fix() {
        assert!(aadsts(7000215).unwrap().contains("Value"));
        assert!(aadsts(700016).unwrap().contains("AZURE_CLIENT_ID"));
        assert!(aadsts(90002).unwrap().contains("AZURE_TENANT_ID"));
        assert!(aadsts(1).is_none());
    }
}
