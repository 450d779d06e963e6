//! `explain-user` (owned by the scope work).

use crate::cli::args::ExplainUserArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: ExplainUserArgs, _out: &Output) -> CmdResult {
    Err(ToolError("`explain-user` is not available in this build yet".into()))
}
