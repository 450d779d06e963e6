//! Words a user reads (issue 22, "Words"): no internal references ("seed 004", "reference
//! section 2", the project's research notes) anywhere a user can see them, and counts that
//! agree with their noun ("1 request", not "1 requests"). Scanned: every shipped check
//! document, playbook and profile, every string literal in `src/` (the tool's messages live
//! there), the docs and README, and the reports the demo and a snapshot run render.

use assert_cmd::Command;
use regex::Regex;
use std::path::{Path, PathBuf};

/// Citations only this project's authors can follow.
fn internal_reference() -> Regex {
    Regex::new(
        r"(?i)\bseeds? ?0\d\d\b|\bseeds \d{3}\b|\bseeds?'|\bthe seeds\b|reference (sections?|§) ?\d|\breference [a-d]\d\b|scim-failure-modes|idp-and-scim-behaviour|idp-configuration-artifacts|/work/shared",
    )
    .unwrap()
}

/// "1 requests", "1 users"...: a singular count with a plural noun.
fn bad_plural() -> Regex {
    Regex::new(r"(?:^|[^\d.,])1 (requests|users|groups|resources|checks|findings|clusters|emails|people|members|pages|failures|seats|ids)\b").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hits(re: &Regex, what: &str, text: &str) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| re.is_match(l))
        .map(|(i, l)| {
            let m = re.find(l).unwrap();
            let from = l[..m.start()]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            let to = (m.end() + 40..=l.len())
                .find(|&i| l.is_char_boundary(i))
                .unwrap_or(l.len());
            format!("{what}:{}: …{}…", i + 1, &l[from..to])
        })
        .collect()
}

/// The string literals of a Rust source (comments are the authors' notes and may cite their
/// research; literals are what the tool prints).
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let (mut i, mut out) = (0, Vec::new());
    let line_of = |at: usize| src[..at].matches('\n').count() + 1;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i = src[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if b[i..].starts_with(b"/*") {
            i = src[i..].find("*/").map_or(b.len(), |n| i + n + 2);
        } else if b[i] == b'\'' {
            // A char literal ('"', '\'') must not open a string; a lifetime is skipped as is.
            let rest = &src[i..];
            let len = if let Some(escaped) = rest.strip_prefix("'\\") {
                escaped.find('\'').map_or(1, |n| n + 3)
            } else {
                rest[1..]
                    .chars()
                    .next()
                    .filter(|_| rest[1..].chars().nth(1) == Some('\''))
                    .map_or(1, |c| c.len_utf8() + 2)
            };
            i += len;
        } else if b[i] == b'r'
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && src[i + 1..].trim_start_matches('#').starts_with('"')
        {
            let hashes = src[i + 1..].len() - src[i + 1..].trim_start_matches('#').len();
            let start = i + 2 + hashes;
            let end = format!("\"{}", "#".repeat(hashes));
            let stop = src[start..].find(&end).map_or(b.len(), |n| start + n);
            out.push((line_of(i), src[start..stop].to_string()));
            i = stop + end.len();
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push((line_of(i), src[i + 1..j.min(b.len())].to_string()));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Proves the scanner itself sees a planted citation and ignores one in a comment.
#[test]
fn the_scanner_finds_a_citation_in_a_literal_and_not_in_a_comment() {
    let src = "// seed 004 in a note\nlet c = '\"'; let s = \"see seed 004 \\\"x\\\"\";\nlet r = r#\"reference section 2\"#;";
    let lits = string_literals(src);
    let re = internal_reference();
    let found: Vec<_> = lits.iter().filter(|(_, l)| re.is_match(l)).collect();
    assert_eq!(found.len(), 2, "{lits:?}");
    assert_eq!(found[0].0, 2);
    assert!(bad_plural().is_match("fetched 3 users in 1 requests"));
    assert!(!bad_plural().is_match("fetched 21 users in 11 requests, 1 request"));
}

/// Proves no shipped check document, playbook or profile cites an internal reference.
#[test]
fn shipped_check_docs_playbooks_and_profiles_cite_public_sources() {
    let re = internal_reference();
    let mut bad = Vec::new();
    for (file, text) in scim_doctor::catalog::SHIPPED
        .iter()
        .chain(scim_doctor::playbook::SHIPPED)
        .chain(scim_doctor::profile::SHIPPED)
    {
        bad.extend(hits(&re, file, text));
    }
    assert!(bad.is_empty(), "internal references:\n{}", bad.join("\n"));
}

/// Proves no message the tool can print (a string literal in src/) cites an internal
/// reference or says "1 requests".
#[test]
fn no_message_in_the_source_cites_an_internal_reference() {
    let (re, plural) = (internal_reference(), bad_plural());
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    assert!(files.len() > 50, "src/ not found");
    let mut bad = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.strip_prefix(root()).unwrap().display().to_string();
        for (line, lit) in string_literals(&text) {
            // "Exit codes: 0 ..., 1 findings at or above it" reads "1 (when) findings".
            let miscounted = lit
                .split("\\n")
                .flat_map(str::lines)
                .any(|l| !l.contains("Exit codes") && plural.is_match(l));
            if re.is_match(&lit) || miscounted {
                bad.push(format!("{name}:{line}: {lit}"));
            }
        }
    }
    assert!(bad.is_empty(), "internal references:\n{}", bad.join("\n"));
}

/// Proves the user documentation (README, docs/) cites public sources only.
#[test]
fn docs_and_readme_cite_public_sources() {
    let re = internal_reference();
    let mut bad = hits(
        &re,
        "README.md",
        &std::fs::read_to_string(root().join("README.md")).unwrap(),
    );
    for e in std::fs::read_dir(root().join("docs")).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "md") {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            bad.extend(hits(&re, &name, &std::fs::read_to_string(&p).unwrap()));
        }
    }
    assert!(bad.is_empty(), "internal references:\n{}", bad.join("\n"));
}

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Proves the rendered reports (every format of the demo, a snapshot run's markdown, every
/// check's documentation page and a bundle's summary.md) cite no internal reference and
/// write no "1 requests".
#[test]
fn rendered_outputs_cite_public_sources_and_count_in_good_english() {
    let (re, plural) = (internal_reference(), bad_plural());
    let mut outputs: Vec<(String, String)> = Vec::new();
    for format in ["human", "markdown", "html", "json"] {
        outputs.push((
            format!("demo --format {format}"),
            run(&["demo", "--format", format]),
        ));
    }
    let snap = root().join("fixtures/demo-tenant");
    let snap = snap.to_str().unwrap();
    outputs.push((
        "check --snapshot --profile generic".into(),
        run(&[
            "check",
            "--snapshot",
            snap,
            "--profile",
            "generic",
            "--licenses",
            "10",
            "--format",
            "markdown",
        ]),
    ));
    let docs = scim_doctor::catalog::load(None).unwrap();
    for d in &docs {
        outputs.push((
            format!("playbooks show {}", d.id),
            run(&["playbooks", "show", &d.id, "--format", "human"]),
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("b.zip");
    run(&[
        "bundle",
        "--snapshot",
        snap,
        "--out",
        zip.to_str().unwrap(),
        "--description",
        "new hires are not provisioned",
        "--format",
        "json",
    ]);
    let file = std::fs::File::open(&zip).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut summary = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("summary.md")
            .expect("summary.md in the bundle"),
        &mut summary,
    )
    .unwrap();
    outputs.push(("bundle summary.md".into(), summary));
    let mut bad = Vec::new();
    for (what, text) in &outputs {
        bad.extend(hits(&re, what, text));
        bad.extend(hits(&plural, what, text));
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Proves a run with `--profile generic` (any SCIM service) never speaks of the seeds'
/// console: no SDP licences, no "Access > License Assignment".
#[test]
fn the_generic_profile_does_not_talk_about_one_vendors_console() {
    let snap = root().join("fixtures/demo-tenant");
    for mode in [
        &["--licenses", "10"][..],
        &[
            "--licenses",
            "5000",
            "--license-mode",
            "groups",
            "--license-groups",
            "VPN Users",
        ][..],
    ] {
        let mut args = vec![
            "check",
            "--snapshot",
            snap.to_str().unwrap(),
            "--profile",
            "generic",
            "--format",
            "json",
        ];
        args.extend_from_slice(mode);
        let text = run(&args);
        for word in ["SDP", "Access > License Assignment", "Access > Users"] {
            assert!(!text.contains(word), "{word} in a generic run ({mode:?})");
        }
    }
}
