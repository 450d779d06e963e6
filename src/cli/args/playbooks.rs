//! Flags of `playbooks list` and `playbooks show`.

use super::shared::FormatArgs;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlaybooksCommand {
    /// List playbooks and the checks they run
    #[command(after_help = "Examples:
  scim-doctor playbooks list
  scim-doctor playbooks list --playbooks ./my-playbooks --format json")]
    List {
        /// Directory of extra or overriding playbook/profile TOML files
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArgs,
    },
    /// Document a playbook or a check (what it checks, why, example, fix)
    #[command(after_help = "Examples:
  scim-doctor playbooks show duplicate-users
  scim-doctor playbooks show soft-delete-leftover")]
    Show {
        /// Playbook id or check id
        id: String,
        /// Directory of extra or overriding playbook/profile TOML files
        #[arg(long = "playbooks", value_name = "DIR")]
        playbooks_dir: Option<PathBuf>,
        #[command(flatten)]
        format: FormatArgs,
    },
}
