//! Protocol checks: what fetching the tenant revealed about the server's SCIM behaviour
//! (paging, page caps, filter lookups, latency, rate limits, completeness). They are
//! computed from the live fetch (`source::fetch::FetchReport`); offline runs report them as
//! skipped through the registry.

use crate::findings::{CheckResult, Exchange, Status, Subject, SubjectKind};
use crate::source::fetch::paging::{Method, PagingReport};
use crate::source::fetch::probe::ProbeOutcome;
use crate::source::fetch::FetchReport;
use crate::util::plural;
use serde_json::json;

pub const PAGINATION_CONSISTENCY: &str = "pagination-consistency";
pub const PAGE_SIZE_CAP: &str = "page-size-cap";
pub const FILTER_USERNAME_EQ: &str = "filter-username-eq";
pub const FILTER_EXTERNALID_EQ: &str = "filter-externalid-eq";
pub const LATENCY: &str = "latency";
pub const RATE_LIMITED: &str = "rate-limited";
pub const FETCH_COMPLETE: &str = "fetch-complete";

/// Every protocol check id, in report order.
pub const IDS: [&str; 7] = [
    PAGINATION_CONSISTENCY,
    PAGE_SIZE_CAP,
    FILTER_USERNAME_EQ,
    FILTER_EXTERNALID_EQ,
    LATENCY,
    RATE_LIMITED,
    FETCH_COMPLETE,
];

/// Requests per second Entra expects a gallery app to sustain per tenant (reference §2).
pub const ENTRA_RPS: f64 = 25.0;
/// Okta abandons a SCIM request after this long (reference §3).
pub const OKTA_TIMEOUT_MS: u64 = 60_000;
/// Evidence exchanges kept per check.
const EVIDENCE_KEPT: usize = 5;

/// The fetch's own checks, then the deliberate probes' (`checks::probes`).
pub fn results(r: &FetchReport) -> Vec<CheckResult> {
    let mut out = vec![
        pagination_consistency(r),
        page_size_cap(r),
        filter_eq(FILTER_USERNAME_EQ, "userName", &r.username),
        filter_eq(FILTER_EXTERNALID_EQ, "externalId", &r.externalid),
        latency(r),
        rate_limited(r),
        fetch_complete(r),
    ];
    out.extend(super::probes::results(&r.behaviour));
    out.extend(super::conformance::results(&r.conformance, &r.behaviour));
    out
}

fn listed(r: &FetchReport) -> Vec<&PagingReport> {
    [&r.users, &r.groups]
        .into_iter()
        .filter(|p| p.unsupported.is_none() && p.first_page.is_some())
        .collect()
}

fn item(id: String, detail: String) -> Subject {
    Subject::item(SubjectKind::Item, id, detail)
}

fn pagination_consistency(r: &FetchReport) -> CheckResult {
    let id = PAGINATION_CONSISTENCY;
    let lists = listed(r);
    if lists.is_empty() {
        return CheckResult::skipped(
            id,
            "no list page could be fetched, so paging could not be observed",
        );
    }
    let mut subjects = Vec::new();
    let mut problems = Vec::new();
    let mut summary = Vec::new();
    for p in &lists {
        let res = &p.resource;
        summary.push(format!(
            "/{res}: {}{} in {}",
            plural(p.received, "resource", "resources"),
            p.total_results
                .map(|t| format!(" of totalResults {t}"))
                .unwrap_or_default(),
            plural(p.pages, "request", "requests")
        ));
        if p.zero_based {
            problems.push(format!("/{res} counts startIndex from 0"));
            subjects.push(item(
                format!("/{res}?startIndex=0"),
                "startIndex=0 returned one resource before the first one of startIndex=1 (off-by-one overlap): \
                 the server counts from 0, so a client paging from 1 as RFC 7644 says never sees the first resource"
                    .into(),
            ));
        }
        if p.total_results.is_none() && p.method == Method::Index {
            problems.push(format!("/{res} sends no totalResults"));
            subjects.push(item(
                format!("/{res}"),
                "the ListResponse has no totalResults (required by RFC 7644 §3.4.2)".into(),
            ));
        }
        // Pages lost to a bound are fetch-complete's to report; a listing that merely ends
        // short of totalResults is a paging defect and reported here too.
        let lost = !p.incomplete.is_empty() && p.short_of_total.is_none();
        if let Some(total) = p.total_results {
            if p.beyond_total > 0 {
                problems.push(format!(
                    "/{res} totalResults {total} is below the {} resources served",
                    p.received
                ));
                subjects.push(item(
                    format!("/{res} totalResults"),
                    format!(
                        "totalResults said {total}, yet full pages kept coming: {} resources in all ({} past the end totalResults implies)",
                        p.received, p.beyond_total
                    ),
                ));
            } else if !lost && p.received != total {
                problems.push(format!(
                    "/{res} totalResults {total} but {} resources served",
                    p.received
                ));
                subjects.push(item(
                    format!("/{res} totalResults"),
                    format!("totalResults said {total}, paging to the end returned {} distinct resources", p.received),
                ));
            }
        }
        if !p.duplicates.is_empty() {
            problems.push(format!("/{res} returned {} ids twice", p.duplicates.len()));
            for (dup, at) in &p.duplicates {
                subjects.push(item(
                    dup.clone(),
                    format!("/{res} id returned again at {at} (kept once)"),
                ));
            }
        }
        for rep in &p.repeated_pages {
            problems.push(format!("/{res} repeats pages"));
            subjects.push(item(
                format!("/{res} {}", rep.split(':').next().unwrap_or(rep)),
                format!("page {rep}"),
            ));
        }
        if let Some(why) = &p.stopped_early {
            problems.push(format!("/{res} paging was stopped early"));
            let after = plural(p.pages, "request", "requests");
            subjects.push(item(
                format!("/{res} paging"),
                format!("stopped after {after}: {why}"),
            ));
        }
        if let Some((first, then)) = p.total_drift {
            problems.push(format!("/{res} totalResults changed while paging"));
            subjects.push(item(
                format!("/{res} totalResults"),
                format!("page 1 said totalResults {first}, a later page said {then}: the end of the list cannot be planned"),
            ));
        }
        for gap in &p.gaps {
            problems.push(format!("/{res} has short pages"));
            subjects.push(item(
                format!("/{res} {}", gap.split(':').next().unwrap_or(gap)),
                format!("window {gap}, although later pages still had resources"),
            ));
        }
    }
    if subjects.is_empty() {
        return CheckResult::pass(
            id,
            format!(
                "{}; no duplicates, gaps or repeated pages",
                summary.join("; ")
            ),
        );
    }
    problems.dedup();
    let evidence: Vec<Exchange> = lists.iter().filter_map(|p| p.first_page.clone()).collect();
    let mut res = CheckResult::found(
        id,
        Status::Fail,
        format!("expected every resource exactly once across 1-based pages that add up to totalResults, got: {}", problems.join("; ")),
        "make list responses follow RFC 7644 §3.4.2.4: startIndex counts from 1, totalResults is the number of \
         resources the query matches, and each resource appears on exactly one page in a stable order. Until then \
         IdP imports (Okta) and matching skip or double users. scim-doctor worked around what it could; see the subjects",
        subjects,
    );
    res.evidence = evidence;
    res.data = Some(json!({ "lists": lists.iter().map(|p| paging_data(p)).collect::<Vec<_>>() }));
    res
}

fn paging_data(p: &PagingReport) -> serde_json::Value {
    json!({
        "resource": p.resource,
        "method": if p.method == Method::Cursor { "cursor" } else { "index" },
        "requested_page_size": p.requested,
        "requested_from": p.requested_from,
        "observed_cap": p.observed_cap,
        "total_results": p.total_results,
        "received": p.received,
        "requests": p.pages,
        "zero_based": p.zero_based,
        "duplicates": p.duplicates.len(),
        "overlapping_pages": p.overlapping_pages,
        "stopped_early": p.stopped_early,
        "total_drift": p.total_drift.map(|(a, b)| [a, b]),
    })
}

fn page_size_cap(r: &FetchReport) -> CheckResult {
    let id = PAGE_SIZE_CAP;
    let lists = listed(r);
    if lists.is_empty() {
        return CheckResult::skipped(
            id,
            "no list page could be fetched, so the page size could not be observed",
        );
    }
    // A server that ignores `count` serves its own page size to every request: that is not
    // a cap, and advertising a limit would not help (`count-parameter` reports it).
    let ignores_count = r
        .behaviour
        .count_one
        .as_ref()
        .and_then(|p| p.count().filter(|_| p.status == Some(200)))
        .filter(|&n| n > 1);
    if let Some(n) = ignores_count {
        return CheckResult::skipped(
            id,
            format!(
                "not judged: the server ignores `count` (count=1 returned {n}), which is not a cap; see count-parameter (paging followed the pages it served)"
            ),
        );
    }
    let mut subjects = Vec::new();
    for p in &lists {
        if let Some(cap) = p.observed_cap {
            subjects.push(item(
                format!("/{}", p.resource),
                format!(
                    "asked for {} per page ({}), got {cap} while totalResults is {}: a silent cap of {cap}",
                    p.requested,
                    p.requested_from,
                    p.total_results.map(|t| t.to_string()).unwrap_or_else(|| "unknown".into())
                ),
            ));
        }
    }
    if subjects.is_empty() {
        let sizes: Vec<String> = lists
            .iter()
            .map(|p| {
                format!(
                    "/{} answered full pages of up to {} as asked ({})",
                    p.resource, p.requested, p.requested_from
                )
            })
            .collect();
        return CheckResult::pass(id, sizes.join("; "));
    }
    let caps: Vec<String> = lists
        .iter()
        .filter_map(|p| {
            p.observed_cap
                .map(|c| format!("/{} asked {}, got {c}", p.resource, p.requested))
        })
        .collect();
    let mut res = CheckResult::found(
        id,
        Status::Warn,
        format!("expected pages of the size asked for, got fewer without a word: {}", caps.join("; ")),
        "advertise the real page limit in ServiceProviderConfig (pagination.maxPageSize, filter.maxResults) so \
         clients plan their pages; RFC 7644 allows fewer results than `count`, but clients that stop at the first \
         short page (scripts, some connectors) lose every resource after it. scim-doctor re-planned with the real size",
        subjects,
    );
    res.evidence = lists
        .iter()
        .filter(|p| p.observed_cap.is_some())
        .filter_map(|p| p.first_page.clone())
        .collect();
    res.data = Some(json!({ "lists": lists.iter().map(|p| paging_data(p)).collect::<Vec<_>>() }));
    res
}

fn filter_eq(id: &str, attr: &str, o: &ProbeOutcome) -> CheckResult {
    if o.cases.is_empty() {
        return CheckResult::skipped(
            id,
            format!(
                "no `{attr} eq` lookup was sent: {}",
                o.not_run.as_deref().unwrap_or("nothing to probe")
            ),
        );
    }
    let failed: Vec<_> = o.cases.iter().filter(|c| !c.ok()).collect();
    let users = {
        let mut ids: Vec<&str> = o.cases.iter().map(|c| c.user.id.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    if failed.is_empty() {
        let case = if o.cases.iter().any(|c| c.case_changed) {
            ", also with the value's case changed"
        } else {
            ""
        };
        return CheckResult::pass(
            id,
            format!(
                "{} lookups by `{attr} eq` for {users} sampled users{case} each returned exactly the existing user",
                o.cases.len()
            ),
        );
    }
    let subjects: Vec<Subject> = failed
        .iter()
        .map(|c| {
            let expected: Vec<&str> = c.expected.iter().map(String::as_str).collect();
            let got = match &c.got {
                Ok(ids) if ids.is_empty() => "no resource".to_string(),
                Ok(ids) => format!("ids {}", ids.iter().cloned().collect::<Vec<_>>().join(", ")),
                Err(e) => e.clone(),
            };
            Subject::user(
                &c.user,
                format!(
                    "`{}`{} expected id {}, got {got}",
                    crate::source::fetch::probe::eq_filter(attr, &c.value),
                    if c.case_changed {
                        " (case changed)"
                    } else {
                        ""
                    },
                    expected.join(", ")
                ),
            )
        })
        .collect();
    let case_failures = failed.iter().filter(|c| c.case_changed).count();
    let remediation = if attr == "userName" {
        "make `GET /Users?filter=userName eq \"...\"` return exactly the matching user, comparing case-insensitively \
         (userName is caseExact=false, RFC 7643 §4.1.1). Entra and Okta look a user up this way before creating it; \
         when the lookup misses, they POST again and get 409 Conflict or create a duplicate"
    } else {
        "make `GET /Users?filter=externalId eq \"...\"` return exactly the user with that externalId. Entra matches \
         users by externalId when userName does not match; when the lookup misses it POSTs again and gets 409 \
         Conflict or creates a duplicate"
    };
    let mut res = CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected each `{attr} eq` lookup to return exactly the existing user, {} of {} did not{}",
            failed.len(),
            o.cases.len(),
            if case_failures > 0 {
                format!(" ({case_failures} with the value's case changed)")
            } else {
                String::new()
            }
        ),
        remediation,
        subjects,
    );
    res.evidence = failed
        .iter()
        .filter_map(|c| c.exchange.clone())
        .take(EVIDENCE_KEPT)
        .collect();
    res
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn latency(r: &FetchReport) -> CheckResult {
    let id = LATENCY;
    if r.stats.latencies.is_empty() {
        return CheckResult::skipped(
            id,
            "no response was received, so latency could not be measured",
        );
    }
    let c = r.concurrency.max(1);
    let mut data = serde_json::Map::new();
    let mut too_slow = Vec::new();
    let mut slow = Vec::new();
    let mut lines = Vec::new();
    for (label, samples) in &r.stats.latencies {
        let mut s = samples.clone();
        s.sort_unstable();
        let (p50, p95, max) = (
            percentile(&s, 50.0),
            percentile(&s, 95.0),
            *s.last().unwrap_or(&0),
        );
        let rps = if p50 == 0 {
            f64::INFINITY
        } else {
            c as f64 * 1000.0 / p50 as f64
        };
        data.insert(
            label.clone(),
            json!({"requests": s.len(), "p50_ms": p50, "p95_ms": p95, "max_ms": max}),
        );
        lines.push(format!("{label} p50 {p50} ms, p95 {p95} ms"));
        if p95 >= OKTA_TIMEOUT_MS {
            too_slow.push(item(
                label.clone(),
                format!("p95 {p95} ms, max {max} ms: Okta gives up after 60 s"),
            ));
        } else if rps < ENTRA_RPS {
            slow.push(item(
                label.clone(),
                format!("p50 {p50} ms: {c} parallel requests allow about {rps:.1} requests/s, below the 25/s Entra expects"),
            ));
        }
    }
    let data = json!({"concurrency": c, "endpoints": data});
    if !too_slow.is_empty() {
        return CheckResult::found(
            id,
            Status::Fail,
            format!("expected answers well within Okta's 60 s timeout, got p95 at or above it on {} endpoint(s)", too_slow.len()),
            "make the SCIM endpoint answer within seconds (smaller pages, indexes on userName/externalId, more \
             capacity): Okta abandons a request after 60 s and the import or push fails",
            too_slow,
        )
        .with_data(data);
    }
    if !slow.is_empty() {
        return CheckResult::found(
            id,
            Status::Warn,
            format!(
                "expected the throughput Entra needs (25 requests/s per tenant), got latencies that allow less at {c} parallel requests"
            ),
            "speed up the SCIM endpoint or let it serve more requests in parallel: Entra expects gallery apps to \
             sustain 25 requests/s per tenant, and slow answers stretch every provisioning cycle and import",
            slow,
        )
        .with_data(data);
    }
    CheckResult::pass(
        id,
        format!(
            "fast enough for Entra's 25 requests/s and Okta's 60 s timeout: {}",
            lines.join("; ")
        ),
    )
    .with_data(data)
}

fn rate_limited(r: &FetchReport) -> CheckResult {
    let id = RATE_LIMITED;
    let s = &r.stats;
    let data = json!({
        "responses_429": s.rate_limited,
        "waited_ms": s.rate_wait_ms,
        "max_retry_after_s": s.max_retry_after_s,
        "server_errors": s.server_errors.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
        "transport_errors": s.transport_errors,
        "retries": s.retries,
    });
    if s.rate_limited == 0 {
        let extra = if s.retries > 0 {
            format!(" ({} other transient failures were retried)", s.retries)
        } else {
            String::new()
        };
        let (sent, c) = (plural(s.requests, "request", "requests"), r.concurrency);
        let message = format!("no 429 Too Many Requests in {sent} at --concurrency {c}{extra}");
        return CheckResult::pass(id, message).with_data(data);
    }
    let mut res = CheckResult::new(
        id,
        Status::Warn,
        format!(
            "expected no throttling at {} parallel requests, got {} responses 429 Too Many Requests and waited {:.1} s in total{}",
            r.concurrency,
            s.rate_limited,
            s.rate_wait_ms as f64 / 1000.0,
            s.max_retry_after_s
                .map(|a| format!(" (largest Retry-After {a} s)"))
                .unwrap_or_else(|| " (no Retry-After: exponential backoff)".into())
        ),
    )
    .with_remediation(
        "raise the server's rate limit for the IdP's provisioning traffic (Entra expects 25 requests/s per tenant) \
         and always send Retry-After with 429; a limit below that stretches every cycle and can push Entra into \
         quarantine. Re-run with a lower --concurrency to measure without throttling",
    )
    .with_data(data);
    res.count = s.rate_limited;
    res.evidence = s.evidence_429.clone();
    res
}

fn fetch_complete(r: &FetchReport) -> CheckResult {
    let id = FETCH_COMPLETE;
    let total = |p: &PagingReport| {
        p.total_results
            .map(|t| format!(" of {t}"))
            .unwrap_or_default()
    };
    if r.complete {
        return CheckResult::pass(
            id,
            format!(
                "fetched {}{} users and {}{} groups in {}",
                r.users_fetched,
                total(&r.users),
                r.groups_fetched,
                total(&r.groups),
                plural(r.stats.requests, "request", "requests")
            ),
        );
    }
    let subjects: Vec<Subject> = r
        .notes
        .iter()
        .enumerate()
        .map(|(i, n)| item(format!("bound-{}", i + 1), n.clone()))
        .collect();
    CheckResult::found(
        id,
        Status::Fail,
        format!(
            "expected every user and group, got {}{} users and {}{} groups: {}",
            r.users_fetched,
            total(&r.users),
            r.groups_fetched,
            total(&r.groups),
            r.notes.join("; ")
        ),
        "re-run with the bound raised (each note names its flag: --max-pages, --deadline, --retries, \
         --max-body-mib) or fix the server behaviour it names; until then every other finding covers only the \
         resources that were fetched",
        subjects,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 95.0), 95);
        assert_eq!(percentile(&[7], 95.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn a_slow_endpoint_warns_and_a_timeout_fails() {
        let mut r = FetchReport {
            concurrency: 1,
            ..Default::default()
        };
        r.stats
            .latencies
            .insert("GET /Users".into(), vec![100, 100, 100]);
        assert_eq!(latency(&r).status, Status::Warn);
        r.stats
            .latencies
            .insert("GET /Users".into(), vec![10, 10, 10]);
        assert_eq!(latency(&r).status, Status::Pass);
        r.stats.latencies.insert("GET /Users".into(), vec![61_000]);
        assert_eq!(latency(&r).status, Status::Fail);
    }

    #[test]
    fn every_id_is_produced_once() {
        let ids: Vec<String> = results(&FetchReport::default())
            .into_iter()
            .map(|r| r.id)
            .collect();
        use super::super::{conformance, probes};
        let expected = [&IDS[..], &probes::IDS, &conformance::IDS].concat();
        assert_eq!(ids, expected);
    }
}
