//! Flags of `serve`: the embedded SCIM server.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve this snapshot (directory, curl output directory or bundle zip)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["demo", "generate"])]
    pub snapshot: Option<PathBuf>,
    /// Serve the bundled demo tenant
    #[arg(long)]
    pub demo: bool,
    /// Serve a generated tenant with this many users
    #[arg(long, value_name = "USERS")]
    pub generate: Option<usize>,
    /// Port on 127.0.0.1 [default: a free one]
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub port: u16,
    /// Require this bearer token from clients (needed to serve a real snapshot, unless
    /// --no-token)
    #[arg(long, env = "SCIM_DOCTOR_SERVE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Serve a snapshot without a token: every local program (and any web page that
    /// guesses the port) can then read it
    #[arg(long, conflicts_with = "token")]
    pub no_token: bool,
    /// Largest page the server returns (a silent cap)
    #[arg(long, value_name = "N")]
    pub max_page_size: Option<usize>,
    /// Latency added to every response, in milliseconds
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Accept writes to /Users and /Groups (in memory), for trying `replay`
    #[arg(long)]
    pub writable: bool,
    /// With --writable: a write bug to reproduce (repeatable)
    #[arg(long = "quirk", value_name = "NAME", value_parser = quirk_values())]
    pub quirks: Vec<String>,
}

/// Every quirk of the writable server with what it does, so `serve --help` lists them all.
fn quirk_values() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        crate::server::QUIRKS
            .iter()
            .map(|(name, help)| clap::builder::PossibleValue::new(*name).help(*help)),
    )
}
