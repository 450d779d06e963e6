//! Flags of `bundle` and `bundle verify`: the support-ticket zip.

use super::shared::{AuditArgs, BundleArgs, EndpointArgs, FetchArgs, ReportArgs, SourceArgs};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BundleCommandArgs {
    #[command(subcommand)]
    pub action: Option<BundleAction>,
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub bundle: BundleArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Where to write the zip: a file path, or an existing directory for a generated name
    /// [default: the current directory]
    #[arg(long, value_name = "PATH", conflicts_with = "bundle")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BundleAction {
    /// Check a bundle zip against its .sha256 file (when beside it), then its manifest
    #[command(after_help = "Examples:
  scim-doctor bundle verify scim-doctor-host-20261126T073800Z.zip

Exit codes: 0 every file matches, 1 a mismatch (each named), 2 not a readable bundle zip.")]
    Verify {
        /// The bundle zip
        path: PathBuf,
    },
}
