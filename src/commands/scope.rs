//! `scope simulate` (owned by the scope work).

use crate::cli::args::ScopeCommand;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: ScopeCommand, _out: &Output) -> CmdResult {
    Err(ToolError("`scope simulate` is not available in this build yet".into()))
}
