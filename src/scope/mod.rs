//! Entra scoping-filter simulation and IdP user exports.
//!
//! - `operator`: the documented operators and how their spellings are normalised.
//! - `filter`: the model (`ScopeFilter` -> `FilterGroup` -> `Clause`), compiled once per filter.
//! - `eval`: Entra's semantics: `evaluate` (full trace) and `decide` (bulk path).
//! - `parse`: Graph synchronization schema / scope object JSON and the TOML form.
//! - `idp` / `export`: `IdpUser` and the export readers (Entra CSV, Okta CSV, Graph JSON).
//! - `population`: who the checks evaluate and how IdP users are matched to SCIM users.
//! - `known`: verdicts computed on real values and carried with pseudonymised data.

pub mod eval;
pub mod export;
pub mod filter;
pub mod idp;
pub mod known;
pub mod operator;
pub mod parse;
pub mod population;
pub mod simulate;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_io;

pub use eval::{ClauseTrace, Decision, Evaluation, GroupTrace, Miss, Outcome, Verdict};
pub use export::{ExportFormat, IdpExport};
pub use filter::{Clause, FilterGroup, FilterSet, Issue, ScopeFilter};
pub use idp::{AttrValue, IdpUser};
pub use operator::Operator;

use std::path::Path;

/// Parsed `--scope-filter` and `--idp-users` inputs.
#[derive(Debug, Clone, Default)]
pub struct ScopeInputs {
    pub filter: Option<ScopeFilter>,
    pub idp_users: Option<Vec<IdpUser>>,
    /// Format, unmapped columns and notes of the IdP export, when one was given.
    pub idp_export: Option<IdpExportInfo>,
}

/// What was understood of the IdP export (its users live in `ScopeInputs::idp_users`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct IdpExportInfo {
    pub path: String,
    pub format: ExportFormat,
    pub unmapped: Vec<String>,
    pub notes: Vec<String>,
}

impl ScopeInputs {
    /// Reads `--scope-filter` and `--idp-users`; `None` when neither was given. The error is
    /// one line naming the file and what is wrong.
    pub fn load(
        filter: Option<&Path>,
        idp_users: Option<&Path>,
    ) -> Result<Option<ScopeInputs>, String> {
        if filter.is_none() && idp_users.is_none() {
            return Ok(None);
        }
        let mut inputs = ScopeInputs::default();
        if let Some(p) = filter {
            inputs.filter = Some(parse::load_filter(p)?);
        }
        if let Some(p) = idp_users {
            let export = export::load_users(p)?;
            inputs.idp_export = Some(IdpExportInfo {
                path: export.path,
                format: export.format,
                unmapped: export.unmapped,
                notes: export.notes,
            });
            inputs.idp_users = Some(export.users);
        }
        Ok(Some(inputs))
    }
}
