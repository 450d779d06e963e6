//! The top of the crate. `main` parses the flags, runs one subcommand and maps the outcome to
//! an exit code (0 ok, 1 findings at or above --fail-on, 2 the tool could not run). One
//! module per subcommand: turn resolved flags into a `Plan`, run it, hand the outcome to the
//! output layer. `plan` holds the resolution shared by every analysing command.

pub mod bundle;
pub mod check;
pub mod collect;
pub mod demo;
pub mod diff;
pub mod explain;
mod man;
pub mod plan;
pub mod playbooks;
pub mod replay;
pub mod scope;
pub mod serve;
pub mod snapshot;

use crate::cli::args::{Cli, Command};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError, EXIT_TOOL_FAILED};
use clap::{CommandFactory, Parser};

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
        Command::TestConnection(a) => check::test_connection(a, out).await,
        Command::Check(mut a) => {
            collect::expand_folders(&mut a.audit, out)?;
            check::check(a, out).await
        }
        Command::Snapshot(a) => snapshot::run(a, out).await,
        Command::Demo(a) => demo::run(a, out).await,
        Command::Serve(a) => serve::run(a, out).await,
        Command::Playbooks(a) => playbooks::run(a, out),
        Command::Scope(a) => scope::run(a, out).await,
        Command::ExplainUser(mut a) => {
            collect::expand_folders(&mut a.audit, out)?;
            explain::run(a, out).await
        }
        Command::Bundle(mut a) => {
            collect::expand_folders(&mut a.audit, out)?;
            bundle::run(a, out).await
        }
        Command::Collect(c) => collect::run(c, out).await,
        Command::Replay(a) => replay::run(a, out).await,
        Command::Diff(a) => diff::run(a, out),
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
                crate::util::write_output(&path, &page)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
            out.note(&format!("man pages written to {}", dir.display()));
        }
    }
    Ok(0)
}
