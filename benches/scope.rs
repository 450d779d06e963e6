//! Benchmark: simulating 1,000,000 IdP users against a 10-clause scoping filter with five
//! regexes: counting (`ScopeFilter::outcome`), with reasons (`ScopeFilter::decide`, what
//! `scope simulate` and the checks use), and the full per-clause trace on a sample.
//! Users are generated in memory in chunks so the machine does not need a gigabyte for them;
//! only evaluation is timed. Run: `cargo bench --bench scope`.

use scim_doctor::scope::simulate::{count, Counts};
use scim_doctor::scope::{Clause, FilterGroup, FilterSet, IdpUser, Operator, ScopeFilter};
use std::time::{Duration, Instant};

const USERS: usize = 1_000_000;
const CHUNK: usize = 100_000;

fn clause(attr: &str, op: &str, value: Option<&str>) -> Clause {
    Clause::new(
        attr,
        Operator::parse(op),
        value.map(|v| vec![v.to_string()]).unwrap_or_default(),
    )
}

fn group(name: &str, clauses: Vec<Clause>) -> FilterGroup {
    FilterGroup {
        name: name.into(),
        clauses,
        set: FilterSet::Groups,
    }
}

fn filter() -> ScopeFilter {
    ScopeFilter::new(
        vec![
            group(
                "Sales and support members",
                vec![
                    clause("userType", "EQUALS", Some("Member")),
                    clause("department", "REGEX MATCH", Some("^(Sales|Support)$")),
                    clause("accountEnabled", "IS TRUE", None),
                    clause("jobTitle", "NOT REGEX MATCH", Some("(?i)intern")),
                ],
            ),
            group(
                "Contractors",
                vec![
                    clause(
                        "userPrincipalName",
                        "ENDS_WITH",
                        Some("@partner.example.com"),
                    ),
                    clause("employeeId", "REGEX MATCH", Some("^C[0-9]{5}$")),
                    clause("extensionAttribute2", "Greater_Than_OR_EQUALS", Some("3")),
                ],
            ),
            group(
                "Senior engineering",
                vec![
                    clause("department", "EQUALS", Some("Engineering")),
                    clause("jobTitle", "Includes", Some("Senior")),
                    clause("mail", "REGEX MATCH", Some(r"^[a-z0-9.]+@example\.com$")),
                ],
            ),
        ],
        "bench",
    )
}

const DEPARTMENTS: [&str; 6] = [
    "Sales",
    "Support",
    "Engineering",
    "Marketing",
    "Legal",
    "sales",
];
const TITLES: [&str; 5] = [
    "Account Executive",
    "Senior Engineer",
    "Engineer",
    "Sales Intern",
    "Manager",
];

/// A deterministic, varied population (xorshift, no I/O).
fn make_users(start: usize, n: usize) -> Vec<IdpUser> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ start as u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (start..start + n)
        .map(|i| {
            let r = next();
            let partner = r % 10 == 0;
            let domain = if partner {
                "partner.example.com"
            } else {
                "example.com"
            };
            let mut u = IdpUser::new(format!("bench {i}"));
            u.set_text("userPrincipalName", format!("user{i}@{domain}"));
            u.set_text("mail", format!("user{i}@{domain}"));
            u.set_text("objectId", format!("00000000-0000-4000-8000-{i:012}"));
            u.set_text("userType", if partner { "Guest" } else { "Member" });
            u.set_text(
                "department",
                DEPARTMENTS[(r >> 8) as usize % DEPARTMENTS.len()],
            );
            u.set_text("jobTitle", TITLES[(r >> 16) as usize % TITLES.len()]);
            u.set_text(
                "accountEnabled",
                if (r >> 24) % 20 == 0 { "false" } else { "true" },
            );
            let prefix = if partner { 'C' } else { 'E' };
            u.set_text("employeeId", format!("{prefix}{:05}", i % 100_000));
            u.set_text("extensionAttribute2", ((r >> 32) % 7).to_string());
            u
        })
        .collect()
}

fn main() {
    let f = filter();
    assert_eq!(f.clause_count(), 10);
    assert!(f.issues().is_empty(), "the bench filter must be valid");
    let mut total = Counts::default();
    let mut elapsed = Duration::ZERO;
    let mut start = 0;
    while start < USERS {
        let users = make_users(start, CHUNK.min(USERS - start));
        let t = Instant::now();
        let c = count(&f, std::hint::black_box(&users));
        elapsed += t.elapsed();
        total.users += c.users;
        total.in_scope += c.in_scope;
        total.out_of_scope += c.out_of_scope;
        total.invalid += c.invalid;
        start += users.len();
    }
    let secs = elapsed.as_secs_f64();
    println!(
        "scope bulk simulation: {} users, 10 clauses (5 regexes) in {:.3} s = {:.0} users/s ({} in scope, {} out, {} invalid)",
        total.users,
        secs,
        total.users as f64 / secs,
        total.in_scope,
        total.out_of_scope,
        total.invalid
    );

    // `scope simulate` and the checks: the same, plus the first failing clause per group.
    let mut decided = 0usize;
    let mut elapsed = Duration::ZERO;
    let mut start = 0;
    while start < USERS {
        let users = make_users(start, CHUNK.min(USERS - start));
        let t = Instant::now();
        for u in &users {
            decided += usize::from(std::hint::black_box(f.decide(u)).misses.is_empty());
        }
        elapsed += t.elapsed();
        start += users.len();
    }
    let secs = elapsed.as_secs_f64();
    println!(
        "scope simulation with reasons (decide): {USERS} users in {secs:.3} s = {:.0} users/s ({decided} without misses)",
        USERS as f64 / secs
    );

    let sample = make_users(0, CHUNK);
    let t = Instant::now();
    let mut in_scope = 0usize;
    for u in &sample {
        in_scope += usize::from(std::hint::black_box(f.evaluate(u)).in_scope);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "scope full trace (explain-user path): {} users in {:.3} s = {:.0} users/s ({in_scope} in scope)",
        sample.len(),
        secs,
        sample.len() as f64 / secs
    );
    // What the audit of the same tenant costs before any check runs: fetching it.
    let pages = USERS.div_ceil(100);
    println!(
        "for comparison: fetching {USERS} users takes at least {pages} GET pages of 100; at the 25 requests/s Entra gallery apps must sustain, that is {} s of paging alone",
        pages / 25
    );
}
