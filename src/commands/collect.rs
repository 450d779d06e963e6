//! `collect okta|entra`: credentials from the environment only, the collector run, a summary
//! on stderr; and `expand_folders`, which turns a collected folder given as `--idp-config`
//! into the files it holds, each under the flag that reads its shape.

use crate::cli::args::{
    AuditArgs, CollectCommand, CollectCommon, CollectEntraArgs, CollectOktaArgs,
};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::collect::{self, Limits, Session, Vendor};
use crate::secret::SecretString;
use crate::source::http::{Auth, Endpoint, HttpClient, Transcript};
use std::time::Duration;

pub async fn run(c: CollectCommand, out: &Output) -> CmdResult {
    match c {
        CollectCommand::Okta(a) => okta(a, out).await,
        CollectCommand::Entra(a) => entra(a, out).await,
    }
}

fn env_secret(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map(SecretString::new)
}

fn origin(flag: &str, raw: &str) -> Result<url::Url, ToolError> {
    let u = url::Url::parse(raw.trim()).map_err(|e| {
        ToolError(format!(
            "{flag} `{}` is not a URL ({e}); expected e.g. https://host",
            crate::util::quote(raw, 100)
        ))
    })?;
    if !matches!(u.scheme(), "https" | "http") || u.host_str().is_none_or(str::is_empty) {
        return Err(ToolError(format!(
            "{flag} must be an https:// URL with a host, got `{}`",
            crate::util::quote(raw, 100)
        )));
    }
    if u.scheme() == "http" && !crate::source::http::is_loopback(&u) {
        return Err(ToolError(format!(
            "{flag} must use https:// (http:// is accepted for 127.0.0.1 only, for tests)"
        )));
    }
    Ok(u)
}

fn client(
    base: url::Url,
    auth: Auth,
    headers: Vec<(String, SecretString)>,
    c: &CollectCommon,
) -> Result<HttpClient, ToolError> {
    let endpoint = Endpoint {
        raw_base_url: base.to_string(),
        base_url: base,
        auth,
        headers,
        ca_cert_pem: None,
        insecure: false,
        timeout: Duration::from_secs(c.timeout.max(1)),
        max_body_bytes: 256 * 1024 * 1024,
    };
    HttpClient::new(endpoint, Transcript::default()).map_err(ToolError)
}

fn limits(c: &CollectCommon) -> Limits {
    Limits {
        max_requests: c.max_requests.max(1),
        time_budget: Duration::from_secs(c.time_budget.max(1)),
        ..Limits::default()
    }
}

fn window(since: &str) -> Result<(time::OffsetDateTime, time::OffsetDateTime), ToolError> {
    let now = crate::util::now();
    Ok((collect::parse_since(since, now).map_err(ToolError)?, now))
}

fn summary(folder: &collect::Folder, out: &Output) {
    let m = &folder.manifest;
    out.note(&format!(
        "collected {} into {} with {} requests",
        m.artifacts
            .iter()
            .map(|a| format!("{} ({})", a.file, a.items))
            .collect::<Vec<_>>()
            .join(", "),
        folder.dir.display(),
        m.requests
    ));
    for n in &m.not_readable {
        out.warn(&format!("not readable: {}: {}", n.what, n.reason));
    }
    out.note(&format!(
        "next: scim-doctor check --snapshot SNAPSHOT --idp-config {}",
        folder.dir.display()
    ));
}

async fn okta(a: CollectOktaArgs, out: &Output) -> CmdResult {
    let mut base = origin("--org", &a.org)?;
    base.set_path("/");
    base.set_query(None);
    let headers = match (env_secret("OKTA_API_TOKEN"), env_secret("OKTA_ACCESS_TOKEN")) {
        (Some(t), _) => vec![(
            "authorization".to_string(),
            SecretString::new(format!("SSWS {}", t.expose())),
        )],
        (None, Some(t)) => vec![(
            "authorization".to_string(),
            SecretString::new(format!("Bearer {}", t.expose())),
        )],
        (None, None) => {
            return Err(ToolError(
                "no Okta credentials: set OKTA_API_TOKEN (an API token, sent as SSWS) or OKTA_ACCESS_TOKEN (an OAuth access token with okta.apps.read, okta.logs.read, okta.users.read, okta.groups.read); credentials are never taken from the command line".into(),
            ))
        }
    };
    let (since, until) = window(&a.since)?;
    let http = client(base, Auth::None, headers, &a.common)?;
    let progress = |m: &str| out.note(m);
    let mut s = Session::new(http, Vendor::Okta, limits(&a.common), &progress);
    let req = collect::okta::Request {
        app: a.app.trim(),
        since,
        until,
    };
    let folder = collect::okta::collect(&mut s, &req, &a.common.out)
        .await
        .map_err(|e| ToolError(e.0))?;
    summary(&folder, out);
    Ok(0)
}

async fn entra(a: CollectEntraArgs, out: &Output) -> CmdResult {
    let graph = origin("--graph-url", &a.graph_url)?;
    let login = origin("--login-url", &a.login_url)?;
    let graph_origin = graph.origin().ascii_serialization();
    let tenant = env_secret("AZURE_TENANT_ID");
    let client_id = env_secret("AZURE_CLIENT_ID");
    let client_secret = env_secret("AZURE_CLIENT_SECRET");
    let cert_path = std::env::var_os("AZURE_CLIENT_CERTIFICATE_PATH").filter(|p| !p.is_empty());
    let credential = match (&client_secret, &cert_path) {
        (Some(s), _) => Some(collect::graph_token::Credential::Secret(s.clone())),
        (None, Some(p)) => Some(collect::graph_token::Credential::Certificate(
            std::fs::read(p).map_err(|e| {
                ToolError(format!(
                    "cannot read AZURE_CLIENT_CERTIFICATE_PATH {}: {e}",
                    std::path::Path::new(p).display()
                ))
            })?,
        )),
        (None, None) => None,
    };
    let token = match (&tenant, &client_id, &credential) {
        (Some(t), Some(c), Some(cred)) => {
            out.note("entra: asking for an app-only token (client credentials)");
            let login_client = client(login, Auth::None, Vec::new(), &a.common)?;
            collect::entra::client_credentials(
                &login_client,
                t.expose(),
                c.expose(),
                cred,
                &graph_origin,
            )
            .await
            .map_err(ToolError)?
        }
        _ => match env_secret("GRAPH_TOKEN") {
            Some(t) => t,
            None => {
                let mut missing = Vec::new();
                if tenant.is_none() {
                    missing.push("AZURE_TENANT_ID");
                }
                if client_id.is_none() {
                    missing.push("AZURE_CLIENT_ID");
                }
                if credential.is_none() {
                    missing.push("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH");
                }
                return Err(ToolError(format!(
                    "no Microsoft Graph credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH) (missing: {}), or GRAPH_TOKEN (az account get-access-token --resource-type ms-graph); credentials are never taken from the command line",
                    missing.join(", ")
                )));
            }
        },
    };
    let (since, until) = window(&a.since)?;
    let mut base = graph.clone();
    base.set_path("/v1.0");
    base.set_query(None);
    let http = client(base, Auth::Bearer(token), Vec::new(), &a.common)?;
    let progress = |m: &str| out.note(m);
    let mut s = Session::new(http, Vendor::Graph, limits(&a.common), &progress);
    let req = collect::entra::Request {
        app: a.app.trim(),
        since,
        until,
    };
    let folder = collect::entra::collect(&mut s, &req, &a.common.out)
        .await
        .map_err(|e| ToolError(e.0))?;
    summary(&folder, out);
    Ok(0)
}

/// Every `--idp-config` that is a folder is replaced by its files, each under the flag that
/// reads its shape (the user export as `--idp-users`, logs as `--provisioning-logs`).
pub fn expand_folders(a: &mut AuditArgs, out: &Output) -> Result<(), ToolError> {
    if !a.idp_config.iter().any(|p| p.is_dir()) {
        return Ok(());
    }
    let mut files = Vec::new();
    for p in std::mem::take(&mut a.idp_config) {
        if !p.is_dir() {
            files.push(p);
            continue;
        }
        let e = collect::folder::expand(&p).map_err(|e| ToolError(format!("--idp-config {e}")))?;
        if let Some(u) = e.idp_users.first() {
            if let Some(given) = &a.idp_users {
                return Err(ToolError(format!(
                    "--idp-users {} and the user export {} in the folder {}: give one",
                    given.display(),
                    u.display(),
                    p.display()
                )));
            }
            a.idp_users = Some(u.clone());
        }
        out.note(&format!(
            "--idp-config {}: {} configuration files, {} user export, {} provisioning logs; not read: {}",
            p.display(),
            e.idp_config.len(),
            e.idp_users.len(),
            e.provisioning_logs.len(),
            if e.skipped.is_empty() {
                "nothing".to_string()
            } else {
                e.skipped
                    .iter()
                    .map(|(f, _)| f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        files.extend(e.idp_config);
        a.provisioning_logs.extend(e.provisioning_logs);
    }
    a.idp_config = files;
    Ok(())
}
