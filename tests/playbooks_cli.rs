//! `scim-doctor playbooks list|show` and `--playbooks DIR`, run through the real binary.

use assert_cmd::Command;
use std::path::Path;

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary builds");
    c.env_remove("SCIM_BASE_URL").env("NO_COLOR", "1");
    c
}

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// `playbooks show CHECK` prints the four fixed sections for every documented check.
#[test]
fn show_renders_every_check_doc_with_all_sections() {
    let docs = scim_doctor::catalog::load(None).expect("docs load");
    for doc in docs {
        let out = bin()
            .args(["--format", "human", "playbooks", "show", &doc.id])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}: exit {:?}",
            doc.id,
            out.status.code()
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for section in [
            "## What it checks",
            "## Why it matters",
            "## Example",
            "## How to fix",
            "Used by playbooks: ",
        ] {
            assert!(
                text.contains(section),
                "{}: no `{section}` in\n{text}",
                doc.id
            );
        }
        assert!(
            text.contains(doc.fix.trim()),
            "{}: the fix text is not shown",
            doc.id
        );
    }
}

/// `playbooks show PLAYBOOK` lists its steps in order with their titles.
#[test]
fn show_renders_a_playbook_with_its_steps_in_order() {
    let out = bin()
        .args(["--format", "human", "playbooks", "show", "duplicate-users"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let a = text
        .find("1. `duplicate-email`: Several users share an email address")
        .expect("first step");
    let b = text.find("2. `soft-delete-leftover`").expect("second step");
    assert!(a < b, "{text}");
}

/// An unknown name is a tool error (exit 2) that lists the known playbooks.
#[test]
fn show_of_an_unknown_name_exits_2_with_the_known_playbooks() {
    let out = bin()
        .args(["playbooks", "show", "no-such-thing"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`no-such-thing`") && err.contains("full-audit"),
        "{err}"
    );
}

/// `playbooks list --format json` names every registered check and the playbooks using it.
#[test]
fn list_as_json_names_every_check_and_its_playbooks() {
    let out = bin()
        .args(["--format", "json", "playbooks", "list"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let checks = v["checks"].as_array().expect("checks array");
    assert_eq!(checks.len(), scim_doctor::checks::registry().len());
    let dup = checks
        .iter()
        .find(|c| c["id"] == "duplicate-email")
        .expect("duplicate-email listed");
    assert!(dup["playbooks"]
        .as_array()
        .is_some_and(|p| p.iter().any(|x| x == "duplicate-users")));
}

/// A broken playbook in --playbooks DIR is rejected with file:line:col and exit 2.
#[test]
fn a_broken_playbook_file_is_rejected_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mine.toml"),
        "id = \"mine\"\ntitle = \"Mine\"\n[[step]]\ncheck = missing-quotes\n",
    )
    .expect("write");
    let out = bin()
        .args(["playbooks", "list", "--playbooks"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mine.toml:4:"), "{err}");
}

/// A playbook naming an unknown check id is rejected at load time, naming the id.
#[test]
fn a_playbook_with_an_unknown_check_id_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("typo.toml"),
        "id = \"typo\"\ntitle = \"Typo\"\n[[step]]\ncheck = \"duplicate-emails\"\n",
    )
    .expect("write");
    let out = bin()
        .args(["check", "--snapshot"])
        .arg(fixture(
            "fixtures/checks/empty-group/negative-every-group-has-members",
        ))
        .args(["--playbook", "typo", "--playbooks"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.toml:4:9") && err.contains("`duplicate-emails`"),
        "{err}"
    );
}

/// A playbook in --playbooks DIR can be selected and overrides a shipped one of the same id.
#[test]
fn a_custom_playbook_runs_only_its_steps_and_overrides_by_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("group-sync.toml"),
        "id = \"group-sync\"\ntitle = \"Just empty groups\"\n[[step]]\ncheck = \"empty-group\"\n",
    )
    .expect("write");
    let out = bin()
        .args(["--format", "json", "check", "--snapshot"])
        .arg(fixture(
            "fixtures/checks/empty-group/positive-groups-without-members",
        ))
        .args(["--playbook", "group-sync", "--playbooks"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["empty-group"]);
    assert_eq!(v["playbooks"][0]["title"], "Just empty groups");
}

/// Check docs in --playbooks DIR/checks/*.toml override the shipped text.
#[test]
fn check_docs_in_the_playbooks_dir_override_shipped_docs() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("checks")).expect("mkdir");
    std::fs::write(
        dir.path().join("checks/local.toml"),
        "[[check]]\nid = \"empty-group\"\ntitle = \"Local title\"\narea = \"groups\"\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\nfix = \"Ask the local team\"\n",
    )
    .expect("write");
    let out = bin()
        .args([
            "--format",
            "human",
            "playbooks",
            "show",
            "empty-group",
            "--playbooks",
        ])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Local title") && text.contains("Ask the local team"),
        "{text}"
    );
}
