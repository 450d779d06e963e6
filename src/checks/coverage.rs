//! What a check's verdict covers. A check over users cannot pass on an input without users,
//! and a pass over 20 fetched users of 5,000 is not a pass: the engine runs every check
//! through `run`, which skips a check whose half of the tenant is absent (with the reason)
//! and turns a pass on incomplete data into a warning that says how much was seen. A
//! failure on incomplete data says it ran on partial data. See docs/input.md.

use super::registry::{Area, CheckDef};
use super::{Ctx, Params};
use crate::findings::{CheckResult, Status};
use crate::model::Tenant;
use crate::options::LicenseMode;
use crate::util::plural;

/// The halves of the tenant a check reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    pub users: bool,
    pub groups: bool,
}

/// What each check reads: by area, with the exceptions named.
pub fn needs(ctx: &Ctx, def: &CheckDef) -> Needs {
    let users = Needs {
        users: true,
        groups: false,
    };
    let groups = Needs {
        users: false,
        groups: true,
    };
    match def.id {
        "orphan-group-member" => Needs {
            users: true,
            groups: true,
        },
        "license-capacity" | "unlicensable-user" if ctx.license.mode == LicenseMode::Groups => {
            Needs {
                users: true,
                groups: true,
            }
        }
        "input-integrity" | "scope-filter-invalid" | "out-of-scope" | "provisioning-failures" => {
            Needs::default()
        }
        // These compare the IdP's side with the target's users (uniqueness, presence).
        "mapping-matching" | "okta-app-assignment" => users,
        _ => match def.area {
            Area::Users | Area::Duplicates | Area::License | Area::Scope | Area::Input => users,
            Area::Groups => groups,
            Area::Connection
            | Area::Protocol
            | Area::Logs
            | Area::Mapping
            | Area::Idp
            | Area::Replay => Needs::default(),
        },
    }
}

/// Runs one check with the coverage rules applied.
pub fn run(def: &CheckDef, ctx: &Ctx, params: &Params) -> CheckResult {
    let Some(t) = ctx.tenant else {
        return (def.run)(ctx, params);
    };
    let needs = needs(ctx, def);
    if let Some(reason) = absent(t, needs) {
        return CheckResult::skipped(def.id, reason);
    }
    let result = (def.run)(ctx, params);
    if result.status == Status::Skipped || needs == Needs::default() {
        return result;
    }
    partial(result, t, needs)
}

fn absent(t: &Tenant, needs: Needs) -> Option<String> {
    let c = &t.completeness;
    let missing: Vec<&str> = [
        (needs.users && c.users_absent, "users"),
        (needs.groups && c.groups_absent, "groups"),
    ]
    .iter()
    .filter(|(m, _)| *m)
    .map(|(_, w)| *w)
    .collect();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "not run: this check needs {}, and the input holds none (give Users.json and Groups.json, or a full snapshot)",
        missing.join(" and ")
    ))
}

/// "20 of 5,000 users", or "20 users" when the total is unknown.
fn seen(n: usize, expected: Option<usize>, one: &str, many: &str) -> String {
    match expected {
        Some(total) if total > n => format!("{} of {} {many}", fmt_n(n), fmt_n(total)),
        _ => plural(n, one, many),
    }
}

fn fmt_n(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn partial(mut r: CheckResult, t: &Tenant, needs: Needs) -> CheckResult {
    let c = &t.completeness;
    let mut parts = Vec::new();
    if needs.users && !c.users_complete {
        parts.push(seen(t.users.len(), c.users_expected, "user", "users"));
    }
    if needs.groups && !c.groups_complete {
        parts.push(seen(t.groups.len(), c.groups_expected, "group", "groups"));
    }
    if parts.is_empty() {
        return r;
    }
    let scope = format!("{} fetched", parts.join(" and "));
    let why = if c.notes.is_empty() {
        "some pages could not be fetched".to_string()
    } else {
        c.notes.join("; ")
    };
    if r.status == Status::Pass {
        r.status = Status::Warn;
        r.message = format!(
            "on partial data: no problem in the {scope}, which is not the whole tenant ({})",
            r.message
        );
        r.remediation = format!(
            "the tenant data is incomplete ({why}): load the whole tenant (`scim-doctor snapshot`, or every page) and run again before trusting this result"
        );
    } else {
        r.message = format!("{} (on partial data: {scope})", r.message);
        if !r.remediation.is_empty() {
            r.remediation.push_str(&format!(
                "; note that the tenant data is incomplete ({why})"
            ));
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(fmt_n(5000), "5,000");
        assert_eq!(fmt_n(20), "20");
        assert_eq!(fmt_n(1234567), "1,234,567");
        assert_eq!(seen(20, Some(5000), "user", "users"), "20 of 5,000 users");
        assert_eq!(seen(3, None, "user", "users"), "3 users");
    }
}
