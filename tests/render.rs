//! Renderer tests: insta snapshots of every format for one report built in code (fixed
//! values, so the snapshots are deterministic), JUnit well-formedness, CSV round trip, and
//! NO_COLOR honoured by the real binary.

use assert_cmd::Command;
use scim_doctor::cli::args::Format;
use scim_doctor::findings::{CheckResult, Exchange, Status, Subject, SubjectKind};
use scim_doctor::model::{Email, User};
use scim_doctor::render::{self, RenderOptions};
use scim_doctor::report::{PlaybookRun, Report, SourceInfo, SourceKind, Summary, Tenancy};

fn user(id: &str, name: &str, email: &str, active: bool) -> User {
    User {
        id: id.into(),
        user_name: Some(name.into()),
        external_id: Some(format!("ext-{id}")),
        active: Some(active),
        display_name: Some(format!("Name {id}")),
        emails: vec![Email {
            value: email.into(),
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

/// A report with every status, a shared check, grouped subjects, evidence, and characters
/// that need escaping in Markdown, XML and CSV.
fn sample_report() -> Report {
    let dup = CheckResult::found(
        "duplicate-email",
        Status::Fail,
        "expected unique emails, got 1 email shared by 2 users",
        "delete the disabled copy in the console, then re-run provisioning | \"on demand\"",
        vec![
            Subject::user(
                &user("u1", "ann@example.com", "ann@example.com", true),
                "holds the licence",
            )
            .in_group("ann@example.com"),
            Subject::user(
                &user("u2", "ann.old@example.com", "ANN@example.com", false),
                "disabled copy",
            )
            .in_group("ann@example.com"),
        ],
    );
    let mut auth = CheckResult::new(
        "http-auth",
        Status::Pass,
        "expected 200 with the token, got 200",
    );
    auth.evidence.push(Exchange {
        method: "GET".into(),
        url: "https://scim.example.com/scim/v2/Users?count=1".into(),
        status: Some(200),
        elapsed_ms: 42,
        at: "2026-11-26T08:00:00Z".into(),
        note: None,
    });
    auth.at = Some("2026-11-26T08:00:00Z".into());
    auth.elapsed_ms = Some(42);
    let mut tls = CheckResult::new(
        "tls",
        Status::Error,
        "could not finish the TLS handshake: <alert 40> & closed",
    );
    tls.remediation = "check the certificate chain the server sends".into();
    let mut many = Vec::new();
    for i in 0..4 {
        many.push(Subject::user(
            &user(&format!("m{i}"), &format!("m{i}@example.com"), "", true),
            "no email",
        ));
    }
    let missing = CheckResult::found(
        "missing-email",
        Status::Warn,
        "expected an email on every user, got 4 without one",
        "set the mail attribute in the IdP",
        many,
    );
    let skipped = CheckResult::skipped("license-capacity", "not run: give --licenses N");
    let group = CheckResult::found(
        "empty-group",
        Status::Warn,
        "expected members in every group, got 1 empty group",
        "remove the group from the assignment or add members",
        vec![Subject::item(SubjectKind::Item, "g1", "no members")],
    );
    let checks = vec![auth, tls, dup, missing, skipped, group];
    let playbooks = vec![
        PlaybookRun {
            id: "test-connection".into(),
            title: "Test connection fails".into(),
            status: Status::Error,
            checks: vec!["http-auth".into(), "tls".into()],
        },
        PlaybookRun {
            id: "duplicate-users".into(),
            title: "Duplicate users".into(),
            status: Status::Fail,
            checks: vec![
                "duplicate-email".into(),
                "missing-email".into(),
                "license-capacity".into(),
            ],
        },
        PlaybookRun {
            id: "users-not-provisioned".into(),
            title: "Users are not provisioned".into(),
            status: Status::Fail,
            checks: vec!["duplicate-email".into()],
        },
    ];
    let summary = Summary::of(&checks);
    Report {
        schema_version: "1.0".into(),
        tool: scim_doctor::report::ToolInfo {
            name: "scim-doctor".into(),
            version: "0.0.0-test".into(),
        },
        generated_at: "2026-11-26T08:00:01Z".into(),
        source: SourceInfo {
            kind: SourceKind::Live,
            label: "scim.example.com".into(),
            base_url: Some("https://scim.example.com/scim/v2".into()),
            insecure: true,
        },
        tenant: Some(Tenancy {
            users: 6,
            groups: 1,
            complete: false,
            notes: vec!["stopped after 1 page".into()],
            read: 7,
            dropped: 0,
            merged: 0,
        }),
        summary,
        playbooks,
        checks,
        warnings: vec!["TLS certificate verification was disabled with --insecure".into()],
    }
}

fn opts() -> RenderOptions {
    RenderOptions {
        color: false,
        max_subjects: 2,
        only_failures: false,
    }
}

#[test]
fn human_report_snapshot() {
    insta::assert_snapshot!(render::render(&sample_report(), Format::Human, &opts()));
}

#[test]
fn markdown_report_snapshot() {
    insta::assert_snapshot!(render::render(&sample_report(), Format::Markdown, &opts()));
}

#[test]
fn junit_report_snapshot() {
    insta::assert_snapshot!(render::render(&sample_report(), Format::Junit, &opts()));
}

#[test]
fn csv_report_snapshot() {
    insta::assert_snapshot!(render::render(&sample_report(), Format::Csv, &opts()));
}

#[test]
fn human_shows_shared_check_once_and_refers_back() {
    let text = render::render(&sample_report(), Format::Human, &opts());
    assert_eq!(text.matches("duplicate-email (2):").count(), 1, "{text}");
    assert!(text.contains("[FAIL] duplicate-email: see above"), "{text}");
    assert!(text.contains("... and 2 more"), "{text}");
}

/// The human report leads with findings, fail before warn, ahead of any passed check.
#[test]
fn human_leads_with_findings_most_severe_first() {
    let report = sample_report();
    let text = render::render(&report, Format::Human, &opts());
    let first_pass = text.find("[pass]").expect("the sample has passed checks");
    let first_playbook = text.find("== ").unwrap();
    assert!(
        text[first_playbook..].starts_with("== Findings, most severe first"),
        "{text}"
    );
    for c in report.checks.iter().filter(|c| c.status == Status::Fail) {
        let at = text.find(&format!("[FAIL] {}", c.id)).unwrap();
        assert!(at < first_pass, "{} comes after a pass line:\n{text}", c.id);
    }
    // Inside the findings block, fail and error come before warn.
    let block = &text[first_playbook..];
    let block = &block[..block[3..].find("\n== ").map_or(block.len(), |i| i + 3)];
    let last_severe = block.rfind("[FAIL]").max(block.rfind("[ERROR]")).unwrap();
    let first_warn = block.find("[warn]").expect("the sample has a warning");
    assert!(last_severe < first_warn, "{block}");
}

/// --only-failures lists no passed or skipped check, and says how many it left out.
#[test]
fn human_only_failures_hides_passes_and_counts_them() {
    let report = sample_report();
    let text = render::render(
        &report,
        Format::Human,
        &RenderOptions {
            only_failures: true,
            ..opts()
        },
    );
    assert!(
        !text.contains("[pass]") && !text.contains("[skip]"),
        "{text}"
    );
    for c in report
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Warn))
    {
        assert!(text.contains(&c.id), "{} missing:\n{text}", c.id);
    }
    assert!(
        text.contains(&format!(
            "not listed (--only-failures): {} passed, {} skipped",
            report.summary.pass, report.summary.skipped
        )),
        "{text}"
    );
}

#[test]
fn human_with_colour_emits_ansi_and_without_does_not() {
    colored::control::set_override(true);
    let coloured = render::human::render(
        &sample_report(),
        &RenderOptions {
            color: true,
            max_subjects: 2,
            only_failures: false,
        },
    );
    let plain = render::human::render(&sample_report(), &opts());
    colored::control::unset_override();
    assert!(coloured.contains("\u{1b}["));
    assert!(!plain.contains("\u{1b}["));
}

#[test]
fn junit_is_well_formed_xml_with_one_suite_per_playbook() {
    let xml = render::render(&sample_report(), Format::Junit, &opts());
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    // three playbooks plus the `other` suite for the check no playbook names
    assert_eq!(suites.len(), 4);
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    // duplicate-email twice (two playbooks), missing-email and empty-group: warn is a failure too.
    assert_eq!(failures.len(), 4);
    assert_eq!(
        failures
            .iter()
            .filter(|n| n.attribute("type") == Some("warn"))
            .count(),
        2
    );
    let err = doc
        .descendants()
        .find(|n| n.has_tag_name("error"))
        .expect("an <error>");
    assert_eq!(
        err.attribute("message"),
        Some("could not finish the TLS handshake: <alert 40> & closed")
    );
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("skipped"))
            .count(),
        1
    );
}

#[test]
fn junit_escape_drops_control_characters_and_escapes_markup() {
    let xml = format!("<a t=\"{}\"/>", render::junit::escape("x\u{1}<\"'&>"));
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    assert_eq!(doc.root_element().attribute("t"), Some("x<\"'&>"));
}

#[test]
fn csv_round_trips_every_subject_field() {
    let report = sample_report();
    let text = render::render(&report, Format::Csv, &opts());
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, render::csv::SUBJECT_HEADER);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let expected: usize = report.checks.iter().map(|c| c.subjects.len()).sum();
    assert_eq!(rows.len(), expected);
    let dup = report.check("duplicate-email").unwrap();
    let row = rows.iter().find(|r| &r[3] == "u2").unwrap();
    assert_eq!(&row[0], "duplicate-email");
    assert_eq!(&row[1], "fail");
    assert_eq!(&row[4], dup.subjects[1].user_name.as_deref().unwrap());
    assert_eq!(&row[5], "ANN@example.com");
    assert_eq!(&row[7], "false");
    assert_eq!(&row[9], "ann@example.com");
    assert_eq!(&row[10], "disabled copy");
}

#[test]
fn csv_per_check_files_hold_one_table_per_check_and_checks_csv() {
    let report = sample_report();
    let files = render::csv::per_check_files(&report);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "checks.csv");
    // One file per check that ran; a skipped check has its row in checks.csv only.
    let ran = report
        .checks
        .iter()
        .filter(|c| c.status != Status::Skipped)
        .count();
    assert!(ran < report.checks.len(), "the sample has a skipped check");
    assert_eq!(names.len(), ran + 1);
    assert!(!names.contains(&"license-capacity.csv"), "{names:?}");
    let checks = &files[0].1;
    let mut rdr = csv::Reader::from_reader(checks.as_slice());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let dup = rows.iter().find(|r| &r[0] == "duplicate-email").unwrap();
    assert_eq!(&dup[2], "2");
    assert_eq!(
        &dup[4],
        report.check("duplicate-email").unwrap().remediation
    );
}

#[test]
fn csv_file_names_cannot_escape_the_directory() {
    assert_eq!(
        render::csv::safe_name("../../etc/passwd"),
        "______etc_passwd"
    );
    assert_eq!(render::csv::safe_name("duplicate-email"), "duplicate-email");
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/bundle")
        .join(name)
}

#[test]
fn binary_honours_no_color_with_color_auto() {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .env("NO_COLOR", "1")
        .args([
            "check",
            "--format",
            "human",
            "--color",
            "auto",
            "--snapshot",
        ])
        .arg(fixture("tenant-small"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("summary:"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "ANSI escape in NO_COLOR output: {text}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\u{1b}'));
}

#[test]
fn binary_colours_with_color_always_so_the_no_color_test_can_fail() {
    let out = Command::cargo_bin("scim-doctor")
        .unwrap()
        .args([
            "check",
            "--format",
            "human",
            "--color",
            "always",
            "--snapshot",
        ])
        .arg(fixture("tenant-small"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn binary_writes_one_csv_per_check_with_out_dir() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("csv");
    Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["check", "--format", "csv", "--snapshot"])
        .arg(fixture("tenant-small"))
        .arg("--out")
        .arg(&target)
        .assert()
        .code(predicates::ord::lt(2));
    let checks = std::fs::read_to_string(target.join("checks.csv")).unwrap();
    let ran = checks
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) != Some("skipped"))
        .count();
    let per_check = std::fs::read_dir(&target).unwrap().count() - 1;
    assert!(ran > 0);
    assert_eq!(ran, per_check, "one file per check of checks.csv that ran");
}

#[test]
fn binary_refuses_out_without_csv_format() {
    Command::cargo_bin("scim-doctor")
        .unwrap()
        .args(["check", "--format", "json", "--out", "x", "--snapshot"])
        .arg(fixture("tenant-small"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--format csv"));
}
