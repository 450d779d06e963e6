//! Support-bundle tests on the real binary: contents and manifest, default name, redaction
//! (nothing personal left, same findings), the private map, `bundle verify` on tampered
//! zips, reloading a bundle with --snapshot, unsafe zips refused, and planted secrets that
//! must appear nowhere (zip entries, stdout, stderr) for a healthy endpoint and for 401,
//! HTML-page and timeout failures.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const FIXED_TIME: &str = "2026-11-26T08:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundle")
        .join(name)
}

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_DOCTOR_FIXED_TIME", FIXED_TIME)
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_PASSWORD")
        .env_remove("SCIM_BASE_URL")
        .env("NO_COLOR", "1");
    c
}

/// Every entry of a zip, decompressed.
fn entries(zip_path: &Path) -> BTreeMap<String, Vec<u8>> {
    let f = std::fs::File::open(zip_path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).unwrap();
        out.insert(e.name().to_string(), buf);
    }
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `check --snapshot <src> --bundle <zip>` with extra args; returns the zip path.
fn bundle_of(src: &Path, dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let zip = dir.join(name);
    bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(src)
        .arg("--bundle")
        .arg(&zip)
        .args(extra)
        .assert()
        .code(predicates::ord::lt(2));
    zip
}

/// What must not change between runs: per check its status, count, and which subject ids
/// are grouped together (ids, statuses and grouping survive pseudonymisation).
fn findings(report: &Value) -> BTreeMap<String, (String, u64, BTreeSet<BTreeSet<String>>)> {
    let mut out = BTreeMap::new();
    for c in report["checks"].as_array().unwrap() {
        let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in c["subjects"].as_array().unwrap() {
            // Group keys are pseudonymised too: compare the partition, not the key text.
            let key = s
                .get("group")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase();
            groups
                .entry(key)
                .or_default()
                .insert(s["id"].as_str().unwrap().to_string());
        }
        out.insert(
            c["id"].as_str().unwrap().to_string(),
            (
                c["status"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
                groups.into_values().collect(),
            ),
        );
    }
    out
}

#[test]
fn bundle_from_snapshot_holds_every_file_and_a_matching_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let zip = bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "b.zip",
        &[
            "--case-id",
            "CS-0042",
            "--description",
            "nobody in VPN Users can connect since Monday",
        ],
    );
    let files = entries(&zip);
    for name in [
        "summary.md",
        "report.json",
        "checks/checks.csv",
        "requests.jsonl",
        "environment.json",
        "manifest.json",
        "snapshot/users.ndjson",
        "snapshot/groups.ndjson",
        "snapshot/snapshot.json",
    ] {
        assert!(
            files.contains_key(name),
            "missing {name}: {:?}",
            files.keys()
        );
    }
    let report: Value = serde_json::from_slice(&files["report.json"]).unwrap();
    for c in report["checks"].as_array().unwrap() {
        let name = format!("checks/{}.csv", c["id"].as_str().unwrap());
        assert!(files.contains_key(&name), "no {name}");
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        files.len() - 1,
        "every entry but the manifest is listed"
    );
    for m in listed {
        let bytes = &files[m["path"].as_str().unwrap()];
        assert_eq!(m["size"].as_u64().unwrap(), bytes.len() as u64);
        assert_eq!(
            m["sha256"].as_str().unwrap(),
            scim_doctor::bundle::archive::sha256_hex(bytes)
        );
    }
    let side = std::fs::read_to_string(dir.path().join("b.zip.sha256")).unwrap();
    assert_eq!(
        side,
        format!(
            "{}  b.zip\n",
            scim_doctor::bundle::archive::sha256_file(&zip).unwrap()
        )
    );
    let summary = text(&files["summary.md"]);
    assert!(summary.contains("(case CS-0042)"));
    assert!(summary.contains("nobody in VPN Users can connect since Monday"));
    assert!(summary.contains("## 3. Connectivity"));
    let env: Value = serde_json::from_slice(&files["environment.json"]).unwrap();
    assert_eq!(env["utc_time"], FIXED_TIME);
    assert!(env["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "--bundle"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "zip and .sha256 only, no partial file"
    );
}

#[test]
fn bundle_command_uses_the_default_name_in_the_current_directory() {
    let dir = tempfile::tempdir().unwrap();
    bin()
        .current_dir(dir.path())
        .args([
            "bundle",
            "--format",
            "json",
            "--case-id",
            "case 7/a",
            "--snapshot",
        ])
        .arg(fixture("tenant-small"))
        .assert()
        .code(predicates::ord::lt(2))
        .stderr(predicates::str::contains("bundle written"));
    let expected = "scim-doctor-tenant-small-case-7-a-20261126T080000Z.zip";
    assert!(
        dir.path().join(expected).is_file(),
        "{:?}",
        std::fs::read_dir(dir.path()).unwrap().collect::<Vec<_>>()
    );
}

#[test]
fn no_snapshot_leaves_the_tenant_out_and_reloading_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let zip = bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "n.zip",
        &["--no-snapshot"],
    );
    assert!(!entries(&zip).keys().any(|k| k.starts_with("snapshot/")));
    bin()
        .args(["check", "--snapshot"])
        .arg(&zip)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--no-snapshot"));
}

/// Every personal value of the fixture tenant, read straight from its files.
fn fixture_pii() -> Vec<String> {
    let users: Value =
        serde_json::from_slice(&std::fs::read(fixture("tenant-small/Users.json")).unwrap())
            .unwrap();
    let groups: Value =
        serde_json::from_slice(&std::fs::read(fixture("tenant-small/Groups.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for u in users["Resources"].as_array().unwrap() {
        for k in ["userName", "externalId", "displayName"] {
            out.push(u[k].as_str().unwrap().to_string());
        }
        out.push(u["name"]["givenName"].as_str().unwrap().to_string());
        out.push(u["name"]["familyName"].as_str().unwrap().to_string());
        for e in u["emails"].as_array().unwrap() {
            out.push(e["value"].as_str().unwrap().to_string());
        }
        for p in u
            .get("phoneNumbers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.push(p["value"].as_str().unwrap().to_string());
        }
    }
    for g in groups.as_array().unwrap() {
        for m in g["members"].as_array().unwrap() {
            out.push(m["display"].as_str().unwrap().to_string());
        }
    }
    out
}

#[test]
fn redact_pii_leaves_no_personal_value_and_keeps_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let plain = bundle_of(&fixture("tenant-small"), dir.path(), "plain.zip", &[]);
    let red = bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "red.zip",
        &["--redact-pii"],
    );
    let files = entries(&red);
    let pii = fixture_pii();
    assert!(pii.len() > 30);
    for (name, bytes) in &files {
        let t = text(bytes).to_lowercase();
        for v in &pii {
            assert!(!t.contains(&v.to_lowercase()), "{name} still contains {v}");
        }
    }
    // The same run without redaction does contain them: the check above can fail.
    let plain_users = text(&entries(&plain)["snapshot/users.ndjson"]);
    assert!(plain_users.contains("Barbara Jensen"));
    let a: Value = serde_json::from_slice(&entries(&plain)["report.json"]).unwrap();
    let b: Value = serde_json::from_slice(&files["report.json"]).unwrap();
    assert_eq!(findings(&a), findings(&b));
    // The soft-delete leftover keeps its 32-hex prefix and shares the live user's pseudonym.
    let users = text(&files["snapshot/users.ndjson"]);
    let first: Value = serde_json::from_str(users.lines().next().unwrap()).unwrap();
    let second: Value = serde_json::from_str(users.lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        second["userName"].as_str().unwrap(),
        format!(
            "0f3c9a7be21d4c55a8e6b1d2c3e4f5a6{}",
            first["userName"].as_str().unwrap()
        )
    );
}

#[test]
fn pseudonym_map_is_private_outside_the_zip_and_reused_with_map_file() {
    let dir = tempfile::tempdir().unwrap();
    let red = bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "red.zip",
        &["--redact-pii", "--keep-domains"],
    );
    let map_path = dir.path().join("red.zip.map.json");
    let map: Value = serde_json::from_slice(&std::fs::read(&map_path).unwrap()).unwrap();
    assert!(!entries(&red).keys().any(|k| k.contains("map")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&map_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let barbara = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["original"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("bjensen@example.com")
        })
        .unwrap();
    assert!(
        barbara["pseudonym"]
            .as_str()
            .unwrap()
            .ends_with("@example.com"),
        "--keep-domains keeps the domain"
    );
    // A second run with --map-file gives the same pseudonyms.
    let again = bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "again.zip",
        &[
            "--redact-pii",
            "--keep-domains",
            "--map-file",
            map_path.to_str().unwrap(),
        ],
    );
    assert_eq!(
        entries(&red)["snapshot/users.ndjson"],
        entries(&again)["snapshot/users.ndjson"]
    );
    assert!(
        !dir.path().join("again.zip.map.json").exists(),
        "the map went back to --map-file"
    );
}

fn verify(zip: &Path) -> std::process::Output {
    bin().args(["bundle", "verify"]).arg(zip).output().unwrap()
}

#[test]
fn bundle_verify_passes_on_an_untouched_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let zip = bundle_of(&fixture("tenant-small"), dir.path(), "b.zip", &[]);
    let out = verify(&zip);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).starts_with("ok:"));
}

#[test]
fn bundle_verify_names_an_entry_rewritten_with_one_byte_changed() {
    let dir = tempfile::tempdir().unwrap();
    let zip = bundle_of(&fixture("tenant-small"), dir.path(), "b.zip", &[]);
    let mut files = entries(&zip);
    let summary = files.get_mut("summary.md").unwrap();
    summary[2] ^= 0x01;
    // A well-formed zip with the same names: only the manifest can tell.
    let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
    for (name, bytes) in &files {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap();
    let out = verify(&zip);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("MISMATCH summary.md"), "{stdout}");
    assert!(!stdout.contains("MISMATCH report.json"), "{stdout}");
}

#[test]
fn bundle_verify_names_the_entry_when_a_raw_byte_of_the_zip_flips() {
    let dir = tempfile::tempdir().unwrap();
    let zip = bundle_of(&fixture("tenant-small"), dir.path(), "b.zip", &[]);
    let offset = {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
        let e = z.by_name("report.json").unwrap();
        e.data_start() + e.compressed_size() / 2
    };
    let mut raw = std::fs::read(&zip).unwrap();
    raw[offset as usize] ^= 0x55;
    std::fs::write(&zip, &raw).unwrap();
    let out = verify(&zip);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("MISMATCH report.json"), "{stdout}");
    assert!(stdout.contains("does NOT match its .sha256"), "{stdout}");
}

#[test]
fn bundle_verify_exits_2_on_a_file_that_is_not_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.zip");
    std::fs::write(&p, b"not a zip").unwrap();
    let out = verify(&p);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a readable zip"));
}

#[test]
fn a_reloaded_bundle_reproduces_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let run = |src: &Path| -> Value {
        let out = bin()
            .args(["check", "--format", "json", "--snapshot"])
            .arg(src)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let zip = bundle_of(&fixture("tenant-small"), dir.path(), "b.zip", &[]);
    let original = run(&fixture("tenant-small"));
    let reloaded = run(&zip);
    assert_eq!(findings(&original), findings(&reloaded));
    assert_eq!(original["tenant"], reloaded["tenant"]);
}

fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (n, b) in entries {
        w.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn zip_slip_entries_are_refused_when_reloading() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("slip.zip");
    write_zip(
        &p,
        &[
            ("snapshot/users.ndjson", b"{\"id\":\"1\"}\n"),
            ("snapshot/../../evil.sh", b"x"),
        ],
    );
    bin()
        .args(["check", "--snapshot"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unsafe entry name"));
}

#[test]
fn entries_declaring_more_than_the_size_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.zip");
    write_zip(
        &p,
        &[
            ("snapshot/users.ndjson", b"{}\n"),
            ("snapshot/groups.ndjson", b"{}\n"),
        ],
    );
    // Patch the central directory: each entry now claims 4 GiB - 1 uncompressed bytes.
    let mut raw = std::fs::read(&p).unwrap();
    let mut i = 0;
    while i + 28 <= raw.len() {
        if raw[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            raw[i + 24..i + 28].copy_from_slice(&[0xff, 0xff, 0xff, 0xfe]);
        }
        i += 1;
    }
    std::fs::write(&p, &raw).unwrap();
    bin()
        .args(["check", "--snapshot"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("refusing to read it"));
}

// ---- Planted secrets over live runs -------------------------------------------------------

const TOKEN: &str = "tok-PLANTED-5e7a91c3d2";
const USERNAME: &str = "scimkey-01";
const PASSWORD: &str = "pw-PLANTED-8b2f60aa";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// A healthy SCIM server that (badly) echoes the Authorization header in a header and
    /// in a user attribute, so the secret reaches the transcript and the snapshot.
    Ok,
    /// 401 with the Authorization header quoted in the body.
    Unauthorized,
    /// 200 text/html login page quoting the Authorization header.
    Html,
    /// Accepts, never answers.
    Hang,
}

/// A tiny HTTP/1.1 responder on 127.0.0.1 for canned failure classes; stops on Drop.
struct Canned {
    addr: std::net::SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

fn respond(
    mut s: std::net::TcpStream,
    mode: Mode,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::io::BufRead;
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("authorization") {
                auth = v.trim().to_string();
            }
        }
    }
    let (status, ctype, body) = match mode {
        Mode::Hang => {
            let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while !stop.load(std::sync::atomic::Ordering::SeqCst) && std::time::Instant::now() < until {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            return;
        }
        Mode::Unauthorized => ("401 Unauthorized", "application/json", format!("{{\"detail\":\"bad credentials: {auth}\",\"status\":\"401\"}}")),
        Mode::Html => ("200 OK", "text/html", format!("<!doctype html><html><body>Sign in. Debug: {auth}</body></html>")),
        Mode::Ok if path.contains("/Users") && path.contains("startIndex=1&") || path.ends_with("/Users") => (
            "200 OK",
            "application/scim+json",
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
                "Resources": [{ "id": "u-1", "userName": "live.user@example.com", "active": true, "title": auth,
                                "emails": [{ "value": "live.user@example.com", "primary": true }] }]
            })
            .to_string(),
        ),
        Mode::Ok => (
            "200 OK",
            "application/scim+json",
            serde_json::json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": [] }).to_string(),
        ),
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nX-Echo: {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

impl Canned {
    fn start(mode: Mode) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if let Ok(s) = conn {
                    let f = flag.clone();
                    std::thread::spawn(move || respond(s, mode, f));
                }
            }
        });
        Canned {
            addr,
            stop,
            handle: Some(handle),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}/scim/v2", self.addr)
    }
}

impl Drop for Canned {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Every form of the planted secrets that must never appear.
fn planted() -> Vec<String> {
    let basic =
        scim_doctor::source::http::base64_encode(format!("{USERNAME}:{PASSWORD}").as_bytes());
    vec![TOKEN.to_string(), PASSWORD.to_string(), basic]
}

/// Runs a live `bundle` against `mode` with bearer or basic auth and asserts no planted
/// secret is in stdout, stderr, any zip entry or any file beside the zip.
fn assert_no_secret_leaks(mode: Mode, basic: bool) {
    let server = Canned::start(mode);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("live.zip");
    let mut cmd = bin();
    cmd.args([
        "bundle",
        "--format",
        "human",
        "--timeout",
        "1",
        "--retries",
        "0",
        "--redact-pii",
        "--base-url",
    ])
    .arg(server.base_url())
    .arg("--bundle")
    .arg(&zip)
    .args(["--description", "planted secret run"]);
    if basic {
        cmd.env("SCIM_PASSWORD", PASSWORD)
            .args(["--username", USERNAME]);
    } else {
        cmd.env("SCIM_TOKEN", TOKEN);
    }
    let out = cmd.output().unwrap();
    drop(server);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "exit {:?}: {stderr}",
        out.status.code()
    );
    let files = entries(&zip);
    let requests = text(&files["requests.jsonl"]);
    assert!(!requests.is_empty(), "the run recorded its exchanges");
    if mode != Mode::Hang {
        assert!(
            requests.contains("[REDACTED]"),
            "the echoed secret reached the transcript and was scrubbed: {requests}"
        );
    }
    let mut texts: Vec<(String, String)> =
        vec![("stdout".into(), stdout), ("stderr".into(), stderr)];
    texts.extend(files.iter().map(|(n, b)| (n.clone(), text(b))));
    for f in std::fs::read_dir(dir.path()).unwrap() {
        let p = f.unwrap().path();
        texts.push((p.display().to_string(), text(&std::fs::read(&p).unwrap())));
    }
    for (name, t) in &texts {
        for s in planted() {
            assert!(!t.contains(&s), "{name} contains a planted secret");
        }
    }
}

#[test]
fn planted_token_leaks_nowhere_on_a_healthy_live_run() {
    assert_no_secret_leaks(Mode::Ok, false);
}

#[test]
fn planted_basic_password_leaks_nowhere_on_a_healthy_live_run() {
    assert_no_secret_leaks(Mode::Ok, true);
}

#[test]
fn planted_token_leaks_nowhere_when_the_server_answers_401() {
    assert_no_secret_leaks(Mode::Unauthorized, false);
}

#[test]
fn planted_password_leaks_nowhere_when_the_server_answers_401() {
    assert_no_secret_leaks(Mode::Unauthorized, true);
}

#[test]
fn planted_token_leaks_nowhere_when_the_server_returns_an_html_page() {
    assert_no_secret_leaks(Mode::Html, false);
}

#[test]
fn planted_token_leaks_nowhere_when_the_request_times_out() {
    assert_no_secret_leaks(Mode::Hang, false);
}

#[test]
fn token_on_the_command_line_is_masked_in_environment_json() {
    let server = Canned::start(Mode::Unauthorized);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("cli.zip");
    let out = bin()
        .args(["check", "--format", "json", "--token", TOKEN, "--base-url"])
        .arg(server.base_url())
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    drop(server);
    let env = text(&entries(&zip)["environment.json"]);
    assert!(
        env.contains("--token") && env.contains("[REDACTED]"),
        "{env}"
    );
    for t in [env, text(&out.stdout), text(&out.stderr)] {
        assert!(!t.contains(TOKEN));
    }
}

#[test]
fn a_bundle_that_cannot_be_written_fails_cleanly_without_the_token_or_a_partial_file() {
    let server = Canned::start(Mode::Unauthorized);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-dir").join("b.zip");
    let out = bin()
        .env("SCIM_TOKEN", TOKEN)
        .args(["check", "--format", "json", "--base-url"])
        .arg(server.base_url())
        .arg("--bundle")
        .arg(&target)
        .output()
        .unwrap();
    drop(server);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains(TOKEN) && !text(&out.stdout).contains(TOKEN));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}
