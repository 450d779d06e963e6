//! Playbooks as data: `playbooks/*.toml`, one per symptom, each an ordered list of check
//! steps. Shipped playbooks are embedded in the binary; `--playbooks DIR` adds or overrides.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub check: String,
    #[serde(default)]
    pub params: toml::Table,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub id: String,
    pub title: String,
    /// The symptom an admin reports, in their words.
    #[serde(default)]
    pub symptom: String,
    /// Where the procedure comes from (seed / reference section).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "step", default)]
    pub steps: Vec<Step>,
}

/// Shipped playbook files: (file name, contents).
pub const SHIPPED: &[(&str, &str)] = &[
    ("test-connection.toml", include_str!("../playbooks/test-connection.toml")),
    ("full-audit.toml", include_str!("../playbooks/full-audit.toml")),
    ("incomplete-import.toml", include_str!("../playbooks/incomplete-import.toml")),
];

pub const DEFAULT_PLAYBOOK: &str = "full-audit";

fn parse(file: &str, text: &str) -> Result<Playbook, String> {
    toml::from_str::<Playbook>(text).map_err(|e| format!("{file}: {e}"))
}

/// Shipped playbooks, then those in `extra` (same id overrides).
pub fn load(extra: Option<&Path>) -> Result<Vec<Playbook>, String> {
    let mut all = Vec::new();
    for (file, text) in SHIPPED {
        all.push(parse(file, text)?);
    }
    if let Some(dir) = extra {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read playbook directory {}: {e}", dir.display()))?;
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let pb = parse(&p.display().to_string(), &text)?;
            all.retain(|x: &Playbook| x.id != pb.id);
            all.push(pb);
        }
    }
    Ok(all)
}
