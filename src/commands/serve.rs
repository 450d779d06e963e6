//! `serve`: the embedded server on a snapshot or the demo tenant (owned by the server work).

use crate::cli::args::ServeArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: ServeArgs, _out: &Output) -> CmdResult {
    Err(ToolError("`serve` is not available in this build yet".into()))
}
