//! Fetching a whole tenant over SCIM, fast and without hurting the service: discovery
//! documents first, then Users and Groups by paging (`paging`: parallel index pages or RFC
//! 9865 cursors), every GET through the retrying, deadline-bound `retry::Fetcher`, then the
//! filter probes (`probe`), the paging and query probes (`behaviour`) and the GET-side
//! conformance probes (`conformance`: attributes parameters, error bodies). The fetch returns what it observed as plain facts
//! (`FetchReport`); the engine turns them into the protocol checks (`checks::protocol`), a
//! layer above this one. Partial data is kept and marked incomplete, never dropped.

pub mod behaviour;
pub mod conformance;
pub mod index;
pub mod paging;
pub mod probe;
pub mod progress;
pub mod retry;

use super::http::HttpClient;
use crate::model::{Group, Tenant, User};
use paging::{Listing, Method, PagingReport};
use probe::{Attr, ProbeOutcome};
use retry::{Fetcher, RequestStats};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub concurrency: usize,
    pub page_size: Option<usize>,
    pub max_pages: usize,
    /// `--max-requests`: a hard bound on every request of the fetch. `None` lets the budget
    /// grow with the tenant (`retry::Budget`).
    pub max_requests: Option<usize>,
    pub deadline: std::time::Duration,
    pub retries: u32,
    pub probe_sample: usize,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            concurrency: 4,
            page_size: None,
            max_pages: 100_000,
            max_requests: None,
            deadline: std::time::Duration::from_secs(1800),
            retries: 5,
            probe_sample: 5,
        }
    }
}

/// Progress reporting on stderr (hidden unless interactive).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub enabled: bool,
}

impl Progress {
    /// A spinner on stderr naming a phase of the run ("reading the snapshot", "auditing"),
    /// with the time it has taken; nothing when progress is off (-q, not a terminal).
    /// `finish_and_clear` it when the phase ends.
    pub fn phase(&self, what: &str) -> indicatif::ProgressBar {
        if !self.enabled {
            return indicatif::ProgressBar::hidden();
        }
        let b = indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        b.set_message(what.to_string());
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    }
}

pub struct FetchOutcome {
    pub tenant: Tenant,
    /// What the fetch observed (paging, filters, latency, the probes' answers).
    pub report: FetchReport,
}

/// Page size used when neither `--page-size` nor the server says otherwise (what Okta asks).
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// An advertised maximum above this is not trusted blindly: huge pages hit `--max-body-mib`
/// and proxies' timeouts long before they save requests.
pub const MAX_ADVERTISED_PAGE_SIZE: usize = 1000;

/// Everything the fetch observed, for the protocol checks.
#[derive(Debug, Clone, Default)]
pub struct FetchReport {
    pub users: PagingReport,
    pub groups: PagingReport,
    pub stats: RequestStats,
    pub username: ProbeOutcome,
    pub externalid: ProbeOutcome,
    /// The deliberate paging and query probes.
    pub behaviour: behaviour::BehaviourReport,
    /// The `attributes` / `excludedAttributes` and error-answer probes.
    pub conformance: conformance::ConformanceReport,
    /// Requests sent and the budget they were allowed (`--max-requests` or the default).
    pub budget: (usize, usize),
    pub concurrency: usize,
    pub elapsed: Duration,
    /// Discovery documents that could not be fetched (not fatal).
    pub discovery_notes: Vec<String>,
    pub users_fetched: usize,
    pub groups_fetched: usize,
    pub complete: bool,
    pub notes: Vec<String>,
}

fn lookup<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn as_usize(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The page size to ask for and where it came from.
pub fn plan_page_size(opts: &FetchOptions, spc: Option<&Value>) -> (usize, String) {
    if let Some(n) = opts.page_size {
        return (n, "--page-size".into());
    }
    let advertised = spc.and_then(|spc| {
        lookup(spc, "pagination")
            .and_then(|p| lookup(p, "maxPageSize"))
            .and_then(as_usize)
            .map(|n| (n, "ServiceProviderConfig pagination.maxPageSize"))
            .or_else(|| {
                lookup(spc, "filter")
                    .and_then(|f| lookup(f, "maxResults"))
                    .and_then(as_usize)
                    .map(|n| (n, "ServiceProviderConfig filter.maxResults"))
            })
    });
    match advertised {
        Some((n, from)) if n > 0 => {
            let n = n.min(MAX_ADVERTISED_PAGE_SIZE);
            (n, from.to_string())
        }
        _ => (DEFAULT_PAGE_SIZE, "the default".into()),
    }
}

/// The page maximum the server advertises (`pagination.maxPageSize`, else
/// `filter.maxResults`), as it says it.
pub fn advertised_max(spc: Option<&Value>) -> Option<usize> {
    let spc = spc?;
    lookup(spc, "pagination")
        .and_then(|p| lookup(p, "maxPageSize"))
        .and_then(as_usize)
        .or_else(|| {
            lookup(spc, "filter")
                .and_then(|f| lookup(f, "maxResults"))
                .and_then(as_usize)
        })
        .filter(|&n| n > 0)
}

/// Cursor paging when the server advertises it and prefers it (or offers nothing else):
/// index pages can be fetched in parallel, cursors cannot.
pub fn plan_method(spc: Option<&Value>) -> Method {
    let Some(p) = spc.and_then(|s| lookup(s, "pagination")) else {
        return Method::Index;
    };
    let cursor = lookup(p, "cursor")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let index = lookup(p, "index").and_then(Value::as_bool).unwrap_or(true);
    let prefers_cursor = lookup(p, "defaultPaginationMethod")
        .and_then(Value::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("cursor"));
    if cursor && (!index || prefers_cursor) {
        Method::Cursor
    } else {
        Method::Index
    }
}

async fn discovery(f: &Fetcher, tenant: &mut Tenant, notes: &mut Vec<String>) {
    const DOCS: [&str; 3] = ["ServiceProviderConfig", "Schemas", "ResourceTypes"];
    let answers = futures::future::join_all(
        DOCS.iter()
            .map(|name| async move { f.get(name, &format!("GET /{name}")).await }),
    )
    .await;
    for (name, answer) in DOCS.iter().zip(answers) {
        let doc = match answer {
            Ok(r) if r.status == 200 => match r.json() {
                Some(v) => Some(v),
                None => {
                    notes.push(format!("/{name} answered 200 but the body is not JSON"));
                    None
                }
            },
            Ok(r) => {
                notes.push(format!("/{name} answered HTTP {}", r.status));
                None
            }
            Err(e) => {
                notes.push(format!("/{name} could not be fetched: {}", e.describe()));
                None
            }
        };
        let d = &mut tenant.discovery;
        match *name {
            "ServiceProviderConfig" => d.service_provider_config = doc,
            "Schemas" => d.schemas = doc,
            _ => d.resource_types = doc,
        }
    }
}

async fn list<T: paging::Resource + 'static>(
    f: &Arc<Fetcher>,
    resource: &str,
    method: Method,
    size: usize,
    from: &str,
    line: progress::Line,
) -> Listing<T> {
    match method {
        Method::Index => index::list_index(f, resource, size, from, &line).await,
        Method::Cursor => paging::list_cursor(f, resource, size, from, &line).await,
    }
}

/// Fetches the tenant and what the fetch observed; never fails: what could not be fetched
/// is recorded in the tenant's completeness and in the report.
pub async fn fetch_tenant(
    client: &HttpClient,
    opts: &FetchOptions,
    progress: &Progress,
) -> FetchOutcome {
    let (tenant, report) = fetch_with_report(client, opts, progress).await;
    FetchOutcome { tenant, report }
}

/// `fetch_tenant` with the raw observations (for tests and the benchmark).
pub async fn fetch_with_report(
    client: &HttpClient,
    opts: &FetchOptions,
    progress: &Progress,
) -> (Tenant, FetchReport) {
    let f = Arc::new(Fetcher::new(client.clone(), opts.clone()));
    let mut tenant = Tenant::new(client.endpoint.host());
    let mut report = FetchReport {
        concurrency: opts.concurrency,
        ..Default::default()
    };
    discovery(&f, &mut tenant, &mut report.discovery_notes).await;
    let spc = tenant.discovery.service_provider_config.clone();
    let (size, from) = plan_page_size(opts, spc.as_ref());
    let method = plan_method(spc.as_ref());
    let bar = progress::Bar::new(progress.enabled);

    // Both lists at once: the shared --concurrency bound keeps the server's load the same.
    let (users, groups): (Listing<User>, Listing<Group>) = futures::join!(
        list(&f, "Users", method, size, &from, bar.line("users")),
        list(&f, "Groups", method, size, &from, bar.line("groups"))
    );
    bar.finish();

    tenant.completeness.users_complete = users.report.incomplete.is_empty();
    tenant.completeness.groups_complete = groups.report.incomplete.is_empty();
    tenant
        .completeness
        .notes
        .extend(users.report.incomplete.iter().cloned());
    tenant
        .completeness
        .notes
        .extend(groups.report.incomplete.iter().cloned());
    if let Some(u) = &users.report.unsupported {
        // Every SCIM service provider serves /Users: this is a wrong base URL or a broken
        // server, not an empty tenant.
        tenant.completeness.users_complete = false;
        tenant.completeness.notes.push(format!("no users: {u}"));
    }
    if let Some(u) = &groups.report.unsupported {
        tenant.completeness.notes.push(format!("no groups: {u}"));
    }
    tenant.parse_issues.extend(users.issues);
    tenant.parse_issues.extend(groups.issues);
    tenant.users = users.items;
    tenant.groups = groups.items;
    // Ids received twice were kept once: the tenant records them, as an offline load does,
    // so that `input-integrity` reports them the same way live and offline.
    for (kind, rep) in [("user", &users.report), ("group", &groups.report)] {
        tenant.duplicates.extend(
            rep.duplicates
                .iter()
                .map(|(id, at)| crate::model::DuplicateId {
                    kind: kind.into(),
                    id: id.clone(),
                    position: format!("/{} {at}", rep.resource),
                    differs: false,
                }),
        );
    }
    tenant.completeness.users_expected = users.report.total_results;
    tenant.completeness.groups_expected = groups.report.total_results;
    tenant.count_read();
    report.users = users.report;
    report.groups = groups.report;

    let listed: Vec<behaviour::Listed> = [&report.users, &report.groups]
        .into_iter()
        .filter(|p| p.unsupported.is_none() && p.first_page.is_some())
        .map(|p| behaviour::Listed {
            resource: &p.resource,
            end: p.total_results.unwrap_or(p.received),
            first_ids: p.first_ids.clone(),
            page_size: size,
            by_cursor: p.method == Method::Cursor,
        })
        .collect();
    let probe_group = behaviour::lookup_target(&tenant.groups);
    let (username, externalid, behaviour, conformance) = futures::join!(
        probe::probe(&f, &tenant.users, Attr::UserName, opts.probe_sample),
        probe::probe(&f, &tenant.users, Attr::ExternalId, opts.probe_sample),
        behaviour::probe(&f, &tenant, &listed, advertised_max(spc.as_ref())),
        conformance::probe(&f, &tenant, !listed.is_empty(), probe_group)
    );
    report.username = username;
    report.externalid = externalid;
    report.behaviour = behaviour;
    report.conformance = conformance;
    report.budget = f.budget();

    report.stats = f.stats();
    report.elapsed = f.started.elapsed();
    report.users_fetched = tenant.users.len();
    report.groups_fetched = tenant.groups.len();
    report.complete = tenant.is_complete();
    report.notes = tenant.completeness.notes.clone();
    (tenant, report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_size_comes_from_the_flag_then_the_advertisement_then_the_default() {
        let mut o = FetchOptions::default();
        let spc = json!({"filter": {"supported": true, "maxResults": 200}});
        assert_eq!(plan_page_size(&o, Some(&spc)).0, 200);
        let spc2 = json!({"pagination": {"maxPageSize": 500}, "filter": {"maxResults": 200}});
        assert_eq!(plan_page_size(&o, Some(&spc2)).0, 500);
        assert_eq!(
            plan_page_size(&o, Some(&json!({"filter": {"maxResults": 100000}}))).0,
            1000
        );
        assert_eq!(plan_page_size(&o, None).0, DEFAULT_PAGE_SIZE);
        o.page_size = Some(7);
        assert_eq!(plan_page_size(&o, Some(&spc)), (7, "--page-size".into()));
    }

    #[test]
    fn cursor_paging_only_when_preferred_or_the_only_method() {
        assert_eq!(plan_method(None), Method::Index);
        let both = json!({"pagination": {"cursor": true, "index": true, "defaultPaginationMethod": "index"}});
        assert_eq!(plan_method(Some(&both)), Method::Index);
        let pref = json!({"pagination": {"cursor": true, "index": true, "defaultPaginationMethod": "cursor"}});
        assert_eq!(plan_method(Some(&pref)), Method::Cursor);
        let only = json!({"pagination": {"cursor": true, "index": false}});
        assert_eq!(plan_method(Some(&only)), Method::Cursor);
    }
}
