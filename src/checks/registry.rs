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
    /// The input itself: what was read, dropped, merged, and values read leniently.
    Input,
    /// The IdP's attribute mappings (Entra synchronization schema).
    Mapping,
    /// The IdP's provisioning state (Entra job, Okta app assignments).
    Idp,
    /// The opt-in write probe (`scim-doctor replay`): results exist only in its own runs.
    Replay,
}

impl Area {
    /// Connection and protocol checks need a live endpoint.
    pub fn is_live(self) -> bool {
        matches!(self, Area::Connection | Area::Protocol | Area::Replay)
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

macro_rules! replay_checks {
    ($($id:literal),* $(,)?) => {
        vec![$(CheckDef { id: $id, area: Area::Replay, run: |ctx, _| replay_result(ctx, $id) }),*]
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
        "attributes-parameter" => Area::Protocol,
        "error-format" => Area::Protocol,
    ];
    all.extend(tenant_checks());
    all.push(CheckDef {
        id: super::logs::PROVISIONING_FAILURES,
        area: Area::Logs,
        run: super::logs::provisioning_failures,
    });
    all.extend(idp_checks());
    all.extend(replay_checks![
        "replay-user-lookup",
        "replay-user-create",
        "replay-duplicate-user",
        "replay-user-update",
        "replay-email-update",
        "replay-user-disable",
        "replay-user-delete",
        "replay-group-lookup",
        "replay-group-create",
        "replay-member-add",
        "replay-member-remove",
        "replay-members-replace",
        "replay-group-rename",
        "replay-response-format",
        "replay-cleanup",
    ]);
    all
}

/// Checks over the IdP's own configuration (`--idp-config`).
fn idp_checks() -> Vec<CheckDef> {
    use super::{idp, mapping, mapping_target, okta_assignment};
    let def = |id, area, run| CheckDef { id, area, run };
    vec![
        def(
            mapping::MAPPING_EMAIL,
            Area::Mapping,
            mapping::mapping_email,
        ),
        def(
            mapping::MAPPING_USERNAME,
            Area::Mapping,
            mapping::mapping_username,
        ),
        def(
            mapping_target::MAPPING_MATCHING,
            Area::Mapping,
            mapping_target::mapping_matching,
        ),
        def(
            mapping_target::MAPPING_REQUIRED,
            Area::Mapping,
            mapping_target::mapping_required,
        ),
        def(
            mapping::MAPPING_ACTIVE,
            Area::Mapping,
            mapping::mapping_active,
        ),
        def(idp::PROVISIONING_JOB, Area::Idp, idp::provisioning_job),
        def(
            okta_assignment::OKTA_APP_ASSIGNMENT,
            Area::Idp,
            okta_assignment::okta_app_assignment,
        ),
    ]
}

/// `check` never writes: a `replay-*` result exists only in a `scim-doctor replay` run.
fn replay_result(ctx: &Ctx, id: &str) -> CheckResult {
    if let Some(r) = ctx.live.get(id) {
        return r.clone();
    }
    CheckResult::skipped(
        id,
        "not run: this is a write probe; run `scim-doctor replay --idp entra|okta --allow-writes` (docs/replay.md)",
    )
}

/// Checks over the tenant data and offline inputs. Each area module adds its entries here.
fn tenant_checks() -> Vec<CheckDef> {
    use super::{duplicates, groups, integrity, license, users};
    let mut all = vec![
        CheckDef {
            id: integrity::INPUT_INTEGRITY,
            area: Area::Input,
            run: integrity::input_integrity,
        },
        CheckDef {
            id: integrity::ACTIVE_NOT_BOOLEAN,
            area: Area::Input,
            run: integrity::active_not_boolean,
        },
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

#[cfg(test)]
mod tests {
    /// Proves the registry lists exactly the replay module's check ids, in its order.
    #[test]
    fn replay_ids_match_the_replay_module() {
        let registered: Vec<&str> = super::registry()
            .iter()
            .filter(|d| d.area == super::Area::Replay)
            .map(|d| d.id)
            .collect();
        let mut wanted = crate::replay::ids::STEP_CHECKS.to_vec();
        wanted.push(crate::replay::ids::CLEANUP);
        assert_eq!(registered, wanted);
    }
}
