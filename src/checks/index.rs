//! Indexes over the tenant that several checks need, built once per run on first use and
//! shared (checks run on several threads at once: `OnceLock` builds each one once while the
//! others wait for it). A check asks `ctx.index` instead of building its own copy.

use crate::model::{Directory, Tenant};
use std::sync::OnceLock;

pub struct TenantIndex<'a> {
    tenant: Option<&'a Tenant>,
    directory: OnceLock<Directory<'a>>,
}

impl<'a> TenantIndex<'a> {
    /// The index of the tenant the checks analyse (`Ctx::tenant`); nothing is built yet.
    pub fn new(tenant: Option<&'a Tenant>) -> Self {
        TenantIndex {
            tenant,
            directory: OnceLock::new(),
        }
    }

    /// Users and groups by id, to resolve group members (empty without a tenant).
    pub fn directory(&self) -> &Directory<'a> {
        self.directory
            .get_or_init(|| self.tenant.map(Directory::of).unwrap_or_default())
    }
}
