//! Flags of `snapshot`: fetch a tenant into a directory.

use super::shared::{EarlyReportArgs, EndpointArgs, FetchArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub endpoint: EndpointArgs,
    #[command(flatten)]
    pub fetch: FetchArgs,
    /// Directory to write (created; must be empty if it exists)
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub out: PathBuf,
    /// `snapshot` writes files, not a report; the report options it accepted while they
    /// were global are still accepted (hidden) so existing scripts keep working.
    #[command(flatten)]
    pub ignored_report: EarlyReportArgs,
}
