//! Timing of the keyed pseudonyms of `--redact-pii` (issue 26): pseudonymises 1M values
//! shaped like `user0012345@example3.test` on one thread, then on every core, and prints
//! the nanoseconds per value. A measurement, not a test:
//!
//!     cargo run --release --example pseudo_speed [VALUES]

use scim_doctor::bundle::pseudo::Pseudonymiser;
use std::collections::HashSet;
use std::time::Instant;

fn main() {
    // How many values (default a million; fewer under an instruction counter).
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let values: Vec<String> = (0..n)
        .map(|i| format!("user{i:07}@example{}.test", i % 10))
        .collect();
    let p = Pseudonymiser::random();

    let start = Instant::now();
    let one: Vec<String> = values.iter().map(|v| p.value(v, false)).collect();
    let t1 = start.elapsed();
    println!(
        "1 thread: {:.0} ns per value ({n} values in {:.2} s)",
        t1.as_nanos() as f64 / n as f64,
        t1.as_secs_f64()
    );

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start = Instant::now();
    let chunk = n.div_ceil(threads);
    let many: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = values
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(|v| p.value(v, false)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let tn = start.elapsed();
    println!(
        "{threads} threads: {:.0} ns per value (wall clock, {:.2} s)",
        tn.as_nanos() as f64 / n as f64,
        tn.as_secs_f64()
    );

    let distinct: HashSet<&String> = one.iter().collect();
    println!(
        "same pseudonyms on every thread: {}; distinct pseudonyms: {} of {n}",
        one == many,
        distinct.len()
    );
}
