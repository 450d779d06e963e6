//! `collect okta` / `collect entra`: where to read from, which app, the window, the bounds.
//! Credentials are not flags: they come from the environment only (`commands::collect`).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `collect okta` / `collect entra`.
#[derive(Debug, Subcommand)]
pub enum CollectCommand {
    /// The Okta app, its features, users, groups, group push mappings and System Log events
    #[command(after_help = "Examples:
  export OKTA_API_TOKEN=...
  scim-doctor collect okta --org https://acme.okta.com \\
      --app 0oa1gjh63g214q0Hq0g4 --out ./okta
  scim-doctor collect okta --org https://acme.okta.com \\
      --app Salesforce --out ./okta --since 30d

Credentials: OKTA_API_TOKEN (sent as SSWS) or OKTA_ACCESS_TOKEN (an OAuth
access token with okta.apps.read, okta.logs.read, okta.users.read and
okta.groups.read, sent as Bearer).")]
    Okta(CollectOktaArgs),
    /// The Entra service principal, its synchronization jobs, schema, provisioning logs,
    /// assignments and assigned users
    #[command(after_help = "Examples:
  export AZURE_TENANT_ID=contoso.onmicrosoft.com
  export AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=...
  scim-doctor collect entra --app \"Contoso SCIM\" --out ./entra
  export GRAPH_TOKEN=...  # az account get-access-token --resource-type ms-graph
  scim-doctor collect entra \\
      --app 6f1c0b8e-4a4e-4a4c-9d1e-2b7f1c0e9a11 --out ./entra --since 7d

Credentials, in this order: AZURE_TENANT_ID with AZURE_CLIENT_ID and
AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH (PEM: PKCS#8 RSA key and
certificate), or GRAPH_TOKEN. The app needs the
application permissions Application.Read.All, Synchronization.Read.All,
AuditLog.Read.All, User.Read.All and GroupMember.Read.All.")]
    Entra(CollectEntraArgs),
}

/// What both collectors take.
#[derive(Debug, Clone, Args)]
pub struct CollectCommon {
    /// The folder to write (created; must be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Stop after this many HTTP requests
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_requests: usize,
    /// Stop after this many seconds (throttling waits included)
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub time_budget: u64,
    /// Per-request timeout in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct CollectOktaArgs {
    /// The Okta org, e.g. https://acme.okta.com
    #[arg(long, value_name = "URL")]
    pub org: String,
    /// The app: its id (0oa...) or its label
    #[arg(long, value_name = "ID|LABEL")]
    pub app: String,
    /// The System Log window: 90d, 12h, 2w or an RFC 3339 time
    #[arg(long, value_name = "WHEN", default_value = "90d")]
    pub since: String,
    #[command(flatten)]
    pub common: CollectCommon,
}

#[derive(Debug, Clone, Args)]
pub struct CollectEntraArgs {
    /// The enterprise app: display name, appId or service principal object id
    #[arg(long, value_name = "NAME|APPID|OBJECTID")]
    pub app: String,
    /// The provisioning-log window: 30d, 12h, 2w or an RFC 3339 time
    #[arg(long, value_name = "WHEN", default_value = "30d")]
    pub since: String,
    /// Microsoft Graph's origin (national clouds: https://graph.microsoft.us, ...)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_url: String,
    /// The Microsoft identity platform's origin (national clouds: https://login.microsoftonline.us, ...)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub login_url: String,
    #[command(flatten)]
    pub common: CollectCommon,
}
