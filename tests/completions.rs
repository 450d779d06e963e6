//! Shell completions (issue 22, "Set-up"): the generated scripts are sourced in a real bash
//! and a real zsh and asked to complete an option of a subcommand, as a person pressing Tab
//! would. zsh comes from scripts/ci-setup.sh; without it the zsh test says so and passes,
//! except under CI=true where a missing shell is a failure.

use clap::CommandFactory;
use scim_doctor::cli::args::Cli;
use std::path::Path;
use std::process::Command;

fn script(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scim-doctor"))
        .args(["completions", shell])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn have(shell: &str) -> bool {
    let found = Command::new(shell)
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{shell} is missing: run scripts/ci-setup.sh"
        );
        eprintln!("{shell} is missing: completion test skipped (scripts/ci-setup.sh installs it)");
    }
    found
}

/// Every visible subcommand path with the first long option it takes, e.g.
/// (["check"], "--snapshot"), (["playbooks", "show"], "--playbooks").
fn subcommand_options() -> Vec<(Vec<String>, String)> {
    fn walk(path: Vec<String>, cmd: &clap::Command, out: &mut Vec<(Vec<String>, String)>) {
        if !path.is_empty() {
            if let Some(long) = cmd
                .get_arguments()
                .filter(|a| !a.is_hide_set() && !a.is_global_set())
                .filter_map(|a| a.get_long())
                .find(|l| !matches!(*l, "help" | "version"))
            {
                out.push((path.clone(), format!("--{long}")));
            }
        }
        for sub in cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(p, sub, out);
        }
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut out = Vec::new();
    walk(Vec::new(), &cmd, &mut out);
    out
}

/// What bash's completion function offers for `scim-doctor <path> <prefix><Tab>`.
fn bash_complete(file: &Path, path: &[String], prefix: &str) -> String {
    let mut words = vec!["scim-doctor".to_string()];
    words.extend(path.iter().cloned());
    words.push(prefix.to_string());
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let driver = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_scim__doctor scim-doctor '{}' '{}'\necho \"${{COMPREPLY[@]}}\"",
        file.display(),
        quoted.join(" "),
        words.len() - 1,
        prefix,
        words[words.len() - 2]
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &driver])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Proves the bash script, sourced in bash, completes `check --snaps<Tab>` to --snapshot and
/// an option of every other subcommand (the script used to complete subcommand names only).
#[test]
fn bash_completes_options_of_every_subcommand() {
    if !have("bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scim-doctor.bash");
    std::fs::write(&file, script("bash")).unwrap();
    assert_eq!(
        bash_complete(&file, &["check".into()], "--snaps"),
        "--snapshot"
    );
    let cases = subcommand_options();
    assert!(cases.len() >= 10, "{cases:?}");
    let mut missing = Vec::new();
    for (path, long) in &cases {
        let prefix = &long[..long.len().min(5)];
        let offered = bash_complete(&file, path, prefix);
        if !offered.split_whitespace().any(|w| w == long) {
            missing.push(format!("{} {prefix}<Tab> gave {offered:?}", path.join(" ")));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Proves the zsh script, installed in $fpath of an interactive zsh, completes
/// `scim-doctor check --snaps<Tab>` to `--snapshot` and `explain-user --idp-u<Tab>` to
/// `--idp-users` (driven through a pseudo-terminal, as a person types).
#[test]
fn zsh_completes_an_option_of_a_subcommand() {
    if !have("zsh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("_scim-doctor"), script("zsh")).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_scim-doctor"))
        .parent()
        .unwrap();
    for (line, want) in [
        ("scim-doctor check --snaps", "--snapshot"),
        ("scim-doctor explain-user --idp-u", "--idp-users"),
    ] {
        let driver = format!(
            r#"zmodload zsh/zpty
zpty -b z "zsh -f -i"
zpty -w z "PS1='%% '; fpath=('{fpath}' \$fpath); autoload -U compinit; compinit -u -D; PATH='{bin}':\$PATH"
zpty -w -n z $'{line}\t'
out=""
for i in {{1..100}}; do
  chunk=""
  zpty -rt z chunk 2>/dev/null && out+="$chunk"
  [[ $out == *"{line}"* && $out == *{want}* ]] && break
  sleep 0.1
done
zpty -d z
print -r -- "$out""#,
            fpath = dir.path().display(),
            bin = bin_dir.display(),
        );
        let out = Command::new("zsh")
            .args(["-f", "-c", &driver])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // The typed line is echoed first; the completion is what follows its last echo.
        let after = text.rsplit(line.split(' ').next_back().unwrap()).next();
        let completed = text.contains(&format!("{} {want}", line.rsplit_once(' ').unwrap().0));
        assert!(
            completed,
            "{line}<Tab> did not complete to {want}; zsh printed: {:?}",
            after.map(|a| a.chars().take(300).collect::<String>())
        );
    }
}
