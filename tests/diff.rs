//! `scim-doctor diff` on the fixture pairs of fixtures/diff/ (fixed, regressed, unchanged,
//! ids regenerated), across sources (JSON report, bundle, snapshot), in every format, the
//! `--fail-on new` gate, and `bundle --baseline`.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

const BEFORE: &str = "fixtures/diff/before";

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env_remove("SCIM_TOKEN").env_remove("SCIM_BASE_URL");
    c
}

fn diff_json(before: &str, after: &str, extra: &[&str]) -> (Value, i32) {
    let out = bin()
        .args(["diff", before, after, "--format", "json", "-q"])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (v, code)
}

#[path = "shared/report.rs"]
mod report;
use report::check;

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn fixed_pair_resolves_the_duplicate_and_the_missing_email() {
    let (d, code) = diff_json(BEFORE, "fixtures/diff/fixed", &["--fail-on", "new"]);
    assert_eq!(code, 0, "nothing got worse");
    assert_eq!(d["worse"], false);
    let dup = check(&d, "duplicate-email");
    assert_eq!(
        (dup["before"].as_str(), dup["after"].as_str()),
        (Some("warn"), Some("pass"))
    );
    assert_eq!(dup["unit"], "clusters");
    assert_eq!(ids(&dup["resolved"]), ["ann@contoso.example"]);
    assert_eq!(
        ids(&check(&d, "missing-email")["resolved"]),
        ["2819c223-0004"]
    );
    let h = d["headline"].as_str().unwrap();
    assert!(h.contains("1 of 1 duplicate-email cluster resolved"), "{h}");
    assert_eq!(d["data"]["users"]["removed"][0]["id"], "2819c223-0002");
    let carol = &d["data"]["users"]["changed"].as_array().unwrap()[0];
    assert_eq!(carol["changes"][0]["attribute"], "emails");
    assert_eq!(d["data"]["groups"]["changed"][0]["name"], "Support");
}

#[test]
fn regressed_pair_reports_the_new_subject_and_fails_the_gate() {
    let (d, code) = diff_json(BEFORE, "fixtures/diff/regressed", &["--fail-on", "new"]);
    assert_eq!(code, 1, "--fail-on new exits 1 when something got worse");
    assert_eq!(d["worse"], true);
    let me = check(&d, "missing-email");
    assert_eq!(me["change"], "worse");
    assert_eq!(ids(&me["new"]), ["2819c223-0007"]);
    assert_eq!(ids(&me["still"]), ["2819c223-0004"]);
    assert!(d["headline"]
        .as_str()
        .unwrap()
        .contains("1 new missing-email"));
    let bob = &d["data"]["users"]["changed"][0];
    assert_eq!(
        (
            bob["changes"][0]["attribute"].as_str(),
            bob["changes"][0]["after"].as_str()
        ),
        (Some("active"), Some("false"))
    );
}

#[test]
fn unchanged_pair_reports_no_change_and_passes_the_gate() {
    let (d, code) = diff_json(BEFORE, "fixtures/diff/unchanged", &["--fail-on", "new"]);
    assert_eq!(code, 0);
    assert!(d["headline"]
        .as_str()
        .unwrap()
        .starts_with("no change in findings"));
    for c in d["checks"].as_array().unwrap() {
        assert!(c["change"] == "same", "{c}");
    }
    assert_eq!(d["data"]["users"]["unchanged"], 6);
}

#[test]
fn regenerated_ids_fall_back_to_user_name_instead_of_resolved_plus_new() {
    let (d, code) = diff_json(
        BEFORE,
        "fixtures/diff/ids-regenerated",
        &["--fail-on", "new"],
    );
    assert_eq!(code, 0, "a rebuilt tenant is not a regression");
    let me = check(&d, "missing-email");
    assert_eq!(me["change"], "same");
    assert!(
        me["new"].as_array().unwrap().is_empty() && me["resolved"].as_array().unwrap().is_empty()
    );
    assert_eq!(me["still"][0]["before_id"], "2819c223-0004");
    assert_eq!(me["matched_by_user_name"], 1);
    assert_eq!(d["data"]["users"]["matched_by_name"], 5);
    assert_eq!(d["data"]["users"]["added"].as_array().unwrap().len(), 0);
    assert!(d["notes"].to_string().contains("matched by userName"));
}

#[test]
fn ids_matter_without_the_fallback_a_renamed_user_is_resolved_and_new() {
    // Negative of the fallback: a different userName with a different id is another user.
    let dir = tempfile::tempdir().unwrap();
    let after = dir.path().join("after");
    std::fs::create_dir(&after).unwrap();
    let users = std::fs::read_to_string(format!("{BEFORE}/Users.json"))
        .unwrap()
        .replace("2819c223-0004", "zz-new")
        .replace("carol@contoso.example", "caroline@contoso.example");
    std::fs::write(after.join("Users.json"), users).unwrap();
    std::fs::copy(format!("{BEFORE}/Groups.json"), after.join("Groups.json")).unwrap();
    let (d, code) = diff_json(BEFORE, after.to_str().unwrap(), &["--fail-on", "new"]);
    let me = check(&d, "missing-email");
    assert_eq!(
        (ids(&me["resolved"]), ids(&me["new"])),
        (
            vec!["2819c223-0004".to_string()],
            vec!["zz-new".to_string()]
        )
    );
    assert_eq!(me["change"], "mixed");
    assert_eq!(code, 1);
}

fn report_of(src: &str, dir: &Path, name: &str) -> PathBuf {
    let out = bin()
        .args(["check", "--snapshot", src, "--format", "json", "-q"])
        .output()
        .unwrap();
    let p = dir.join(name);
    std::fs::write(&p, out.stdout).unwrap();
    p
}

/// `check --snapshot src --bundle zip` (JSON, quiet): a bundle to diff against.
fn bundle_of(src: &str, zip: &Path) {
    bin()
        .args([
            "check",
            "--snapshot",
            src,
            "--format",
            "json",
            "-q",
            "--bundle",
        ])
        .arg(zip)
        .output()
        .unwrap();
}

#[test]
fn report_against_snapshot_gives_findings_and_says_there_is_no_data_diff() {
    let dir = tempfile::tempdir().unwrap();
    let before = report_of(BEFORE, dir.path(), "before.json");
    let (d, _) = diff_json(before.to_str().unwrap(), "fixtures/diff/fixed", &[]);
    assert_eq!(d["before"]["kind"], "report");
    assert_eq!(d["after"]["kind"], "snapshot");
    assert!(d.get("data").is_none(), "no tenant data on the report side");
    assert!(d["notes"]
        .to_string()
        .contains("no tenant data diff: BEFORE has no tenant data"));
    assert_eq!(
        ids(&check(&d, "duplicate-email")["resolved"]),
        ["ann@contoso.example"]
    );
}

#[test]
fn bundle_against_snapshot_uses_the_bundle_report_and_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("before.zip");
    bundle_of(BEFORE, &zip);
    let (d, _) = diff_json(zip.to_str().unwrap(), "fixtures/diff/regressed", &[]);
    assert_eq!(d["before"]["kind"], "bundle");
    assert_eq!(d["before"]["has_tenant_data"], true);
    assert_eq!(
        d["data"]["users"]["added"][0]["name"],
        "frank@contoso.example"
    );
}

#[test]
fn default_exit_code_follows_the_after_side_like_check() {
    let (_, code) = diff_json(BEFORE, "fixtures/diff/fixed", &[]);
    assert_eq!(code, 0, "no fail-level finding left after the fix");
    let (_, code) = diff_json("fixtures/diff/fixed", BEFORE, &[]);
    assert_eq!(code, 1, "AFTER has fail-level findings");
}

#[test]
fn every_format_carries_the_headline() {
    for (format, marker) in [
        ("human", "before: snapshot"),
        ("markdown", "# scim-doctor diff"),
        ("html", "<!DOCTYPE html>"),
    ] {
        let out = bin()
            .args([
                "diff",
                BEFORE,
                "fixtures/diff/fixed",
                "-q",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker), "{format}");
        assert!(
            text.contains("1 of 1 duplicate-email cluster resolved"),
            "{format}"
        );
    }
    let out = bin()
        .args(["diff", BEFORE, "fixtures/diff/fixed", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "csv is refused with exit 2");
}

#[test]
fn no_audit_compares_data_only() {
    let (d, _) = diff_json(BEFORE, "fixtures/diff/fixed", &["--no-audit"]);
    assert!(d["checks"].as_array().unwrap().is_empty());
    assert_eq!(d["data"]["users"]["removed"].as_array().unwrap().len(), 1);
}

#[test]
fn unreadable_inputs_are_exit_2_with_what_the_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.json");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>Sign in</title></head></html>",
    )
    .unwrap();
    let out = bin()
        .args(["diff"])
        .arg(&page)
        .arg(BEFORE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Sign in"), "{err}");
    let out = bin()
        .args(["diff", "no/such/dir", BEFORE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bundle_baseline_adds_diff_files_and_a_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.zip");
    bundle_of(BEFORE, &old);
    let new = dir.path().join("new.zip");
    bin()
        .args([
            "bundle",
            "--snapshot",
            "fixtures/diff/fixed",
            "--format",
            "json",
            "-q",
            "--bundle",
        ])
        .arg(&new)
        .arg("--baseline")
        .arg(&old)
        .output()
        .unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&new).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let summary = read("summary.md");
    assert!(summary.contains("Compared with the baseline"), "{summary}");
    assert!(summary.contains("duplicate-email cluster resolved"));
    let d: Value = serde_json::from_str(&read("diff.json")).unwrap();
    assert_eq!(d["after"]["path"], "this bundle");
    assert!(read("diff.md").starts_with("# scim-doctor diff"));
    assert!(read("manifest.json").contains("diff.json"));
}

/// Proves a bundle written with --redact-pii is refused against a run in clear (exit 2, the
/// reason named) instead of reporting every user as changed.
#[test]
fn a_redacted_bundle_is_not_compared_with_a_run_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let redacted = dir.path().join("redacted.zip");
    let out = bin()
        .args([
            "bundle",
            "--snapshot",
            BEFORE,
            "--redact-pii",
            "--format",
            "json",
            "-q",
            "--out",
        ])
        .arg(&redacted)
        .output()
        .unwrap();
    assert!(
        redacted.exists(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = bin()
        .args(["diff"])
        .arg(&redacted)
        .arg("fixtures/diff/fixed")
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--redact-pii") && err.contains("pseudonyms"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// `scim-doctor snapshot` of `src` served over HTTP on 127.0.0.1, into `out`.
fn fetched_snapshot(src: &str, out: &Path) {
    let tenant = scim_doctor::source::snapshot::load(Path::new(src)).unwrap();
    let srv = scim_doctor::server::TestServer::start(
        tenant,
        scim_doctor::server::ServerConfig::with_token("t0k"),
    )
    .unwrap();
    let run = bin()
        .env("SCIM_TOKEN", "t0k")
        .args(["snapshot", "--base-url", srv.base_url(), "-q", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Proves each side says when its data was read (a snapshot's own fetch time, not the time
/// of the audit, which is the same for both) and that a BEFORE holding newer data is named.
#[test]
fn sides_carry_the_time_their_data_was_read() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    fetched_snapshot(BEFORE, &old);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    fetched_snapshot("fixtures/diff/fixed", &new);
    let (d, _) = diff_json(new.to_str().unwrap(), old.to_str().unwrap(), &[]);
    let (b, a) = (
        &d["before"]["data_fetched_at"],
        &d["after"]["data_fetched_at"],
    );
    assert!(b.is_string() && a.is_string(), "{d}");
    assert!(b.as_str() > a.as_str(), "{d}");
    assert!(
        d["notes"].to_string().contains("may be swapped"),
        "{}",
        d["notes"]
    );
    let out = bin()
        .args(["diff"])
        .arg(&old)
        .arg(&new)
        .args(["--format", "human", "-q"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the older data") && text.contains("the newer data"),
        "{text}"
    );
    // Two curl directories carry no time: the diff says the order is not known.
    let (d, _) = diff_json(BEFORE, "fixtures/diff/fixed", &[]);
    assert!(
        d["notes"].to_string().contains("is not known"),
        "{}",
        d["notes"]
    );
}
