//! One GET, done politely: retries with exponential backoff and jitter on 429/502/503/504
//! and on connection resets, honouring Retry-After (seconds or HTTP-date, capped per wait),
//! a pause shared by every in-flight request after a 429, and the overall `--deadline`.
//! Every attempt's latency and every wait is recorded for the protocol checks.

use super::FetchOptions;
use crate::findings::Exchange;
use crate::source::http::{HttpClient, Response, TransportError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest single wait, whatever Retry-After asks for: beyond this a fetch is better
/// stopped (and reported) than left hanging.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// First backoff step; doubled per attempt up to `MAX_BACKOFF`.
const BASE_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How many 429 exchanges are kept as evidence.
const EVIDENCE_KEPT: usize = 5;

/// Why a GET produced no usable response. The texts name the flag that changes the bound.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The overall deadline passed.
    Deadline,
    /// Still failing after every retry ("HTTP 503", "connection failed: ...").
    GaveUp { what: String, attempts: u32 },
    /// The body exceeded `--max-body-mib`.
    TooLarge(u64),
    /// A failure that retrying cannot fix.
    Transport(String),
    /// The request budget (`--max-requests`, or the default that grows with the tenant)
    /// was spent: the number of requests allowed.
    Budget(usize),
}

impl FetchError {
    pub fn describe(&self) -> String {
        match self {
            FetchError::Deadline => "the --deadline passed".into(),
            FetchError::GaveUp { what, attempts } => {
                format!("{what} after {attempts} attempts (raise --retries)")
            }
            FetchError::TooLarge(cap) => {
                format!("the response was larger than {cap} bytes (raise --max-body-mib)")
            }
            FetchError::Transport(e) => e.clone(),
            FetchError::Budget(n) => {
                format!("the budget of {n} requests was spent (raise --max-requests)")
            }
        }
    }
}

/// Latency and politeness figures of a run, read by the protocol checks.
#[derive(Debug, Clone, Default)]
pub struct RequestStats {
    pub requests: usize,
    /// Response latency in ms per endpoint label ("GET /Users (page)").
    pub latencies: BTreeMap<String, Vec<u64>>,
    /// 429 responses seen.
    pub rate_limited: usize,
    /// Time spent waiting because of 429s (Retry-After or backoff), ms.
    pub rate_wait_ms: u64,
    /// Time spent in backoff for other retryable failures, ms.
    pub backoff_wait_ms: u64,
    pub retries: usize,
    /// 502/503/504 responses seen, by status.
    pub server_errors: BTreeMap<u16, usize>,
    /// Connection resets, refusals and timeouts seen.
    pub transport_errors: usize,
    /// Largest Retry-After the server asked for, seconds.
    pub max_retry_after_s: Option<u64>,
    pub evidence_429: Vec<Exchange>,
}

pub struct Fetcher {
    pub client: HttpClient,
    pub opts: FetchOptions,
    pub started: Instant,
    pub deadline_at: Instant,
    pub stats: Mutex<RequestStats>,
    /// After a 429 every request waits until this instant, not only the one that got it:
    /// a rate limit is per client, and hammering on would only earn more 429s.
    pause_until: Mutex<Option<Instant>>,
    /// Requests in flight at once, across everything the fetch does (`--concurrency`).
    permits: tokio::sync::Semaphore,
    budget: Budget,
}

/// How many requests the fetch may send. With `--max-requests N` that is N, full stop.
/// Without it the budget starts at what discovery and the probes need and grows by
/// `PER_PAGE_ALLOWANCE` for every page a listing's totalResults says it needs: generous
/// for a healthy server (retries included), yet a server that never stops paging is cut
/// off instead of being hammered.
pub struct Budget {
    fixed: bool,
    limit: AtomicUsize,
    spent: AtomicUsize,
}

/// Requests allowed per page a listing needs, when `--max-requests` is not given.
pub const PER_PAGE_ALLOWANCE: usize = 5;

impl Budget {
    fn new(opts: &FetchOptions) -> Self {
        let (fixed, limit) = match opts.max_requests {
            Some(n) => (true, n),
            // Discovery, the first pages, the 0-based and behaviour probes, the filter probes.
            None => (false, 100 + 6 * opts.probe_sample),
        };
        Budget {
            fixed,
            limit: AtomicUsize::new(limit),
            spent: AtomicUsize::new(0),
        }
    }

    /// Takes one request from the budget; false when it is spent.
    fn take(&self) -> Result<(), usize> {
        let limit = self.limit.load(Ordering::SeqCst);
        let spent = self.spent.fetch_add(1, Ordering::SeqCst);
        if spent >= limit {
            self.spent.fetch_sub(1, Ordering::SeqCst);
            return Err(limit);
        }
        Ok(())
    }
}

fn retryable_status(s: u16) -> bool {
    matches!(s, 429 | 502 | 503 | 504)
}

/// A body cut short or a reset mid-transfer counts as transient even when reqwest does not
/// classify it as a connect error.
fn transient(e: &TransportError) -> bool {
    if e.is_transient() {
        return true;
    }
    match e {
        TransportError::Other(text) => {
            let t = text.to_ascii_lowercase();
            [
                "reset",
                "closed",
                "incomplete",
                "end of file",
                "decoding response body",
                "body",
                "broken pipe",
            ]
            .iter()
            .any(|k| t.contains(k))
        }
        _ => false,
    }
}

/// Parses Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: time::OffsetDateTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(v, &fmt).ok()?.assume_utc();
    let delta = at - now;
    Some(if delta.is_negative() {
        Duration::ZERO
    } else {
        Duration::from_secs_f64(delta.as_seconds_f64())
    })
}

/// Exponential backoff with "equal jitter": half the step fixed, half random, so that
/// parallel requests that failed together do not retry together.
fn backoff(attempt: u32) -> Duration {
    let step = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(10))
        .min(MAX_BACKOFF);
    let half = step / 2;
    let jitter_ms = rand::random_range(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter_ms)
}

impl Fetcher {
    pub fn new(client: HttpClient, opts: FetchOptions) -> Self {
        let started = Instant::now();
        Fetcher {
            client,
            deadline_at: started + opts.deadline,
            started,
            stats: Mutex::new(RequestStats::default()),
            pause_until: Mutex::new(None),
            permits: tokio::sync::Semaphore::new(opts.concurrency.max(1)),
            budget: Budget::new(&opts),
            opts,
        }
    }

    /// Grows the default budget by `PER_PAGE_ALLOWANCE` for each of `pages` pages a listing
    /// needs (a no-op under `--max-requests`).
    pub fn allow_pages(&self, pages: usize) {
        if !self.budget.fixed {
            self.budget
                .limit
                .fetch_add(pages.saturating_mul(PER_PAGE_ALLOWANCE), Ordering::SeqCst);
        }
    }

    /// Requests sent so far and the current limit.
    pub fn budget(&self) -> (usize, usize) {
        (
            self.budget.spent.load(Ordering::SeqCst),
            self.budget.limit.load(Ordering::SeqCst),
        )
    }

    pub fn budget_spent(&self) -> bool {
        let (spent, limit) = self.budget();
        spent >= limit
    }

    pub fn remaining(&self) -> Duration {
        self.deadline_at.saturating_duration_since(Instant::now())
    }

    pub fn past_deadline(&self) -> bool {
        self.remaining().is_zero()
    }

    pub fn stats(&self) -> RequestStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn with_stats(&self, f: impl FnOnce(&mut RequestStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    /// Sleeps `d`, or fails when that would pass the deadline.
    async fn wait(&self, d: Duration) -> Result<(), FetchError> {
        if d >= self.remaining() {
            return Err(FetchError::Deadline);
        }
        tokio::time::sleep(d).await;
        Ok(())
    }

    async fn honour_pause(&self) -> Result<(), FetchError> {
        let until = self.pause_until.lock().ok().and_then(|p| *p);
        if let Some(until) = until {
            let d = until.saturating_duration_since(Instant::now());
            if !d.is_zero() {
                self.wait(d).await?;
            }
        }
        Ok(())
    }

    fn pause_all(&self, d: Duration) {
        if let Ok(mut p) = self.pause_until.lock() {
            let until = Instant::now() + d;
            if p.is_none_or(|cur| cur < until) {
                *p = Some(until);
            }
        }
    }

    /// GET `path` (relative to the base URL), retrying what is worth retrying. A non-2xx
    /// status that retrying cannot fix is returned as a response for the caller to judge.
    pub async fn get(&self, path: &str, label: &str) -> Result<Response, FetchError> {
        let max_attempts = self.opts.retries + 1;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.honour_pause().await?;
            let remaining = self.remaining();
            if remaining.is_zero() {
                return Err(FetchError::Deadline);
            }
            self.budget.take().map_err(FetchError::Budget)?;
            let send = async {
                // The semaphore is never closed, so acquiring cannot fail.
                let _permit = self.permits.acquire().await.ok();
                self.client.get(path).await
            };
            let result = match tokio::time::timeout(remaining, send).await {
                Ok(r) => r,
                Err(_) => return Err(FetchError::Deadline),
            };
            let last = attempt >= max_attempts;
            match result {
                Ok(resp) => {
                    let ms = resp.elapsed.as_millis() as u64;
                    self.with_stats(|s| {
                        s.requests += 1;
                        s.latencies.entry(label.to_string()).or_default().push(ms);
                    });
                    if !retryable_status(resp.status) {
                        return Ok(resp);
                    }
                    let advised = resp
                        .header("retry-after")
                        .and_then(|v| parse_retry_after(&v, time::OffsetDateTime::now_utc()));
                    let wait = advised
                        .unwrap_or_else(|| backoff(attempt - 1))
                        .min(MAX_WAIT);
                    let status = resp.status;
                    self.with_stats(|s| {
                        if status == 429 {
                            s.rate_limited += 1;
                            if s.evidence_429.len() < EVIDENCE_KEPT {
                                s.evidence_429.push(resp.exchange.clone());
                            }
                            if let Some(a) = advised {
                                s.max_retry_after_s =
                                    Some(s.max_retry_after_s.unwrap_or(0).max(a.as_secs()));
                            }
                        } else {
                            *s.server_errors.entry(status).or_default() += 1;
                        }
                    });
                    if last {
                        return Err(FetchError::GaveUp {
                            what: format!("HTTP {status}"),
                            attempts: attempt,
                        });
                    }
                    if status == 429 {
                        self.pause_all(wait);
                    }
                    self.wait(wait).await?;
                    self.with_stats(|s| {
                        s.retries += 1;
                        if status == 429 {
                            s.rate_wait_ms += wait.as_millis() as u64;
                        } else {
                            s.backoff_wait_ms += wait.as_millis() as u64;
                        }
                    });
                }
                Err(TransportError::BodyTooLarge(cap)) => {
                    self.with_stats(|s| s.requests += 1);
                    return Err(FetchError::TooLarge(cap));
                }
                Err(e) if transient(&e) => {
                    self.with_stats(|s| {
                        s.requests += 1;
                        s.transport_errors += 1;
                    });
                    if last {
                        return Err(FetchError::GaveUp {
                            what: e.to_string(),
                            attempts: attempt,
                        });
                    }
                    let wait = backoff(attempt - 1);
                    self.wait(wait).await?;
                    self.with_stats(|s| {
                        s.retries += 1;
                        s.backoff_wait_ms += wait.as_millis() as u64;
                    });
                }
                Err(e) => {
                    self.with_stats(|s| s.requests += 1);
                    return Err(FetchError::Transport(e.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = time::macros::datetime!(2026-11-26 08:00:00 UTC);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 08:00:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        // A date in the past means "now", not a negative wait.
        assert_eq!(
            parse_retry_after("Thu, 26 Nov 2026 07:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_and_stays_capped() {
        for attempt in 0..20 {
            let b = backoff(attempt);
            let step = BASE_BACKOFF
                .saturating_mul(1u32 << attempt.min(10))
                .min(MAX_BACKOFF);
            assert!(b >= step / 2 && b <= step, "attempt {attempt}: {b:?}");
        }
        assert!(backoff(30) <= MAX_BACKOFF);
    }

    #[test]
    fn resets_and_truncated_bodies_are_transient_but_tls_is_not() {
        assert!(transient(&TransportError::Other(
            "error decoding response body: connection reset".into()
        )));
        assert!(transient(&TransportError::Refused("h".into())));
        assert!(!transient(&TransportError::Tls("bad cert".into())));
        assert!(!transient(&TransportError::BodyTooLarge(1)));
    }
}
