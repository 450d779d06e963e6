//! The `--redact-pii` coverage scan (issue 12): a tenant with every personal field filled
//! (fixtures/bundle/pii-full: names, emails, phones, addresses, employee number, manager,
//! custom-extension strings), its IdP export and LDAP list, its IdP configuration files
//! (Okta System Log JSON and CSV, Okta app users, Entra job and schema), and a description,
//! label and steps-taken text naming people. No original value may appear in any file of the
//! redacted bundle, in any letter case, URL-encoded or base64.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::zip_texts;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundle/pii-full")
        .join(name)
}

/// Every personal value planted in the fixture and the free texts (5+ characters, so a
/// match cannot be chance).
const PLANTED: &[&str] = &[
    "Wilhelmina.Quartermaine@northwind-traders.example",
    "wilhelmina.quartermaine@northwind-traders.example",
    "willow.q.home@fastmail-sample.example",
    "thaddeus pemberton-oakes@northwind-traders.example",
    "thaddeus.pemberton-oakes@northwind-traders.example",
    "ottilie.fairweather@northwind-traders.example",
    "Dr. Wilhelmina Ottoline Quartermaine",
    "Wilhelmina",
    "Quartermaine",
    "Ottoline",
    "Willowbrook",
    "Thaddeus",
    "Pemberton-Oakes",
    "Ottilie",
    "Fairweather",
    "Barnaby",
    "Captain Willow",
    "Lighthouse-07",
    "wquartermaine",
    "Chief Cartographer",
    "Junior Cartographer",
    "+44 20 7946 0581",
    "+44 7700 900461",
    "+44 7700 900123",
    "+44 20 7946 0999",
    "221 Marylebone Crescent",
    "Marylebone",
    "Wapping-on-Thames",
    "Greater Londinium",
    "EC1A 1BB",
    "14 Saltmarsh Lane",
    "Porthcurnow",
    "NW-884213",
    "NW-990017",
    "CC-Atlas-4471",
    "Northwind Traders",
    "Maritime Charts",
    "Hydrography",
    "f3b9c2d1-8e7a-4b6c-9d5e-1a2b3c4d5e60",
    "f3b9c2d1-8e7a-4b6c-9d5e-1a2b3c4d5e63",
    "4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b",
    "Quartermaine Expedition Crew",
    "Fairweather Lighthouse Keepers",
    // Only in the --idp-config files: Okta System Log (JSON and CSV), app users, Entra job
    // error text, schema constants and default values.
    "peregrine.ashcombe-vance@northwind-traders.example",
    "Peregrine Ashcombe-Vance",
    "Peregrine",
    "198.51.100.77",
    "Tintagel Cove",
    "TR19 6JX",
    "seraphina.loveday@northwind-traders.example",
    "Seraphina",
    "Loveday",
    "+44 7700 900777",
    "Keeper of Tide Tables",
    "cornelius.blackwood@northwind-traders.example",
    "Cornelius Blackwood",
    "bartholomew.trelawney@northwind-traders.example",
    "Bartholomew Trelawney",
    "ignatius.wolstenholme@northwind-traders.example",
    "Harbourmaster Annex Seven",
    "Lantern Quay Office",
];

/// The --idp-config files of the fixture (one of each kind that names people).
const IDP_CONFIG: &[&str] = &[
    "entra-schema.json",
    "entra-job.json",
    "okta-system-log.json",
    "okta-system-log.csv",
    "okta-app-users.json",
];

fn base64(b: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn bundle(dir: &Path, redact: bool) -> BTreeMap<String, String> {
    let zip = dir.join(if redact { "red.zip" } else { "plain.zip" });
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN")
        .env("NO_COLOR", "1")
        .args(["check", "--format", "json", "--snapshot"])
        .arg(fixture(""))
        .arg("--idp-users")
        .arg(fixture("entra-users.csv"))
        .arg("--ldap-groups")
        .arg(fixture("ldap-groups.csv"))
        .args([
            "--license-mode",
            "groups",
            "--license-groups",
            "Quartermaine Expedition Crew",
            "--licenses",
            "5",
            "--description",
            "Wilhelmina Quartermaine and Ottilie Fairweather cannot connect since the move to 221 Marylebone Crescent",
            "--label",
            "Quartermaine escalation",
            "--steps-taken",
            "restarted provisioning for Thaddeus Pemberton-Oakes",
            "--bundle",
        ])
        .arg(&zip);
    for f in IDP_CONFIG {
        c.arg("--idp-config").arg(fixture(f));
    }
    if redact {
        c.arg("--redact-pii");
    }
    let out = c.output().unwrap();
    assert!(
        zip.is_file(),
        "no bundle: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    zip_texts(&zip)
}

/// Every (file, value, form) where a planted value shows.
fn leaks(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in files {
        let lower = text.to_lowercase();
        for v in PLANTED {
            let url: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            let forms = [
                ("as is", v.to_lowercase()),
                ("url-encoded", url.to_lowercase()),
                ("url-encoded %20", url.replace('+', "%20").to_lowercase()),
            ];
            for (how, f) in forms {
                if lower.contains(&f) {
                    found.push(format!("{name}: {v} ({how})"));
                }
            }
            if text.contains(&base64(v.as_bytes())) {
                found.push(format!("{name}: {v} (base64)"));
            }
        }
    }
    found
}

/// No planted value survives anywhere in a redacted bundle.
#[test]
fn a_redacted_bundle_holds_no_planted_personal_value() {
    let dir = tempfile::tempdir().unwrap();
    let files = bundle(dir.path(), true);
    assert!(files.contains_key("inputs/idp-users.csv"));
    assert!(files.contains_key("inputs/ldap-groups.csv"));
    assert_eq!(
        files
            .keys()
            .filter(|k| k.starts_with("inputs/idp-config/"))
            .count(),
        IDP_CONFIG.len(),
        "every --idp-config file is in the bundle"
    );
    let found = leaks(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
    // summary.md says what stayed in the clear.
    assert!(files["summary.md"].contains("Kept in the clear"));
}

/// The scan can fail: without --redact-pii the same bundle shows the values everywhere.
#[test]
fn the_scan_finds_the_values_in_a_plain_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let found = leaks(&bundle(dir.path(), false));
    for v in [
        "Quartermaine",
        "221 Marylebone Crescent",
        "Captain Willow",
        "NW-990017",
        "Peregrine Ashcombe-Vance",
        "Seraphina",
        "ignatius.wolstenholme@northwind-traders.example",
        "Lantern Quay Office",
        "Bartholomew Trelawney",
    ] {
        assert!(found.iter().any(|f| f.contains(v)), "{v} not found");
    }
}

/// A live run (every request recorded, filter probes with values in their URLs): the
/// transcript and the snapshot of a redacted bundle hold no planted value either.
#[test]
fn a_redacted_live_bundle_holds_no_planted_personal_value() {
    use scim_doctor::server::{ServerConfig, TestServer};
    let tenant = scim_doctor::source::snapshot::load(&fixture("")).unwrap();
    let server = TestServer::start(tenant, ServerConfig::with_token("tok-pii-scan-1")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("live.zip");
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("SCIM_TOKEN", "tok-pii-scan-1")
        .env("NO_COLOR", "1")
        .args([
            "-q",
            "bundle",
            "--format",
            "json",
            "--redact-pii",
            "--base-url",
        ])
        .arg(server.base_url())
        .arg("--out")
        .arg(&zip)
        .output()
        .unwrap();
    assert!(zip.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = zip_texts(&zip);
    assert!(
        files["requests.jsonl"].lines().count() > 3,
        "the run was recorded"
    );
    let found = leaks(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Copies a fixture directory to `<tmp>/<name>` (a snapshot directory named after a
/// person, as a support engineer might name a customer's export).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Runs `bundle` with `args` into `dir/` (generated name); returns (zip path, stderr).
fn bundle_into(dir: &Path, args: &[&str], extra: &[String]) -> (PathBuf, String) {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env_remove("SCIM_TOKEN")
        .env("NO_COLOR", "1")
        .args(["-q", "bundle", "--format", "json"])
        .args(args)
        .args(extra)
        .arg("--out")
        .arg(format!("{}/", dir.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let zip = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "zip"))
        .unwrap_or_else(|| panic!("no bundle written: {stderr}"));
    (zip, stderr)
}

/// Planted values found (any case, as is or percent-encoded) in any file of `files`.
fn found_in(files: &BTreeMap<String, String>, planted: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, text) in files {
        let lower = text.to_lowercase();
        for v in planted {
            let url: String = url::form_urlencoded::byte_serialize(v.as_bytes()).collect();
            if lower.contains(&v.to_lowercase()) || lower.contains(&url.to_lowercase()) {
                found.push(format!("{name}: {v}"));
            }
        }
    }
    found
}

/// Personal values a key-name allow-list would keep (fixtures/bundle/pii-paths): a custom
/// extension's `type`, `locale` and `meta`, its numbers, an email-like id (and the
/// userName it copies) in `id`, `meta.location`, `members[].$ref`, a manager `$ref`, and
/// a snapshot directory named after a person.
const PATH_PLANTED: &[&str] = &[
    "featherstonehaugh",
    "tregarthen",
    "Night Pilot Tidewatch",
    "Mousehole",
    "Lamorna",
    "7734521",
    "68250.75",
    "Tidewatch Rota",
    "HP-55021",
    "Quentin-Aldergrove",
    "Aldergrove",
];

/// The allow-list holds by SCIM path: none of these values survives, nor the snapshot's
/// name (in the files and in the generated file name); structure stays.
#[test]
fn extension_type_locale_meta_ids_refs_numbers_and_label_are_pseudonymised() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("Quentin-Aldergrove");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundle/pii-paths"),
        &snap,
    );
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let snap_arg = snap.display().to_string();
    let (zip, stderr) = bundle_into(&out, &["--redact-pii", "--snapshot", &snap_arg], &[]);
    let name = zip.file_name().unwrap().to_string_lossy().into_owned();
    assert!(!name.contains("Aldergrove"), "file name {name}");
    assert!(name.starts_with("scim-doctor-snapshot-"), "{name}");
    let files = zip_texts(&zip);
    let found = found_in(&files, PATH_PLANTED);
    assert!(found.is_empty(), "{}\nstderr: {stderr}", found.join("\n"));
    let users = &files["snapshot/users.ndjson"];
    for kept in [
        "\"locale\":\"en-GB\"",
        "\"userType\":\"Employee\"",
        "\"type\":\"work\"",
        "\"resourceType\":\"User\"",
        "5f1d3c7a-9b2e-4d8f-a6c1-3e5b7d9f1a2c",
        "https://scim.",
    ] {
        assert!(users.contains(kept), "{kept} missing from {users}");
    }
    // Numbers stay numbers.
    let first: serde_json::Value = serde_json::from_str(users.lines().next().unwrap()).unwrap();
    let ext = &first["urn:example:params:scim:schemas:extension:pilots:2.0:User"];
    assert!(
        ext["badgeNumber"].is_u64() && ext["salary"].is_f64(),
        "{ext}"
    );
    // The same bundle without --redact-pii shows every value: the scan can fail.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    let (pzip, _) = bundle_into(&plain, &["--snapshot", &snap_arg], &[]);
    assert!(pzip
        .file_name()
        .unwrap()
        .to_string_lossy()
        .contains("Quentin-Aldergrove"));
    let shown = found_in(&zip_texts(&pzip), PATH_PLANTED);
    for v in PATH_PLANTED {
        assert!(
            shown.iter().any(|f| f.ends_with(&format!(": {v}"))),
            "{v} not in the plain bundle"
        );
    }
}

/// A live run of the same tenant: the transcript (URLs with an email-like id, response
/// bodies with the extension's values and numbers) holds none of the planted values.
#[test]
fn a_redacted_live_bundle_hides_ids_refs_and_extension_values() {
    use scim_doctor::server::{ServerConfig, TestServer};
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundle/pii-paths");
    let tenant = scim_doctor::source::snapshot::load(&fixture).unwrap();
    let server = TestServer::start(tenant, ServerConfig::with_token("tok-pii-paths-1")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("live.zip");
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("SCIM_DOCTOR_FIXED_TIME", "2026-11-26T08:00:00Z")
        .env("SCIM_TOKEN", "tok-pii-paths-1")
        .env("NO_COLOR", "1")
        .args([
            "-q",
            "bundle",
            "--format",
            "json",
            "--redact-pii",
            "--base-url",
        ])
        .arg(server.base_url())
        .arg("--out")
        .arg(&zip)
        .output()
        .unwrap();
    assert!(zip.is_file(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = zip_texts(&zip);
    assert!(
        files["requests.jsonl"].lines().count() > 3,
        "the run was recorded"
    );
    let found = found_in(&files, &PATH_PLANTED[..PATH_PLANTED.len() - 2]);
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The run did read the users (so the scan had something to find).
    assert_eq!(files["snapshot/users.ndjson"].lines().count(), 2);
}

fn readme_case() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/checks/out-of-scope/positive-upn-suffix-and-employee-id-regex")
}

/// The user-level values of the README case: local parts, display names, employee ids.
const SCOPE_PLANTED: &[&str] = &[
    "ann.lee", "bo.yang", "cy.rowe", "di.vance", "ed.moss", "Ann Lee", "Di Vance", "E1001", "C2044",
];

fn readme_args(case: &Path) -> Vec<String> {
    vec![
        "--snapshot".into(),
        case.display().to_string(),
        "--scope-filter".into(),
        case.join("scope.json").display().to_string(),
        "--idp-users".into(),
        case.join("entra-users.csv").display().to_string(),
    ]
}

fn out_of_scope(report: &[u8]) -> (String, u64) {
    let v: serde_json::Value = serde_json::from_slice(report).unwrap();
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "out-of-scope")
        .unwrap()
        .clone();
    (
        c["status"].as_str().unwrap().to_string(),
        c["count"].as_u64().unwrap(),
    )
}

/// The README's example (`--redact-pii --keep-domains`, a scope reading the UPN with
/// ENDS_WITH and employeeId with a regex) leaves no userName, email or employee id
/// readable; the verdicts travel in the bundle, and re-analysis uses them and says so.
#[test]
fn a_scope_filter_does_not_keep_the_values_it_reads_in_the_clear() {
    let case = readme_case();
    let dir = tempfile::tempdir().unwrap();
    let (zip, stderr) = bundle_into(
        dir.path(),
        &["--redact-pii", "--keep-domains"],
        &readme_args(&case),
    );
    assert!(stderr.contains("scope-verdicts.json"), "{stderr}");
    let files = zip_texts(&zip);
    // A pseudonym keeps its value's shape, so in a small space it can be another planted
    // value (`E1002` may become `E1001`: one letter a-f and four digits, 54,000 shapes);
    // such a coincidence is a pseudonym the map lists, not a value kept in the clear.
    let map_file = zip.with_file_name(format!(
        "{}.map.json",
        zip.file_name().unwrap().to_string_lossy()
    ));
    let map: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&map_file).unwrap()).unwrap();
    let pseudonyms: Vec<String> = map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pseudonym"].as_str().unwrap().to_lowercase())
        .collect();
    let real: Vec<&str> = SCOPE_PLANTED
        .iter()
        .copied()
        .filter(|v| !pseudonyms.contains(&v.to_lowercase()))
        .collect();
    // Nor is a planted value inside a longer pseudonym (`e1001` in a pseudonymised GUID's
    // random hex): every pseudonym the map lists is masked before the search, longest
    // first, so only text that is no pseudonym is searched.
    let mut masks: Vec<&String> = pseudonyms.iter().filter(|p| p.len() > 5).collect();
    masks.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let masked: BTreeMap<String, String> = files
        .iter()
        .map(|(name, text)| {
            let mut t = text.to_lowercase();
            for m in &masks {
                t = t.replace(m.as_str(), "\u{1}");
            }
            (name.clone(), t)
        })
        .collect();
    let found = found_in(&masked, &real);
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert!(files.contains_key("inputs/scope-verdicts.json"));
    // Domains stay with --keep-domains; the filter file stays as written.
    assert!(files["snapshot/users.ndjson"].contains("@contoso.com"));
    assert!(files["inputs/scope-filter.json"].contains("^E1[0-9]{3}$"));
    let reload = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&zip)
        .output()
        .unwrap();
    let note = String::from_utf8_lossy(&reload.stderr);
    assert!(note.contains("scoping verdicts of"), "{note}");
    assert_eq!(out_of_scope(&reload.stdout), ("warn".to_string(), 3));
}

/// `--keep-clear ATTR` leaves that attribute readable (and only it), lists it on stderr
/// and in summary.md.
#[test]
fn keep_clear_leaves_one_attribute_readable_and_says_so() {
    let case = readme_case();
    let dir = tempfile::tempdir().unwrap();
    let mut extra = readme_args(&case);
    extra.extend(["--keep-clear".to_string(), "department".to_string()]);
    let (zip, stderr) = bundle_into(dir.path(), &["--redact-pii"], &extra);
    assert!(
        stderr.contains("left readable because of --keep-clear department"),
        "{stderr}"
    );
    let files = zip_texts(&zip);
    assert!(files["snapshot/users.ndjson"].contains("Field Sales"));
    assert!(files["inputs/idp-users.csv"].contains("Field Sales"));
    assert!(files["summary.md"].contains("because of --keep-clear department"));
    let found = found_in(&files, SCOPE_PLANTED);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Only data values are replaced, never the tool's own words: departments called
/// "Provisioning" and "Remediation" are pseudonymised in the data, while summary.md keeps
/// its headings "Provisioning status" and "Findings and remediation".
#[test]
fn the_tools_own_words_are_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    copy_dir(&readme_case(), &case);
    for f in ["Users.json", "entra-users.csv"] {
        let p = case.join(f);
        let t = std::fs::read_to_string(&p)
            .unwrap()
            .replace("Operations", "Provisioning")
            .replace("Field Sales", "Remediation");
        std::fs::write(&p, t).unwrap();
    }
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let (zip, _) = bundle_into(&out, &["--redact-pii"], &readme_args(&case));
    let files = zip_texts(&zip);
    let summary = &files["summary.md"];
    assert!(summary.contains("## 2. Provisioning status"), "{summary}");
    assert!(summary.contains("Findings and remediation"), "{summary}");
    for data in ["snapshot/users.ndjson", "inputs/idp-users.csv"] {
        assert!(!files[data].contains("Provisioning"), "{data}");
        assert!(!files[data].contains("Remediation"), "{data}");
    }
}

/// Input files (scoping filter, IdP users) in a directory named after a person, and the
/// bundle written there: with --redact-pii the name shows nowhere in the zip (the command
/// line in environment.json, the filter's file name in report.json), though the findings
/// are the same; without it, it shows (the scan can fail).
#[test]
fn paths_of_input_files_in_a_persons_directory_are_pseudonymised() {
    let case = readme_case();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home").join("rosalind.featherbrook");
    let cases = home.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    for f in ["scope.json", "entra-users.csv"] {
        std::fs::copy(case.join(f), cases.join(f)).unwrap();
    }
    let args = |c: &Path| {
        vec![
            "--snapshot".to_string(),
            case.display().to_string(),
            "--scope-filter".into(),
            c.join("scope.json").display().to_string(),
            "--idp-users".into(),
            c.join("entra-users.csv").display().to_string(),
        ]
    };
    let planted = ["featherbrook", "rosalind"];
    for (redact, sub) in [(true, "red"), (false, "plain")] {
        let out = home.join(sub);
        std::fs::create_dir_all(&out).unwrap();
        let flags: &[&str] = if redact { &["--redact-pii"] } else { &[] };
        let (zip, stderr) = bundle_into(&out, flags, &args(&cases));
        let files = zip_texts(&zip);
        let found = found_in(&files, &planted);
        if redact {
            assert!(found.is_empty(), "{}\nstderr: {stderr}", found.join("\n"));
            assert!(files["environment.json"].contains("--scope-filter"));
            // The same findings: the scope still reads the stored filter.
            assert_eq!(out_of_scope(files["report.json"].as_bytes()).1, 3);
        } else {
            for f in ["environment.json", "report.json"] {
                assert!(
                    found.iter().any(|x| x.starts_with(&format!("{f}: "))),
                    "{f}: {found:?}"
                );
            }
        }
    }
}
