//! Flags of `test-connection` and `check`: the live connection test and the tenant audit.

use super::shared::{AuditArgs, BundleArgs, EndpointArgs, FetchArgs, ReportArgs, SourceArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TestConnectionArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
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
    /// With --format csv: write one CSV per check into this directory (else CSV of all
    /// subjects goes to stdout)
    #[arg(long, value_name = "DIR", help_heading = "Report")]
    pub out: Option<PathBuf>,
}
