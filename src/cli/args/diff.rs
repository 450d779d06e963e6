//! Flags of `diff`: compare two runs.

use super::shared::{AuditArgs, ReportArgs};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run: a snapshot directory, a bundle zip, or a JSON report
    pub before: PathBuf,
    /// The later run: a snapshot directory, a bundle zip, or a JSON report
    pub after: PathBuf,
    /// Compare tenant data only: do not audit snapshots that come without a report
    #[arg(long)]
    pub no_audit: bool,
    #[command(flatten)]
    pub audit: AuditArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}
