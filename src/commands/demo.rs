//! `demo`: the embedded server on the bundled sample tenant, diagnosed over HTTP (owned by
//! the server work).

use crate::cli::args::DemoArgs;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub async fn run(_a: DemoArgs, _out: &Output) -> CmdResult {
    Err(ToolError("`demo` is not available in this build yet".into()))
}
