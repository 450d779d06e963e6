//! Flags of `demo`: the built-in sample tenant.

use super::shared::ReportArgs;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Do not write the demo bundle
    #[arg(long)]
    pub no_bundle: bool,
    /// Where to write the demo bundle [default: a generated name in the system temp directory]
    #[arg(long, value_name = "PATH")]
    pub bundle_path: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}
