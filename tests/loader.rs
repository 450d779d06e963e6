//! The loader never drops or misreads silently (issue 11), through the real binary on the
//! inputs in fixtures/input/ (see its README for the source of each shape): partial data
//! is never a pass, a missing half skips the checks that need it, load failures name the
//! file, the position and the cause with exit 2, and live and offline runs report repeated
//! ids the same way. Servers started here listen on 127.0.0.1 and stop on drop.

use assert_cmd::Command;
use scim_doctor::model::{Email, Tenant, User};
use scim_doctor::server::{ServerConfig, TestServer};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/input")
        .join(name)
}

fn doctor() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-01-01T00:00:00Z")
        .env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_TOKEN")
        .timeout(Duration::from_secs(120));
    c
}

/// `check --snapshot PATH --format json` (full audit): (exit code, report).
fn audit(path: &Path) -> (i32, Value) {
    let out = doctor()
        .args(["check", "--snapshot"])
        .arg(path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        code,
        serde_json::from_slice(&out.stdout).expect("JSON report"),
    )
}

/// `check --snapshot PATH` that must fail to load: (exit code, stderr).
fn refused(path: &Path) -> (i32, String) {
    let out = doctor()
        .args(["check", "--snapshot"])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[path = "shared/report.rs"]
mod report;
use report::{check as entry, message, status};

fn details(report: &Value, id: &str) -> Vec<String> {
    entry(report, id)["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["id"].as_str().unwrap(),
                s["detail"].as_str().unwrap()
            )
        })
        .collect()
}

/// A ListResponse page (totalResults 5000, 2 held) fails input-integrity, and a per-user
/// check that found nothing says it saw 2 of 5,000 users instead of passing.
#[test]
fn a_page_is_not_the_tenant_and_per_user_checks_say_how_much_they_saw() {
    let (code, r) = audit(&fixture("one-page"));
    assert_eq!(code, 1);
    assert_eq!(r["tenant"]["complete"], false);
    assert_eq!(status(&r, "input-integrity"), "fail");
    assert_eq!(status(&r, "missing-email"), "warn");
    assert!(
        message(&r, "missing-email").contains("no problem in the 2 of 5,000 users fetched"),
        "{}",
        message(&r, "missing-email")
    );
    assert_eq!(status(&r, "orphan-group-member"), "skipped");
    let full = r["playbooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "full-audit")
        .unwrap();
    assert_ne!(full["status"], "pass");
}

/// snapshot.json records 3 users, users.ndjson holds 1 and half a line: exit 1, the cut
/// line and the count mismatch are both named.
#[test]
fn a_truncated_snapshot_does_not_exit_0() {
    let (code, r) = audit(&fixture("snapshot-truncated"));
    assert_eq!(code, 1);
    assert_eq!(status(&r, "input-integrity"), "fail");
    let d = details(&r, "input-integrity").join("\n");
    assert!(
        d.contains("users.ndjson line 2") && d.contains("truncated"),
        "{d}"
    );
    assert!(d.contains("snapshot.json records 3"), "{d}");
}

/// An emptied users.ndjson (the manifest says 3): exit 1, and no per-user check passes.
#[test]
fn an_emptied_users_file_does_not_exit_0() {
    let (code, r) = audit(&fixture("snapshot-empty-users"));
    assert_eq!(code, 1);
    assert_eq!(status(&r, "input-integrity"), "fail");
    assert_eq!(status(&r, "missing-email"), "warn");
    assert!(message(&r, "missing-email").contains("0 of 3 users"));
}

/// Only Groups.json: checks over users are skipped with the reason, orphans are not invented.
#[test]
fn groups_without_users_skip_the_checks_that_need_users() {
    let (_, r) = audit(&fixture("groups-only"));
    for id in ["missing-email", "duplicate-username", "orphan-group-member"] {
        assert_eq!(status(&r, id), "skipped", "{id}");
        assert!(message(&r, id).contains("needs users"), "{id}");
    }
    assert_eq!(status(&r, "nested-group"), "pass");
}

/// Only Users.json: group checks are skipped, user checks run.
#[test]
fn users_without_groups_skip_the_group_checks() {
    let (_, r) = audit(&fixture("users-only"));
    for id in ["nested-group", "empty-group", "duplicate-group-name"] {
        assert_eq!(status(&r, id), "skipped", "{id}");
        assert!(message(&r, id).contains("needs groups"), "{id}");
    }
    assert_eq!(status(&r, "missing-email"), "pass");
    assert_eq!(status(&r, "input-integrity"), "pass");
}

/// A /.search result holding both kinds is split by each resource's schemas.
#[test]
fn a_search_result_is_split_by_schemas() {
    let (code, r) = audit(&fixture("search-result"));
    assert_eq!(code, 0, "{r}");
    assert_eq!(
        (
            r["tenant"]["users"].as_u64(),
            r["tenant"]["groups"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(r["tenant"]["read"], 3);
    assert_eq!(status(&r, "orphan-group-member"), "pass");
}

/// One file given directly (`curl .../Users > Users.json`) loads, its name hinting the kind.
#[test]
fn a_single_json_file_loads_as_a_snapshot() {
    let (_, r) = audit(&fixture("rfc-example").join("Users.json"));
    assert_eq!(r["tenant"]["users"], 2);
    assert_eq!(status(&r, "nested-group"), "skipped");
}

/// Every load failure: exit 2, the file named, the cause in words, never a panic.
#[test]
fn load_failures_name_the_file_the_position_and_the_cause() {
    let cases = [
        (
            "curl-401",
            vec![
                "Users.json",
                "SCIM error response",
                "401",
                "Authorization failure",
            ],
        ),
        (
            "html-login",
            vec!["Users.json", "HTML page titled \"Sign in to your account\""],
        ),
        ("truncated", vec!["Users.json", "truncated JSON", "line"]),
        (
            "wrong-shape",
            vec![
                "Users.json",
                "expected a SCIM ListResponse",
                "found an object with keys users",
                "line 42",
            ],
        ),
        ("not-utf8", vec!["Users.json", "not UTF-8", "offset 28"]),
    ];
    for (dir, wanted) in cases {
        let (code, err) = refused(&fixture(dir));
        assert_eq!(code, 2, "{dir}: {err}");
        assert!(!err.contains("panicked"), "{dir}: {err}");
        for w in wanted {
            assert!(err.contains(w), "{dir}: expected {w:?} in: {err}");
        }
    }
}

/// Windows encodings (UTF-8 with BOM, UTF-16 LE and BE with BOM) and gzip load the same
/// tenant as the plain file.
#[test]
fn bom_utf16_and_gzip_files_load_like_plain_ones() {
    let plain = std::fs::read_to_string(fixture("rfc-example/Users.json")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let utf16 = |be: bool| -> Vec<u8> {
        let mut b = if be {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in plain.encode_utf16() {
            b.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        b
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(plain.as_bytes()).unwrap();
    let variants: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "utf8-bom",
            "Users.json",
            [&[0xEF, 0xBB, 0xBF][..], plain.as_bytes()].concat(),
        ),
        ("utf16le", "Users.json", utf16(false)),
        ("utf16be", "Users.json", utf16(true)),
        ("gzip", "Users.json.gz", gz.finish().unwrap()),
    ];
    for (name, file, bytes) in variants {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join(file), bytes).unwrap();
        let (_, r) = audit(&d);
        assert_eq!(r["tenant"]["users"], 2, "{name}");
        assert_eq!(status(&r, "input-integrity"), "pass", "{name}");
    }
}

/// Human and markdown reports say how many resources were read and how many analysed.
#[test]
fn every_report_says_read_versus_analysed() {
    for format in ["human", "markdown"] {
        let out = doctor()
            .args(["check", "--snapshot"])
            .arg(fixture("rfc-example"))
            .args(["--format", format])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("read 3 resources, analysed 2 users and 1 group"),
            "{format}: {text}"
        );
    }
}

fn person(id: &str, name: &str) -> User {
    User {
        id: id.into(),
        user_name: Some(format!("{name}@example.test")),
        active: Some(true),
        emails: vec![Email {
            value: format!("{name}@example.test"),
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

/// A server that lists the same id twice, fetched live, and the same listing saved as a
/// file, give the same input-integrity finding (status, subject, wording), and a snapshot
/// of the live run re-read offline gives it again.
#[test]
fn repeated_ids_are_reported_the_same_live_and_offline() {
    const TOKEN: &str = "loader-test-token-7c2e";
    let mut t = Tenant::new("dup");
    t.users = vec![
        person("u1", "ann"),
        person("u2", "ben"),
        person("u2", "ben"),
    ];
    let server = TestServer::start(t, ServerConfig::with_token(TOKEN)).unwrap();
    let live = doctor()
        .env("SCIM_TOKEN", TOKEN)
        .args(["check", "--base-url", server.base_url(), "--format", "json"])
        .output()
        .unwrap();
    let live: Value = serde_json::from_slice(&live.stdout).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let users: Vec<Value> = ["u1", "u2", "u2"]
        .iter()
        .zip(["ann", "ben", "ben"])
        .map(|(id, n)| person(id, n).to_scim())
        .collect();
    std::fs::write(
        dir.path().join("Users.json"),
        serde_json::to_vec(&serde_json::json!({"totalResults": 3, "Resources": users})).unwrap(),
    )
    .unwrap();
    let (_, offline) = audit(dir.path());

    let snap = dir.path().join("snap");
    let out = doctor()
        .env("SCIM_TOKEN", TOKEN)
        .args(["snapshot", "--base-url", server.base_url(), "--out"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1));
    let (_, reread) = audit(&snap);

    for r in [&live, &offline, &reread] {
        assert_eq!(
            status(r, "input-integrity"),
            "fail",
            "{}",
            entry(r, "input-integrity")
        );
        let e = entry(r, "input-integrity");
        let subjects: Vec<&Value> = e["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] == "user")
            .collect();
        assert_eq!(subjects.len(), 1, "{e}");
        assert_eq!(subjects[0]["id"], "u2");
        let detail = subjects[0]["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("user id returned again at") && detail.ends_with("(kept once)"),
            "{detail}"
        );
        // totalResults 3 with 2 distinct: live and offline both call the tenant incomplete.
        assert_eq!(r["tenant"]["complete"], false, "{e}");
        assert_eq!(r["tenant"]["users"], 2);
        assert_eq!(r["tenant"]["merged"], 1);
    }
}
