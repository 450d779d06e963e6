//! `bundle` and `bundle verify` (owned by the bundle work).

use crate::cli::args::BundleCommandArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: BundleCommandArgs, _out: &Output) -> CmdResult {
    Err(ToolError("`bundle` is not available in this build yet".into()))
}
