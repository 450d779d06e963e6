//! The command line's vocabulary: the flags (`args`), where a secret comes from (`endpoint`),
//! where text goes (`output`), and the tool's own failure (`ToolError`, exit code 2). The
//! entry point that parses the flags and runs a command is `commands::main`, the layer above.

pub mod args;
pub mod endpoint;
pub mod output;

/// Exit code for "the tool could not do its job".
pub const EXIT_TOOL_FAILED: i32 = 2;

/// A failure of the tool itself (not a finding): printed as one line, exit code 2.
#[derive(Debug)]
pub struct ToolError(pub String);

impl<E: std::fmt::Display> From<E> for ToolError {
    fn from(e: E) -> Self {
        ToolError(e.to_string())
    }
}

pub type CmdResult = Result<i32, ToolError>;
