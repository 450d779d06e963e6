//! `--redact-pii` on a large generated tenant (issue 26): the demo generator's tenant of
//! 20,000 users, with its planted problems (duplicates, soft-delete leftovers, invalid and
//! missing emails, nested and orphan groups), written as a snapshot directory. No personal
//! value of any user may appear in any file of the redacted bundle; the bundle verifies;
//! re-analysing it gives the same findings; the map beside it lists the pseudonyms the
//! snapshot holds. The same scan on the plain bundle finds the values (the scan can fail).

use aho_corasick::{AhoCorasickBuilder, MatchKind};
use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

#[path = "shared/bundle.rs"]
mod shared;
use shared::zip_texts;

const USERS: usize = 20_000;

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("NO_COLOR", "1")
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN");
    c
}

fn generated(dir: &Path) -> (std::path::PathBuf, scim_doctor::model::Tenant) {
    let tenant = scim_doctor::demo::generate(USERS, 26);
    let snap = dir.join("generated");
    let meta = scim_doctor::source::snapshot::SnapshotMeta::of(&tenant, 0, None);
    scim_doctor::source::snapshot::write_dir(&snap, &tenant, &[], &meta).unwrap();
    (snap, tenant)
}

/// The personal values of every user worth scanning for: 6 characters or more (shorter
/// ones, such as a two-letter given name, match ordinary words by chance).
fn personal_values(t: &scim_doctor::model::Tenant) -> Vec<String> {
    let mut out = Vec::new();
    for u in &t.users {
        let v = u.to_scim();
        let ent = &v["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"];
        for s in u
            .user_name
            .iter()
            .chain(&u.display_name)
            .chain(&u.external_id)
            .chain(u.emails.iter().map(|e| &e.value))
            .chain(&u.phone_numbers)
            .cloned()
            .chain(ent["employeeNumber"].as_str().map(str::to_string))
        {
            if s.trim().chars().count() >= 6 {
                out.push(s.trim().to_lowercase());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// (file, value) for every personal value found in a file, any letter case, standing on its
/// own (not inside a longer run of letters and digits, such as a SHA-256 or a pseudonym).
fn leaks(files: &BTreeMap<String, String>, values: &[String]) -> Vec<String> {
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(values)
        .unwrap();
    let mut found = Vec::new();
    for (name, text) in files {
        for m in ac.find_iter(text.as_str()) {
            let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            if glued(text[..m.start()].chars().next_back()) || glued(text[m.end()..].chars().next())
            {
                continue;
            }
            found.push(format!("{name}: {}", values[m.pattern().as_usize()]));
            if found.len() > 2000 {
                return found;
            }
        }
    }
    found
}

fn statuses(report: &Value) -> BTreeMap<String, (String, u64)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["status"].as_str().unwrap().to_string(),
                    c["count"].as_u64().unwrap_or(0),
                ),
            )
        })
        .collect()
}

fn check_json(target: &Path) -> Value {
    let out = bin()
        .args([
            "check",
            "--format",
            "json",
            "--playbook",
            "full-audit",
            "--snapshot",
        ])
        .arg(target)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn a_redacted_bundle_of_a_large_generated_tenant_holds_no_personal_value() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, tenant) = generated(dir.path());
    let values = personal_values(&tenant);
    assert!(values.len() > 3 * USERS, "{} values", values.len());

    let red = dir.path().join("red.zip");
    let out = bin()
        .args([
            "-q",
            "bundle",
            "--format",
            "json",
            "--redact-pii",
            "--snapshot",
        ])
        .arg(&snap)
        .arg("--out")
        .arg(&red)
        .output()
        .unwrap();
    assert!(red.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = zip_texts(&red);
    assert!(files["snapshot/users.ndjson"].lines().count() == USERS);
    let map: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("red.zip.map.json")).unwrap())
            .unwrap();
    // A pseudonym keeps the shape of its value, so in a small space (one letter and six
    // digits: 26 million employee numbers) it can coincide with another user's real
    // value. Such a coincidence names nobody: it stands where the map says that string is
    // the pseudonym of a different value. Anything else found is a leak.
    let pseudonyms: std::collections::HashSet<String> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pseudonym"].as_str().unwrap().to_lowercase())
        .collect();
    let found: Vec<String> = leaks(&files, &values)
        .into_iter()
        .filter(|f| !pseudonyms.contains(f.split(": ").nth(1).unwrap_or("")))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));

    // The bundle verifies, and re-analysing it gives the findings of the original run.
    let v = bin().args(["bundle", "verify"]).arg(&red).output().unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let original = statuses(&check_json(&snap));
    let reloaded = statuses(&check_json(&red));
    assert!(
        original.values().any(|(s, _)| s == "fail"),
        "the generated tenant has problems: {original:?}"
    );
    assert_eq!(original, reloaded);

    // The map beside the zip gives every user's userName the pseudonym the snapshot holds.
    let pseudonyms: HashMap<&str, &str> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["original"].as_str().unwrap(),
                e["pseudonym"].as_str().unwrap(),
            )
        })
        .collect();
    let shown: Vec<Value> = files["snapshot/users.ndjson"]
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (u, s) in tenant.users.iter().zip(&shown).step_by(97) {
        let real = u.user_name.as_deref().unwrap();
        assert_eq!(
            pseudonyms.get(real).copied(),
            s["userName"].as_str(),
            "{real}"
        );
    }
}

/// The scan can fail: the plain bundle of the same tenant shows the values.
#[test]
fn the_scan_finds_the_values_in_a_plain_bundle_of_the_generated_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let (snap, tenant) = generated(dir.path());
    let plain = dir.path().join("plain.zip");
    bin()
        .args(["-q", "bundle", "--format", "json", "--snapshot"])
        .arg(&snap)
        .arg("--out")
        .arg(&plain)
        .output()
        .unwrap();
    let found = leaks(&zip_texts(&plain), &personal_values(&tenant));
    assert!(found.len() > 20, "{found:?}");
}

/// On a terminal each phase of a long bundle shows on stderr (reading, auditing, writing
/// the report, pseudonymising and compressing the users); with -q nothing does. Run in a
/// pseudo-terminal with util-linux `script`, skipped (with a note) where it is absent.
#[test]
fn a_long_bundle_shows_each_phase_on_a_terminal_and_nothing_with_quiet() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: util-linux `script` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (snap, _) = generated(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("scim-doctor");
    let run = |quiet: &str, out: &str| {
        let cmd = format!(
            "{} {quiet} bundle --redact-pii --snapshot {} --out {}",
            bin.display(),
            snap.display(),
            dir.path().join(out).display()
        );
        let o = std::process::Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("NO_COLOR", "1")
            .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let shown = run("", "shown.zip");
    for phase in [
        "reading the snapshot",
        "auditing 20000 users",
        "writing the report and the ticket",
        "pseudonymising and compressing users",
    ] {
        assert!(shown.contains(phase), "{phase} missing from: {shown}");
    }
    let quiet = run("-q", "quiet.zip");
    assert!(!quiet.contains("compressing"), "{quiet}");
    assert!(!quiet.contains("auditing"), "{quiet}");
}
