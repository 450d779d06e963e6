//! Flags of `demo`: the built-in sample tenant.

use super::shared::ReportArgs;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Accepted for old scripts: the demo writes no bundle unless --bundle-path is given
    #[arg(long, hide = true)]
    pub no_bundle: bool,
    /// Also write the support bundle of the demo run (a zip) to this path
    #[arg(long, value_name = "PATH", conflicts_with = "no_bundle")]
    pub bundle_path: Option<PathBuf>,
    /// Write the demo tenant (DIR/snapshot) and its IdP-side sample files (users export,
    /// scoping filter, provisioning logs, LDAP groups, IdP configuration) into DIR, print
    /// commands that use them, and exit: files to try explain-user, bundle and check on
    #[arg(long, value_name = "DIR", conflicts_with_all = ["bundle_path", "no_bundle"])]
    pub write_samples: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}
