//! Every help page and the man page set (issue 11, "first contact"): options described,
//! defaults and env vars shown once, report options only where a report is produced,
//! examples that never wrap mid-command at 80 or 100 columns, a note where a multi-value
//! option would swallow a positional argument, and man pages whose references all exist.

use assert_cmd::Command;
use clap::CommandFactory;
use scim_doctor::cli::args::Cli;

#[path = "shared/cli.rs"]
mod cli;
use cli::assert_not_refused;

/// The shared offline binary, also without the `serve` token from the environment.
fn bin() -> Command {
    let mut c = cli::bin();
    c.env_remove("SCIM_DOCTOR_SERVE_TOKEN");
    c
}

/// Every command path (`["check"]`, `["bundle", "verify"]`...), the root as `[]`, with its
/// clap definition. The generated `help` subcommand is not ours.
fn commands() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(path: Vec<String>, cmd: &clap::Command, out: &mut Vec<(Vec<String>, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
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

fn help(path: &[String], columns: u16) -> String {
    let out = bin()
        .env("COLUMNS", columns.to_string())
        .args(path)
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{path:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Option blocks of a long help page: each starts at a line that names an option.
fn option_blocks(text: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if (2..=6).contains(&indent) && t.starts_with('-') {
            blocks.push(String::new());
        } else if line.is_empty() || indent < 2 {
            // A heading or a blank line ends nothing: descriptions continue after blanks.
            if !line.is_empty() && !line.starts_with(' ') {
                blocks.push(String::new());
            }
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(line);
            b.push('\n');
        }
    }
    blocks
}

/// Proves every option and argument of every command has a description.
#[test]
fn every_option_is_described() {
    for (path, cmd) in commands() {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            assert!(
                arg.get_help().is_some() || arg.get_long_help().is_some(),
                "`{}` option `{id}` has no description",
                path.join(" ")
            );
        }
    }
}

/// Proves no option shows its default or env var twice (once by clap, once in its text).
#[test]
fn defaults_and_env_vars_are_shown_once() {
    for (path, _) in commands() {
        let text = help(&path, 100);
        for block in option_blocks(&text) {
            let flat = block.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.matches("[default:").count() <= 1, "{path:?}: {flat}");
            assert!(flat.matches("env:").count() <= 1, "{path:?}: {flat}");
            assert!(!flat.contains("(env "), "{path:?}: {flat}");
        }
    }
}

/// Proves report options are listed where a report is produced and nowhere else.
#[test]
fn report_options_only_where_a_report_is_produced() {
    for cmd in ["test-connection", "check", "demo", "explain-user", "bundle"] {
        let text = help(&[cmd.to_string()], 100);
        for opt in ["--format", "--fail-on", "--max-subjects"] {
            assert!(text.contains(opt), "`{cmd} --help` lacks {opt}");
        }
    }
    for path in [
        vec!["serve"],
        vec!["completions"],
        vec!["man"],
        vec!["bundle", "verify"],
        vec!["snapshot"],
    ] {
        let path: Vec<String> = path.into_iter().map(String::from).collect();
        let text = help(&path, 100);
        for opt in ["--format", "--fail-on", "--max-subjects"] {
            assert!(
                !text.contains(opt),
                "`{} --help` lists {opt}",
                path.join(" ")
            );
        }
    }
}

/// Proves every example line is a whole command or an explicit ` \` continuation, at 80 and 100 columns.
#[test]
fn examples_do_not_wrap_mid_command() {
    for (path, _) in commands() {
        for columns in [80, 100] {
            let text = help(&path, columns);
            let Some(start) = text.find("Examples:\n") else {
                panic!("`{} --help` has no examples", path.join(" "));
            };
            let mut previous_continues = false;
            for line in text[start..].lines().skip(1).take_while(|l| !l.is_empty()) {
                let cmd = line.trim_start();
                let starts_command = line.starts_with("  ")
                    && ["scim-doctor", "SCIM_TOKEN=", "export "]
                        .iter()
                        .any(|p| cmd.starts_with(p));
                assert!(
                    starts_command || (previous_continues && line.starts_with("      ")),
                    "`{} --help` at {columns} columns wraps an example: {line:?}",
                    path.join(" ")
                );
                previous_continues = line.ends_with(" \\");
            }
        }
    }
}

/// Proves a command with a positional argument and a multi-value option says to order them.
#[test]
fn multi_value_options_next_to_positionals_carry_a_note() {
    let mut noted = 0;
    for (path, cmd) in commands() {
        let has_positional = cmd.get_positionals().next().is_some();
        for arg in cmd.get_opts() {
            let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
            if has_positional && many {
                let long = arg.get_long().unwrap();
                let text = help(&path, 100);
                assert!(
                    text.contains(&format!("Note: --{long} takes several")),
                    "`{} --help` needs a note on --{long}",
                    path.join(" ")
                );
                noted += 1;
            }
        }
    }
    assert!(
        noted >= 1,
        "explain-user --provisioning-logs is such an option"
    );
}

/// Proves the report options given before the subcommand (the old global form) still work.
#[test]
fn report_options_before_the_subcommand_are_still_accepted() {
    let snap = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/contract/doc-example");
    let out = bin()
        .args(["--format", "json", "check", "--snapshot", snap])
        .output()
        .unwrap();
    assert_not_refused(&out);
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .expect("JSON, as asked before the subcommand");
}

/// Proves `man --out` writes a page per command and every page it references exists.
#[test]
fn man_page_set_cross_references_all_exist() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (path, _) in commands() {
        let mut name = vec!["scim-doctor".to_string()];
        name.extend(path);
        let page = dir.path().join(format!("{}.1", name.join("-")));
        assert!(page.exists(), "missing man page {}", page.display());
    }
    let reference = regex::Regex::new(r"(scim-doctor[a-z-]*)\(1\)").unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap().replace("\\-", "-");
        for cap in reference.captures_iter(&text) {
            let target = dir.path().join(format!("{}.1", &cap[1]));
            assert!(
                target.exists(),
                "{} refers to {}(1), which was not written",
                path.display(),
                &cap[1]
            );
        }
    }
}

/// Proves `man` on stdout holds a page for every `scim-doctor-<command>(1)` it refers to
/// (it printed only the top page, whose references then led nowhere).
#[test]
fn man_on_stdout_holds_every_page_it_refers_to() {
    let out = bin().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap().replace("\\-", "-");
    let titles: std::collections::HashSet<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix(".TH "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(titles.len() > 10, "{titles:?}");
    let reference = regex::Regex::new(r"(scim-doctor[a-z-]*)\(1\)").unwrap();
    for cap in reference.captures_iter(&text) {
        assert!(
            titles.contains(&cap[1]),
            "refers to {}(1), not in the stream",
            &cap[1]
        );
    }
}

/// Proves every man page files its examples under EXAMPLES (never clap_mangen's "EXTRA"),
/// keeps them line for line, and puts the exit codes under EXIT STATUS; `man -l` shows the
/// EXAMPLES heading with the example beneath it.
#[test]
fn man_pages_file_examples_under_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["man", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let mut with_examples = 0;
    for (path, cmd) in commands() {
        let mut name = vec!["scim-doctor".to_string()];
        name.extend(path.clone());
        let page =
            std::fs::read_to_string(dir.path().join(format!("{}.1", name.join("-")))).unwrap();
        assert!(
            !page.contains(".SH EXTRA"),
            "{} has an EXTRA section",
            name.join(" ")
        );
        let after = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        if let Some(first) = after
            .strip_prefix("Examples:\n")
            .and_then(|e| e.lines().next())
        {
            with_examples += 1;
            let at = page.find(".SH EXAMPLES").unwrap_or_else(|| {
                panic!("{} has examples but no EXAMPLES section", name.join(" "))
            });
            let example = first.trim().replace('-', "\\-");
            assert!(
                page[at..].contains(&example),
                "{}: {example:?} not under EXAMPLES",
                name.join(" ")
            );
        }
        if after.contains("Exit codes:") {
            assert!(page.contains(".SH \"EXIT STATUS\""), "{}", name.join(" "));
        }
    }
    assert!(with_examples > 10, "{with_examples}");
    let rendered = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.path().join("scim-doctor-check.1"))
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .output();
    if let Some(o) = rendered
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty())
    {
        let text = String::from_utf8_lossy(&o.stdout).replace(['\u{8}'], "");
        let at = text.find("EXAMPLES").expect("EXAMPLES heading in man -l");
        assert!(
            text[at..].contains("scim-doctor check --snapshot ./snap --playbook duplicate-users"),
            "{}",
            &text[at..]
        );
    }
}

/// Proves `serve --help` lists every quirk the writable server has, with what it does.
#[test]
fn serve_help_lists_every_quirk() {
    let help = help(&["serve".to_string()], 100);
    for (name, what) in scim_doctor::server::QUIRKS {
        assert!(help.contains(name), "serve --help does not list {name}");
        let start: String = what.chars().take(20).collect();
        assert!(
            help.contains(&start),
            "serve --help does not say what {name} does"
        );
    }
}
