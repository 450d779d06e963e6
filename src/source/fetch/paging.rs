//! What listing one resource type (`Users` or `Groups`) shares across paging methods: the
//! resource trait, the `PagingReport` the protocol checks read, list-page parsing, the
//! in-order assembly that notices repeated and duplicate ids, and RFC 9865 cursor paging
//! (sequential by nature; stopped at the first cursor or page handed out twice). Index
//! paging lives in `index`. Whatever bound stops a listing (`--max-pages`,
//! `--max-requests`, `--deadline`, `--retries`, `--max-body-mib`), the resources received
//! are kept and the bound is written into `incomplete`.

use super::retry::Fetcher;
use crate::findings::Exchange;
use crate::model::{parse_group, parse_list_or_array, parse_user, Group, ParseIssue, User};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

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
    /// totalResults as page 1 said it and the first different value a later page said
    /// (a count that moves while paging: the end can never be planned).
    pub total_drift: Option<(usize, usize)>,
    /// Pages whose ids partly repeated earlier pages (an unstable order).
    pub overlapping_pages: usize,
    /// Why paging stopped before the planned end, when it did (a repeat, an unstable order,
    /// an empty page while totalResults promised more).
    pub stopped_early: Option<String>,
    /// Ids of the first page, in server order (the behaviour probes compare with them).
    pub first_ids: Vec<String>,
}

pub struct Listing<T> {
    pub items: Vec<T>,
    pub issues: Vec<ParseIssue>,
    pub report: PagingReport,
}

pub(super) struct Parsed {
    pub total: Option<usize>,
    pub resources: Vec<Value>,
    pub next_cursor: Option<String>,
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

pub(super) fn parse_items<T: Resource>(
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
pub(super) async fn get_list(
    f: &Fetcher,
    path: &str,
    label: &str,
) -> Result<(Parsed, Exchange), String> {
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

pub(super) fn index_path(resource: &str, start: usize, count: usize) -> String {
    format!("{resource}?startIndex={start}&count={count}")
}

/// What adding a page to the assembly showed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Added {
    /// Every id on the page had been received before: the page repeats.
    Repeat,
    /// New resources, with this many ids already received (kept once).
    New { duplicates: usize },
}

/// Where a listing stands while pages are assembled in order.
pub(super) struct Assembly<T> {
    pub items: Vec<T>,
    pub seen: HashMap<String, usize>,
    pub issues: Vec<ParseIssue>,
}

impl<T: Resource> Assembly<T> {
    /// Adds a page in server order and says whether it brought anything new.
    pub fn add(&mut self, page_items: Vec<T>, param: usize, report: &mut PagingReport) -> Added {
        if !page_items.is_empty() && page_items.iter().all(|t| self.seen.contains_key(t.id())) {
            let first = page_items
                .first()
                .and_then(|t| self.seen.get(t.id()))
                .copied()
                .unwrap_or(1);
            report.repeated_pages.push(format!(
                "startIndex={param} repeats resources first received at startIndex={first}"
            ));
            return Added::Repeat;
        }
        let mut duplicates = 0;
        for t in page_items {
            if self.seen.contains_key(t.id()) {
                duplicates += 1;
                report
                    .duplicates
                    .push((t.id().to_string(), format!("startIndex={param}")));
                continue;
            }
            self.seen.insert(t.id().to_string(), param);
            self.items.push(t);
        }
        Added::New { duplicates }
    }
}

/// An empty report and assembly for one listing.
pub(super) fn begin<T: Resource>(
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

/// Lists every resource by cursor (RFC 9865): sequential by nature.
pub async fn list_cursor<T: Resource>(
    f: &Fetcher,
    resource: &str,
    size: usize,
    requested_from: &str,
    progress: &super::progress::Line,
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
            report.first_ids = parsed
                .resources
                .iter()
                .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
                .collect();
            report.total_results = parsed.total;
            if let Some(t) = parsed.total {
                progress.set_total(t);
                f.allow_pages(t.div_ceil(size.max(1)));
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
        if asm.add(items, page_no, &mut report) == Added::Repeat {
            report.stopped_early = Some(format!(
                "cursor page {page_no} repeated resources already received"
            ));
            report.incomplete.push(format!(
                "/{resource}: cursor page {page_no} repeats resources already received: paging was stopped"
            ));
            break;
        }
        match parsed.next_cursor {
            None => break,
            Some(next) => {
                if !cursors_seen.insert(next.clone()) {
                    report.stopped_early = Some(format!(
                        "cursor page {page_no} handed out a nextCursor already followed"
                    ));
                    report.incomplete.push(format!(
                        "/{resource}: the server handed out the same nextCursor twice: paging was stopped"
                    ));
                    break;
                }
                cursor = next;
            }
        }
    }
    progress.done();
    finish(asm, report)
}

pub(super) fn finish<T: Resource>(asm: Assembly<T>, mut report: PagingReport) -> Listing<T> {
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
