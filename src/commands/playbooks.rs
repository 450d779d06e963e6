//! `playbooks list` / `playbooks show` (owned by the audit work; minimal listing here).

use crate::cli::args::PlaybooksCommand;
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};

pub fn run(a: PlaybooksCommand, out: &Output) -> CmdResult {
    match a {
        PlaybooksCommand::List { playbooks_dir } => {
            let all = crate::playbook::load(playbooks_dir.as_deref())?;
            let mut text = String::new();
            for p in all {
                let ids: Vec<&str> = p.steps.iter().map(|s| s.check.as_str()).collect();
                text.push_str(&format!("{:<24} {}\n    checks: {}\n", p.id, p.title, ids.join(", ")));
            }
            out.print(&text)?;
            Ok(0)
        }
        PlaybooksCommand::Show { id, .. } => Err(ToolError(format!("no documentation for `{id}` yet"))),
    }
}
