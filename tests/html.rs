//! `--format html`: the page is self-contained (CSP meta forbidding every network resource,
//! no external URL in any src/href), carries every check id, escapes tenant data, caps large
//! subject lists and says where the full list is; `explain-user --format html` renders the
//! stages; every bundle holds report.html. The real-browser test is `tests/browser.rs`.

use assert_cmd::Command;
use scim_doctor::findings::{CheckResult, Status, Subject, SubjectKind};
use scim_doctor::model::{Email, Tenant, User};
use scim_doctor::render::html;
use scim_doctor::report::{PlaybookRun, Report, SourceInfo, SourceKind, Tenancy};

fn bin() -> Command {
    let mut c = Command::cargo_bin("scim-doctor").unwrap();
    c.env_remove("SCIM_TOKEN").env_remove("SCIM_BASE_URL");
    c
}

fn user(id: &str, name: &str, active: bool) -> User {
    User {
        id: id.into(),
        user_name: Some(name.into()),
        active: Some(active),
        emails: vec![Email {
            value: format!("{id}@contoso.example"),
            kind: Some("work".into()),
            primary: true,
        }],
        ..Default::default()
    }
}

fn report(checks: Vec<CheckResult>) -> Report {
    let ids = checks.iter().map(|c| c.id.clone()).collect();
    let mut r = Report::new(
        SourceInfo {
            kind: SourceKind::Snapshot,
            label: "./snap".into(),
            base_url: None,
            insecure: false,
        },
        checks,
        vec![PlaybookRun {
            id: "full-audit".into(),
            title: "Full audit".into(),
            status: Status::Fail,
            checks: ids,
        }],
    );
    r.tenant = Some(Tenancy {
        users: 2,
        groups: 0,
        complete: true,
        notes: vec![],
        read: 2,
        dropped: 0,
        merged: 0,
    });
    r
}

/// Every `src=`/`href=` value in the page: none may point anywhere but inside the page.
fn external_refs(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "url("] {
        for (i, _) in page.match_indices(attr) {
            let rest = &page[i + attr.len()..];
            let v: String = rest
                .chars()
                .take_while(|c| *c != '"' && *c != ')')
                .collect();
            if !v.starts_with('#') {
                out.push(v);
            }
        }
    }
    out
}

#[test]
fn hostile_user_name_is_escaped_and_cannot_run() {
    let evil = user(
        "u1",
        "<script>alert(1)</script>\"><img src=x onerror=alert(2)>",
        true,
    );
    let c = CheckResult::found(
        "missing-email",
        Status::Fail,
        "expected an email, got none for <b>1</b> user",
        "fill the mail attribute",
        vec![Subject::user(&evil, "no email <i>at all</i>")],
    );
    let page = html::render(&report(vec![c]), None);
    assert!(
        !page.contains("<script>alert(1)"),
        "raw script tag reached the page"
    );
    assert!(!page.contains("<img src=x"), "raw img tag reached the page");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&lt;b&gt;1&lt;/b&gt;"));
    // Exactly one script element: the page's own, pinned by hash in the CSP.
    assert_eq!(page.matches("<script>").count(), 1);
}

#[test]
fn page_is_self_contained_with_a_csp_that_forbids_the_network() {
    let page = html::render(&report(vec![CheckResult::pass("dns", "ok")]), None);
    let csp_at = page
        .find("http-equiv=\"Content-Security-Policy\"")
        .expect("CSP meta");
    let head_end = page.find("</head>").unwrap();
    assert!(csp_at < head_end, "the CSP must be in <head>");
    assert!(page.contains("default-src 'none'"));
    assert!(!page.contains("unsafe-inline") && !page.contains("unsafe-eval"));
    assert!(
        external_refs(&page).is_empty(),
        "external refs: {:?}",
        external_refs(&page)
    );
    assert!(!page.contains("<link") && !page.contains("@import"));
}

#[test]
fn every_check_id_is_a_section_and_shared_checks_are_shown_once() {
    let checks = vec![
        CheckResult::pass("dns", "resolved"),
        CheckResult::new(
            "duplicate-email",
            Status::Warn,
            "expected unique, got 1 shared",
        ),
        CheckResult::skipped("license-capacity", "not run: give --licenses N"),
    ];
    let mut r = report(checks);
    r.playbooks.push(PlaybookRun {
        id: "duplicate-users".into(),
        title: "Duplicate users".into(),
        status: Status::Warn,
        checks: vec!["duplicate-email".into()],
    });
    let page = html::render(&r, None);
    for id in ["dns", "duplicate-email", "license-capacity"] {
        assert_eq!(
            page.matches(&format!("data-check=\"{id}\"")).count(),
            1,
            "{id}"
        );
    }
    assert!(
        page.contains("shown above"),
        "the second playbook links to the first"
    );
    assert!(page.contains("id=\"verdict\"") && page.contains("Review: no check failed"));
}

#[test]
fn large_subject_lists_are_capped_and_point_to_the_bundle_csv() {
    let users: Vec<Subject> = (0..html::PAGE_SUBJECTS + 7)
        .map(|i| Subject::user(&user(&format!("u{i}"), &format!("user{i}"), true), ""))
        .collect();
    let c = CheckResult::found("missing-email", Status::Fail, "m", "r", users);
    let page = html::render(&report(vec![c]), None);
    let rows = page.matches("<tr><td>user</td>").count();
    assert_eq!(rows, html::PAGE_SUBJECTS);
    assert!(page.contains(&format!(
        "Showing {} of {}",
        html::PAGE_SUBJECTS,
        html::PAGE_SUBJECTS + 7
    )));
    assert!(page.contains("checks/missing-email.csv"));
}

#[test]
fn small_subject_lists_are_not_capped() {
    let c = CheckResult::found(
        "missing-email",
        Status::Fail,
        "m",
        "r",
        vec![Subject::item(SubjectKind::Item, "x", "d")],
    );
    let page = html::render(&report(vec![c]), None);
    assert!(!page.contains("class=\"note capped\""));
}

#[test]
fn tenant_charts_are_drawn_from_the_tenant_and_absent_without_it() {
    let t = Tenant {
        users: vec![user("a", "a", true), user("b", "b", false)],
        ..Default::default()
    };
    let r = report(vec![CheckResult::pass("dns", "ok")]);
    let with = html::render(&r, Some(&t));
    assert!(with.contains("id=\"chart-composition\"") && with.contains("id=\"chart-domains\""));
    assert!(with.contains("active: 1 users") && with.contains("disabled: 1 users"));
    assert!(with.contains("contoso.example: 2 users"));
    let without = html::render(&r, None);
    assert!(!without.contains("id=\"chart-composition\""));
    assert!(without.contains("need the tenant data"));
}

#[test]
fn check_format_html_on_a_snapshot_is_one_page_with_every_check() {
    let out = bin()
        .args([
            "check",
            "--snapshot",
            "fixtures/diff/before",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "findings at fail level");
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    for id in scim_doctor::checks::registry().iter().map(|d| d.id) {
        assert!(
            page.contains(&format!("data-check=\"{id}\"")),
            "missing {id}"
        );
    }
    assert!(
        page.contains("id=\"chart-groups\""),
        "group sizes drawn from the snapshot"
    );
}

#[test]
fn explain_user_format_html_renders_every_stage_numbered_once() {
    let out = bin()
        .args([
            "explain-user",
            "carol@contoso.example",
            "--snapshot",
            "fixtures/diff/before",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    let page = String::from_utf8(out.stdout).unwrap();
    for (n, (stage, title)) in [
        ("import", "Import"),
        ("scope", "Scope"),
        ("match", "Match"),
        ("target-state", "Target state"),
        ("logs", "Logs"),
        ("mapping", "Mapping"),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(page.contains(&format!("data-stage=\"{stage}\"")), "{stage}");
        assert!(
            page.contains(&format!("<h2>{}. {title} ", n + 1)),
            "{stage}"
        );
    }
    // The number is in the heading only: no list marker numbers the stages a second time.
    assert!(
        !page.contains("<ol class=\"stages\""),
        "stages numbered twice"
    );
    assert!(page.contains("id=\"verdict\"") && page.contains("default-src 'none'"));
}

#[test]
fn every_bundle_holds_report_html() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("b.zip");
    bin()
        .args(["bundle", "--snapshot", "fixtures/diff/before", "--bundle"])
        .arg(&zip)
        .args(["-q", "--format", "json"])
        .output()
        .unwrap();
    let f = std::fs::File::open(&zip).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut z.by_name("report.html").unwrap(), &mut page).unwrap();
    assert!(page.contains("data-check=\"duplicate-email\""));
    let mut manifest = String::new();
    std::io::Read::read_to_string(&mut z.by_name("manifest.json").unwrap(), &mut manifest).unwrap();
    assert!(
        manifest.contains("report.html"),
        "report.html is checksummed"
    );
}

#[test]
fn redacted_bundles_render_report_html_from_the_redacted_report() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap");
    std::fs::create_dir(&snap).unwrap();
    // An apostrophe is escaped in HTML (&#39;): the page must not carry the real name anyway.
    let users = std::fs::read_to_string("fixtures/diff/before/Users.json")
        .unwrap()
        .replace("carol@contoso.example", "o'brien@contoso.example");
    std::fs::write(snap.join("Users.json"), users).unwrap();
    std::fs::copy("fixtures/diff/before/Groups.json", snap.join("Groups.json")).unwrap();
    let zip = dir.path().join("b.zip");
    bin()
        .args([
            "check",
            "--format",
            "json",
            "-q",
            "--redact-pii",
            "--snapshot",
        ])
        .arg(&snap)
        .arg("--bundle")
        .arg(&zip)
        .output()
        .unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut page = String::new();
    std::io::Read::read_to_string(&mut z.by_name("report.html").unwrap(), &mut page).unwrap();
    assert!(page.contains("data-check=\"missing-email\""));
    assert!(
        !page.contains("brien"),
        "the real userName reached the redacted page"
    );
    assert!(
        !page.contains("contoso.example"),
        "no email domain without --keep-domains"
    );
}

/// Proves the domain chart's "(no email)" bar counts the users missing-email counts (a user
/// whose address has no domain is shown apart), so the page never says 29 beside 24.
#[test]
fn the_no_email_bar_agrees_with_missing_email() {
    let run = |format: &str| {
        assert_cmd::Command::cargo_bin("scim-doctor")
            .unwrap()
            .args([
                "check",
                "--snapshot",
                "fixtures/demo-tenant",
                "--format",
                format,
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
            .stdout
    };
    let report: serde_json::Value = serde_json::from_slice(&run("json")).unwrap();
    let missing = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "missing-email")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    let page = String::from_utf8(run("html")).unwrap();
    let bar = format!("(no email: missing-email): {missing} users");
    assert!(page.contains(&bar), "no bar {bar:?}");
    assert!(
        page.contains("(address without a domain): "),
        "malformed addresses not apart"
    );
}
