//! Group checks (seeds 001 and 004, reference sections 2, 3 and 5): nested groups the target
//! does not support, members that were never provisioned, ambiguous group names, empty
//! groups, and SCIM groups that will take over same-named LDAP groups. Also parses the
//! `--ldap-groups` list. Every check is one pass over groups and members with hash sets.

use super::duplicates::{clusters, norm};
use super::duplicates::{FastMap, HashMapExt};
use super::{Ctx, Params};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};
use crate::model::MemberTarget;
use crate::util::plural;

pub const NESTED_GROUP: &str = "nested-group";
pub const ORPHAN_GROUP_MEMBER: &str = "orphan-group-member";
pub const DUPLICATE_GROUP_NAME: &str = "duplicate-group-name";
pub const EMPTY_GROUP: &str = "empty-group";
pub const LDAP_GROUP_COLLISION: &str = "ldap-group-collision";

fn group_label(g: &crate::model::Group) -> String {
    format!(
        "{} ({})",
        g.display_name.as_deref().unwrap_or("(no displayName)"),
        g.id
    )
}

/// nested-group: a group whose members include a group. A member is a group when its
/// `type` or `$ref` says so, or, with neither, when its id is a group's and not a user's
/// (`model::Directory`). Fail when the profile says the target does not support nesting
/// (seeds 001, 004: members of the inner group are not provisioned through it);
/// informational pass otherwise. Members whose id is both a user's and a group's, with
/// nothing saying which, make the verdict uncertain: warn.
pub fn nested_group(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = NESTED_GROUP;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let dir = ctx.index.directory();
    let mut subjects = Vec::new();
    let mut ambiguous = Vec::new();
    for g in &t.groups {
        let mut inner = Vec::new();
        for m in &g.members {
            match dir.resolve(m) {
                MemberTarget::Group(found) => inner.push(group_label(found)),
                MemberTarget::MissingGroup => inner.push(format!(
                    "{} ({})",
                    m.display.as_deref().unwrap_or("unknown group"),
                    m.value
                )),
                MemberTarget::Ambiguous(_, other) => {
                    ambiguous.push(Subject::group(
                        g,
                        format!(
                            "member `{}` has no type or $ref, and both a user and the group {} have this id: nesting unknown",
                            m.value,
                            group_label(other)
                        ),
                    ));
                }
                _ => {}
            }
        }
        if !inner.is_empty() {
            subjects.push(Subject::group(
                g,
                format!(
                    "contains {}: {}",
                    plural(inner.len(), "group", "groups"),
                    inner.join(", ")
                ),
            ));
        }
    }
    if subjects.is_empty() && ambiguous.is_empty() {
        return CheckResult::pass(id, "no group contains another group");
    }
    if subjects.is_empty() {
        return CheckResult::found(
            id,
            Status::Warn,
            format!(
                "expected members whose kind is known, got {} that could be a user or a group (user and group ids collide, and the member has no type or $ref)",
                plural(ambiguous.len(), "member", "members")
            ),
            "ask the server to send each member's `type` (\"User\" or \"Group\") or `$ref` (RFC 7643 §4.2), and to give users and groups distinct ids (RFC 7643 §3.1); see input-integrity for the colliding ids",
            ambiguous,
        );
    }
    if ctx.profile.nested_groups_supported {
        let mut r = CheckResult::found(
            id,
            Status::Pass,
            format!(
                "informational: {} contain other groups; profile `{}` supports nesting",
                plural(subjects.len(), "group", "groups"),
                ctx.profile.id
            ),
            "",
            subjects,
        );
        r.remediation = String::new();
        return r;
    }
    subjects.extend(ambiguous);
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected flat groups (the target does not support nested groups), got {} containing other groups",
            plural(subjects.len(), "group", "groups")
        ),
        "nested groups are not provisioned: assign the inner group (or its users) to the IdP provisioning app directly instead of relying on the outer group",
        subjects,
    )
}

/// orphan-group-member: a member that is not a provisioned user or group of the kind it
/// claims (`type`/`$ref`, else whatever holds its id). The user is probably not assigned
/// to the IdP app (seed 004 "Users/Groups Not Assigned"). Skipped on incomplete data, and
/// when no users were read at all while groups have members: then every member would
/// look orphaned.
pub fn orphan_group_member(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = ORPHAN_GROUP_MEMBER;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    if !t.is_complete() {
        return CheckResult::skipped(
            id,
            "the tenant data is incomplete: a member may be on a page that was not fetched, so orphans cannot be told apart",
        );
    }
    if t.users.is_empty() && t.groups.iter().any(|g| !g.members.is_empty()) {
        return CheckResult::skipped(
            id,
            "not run: groups have members but no user was read, so every member would look orphaned; load the users too (Users.json, or a full snapshot)",
        );
    }
    let dir = ctx.index.directory();
    // member id -> (index into `orphans`, display name, groups it appears in, why)
    let mut index: FastMap<&str, usize> = FastMap::new();
    let mut orphans: Vec<(&str, Option<&str>, Vec<&crate::model::Group>, &str)> = Vec::new();
    for g in &t.groups {
        for m in &g.members {
            let why = match dir.resolve(m) {
                MemberTarget::Unknown => "but no user or group with this id was provisioned",
                MemberTarget::MissingUser => {
                    "its type or $ref says User, but no user with this id was provisioned"
                }
                MemberTarget::MissingGroup => {
                    "its type or $ref says Group, but no group with this id was provisioned"
                }
                _ => continue,
            };
            let i = *index.entry(m.value.as_str()).or_insert_with(|| {
                orphans.push((m.value.as_str(), m.display.as_deref(), Vec::new(), why));
                orphans.len() - 1
            });
            orphans[i].2.push(g);
        }
    }
    if orphans.is_empty() {
        return CheckResult::pass(id, "every group member is a provisioned user or group");
    }
    let subjects: Vec<Subject> = orphans
        .iter()
        .map(|(value, display, groups, why)| {
            let mut detail = format!("member of {}", group_label(groups[0]));
            if groups.len() > 1 {
                let more = groups.len() - 1;
                detail.push_str(&format!(
                    " and {more} more {}",
                    if more == 1 { "group" } else { "groups" }
                ));
            }
            detail.push_str(", ");
            detail.push_str(why);
            let mut s = Subject::item(SubjectKind::Item, *value, detail);
            s.display_name = display.map(str::to_string);
            s
        })
        .collect();
    CheckResult::found(
        id,
        Status::Warn,
        format!(
            "expected every group member to be a provisioned user or group, got {} matching neither",
            plural(subjects.len(), "member id", "member ids")
        ),
        "these people are probably not assigned to the IdP provisioning app: in Entra check Enterprise applications > (the app) > Users and groups, assign them (or their group), then run Provision on demand; the provisioning log shows NotEffectivelyEntitled for unassigned users",
        subjects,
    )
}

/// duplicate-group-name: groups are matched by displayName (reference section 2), so two
/// groups whose names differ only in case make the match ambiguous. Fail.
pub fn duplicate_group_name(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = DUPLICATE_GROUP_NAME;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let found = clusters(t.groups.len(), || {
        t.groups
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.display_name.as_deref().map(|n| (norm(n), i)))
    });
    if found.is_empty() {
        return CheckResult::pass(id, "every group displayName is unique (ignoring case)");
    }
    let mut subjects = Vec::new();
    for (key, members) in &found {
        for &i in members {
            let g = &t.groups[i];
            let detail = format!(
                "displayName `{key}` shared by {}, this one has {}",
                plural(members.len(), "group", "groups"),
                plural(g.members.len(), "member", "members")
            );
            subjects.push(Subject::group(g, detail).in_group(key.as_ref()));
        }
    }
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected unique group names (IdPs match groups by displayName), got {} used by {} groups",
            plural(found.len(), "name", "names"),
            subjects.len()
        ),
        "delete the stale duplicate group in the console (keep the one with the right members), or rename one of the groups in the IdP; then restart provisioning",
        subjects,
    )
}

/// empty-group: informational (always pass): groups without members.
pub fn empty_group(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = EMPTY_GROUP;
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let subjects: Vec<Subject> = t
        .groups
        .iter()
        .filter(|g| g.members.is_empty())
        .map(|g| Subject::group(g, "no members"))
        .collect();
    if subjects.is_empty() {
        return CheckResult::pass(id, "every group has members");
    }
    let mut r = CheckResult::found(
        id,
        Status::Pass,
        format!(
            "informational: {} of {} groups have no members (expected for new groups; otherwise the members may not be assigned to the IdP app, or the server omits members from group lists)",
            subjects.len(),
            t.groups.len()
        ),
        "",
        subjects,
    );
    r.remediation = "if a group should have members, assign those users to the IdP provisioning app; Okta pushes membership only for users assigned to the app".into();
    r
}

/// ldap-group-collision: SCIM overrides an existing LDAP group of the same name (seeds 001,
/// 004). Warn: the LDAP group's members and policies are taken over. Skipped without a list.
pub fn ldap_group_collision(ctx: &Ctx, _: &Params) -> CheckResult {
    let id = LDAP_GROUP_COLLISION;
    let Some(ldap) = ctx.ldap_groups else {
        return CheckResult::skipped(id, "no LDAP group list: pass --ldap-groups FILE to compare");
    };
    let t = match ctx.tenant_or_skip(id) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let names: FastMap<std::borrow::Cow<str>, &str> =
        ldap.iter().map(|n| (norm(n), n.as_str())).collect();
    let subjects: Vec<Subject> = t
        .groups
        .iter()
        .filter_map(|g| {
            let n = g.display_name.as_deref()?;
            names.get(&norm(n)).map(|ldap_name| {
                Subject::group(
                    g,
                    format!("same name as LDAP group `{ldap_name}`: SCIM will take it over"),
                )
            })
        })
        .collect();
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "no SCIM group has the name of one of the {} LDAP groups",
                ldap.len()
            ),
        );
    }
    CheckResult::found(
        id,
        Status::Warn,
        format!(
            "expected SCIM and LDAP group names to differ, got {} named like an LDAP group: SCIM overrides the LDAP group",
            plural(subjects.len(), "SCIM group", "SCIM groups")
        ),
        "rename the group in the IdP (or in LDAP) before provisioning it, or confirm that the SCIM group should replace the LDAP group; policies that use the LDAP group will follow the SCIM membership",
        subjects,
    )
}

/// Header names (normalised: lowercase, no spaces, `_` or `-`) that hold a group name.
const NAME_HEADERS: &[&str] = &[
    "displayname",
    "name",
    "groupname",
    "group",
    "cn",
    "commonname",
    "samaccountname",
];

fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .collect::<String>()
        .to_lowercase()
}

/// Parses `--ldap-groups`: a CSV whose header has a name-like column (displayName, name,
/// groupName, cn, sAMAccountName...), or a plain list with one name per line (`#` comments).
/// A file that holds no name at all (empty, comments only), or is recognisably something
/// else (an HTML page, a SCIM error body, JSON), is refused: read as a list, it would make
/// `ldap-group-collision` pass on names that are not groups, or on none.
pub fn parse_ldap_groups(text: &str) -> Result<Vec<String>, String> {
    let text = text.trim_start_matches('\u{feff}');
    if let Some(what) = crate::input::diagnose(text) {
        return Err(what);
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = first else {
        return Err("lists no group names (only comments or blank lines)".into());
    };
    if first.starts_with(['{', '[']) {
        return Err(
            "JSON, not a list of group names: expected a CSV with a name column, or one name per line"
                .into(),
        );
    }
    let mut header_reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(first.as_bytes());
    let header: Vec<String> = header_reader
        .records()
        .next()
        .and_then(|r| r.ok())
        .map(|r| r.iter().map(header_key).collect())
        .unwrap_or_default();
    let column = NAME_HEADERS
        .iter()
        .find_map(|want| header.iter().position(|h| h == want));
    match column {
        Some(col) => {
            let body: String = text
                .lines()
                .filter(|l| !l.trim().starts_with('#'))
                .skip_while(|l| l.trim().is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(body.as_bytes());
            let mut names = Vec::new();
            for (i, rec) in reader.records().enumerate() {
                let rec = rec.map_err(|e| format!("line {}: {e}", i + 2))?;
                if let Some(v) = rec.get(col).map(str::trim).filter(|v| !v.is_empty()) {
                    names.push(v.to_string());
                }
            }
            Ok(names)
        }
        None if header.len() > 1 => Err(format!(
            "the CSV header has no group-name column (expected one of: displayName, name, groupName, group, cn, sAMAccountName), got: {}", crate::util::quote(first, 300)
        )),
        None => Ok(text
            .lines()
            .map(|l| l.trim().trim_matches('"').trim())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_ldap_groups;

    #[test]
    fn a_csv_with_a_name_like_column_yields_that_column() {
        let got = parse_ldap_groups(
            "\u{feff}DN,Display Name\n\"CN=Sales,DC=x\",Sales\n\"CN=VPN,DC=x\",VPN Users\n",
        )
        .unwrap();
        assert_eq!(got, vec!["Sales", "VPN Users"]);
    }

    #[test]
    fn a_plain_list_yields_every_non_comment_line() {
        let got = parse_ldap_groups("# exported\nSales\n\n  VPN Users \n").unwrap();
        assert_eq!(got, vec!["Sales", "VPN Users"]);
    }

    #[test]
    fn a_single_name_header_is_a_header_not_a_group() {
        assert_eq!(parse_ldap_groups("name\nSales\n").unwrap(), vec!["Sales"]);
    }

    #[test]
    fn a_csv_without_a_name_column_is_rejected() {
        let err = parse_ldap_groups("dn,members\nx,y\n").unwrap_err();
        assert!(err.contains("no group-name column"), "{err}");
    }
}
