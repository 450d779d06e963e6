//! Tests of summary.md: the described symptom first, intentional exclusions, the asks of
//! the "Raising cases" list.

use super::*;
use crate::model::User;
use crate::report::{PlaybookRun, SourceInfo};

fn entry(id: &str, active: bool) -> Subject {
    let mut s = Subject::item(SubjectKind::Entry, id, "x");
    s.user_name = Some(id.into());
    s.active = Some(active);
    s
}

fn target_user(id: &str) -> Subject {
    let u = User {
        id: id.into(),
        user_name: Some(format!("{id}@example.com")),
        ..Default::default()
    };
    Subject::user(&u, "no email")
}

/// "New hires are not provisioned": 30 target users without email, 2 IdP users not
/// provisioned (the new hires), and out of scope one enabled and one disabled account.
fn new_hires_report() -> Report {
    let no_email: Vec<Subject> = (0..30).map(|i| target_user(&format!("m{i:02}"))).collect();
    let checks = vec![
        CheckResult::found("missing-email", Status::Fail, "no email", "fix", no_email),
        CheckResult::found(
            "not-provisioned",
            Status::Fail,
            "not in the target",
            "fix",
            vec![
                entry("hire1@example.com", true),
                entry("hire2@example.com", true),
            ],
        ),
        CheckResult::found(
            "out-of-scope",
            Status::Warn,
            "out of scope",
            "fix",
            vec![
                entry("left@example.com", false),
                entry("temp@example.com", true),
            ],
        ),
    ];
    let playbooks = vec![PlaybookRun {
        id: "users-not-provisioned".into(),
        title: "t".into(),
        status: Status::Fail,
        checks: vec![
            "missing-email".into(),
            "out-of-scope".into(),
            "not-provisioned".into(),
        ],
    }];
    let source = SourceInfo {
        kind: SourceKind::Snapshot,
        label: "t".into(),
        base_url: None,
        insecure: false,
    };
    Report::new(source, checks, playbooks)
}

fn summary(report: &Report, description: Option<&str>) -> String {
    render(&SummaryInput {
        report,
        tenant: None,
        case_id: None,
        label: None,
        description,
        contents: &[],
        redacted: false,
        keep_domains: false,
        kept: &[],
        idp: None,
        idp_how: "",
        contact: None,
        steps_taken: None,
        inputs: &[],
        reanalyse: true,
    })
}

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let at = text
        .find(heading)
        .unwrap_or_else(|| panic!("{heading}:\n{text}"));
    let rest = &text[at..];
    &rest[..rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3)]
}

/// The described symptom leads the symptom table and the affected users, and a disabled
/// IdP account outside the scope is not counted as affected.
#[test]
fn the_described_symptom_comes_first_and_intentional_exclusions_are_not_impact() {
    let r = new_hires_report();
    let text = summary(&r, Some("New hires since Monday are not provisioned"));
    let impact = section(&text, "## 1.");
    assert!(
        impact.contains(
            "Users affected by at least one data finding: 33 (30 in the target, 3 only in the IdP"
        ),
        "{impact}"
    );
    assert!(
        impact.contains("Not counted: 1 disabled IdP account"),
        "{impact}"
    );
    let first_row = impact
        .lines()
        .find(|l| l.starts_with("| `"))
        .expect("a symptom row");
    assert!(first_row.starts_with("| `not-provisioned` |"), "{impact}");
    let oos = impact
        .lines()
        .find(|l| l.starts_with("| `out-of-scope`"))
        .unwrap();
    assert!(oos.starts_with("| `out-of-scope` | warn | 1 |"), "{oos}");
    let users = section(&text, "## 6.");
    let first = users
        .lines()
        .find(|l| l.starts_with("| ") && !l.starts_with("| User"))
        .unwrap();
    assert!(first.starts_with("| hire1@example.com |"), "{users}");
    assert!(!users.contains("left@example.com"), "{users}");
    // Without a description the order is the report's.
    let plain = summary(&r, None);
    let first = section(&plain, "## 1.")
        .lines()
        .find(|l| l.starts_with("| `"))
        .unwrap()
        .to_string();
    assert!(first.starts_with("| `missing-email` |"), "{first}");
}

/// Section 3 asks for what the "Raising cases" list requires of connectivity problems.
#[test]
fn section_3_asks_for_the_client_screenshot_and_logs() {
    let text = summary(&new_hires_report(), None);
    let s3 = section(&text, "## 3.");
    assert!(s3.contains("screenshot of the client"), "{s3}");
    assert!(
        s3.contains("client's logs") && s3.contains("Record Issue"),
        "{s3}"
    );
    let s2 = section(&text, "## 2.");
    assert!(
        s2.contains("on-demand provisioning")
            && s2.contains("screenshot of the result")
            && s2.contains("timestamp"),
        "{s2}"
    );
}
