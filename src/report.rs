//! The report: the versioned JSON contract every renderer and the bundle start from.
//! Bump `SCHEMA_VERSION` (major) on any breaking change to field names or meanings.

use crate::findings::{CheckResult, Status};
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Live,
    Snapshot,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// Endpoint host or snapshot path.
    pub label: String,
    /// The base URL (live runs), secrets scrubbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// True when TLS verification was switched off with --insecure.
    #[serde(default)]
    pub insecure: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Self {
        let mut s = Summary::default();
        for c in checks {
            match c.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
                Status::Skipped => s.skipped += 1,
            }
        }
        s
    }
}

/// One playbook that was run: its steps in order, and the worst status among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookRun {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub checks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenancy {
    /// Users and groups analysed.
    pub users: usize,
    pub groups: usize,
    pub complete: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Resources the source held, and what became of them: `read = users + groups +
    /// dropped + merged` (docs/input.md).
    #[serde(default)]
    pub read: usize,
    #[serde(default)]
    pub dropped: usize,
    #[serde(default)]
    pub merged: usize,
}

impl Tenancy {
    pub fn of(t: &crate::model::Tenant) -> Self {
        let dropped = t.dropped();
        let merged = t.duplicates.len();
        Tenancy {
            users: t.users.len(),
            groups: t.groups.len(),
            complete: t.is_complete(),
            notes: t.completeness.notes.clone(),
            read: t.read.max(t.analysed() + dropped + merged),
            dropped,
            merged,
        }
    }

    /// "read 12 resources, analysed 10 users and 1 group (1 dropped)" for human reports.
    pub fn counts_line(&self) -> String {
        use crate::util::plural;
        let mut s = format!(
            "read {}, analysed {} and {}",
            plural(self.read, "resource", "resources"),
            plural(self.users, "user", "users"),
            plural(self.groups, "group", "groups")
        );
        if self.dropped + self.merged > 0 {
            s.push_str(&format!(
                " ({} dropped, {} repeated ids merged: see input-integrity)",
                self.dropped, self.merged
            ));
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: String,
    pub tool: ToolInfo,
    /// UTC RFC 3339 (a timing field: ignored when comparing runs).
    pub generated_at: String,
    pub source: SourceInfo,
    /// Size and completeness of the tenant analysed (absent when nothing could be fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<Tenancy>,
    pub summary: Summary,
    pub playbooks: Vec<PlaybookRun>,
    /// One entry per check considered, in playbook order, each id once.
    pub checks: Vec<CheckResult>,
    /// Things the reader must know about how the run was made (--insecure, partial data...).
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Report {
    pub fn new(source: SourceInfo, checks: Vec<CheckResult>, playbooks: Vec<PlaybookRun>) -> Self {
        // Every value a report carries is clipped once, here (the snapshot keeps it whole).
        let checks: Vec<CheckResult> = checks.into_iter().map(CheckResult::clipped).collect();
        Report {
            schema_version: SCHEMA_VERSION.to_string(),
            tool: ToolInfo::default(),
            generated_at: crate::util::now_rfc3339(),
            source,
            tenant: None,
            summary: Summary::of(&checks),
            playbooks,
            checks,
            warnings: Vec::new(),
        }
    }

    pub fn worst(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max_by_key(|s| s.rank())
            .unwrap_or(Status::Pass)
    }

    pub fn check(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Exit code per STYLE.md: 1 when any check is at or above the `--fail-on` level, else 0.
    pub fn exit_code(&self, fail_on: FailOn) -> i32 {
        let threshold = match fail_on {
            FailOn::Warn => 1,
            FailOn::Fail | FailOn::New => 2,
        };
        if self.checks.iter().any(|c| c.status.rank() >= threshold) {
            1
        } else {
            0
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum FailOn {
    Warn,
    #[default]
    Fail,
    /// `diff` only: anything got worse (elsewhere it means `fail`)
    New,
}
