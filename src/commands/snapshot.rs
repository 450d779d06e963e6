//! `snapshot`: fetch the whole tenant into a directory (owned by the fetch work).

use crate::cli::args::SnapshotArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: SnapshotArgs, _out: &Output) -> CmdResult {
    Err(ToolError("`snapshot` is not available in this build yet".into()))
}
