//! Indexes over the tenant that several checks need, built once per run on first use and
//! shared (checks run on several threads at once: `OnceLock` builds each one once while the
//! others wait for it). A check asks `ctx.index` instead of building its own copy.

use super::facts::FactSet;
use crate::model::{Directory, Tenant};
use crate::profile::Profile;
use std::sync::OnceLock;

pub struct TenantIndex<'a> {
    tenant: Option<&'a Tenant>,
    profile: &'a Profile,
    /// Threads that build the per-user facts (the engine's check threads).
    threads: usize,
    directory: OnceLock<Directory<'a>>,
    users: OnceLock<FactSet>,
}

impl<'a> TenantIndex<'a> {
    /// The index of the tenant the checks analyse (`Ctx::tenant`) under the run's profile
    /// (`Ctx::profile`), built on up to `threads` threads when first asked; nothing is
    /// built yet.
    pub fn new(tenant: Option<&'a Tenant>, profile: &'a Profile, threads: usize) -> Self {
        TenantIndex {
            tenant,
            profile,
            threads,
            directory: OnceLock::new(),
            users: OnceLock::new(),
        }
    }

    /// Users and groups by id, to resolve group members (empty without a tenant).
    pub fn directory(&self) -> &Directory<'a> {
        self.directory
            .get_or_init(|| self.tenant.map(Directory::of).unwrap_or_default())
    }

    /// What the per-user checks ask of every user, read in one pass on every core (empty
    /// without a tenant).
    pub fn users(&self) -> &FactSet {
        self.users.get_or_init(|| match self.tenant {
            Some(t) => FactSet::of(&t.users, self.profile, self.threads),
            None => FactSet::default(),
        })
    }
}
