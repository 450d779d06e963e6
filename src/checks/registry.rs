//! The list of every check scim-doctor knows. Adding a check: implement it in its area's
//! module, add one line here, document it in `playbooks/checks/<area>.toml`, add it to a
//! playbook, and add a positive and a negative test. `tests/catalog.rs` enforces all of it.

use super::{Ctx, Params};
use crate::findings::CheckResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Connection,
    Protocol,
    Users,
    Duplicates,
    Groups,
    License,
    Scope,
    Logs,
}

impl Area {
    /// Connection and protocol checks need a live endpoint.
    pub fn is_live(self) -> bool {
        matches!(self, Area::Connection | Area::Protocol)
    }
}

pub type CheckFn = fn(&Ctx, &Params) -> CheckResult;

pub struct CheckDef {
    pub id: &'static str,
    pub area: Area,
    pub run: CheckFn,
}

/// Reads back the result a live probe produced, or reports why there is none.
fn live(ctx: &Ctx, id: &str) -> CheckResult {
    if let Some(r) = ctx.live.get(id) {
        return r.clone();
    }
    CheckResult::skipped(
        id,
        ctx.offline_reason
            .unwrap_or("not run: this check needs a live endpoint"),
    )
}

macro_rules! live_checks {
    ($($id:literal => $area:expr),* $(,)?) => {
        vec![$(CheckDef { id: $id, area: $area, run: |ctx, _| live(ctx, $id) }),*]
    };
}

/// Every check, in the order reports list them when no playbook orders them.
pub fn registry() -> Vec<CheckDef> {
    let mut all = live_checks![
        "base-url" => Area::Connection,
        "dns" => Area::Connection,
        "tcp" => Area::Connection,
        "tls" => Area::Connection,
        "http-auth" => Area::Connection,
        "endpoint-path" => Area::Connection,
        "scim-response" => Area::Connection,
        "idp-test-connection" => Area::Connection,
        "service-provider-config" => Area::Connection,
        "pagination-consistency" => Area::Protocol,
        "page-size-cap" => Area::Protocol,
        "filter-username-eq" => Area::Protocol,
        "filter-externalid-eq" => Area::Protocol,
        "latency" => Area::Protocol,
        "rate-limited" => Area::Protocol,
        "fetch-complete" => Area::Protocol,
    ];
    all.extend(tenant_checks());
    all
}

/// Checks over the tenant data and offline inputs. Each area module adds its entries here.
fn tenant_checks() -> Vec<CheckDef> {
    let mut all = Vec::new();
    all.extend(super::scope::checks());
    all
}

pub fn find(id: &str) -> Option<CheckDef> {
    registry().into_iter().find(|c| c.id == id)
}
