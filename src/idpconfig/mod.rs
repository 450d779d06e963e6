//! The IdP's own configuration (`--idp-config FILE`, repeatable), each file recognised by
//! its shape, not its name:
//!
//! - `schema`: Entra synchronization schema (attribute mappings, matching precedence, scope,
//!   the target's attribute list); Microsoft's samples are not always strict JSON, so
//!   trailing commas are tolerated and reported (`lenient`, shared with the log reader).
//! - `job`: Entra synchronization job(s): status, quarantine, last execution.
//! - `okta`: Okta System Log (JSON array, one event, event hook payload, NDJSON or console
//!   CSV), apps, app features, app users, app groups, group push mappings.
//! - `expr` / `functions` / `eval`: the attribute-mapping expression language: the syntax
//!   tree and parser, the function library, and the evaluator on top of both.
//!
//! Checks read the result through `Ctx::idp`; nothing here prints.

pub mod datetime;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod job;
pub mod json;
/// Trailing-comma tolerant JSON, shared with `--provisioning-logs`.
pub use crate::input::lenient;
pub mod okta;
pub mod schema;

#[cfg(test)]
mod tests;

use serde::Serialize;
use std::path::PathBuf;

/// What one file was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    EntraSchema,
    EntraJob,
    OktaSystemLog,
    OktaAppUsers,
    OktaAppGroups,
    OktaGroupPush,
    OktaAppFeatures,
    OktaApps,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::EntraSchema => "Entra synchronization schema",
            Kind::EntraJob => "Entra synchronization job",
            Kind::OktaSystemLog => "Okta System Log",
            Kind::OktaAppUsers => "Okta app users",
            Kind::OktaAppGroups => "Okta app groups",
            Kind::OktaGroupPush => "Okta group push mappings",
            Kind::OktaAppFeatures => "Okta app features",
            Kind::OktaApps => "Okta apps",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    pub path: String,
    pub kind: Kind,
    pub items: usize,
}

/// Everything read from `--idp-config` files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdpConfig {
    pub files: Vec<ConfigFile>,
    pub schema: Option<schema::Schema>,
    pub jobs: Vec<job::Job>,
    pub okta_events: Option<Vec<okta::OktaEvent>>,
    pub app_users: Option<Vec<okta::AppUser>>,
    pub app_groups: Option<Vec<okta::AppGroup>>,
    pub push_mappings: Option<Vec<okta::PushMapping>>,
    pub app_features: Option<Vec<okta::AppFeature>>,
    pub apps: Option<Vec<okta::OktaApp>>,
    /// How the files must be read: not strict JSON, a second schema ignored, empty lists.
    pub notes: Vec<String>,
}

impl IdpConfig {
    pub fn has(&self, kind: Kind) -> bool {
        self.files.iter().any(|f| f.kind == kind)
    }

    /// One line for stderr: what was read from which file.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .files
            .iter()
            .map(|f| format!("{} ({}, {})", f.path, f.kind.describe(), f.items))
            .collect();
        format!("idp config: {}", parts.join("; "))
    }
}

/// Reads every `--idp-config` file; the error names the file, the position and the cause.
pub fn load(paths: &[PathBuf]) -> Result<IdpConfig, String> {
    let mut files = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p)
            .map_err(|e| format!("cannot read --idp-config {}: {e}", p.display()))?;
        files.push((p.display().to_string(), bytes));
    }
    parse_files(&files)
}

/// The same from bytes already in memory (bundles, tests, the fuzz target).
pub fn parse_files(files: &[(String, Vec<u8>)]) -> Result<IdpConfig, String> {
    let mut cfg = IdpConfig::default();
    for (name, bytes) in files {
        add(&mut cfg, name, bytes)?;
    }
    Ok(cfg)
}

fn add(cfg: &mut IdpConfig, name: &str, bytes: &[u8]) -> Result<(), String> {
    let text = crate::input::decode(bytes).map_err(|e| format!("{name}: {e}"))?;
    let trimmed = text.trim_start();
    let fail = |own: String| match crate::input::diagnose(&text) {
        Some(d) => format!("{name}: {d}"),
        None => format!("{name}: {own}"),
    };
    if let Some(events) = okta::ndjson_events(&text).filter(|_| lenient::parse(&text).is_err()) {
        let refs: Vec<&serde_json::Value> = events.iter().collect();
        let ev = okta::read_events(&refs);
        cfg.notes.push(format!(
            "{name}: Okta System Log as newline-delimited JSON, {} read",
            crate::util::plural(ev.len(), "event", "events")
        ));
        push(cfg, name, Kind::OktaSystemLog, ev.len());
        cfg.okta_events.get_or_insert_with(Vec::new).extend(ev);
        return Ok(());
    }
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        if okta::is_log_csv(&text) {
            let (events, understood) = okta::read_log_csv(name, &text)?;
            cfg.notes.push(format!(
                "{name}: Okta System Log CSV, columns understood: {}",
                understood.join(", ")
            ));
            push(cfg, name, Kind::OktaSystemLog, events.len());
            cfg.okta_events.get_or_insert_with(Vec::new).extend(events);
            return Ok(());
        }
        return Err(fail(not_recognised()));
    }
    let parsed = lenient::parse(&text).map_err(fail)?;
    if !parsed.trailing_commas.is_empty() {
        cfg.notes.push(format!(
            "{name} is not strict JSON: trailing comma at {}; read anyway",
            list(&parsed.trailing_commas)
        ));
    }
    let v = parsed.value;
    if schema::looks_like(&v) {
        let s = schema::read(name, &v)?;
        push(cfg, name, Kind::EntraSchema, s.mappings.len());
        cfg.notes.extend(s.notes.iter().cloned());
        if let Some(first) = &cfg.schema {
            cfg.notes.push(format!(
                "{name}: a second synchronization schema; the checks use the first, {}",
                first.file
            ));
        } else {
            cfg.schema = Some(s);
        }
    } else if job::looks_like(&v) {
        let jobs = job::read(name, &v);
        push(cfg, name, Kind::EntraJob, jobs.len());
        cfg.jobs.extend(jobs);
    } else if let Some((items, shape)) = okta::log_events(&v) {
        let ev = okta::read_events(&items);
        if shape != "GET /api/v1/logs array" {
            cfg.notes
                .push(format!("{name}: Okta System Log, read as {shape}"));
        }
        push(cfg, name, Kind::OktaSystemLog, ev.len());
        cfg.okta_events.get_or_insert_with(Vec::new).extend(ev);
    } else if okta::is_push_mappings(&v) {
        let m = okta::read_push_mappings(&v);
        push(cfg, name, Kind::OktaGroupPush, m.len());
        cfg.push_mappings.get_or_insert_with(Vec::new).extend(m);
    } else if okta::is_apps(&v) {
        let a = okta::read_apps(&v);
        push(cfg, name, Kind::OktaApps, a.len());
        cfg.apps.get_or_insert_with(Vec::new).extend(a);
    } else if okta::is_app_users(&v) || okta::is_single_app_user(&v) {
        let u = okta::read_app_users(&v);
        push(cfg, name, Kind::OktaAppUsers, u.len());
        cfg.app_users.get_or_insert_with(Vec::new).extend(u);
    } else if okta::is_app_groups(&v) {
        let g = okta::read_app_groups(&v);
        push(cfg, name, Kind::OktaAppGroups, g.len());
        cfg.app_groups.get_or_insert_with(Vec::new).extend(g);
    } else if okta::is_app_features(&v) {
        let f = okta::read_app_features(&v);
        push(cfg, name, Kind::OktaAppFeatures, f.len());
        cfg.app_features.get_or_insert_with(Vec::new).extend(f);
    } else if crate::logs::looks_like_entra_log(&text) {
        // The command line hands these to --provisioning-logs; a bundle read back or a
        // library caller gets a note instead of a refusal.
        cfg.notes.push(format!(
            "{name} is an Entra provisioning log, not IdP configuration: give it with --provisioning-logs (the command line does this by itself)"
        ));
    } else if v.as_array().is_some_and(|a| a.is_empty()) {
        cfg.notes.push(format!(
            "{name}: an empty JSON array: nothing to read, and its kind cannot be told from its shape"
        ));
    } else {
        return Err(fail(not_recognised()));
    }
    Ok(())
}

fn push(cfg: &mut IdpConfig, name: &str, kind: Kind, items: usize) {
    cfg.files.push(ConfigFile {
        path: name.to_string(),
        kind,
        items,
    });
}

fn list(v: &[String]) -> String {
    if v.len() <= 3 {
        v.join("; ")
    } else {
        format!("{} (and {} more)", v[..3].join("; "), v.len() - 3)
    }
}

fn not_recognised() -> String {
    "not a recognised IdP configuration file: expected an Entra synchronization schema (`synchronizationRules`, or one objectMapping with `attributeMappings`), an Entra synchronization job (`status.code`), an Okta System Log (JSON array of LogEvents with `eventType`, one LogEvent, an event hook payload with `data.events`, newline-delimited JSON, or the console CSV), Okta apps, app features, app users, app groups or group push mappings (see docs/idp-config.md); an Entra provisioning log belongs to --provisioning-logs".into()
}
