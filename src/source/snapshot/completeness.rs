//! What the files say about the whole tenant. A snapshot's manifest (`snapshot.json`)
//! records how many resources were fetched: files holding fewer are a truncated copy. A
//! ListResponse is a page (RFC 7644 §3.4.2.4): when its `totalResults` exceeds what it
//! holds, when it starts past `startIndex` 1, or when it carries a `nextCursor` (RFC 9865),
//! the tenant is incomplete. A kind of resource the input does not hold at all is absent,
//! which is not the same as a tenant without any.

use super::{DocSummary, SnapshotMeta, GROUPS_FILE, META_FILE, USERS_FILE};
use crate::model::{Kind, Tenant};

/// Marks one kind (or both, when the file does not say) incomplete with a reason.
fn incomplete(t: &mut Tenant, kind: Option<Kind>, note: String) {
    let c = &mut t.completeness;
    if kind != Some(Kind::Group) {
        c.users_complete = false;
    }
    if kind != Some(Kind::User) {
        c.groups_complete = false;
    }
    c.notes.push(note);
}

/// Applies the manifest to a tenant whose files were read: label, the completeness and
/// issues recorded when it was fetched, and a count mismatch (a truncated or emptied copy)
/// as incompleteness. `present`: whether users.ndjson and groups.ndjson exist.
pub fn apply_meta(
    tenant: &mut Tenant,
    meta: SnapshotMeta,
    fallback_label: &str,
    present: [bool; 2],
) {
    tenant.label = if meta.label.trim().is_empty() {
        fallback_label.to_string()
    } else {
        meta.label
    };
    tenant.completeness = meta.completeness;
    // What the fetch dropped or merged was read then: it counts as read now.
    tenant.read += meta.parse_issues.len() + meta.parse_issues_unlisted + meta.duplicates.len();
    tenant.parse_issues_unlisted += meta.parse_issues_unlisted;
    let read_issues = std::mem::take(&mut tenant.parse_issues);
    tenant.parse_issues = meta.parse_issues;
    tenant.parse_issues.extend(read_issues);
    let read_dups = std::mem::take(&mut tenant.duplicates);
    tenant.duplicates = meta.duplicates;
    tenant.duplicates.extend(read_dups);
    let checks = [
        (
            Kind::User,
            USERS_FILE,
            tenant.users.len(),
            meta.counts.users,
            present[0],
        ),
        (
            Kind::Group,
            GROUPS_FILE,
            tenant.groups.len(),
            meta.counts.groups,
            present[1],
        ),
    ];
    for (kind, file, held, recorded, exists) in checks {
        let (words, expected) = match kind {
            Kind::User => ("users", &mut tenant.completeness.users_expected),
            Kind::Group => ("groups", &mut tenant.completeness.groups_expected),
        };
        if held != recorded {
            *expected = Some(recorded);
        }
        if !exists {
            match kind {
                Kind::User => tenant.completeness.users_absent = true,
                Kind::Group => tenant.completeness.groups_absent = true,
            }
        }
        if held == recorded {
            continue;
        }
        let note = if !exists {
            format!("{file} is missing, but {META_FILE} records {recorded} {words}")
        } else if held < recorded {
            format!(
                "{file} holds {held} usable {words} but {META_FILE} records {recorded}: the snapshot copy is truncated or emptied"
            )
        } else {
            format!(
                "{file} holds {held} usable {words} but {META_FILE} records only {recorded}: the files were changed after the snapshot was taken"
            )
        };
        incomplete(tenant, Some(kind), note);
    }
}

/// Applies what curl-saved documents say about themselves. `seen`: whether any user / any
/// group was read from any document.
pub fn apply_documents(
    tenant: &mut Tenant,
    docs: &[(String, Option<Kind>, DocSummary)],
    seen: [bool; 2],
) {
    let mut dedicated = [false, false];
    for (name, hint, s) in docs {
        match hint {
            Some(Kind::User) => dedicated[0] = true,
            Some(Kind::Group) => dedicated[1] = true,
            None => {}
        }
        if !s.list_response {
            continue;
        }
        if let Some(total) = s.total_results {
            let total = usize::try_from(total).unwrap_or(usize::MAX);
            match hint {
                Some(Kind::User) => tenant.completeness.users_expected = Some(total),
                Some(Kind::Group) => tenant.completeness.groups_expected = Some(total),
                None => {}
            }
            let distinct = s.resources - s.repeated;
            if total > s.resources {
                incomplete(
                    tenant,
                    *hint,
                    format!(
                        "{name} is one page, not the whole tenant: totalResults is {total} but it holds {} resources (fetch every page, e.g. with `scim-doctor snapshot`)",
                        s.resources
                    ),
                );
            } else if total > distinct {
                // As the live fetch judges it: repeats in a listing may have displaced
                // resources that were never sent.
                incomplete(
                    tenant,
                    *hint,
                    format!(
                        "{name} announces totalResults {total} but holds {distinct} distinct resources ({} repeated ids); the other {} may exist",
                        s.repeated,
                        total - distinct
                    ),
                );
            }
        }
        if let Some(start) = s.start_index.filter(|&i| i > 1) {
            incomplete(
                tenant,
                *hint,
                format!("{name} starts at startIndex {start}: the resources before it are not in the file"),
            );
        }
        if let Some(cursor) = &s.next_cursor {
            incomplete(
                tenant,
                *hint,
                format!(
                    "{name} carries nextCursor `{}`: more pages follow",
                    crate::util::quote(cursor, 60)
                ),
            );
        }
    }
    tenant.completeness.users_absent = !(dedicated[0] || seen[0]);
    tenant.completeness.groups_absent = !(dedicated[1] || seen[1]);
}
