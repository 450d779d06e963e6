//! Support-bundle tests on the real binary: contents and manifest, default name, redaction
//! (nothing personal left, same findings), the private map, `bundle verify` on tampered
//! zips, reloading a bundle with --snapshot, unsafe zips refused. Planted-secret tests over
//! live runs are in tests/bundle_secrets.rs.

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
    // One CSV per check that ran; a skipped check (no subjects) has its row in checks.csv only.
    let table = String::from_utf8_lossy(&files["checks/checks.csv"]).to_string();
    let mut skipped = 0;
    for c in report["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let name = format!("checks/{id}.csv");
        assert!(table.contains(id), "{id} has no row in checks.csv");
        if c["status"] == "skipped" {
            skipped += 1;
            assert!(!files.contains_key(&name), "{name} for a skipped check");
        } else {
            assert!(files.contains_key(&name), "no {name}");
        }
    }
    assert!(skipped > 0, "the offline bundle skips the live checks");
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
            scim_doctor::archive::sha256_hex(bytes)
        );
    }
    let side = std::fs::read_to_string(dir.path().join("b.zip.sha256")).unwrap();
    assert_eq!(
        side,
        format!(
            "{}  b.zip\n",
            scim_doctor::archive::sha256_file(&zip).unwrap()
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
        // The bundle is the product: with --format json its path is in the report.
        .stdout(predicates::str::contains(
            "\"path\": \"./scim-doctor-tenant-small-case-7-a-20261126T080000Z.zip\"",
        ));
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
    // The soft-delete leftover keeps its shape (32 hex + UPN) and the UPN part is the live
    // user's pseudonym (ignoring case, as the check compares).
    let users = text(&files["snapshot/users.ndjson"]);
    let first: Value = serde_json::from_str(users.lines().next().unwrap()).unwrap();
    let second: Value = serde_json::from_str(users.lines().nth(1).unwrap()).unwrap();
    let leftover = second["userName"].as_str().unwrap();
    assert!(
        leftover[..32].bytes().all(|b| b.is_ascii_hexdigit()),
        "{leftover}"
    );
    assert_ne!(&leftover[..32], "0f3c9a7be21d4c55a8e6b1d2c3e4f5a6");
    assert_eq!(
        leftover[32..].to_lowercase(),
        first["userName"].as_str().unwrap().to_lowercase()
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
    // The pseudonym map (`*.map.json`), not any entry whose name merely contains "map"
    // (the per-check CSVs include `mapping-*.csv`).
    assert!(!entries(&red).keys().any(|k| k.ends_with("map.json")));
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
            .to_lowercase()
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

/// A map file given to `--map-file` whose second line has no end within the bound for one
/// line (257 MiB; a sparse file of zeros) is refused with exit 2 naming the file and the
/// line, before anything is read into memory whole; no bundle, no map and no partial file
/// is left, and the map itself is untouched.
#[test]
fn a_map_file_with_an_overlong_line_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    bundle_of(
        &fixture("tenant-small"),
        dir.path(),
        "red.zip",
        &["--redact-pii"],
    );
    let map = std::fs::read_to_string(dir.path().join("red.zip.map.json")).unwrap();
    let head = format!("{}\n", map.lines().next().unwrap());
    let hostile = dir.path().join("hostile.map.json");
    std::fs::write(&hostile, &head).unwrap();
    let len = head.len() as u64 + (257 << 20) + 2;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&hostile)
        .unwrap()
        .set_len(len)
        .unwrap();
    let zip = dir.path().join("again.zip");
    let out = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(fixture("tenant-small"))
        .arg("--bundle")
        .arg(&zip)
        .args(["--redact-pii", "--map-file"])
        .arg(&hostile)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the map file {}: line 2 is longer than 257 MiB, the bound for one entry",
            hostile.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("red.zip"))
        .collect();
    left.sort();
    assert_eq!(left, ["hostile.map.json"]);
    assert_eq!(std::fs::metadata(&hostile).unwrap().len(), len);
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

#[test]
fn bundle_into_a_missing_directory_fails_with_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = format!("{}/not-there/", dir.path().display());
    bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(fixture("tenant-small"))
        .args(["--bundle", &target])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Proves the summary's "Users affected" counts only the subjects of data findings: a failing
/// filter probe (whose subjects are the users it sampled) does not change the number.
#[test]
fn users_affected_ignores_the_users_a_probe_sampled() {
    use scim_doctor::server::{Faults, ServerConfig, TestServer};
    let affected = |faults: Faults| -> (String, String) {
        let tenant = scim_doctor::source::snapshot::load(&fixture("tenant-small")).unwrap();
        let mut config = ServerConfig::with_token("tok-affected-1");
        config.faults = faults;
        let server = TestServer::start(tenant, config).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("live.zip");
        let out = bin()
            .env("SCIM_TOKEN", "tok-affected-1")
            .args(["-q", "bundle", "--format", "json", "--base-url"])
            .arg(server.base_url())
            .arg("--out")
            .arg(&zip)
            .output()
            .unwrap();
        assert!(zip.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
        let files = entries(&zip);
        let summary = text(&files["summary.md"]);
        let line = summary
            .lines()
            .find(|l| l.starts_with("- Users affected"))
            .unwrap_or_else(|| panic!("no Users affected line: {summary}"))
            .to_string();
        let report: Value = serde_json::from_slice(&files["report.json"]).unwrap();
        let probe = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "filter-username-eq")
            .map(|c| c["status"].as_str().unwrap_or("").to_string())
            .unwrap_or_default();
        // The probe's subjects are users it sampled that no data finding is about: counted,
        // they would change the number.
        let ids = |pick: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
            report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| pick(c) && c["status"] != "pass" && c["status"] != "skipped")
                .flat_map(|c| c["subjects"].as_array().cloned().unwrap_or_default())
                .filter(|s| s["kind"] == "user")
                .filter_map(|s| s["id"].as_str().map(str::to_string))
                .collect()
        };
        let sampled = ids(&|c| c["id"] == "filter-username-eq");
        let data = ids(&|c| c["id"] != "filter-username-eq" && c["id"] != "filter-externalid-eq");
        if probe == "fail" {
            assert!(
                sampled.iter().any(|i| !data.contains(i)),
                "the test needs a sampled user no data finding is about: {sampled:?} {data:?}"
            );
        }
        (line, probe)
    };
    let (clean, clean_probe) = affected(Faults::default());
    let (broken, broken_probe) = affected(Faults {
        case_exact_user_name: true,
        ..Default::default()
    });
    assert_eq!(clean_probe, "pass");
    assert_eq!(broken_probe, "fail", "the probe fails on its sampled users");
    assert_eq!(clean, broken, "sampled users were counted as affected");
}

/// An Okta System Log given with --provisioning-logs and an Entra provisioning log given with
/// --idp-config are each read by the other flag's reader; the bundle stores them under the
/// flag they were read with (and says so in inputs/inputs.json), so `check --snapshot
/// bundle.zip` reproduces the same findings, both logs' failures included.
#[test]
fn a_log_handed_to_the_other_reader_is_stored_where_it_was_read() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let okta = real.join("okta/rate-limit-event-panther.json");
    let entra = real.join("entra/provisioning-group-conflict.json");
    let dir = tempfile::tempdir().unwrap();
    let extra = [
        "--provisioning-logs",
        okta.to_str().unwrap(),
        "--idp-config",
        entra.to_str().unwrap(),
    ];
    let run = |src: &Path, extra: &[&str]| -> Value {
        let out = bin()
            .args(["check", "--format", "json", "--snapshot"])
            .arg(src)
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let zip = bundle_of(&fixture("tenant-small"), dir.path(), "b.zip", &extra);
    let files = entries(&zip);
    assert!(files.contains_key("inputs/idp-config/1-rate-limit-event-panther.json"));
    assert!(files.contains_key("inputs/provisioning-logs/1-provisioning-group-conflict.json"));
    let manifest: Value = serde_json::from_slice(&files["inputs/inputs.json"]).unwrap();
    assert!(
        manifest["routed"]["inputs/idp-config/1-rate-limit-event-panther.json"]
            .as_str()
            .unwrap()
            .contains("given with --provisioning-logs"),
        "{manifest}"
    );
    let original = run(&fixture("tenant-small"), &extra);
    let reloaded = run(&zip, &[]);
    assert_eq!(findings(&original), findings(&reloaded));
    let failures = |r: &Value| {
        r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "provisioning-failures")
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let msg = failures(&reloaded);
    assert_eq!(failures(&original), msg);
    // Both logs were read: the Entra group conflict and the Okta rate limit.
    assert!(
        msg.contains("EntryConflict") && msg.contains("Okta System Log"),
        "{msg}"
    );
}
