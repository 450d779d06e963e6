//! Fetching a whole tenant over SCIM. Owned by the fetch work: replaced by the concurrent,
//! retrying, bounded fetcher with protocol checks.

use super::http::HttpClient;
use crate::findings::CheckResult;
use crate::model::{parse_group, parse_list_or_array, parse_user, Tenant};

#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub concurrency: usize,
    pub page_size: Option<usize>,
    pub max_pages: usize,
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

pub struct FetchOutcome {
    pub tenant: Tenant,
    pub protocol: Vec<CheckResult>,
}

pub async fn fetch_tenant(client: &HttpClient, opts: &FetchOptions, _progress: &Progress) -> FetchOutcome {
    let mut tenant = Tenant::new(client.endpoint.host());
    let size = opts.page_size.unwrap_or(100);
    for (path, is_user) in [("Users", true), ("Groups", false)] {
        let mut start = 1;
        loop {
            let Ok(resp) = client.get(&format!("{path}?startIndex={start}&count={size}")).await else {
                break;
            };
            let Some(items) = resp.json().and_then(|v| parse_list_or_array(v).ok()) else {
                break;
            };
            if items.is_empty() {
                break;
            }
            let n = items.len();
            for (i, item) in items.into_iter().enumerate() {
                let pos = format!("{path} startIndex {start} item {i}");
                if is_user {
                    match parse_user(item, &pos) {
                        Ok(u) => tenant.users.push(u),
                        Err(e) => tenant.parse_issues.push(e),
                    }
                } else {
                    match parse_group(item, &pos) {
                        Ok(g) => tenant.groups.push(g),
                        Err(e) => tenant.parse_issues.push(e),
                    }
                }
            }
            start += n;
        }
    }
    FetchOutcome {
        tenant,
        protocol: Vec::new(),
    }
}
