//! Protocol checks judged on the deliberate probes (`source::fetch::behaviour`): paging past
//! the end, the `count` parameter and `itemsPerPage`, malformed filters, and the group
//! lookup Entra sends. Each probe is a request or two, so a defect is found on purpose, not
//! only when the tenant's size happens to expose it.

use crate::findings::{CheckResult, Exchange, Status, Subject, SubjectKind};
use crate::source::fetch::behaviour::{BehaviourReport, ListProbe};

pub const PAST_END_PAGE: &str = "past-end-page";
pub const COUNT_PARAMETER: &str = "count-parameter";
pub const FILTER_INVALID_REJECTED: &str = "filter-invalid-rejected";
pub const GROUP_LOOKUP_EXCLUDES_MEMBERS: &str = "group-lookup-excludes-members";

/// Every probe check id, in report order.
pub const IDS: [&str; 4] = [
    PAST_END_PAGE,
    COUNT_PARAMETER,
    FILTER_INVALID_REJECTED,
    GROUP_LOOKUP_EXCLUDES_MEMBERS,
];

pub fn results(b: &BehaviourReport) -> Vec<CheckResult> {
    vec![
        past_end_page(b),
        count_parameter(b),
        filter_invalid_rejected(b),
        group_lookup(b),
    ]
}

fn subject(id: String, detail: String) -> Subject {
    Subject::item(SubjectKind::Item, id, detail)
}

fn evidence<'a>(probes: impl IntoIterator<Item = &'a ListProbe>) -> Vec<Exchange> {
    probes
        .into_iter()
        .filter_map(|p| p.exchange.clone())
        .collect()
}

fn not_run(id: &str, b: &BehaviourReport) -> Option<CheckResult> {
    b.not_run
        .as_ref()
        .map(|why| CheckResult::skipped(id, why.clone()))
}

fn past_end_page(b: &BehaviourReport) -> CheckResult {
    let id = PAST_END_PAGE;
    if let Some(r) = not_run(id, b) {
        return r;
    }
    let mut bad = Vec::new();
    let mut good = Vec::new();
    let mut unjudged = Vec::new();
    for pe in &b.past_end {
        let p = &pe.probe;
        let what = format!("GET /{}", p.path);
        match (p.status, p.count()) {
            // No HTTP answer (a bound, the network): nothing learned about paging.
            (None, _) => unjudged.push(format!("/{}: {}", pe.resource, p.describe())),
            (Some(200), Some(0)) => good.push(format!("/{} answered an empty page", pe.resource)),
            (Some(200), Some(n)) => {
                let ids = p.ids.as_deref().unwrap_or(&[]);
                let again = !ids.is_empty() && ids.first() == pe.first_ids.first();
                bad.push(subject(
                    format!("/{}", pe.resource),
                    if again {
                        format!("{what} returned {}: the first page again, so a client paging until an empty page never stops", crate::util::plural(n, "resource", "resources"))
                    } else {
                        format!("{what} returned {} past the end totalResults announced", crate::util::plural(n, "resource", "resources"))
                    },
                ));
            }
            // 400/404 past the end is unusual but ends paging: not the defect looked for.
            (Some(s), _) if (400..500).contains(&s) => {
                good.push(format!("/{} answered HTTP {s} (paging ends)", pe.resource))
            }
            _ => bad.push(subject(
                format!("/{}", pe.resource),
                format!("{what}: expected an empty page, got {}", p.describe()),
            )),
        }
    }
    if b.past_end.is_empty() {
        return CheckResult::skipped(
            id,
            "no list was fetched, so no page past the end was asked for",
        );
    }
    if bad.is_empty() && good.is_empty() {
        return CheckResult::skipped(id, format!("no answer to judge: {}", unjudged.join("; ")));
    }
    if bad.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "a startIndex past totalResults returns nothing: {}",
                good.join("; ")
            ),
        );
    }
    let mut r = CheckResult::found(
        id,
        Status::Fail,
        "expected an empty page for startIndex = totalResults + 1, got resources",
        "return an empty ListResponse (Resources: [], itemsPerPage 0) for a startIndex past the end (RFC 7644 \
         §3.4.2.4). A server that answers page 1 again makes clients that page until an empty page loop for ever \
         and import every user many times",
        bad,
    );
    r.evidence = evidence(b.past_end.iter().map(|p| &p.probe));
    r
}

fn count_parameter(b: &BehaviourReport) -> CheckResult {
    let id = COUNT_PARAMETER;
    if let Some(r) = not_run(id, b) {
        return r;
    }
    let Some(one) = &b.count_one else {
        return CheckResult::skipped(id, "the count probe was not sent");
    };
    if one.status.is_none() {
        return CheckResult::skipped(
            id,
            format!("no answer to `count=1` to judge: {}", one.describe()),
        );
    }
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let mut notes = Vec::new();
    match (one.status, one.count()) {
        (Some(200), Some(n)) if n > 1 => fails.push(subject(
            "count=1".into(),
            format!(
                "GET /{} returned {n} resources: the server ignores `count`",
                one.path
            ),
        )),
        (Some(200), Some(n)) => notes.push(format!("count=1 returned {n}")),
        _ => warns.push(subject(
            "count=1".into(),
            format!(
                "GET /{}: expected a ListResponse, got {}",
                one.path,
                one.describe()
            ),
        )),
    }
    let mut all = vec![one];
    if let Some((max, p)) = b.count_over_max.iter().find(|(_, p)| p.status.is_some()) {
        all.push(p);
        match (p.status, p.count()) {
            (Some(200), Some(n)) if n > *max => warns.push(subject(
                format!("count={}", max + 1),
                format!("GET /{} returned {n} resources, more than the advertised maximum {max}", p.path),
            )),
            (Some(200), Some(n)) => notes.push(format!("count={} returned {n} (advertised maximum {max})", max + 1)),
            (Some(s), _) if (400..500).contains(&s) => warns.push(subject(
                format!("count={}", max + 1),
                format!("GET /{}: expected at most {max} resources, got {} (RFC 7644 caps count, it does not reject it)", p.path, p.describe()),
            )),
            _ => warns.push(subject(
                format!("count={}", max + 1),
                format!("GET /{}: expected at most {max} resources, got {}", p.path, p.describe()),
            )),
        }
    } else if let Some(why) = &b.count_over_max_not_run {
        notes.push(format!("count above the maximum not probed: {why}"));
    }
    // itemsPerPage is the number of resources on the page (RFC 7644 §3.4.2.4), on every
    // list answer probed.
    let pages = all
        .iter()
        .copied()
        .chain(b.past_end.iter().map(|p| &p.probe))
        .filter(|p| p.status == Some(200));
    for p in pages {
        if let (Some(ipp), Some(n)) = (p.items_per_page, p.count()) {
            if ipp != n {
                warns.push(subject(
                    format!("/{}", p.path),
                    format!(
                        "itemsPerPage is {ipp} but the page holds {}",
                        crate::util::plural(n, "resource", "resources")
                    ),
                ));
            }
        }
    }
    let ev = evidence(all.iter().copied());
    if !fails.is_empty() {
        let mut subjects = fails;
        subjects.extend(warns);
        let mut r = CheckResult::found(
            id,
            Status::Fail,
            "expected at most 1 resource for count=1, got more: the server ignores `count`",
            "honour `count` (RFC 7644 §3.4.2.4: at most `count` resources per page). A server that ignores it \
             serves pages of its own size: clients that trust `count` mis-plan their pages and skip or repeat users",
            subjects,
        );
        r.evidence = ev;
        return r;
    }
    if !warns.is_empty() {
        let mut r = CheckResult::found(
            id,
            Status::Warn,
            "expected count honoured, capped at the advertised maximum, and itemsPerPage equal to the resources returned, got deviations",
            "cap `count` at the advertised filter.maxResults / pagination.maxPageSize and set itemsPerPage to the \
             number of resources on the page (RFC 7644 §3.4.2.4); clients plan pages from both",
            warns,
        );
        r.evidence = ev;
        return r;
    }
    CheckResult::pass(id, format!("`count` is honoured: {}", notes.join("; ")))
}

fn filter_invalid_rejected(b: &BehaviourReport) -> CheckResult {
    let id = FILTER_INVALID_REJECTED;
    if let Some(r) = not_run(id, b) {
        return r;
    }
    if b.bad_filters.is_empty() {
        return CheckResult::skipped(id, "no malformed filter was sent");
    }
    let mut fails = Vec::new();
    let mut warns = Vec::new();
    let judged: Vec<_> = b
        .bad_filters
        .iter()
        .filter(|(_, p)| p.status.is_some())
        .collect();
    if judged.is_empty() {
        let why: Vec<String> = b.bad_filters.iter().map(|(_, p)| p.describe()).collect();
        return CheckResult::skipped(id, format!("no answer to judge: {}", why.join("; ")));
    }
    for (flt, p) in judged {
        let is_invalid_filter = p
            .scim_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("invalidFilter"));
        let subj = |detail: String| subject(format!("filter={flt}"), detail);
        match p.status {
            Some(400) if is_invalid_filter => {}
            Some(400) => warns.push(subj(format!(
                "expected 400 with scimType invalidFilter, got 400 with scimType {}",
                p.scim_type.as_deref().unwrap_or("(none)")
            ))),
            Some(200) => fails.push(subj(match p.count() {
                Some(0) => "expected 400 invalidFilter, got 200 with an empty list: an IdP reads \"no such user\" and creates a duplicate".to_string(),
                Some(n) => format!("expected 400 invalidFilter, got 200 with {}: the filter was ignored", crate::util::plural(n, "resource", "resources")),
                None => "expected 400 invalidFilter, got 200 without a ListResponse".to_string(),
            })),
            Some(s) if s >= 500 => fails.push(subj(format!(
                "expected 400 invalidFilter, got HTTP {s}: the server crashes on a malformed filter"
            ))),
            _ => warns.push(subj(format!("expected 400 invalidFilter, got {}", p.describe()))),
        }
    }
    let ev = evidence(b.bad_filters.iter().map(|(_, p)| p));
    let remediation = "answer a filter that does not parse with 400 and scimType invalidFilter (RFC 7644 §3.4.2.2, \
        §3.12). A 200 with an empty list tells the IdP the user does not exist, so it POSTs and creates a duplicate; \
        a 500 makes it retry and quarantine the job";
    let (status, subjects) = if !fails.is_empty() {
        let mut s = fails;
        s.extend(warns);
        (Status::Fail, s)
    } else if !warns.is_empty() {
        (Status::Warn, warns)
    } else {
        return CheckResult::pass(
            id,
            format!(
                "{} malformed filters each got 400 invalidFilter",
                b.bad_filters
                    .iter()
                    .filter(|(_, p)| p.status.is_some())
                    .count()
            ),
        );
    };
    let mut r = CheckResult::found(
        id,
        status,
        "expected 400 invalidFilter for malformed filters, got other answers",
        remediation,
        subjects,
    );
    r.evidence = ev;
    r
}

fn group_lookup(b: &BehaviourReport) -> CheckResult {
    let id = GROUP_LOOKUP_EXCLUDES_MEMBERS;
    if let Some(r) = not_run(id, b) {
        return r;
    }
    let Some(g) = &b.group_lookup else {
        return CheckResult::skipped(
            id,
            b.group_lookup_not_run
                .clone()
                .unwrap_or_else(|| "no group to look up".into()),
        );
    };
    let p = &g.probe;
    if p.status.is_none() {
        return CheckResult::skipped(
            id,
            format!("no answer to the lookup to judge: {}", p.describe()),
        );
    }
    let filter = crate::source::fetch::probe::eq_filter("displayName", &g.display_name);
    let found = p.ids.as_ref().is_some_and(|ids| ids.contains(&g.id));
    let (status, detail, fix) = if p.status != Some(200) || !found {
        (
            Status::Fail,
            format!(
                "`{filter}` with excludedAttributes=members: expected group {} back, got {}",
                g.id,
                p.describe()
            ),
            "answer GET /Groups?filter=displayName eq \"...\"&excludedAttributes=members with the matching group: \
             Entra looks groups up this way before creating them, and a miss makes it create a duplicate group or \
             fail with 409",
        )
    } else if p.has_members {
        (
            Status::Warn,
            format!(
                "`{filter}` with excludedAttributes=members returned the group with its members ({} in the tenant)",
                g.members
            ),
            "honour excludedAttributes=members (RFC 7644 §3.4.2.5): Entra asks for groups without members so that \
             large groups do not time out its lookups",
        )
    } else {
        return CheckResult::pass(
            id,
            format!(
                "`{filter}` with excludedAttributes=members returned group {} without members",
                g.id
            ),
        );
    };
    let mut r = CheckResult::found(
        id,
        status,
        format!("expected Entra's group lookup to return the group without members, got: {detail}"),
        fix,
        vec![subject(g.id.clone(), detail)],
    );
    r.evidence = evidence([p]);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::fetch::behaviour::PastEnd;

    fn answered(status: u16, ids: &[&str]) -> ListProbe {
        ListProbe {
            path: "Users?startIndex=11&count=10".into(),
            status: Some(status),
            ids: Some(ids.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    fn no_answer() -> ListProbe {
        ListProbe {
            error: Some("the budget of 12 requests was spent (raise --max-requests)".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_probe_without_an_answer_is_skipped_never_failed() {
        let b = BehaviourReport {
            past_end: vec![PastEnd {
                resource: "Users".into(),
                first_ids: vec!["a".into()],
                probe: no_answer(),
            }],
            count_one: Some(no_answer()),
            bad_filters: vec![("userName eq".into(), no_answer())],
            ..Default::default()
        };
        for r in results(&b) {
            assert_eq!(r.status, Status::Skipped, "{}: {}", r.id, r.message);
        }
    }

    #[test]
    fn page_one_again_past_the_end_fails_and_an_empty_page_passes() {
        let mut b = BehaviourReport {
            past_end: vec![PastEnd {
                resource: "Users".into(),
                first_ids: vec!["a".into(), "b".into()],
                probe: answered(200, &["a", "b"]),
            }],
            ..Default::default()
        };
        let r = past_end_page(&b);
        assert_eq!(r.status, Status::Fail);
        assert!(r.subjects[0].detail.contains("the first page again"));
        b.past_end[0].probe = answered(200, &[]);
        assert_eq!(past_end_page(&b).status, Status::Pass);
    }
}
