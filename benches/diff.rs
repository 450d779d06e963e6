//! Diff benchmark (issue 15 "Fast"): the diff of two 1,000,000-user snapshots must cost at
//! most the two loads plus 20%. Generates BEFORE (1M users, 1,000 groups) and AFTER (1% of
//! users removed, 1% added, 2% changed: active, email, externalId; 0.5% moved to another
//! group), writes
//! both as snapshot directories, then in one process, best of `ROUNDS`:
//!
//! - loads both (`source::snapshot::load`, what `diff` does for each side);
//! - compares them (`diff::compare`: tenant data diff, and findings when reports are given);
//! - compares them again with AFTER's users and every member list shuffled (a server that
//!   does not list in id order: the id sort is then no longer free);
//! - separately, audits both sides with full-audit and compares the findings, to show what a
//!   `diff` of two snapshots without reports costs on top (two audits);
//! - end to end, with the `scim-doctor` binary of the same build: `diff BEFORE AFTER
//!   --no-audit --format json` against two `check --snapshot X --playbook test-connection`
//!   runs (load, no tenant check, a report: the cheapest run that loads a snapshot), best of
//!   `ROUNDS`; then once `diff BEFORE AFTER --format json` (audits both sides with
//!   full-audit) against two `check --snapshot X --format json` runs (the same audits).
//!
//! Prints the load time, the compare time and the ratio (loads + compare) / loads, target
//! <= 1.2, and the end-to-end ratios. Run: `cargo bench --bench diff` (release).
//! `SCIM_DOCTOR_BENCH_USERS` changes the size, `SCIM_DOCTOR_BENCH_DIR` where the snapshots go
//! (default: the system temp dir; when given, the snapshots are kept), and
//! `SCIM_DOCTOR_BENCH_E2E=0` skips the end-to-end runs.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use scim_doctor::diff::{self, SideRef};
use scim_doctor::model::{Email, Group, Member, Tenant, User};
use scim_doctor::source::snapshot::{self, SnapshotMeta};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;

fn user(i: usize) -> User {
    let name = format!("user{i:07}@example{}.test", i % 5);
    User {
        id: format!("{i:08x}-5c1d-4a2b-9e3f-{:012x}", i * 7919 % (1 << 48)),
        user_name: Some(name.clone()),
        external_id: Some(format!("ext-{i:07}")),
        active: Some(!i.is_multiple_of(23)),
        display_name: Some(format!("Given{} Family{i}", i % 997)),
        given_name: Some(format!("Given{}", i % 997)),
        family_name: Some(format!("Family{i}")),
        emails: vec![Email {
            value: name,
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

fn tenant(n: usize, after: bool) -> Tenant {
    let mut t = Tenant::new(if after { "after" } else { "before" });
    t.completeness.users_complete = true;
    t.completeness.groups_complete = true;
    for i in 0..n {
        if after && i % 100 == 3 {
            continue; // removed
        }
        let mut u = user(i);
        if after && i % 50 == 7 {
            u.active = Some(!u.is_active());
            u.emails[0].value = format!("renamed{i}@example.test");
            u.external_id = Some(format!("ext-new-{i}"));
        }
        t.users.push(u);
    }
    if after {
        for i in n..n + n / 100 {
            t.users.push(user(i)); // added
        }
    }
    // Membership by the user's own number, so removing users does not move the others:
    // user i is in group i % groups; in AFTER, one user in 200 moved to the next group.
    let groups = (n / 1000).max(1);
    let mut members: Vec<Vec<Member>> = vec![Vec::new(); groups];
    for u in &t.users {
        let i = usize::from_str_radix(&u.id[..8], 16).unwrap();
        let moved = usize::from(after && i % 200 == 5);
        members[(i + moved) % groups].push(Member {
            value: u.id.clone(),
            kind: Some("User".into()),
            display: None,
            reference: None,
        });
    }
    for (g, members) in members.into_iter().enumerate() {
        t.groups.push(Group {
            id: format!("group-{g:05}"),
            display_name: Some(format!("Group {g}")),
            members,
            ..Default::default()
        });
    }
    t
}

fn side<'a>(t: &'a Tenant, p: &'static str) -> SideRef<'a> {
    SideRef {
        path: p,
        kind: "snapshot",
        report: None,
        tenant: Some(t),
    }
}

fn best<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.unwrap())
}

fn write(dir: &Path, t: &Tenant) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    snapshot::write_dir(dir, t, &[], &SnapshotMeta::of(t, 0, None)).unwrap();
}

fn main() {
    let n: usize = std::env::var("SCIM_DOCTOR_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let keep = std::env::var_os("SCIM_DOCTOR_BENCH_DIR");
    let base = keep
        .clone()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("scim-doctor-diff-bench-{n}"));
    let (a, b) = (base.join("before"), base.join("after"));
    eprintln!("generating {n}-user snapshots in {}", base.display());
    write(&a, &tenant(n, false));
    write(&b, &tenant(n, true));

    let (load, (ta, tb)) = best(|| (snapshot::load(&a).unwrap(), snapshot::load(&b).unwrap()));
    let (compare, d) = best(|| diff::compare(side(&ta, "before"), side(&tb, "after")));
    let data = d.data.as_ref().unwrap();
    println!(
        "users: {} -> {}; {} added, {} removed, {} changed; groups changed: {}",
        data.users.before,
        data.users.after,
        data.users.added.len(),
        data.users.removed.len(),
        data.users.changed.len(),
        data.groups.changed.len()
    );
    println!("load of both snapshots: {:.2} s", load.as_secs_f64());
    println!("compare (data diff):    {:.2} s", compare.as_secs_f64());
    println!(
        "(loads + compare) / loads = {:.3} (target <= 1.2)",
        (load + compare).as_secs_f64() / load.as_secs_f64()
    );

    // A server that does not list users (or members) in id order: the same data shuffled.
    let mut shuffled = tb.clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    shuffled.users.shuffle(&mut rng);
    for g in &mut shuffled.groups {
        g.members.shuffle(&mut rng);
    }
    let (unordered, d2) = best(|| diff::compare(side(&ta, "before"), side(&shuffled, "after")));
    assert_eq!(d2.headline, d.headline, "order must not change the diff");
    drop((shuffled, d2));
    println!(
        "compare, AFTER out of id order: {:.2} s (ratio {:.3})",
        unordered.as_secs_f64(),
        (load + unordered).as_secs_f64() / load.as_secs_f64()
    );

    // What auditing both sides adds when the inputs are bare snapshots (no report).
    let plan_audit = |t: &Tenant| {
        let profile = scim_doctor::profile::load("default", None).unwrap();
        let playbooks: Vec<_> = scim_doctor::playbook::load(None)
            .unwrap()
            .into_iter()
            .filter(|p| p.id == "full-audit")
            .collect();
        let live = std::collections::HashMap::new();
        let license = scim_doctor::checks::LicenseOptions {
            seats: None,
            mode: Default::default(),
            groups: Vec::new(),
        };
        let ctx = scim_doctor::checks::Ctx {
            tenant: Some(t),
            others: &[],
            profile: &profile,
            license: &license,
            ldap_groups: None,
            live: &live,
            offline_reason: Some("bench"),
            no_tenant_reason: None,
            scope: None,
            logs: None,
            idp: None,
            index: scim_doctor::checks::index::TenantIndex::new(
                Some(t),
                &profile,
                scim_doctor::engine::check_threads(),
            ),
        };
        let (checks, runs) = scim_doctor::engine::run_playbooks(&ctx, &playbooks);
        scim_doctor::report::Report::new(
            scim_doctor::report::SourceInfo {
                kind: scim_doctor::report::SourceKind::Snapshot,
                label: "bench".into(),
                base_url: None,
                insecure: false,
            },
            checks,
            runs,
        )
    };
    let t = Instant::now();
    let (ra, rb) = (plan_audit(&ta), plan_audit(&tb));
    let audits = t.elapsed();
    let t = Instant::now();
    let full = diff::compare(
        SideRef {
            report: Some(&ra),
            ..side(&ta, "before")
        },
        SideRef {
            report: Some(&rb),
            ..side(&tb, "after")
        },
    );
    let with_findings = t.elapsed();
    println!(
        "audit of both sides (bare snapshots only): {:.2} s",
        audits.as_secs_f64()
    );
    println!(
        "compare with findings: {:.2} s; headline: {}",
        with_findings.as_secs_f64(),
        full.headline
    );
    drop((ta, tb, ra, rb, full, d));

    if std::env::var("SCIM_DOCTOR_BENCH_E2E").as_deref() != Ok("0") {
        end_to_end(&a, &b);
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&base);
    }
}

/// Runs the binary of this build to completion (output discarded); panics on a failure.
fn run(args: &[&std::ffi::OsStr]) -> Duration {
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_scim-doctor"))
        .args(args)
        .arg("-q")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .status()
        .expect("scim-doctor runs");
    // check exits 1 on findings; 2 would be the tool failing.
    assert!(status.code().is_some_and(|c| c < 2), "{args:?}: {status}");
    t.elapsed()
}

fn end_to_end(a: &Path, b: &Path) {
    let (a, b) = (a.as_os_str(), b.as_os_str());
    let s = |x: &'static str| std::ffi::OsStr::new(x);
    let check = |p, extra: &[&std::ffi::OsStr]| {
        let mut args = vec![s("check"), s("--snapshot"), p, s("--format"), s("json")];
        args.extend_from_slice(extra);
        run(&args)
    };
    let cheap = [s("--playbook"), s("test-connection")];
    let (loads, _) = best(|| check(a, &cheap) + check(b, &cheap));
    let (diff, _) = best(|| run(&[s("diff"), a, b, s("--no-audit"), s("--format"), s("json")]));
    println!(
        "end to end: diff --no-audit {:.2} s vs two check --playbook test-connection {:.2} s: ratio {:.3}",
        diff.as_secs_f64(),
        loads.as_secs_f64(),
        diff.as_secs_f64() / loads.as_secs_f64()
    );
    let audits = check(a, &[]) + check(b, &[]);
    let audited = run(&[s("diff"), a, b, s("--format"), s("json")]);
    println!(
        "end to end, audited (one run): diff {:.2} s vs two check (full-audit) {:.2} s: ratio {:.3}",
        audited.as_secs_f64(),
        audits.as_secs_f64(),
        audited.as_secs_f64() / audits.as_secs_f64()
    );
}
