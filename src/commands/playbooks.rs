//! `playbooks list` / `playbooks show ID|CHECK`: the playbooks and the check catalog
//! rendered as documentation (What it checks / Why it matters / Example / How to fix, and
//! which playbooks use a check). `--format json` prints the same data as JSON.

use crate::catalog::{self, CheckDoc};
use crate::cli::args::{Format, PlaybooksCommand};
use crate::cli::output::Output;
use crate::cli::{CmdResult, ToolError};
use crate::playbook::{self, Playbook};
use serde_json::json;
use std::fmt::Write;
use std::path::Path;

pub fn run(a: PlaybooksCommand, out: &Output) -> CmdResult {
    match a {
        PlaybooksCommand::List { playbooks_dir, .. } => list(playbooks_dir.as_deref(), out),
        PlaybooksCommand::Show {
            id, playbooks_dir, ..
        } => show(&id, playbooks_dir.as_deref(), out),
    }
}

fn load(dir: Option<&Path>) -> Result<(Vec<Playbook>, Vec<CheckDoc>), ToolError> {
    Ok((playbook::load(dir)?, catalog::load(dir)?))
}

fn users_of<'a>(playbooks: &'a [Playbook], check: &str) -> Vec<&'a str> {
    playbooks
        .iter()
        .filter(|p| p.uses(check))
        .map(|p| p.id.as_str())
        .collect()
}

fn list(dir: Option<&Path>, out: &Output) -> CmdResult {
    let (playbooks, docs) = load(dir)?;
    let registry = crate::checks::registry();
    if out.format == Format::Json {
        let checks: Vec<_> = registry
            .iter()
            .map(|c| {
                let doc = docs.iter().find(|d| d.id == c.id);
                json!({
                    "id": c.id,
                    "area": format!("{:?}", c.area).to_lowercase(),
                    "title": doc.map(|d| d.title.as_str()),
                    "playbooks": users_of(&playbooks, c.id),
                })
            })
            .collect();
        let text =
            serde_json::to_string_pretty(&json!({ "playbooks": playbooks, "checks": checks }))
                .map_err(|e| ToolError(e.to_string()))?;
        out.print(&format!("{text}\n"))?;
        return Ok(0);
    }
    let mut text = String::from("Playbooks (scim-doctor check --playbook ID):\n\n");
    for p in &playbooks {
        let _ = writeln!(text, "  {:<24} {}", p.id, p.title);
        if !p.symptom.is_empty() {
            let _ = writeln!(text, "  {:<24} symptom: {}", "", p.symptom);
        }
        let ids: Vec<&str> = p.steps.iter().map(|s| s.check.as_str()).collect();
        let _ = writeln!(text, "  {:<24} checks: {}\n", "", ids.join(", "));
    }
    text.push_str("Checks (scim-doctor playbooks show CHECK):\n\n");
    for c in &registry {
        let title = docs
            .iter()
            .find(|d| d.id == c.id)
            .map_or("(not documented yet)", |d| d.title.as_str());
        let area = format!("{:?}", c.area).to_lowercase();
        let _ = writeln!(text, "  {:<28} {:<11} {}", c.id, area, title);
    }
    out.print(&text)?;
    Ok(0)
}

fn show(id: &str, dir: Option<&Path>, out: &Output) -> CmdResult {
    let (playbooks, docs) = load(dir)?;
    if let Some(p) = playbooks.iter().find(|p| p.id == id) {
        let text = if out.format == Format::Json {
            serde_json::to_string_pretty(p).map_err(|e| ToolError(e.to_string()))? + "\n"
        } else {
            render_playbook(p, &docs)
        };
        out.print(&text)?;
        return Ok(0);
    }
    if let Some(def) = crate::checks::registry().into_iter().find(|c| c.id == id) {
        let used_by = users_of(&playbooks, id);
        let doc = docs.iter().find(|d| d.id == id);
        let text = if out.format == Format::Json {
            let v = json!({ "id": id, "area": format!("{:?}", def.area).to_lowercase(), "doc": doc, "playbooks": used_by });
            serde_json::to_string_pretty(&v).map_err(|e| ToolError(e.to_string()))? + "\n"
        } else {
            match doc {
                Some(d) => render_check(d, &used_by),
                None => format!(
                    "# {id}\n\nThis check is registered but not documented yet.\n\nUsed by playbooks: {}\n",
                    used_by.join(", ")
                ),
            }
        };
        out.print(&text)?;
        return Ok(0);
    }
    let known: Vec<&str> = playbooks.iter().map(|p| p.id.as_str()).collect();
    Err(ToolError(format!(
        "no playbook or check named `{id}`; playbooks: {} (`scim-doctor playbooks list` shows the checks)",
        known.join(", ")
    )))
}

/// A playbook as a Markdown document: symptom, source, and each step with its check's title.
pub fn render_playbook(p: &Playbook, docs: &[CheckDoc]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# {} ({})\n", p.title, p.id);
    if !p.symptom.is_empty() {
        let _ = writeln!(t, "Symptom: {}\n", p.symptom);
    }
    if !p.description.is_empty() {
        let _ = writeln!(t, "{}\n", p.description);
    }
    if !p.source.is_empty() {
        let _ = writeln!(t, "Source: {}\n", p.source);
    }
    let _ = writeln!(t, "## Steps\n");
    for (i, s) in p.steps.iter().enumerate() {
        let title = docs
            .iter()
            .find(|d| d.id == s.check)
            .map_or("", |d| d.title.as_str());
        let _ = write!(t, "{}. `{}`", i + 1, s.check);
        if !title.is_empty() {
            let _ = write!(t, ": {title}");
        }
        if !s.params.is_empty() {
            let _ = write!(
                t,
                " (params: {})",
                s.params.to_string().trim().replace('\n', ", ")
            );
        }
        t.push('\n');
    }
    let _ = writeln!(
        t,
        "\nRun it: scim-doctor check --playbook {} --snapshot DIR (or --base-url URL)",
        p.id
    );
    let _ = writeln!(t, "Details of a step: scim-doctor playbooks show CHECK");
    t
}

/// A check's documentation as a Markdown document with the fixed sections.
pub fn render_check(d: &CheckDoc, used_by: &[&str]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# {}: {}\n", d.id, d.title);
    let _ = writeln!(t, "Area: {}\n", d.area);
    let _ = writeln!(t, "## What it checks\n\n{}\n", d.what.trim());
    let _ = writeln!(t, "## Why it matters\n\n{}\n", d.why.trim());
    let _ = writeln!(t, "## Example\n\n```\n{}\n```\n", d.example.trim());
    let _ = writeln!(t, "## How to fix\n\n{}\n", d.fix.trim());
    let used = if used_by.is_empty() {
        "none".to_string()
    } else {
        used_by.join(", ")
    };
    let _ = writeln!(t, "Used by playbooks: {used}");
    t
}
