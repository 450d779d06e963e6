//! The `replay-*` checks: facts from the run in, one `CheckResult` per check out (pure, no
//! I/O). Each finding says what was expected, what came back, what the IdP does about it,
//! and the fix; when only Entra's legacy shapes failed, the admin's fix is the
//! `aadOptscim062020` flag.

use super::cleanup::{Counts, Removal};
use super::client::WriteEntry;
use super::exec::{Fact, Verdict};
use super::ids::*;
use super::{Idp, Mode};
use crate::findings::{CheckResult, Status, Subject, SubjectKind};

/// Per check: what is expected, what Entra and Okta do when it fails, the vendor's fix.
struct Doc {
    id: &'static str,
    expected: &'static str,
    entra: &'static str,
    okta: &'static str,
    fix: &'static str,
}

const DOCS: &[Doc] = &[
    Doc { id: USER_LOOKUP, expected: "200 with an empty ListResponse for a user that does not exist",
        entra: "Entra cannot match users: its log shows SystemForCrossDomainIdentityManagementServiceIncompatible or it creates duplicates",
        okta: "Okta cannot tell whether the user exists: imports and pushes fail with \"Matching user not found\" or create duplicates",
        fix: "answer GET /Users?filter=userName eq \"...\" (and externalId eq) with 200 and a ListResponse holding exactly the matches, totalResults 0 when none" },
    Doc { id: USER_CREATE, expected: "POST /Users answered 201 with the user and its id, and GET by id returns every attribute sent",
        entra: "Entra logs a refused create as failed and retries it every cycle (users never appear); attributes dropped from a created user make every later sync drift or fail (Entra updates emails by emails[type eq \"work\"])",
        okta: "Okta's Tasks page shows \"Create new user returned empty user\" or the push fails; attributes dropped on create never reach the app and profile pushes keep resending them",
        fix: "accept the IdP's create body (core and enterprise schemas), store every attribute it carries (sub-attributes such as emails.type and primary, the enterprise extension), answer 201 Created with the stored user including its id, and serve GET /Users/{id}" },
    Doc { id: DUPLICATE_USER, expected: "409 Conflict (scimType uniqueness) for a second user with the same userName",
        entra: "with a 500 Entra retries forever and escrows; with a 2xx it creates a duplicate the next lookup cannot resolve",
        okta: "Okta shows \"Push new user to external application FAILURE\" and cannot link the existing user",
        fix: "enforce userName uniqueness (case-insensitive) and answer 409 with scimType uniqueness, never 500 or 2xx" },
    Doc { id: USER_UPDATE, expected: "the attribute update answered 200/204 and GET shows every value sent",
        entra: "Entra's updates fail (SystemForCrossDomainIdentityManagementServiceIncompatible) or are silently lost",
        okta: "Okta profile pushes fail (\"Sync user in external application FAILURE\") or are silently lost",
        fix: "support PATCH with the RFC 7644 §3.5.2 forms the IdP sends (case-insensitive op, dotted and URN-qualified paths, a pathless replace whose value has dotted/URN keys, a replace of externalId) and full-body PUT, and store every attribute sent" },
    Doc { id: EMAIL_UPDATE, expected: "replace, remove and add on emails[type eq \"work\"].value answered 200/204 and GET shows the change",
        entra: "Entra's email changes fail with 400/500 or never arrive; users keep old addresses",
        okta: "Okta's email changes do not arrive",
        fix: "support value-filtered paths (emails[type eq \"work\"].value) for add, replace and remove; an add whose filter matches nothing creates the element" },
    Doc { id: USER_DISABLE, expected: "the deactivation answered 2xx and GET shows active false (a boolean)",
        entra: "Entra logs the disable as failed, or it succeeds while the user stays active: offboarded users keep access",
        okta: "Okta deactivations fail or leave the user active in the app: offboarded users keep access",
        fix: "accept active as a boolean and as the strings \"True\"/\"False\" (Entra's legacy shape), store a boolean, and honour PUT with active:false" },
    Doc { id: USER_DELETE, expected: "DELETE answered 204 and the resource is gone (GET 404 with a SCIM error body)",
        entra: "Entra's hard delete (30 days after soft delete) fails and is retried",
        okta: "Okta never deletes users; group deletes on unpush fail",
        fix: "support DELETE /Users/{id} and /Groups/{id} with 204, and 404 with a SCIM error body afterwards" },
    Doc { id: GROUP_LOOKUP, expected: "200 with an empty ListResponse for a group that does not exist",
        entra: "Entra cannot match groups (it sends excludedAttributes=members): group provisioning fails or duplicates groups",
        okta: "Okta group push cannot find or link the group",
        fix: "support GET /Groups?filter=displayName eq \"...\" with excludedAttributes=members, answering 200 and a ListResponse" },
    Doc { id: GROUP_CREATE, expected: "POST /Groups answered 201 with the group and its id",
        entra: "Entra cannot create groups (its body carries the ADSCIM schema URN besides the core one)",
        okta: "Okta group push fails",
        fix: "accept the create body as the IdP sends it (ignore unknown schema URNs such as Entra's ADSCIM Group) and answer 201 with the group" },
    Doc { id: MEMBER_ADD, expected: "PATCH add members answered 200/204 and GET shows both members",
        entra: "Entra's group memberships never arrive in the app",
        okta: "Okta group push shows \"Error while updating user group membership\"",
        fix: "support PATCH add on members with a value array" },
    Doc { id: MEMBER_REMOVE, expected: "removing one member left exactly the other member",
        entra: "removing one person either fails or wipes the whole group (RFC-strict reading of the legacy value-array remove)",
        okta: "removed users stay in the group (filtered-path remove ignored) or the push fails",
        fix: "support remove with path members[value eq \"id\"] and remove with path members plus a value array (remove only the listed members)" },
    Doc { id: MEMBERS_REPLACE, expected: "replace members with [] answered 200/204 and GET shows an empty group",
        entra: "not sent by Entra",
        okta: "Okta \"Push now\" on an emptied group fails (\"patch-REPLACE-operation not supported for group.members\")",
        fix: "support replace on members, including with an empty array" },
    Doc { id: GROUP_RENAME, expected: "the pathless replace {id, displayName} renamed the group and kept its members",
        entra: "not sent by Entra",
        okta: "Okta sends this on every membership update: renames fail, or the group loses its members",
        fix: "support a pathless replace whose value holds id and displayName, changing only displayName" },
    Doc { id: RESPONSE_FORMAT, expected: "every answer labelled application/scim+json, every error a SCIM error body with status as a string",
        entra: "Entra reports \"We are not able to deserialize the resource received from your SCIM endpoint\" and retries",
        okta: "Okta shows \"Unrecognized token\" or fails without a meaningful error",
        fix: "answer with Content-Type application/scim+json and RFC 7644 §3.12 error bodies ({\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"404\",\"detail\":...})" },
];

/// What a failure means in `--idp rfc` runs: the forms are RFC 7644's, not an IdP's.
const RFC_EFFECT: &str = "neither Entra ID nor Okta sends this form today, but RFC 7644 defines it: SCIM clients that \
    use it (SDKs, other identity providers, later IdP versions) fail, and a 5xx is the one answer a target must never give";

fn doc(id: &str) -> &'static Doc {
    DOCS.iter().find(|d| d.id == id).unwrap_or(&DOCS[0])
}

fn subject(f: &Fact, detail: &str) -> Subject {
    let what = if f.what.contains(f.mode.label()) {
        f.what.clone()
    } else {
        format!("{} ({})", f.what, f.mode.label())
    };
    Subject::item(
        SubjectKind::Request,
        f.request.clone(),
        format!("{what}: {detail}"),
    )
}

/// One result per step check, in `STEP_CHECKS` order.
pub fn results(idp: Idp, facts: &[Fact], writes: &[WriteEntry]) -> Vec<CheckResult> {
    STEP_CHECKS
        .iter()
        .map(|id| result(id, idp, facts, writes))
        .collect()
}

fn result(id: &'static str, idp: Idp, facts: &[Fact], writes: &[WriteEntry]) -> CheckResult {
    let mine: Vec<&Fact> = facts.iter().filter(|f| f.check == id).collect();
    let d = doc(id);
    if mine.is_empty() {
        return CheckResult::skipped(
            id,
            format!(
                "not part of what {} sends, or the run stopped before it",
                idp.label()
            ),
        );
    }
    let fails: Vec<&Fact> = mine
        .iter()
        .copied()
        .filter(|f| matches!(f.verdict, Verdict::Fail(_)))
        .collect();
    let warns: Vec<&Fact> = mine
        .iter()
        .copied()
        .filter(|f| matches!(f.verdict, Verdict::Warn(_)))
        .collect();
    let skipped: Vec<&Fact> = mine
        .iter()
        .copied()
        .filter(|f| matches!(f.verdict, Verdict::Skipped(_)))
        .collect();
    let sent = mine.len() - skipped.len();
    let text = |f: &Fact| match &f.verdict {
        Verdict::Fail(t) | Verdict::Warn(t) | Verdict::Skipped(t) => t.clone(),
        Verdict::Pass => String::new(),
    };
    let effect = match idp {
        Idp::Okta => d.okta,
        Idp::Entra => d.entra,
        Idp::Rfc => RFC_EFFECT,
    };
    let mut r = if !fails.is_empty() {
        let first = fails[0];
        let more = if fails.len() > 1 {
            format!(" (and {} more)", fails.len() - 1)
        } else {
            String::new()
        };
        let msg = format!(
            "expected {}, got: {} [{}]{more}",
            d.expected,
            text(first),
            first.mode.label()
        );
        let subjects = fails
            .iter()
            .chain(warns.iter())
            .map(|f| subject(f, &text(f)))
            .collect();
        CheckResult::found(
            id,
            Status::Fail,
            msg,
            remediation(effect, d.fix, &mine, facts),
            subjects,
        )
    } else if !warns.is_empty() {
        let msg = format!("expected {}, got: {}", d.expected, text(warns[0]));
        let subjects = warns.iter().map(|f| subject(f, &text(f))).collect();
        CheckResult::found(
            id,
            Status::Warn,
            msg,
            format!("{effect}. Fix (target vendor): {}", d.fix),
            subjects,
        )
    } else if sent == 0 {
        CheckResult::skipped(id, format!("not sent: {}", text(skipped[0])))
    } else {
        let modes: Vec<&str> = mine
            .iter()
            .map(|f| f.mode.label())
            .fold(Vec::new(), |mut v, m| {
                if !v.contains(&m) {
                    v.push(m);
                }
                v
            });
        CheckResult::pass(
            id,
            format!(
                "{} as {} sends them ({}): {}",
                crate::util::plural(sent, "request", "requests"),
                idp.label(),
                modes.join(", "),
                d.expected
            ),
        )
    };
    if !skipped.is_empty() && r.status != Status::Skipped {
        r.message.push_str(&format!(
            "; {} request(s) not sent: {}",
            skipped.len(),
            text(skipped[0])
        ));
    }
    // Evidence: the requests that went wrong, else the first few that went right.
    let bad: Vec<&&Fact> = mine
        .iter()
        .filter(|f| matches!(f.verdict, Verdict::Fail(_) | Verdict::Warn(_)))
        .collect();
    r.evidence = if bad.is_empty() {
        mine.iter()
            .filter_map(|f| f.exchange.clone())
            .take(3)
            .collect()
    } else {
        bad.iter()
            .filter_map(|f| f.exchange.clone())
            .take(20)
            .collect()
    };
    if id != RESPONSE_FORMAT {
        // The write transcript of the check's own requests (bodies included), in the report.
        let sent: Vec<&WriteEntry> = mine
            .iter()
            .filter_map(|f| f.entry.and_then(|i| writes.get(i)))
            .collect();
        if !sent.is_empty() {
            r.data = Some(serde_json::json!({ "requests": sent }));
        }
    }
    r
}

/// The checks that fail only with `aadOptscim062020` (their flag-mode steps fail, their
/// legacy-mode steps ran and passed): what appending the flag would break.
fn broken_by_flag(all: &[Fact]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in all {
        if f.mode != Mode::EntraFlag
            || !matches!(f.verdict, Verdict::Fail(_))
            || out.contains(&f.check)
        {
            continue;
        }
        let legacy: Vec<&Fact> = all
            .iter()
            .filter(|g| g.check == f.check && g.mode == Mode::EntraLegacy)
            .collect();
        let legacy_ok = !legacy.is_empty()
            && legacy
                .iter()
                .all(|g| matches!(g.verdict, Verdict::Pass | Verdict::Warn(_)));
        if legacy_ok {
            out.push(f.check);
        }
    }
    out
}

/// The vendor's fix, plus the admin's when only Entra's legacy shapes failed. The flag is
/// weighed on the whole run: when it would make another check fail that passes today, it is
/// not recommended as a fix.
fn remediation(effect: &str, fix: &str, facts: &[&Fact], all: &[Fact]) -> String {
    let failed = |m: Mode| {
        facts
            .iter()
            .any(|f| f.mode == m && matches!(f.verdict, Verdict::Fail(_)))
    };
    let ran = |m: Mode| {
        facts
            .iter()
            .any(|f| f.mode == m && !matches!(f.verdict, Verdict::Skipped(_)))
    };
    let only_legacy = failed(Mode::EntraLegacy) && ran(Mode::EntraFlag) && !failed(Mode::EntraFlag);
    let broken = broken_by_flag(all);
    let admin = if only_legacy && !broken.is_empty() {
        format!(
            " Do not append ?aadOptscim062020 as a fix on its own: it avoids this failure, but on the same server it makes {} fail, which pass{} without it. Only the vendor's fix removes both.",
            broken.join(", "),
            if broken.len() == 1 { "es" } else { "" }
        )
    } else if only_legacy {
        " Fix (Entra admin, works today): only the legacy shapes failed, and no other check fails only with the flag, so append ?aadOptscim062020 to the Tenant URL in the Entra provisioning settings (it does not apply to provision-on-demand).".to_string()
    } else if failed(Mode::EntraLegacy) && !ran(Mode::EntraFlag) {
        " Entra admin: run `scim-doctor replay --idp entra --entra-compat both --allow-writes` to see whether appending ?aadOptscim062020 to the Tenant URL avoids it without breaking something else.".to_string()
    } else {
        String::new()
    };
    format!("{effect}. Fix (target vendor): {fix}.{admin}")
}

/// The closing proof: every canary gone, and the tenant's counts as before the run.
pub fn cleanup(
    before: Counts,
    after: Counts,
    removals: &[Removal],
    still_found: &[super::exec::Created],
    base_url: &str,
) -> CheckResult {
    // One line per resource however many times it was seen: a canary whose removal failed
    // is tried again by name and found again by the closing search (counting each sighting
    // made one leftover look like three).
    let mut seen: std::collections::HashSet<(bool, &str)> = std::collections::HashSet::new();
    let mut left: Vec<Subject> = Vec::new();
    for (c, why) in removals
        .iter()
        .filter_map(|r| r.left.as_deref().map(|why| (&r.res, why)))
        .chain(
            still_found
                .iter()
                .map(|c| (c, "still listed under its canary name")),
        )
    {
        if seen.insert((c.group, c.id.as_str())) {
            left.push(leftover(c, why, base_url));
        }
    }
    let id = CLEANUP;
    if !left.is_empty() {
        return CheckResult::found(
            id,
            Status::Fail,
            format!("expected every canary removed, {} left in the tenant", left.len()),
            format!("Remove each leftover with the command in its line, or run `scim-doctor replay --cleanup --allow-writes --base-url {base_url}`; if the server refuses DELETE, the vendor must remove them (their names start with scim-doctor-canary-)."),
            left,
        );
    }
    let show = |c: Counts| format!("{} users, {} groups", opt(c.users), opt(c.groups));
    if before != after {
        return CheckResult::new(
            id,
            Status::Warn,
            format!("every canary is gone, but the tenant held {} before and holds {} now: something else changed it during the run (an IdP cycle?)", show(before), show(after)),
        )
        .with_remediation("Compare the tenant with a snapshot; run the probe again outside a provisioning cycle.");
    }
    if before.users.is_none() || before.groups.is_none() {
        return CheckResult::new(id, Status::Warn, format!("every canary is gone ({} created, none left), but the server did not report totalResults, so the counts could not be compared", removals.len()))
            .with_remediation("Make list responses carry totalResults (RFC 7644 §3.4.2).");
    }
    CheckResult::pass(
        id,
        format!(
            "every canary is gone ({} created, none left) and the tenant holds what it held before: {}",
            removals.len(),
            show(after)
        ),
    )
}

fn opt(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "?".into())
}

fn leftover(c: &super::exec::Created, why: &str, base_url: &str) -> Subject {
    let kind = if c.group { "Groups" } else { "Users" };
    let mut s = Subject::item(if c.group { SubjectKind::Group } else { SubjectKind::User }, c.id.clone(),
        format!("{why}; remove it with: curl -X DELETE -H \"Authorization: Bearer $SCIM_TOKEN\" {base_url}/{kind}/{}", c.id));
    if c.group {
        s.display_name = Some(c.name.clone());
    } else {
        s.user_name = Some(c.name.clone());
    }
    s
}
