//! The `--redact-pii` coverage scan (issue 12): a tenant with every personal field filled
//! (fixtures/bundle/pii-full: names, emails, phones, addresses, employee number, manager,
//! custom-extension strings), its IdP export and LDAP list, its IdP configuration files
//! (Okta System Log JSON and CSV, Okta app users, Entra job and schema), and a description,
//! label and steps-taken text naming people. No original value may appear in any file of the
//! redacted bundle, in any letter case, URL-encoded or base64.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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

/// Every entry of a bundle zip as text, by name.
fn zip_texts(zip: &std::path::Path) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        files.insert(
            e.name().to_string(),
            String::from_utf8_lossy(&b).into_owned(),
        );
    }
    files
}
