//! "What matters most": findings grouped by root cause and ranked by severity, then by the
//! people they affect. Several checks often describe one cause from different sides (a user
//! without an email is also missing a required attribute and cannot hold a licence); listing
//! each of them would fill the section with one problem and push the others out. Two rules
//! group them: checks of one family (below) are one cause, and a cause whose people are
//! nearly all (`FOLD_SHARE`) already counted under a higher-ranked cause, or under a root
//! cause when it reports an effect (`CONSEQUENCES`), is folded into it and named there as
//! "also reported by".

use crate::findings::{CheckResult, Status, SubjectKind};
use crate::report::Report;
use std::collections::HashSet;

/// Checks that report one cause. A check in no family is a cause of its own.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "Users without a usable email",
        &["missing-email", "invalid-email", "mapping-email"],
    ),
    (
        "Duplicate users",
        &[
            "duplicate-email",
            "duplicate-username",
            "duplicate-external-id",
            "soft-delete-leftover",
        ],
    ),
    (
        "Users the IdP does not provision",
        &[
            "not-provisioned",
            "out-of-scope",
            "scope-filter-invalid",
            "provisioning-failures",
            "provisioning-job",
            "okta-app-assignment",
        ],
    ),
    ("Too few licences", &["license-capacity"]),
    (
        "The endpoint cannot be reached as the IdP reaches it",
        &[
            "base-url",
            "dns",
            "tcp",
            "tls",
            "http-auth",
            "endpoint-path",
            "scim-response",
            "idp-test-connection",
        ],
    ),
    (
        "Group structure the target does not accept",
        &[
            "nested-group",
            "orphan-group-member",
            "duplicate-group-name",
            "empty-group",
            "ldap-group-collision",
        ],
    ),
];

/// Checks that report the effect of another cause (no licence because no email, or because a
/// copy of the email holds it; a required attribute missing because the email is). They are
/// folded into the cause they share their people with before they may stand alone.
const CONSEQUENCES: &[&str] = &["unlicensable-user", "missing-required-attribute"];

/// Share of a cause's people that must already be counted elsewhere for it to be folded.
const FOLD_SHARE: f64 = 0.8;

/// One root cause as the page lists it.
#[derive(Debug)]
pub struct Cause<'a> {
    pub title: String,
    /// The checks of the cause, the one to read first (worst status, most people) first.
    pub checks: Vec<&'a CheckResult>,
    /// Checks of lower-ranked causes that report nearly the same people.
    pub also: Vec<&'a CheckResult>,
    /// Users named by the checks (by id); empty when the checks name no user.
    pub people: HashSet<&'a str>,
    /// Subjects that are not users (groups, requests, log entries), summed over the checks.
    pub other_subjects: usize,
    pub status: Status,
}

impl Cause<'_> {
    pub fn lead(&self) -> &CheckResult {
        self.checks[0]
    }

    fn rank_key(&self) -> (u8, usize, usize) {
        (self.status.rank(), self.people.len(), self.other_subjects)
    }
}

fn family(id: &str) -> Option<&'static str> {
    FAMILIES
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map(|(title, _)| *title)
}

/// Every cause of the report's findings, most important first.
pub fn ranked(report: &Report) -> Vec<Cause<'_>> {
    let mut causes: Vec<Cause> = Vec::new();
    for c in crate::render::ordered_checks(report)
        .into_iter()
        .filter(|c| crate::render::is_finding(c))
    {
        let title = family(&c.id).map_or_else(|| c.id.clone(), str::to_string);
        let i = match causes.iter().position(|x| x.title == title) {
            Some(i) => i,
            None => {
                causes.push(Cause {
                    title,
                    checks: Vec::new(),
                    also: Vec::new(),
                    people: HashSet::new(),
                    other_subjects: 0,
                    status: c.status,
                });
                causes.len() - 1
            }
        };
        let cause = &mut causes[i];
        cause.checks.push(c);
        if c.status.rank() > cause.status.rank() {
            cause.status = c.status;
        }
        for s in &c.subjects {
            if s.kind == SubjectKind::User {
                cause.people.insert(s.id.as_str());
            }
        }
        let others = c
            .subjects
            .iter()
            .filter(|s| s.kind != SubjectKind::User)
            .count();
        // A check without subjects still counts what it found (a shortfall of seats).
        cause.other_subjects += if c.subjects.is_empty() {
            c.count
        } else {
            others
        };
    }
    for cause in &mut causes {
        let users = |c: &CheckResult| {
            c.subjects
                .iter()
                .filter(|s| s.kind == SubjectKind::User)
                .count()
        };
        cause.checks.sort_by_key(|c| {
            (
                std::cmp::Reverse(c.status.rank()),
                std::cmp::Reverse(users(c)),
            )
        });
    }
    let consequence = |c: &Cause| {
        c.checks
            .iter()
            .all(|x| CONSEQUENCES.contains(&x.id.as_str()))
    };
    causes.sort_by_key(|c| (consequence(c), std::cmp::Reverse(c.rank_key())));
    let mut kept: Vec<Cause> = Vec::new();
    for cause in causes {
        let n = cause.people.len();
        let home = (n > 0)
            .then(|| {
                kept.iter().position(|k| {
                    let shared = cause
                        .people
                        .iter()
                        .filter(|p| k.people.contains(*p))
                        .count();
                    shared as f64 >= FOLD_SHARE * n as f64
                })
            })
            .flatten();
        match home {
            Some(i) => kept[i].also.extend(cause.checks),
            None => kept.push(cause),
        }
    }
    kept.sort_by_key(|c| std::cmp::Reverse(c.rank_key()));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Subject;
    use crate::model::User;
    use crate::report::{Report, SourceInfo, SourceKind};

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            user_name: Some(format!("{id}@example.com")),
            ..Default::default()
        }
    }

    fn finding(id: &str, status: Status, users: &[&str]) -> CheckResult {
        let subjects = users.iter().map(|u| Subject::user(&user(u), "x")).collect();
        CheckResult::found(id, status, "m", "fix", subjects)
    }

    fn report(checks: Vec<CheckResult>) -> Report {
        let source = SourceInfo {
            kind: SourceKind::Snapshot,
            label: "t".into(),
            base_url: None,
            insecure: false,
        };
        Report::new(source, checks, Vec::new())
    }

    /// Three checks about the same people without email are one entry; duplicates and
    /// not-provisioned keep entries of their own although they affect fewer people.
    #[test]
    fn one_entry_per_cause_ranked_by_severity_then_people() {
        let no_email: Vec<String> = (0..30).map(|i| format!("n{i}")).collect();
        let no_email: Vec<&str> = no_email.iter().map(String::as_str).collect();
        let r = report(vec![
            finding("missing-email", Status::Fail, &no_email[..24]),
            finding("missing-required-attribute", Status::Fail, &no_email[..24]),
            finding("unlicensable-user", Status::Fail, &no_email[..26]),
            finding("duplicate-email", Status::Warn, &["d1", "d2", "d3"]),
            finding("not-provisioned", Status::Fail, &["p1", "p2"]),
            finding("empty-group", Status::Pass, &[]),
        ]);
        let causes = ranked(&r);
        let titles: Vec<&str> = causes.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Users without a usable email",
                "Users the IdP does not provision",
                "Duplicate users"
            ],
            "{causes:#?}"
        );
        let also: Vec<&str> = causes[0].also.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(also, ["unlicensable-user", "missing-required-attribute"]);
        assert_eq!(causes[0].people.len(), 24);
        assert_eq!(causes[1].people.len(), 2);
    }

    /// A cause that shares only a few people with a higher one keeps its own entry.
    #[test]
    fn a_cause_with_mostly_other_people_is_not_folded() {
        let r = report(vec![
            finding("missing-email", Status::Fail, &["a", "b", "c", "d"]),
            finding("username-not-email", Status::Fail, &["a", "x", "y"]),
        ]);
        assert_eq!(ranked(&r).len(), 2);
    }
}
