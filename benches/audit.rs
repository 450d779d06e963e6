//! Audit benchmark (issue #4 "Performance"): in one run, generates a 1,000,000-user
//! snapshot directory, then runs the real binary twice on it under `/usr/bin/time -v`:
//!
//! - bare parse: `check --snapshot DIR --playbook parse-only` where `parse-only` is a
//!   playbook without steps (load the snapshot, run nothing, print an empty report);
//! - parse + full audit: `check --snapshot DIR --format json --licenses N --ldap-groups F`
//!   (every check of `full-audit`, report rendered to /dev/null).
//!
//! It prints both wall times (and CPU times), their ratio (target <= 1.5) and the peak RSS
//! (target <= 1 GB). Each measurement is the best of `ROUNDS` runs: the machine is shared.
//!
//! Run: `cargo bench --bench audit` (release build). `SCIM_DOCTOR_BENCH_USERS` changes the
//! size, `SCIM_DOCTOR_BENCH_DIR` where the snapshot goes (default: the system temp dir).

use scim_doctor::model::Tenant;
use scim_doctor::source::snapshot::{SnapshotMeta, GROUPS_FILE, META_FILE, USERS_FILE};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A stable 32-hex id for user `i` (the shape of an Entra object id without dashes).
fn hex_id(i: usize, salt: u64) -> String {
    let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    let y = x.rotate_left(29).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    format!("{x:016x}{y:016x}")
}

/// Writes a tenant with `n` users and the kinds of defects the checks look for, sprinkled
/// at fixed rates: duplicate emails, soft-delete leftovers, missing and malformed emails,
/// a nested group and members that were never provisioned.
fn generate(dir: &Path, n: usize) -> std::io::Result<(usize, usize)> {
    std::fs::create_dir_all(dir)?;
    let mut users = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(USERS_FILE))?);
    for i in 0..n {
        let id = hex_id(i, 0x5eed);
        let first = format!("user{i}");
        let (user_name, email, active) = match i % 1000 {
            // A soft-deleted copy of the previous user: object id prefixed to its UPN.
            7 => (
                format!("{}user{}@example.com", hex_id(i - 1, 7), i - 1),
                Some(format!("user{}@example.com", i - 1)),
                false,
            ),
            // A second, active user with the previous user's email.
            13 => (
                format!("{first}@example.com"),
                Some(format!("USER{}@example.com", i - 1)),
                true,
            ),
            21 => (format!("{first}@example.com"), None, true),
            42 => (
                format!("{first}@example.com"),
                Some(format!("{first}@corp")),
                true,
            ),
            _ => (
                format!("{first}@example.com"),
                Some(format!("{first}@example.com")),
                i % 50 != 0,
            ),
        };
        let emails = match email {
            Some(e) => format!(r#","emails":[{{"value":"{e}","type":"work","primary":true}}]"#),
            None => String::new(),
        };
        writeln!(
            users,
            r#"{{"schemas":["{USER_SCHEMA}","{ENTERPRISE}"],"id":"{id}","externalId":"{}","userName":"{user_name}","active":{active},"displayName":"User {i}","name":{{"givenName":"User","familyName":"N{i}"}}{emails},"{ENTERPRISE}":{{"department":"Dept {}"}}}}"#,
            hex_id(i, 0xe47),
            i % 40
        )?;
    }
    users.flush()?;
    let groups_n = (n / 500).max(2);
    let mut groups =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(GROUPS_FILE))?);
    for g in 0..groups_n {
        let mut members: Vec<String> = (g * 500..((g + 1) * 500).min(n))
            .map(|i| format!(r#"{{"value":"{}","type":"User"}}"#, hex_id(i, 0x5eed)))
            .collect();
        if g == 1 {
            members.push(format!(
                r#"{{"value":"{}","type":"Group"}}"#,
                hex_id(0, 0x6a)
            ));
        }
        if g % 100 == 3 {
            members.push(format!(
                r#"{{"value":"{}","type":"User"}}"#,
                hex_id(g, 0x0ff)
            ));
        }
        writeln!(
            groups,
            r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"{}","displayName":"Group {g}","members":[{}]}}"#,
            hex_id(g, 0x6a),
            members.join(",")
        )?;
    }
    groups.flush()?;
    let mut meta = SnapshotMeta::of(&Tenant::new("bench"), 0, None);
    meta.counts.users = n;
    meta.counts.groups = groups_n;
    let meta = serde_json::to_vec_pretty(&meta).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(META_FILE), meta)?;
    std::fs::write(dir.join("ldap-groups.txt"), "Group 3\nVPN Users\n")?;
    let pb = dir.join("playbooks");
    std::fs::create_dir_all(&pb)?;
    std::fs::write(
        pb.join("parse-only.toml"),
        "id = \"parse-only\"\ntitle = \"Load the snapshot, run no check\"\n",
    )?;
    Ok((n, groups_n))
}

struct Measure {
    wall: Duration,
    /// User + system CPU seconds of the run: less sensitive than wall time to other work on
    /// a shared machine.
    cpu: f64,
    peak_rss_kib: u64,
}

/// Runs the binary under `/usr/bin/time -v`, stdout to /dev/null; wall time and peak RSS.
fn measure(args: &[String]) -> Measure {
    let bin = env!("CARGO_BIN_EXE_scim-doctor");
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args(args)
        .stdout(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run /usr/bin/time {bin}: {e}"));
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "scim-doctor failed ({:?}): {stderr}",
        out.status.code()
    );
    let peak_rss_kib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let seconds = |label: &str| -> f64 {
        stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    let cpu = seconds("User time (seconds):") + seconds("System time (seconds):");
    Measure {
        wall,
        cpu,
        peak_rss_kib,
    }
}

/// Runs the two commands alternately `ROUNDS` times and keeps the fastest run of each, so
/// that a burst of other work on the machine does not land on one side only.
fn best_pair(a: &[String], b: &[String]) -> (Measure, Measure) {
    let mut runs: (Vec<Measure>, Vec<Measure>) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        runs.0.push(measure(a));
        runs.1.push(measure(b));
    }
    let fastest = |v: Vec<Measure>| {
        v.into_iter()
            .min_by_key(|m| m.wall)
            .unwrap_or_else(|| panic!("no runs"))
    };
    (fastest(runs.0), fastest(runs.1))
}

fn main() {
    let n: usize = std::env::var("SCIM_DOCTOR_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let base = std::env::var_os("SCIM_DOCTOR_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("scim-doctor-bench-{n}-{}", std::process::id()));
    let t = Instant::now();
    let (users, groups) =
        generate(&dir, n).unwrap_or_else(|e| panic!("cannot generate {}: {e}", dir.display()));
    let size: u64 = [USERS_FILE, GROUPS_FILE]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "generated {users} users and {groups} groups ({:.0} MiB of NDJSON) in {:.1} s: {}",
        size as f64 / (1024.0 * 1024.0),
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    let d = dir.display().to_string();
    let parse_args: Vec<String> = [
        "--format",
        "json",
        "check",
        "--snapshot",
        &d,
        "--playbook",
        "parse-only",
        "--playbooks",
        &format!("{d}/playbooks"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let seats = (n * 9 / 10).to_string();
    let audit_args: Vec<String> = [
        "--format",
        "json",
        "check",
        "--snapshot",
        &d,
        "--licenses",
        &seats,
        "--ldap-groups",
        &format!("{d}/ldap-groups.txt"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (parse, audit) = best_pair(&parse_args, &audit_args);
    let ratio = audit.wall.as_secs_f64() / parse.wall.as_secs_f64().max(1e-9);
    let mib = |k: u64| k as f64 / 1024.0;
    let cpu_ratio = audit.cpu / parse.cpu.max(1e-9);
    println!(
        "bare parse:          wall {:>7.2} s  cpu {:>7.2} s  peak RSS {:>6.0} MiB",
        parse.wall.as_secs_f64(),
        parse.cpu,
        mib(parse.peak_rss_kib)
    );
    println!(
        "parse + full audit:  wall {:>7.2} s  cpu {:>7.2} s  peak RSS {:>6.0} MiB",
        audit.wall.as_secs_f64(),
        audit.cpu,
        mib(audit.peak_rss_kib)
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "ratio audit/parse:   wall {ratio:.2}x, cpu {cpu_ratio:.2}x (target <= 1.50x: {})",
        verdict(ratio <= 1.5)
    );
    println!(
        "peak RSS:            {:.0} MiB (target <= 1024 MiB: {})",
        mib(audit.peak_rss_kib.max(parse.peak_rss_kib)),
        verdict(audit.peak_rss_kib.max(parse.peak_rss_kib) <= 1024 * 1024)
    );
    if std::env::var_os("SCIM_DOCTOR_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
