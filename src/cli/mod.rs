//! Command-line entry: parse flags, resolve them into a plan, run, render, map the outcome
//! to an exit code (0 ok, 1 findings at or above --fail-on, 2 the tool could not run).

pub mod args;
pub mod endpoint;
mod man;
pub mod output;

use args::{Cli, Command};
use clap::{CommandFactory, Parser};
use output::Output;

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

pub fn main() -> i32 {
    crate::secret::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_TOOL_FAILED } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let report = cli.command.report_args().or(&cli.early_report);
    let out = Output::new(&cli.global, &report);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.error(&format!("cannot start the async runtime: {e}"));
            return EXIT_TOOL_FAILED;
        }
    };
    let result = runtime.block_on(dispatch(cli.command, &out));
    match result {
        Ok(code) => code,
        Err(ToolError(msg)) => {
            out.error(&msg);
            EXIT_TOOL_FAILED
        }
    }
}

async fn dispatch(command: Command, out: &Output) -> CmdResult {
    match command {
        Command::TestConnection(a) => crate::commands::check::test_connection(a, out).await,
        Command::Check(a) => crate::commands::check::check(a, out).await,
        Command::Snapshot(a) => crate::commands::snapshot::run(a, out).await,
        Command::Demo(a) => crate::commands::demo::run(a, out).await,
        Command::Serve(a) => crate::commands::serve::run(a, out).await,
        Command::Playbooks(a) => crate::commands::playbooks::run(a, out),
        Command::Scope(a) => crate::commands::scope::run(a, out).await,
        Command::ExplainUser(a) => crate::commands::explain::run(a, out).await,
        Command::Bundle(a) => crate::commands::bundle::run(a, out).await,
        Command::Replay(a) => crate::commands::replay::run(a, out).await,
        Command::Diff(a) => crate::commands::diff::run(a, out),
        Command::Completions { shell } => {
            out.print_bytes(&completions(shell))?;
            Ok(0)
        }
        Command::Man { out: dir } => man(dir, out),
    }
}

/// The completion script for `shell`. clap_complete's bash script names the states of a
/// hyphenated binary two ways (`scim__doctor__subcmd__check` where it walks the words,
/// `scim__subcmd__doctor__subcmd__check` where it lists the options), so no option of a
/// subcommand ever completed; the second spelling is rewritten to the first.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    const BIN: &str = "scim-doctor";
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    if shell != clap_complete::Shell::Bash {
        return buf;
    }
    let (walked, listed) = (BIN.replace('-', "__"), BIN.replace('-', "__subcmd__"));
    String::from_utf8_lossy(&buf)
        .replace(&listed, &walked)
        .into_bytes()
}

fn man(dir: Option<std::path::PathBuf>, out: &Output) -> CmdResult {
    let pages =
        man::pages(Cli::command()).map_err(|e| format!("cannot render the man pages: {e}"))?;
    match dir {
        // One stream holding every page, so each `scim-doctor-<command>(1)` the top page
        // refers to is there too (`man -l` shows them one after the other).
        None => {
            let all: Vec<u8> = pages.into_iter().flat_map(|(_, page)| page).collect();
            out.print_bytes(&all)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            for (name, page) in pages {
                let path = dir.join(name);
                std::fs::write(&path, page)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            out.note(&format!("man pages written to {}", dir.display()));
        }
    }
    Ok(0)
}
