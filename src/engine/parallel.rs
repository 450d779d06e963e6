//! Runs the selected checks on every available core. Checks are pure functions of `Ctx`
//! (they never print and never do I/O), so they can run at the same time; each result
//! lands in the slot the playbooks gave it, so the report is the one a run in order gives.
//! Workers take the next check from a shared counter: a long check does not hold up the
//! others queued behind it.

use crate::checks::{self, CheckDef, Ctx, Params};
use crate::findings::CheckResult;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What fills one place of the report: a check to run, or a result already known (a
/// playbook naming a check that does not exist).
pub(super) enum Slot<'r> {
    Run(&'r CheckDef, &'r Params),
    Done(Box<CheckResult>),
}

/// How long one check took (wall time on its worker).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckTime {
    pub id: &'static str,
    pub elapsed: Duration,
}

/// Worker threads for the checks: `SCIM_DOCTOR_CHECK_THREADS` when set to a positive
/// number (1 runs them in order on the main thread), else the cores available.
pub fn threads() -> usize {
    std::env::var("SCIM_DOCTOR_CHECK_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn run_one(ctx: &Ctx, def: &CheckDef, params: &Params) -> (CheckResult, CheckTime) {
    let started = Instant::now();
    let result = checks::coverage::run(def, ctx, params);
    let time = CheckTime {
        id: def.id,
        elapsed: started.elapsed(),
    };
    (result, time)
}

/// Runs every `Slot::Run` on up to `threads` threads and returns the results in slot order,
/// with the time of each check that ran (also in slot order).
pub(super) fn run(
    ctx: &Ctx,
    slots: Vec<Slot>,
    threads: usize,
) -> (Vec<CheckResult>, Vec<CheckTime>) {
    let mut todo: Vec<(usize, &CheckDef, &Params)> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s {
            Slot::Run(def, params) => Some((i, *def, *params)),
            Slot::Done(_) => None,
        })
        .collect();
    let workers = threads.clamp(1, todo.len().max(1));
    if workers > 1 {
        // The checks that read every user are the long ones: started first, they do not
        // leave one worker busy with a long check while the others have run out of work.
        todo.sort_by_key(|&(_, def, _)| !checks::coverage::needs(ctx, def).users);
    }
    let mut done: Vec<(usize, CheckResult, CheckTime)> = Vec::with_capacity(todo.len());
    if workers == 1 {
        for &(i, def, params) in &todo {
            let (r, t) = run_one(ctx, def, params);
            done.push((i, r, t));
        }
    } else {
        let next = AtomicUsize::new(0);
        let work = || {
            let mut mine = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(i, def, params)) = todo.get(n) else {
                    return mine;
                };
                let (r, t) = run_one(ctx, def, params);
                mine.push((i, r, t));
            }
        };
        std::thread::scope(|s| {
            let handles: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
            done.extend(work());
            for h in handles {
                match h.join() {
                    Ok(mine) => done.extend(mine),
                    // A check that panics crashes the run as it would in order, with its
                    // own message rather than "a scoped thread panicked".
                    Err(payload) => std::panic::resume_unwind(payload),
                }
            }
        });
    }
    done.sort_unstable_by_key(|d| d.0);
    let mut times = Vec::with_capacity(done.len());
    let mut ran = done.into_iter().peekable();
    let mut results = Vec::with_capacity(slots.len());
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Slot::Done(r) => results.push(*r),
            Slot::Run(..) => {
                let (j, r, t) = ran.next().expect("every check slot was run once");
                debug_assert_eq!(i, j);
                results.push(r);
                times.push(t);
            }
        }
    }
    (results, times)
}

#[cfg(test)]
mod tests {
    use crate::checks::{Ctx, LicenseOptions};
    use crate::engine::run_playbooks_timed;
    use crate::findings::Status;
    use crate::playbook::{Playbook, Step};

    fn report_json(ctx: &Ctx, playbooks: &[Playbook], threads: usize) -> (String, Vec<String>) {
        let (results, runs, times) = run_playbooks_timed(ctx, playbooks, threads);
        let text = serde_json::to_string(&(results, runs)).unwrap();
        (text, times.iter().map(|t| t.id.to_string()).collect())
    }

    /// Proves the checks give the same results, runs and timing order on 1 thread and on 4,
    /// on a generated tenant with every planted problem and every shipped playbook.
    #[test]
    fn parallel_run_equals_the_run_in_order() {
        let tenant = crate::demo::generate(3_000, 7);
        let profile = crate::profile::load("default", None).unwrap();
        let license = LicenseOptions {
            seats: Some(100),
            ..Default::default()
        };
        let ldap = vec!["Engineering".to_string()];
        let ctx = Ctx {
            ldap_groups: Some(&ldap),
            offline_reason: Some("offline"),
            ..Ctx::for_test(&tenant, &profile, &license)
        };
        let playbooks = crate::playbook::load(None).unwrap();
        let (in_order, order_times) = report_json(&ctx, &playbooks, 1);
        for threads in [2, 4] {
            let (parallel, times) = report_json(&ctx, &playbooks, threads);
            assert_eq!(in_order, parallel, "{threads} threads");
            assert_eq!(order_times, times, "{threads} threads");
        }
        // Not vacuous: the planted problems fail checks that build shared indexes.
        let (results, _, _) = run_playbooks_timed(&ctx, &playbooks, 4);
        for id in [
            "duplicate-email",
            "duplicate-username",
            "orphan-group-member",
        ] {
            let r = results.iter().find(|r| r.id == id).unwrap();
            assert_ne!(r.status, Status::Pass, "{id}: {}", r.message);
        }
    }

    /// Proves an unknown check keeps its place, a repeated id runs once, and the timings list
    /// exactly the checks that ran, when the checks run on several threads.
    #[test]
    fn slots_keep_first_mention_order_on_threads() {
        let step = |c: &str| Step {
            check: c.into(),
            params: Default::default(),
        };
        let pb = Playbook {
            id: "p".into(),
            title: "p".into(),
            symptom: String::new(),
            source: String::new(),
            description: String::new(),
            steps: vec![
                step("missing-email"),
                step("no-such-check"),
                step("empty-group"),
                step("missing-email"),
                step("nested-group"),
            ],
        };
        let tenant = crate::demo::generate(200, 1);
        let profile = crate::profile::load("default", None).unwrap();
        let license = LicenseOptions::default();
        let ctx = Ctx::for_test(&tenant, &profile, &license);
        let (results, runs, times) = run_playbooks_timed(&ctx, &[pb], 3);
        let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "missing-email",
                "no-such-check",
                "empty-group",
                "nested-group"
            ]
        );
        assert_eq!(results[1].status, Status::Error);
        let timed: Vec<&str> = times.iter().map(|t| t.id).collect();
        assert_eq!(timed, ["missing-email", "empty-group", "nested-group"]);
        assert_eq!(runs[0].checks.len(), 4);
    }
}
