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
            let mut cmd = Cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "scim-doctor", &mut buf);
            out.print_bytes(&buf)?;
            Ok(0)
        }
        Command::Man { out: dir } => man(dir, out),
    }
}

fn man(dir: Option<std::path::PathBuf>, out: &Output) -> CmdResult {
    let cmd = Cli::command();
    match dir {
        None => {
            // One stream holding every page, so each `scim-doctor-<command>(1)` the top page
            // refers to is there too (`man -l` shows them one after the other).
            fn render_all(cmd: clap::Command, buf: &mut Vec<u8>) -> std::io::Result<()> {
                let subs: Vec<clap::Command> = cmd
                    .get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .cloned()
                    .collect();
                clap_mangen::Man::new(cmd).render(buf)?;
                for sub in subs {
                    render_all(sub, buf)?;
                }
                Ok(())
            }
            let mut cmd = cmd.disable_help_subcommand(true);
            cmd.build();
            let mut buf = Vec::new();
            render_all(cmd, &mut buf)?;
            out.print_bytes(&buf)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .map_err(|e| format!("cannot write man pages into {}: {e}", dir.display()))?;
            out.note(&format!("man pages written to {}", dir.display()));
        }
    }
    Ok(0)
}
