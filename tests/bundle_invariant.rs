//! The pseudonymisation invariant (issue 12), on the real binary: for the demo tenant, the
//! small bundle tenant and EVERY fixture case under `fixtures/checks/` (with its inputs:
//! IdP export, scoping filter, logs, LDAP list, licences, other directories), a bundle made
//! with `--redact-pii` (with and without `--keep-domains`) and re-analysed with nothing but
//! `check --snapshot bundle.zip` gives, for every check of the original run, the same
//! status, the same count and the same subject ids (ids the pseudonymiser replaced, such as
//! an IdP user's UPN, are translated through the pseudonym map). New checks and new
//! fixture cases are covered without touching this file.

use scim_doctor::bundle::redact::PiiMap;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "shared/bundle.rs"]
mod shared;
use shared::{
    bin, case_args, demo_input_args, fixtures as root, idp_config_args, EVERY_IDP_CONFIG_KIND,
};

/// (name, tenant dir, extra args) of every scenario.
fn scenarios() -> Vec<(String, PathBuf, Vec<String>)> {
    let mut out = vec![
        (
            "demo-tenant".to_string(),
            root().join("demo-tenant"),
            vec![],
        ),
        (
            "bundle/tenant-small".to_string(),
            root().join("bundle/tenant-small"),
            vec![],
        ),
        // Email-like ids, $ref URLs, a custom extension with numbers.
        (
            "bundle/pii-paths".to_string(),
            root().join("bundle/pii-paths"),
            vec![],
        ),
    ];
    let checks = root().join("checks");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&checks)
        .unwrap()
        .filter_map(|e| e.ok())
        .flat_map(|c| std::fs::read_dir(c.path()).into_iter().flatten())
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    for dir in cases {
        let args = case_args(&dir);
        let name = dir.strip_prefix(root()).unwrap().display().to_string();
        out.push((name, dir, args));
    }
    out
}

fn json_of(out: &std::process::Output, what: &str) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: not JSON ({e}); exit {:?}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// check id -> (status, count, subject ids sorted: a check that lists its subjects in the
/// order of a personal value lists them in the order of the pseudonyms in the bundle).
type Findings = BTreeMap<String, (String, u64, Vec<String>)>;

fn findings(report: &Value, translate: &dyn Fn(&str) -> String) -> Findings {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut ids: Vec<String> = c["subjects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| translate(s["id"].as_str().unwrap()))
                .collect();
            ids.sort();
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["status"].as_str().unwrap().to_string(),
                    c["count"].as_u64().unwrap_or(0),
                    ids,
                ),
            )
        })
        .collect()
}

/// Runs one scenario; returns a description of every difference.
fn check_scenario(name: &str, dir: &Path, args: &[String], keep_domains: bool) -> Vec<String> {
    let work = tempfile::tempdir().unwrap();
    let original = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    let original = json_of(&original, &format!("{name}: original run"));
    let zip = work.path().join("case.zip");
    let mut b = bin();
    b.args([
        "-q",
        "bundle",
        "--format",
        "json",
        "--redact-pii",
        "--snapshot",
    ])
    .arg(dir)
    .args(args)
    .arg("--out")
    .arg(&zip);
    if keep_domains {
        b.arg("--keep-domains");
    }
    let made = b.output().unwrap();
    assert!(
        zip.is_file(),
        "{name}: no bundle written; stderr: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let reloaded = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&zip)
        .output()
        .unwrap();
    let reloaded = json_of(&reloaded, &format!("{name}: reloaded run"));
    let map = PiiMap::load(&work.path().join("case.zip.map.json"), keep_domains).unwrap();
    let expected = findings(&original, &|id| {
        map.pseudonym(id)
            .map(str::to_string)
            .unwrap_or_else(|| id.to_string())
    });
    let got = findings(&reloaded, &|id| id.to_string());
    let mut diffs = Vec::new();
    for (id, want) in &expected {
        match got.get(id) {
            None => diffs.push(format!(
                "{name} (keep-domains {keep_domains}): `{id}` missing"
            )),
            Some(have) if have != want => diffs.push(format!(
                "{name} (keep-domains {keep_domains}): `{id}` expected {want:?}, got {have:?}"
            )),
            _ => {}
        }
    }
    diffs
}

/// The invariant holds for every scenario and every check, without --keep-domains.
#[test]
fn redacted_bundles_reproduce_every_finding() {
    let mut diffs = Vec::new();
    let all = scenarios();
    assert!(all.len() > 40, "the fixture cases were not found");
    for (name, dir, args) in &all {
        diffs.extend(check_scenario(name, dir, args, false));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// The same with --keep-domains.
#[test]
fn redacted_bundles_with_kept_domains_reproduce_every_finding() {
    let mut diffs = Vec::new();
    for (name, dir, args) in &scenarios() {
        diffs.extend(check_scenario(name, dir, args, true));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// The demo tenant with every demo input at once (scoping filter, IdP export, provisioning
/// logs, LDAP groups, licences, the four --idp-config files), with and without
/// --keep-domains.
#[test]
fn a_redacted_demo_bundle_with_every_input_reproduces_every_finding() {
    let work = tempfile::tempdir().unwrap();
    let tenant = scim_doctor::source::snapshot::load(&root().join("demo-tenant")).unwrap();
    let inputs = scim_doctor::demo::inputs::write(&tenant, work.path()).unwrap();
    let p = |p: &Path| p.display().to_string();
    let mut args = demo_input_args(&inputs);
    for f in &inputs.idp_config {
        args.extend(["--idp-config".to_string(), p(f)]);
    }
    let mut diffs = Vec::new();
    for keep in [false, true] {
        diffs.extend(check_scenario(
            "demo+inputs",
            &root().join("demo-tenant"),
            &args,
            keep,
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// Every kind of --idp-config file at once (Entra schema and job, Okta System Log as JSON
/// and console CSV, app users, app groups, group push mappings) against an Okta-shaped
/// tenant: mapping-*, provisioning-job, okta-app-assignment and provisioning-failures come
/// back the same from the redacted bundle, with and without --keep-domains.
#[test]
fn a_redacted_bundle_with_every_idp_config_kind_reproduces_every_finding() {
    let cfg = root().join("idp-config");
    let args = idp_config_args(EVERY_IDP_CONFIG_KIND);
    let tenant = cfg.join("okta-tenant-with-stranger-Users.json");
    let mut diffs = Vec::new();
    for keep in [false, true] {
        diffs.extend(check_scenario("idp-config", &tenant, &args, keep));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

/// The comparison can fail: a bundle made WITHOUT the run's inputs loses the scope findings.
#[test]
fn the_invariant_notices_a_lost_finding() {
    let dir = root().join("checks/out-of-scope/positive-scim-users-department-case");
    let args = vec![
        "--scope-filter".to_string(),
        dir.join("scope.toml").display().to_string(),
    ];
    assert!(check_scenario("with inputs", &dir, &args, false).is_empty());
    let work = tempfile::tempdir().unwrap();
    let zip = work.path().join("noinputs.zip");
    bin()
        .args(["-q", "bundle", "--format", "json", "--snapshot"])
        .arg(&dir)
        .arg("--out")
        .arg(&zip)
        .output()
        .unwrap();
    let original = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&dir)
        .args(&args)
        .output()
        .unwrap();
    let reloaded = bin()
        .args(["check", "--format", "json", "--snapshot"])
        .arg(&zip)
        .output()
        .unwrap();
    let same = |id: &str| id.to_string();
    let a = findings(&json_of(&original, "original"), &same);
    let b = findings(&json_of(&reloaded, "reloaded"), &same);
    assert_ne!(a.get("out-of-scope"), b.get("out-of-scope"));
}
