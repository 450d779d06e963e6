//! Flags of `scope simulate`: a scoping filter over an IdP export.

use super::shared::FormatArgs;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Evaluate a scoping filter for every user of an IdP export (or of a snapshot)
    #[command(after_help = "Examples:
  scim-doctor scope simulate --filter scope.json --idp-users entra-users.csv
  scim-doctor scope simulate --filter scope.toml --snapshot ./snap")]
    Simulate(ScopeSimulateArgs),
}

#[derive(Debug, Args)]
pub struct ScopeSimulateArgs {
    /// Graph synchronization schema JSON, its `scope` object, or the TOML form
    #[arg(long, value_name = "FILE")]
    pub filter: PathBuf,
    /// Entra users CSV, Okta users CSV or Graph /users JSON
    #[arg(long, value_name = "FILE")]
    pub idp_users: Option<PathBuf>,
    /// Use the users of this snapshot as the population
    #[arg(long, value_name = "PATH", conflicts_with = "idp_users")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
}
