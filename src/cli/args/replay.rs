//! Flags of `replay`: the opt-in write probe.

use super::shared::{BundleArgs, EndpointArgs, ReportArgs};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntraCompat {
    /// What Entra sends without the flag: "Replace", "active":"False", value-array removal
    Legacy,
    /// What Entra sends with ?aadOptscim062020 on the Tenant URL
    #[value(name = "aadOptscim062020")]
    Flag,
    /// Legacy first, then aadOptscim062020 (tells whether the flag is the fix)
    Both,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    // `--idp entra|okta|rfc` (whose request sequence to replay) is the bundle's `--idp` flag
    // below: one flag names the IdP for the sequence and for the ticket.
    /// Entra's request shapes (with --idp entra)
    #[arg(long, value_enum, default_value_t = EntraCompat::Both, help_heading = "Replay")]
    pub entra_compat: EntraCompat,
    /// Send the writes (without it nothing is sent and the exit code is 2)
    #[arg(long, help_heading = "Replay")]
    pub allow_writes: bool,
    /// Print every request the run would send (method, path, body) and send none
    #[arg(long, help_heading = "Replay")]
    pub dry_run: bool,
    /// Find canaries left by an interrupted run (names of the exact generated pattern only);
    /// delete them, listing each, with --allow-writes
    #[arg(long, conflicts_with = "dry_run", help_heading = "Replay")]
    pub cleanup: bool,
    /// Stop the sequence after this many seconds (the cleanup still runs)
    #[arg(
        long,
        default_value_t = 300,
        value_name = "SECS",
        help_heading = "Replay"
    )]
    pub deadline: u64,
    /// Also write every request and answer (bodies included, secrets scrubbed) as JSON lines
    #[arg(long, value_name = "PATH", help_heading = "Replay")]
    pub transcript: Option<PathBuf>,
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `replay --idp`: only the request sequences replay knows.
pub fn replay_idp() -> impl clap::builder::TypedValueParser<Value = super::shared::IdpKind> {
    use super::shared::IdpKind;
    use clap::builder::{PossibleValue, TypedValueParser};
    clap::builder::PossibleValuesParser::new([
        PossibleValue::new("entra").help("Entra ID's requests (see --entra-compat)"),
        PossibleValue::new("okta").help("Okta's requests"),
        PossibleValue::new("rfc").help("the RFC 7644 forms neither Entra ID nor Okta sends"),
    ])
    .map(|s| <IdpKind as ValueEnum>::from_str(&s, true).unwrap_or(IdpKind::Other))
}
