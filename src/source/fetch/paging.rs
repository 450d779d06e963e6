//! Listing one resource type (`Users` or `Groups`) completely.
//!
//! Index pagination (RFC 7644 §3.4.2.4): the first page gives `totalResults`; the rest are
//! planned from it and fetched in parallel (bounded by `--concurrency`), then assembled in
//! server order. Along the way the server's deviations are detected and worked around:
//! a silent page cap (a full page shorter than asked: re-planned with the real size, short
//! windows re-requested so there are no gaps), 0-based `startIndex` (an off-by-one overlap
//! between `startIndex=0` and `startIndex=1`), a `totalResults` that is too small (full pages
//! keep coming: paging continues), pages that repeat (stopped: the server ignores
//! `startIndex`), and duplicate ids across pages (kept once).
//!
//! Cursor pagination (RFC 9865) is used when the ServiceProviderConfig prefers it. Whatever
//! bound stops a listing (`--max-pages`, `--deadline`, `--retries`, `--max-body-mib`), the
//! resources received are kept and the bound is written into `incomplete`.

use super::retry::Fetcher;
use crate::findings::Exchange;
use crate::model::{parse_group, parse_list_or_array, parse_user, Group, ParseIssue, User};
use futures::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A resource the lister can parse and identify.
pub trait Resource: Sized + Send {
    fn parse(v: Value, position: &str) -> Result<Self, ParseIssue>;
    fn id(&self) -> &str;
}

impl Resource for User {
    fn parse(v: Value, position: &str) -> Result<Self, ParseIssue> {
        parse_user(v, position)
    }
    fn id(&self) -> &str {
        &self.id
    }
}

impl Resource for Group {
    fn parse(v: Value, position: &str) -> Result<Self, ParseIssue> {
        parse_group(v, position)
    }
    fn id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Index,
    Cursor,
}

/// Everything the protocol checks need to know about how a listing went.
#[derive(Debug, Clone, Default)]
pub struct PagingReport {
    pub resource: String,
    pub method: Method,
    /// Page size asked for, and where that number came from.
    pub requested: usize,
    pub requested_from: String,
    /// Size of the first page when it was full yet shorter than asked (a silent cap).
    pub observed_cap: Option<usize>,
    pub total_results: Option<usize>,
    /// Distinct resources kept.
    pub received: usize,
    pub pages: usize,
    /// Ids that came back more than once, with where the repeat was seen.
    pub duplicates: Vec<(String, String)>,
    /// Pages whose every id had already been received.
    pub repeated_pages: Vec<String>,
    /// Windows that came back short and could not be completed.
    pub gaps: Vec<String>,
    pub zero_based: bool,
    /// Resources found after the end `totalResults` implied.
    pub beyond_total: usize,
    /// Bounds hit and pages lost: each note names the flag that raises the bound.
    pub incomplete: Vec<String>,
    /// Set when paging ended cleanly but short of `totalResults` (the only reason in
    /// `incomplete` then): the server's paging or its count is wrong, and which is unknown.
    pub short_of_total: Option<usize>,
    /// The resource type is not served at all (404/501 on the first page).
    pub unsupported: Option<String>,
    pub first_page: Option<Exchange>,
}

pub struct Listing<T> {
    pub items: Vec<T>,
    pub issues: Vec<ParseIssue>,
    pub report: PagingReport,
}

/// One parsed page (or window of a page).
struct Page<T> {
    param: usize,
    items: Vec<T>,
    issues: Vec<ParseIssue>,
    error: Option<String>,
    /// Expected and received when the window stayed short after re-requests.
    short: Option<(usize, usize)>,
    /// Sub-requests made to fill a short window.
    requests: usize,
}

struct Parsed {
    total: Option<usize>,
    resources: Vec<Value>,
    next_cursor: Option<String>,
}

/// Takes the page apart without copying it (a page can be megabytes).
fn parse_list(body: Value) -> Result<Parsed, String> {
    let get = |k: &str| {
        body.as_object().and_then(|m| {
            m.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v)
        })
    };
    let total = get("totalResults").and_then(|v| match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    });
    let next_cursor = get("nextCursor")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let resources = parse_list_or_array(body)?;
    Ok(Parsed {
        total,
        resources,
        next_cursor,
    })
}

fn parse_items<T: Resource>(
    resources: Vec<Value>,
    where_: &str,
    issues: &mut Vec<ParseIssue>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(resources.len());
    for (i, v) in resources.into_iter().enumerate() {
        match T::parse(v, &format!("{where_} item {i}")) {
            Ok(t) => out.push(t),
            Err(e) => issues.push(e),
        }
    }
    out
}

/// GET one list request and parse it; `Err` is a human reason the page was lost.
async fn get_list(f: &Fetcher, path: &str, label: &str) -> Result<(Parsed, Exchange), String> {
    let resp = f.get(path, label).await.map_err(|e| e.describe())?;
    if resp.status != 200 {
        return Err(format!(
            "HTTP {} ({})",
            resp.status,
            resp.text_excerpt(120).replace('\n', " ")
        ));
    }
    let body: Value =
        serde_json::from_slice(&resp.body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let parsed = parse_list(body)?;
    Ok((parsed, resp.exchange))
}

fn index_path(resource: &str, start: usize, count: usize) -> String {
    format!("{resource}?startIndex={start}&count={count}")
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
    let mut page = Page {
        param,
        items: Vec::new(),
        issues: Vec::new(),
        error: None,
        short: None,
        requests: 0,
    };
    let mut got = 0usize;
    while got < step {
        let start = param + got;
        page.requests += 1;
        match get_list(f, &index_path(resource, start, step - got), label).await {
            Ok((parsed, _)) => {
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

/// Where a listing stands while pages are assembled in order.
struct Assembly<T> {
    items: Vec<T>,
    seen: HashMap<String, usize>,
    issues: Vec<ParseIssue>,
}

impl<T: Resource> Assembly<T> {
    /// Adds a page; returns false when every id on it had been received already.
    fn add(&mut self, page_items: Vec<T>, param: usize, report: &mut PagingReport) -> bool {
        if !page_items.is_empty() && page_items.iter().all(|t| self.seen.contains_key(t.id())) {
            let first = page_items
                .first()
                .and_then(|t| self.seen.get(t.id()))
                .copied()
                .unwrap_or(1);
            report.repeated_pages.push(format!(
                "startIndex={param} repeats resources first received at startIndex={first}"
            ));
            return false;
        }
        for t in page_items {
            if self.seen.contains_key(t.id()) {
                report
                    .duplicates
                    .push((t.id().to_string(), format!("startIndex={param}")));
                continue;
            }
            self.seen.insert(t.id().to_string(), param);
            self.items.push(t);
        }
        true
    }
}

/// An empty report and assembly for one listing.
fn begin<T: Resource>(
    resource: &str,
    method: Method,
    size: usize,
    requested_from: &str,
) -> (PagingReport, Assembly<T>) {
    let report = PagingReport {
        resource: resource.to_string(),
        method,
        requested: size,
        requested_from: requested_from.to_string(),
        ..Default::default()
    };
    let asm = Assembly {
        items: Vec::new(),
        seen: HashMap::new(),
        issues: Vec::new(),
    };
    (report, asm)
}

/// Lists every resource of `resource` ("Users", "Groups") by index pagination.
pub async fn list_index<T: Resource + 'static>(
    f: &Arc<Fetcher>,
    resource: &str,
    size: usize,
    requested_from: &str,
    progress: &super::progress::Bar,
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
    if let Some(t) = total {
        progress.add_total(t);
    }
    let mut issues = Vec::new();
    let page1: Vec<T> = parse_items(
        first.resources,
        &format!("{resource} startIndex 1"),
        &mut issues,
    );
    asm.issues.extend(issues);
    let n1 = page1.len();

    // The windows after page 1, planned from totalResults. The plan is the same whether
    // the server counts from 1 or from 0 (startIndex=1+n1 is the next unseen resource in
    // both), so the 0-based probe below runs alongside the pages instead of before them.
    let covered_end = 1 + n1; // next startIndex to ask for
    let remaining_after_p1 = total.map(|t| t.saturating_sub(n1));
    let mut step = size;
    if n1 > 0 && n1 < size && remaining_after_p1.is_some_and(|r| r > 0) {
        // A full page shorter than asked while more remain: a silent cap.
        report.observed_cap = Some(n1);
        step = n1;
    }
    let mut params = Vec::new();
    if let Some(t) = total {
        let mut p = covered_end;
        while p - 1 < t && n1 > 0 {
            params.push(p);
            p += step;
        }
    }
    let mut stopped = false;
    if 1 + params.len() > max_pages {
        let keep = max_pages.saturating_sub(1);
        report.incomplete.push(format!(
            "/{resource}: stopped after {max_pages} pages of {step} (--max-pages {max_pages}; totalResults {} needs {}): raise --max-pages",
            total.unwrap_or(0),
            1 + params.len()
        ));
        params.truncate(keep);
        stopped = true;
    }

    let last_param = params.last().copied();
    let expected_for = |p: usize| -> usize {
        match total {
            Some(t) => step.min(t.saturating_sub(p - 1)),
            None => step,
        }
    };
    // Each window is its own task, so that downloading and parsing one page never holds up
    // the others (on a multi-threaded runtime they also parse in parallel). The fetcher's
    // semaphore keeps the requests in flight at --concurrency.
    let pages_fut = stream::iter(params.into_iter().map(|p| {
        let (f, resource, label, progress) = (
            f.clone(),
            resource.to_string(),
            label.clone(),
            progress.clone(),
        );
        let expected = expected_for(p);
        let task = tokio::spawn(async move {
            let page = fetch_window::<T>(&f, &resource, p, step, expected, &label).await;
            progress.inc(page.items.len());
            page
        });
        // A task that died is a lost page, reported like any other, never silently dropped.
        async move {
            task.await.unwrap_or_else(|e| Page {
                param: p,
                items: Vec::new(),
                issues: Vec::new(),
                error: Some(format!(
                    "page at startIndex={p}: the fetch task failed ({e})"
                )),
                short: None,
                requests: 0,
            })
        }
    }))
    .buffer_unordered(f.opts.concurrency.max(1) * 2)
    .collect::<Vec<Page<T>>>();
    // 0-based detection: a 1-based server treats startIndex=0 as 1 (same first resource); a
    // 0-based one answers one resource earlier, overlapping page 1 by all but one.
    let probe_fut = async {
        if n1 == 0 {
            return None;
        }
        get_list(f, &index_path(resource, 0, 2), &label).await.ok()
    };
    let (probe, mut pages) = futures::join!(probe_fut, pages_fut);
    pages.sort_by_key(|p| p.param);
    if let Some((probe, _)) = probe {
        report.pages += 1;
        let mut probe_issues = Vec::new();
        let probe_items: Vec<T> = parse_items(
            probe.resources,
            &format!("{resource} startIndex 0"),
            &mut probe_issues,
        );
        if probe_items.len() == 2
            && probe_items[1].id() == page1[0].id()
            && probe_items[0].id() != page1[0].id()
        {
            report.zero_based = true;
            asm.issues.extend(probe_issues);
            let mut probe_items = probe_items;
            probe_items.truncate(1);
            asm.add(probe_items, 0, &mut report);
            progress.inc(1);
            // Page 1 held every resource but the first: not a cap after all.
            if total == Some(n1 + 1) {
                report.observed_cap = None;
            }
        }
    }
    progress.inc(n1);
    asm.add(page1, 1, &mut report);

    let mut lost = Vec::new();
    let mut last_full = n1 > 0 && (n1 >= step);
    let mut repeated = false;
    // A short window is a gap only when a later window still had resources; short windows
    // at the end just mean totalResults promised more than there was.
    let mut pending_short: Vec<String> = Vec::new();
    for page in pages {
        report.pages += page.requests;
        asm.issues.extend(page.issues);
        if let Some(e) = page.error {
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
        if !asm.add(page.items, page.param, &mut report) {
            repeated = true;
        }
    }
    if !lost.is_empty() {
        report.incomplete.push(format!(
            "/{resource}: {} of the planned pages could not be fetched; first: {}",
            lost.len(),
            lost[0]
        ));
    }

    // Continue past the planned end while full pages of new resources keep coming: the
    // totalResults was too small, or absent.
    if !stopped && !repeated && lost.is_empty() && last_full {
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
            if let Some(e) = page.error {
                report.incomplete.push(format!("/{resource}: {e}"));
                break;
            }
            let n = page.items.len();
            progress.inc(n);
            if n == 0 {
                break;
            }
            if !asm.add(page.items, p, &mut report) {
                repeated = true;
                break;
            }
            if n < step {
                break;
            }
            p += step;
        }
        report.beyond_total = asm.items.len().saturating_sub(received_before);
    }
    if repeated {
        let total_ok = total.is_some_and(|t| asm.items.len() >= t);
        if !total_ok {
            report.incomplete.push(format!(
                "/{resource}: the server returned the same resources for different startIndex values (it ignores startIndex), so paging was stopped after {} resources{}",
                asm.items.len(),
                total.map(|t| format!(" of totalResults {t}")).unwrap_or_default()
            ));
        }
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
    finish(asm, report)
}

/// Lists every resource by cursor (RFC 9865): sequential by nature.
pub async fn list_cursor<T: Resource>(
    f: &Fetcher,
    resource: &str,
    size: usize,
    requested_from: &str,
    progress: &super::progress::Bar,
) -> Listing<T> {
    let label = format!("GET /{resource}");
    let (mut report, mut asm) = begin::<T>(resource, Method::Cursor, size, requested_from);
    let mut cursor = String::new();
    let mut cursors_seen = HashSet::new();
    loop {
        if report.pages >= f.opts.max_pages {
            report.incomplete.push(format!(
                "/{resource}: stopped after {} pages (--max-pages): raise --max-pages",
                report.pages
            ));
            break;
        }
        let enc: String = url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        let path = format!("{resource}?cursor={enc}&count={size}");
        let (parsed, exchange) = match get_list(f, &path, &label).await {
            Ok(p) => p,
            Err(e) => {
                if report.pages == 0 && (e.starts_with("HTTP 404") || e.starts_with("HTTP 501")) {
                    report.unsupported = Some(format!("/{resource} answered {e}"));
                } else {
                    report.incomplete.push(format!(
                        "/{resource} page {} (cursor paging): {e}",
                        report.pages + 1
                    ));
                }
                break;
            }
        };
        if report.pages == 0 {
            report.first_page = Some(exchange);
            report.total_results = parsed.total;
            if let Some(t) = parsed.total {
                progress.add_total(t);
            }
        }
        report.pages += 1;
        let page_no = report.pages;
        let items: Vec<T> = parse_items(
            parsed.resources,
            &format!("{resource} page {page_no}"),
            &mut asm.issues,
        );
        let n = items.len();
        if page_no == 1 && n > 0 && n < size && parsed.next_cursor.is_some() {
            report.observed_cap = Some(n);
        }
        progress.inc(n);
        if !asm.add(items, page_no, &mut report) {
            report.incomplete.push(format!(
                "/{resource}: cursor page {page_no} repeats resources already received: paging was stopped"
            ));
            break;
        }
        match parsed.next_cursor {
            None => break,
            Some(next) => {
                if !cursors_seen.insert(next.clone()) {
                    report.incomplete.push(format!(
                        "/{resource}: the server handed out the same nextCursor twice: paging was stopped"
                    ));
                    break;
                }
                cursor = next;
            }
        }
    }
    finish(asm, report)
}

fn finish<T: Resource>(asm: Assembly<T>, mut report: PagingReport) -> Listing<T> {
    report.received = asm.items.len();
    // A server that announces more than it serves may be hiding resources behind broken
    // paging: nothing proves the rest does not exist, so the data is not called complete.
    let seen = report.received + asm.issues.len();
    if let Some(total) = report.total_results.filter(|&t| t > seen) {
        if report.incomplete.is_empty() && report.unsupported.is_none() {
            report.short_of_total = Some(total - seen);
            report.incomplete.push(format!(
                "/{}: the server announced totalResults {total} but served {seen}; the other {} may exist \
                 (fetch again, or ask the vendor why paging stops short)",
                report.resource,
                total - seen
            ));
        }
    }
    Listing {
        items: asm.items,
        issues: asm.issues,
        report,
    }
}
