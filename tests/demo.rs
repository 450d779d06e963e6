//! `scim-doctor demo` and `scim-doctor serve` run as real binaries, plus the properties of
//! the demo-tenant generator (every planted problem is really there, in the planted form).

use assert_cmd::cargo::CommandCargoExt;
use scim_doctor::demo::{self, Seeded};
use scim_doctor::model::{Tenant, User};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

#[test]
fn demo_prints_a_live_json_report_over_the_demo_tenant() {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["demo", "--format", "json", "--no-bundle"])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["source"]["kind"], "live");
    assert!(report["tenant"]["users"].as_u64().unwrap() > 2000);
    assert!(report["source"]["base_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("demo:"), "{stderr}");
}

/// Kills the child even when an assertion fails first.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `scim-doctor serve ARGS` and returns it with the base URL it printed first.
fn serve(args: &[&str]) -> (Killed, String) {
    let child = Command::cargo_bin("scim-doctor")
        .unwrap()
        .arg("serve")
        .args(args)
        .env("SCIM_DOCTOR_SERVE_TOKEN", "serve-test-token-77")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim().to_string())
}

#[test]
fn serve_demo_prints_the_base_url_first_and_answers_users() {
    let (_child, base) = serve(&["--demo", "--max-page-size", "50"]);
    assert!(
        base.starts_with("http://127.0.0.1:") && base.ends_with("/scim/v2"),
        "{base:?}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (status, body, unauth) = rt.block_on(async {
        let c = reqwest::Client::new();
        let r = c
            .get(format!("{base}/Users?count=500"))
            .bearer_auth("serve-test-token-77")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        let unauth = c
            .get(format!("{base}/Users"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        (status, body, unauth)
    });
    assert_eq!(status, 200);
    assert_eq!(body["totalResults"], demo::DEMO_USERS);
    assert_eq!(
        body["Resources"].as_array().unwrap().len(),
        50,
        "--max-page-size caps the page"
    );
    assert_eq!(unauth, 401);
}

#[test]
fn serve_without_a_source_is_a_usage_error() {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to serve"));
}

fn seeded<'a>(all: &'a [Seeded], kind: &str) -> &'a [String] {
    &all.iter()
        .find(|s| s.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .ids
}

fn users_by_id(t: &Tenant) -> HashMap<&str, &User> {
    t.users.iter().map(|u| (u.id.as_str(), u)).collect()
}

#[test]
fn demo_tenant_has_the_documented_size_and_every_problem_kind() {
    let (t, planted) = demo::generate_seeded(demo::DEMO_USERS, demo::DEMO_SEED);
    assert_eq!(t.users.len(), 3000);
    assert!((100..=140).contains(&t.groups.len()), "{}", t.groups.len());
    for s in &planted {
        assert!(!s.ids.is_empty(), "{} was not planted", s.kind);
    }
    let ids: HashSet<&str> = t.users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids.len(), t.users.len(), "user ids are unique");
}

#[test]
fn planted_user_problems_have_their_planted_form() {
    let (t, p) = demo::generate_seeded(demo::DEMO_USERS, demo::DEMO_SEED);
    let by_id = users_by_id(&t);
    let get = |id: &String| by_id[id.as_str()];
    assert!(seeded(&p, "no-emails")
        .iter()
        .all(|id| get(id).emails.is_empty()));
    assert!(seeded(&p, "empty-emails-array")
        .iter()
        .all(|id| get(id).to_scim()["emails"] == serde_json::json!([])));
    assert!(seeded(&p, "blank-email-value")
        .iter()
        .all(|id| get(id).emails[0].value.trim().is_empty()));
    assert!(seeded(&p, "invalid-email").iter().all(|id| {
        let v = &get(id).emails[0].value;
        v.matches('@').count() != 1 || v.contains(' ') || v.ends_with('@')
    }));
    assert!(seeded(&p, "username-not-email").iter().all(|id| !get(id)
        .user_name
        .as_ref()
        .unwrap()
        .contains('@')));
    assert!(seeded(&p, "two-primary-emails").iter().all(|id| get(id)
        .emails
        .iter()
        .filter(|e| e.primary)
        .count()
        == 2));
    assert!(seeded(&p, "disabled")
        .iter()
        .all(|id| get(id).active == Some(false)));
    for pair in seeded(&p, "duplicate-email-disabled-copy").chunks(2) {
        let (a, b) = (get(&pair[0]), get(&pair[1]));
        assert_eq!(
            a.emails[0].value.trim().to_lowercase(),
            b.emails[0].value.trim().to_lowercase()
        );
        assert_eq!((a.active, b.active), (Some(true), Some(false)));
    }
    for pair in seeded(&p, "duplicate-external-id").chunks(2) {
        assert_eq!(get(&pair[0]).external_id, get(&pair[1]).external_id);
    }
    for pair in seeded(&p, "username-case-twin").chunks(2) {
        let (a, b) = (
            get(&pair[0]).user_name.clone().unwrap(),
            get(&pair[1]).user_name.clone().unwrap(),
        );
        assert!(a != b && a.to_lowercase() == b.to_lowercase(), "{a} / {b}");
    }
    for pair in seeded(&p, "soft-delete-leftover").chunks(2) {
        let (live, gone) = (get(&pair[0]), get(&pair[1]));
        let upn = gone.user_name.clone().unwrap();
        assert!(upn[..32].chars().all(|c| c.is_ascii_hexdigit()), "{upn}");
        assert_eq!(&upn[32..], live.user_name.as_deref().unwrap());
        assert_eq!((live.active, gone.active), (Some(true), Some(false)));
        assert_eq!(live.emails, gone.emails);
        assert_ne!(live.external_id, gone.external_id);
    }
}

#[test]
fn planted_group_problems_have_their_planted_form() {
    let (t, p) = demo::generate_seeded(demo::DEMO_USERS, demo::DEMO_SEED);
    let users: HashSet<&str> = t.users.iter().map(|u| u.id.as_str()).collect();
    let groups: HashMap<&str, &scim_doctor::model::Group> =
        t.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    for id in seeded(&p, "empty-group") {
        assert!(groups[id.as_str()].members.is_empty());
    }
    for id in seeded(&p, "orphan-member") {
        assert!(groups[id.as_str()]
            .members
            .iter()
            .any(|m| !users.contains(m.value.as_str())));
    }
    for id in seeded(&p, "nested-group") {
        let g = groups[id.as_str()];
        assert!(!g.members.is_empty());
        assert!(g
            .members
            .iter()
            .all(|m| m.kind.as_deref() == Some("Group") && groups.contains_key(m.value.as_str())));
    }
    let twins = seeded(&p, "group-name-case-twin");
    let names: Vec<String> = twins
        .iter()
        .map(|id| groups[id.as_str()].name().to_lowercase())
        .collect();
    assert_eq!(names[0], names[1]);
    assert_ne!(
        groups[twins[0].as_str()].name(),
        groups[twins[1].as_str()].name()
    );
    // Outside the planted orphans, every member points at a user or group that exists.
    let orphan_groups: HashSet<&str> = seeded(&p, "orphan-member")
        .iter()
        .map(|s| s.as_str())
        .collect();
    for g in t
        .groups
        .iter()
        .filter(|g| !orphan_groups.contains(g.id.as_str()))
    {
        assert!(g
            .members
            .iter()
            .all(|m| users.contains(m.value.as_str()) || groups.contains_key(m.value.as_str())));
    }
}

#[test]
fn healthy_users_are_really_healthy() {
    let (t, p) = demo::generate_seeded(demo::DEMO_USERS, demo::DEMO_SEED);
    let planted: HashSet<&str> = p
        .iter()
        .flat_map(|s| s.ids.iter().map(|i| i.as_str()))
        .collect();
    let mut names = HashSet::new();
    for u in t.users.iter().filter(|u| !planted.contains(u.id.as_str())) {
        let upn = u.user_name.as_deref().unwrap();
        assert!(
            names.insert(upn.to_lowercase()),
            "unplanted duplicate userName {upn}"
        );
        assert_eq!(u.emails.len(), 1);
        assert_eq!(u.emails[0].value, upn);
        assert_eq!(u.active, Some(true));
        assert!(u.has_attribute(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        ));
    }
}

#[test]
fn serve_snapshot_from_a_bundle_zip() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("case.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let users = r#"{"Resources":[{"id":"z1","userName":"zip@example.test"},{"id":"z2","userName":"two@example.test"}]}"#;
    zip.start_file(
        "snapshot/Users.json",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    std::io::Write::write_all(&mut zip, users.as_bytes()).unwrap();
    zip.finish().unwrap();
    let (_child, base) = serve(&["--snapshot", zip_path.to_str().unwrap()]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let body: serde_json::Value = rt.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{base}/Users/z2"))
            .bearer_auth("serve-test-token-77");
        r.send().await.unwrap().json().await.unwrap()
    });
    assert_eq!(body["userName"], "two@example.test");
}

#[test]
fn serve_rejects_a_file_that_is_not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "hello").unwrap();
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["serve", "--snapshot"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("neither a snapshot directory nor a bundle zip"));
}

#[cfg(unix)]
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let (mut child, base) = serve(&["--generate", "50"]);
    assert!(base.starts_with("http://127.0.0.1:"));
    let pid = child.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve did not stop on SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

/// Proves the demo shows every check with a verdict (none skipped for want of input), writes
/// a bundle that verifies, and ends the human report with an explain-user trace.
#[test]
fn demo_shows_every_check_writes_a_bundle_and_explains_a_user() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["demo", "--format", "json", "--bundle-path"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        // tls: the demo serves plain HTTP; replay-*: the write probe is opt-in
        // (`scim-doctor replay --allow-writes`), never run by a read-only command.
        .filter(|c| c["status"] == "skipped" && c["id"] != "tls")
        .filter(|c| !c["id"].as_str().unwrap_or("").starts_with("replay-"))
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        skipped.is_empty(),
        "the demo should exercise every check, skipped: {skipped:?}"
    );
    let zips: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .collect();
    assert_eq!(
        zips.len(),
        1,
        "one bundle expected in {}",
        dir.path().display()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("bundle written: {}", zips[0].display())),
        "{stderr}"
    );
    let verify = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["bundle", "verify"])
        .arg(&zips[0])
        .output()
        .unwrap();
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let human = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args([
            "demo",
            "--format",
            "human",
            "--color",
            "never",
            "--no-bundle",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("== Example: scim-doctor explain-user "),
        "{text}"
    );
    for stage in [
        "1. Import",
        "2. Scope",
        "3. Match",
        "4. Target state",
        "5. Logs",
        "Verdict:",
    ] {
        assert!(
            text.contains(stage),
            "missing `{stage}` in the explain example"
        );
    }
}

/// Proves a demo run leaves nothing in the temp directory (no bundle zip unless
/// --bundle-path, the sample inputs removed) and never prints the path of a sample input it
/// removes (it says `[demo sample]/NAME` instead).
#[test]
fn demo_leaves_nothing_behind_and_prints_no_removed_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["demo", "--format", "human", "--color", "never"])
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0) | Some(1)));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "the demo left {left:?}");
    assert!(
        !text.contains(&tmp.path().display().to_string()),
        "a removed path is printed"
    );
    assert!(text.contains("[demo sample]/"), "the inputs are not named");
    assert!(
        text.contains("--bundle-path"),
        "no hint how to get the bundle"
    );
}

/// Splits a README command line into arguments (double quotes group words).
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Proves `demo --write-samples DIR` writes the files the README's explain-user and bundle
/// examples use, and that every README command on `./sample` runs on them (exit 0 or 1).
#[test]
fn readme_examples_run_on_the_demo_samples() {
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["demo", "--write-samples"])
        .arg(&sample)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "snapshot/users.ndjson",
        "entra-users.csv",
        "scope.toml",
        "provisioning-logs.json",
    ] {
        assert!(sample.join(f).is_file(), "{f} not written");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let joined = readme.replace(" \\\n", " ");
    let commands: Vec<&str> = joined
        .lines()
        .map(|l| l.split(" # ").next().unwrap().trim())
        .filter(|l| l.starts_with("scim-doctor ") && l.contains("./sample/"))
        .collect();
    assert!(commands.len() >= 2, "{commands:?}");
    for line in commands {
        let args: Vec<String> = words(line)
            .into_iter()
            .skip(1)
            .map(|w| {
                w.replace("./sample", &sample.display().to_string())
                    .replace(
                        "ticket.zip",
                        &dir.path().join("ticket.zip").display().to_string(),
                    )
            })
            .collect();
        let run = Command::cargo_bin("scim-doctor")
            .unwrap()
            .args(&args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(
            matches!(run.status.code(), Some(0) | Some(1)),
            "{line}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    assert!(
        dir.path().join("ticket.zip").is_file(),
        "the bundle example wrote no zip"
    );
}
