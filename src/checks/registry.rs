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
        "past-end-page" => Area::Protocol,
        "count-parameter" => Area::Protocol,
        "filter-invalid-rejected" => Area::Protocol,
        "group-lookup-excludes-members" => Area::Protocol,
    ];
    all.extend(tenant_checks());
    all.push(CheckDef {
        id: super::logs::PROVISIONING_FAILURES,
        area: Area::Logs,
        run: super::logs::provisioning_failures,
    });
    all
}

/// Checks over the tenant data and offline inputs. Each area module adds its entries here.
fn tenant_checks() -> Vec<CheckDef> {
    use super::{duplicates, groups, license, users};
    let mut all = vec![
        CheckDef {
            id: users::MISSING_EMAIL,
            area: Area::Users,
            run: users::missing_email,
        },
        CheckDef {
            id: users::INVALID_EMAIL,
            area: Area::Users,
            run: users::invalid_email,
        },
        CheckDef {
            id: users::MISSING_REQUIRED_ATTRIBUTE,
            area: Area::Users,
            run: users::missing_required_attribute,
        },
        CheckDef {
            id: users::USERNAME_NOT_EMAIL,
            area: Area::Users,
            run: users::username_not_email,
        },
        CheckDef {
            id: users::MULTIPLE_PRIMARY_EMAILS,
            area: Area::Users,
            run: users::multiple_primary_emails,
        },
        CheckDef {
            id: duplicates::DUPLICATE_EMAIL,
            area: Area::Duplicates,
            run: duplicates::duplicate_email,
        },
        CheckDef {
            id: duplicates::DUPLICATE_EXTERNAL_ID,
            area: Area::Duplicates,
            run: duplicates::duplicate_external_id,
        },
        CheckDef {
            id: duplicates::DUPLICATE_USERNAME,
            area: Area::Duplicates,
            run: duplicates::duplicate_username,
        },
        CheckDef {
            id: duplicates::SOFT_DELETE_LEFTOVER,
            area: Area::Duplicates,
            run: duplicates::soft_delete_leftover,
        },
        CheckDef {
            id: groups::NESTED_GROUP,
            area: Area::Groups,
            run: groups::nested_group,
        },
        CheckDef {
            id: groups::ORPHAN_GROUP_MEMBER,
            area: Area::Groups,
            run: groups::orphan_group_member,
        },
        CheckDef {
            id: groups::DUPLICATE_GROUP_NAME,
            area: Area::Groups,
            run: groups::duplicate_group_name,
        },
        CheckDef {
            id: groups::EMPTY_GROUP,
            area: Area::Groups,
            run: groups::empty_group,
        },
        CheckDef {
            id: groups::LDAP_GROUP_COLLISION,
            area: Area::Groups,
            run: groups::ldap_group_collision,
        },
        CheckDef {
            id: license::LICENSE_CAPACITY,
            area: Area::License,
            run: license::license_capacity,
        },
        CheckDef {
            id: license::UNLICENSABLE_USER,
            area: Area::License,
            run: license::unlicensable_user,
        },
    ];
    all.extend(super::scope::checks());
    all
}

pub fn find(id: &str) -> Option<CheckDef> {
    registry().into_iter().find(|c| c.id == id)
}
