//! The CLI surface itself: help with examples and exit codes, completions, man pages, and
//! the exit-code contract for bad input (2, one line, no panic).

use assert_cmd::Command;

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").expect("binary");
    c.env_remove("SCIM_BASE_URL")
        .env_remove("SCIM_TOKEN")
        .env("NO_COLOR", "1");
    c
}

/// Proves every subcommand's --help carries examples, and the top level documents exit codes.
#[test]
fn help_has_examples_and_exit_codes() {
    let top = bin().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&top.stdout);
    assert!(text.contains("Exit codes: 0"), "{text}");
    for cmd in [
        "test-connection",
        "check",
        "snapshot",
        "demo",
        "serve",
        "explain-user",
        "bundle",
        "completions",
        "man",
    ] {
        let out = bin().args([cmd, "--help"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{cmd}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Examples:"),
            "`{cmd} --help` has no examples"
        );
    }
}

/// Proves completions are generated for every supported shell.
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = bin().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("scim-doctor"),
            "{shell}"
        );
    }
    let bad = bin().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// Proves the man page renders to stdout as roff and into a directory, one page per command.
#[test]
fn man_page_to_stdout_and_to_a_directory() {
    let out = bin().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(".ie"),
        "not roff"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let pages = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(pages >= 9, "expected a page per command, got {pages}");
}

/// Proves bad input is exit code 2 with one clear line and no panic.
#[test]
fn bad_input_is_exit_2_with_one_line() {
    for args in [
        vec!["check"],
        vec!["check", "--snapshot", "/nonexistent/snapshot"],
        vec!["check", "--base-url", "ftp://host/scim"],
        vec!["check", "--base-url", "not a url"],
        vec![
            "check",
            "--snapshot",
            "fixtures/demo-tenant",
            "--playbook",
            "no-such-playbook",
        ],
        vec![
            "check",
            "--snapshot",
            "fixtures/demo-tenant",
            "--concurrency",
            "0",
        ],
        vec!["check", "--bogus-flag"],
    ] {
        let out = bin().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.trim().is_empty(), "{args:?} said nothing");
    }
}

/// Proves a broken pipe (`| head`) is not an error.
#[test]
fn a_closed_stdout_is_not_an_error() {
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("scim-doctor"))
        .args([
            "check",
            "--snapshot",
            "fixtures/demo-tenant",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Proves `check --only-failures` lists the findings (fail first) and no passed or skipped
/// check, says how many it left out, keeps the exit code, and that diff refuses it.
#[test]
fn only_failures_lists_findings_and_counts_the_rest() {
    let full = bin()
        .args([
            "check",
            "--snapshot",
            "fixtures/demo-tenant",
            "--format",
            "human",
        ])
        .output()
        .unwrap();
    let short = bin()
        .args([
            "check",
            "--snapshot",
            "fixtures/demo-tenant",
            "--format",
            "human",
            "--only-failures",
        ])
        .output()
        .unwrap();
    assert_eq!(full.status.code(), short.status.code());
    let (full, text) = (
        String::from_utf8_lossy(&full.stdout),
        String::from_utf8_lossy(&short.stdout),
    );
    assert!(
        !text.contains("[pass]") && !text.contains("[skip]"),
        "{text}"
    );
    let findings = full.lines().filter(|l| {
        (l.starts_with("[FAIL]") || l.starts_with("[warn]") || l.starts_with("[ERROR]"))
            && !l.ends_with("see above")
    });
    for line in findings {
        assert!(text.contains(line), "{line} missing from --only-failures");
    }
    assert!(text.contains("not listed (--only-failures): "), "{text}");
    // In the full report the first status line is a finding, not a pass.
    let first = full.lines().find(|l| l.starts_with('[')).unwrap();
    assert!(
        first.starts_with("[FAIL]") || first.starts_with("[ERROR]"),
        "{first}"
    );
    let diff = bin()
        .args([
            "diff",
            "fixtures/diff/before",
            "fixtures/diff/fixed",
            "--only-failures",
        ])
        .output()
        .unwrap();
    assert_eq!(diff.status.code(), Some(2));
}
