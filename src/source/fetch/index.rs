//! Index pagination (RFC 7644 §3.4.2.4) of one resource type, fast on a healthy server and
//! gentle on a broken one.
//!
//! Page 1 gives `totalResults` and the real page size. The windows after it are planned from
//! that count but started lazily, at most `2 x --concurrency` ahead of the last page
//! verified at first (growing to 8x as pages verify): every page is checked in server order against the ids already received, and
//! paging stops at the first proof that going on only hammers the server: a page whose ids
//! all came before (the server ignores `startIndex`), repeated overlaps (an unstable order),
//! an empty page while `totalResults` promised more (a count that is too high or keeps
//! growing), or the request budget. A healthy server never waits on a barrier: the window
//! slides. Deviations that can be worked around are: a silent page cap (re-planned with the
//! real size, short windows re-requested so there are no gaps), 0-based `startIndex` (the
//! probe `startIndex=0` overlaps page 1 by all but one), a `totalResults` that is too small
//! (full pages keep coming: paging continues), duplicate ids (kept once).

use super::paging::{
    begin, finish, get_list, index_path, parse_items, Added, Listing, Method, PagingReport,
    Resource,
};
use super::progress::Line;
use super::retry::Fetcher;
use crate::model::ParseIssue;
use futures::stream::{FuturesOrdered, StreamExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Pages with partly repeated ids tolerated before paging is called unstable and stopped
/// (one such page can be a server-side join that lists a user twice; several are an order
/// that shifts between requests).
const OVERLAPS_TOLERATED: usize = 2;

/// One parsed window of a page.
struct Page<T> {
    param: usize,
    items: Vec<T>,
    issues: Vec<ParseIssue>,
    error: Option<String>,
    /// Expected and received when the window stayed short after re-requests.
    short: Option<(usize, usize)>,
    /// Requests made for the window (more than one to fill a short window).
    requests: usize,
    /// totalResults as this page stated it.
    total: Option<usize>,
    /// Not fetched: paging had already stopped when its turn came.
    skipped: bool,
}

impl<T> Page<T> {
    fn empty(param: usize) -> Self {
        Page {
            param,
            items: Vec::new(),
            issues: Vec::new(),
            error: None,
            short: None,
            requests: 0,
            total: None,
            skipped: false,
        }
    }
}

/// Fetches the window of `step` resources from `param`, asking for the whole window even
/// when totalResults says fewer remain (a too-small totalResults shows itself that way),
/// and re-requests the remainder while the server answers short but non-empty before
/// `expected` resources came back, so a cap below the planned size leaves no gap.
async fn fetch_window<T: Resource>(
    f: &Fetcher,
    resource: &str,
    param: usize,
    step: usize,
    expected: usize,
    label: &str,
) -> Page<T> {
    let mut page = Page::empty(param);
    let mut got = 0usize;
    while got < step {
        let start = param + got;
        page.requests += 1;
        match get_list(f, &index_path(resource, start, step - got), label).await {
            Ok((parsed, _)) => {
                page.total = page.total.or(parsed.total);
                let n = parsed.resources.len().min(step - got);
                if n == 0 {
                    break;
                }
                let mut res = parsed.resources;
                res.truncate(n);
                page.items.extend(parse_items::<T>(
                    res,
                    &format!("{resource} startIndex {start}"),
                    &mut page.issues,
                ));
                got += n;
                if got >= expected {
                    break;
                }
            }
            Err(e) => {
                page.error = Some(format!("{resource} page at startIndex={start}: {e}"));
                break;
            }
        }
    }
    if got < expected && page.error.is_none() {
        page.short = Some((expected, got));
    }
    page
}

/// Notes a totalResults that differs from page 1's (the first difference is kept).
fn note_total(report: &mut PagingReport, total: Option<usize>) {
    if let (Some(first), Some(now)) = (report.total_results, total) {
        if now != first && report.total_drift.is_none() {
            report.total_drift = Some((first, now));
        }
    }
}

/// Lists every resource of `resource` ("Users", "Groups") by index pagination.
pub async fn list_index<T: Resource + 'static>(
    f: &Arc<Fetcher>,
    resource: &str,
    size: usize,
    requested_from: &str,
    progress: &Line,
) -> Listing<T> {
    let label = format!("GET /{resource}");
    let (mut report, mut asm) = begin::<T>(resource, Method::Index, size, requested_from);
    let max_pages = f.opts.max_pages;

    // First page: totalResults and the real page size.
    let (first, exchange) = match get_list(f, &index_path(resource, 1, size), &label).await {
        Ok(p) => p,
        Err(e) => {
            if e.starts_with("HTTP 404") || e.starts_with("HTTP 501") {
                report.unsupported = Some(format!("/{resource} answered {e}"));
            } else {
                report.incomplete.push(format!(
                    "the first page of /{resource} could not be fetched: {e}"
                ));
            }
            return finish(asm, report);
        }
    };
    report.first_page = Some(exchange);
    report.pages = 1;
    report.total_results = first.total;
    let total = first.total;
    let page1: Vec<T> = parse_items(
        first.resources,
        &format!("{resource} startIndex 1"),
        &mut asm.issues,
    );
    let n1 = page1.len();

    // The windows after page 1, planned from totalResults. The plan is the same whether
    // the server counts from 1 or from 0 (startIndex=1+n1 is the next unseen resource in
    // both), so the 0-based probe runs alongside the pages instead of before them.
    let covered_end = 1 + n1;
    let mut step = size;
    if n1 > 0 && n1 < size && total.is_some_and(|t| t > n1) {
        // A full page shorter than asked while more remain: a silent cap.
        report.observed_cap = Some(n1);
        step = n1;
    }
    let mut windows = match total {
        Some(t) if n1 > 0 && t > n1 => (t - n1).div_ceil(step),
        _ => 0,
    };
    let mut stopped = false;
    if 1 + windows > max_pages {
        report.incomplete.push(format!(
            "/{resource}: stopped after {} of {step} (--max-pages {max_pages}; totalResults {} needs {}): raise --max-pages",
            crate::util::plural(max_pages, "page", "pages"),
            total.unwrap_or(0),
            1 + windows
        ));
        windows = max_pages.saturating_sub(1);
        stopped = true;
    }
    f.allow_pages(1 + windows);
    progress.set_total(total.unwrap_or(n1).max(n1));
    let last_param = windows.checked_sub(1).map(|w| covered_end + w * step);
    let expected_for = move |p: usize| -> usize {
        match total {
            Some(t) => step.min(t.saturating_sub(p - 1)),
            None => step,
        }
    };

    // 0-based detection: a 1-based server treats startIndex=0 as 1 (same first resource); a
    // 0-based one answers one resource earlier, overlapping page 1 by all but one.
    let zero_probe = (n1 > 0).then(|| {
        let (f, resource, label) = (f.clone(), resource.to_string(), label.clone());
        tokio::spawn(async move {
            let (parsed, _) = get_list(&f, &index_path(&resource, 0, 2), &label)
                .await
                .ok()?;
            let mut issues = Vec::new();
            let items: Vec<T> = parse_items(
                parsed.resources,
                &format!("{resource} startIndex 0"),
                &mut issues,
            );
            Some((items, issues))
        })
    });
    let first_id = page1.first().map(|t| t.id().to_string());
    report.first_ids = page1.iter().map(|t| t.id().to_string()).collect();
    progress.inc(n1);
    asm.add(page1, 1, &mut report);

    // Each window is its own task, so that downloading and parsing one page never holds up
    // the others (on a multi-threaded runtime they also parse in parallel). The fetcher's
    // semaphore keeps the requests in flight at --concurrency; `buffered` starts a window
    // only when it is at most `ahead` windows past the last one verified, and `stop` keeps
    // the ones started after paging stopped from sending anything.
    let stop = Arc::new(AtomicBool::new(false));
    let start_window = |p: usize| {
        let (f, resource, label, progress, stop) = (
            f.clone(),
            resource.to_string(),
            label.clone(),
            progress.clone(),
            stop.clone(),
        );
        let expected = expected_for(p);
        let task = tokio::spawn(async move {
            if stop.load(Ordering::SeqCst) {
                return Page {
                    skipped: true,
                    ..Page::empty(p)
                };
            }
            let page = fetch_window::<T>(&f, &resource, p, step, expected, &label).await;
            progress.inc(page.items.len());
            page
        });
        // A task that died is a lost page, reported like any other, never dropped.
        async move {
            task.await.unwrap_or_else(|e| Page {
                error: Some(format!(
                    "page at startIndex={p}: the fetch task failed ({e})"
                )),
                ..Page::empty(p)
            })
        }
    };
    // The look-ahead grows with every page verified, from 2x to 8x --concurrency: a broken
    // server is caught within the first few pages, a healthy one keeps every permit busy
    // even when one page is slow (pages are verified in order).
    let c = f.opts.concurrency.max(1);
    let mut pages = FuturesOrdered::new();
    let mut next_window = 0usize;
    let mut verified = 0usize;
    let mut lost = Vec::new();
    let mut last_full = n1 > 0 && n1 >= step;
    let mut repeated = false;
    // A short window is a gap only when a later window still had resources; short windows
    // at the end just mean totalResults promised more than there was.
    let mut pending_short: Vec<String> = Vec::new();
    loop {
        let ahead = (2 * c + verified).min(8 * c);
        while next_window < windows && pages.len() < ahead && !stop.load(Ordering::SeqCst) {
            pages.push_back(start_window(covered_end + next_window * step));
            next_window += 1;
        }
        let Some(page) = pages.next().await else {
            break;
        };
        verified += 1;
        if page.skipped {
            continue;
        }
        report.pages += page.requests;
        asm.issues.extend(page.issues);
        note_total(&mut report, page.total);
        if let Some(e) = page.error {
            if e.contains("--max-requests") && !stop.swap(true, Ordering::SeqCst) {
                report.stopped_early = Some(format!(
                    "the request budget was spent at startIndex={}",
                    page.param
                ));
            }
            lost.push(e);
            last_full = false;
            continue;
        }
        let n = page.items.len();
        if n > 0 {
            report.gaps.append(&mut pending_short);
        }
        if let Some((expected, got)) = page.short {
            pending_short.push(format!(
                "startIndex={}: expected {expected} resources, got {got}",
                page.param
            ));
        }
        last_full = n >= step;
        let why = match asm.add(page.items, page.param, &mut report) {
            Added::Repeat => {
                repeated = true;
                Some(format!(
                    "startIndex={} repeated resources already received",
                    page.param
                ))
            }
            Added::New { duplicates } if duplicates > 0 => {
                report.overlapping_pages += 1;
                (report.overlapping_pages > OVERLAPS_TOLERATED).then(|| {
                    format!(
                        "{} pages up to startIndex={} overlapped earlier pages (the order shifts between requests)",
                        report.overlapping_pages, page.param
                    )
                })
            }
            Added::New { .. } if n == 0 => Some(format!(
                "startIndex={} came back empty while totalResults promised {}",
                page.param,
                total.unwrap_or(0)
            )),
            Added::New { .. } => None,
        };
        if let Some(why) = why {
            if !stop.swap(true, Ordering::SeqCst) {
                report.stopped_early = Some(why);
            }
        }
    }
    drop(pages);
    let unstable = report.overlapping_pages > OVERLAPS_TOLERATED;
    if !lost.is_empty() {
        report.incomplete.push(format!(
            "/{resource}: {} of the planned pages could not be fetched; first: {}",
            lost.len(),
            lost[0]
        ));
    }

    if let Some(task) = zero_probe {
        if let Ok(Some((items, issues))) = task.await {
            report.pages += 1;
            if items.len() == 2
                && first_id.as_deref() == Some(items[1].id())
                && first_id.as_deref() != Some(items[0].id())
                && !asm.seen.contains_key(items[0].id())
            {
                report.zero_based = true;
                asm.issues.extend(issues);
                let item = items.into_iter().next().expect("two items");
                asm.seen.insert(item.id().to_string(), 0);
                asm.items.insert(0, item);
                progress.inc(1);
                // Page 1 held every resource but the first: not a cap after all.
                if total == Some(n1 + 1) {
                    report.observed_cap = None;
                }
            }
        }
    }

    // Continue past the planned end while full pages of new resources keep coming: the
    // totalResults was too small, or absent. Sequential, and bounded by the budget.
    let stopped_early = report.stopped_early.is_some();
    if !stopped && !stopped_early && lost.is_empty() && last_full {
        let received_before = asm.items.len();
        let mut p = last_param.map(|lp| lp + step).unwrap_or(covered_end);
        loop {
            if report.pages >= max_pages {
                report.incomplete.push(format!(
                    "/{resource}: stopped after {max_pages} pages while full pages kept coming (--max-pages {max_pages}): raise --max-pages"
                ));
                break;
            }
            let page = fetch_window::<T>(f, resource, p, step, 1, &label).await;
            report.pages += page.requests;
            asm.issues.extend(page.issues);
            note_total(&mut report, page.total);
            if let Some(e) = page.error {
                report.incomplete.push(format!("/{resource}: {e}"));
                break;
            }
            let n = page.items.len();
            progress.inc(n);
            if n == 0 {
                break;
            }
            match asm.add(page.items, p, &mut report) {
                Added::Repeat => {
                    repeated = true;
                    break;
                }
                Added::New { duplicates } if duplicates > 0 => {
                    report.overlapping_pages += 1;
                    if report.overlapping_pages > OVERLAPS_TOLERATED {
                        break;
                    }
                }
                Added::New { .. } => {}
            }
            if n < step {
                break;
            }
            p += step;
        }
        report.beyond_total = asm.items.len().saturating_sub(received_before);
    }
    let received = asm.items.len();
    let of_total = total
        .map(|t| format!(" of totalResults {t}"))
        .unwrap_or_default();
    if repeated && total.is_none_or(|t| received < t) {
        report.incomplete.push(format!(
            "/{resource}: the server returned the same resources for different startIndex values (it ignores startIndex), so paging was stopped after {received} resources{of_total}"
        ));
    } else if unstable {
        report.incomplete.push(format!(
            "/{resource}: pages kept overlapping earlier pages (the server's order shifts between requests), so paging was stopped after {received} resources{of_total}: resources may be missing"
        ));
    }
    if f.past_deadline()
        && !report.incomplete.iter().any(|n| n.contains("--deadline"))
        && !report.incomplete.is_empty()
    {
        report.incomplete.push(format!(
            "/{resource}: the fetch hit the --deadline of {} s: raise --deadline",
            f.opts.deadline.as_secs()
        ));
    }
    progress.done();
    finish(asm, report)
}
