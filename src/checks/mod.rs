//! Checks: pure functions from collected evidence to `CheckResult`s.
//!
//! Every check has a stable kebab-case id (pinned by a test), documentation in
//! `playbooks/checks/*.toml`, and an entry in `registry()`. Live checks (connection and
//! protocol) are computed while the tenant is fetched, because they *are* requests; their
//! registry entry only reads that result back, or reports the check as skipped offline.

pub mod conformance;
pub mod coverage;
pub mod duplicates;
pub mod email;
pub mod facts;
#[cfg(test)]
mod facts_tests;
pub mod groups;
pub mod idp;
pub mod index;
pub mod integrity;
pub mod license;
pub mod logs;
pub mod mapping;
pub mod mapping_target;
pub mod okta_assignment;
pub mod okta_logs;
pub mod per_user;
pub mod probes;
pub mod protocol;
pub mod registry;
pub mod repeats;
pub mod scope;
pub mod users;

use crate::findings::CheckResult;
use crate::model::Tenant;
use crate::profile::Profile;
use std::collections::HashMap;

pub use registry::{registry, Area, CheckDef};

/// Step parameters from a playbook (`[[step]] params = {...}`).
pub type Params = toml::Table;

/// Licence settings (seed 004 "Resolving the licensing issue").
#[derive(Debug, Clone, Default)]
pub struct LicenseOptions {
    pub seats: Option<u64>,
    pub mode: crate::options::LicenseMode,
    pub groups: Vec<String>,
}

/// Everything the checks may look at, gathered by the engine before any check runs.
pub struct Ctx<'a> {
    /// The tenant under analysis; `None` when it could not be fetched.
    pub tenant: Option<&'a Tenant>,
    /// Further SCIM directories of the same account (cross-directory uniqueness).
    pub others: &'a [Tenant],
    pub profile: &'a Profile,
    pub license: &'a LicenseOptions,
    /// Existing LDAP group names (`--ldap-groups`), when given.
    pub ldap_groups: Option<&'a [String]>,
    /// Results of the live checks, by id (empty offline).
    pub live: &'a HashMap<String, CheckResult>,
    /// Why live checks are unavailable ("offline run: analysing snapshot ./snap").
    pub offline_reason: Option<&'a str>,
    /// Why the tenant is missing, when it is.
    pub no_tenant_reason: Option<&'a str>,
    /// Scoping-filter and IdP-export inputs (`--scope-filter`, `--idp-users`).
    pub scope: Option<&'a crate::scope::ScopeInputs>,
    /// Provisioning logs (`--provisioning-logs`).
    pub logs: Option<&'a crate::logs::LogInputs>,
    /// The IdP's own configuration (`--idp-config`).
    pub idp: Option<&'a crate::idpconfig::IdpConfig>,
    /// Indexes over `tenant` that several checks share: `TenantIndex::new(tenant, ..)`.
    pub index: index::TenantIndex<'a>,
}

#[cfg(test)]
impl<'a> Ctx<'a> {
    /// An offline context over `tenant` for unit tests: no live results and no other inputs
    /// (set those with struct update syntax).
    pub fn for_test(tenant: &'a Tenant, profile: &'a Profile, license: &'a LicenseOptions) -> Self {
        static NO_LIVE: std::sync::OnceLock<HashMap<String, CheckResult>> =
            std::sync::OnceLock::new();
        Ctx {
            tenant: Some(tenant),
            others: &[],
            profile,
            license,
            ldap_groups: None,
            live: NO_LIVE.get_or_init(HashMap::new),
            offline_reason: None,
            no_tenant_reason: None,
            scope: None,
            logs: None,
            idp: None,
            index: index::TenantIndex::new(
                Some(tenant),
                profile,
                std::thread::available_parallelism().map_or(1, |n| n.get()),
            ),
        }
    }
}

impl Ctx<'_> {
    /// The tenant, or the skipped result to return when there is none.
    // The Err is the check's own final result, returned at most once per run: boxing it
    // would only add an allocation and a deref at every call site.
    #[allow(clippy::result_large_err)]
    pub fn tenant_or_skip(&self, id: &str) -> Result<&Tenant, CheckResult> {
        self.tenant.ok_or_else(|| {
            CheckResult::skipped(
                id,
                self.no_tenant_reason
                    .unwrap_or("no tenant data: nothing was fetched or loaded"),
            )
        })
    }
}
