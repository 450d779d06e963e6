//! A bundle reproduces the whole run (issue 12): made with every input a run can take (IdP
//! export, scoping filter, provisioning logs, LDAP groups, licence options in groups mode,
//! another directory, a profile and a playbook from `--playbooks DIR`), the zip alone
//! (`check --snapshot bundle.zip`, no other flag) gives the same findings, including
//! out-of-scope, not-provisioned, stale-in-target and provisioning-failures. Also: what the
//! command line gives wins over the bundle, and the ticket fields and output locations.

use serde_json::Value;
use std::path::Path;

#[path = "shared/bundle.rs"]
mod shared;
use shared::{bin, demo_input_args, fixtures, report_and_stderr};

/// Writes the demo inputs and a `--playbooks DIR` with a playbook and a profile.
fn every_input(dir: &Path) -> Vec<String> {
    let tenant = scim_doctor::source::snapshot::load(&fixtures().join("demo-tenant")).unwrap();
    let inputs = scim_doctor::demo::inputs::write(&tenant, dir).unwrap();
    let over = dir.join("overrides");
    std::fs::create_dir_all(over.join("profiles")).unwrap();
    std::fs::write(
        over.join("my-case.toml"),
        "id = \"my-case\"\ntitle = \"My case\"\nsymptom = \"s\"\nsource = \"test\"\ndescription = \"d\"\n\
         [[step]]\ncheck = \"out-of-scope\"\n[[step]]\ncheck = \"not-provisioned\"\n\
         [[step]]\ncheck = \"stale-in-target\"\n[[step]]\ncheck = \"provisioning-failures\"\n\
         [[step]]\ncheck = \"ldap-group-collision\"\n[[step]]\ncheck = \"license-capacity\"\n\
         [[step]]\ncheck = \"duplicate-external-id\"\n[[step]]\ncheck = \"missing-required-attribute\"\n",
    )
    .unwrap();
    std::fs::write(
        over.join("profiles/strict.toml"),
        "id = \"strict\"\ntitle = \"t\"\ndescription = \"d\"\n\
         required_user_attributes = [\"userName\", \"externalId\", \"active\", \"emails\", \"name.familyName\", \"title\"]\n\
         email_as_user_id = true\nemail_required = true\nnested_groups_supported = false\none_license_per_email = true\n",
    )
    .unwrap();
    let p = |p: &Path| p.display().to_string();
    let mut args = demo_input_args(&inputs);
    args.extend([
        "--license-mode".into(),
        "groups".into(),
        "--license-groups".into(),
        "Finance Approvers,Dept - Research".into(),
        "--other-snapshot".into(),
        p(&fixtures().join("bundle/tenant-small")),
        "--playbooks".into(),
        p(&over),
        "--playbook".into(),
        "my-case".into(),
        "--profile".into(),
        "strict".into(),
    ]);
    args
}

fn run(args: &[String]) -> (Value, String) {
    report_and_stderr(&bin().args(args).output().unwrap())
}

/// (id, status, count, subject ids) per check.
fn findings(r: &Value) -> Vec<(String, String, u64, Vec<String>)> {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap_or(0),
                c["subjects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["id"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

/// The zip alone reproduces every finding of a run that used every input.
#[test]
fn a_bundle_made_with_every_input_reproduces_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("all.zip");
    let mut args: Vec<String> = vec!["check".into(), "--format".into(), "json".into()];
    args.push("--snapshot".into());
    args.push(fixtures().join("demo-tenant").display().to_string());
    args.extend(every_input(dir.path()));
    args.push("--bundle".into());
    args.push(zip.display().to_string());
    let (original, _) = run(&args);
    let by_id = |id: &str| findings(&original).into_iter().find(|f| f.0 == id).unwrap();
    // Every input really mattered in the original run.
    for id in [
        "out-of-scope",
        "not-provisioned",
        "stale-in-target",
        "provisioning-failures",
        "ldap-group-collision",
        "license-capacity",
        "missing-required-attribute",
    ] {
        let f = by_id(id);
        assert!(f.1 != "skipped" && f.2 > 0, "{id} found nothing: {f:?}");
    }
    assert_eq!(original["playbooks"][0]["id"], "my-case");
    let (reloaded, stderr) = run(&[
        "check".into(),
        "--format".into(),
        "json".into(),
        "--snapshot".into(),
        zip.display().to_string(),
    ]);
    assert!(
        stderr.contains("using the inputs recorded in the bundle"),
        "{stderr}"
    );
    assert_eq!(findings(&original), findings(&reloaded));
    assert_eq!(original["playbooks"], reloaded["playbooks"]);
}

/// An input given on the command line wins over the bundled one.
#[test]
fn the_command_line_wins_over_the_bundled_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("b.zip");
    let case = fixtures().join("checks/license-capacity/positive-more-users-than-seats");
    bin()
        .args(["check", "--snapshot"])
        .arg(&case)
        .args(["--licenses", "2", "--bundle"])
        .arg(&zip)
        .output()
        .unwrap();
    let status = |extra: &[&str]| {
        let mut a = vec![
            "check".to_string(),
            "--format".into(),
            "json".into(),
            "--snapshot".into(),
            zip.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        let (r, _) = run(&a);
        findings(&r)
            .into_iter()
            .find(|f| f.0 == "license-capacity")
            .unwrap()
            .1
    };
    assert_eq!(status(&[]), "fail");
    assert_eq!(status(&["--licenses", "1000"]), "pass");
}

/// A bundle made from a bundle carries the first one's inputs along.
#[test]
fn a_bundle_made_from_a_bundle_keeps_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let case = fixtures().join("checks/out-of-scope/positive-scim-users-department-case");
    let first = dir.path().join("first.zip");
    let second = dir.path().join("second.zip");
    bin()
        .args(["check", "--snapshot"])
        .arg(&case)
        .arg("--scope-filter")
        .arg(case.join("scope.toml"))
        .arg("--bundle")
        .arg(&first)
        .output()
        .unwrap();
    bin()
        .args(["-q", "bundle", "--snapshot"])
        .arg(&first)
        .arg("--out")
        .arg(&second)
        .output()
        .unwrap();
    let out_of_scope = |zip: &Path| {
        let (r, _) = run(&[
            "check".into(),
            "--format".into(),
            "json".into(),
            "--snapshot".into(),
            zip.display().to_string(),
        ]);
        findings(&r)
            .into_iter()
            .find(|f| f.0 == "out-of-scope")
            .unwrap()
    };
    let a = out_of_scope(&first);
    assert!(a.1 != "skipped" && a.2 > 0, "{a:?}");
    assert_eq!(a, out_of_scope(&second));
}
