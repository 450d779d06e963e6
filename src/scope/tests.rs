//! Unit tests of the evaluator: every operator with a positive, a negative and a null/empty
//! case, AND/OR semantics, and the clauses that must come back invalid instead of false.

use super::*;

fn user(attrs: &[(&str, &str)]) -> IdpUser {
    let mut u = IdpUser::new("test");
    for (k, v) in attrs {
        u.set_text(k, *v);
    }
    u
}

fn one(attr: &str, op: &str, values: &[&str]) -> ScopeFilter {
    let clause = Clause::new(
        attr,
        Operator::parse(op),
        values.iter().map(|s| s.to_string()).collect(),
    );
    ScopeFilter::new(
        vec![FilterGroup {
            name: "g".into(),
            clauses: vec![clause],
            set: FilterSet::Groups,
        }],
        "test",
    )
}

/// The verdict of a one-clause filter for a user with `attr = value` (None: attribute absent).
fn verdict(op: &str, values: &[&str], value: Option<&str>) -> Verdict {
    let f = one("attr", op, values);
    let u = match value {
        Some(v) => user(&[("attr", v)]),
        None => user(&[]),
    };
    let e = f.evaluate(&u);
    // The bulk path must agree with the trace.
    let d = f.decide(&u);
    assert_eq!(
        d.outcome, e.outcome,
        "decide and evaluate disagree for {op} {values:?} on {value:?}"
    );
    e.groups[0].clauses[0].verdict.clone()
}

fn is_invalid(v: &Verdict) -> bool {
    matches!(v, Verdict::Invalid(_))
}

#[test]
fn equals_is_exact_and_case_sensitive() {
    assert_eq!(verdict("EQUALS", &["Sales"], Some("Sales")), Verdict::Pass);
    assert_eq!(verdict("EQUALS", &["Sales"], Some("sales")), Verdict::Fail);
    assert_eq!(verdict("EQUALS", &["Sales"], None), Verdict::Fail);
    assert_eq!(verdict("EQUALS", &["Sales"], Some("")), Verdict::Fail);
}

#[test]
fn not_equals_is_case_sensitive_and_false_on_null() {
    assert_eq!(
        verdict("NOT EQUALS", &["Sales"], Some("Marketing")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("NOT EQUALS", &["Sales"], Some("sales")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("NOT EQUALS", &["Sales"], Some("Sales")),
        Verdict::Fail
    );
    assert_eq!(verdict("NOT EQUALS", &["Sales"], None), Verdict::Fail);
}

#[test]
fn ends_with_is_case_sensitive_suffix() {
    assert_eq!(
        verdict("ENDS_WITH", &["@contoso.com"], Some("ann@contoso.com")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("ENDS_WITH", &["@contoso.com"], Some("ann@CONTOSO.COM")),
        Verdict::Fail
    );
    assert_eq!(verdict("ENDS_WITH", &["@contoso.com"], None), Verdict::Fail);
}

#[test]
fn includes_is_case_sensitive_substring() {
    assert_eq!(
        verdict("Includes", &["Eng"], Some("Platform Engineering")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("Includes", &["eng"], Some("Platform Engineering")),
        Verdict::Fail
    );
    assert_eq!(verdict("Includes", &["Eng"], Some("  ")), Verdict::Fail);
}

#[test]
fn greater_than_compares_integers() {
    assert_eq!(verdict("Greater_Than", &["10"], Some("11")), Verdict::Pass);
    assert_eq!(verdict("Greater_Than", &["10"], Some("10")), Verdict::Fail);
    assert_eq!(verdict("Greater_Than", &["10"], Some("9")), Verdict::Fail);
    assert_eq!(verdict("Greater_Than", &["10"], None), Verdict::Fail);
    // "9" > "10" as text, not as a number: must not pass.
    assert_eq!(verdict("Greater_Than", &["10"], Some("9")), Verdict::Fail);
}

#[test]
fn greater_than_or_equals_compares_integers() {
    assert_eq!(
        verdict("Greater_Than_OR_EQUALS", &["10"], Some("10")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("Greater_Than_OR_EQUALS", &["10"], Some("-3")),
        Verdict::Fail
    );
    assert_eq!(
        verdict("Greater_Than_OR_EQUALS", &["10"], None),
        Verdict::Fail
    );
}

#[test]
fn integer_operators_report_non_integer_user_values_as_invalid() {
    assert!(is_invalid(&verdict("Greater_Than", &["10"], Some("ten"))));
    assert!(is_invalid(&verdict(
        "Greater_Than_OR_EQUALS",
        &["10"],
        Some("10.5")
    )));
    assert!(is_invalid(&verdict("&", &["2"], Some("0x2"))));
}

#[test]
fn integer_operators_report_non_integer_operands_as_invalid() {
    let f = one("employeeId", "Greater_Than", &["abc"]);
    assert_eq!(f.issues().len(), 1);
    assert!(is_invalid(&verdict("Greater_Than", &["abc"], Some("5"))));
}

#[test]
fn bitwise_and_tests_the_mask() {
    assert_eq!(verdict("&", &["2"], Some("514")), Verdict::Pass);
    assert_eq!(verdict("&", &["2"], Some("512")), Verdict::Fail);
    assert_eq!(verdict("&", &["2"], None), Verdict::Fail);
}

#[test]
fn bitwise_not_and_is_the_negation_and_false_on_null() {
    assert_eq!(verdict("!&", &["2"], Some("512")), Verdict::Pass);
    assert_eq!(verdict("!&", &["2"], Some("514")), Verdict::Fail);
    assert_eq!(verdict("!&", &["2"], None), Verdict::Fail);
}

#[test]
fn is_true_and_is_false_read_boolean_like_values() {
    assert_eq!(verdict("IS TRUE", &[], Some("True")), Verdict::Pass);
    assert_eq!(verdict("IS TRUE", &[], Some("false")), Verdict::Fail);
    assert_eq!(verdict("IS TRUE", &[], None), Verdict::Fail);
    assert_eq!(verdict("IS FALSE", &[], Some("FALSE")), Verdict::Pass);
    assert_eq!(verdict("IS FALSE", &[], Some("true")), Verdict::Fail);
    assert_eq!(verdict("IS FALSE", &[], None), Verdict::Fail);
    assert!(is_invalid(&verdict("IS TRUE", &[], Some("maybe"))));
}

#[test]
fn is_null_family_is_the_only_one_true_on_null_or_empty() {
    assert_eq!(verdict("IS NULL", &[], None), Verdict::Pass);
    assert_eq!(verdict("IS NULL", &[], Some("")), Verdict::Pass);
    assert_eq!(verdict("IS NULL", &[], Some("x")), Verdict::Fail);
    assert_eq!(verdict("IS NOT NULL", &[], Some("x")), Verdict::Pass);
    assert_eq!(verdict("IS NOT NULL", &[], None), Verdict::Fail);
    assert_eq!(verdict("IS NOT NULL", &[], Some(" ")), Verdict::Fail);
}

#[test]
fn regex_match_searches_unanchored_and_is_false_on_null() {
    assert_eq!(
        verdict("REGEX MATCH", &["^[0-9]{4}$"], Some("1234")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("REGEX MATCH", &["sal"], Some("Presales")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("REGEX MATCH", &["^[0-9]{4}$"], Some("12345")),
        Verdict::Fail
    );
    assert_eq!(verdict("REGEX MATCH", &[".*"], None), Verdict::Fail);
}

#[test]
fn not_regex_match_negates_and_is_false_on_null() {
    assert_eq!(
        verdict("NOT REGEX MATCH", &["^ext-"], Some("ann")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("NOT REGEX MATCH", &["^ext-"], Some("ext-ann")),
        Verdict::Fail
    );
    assert_eq!(verdict("NOT REGEX MATCH", &["^ext-"], None), Verdict::Fail);
}

#[test]
fn dotnet_only_regex_is_an_issue_not_a_silent_no_match() {
    let f = one("mail", "REGEX MATCH", &["^(?!admin).*@contoso\\.com$"]);
    let issues = f.issues();
    assert_eq!(issues.len(), 1);
    assert!(issues[0].reason.contains(".NET"), "{}", issues[0].reason);
    let e = f.evaluate(&user(&[("mail", "ann@contoso.com")]));
    assert_eq!(e.outcome, Outcome::Undetermined);
    assert!(!e.in_scope);
}

#[test]
fn unknown_operator_is_an_issue_and_undetermined() {
    for op in ["Present", "Valid Cert Match", "IsMemberOf"] {
        let f = one("department", op, &["x"]);
        assert_eq!(f.issues().len(), 1, "{op}");
        let d = f.decide(&user(&[("department", "x")]));
        assert_eq!(d.outcome, Outcome::Undetermined, "{op}");
        assert!(matches!(d.misses[0].verdict, Verdict::Invalid(_)));
    }
}

#[test]
fn multi_valued_attribute_is_invalid_statically_and_per_user() {
    assert_eq!(
        one("proxyAddresses", "Includes", &["smtp:"]).issues().len(),
        1
    );
    let f = one("customTags", "EQUALS", &["a"]);
    assert!(f.issues().is_empty());
    let mut u = IdpUser::new("t");
    u.set("customTags", AttrValue::Many(vec!["a".into(), "b".into()]));
    let e = f.evaluate(&u);
    assert!(is_invalid(&e.groups[0].clauses[0].verdict));
    assert_eq!(e.outcome, Outcome::Undetermined);
}

#[test]
fn clauses_are_anded_inside_a_group() {
    let f = ScopeFilter::new(
        vec![FilterGroup {
            name: "sales-active".into(),
            clauses: vec![
                Clause::new("department", Operator::Equals, vec!["Sales".into()]),
                Clause::new("accountEnabled", Operator::IsTrue, vec![]),
            ],
            set: FilterSet::Groups,
        }],
        "t",
    );
    assert!(
        f.evaluate(&user(&[
            ("department", "Sales"),
            ("accountEnabled", "true")
        ]))
        .in_scope
    );
    let d = f.decide(&user(&[
        ("department", "Sales"),
        ("accountEnabled", "false"),
    ]));
    assert_eq!(d.outcome, Outcome::OutOfScope);
    assert_eq!(d.misses.len(), 1);
    assert_eq!(d.misses[0].attribute, "accountEnabled");
    assert_eq!(d.misses[0].seen.as_deref(), Some("false"));
}

#[test]
fn groups_are_ored() {
    let g = |name: &str, dept: &str| FilterGroup {
        name: name.into(),
        clauses: vec![Clause::new(
            "department",
            Operator::Equals,
            vec![dept.into()],
        )],
        set: FilterSet::Groups,
    };
    let f = ScopeFilter::new(vec![g("a", "Sales"), g("b", "Support")], "t");
    assert!(f.decide(&user(&[("department", "Support")])).outcome == Outcome::InScope);
    let d = f.decide(&user(&[("department", "Legal")]));
    assert_eq!(d.outcome, Outcome::OutOfScope);
    // One miss per group: the first failing clause of each.
    assert_eq!(d.misses.len(), 2);
    assert_eq!(d.misses[1].group_name, "b");
}

#[test]
fn no_groups_means_everyone_is_in_scope() {
    let f = ScopeFilter::new(Vec::new(), "t");
    let e = f.evaluate(&user(&[]));
    assert!(e.in_scope && e.no_filter);
}

#[test]
fn a_passing_group_wins_over_an_invalid_one() {
    let f = ScopeFilter::new(
        vec![
            FilterGroup {
                name: "broken".into(),
                clauses: vec![Clause::new("x", Operator::parse("Present"), vec![])],
                set: FilterSet::Groups,
            },
            FilterGroup {
                name: "ok".into(),
                clauses: vec![Clause::new(
                    "department",
                    Operator::Equals,
                    vec!["Sales".into()],
                )],
                set: FilterSet::Groups,
            },
        ],
        "t",
    );
    assert_eq!(
        f.decide(&user(&[("department", "Sales")])).outcome,
        Outcome::InScope
    );
    assert_eq!(
        f.decide(&user(&[("department", "HR")])).outcome,
        Outcome::Undetermined
    );
}

#[test]
fn a_definite_failure_decides_a_group_with_an_invalid_clause() {
    let f = ScopeFilter::new(
        vec![FilterGroup {
            name: "g".into(),
            clauses: vec![
                Clause::new("x", Operator::parse("Present"), vec![]),
                Clause::new("department", Operator::Equals, vec!["Sales".into()]),
            ],
            set: FilterSet::Groups,
        }],
        "t",
    );
    let d = f.decide(&user(&[("department", "HR")]));
    assert_eq!(d.outcome, Outcome::OutOfScope);
    assert_eq!(d.misses[0].attribute, "department");
    assert_eq!(
        f.evaluate(&user(&[("department", "HR")])).outcome,
        Outcome::OutOfScope
    );
}

#[test]
fn input_filter_groups_must_hold_as_well() {
    let f = ScopeFilter::new(
        vec![
            FilterGroup {
                name: "scope".into(),
                clauses: vec![Clause::new(
                    "department",
                    Operator::Equals,
                    vec!["Sales".into()],
                )],
                set: FilterSet::Groups,
            },
            FilterGroup {
                name: "input".into(),
                clauses: vec![Clause::new(
                    "userType",
                    Operator::Equals,
                    vec!["Member".into()],
                )],
                set: FilterSet::InputFilterGroups,
            },
        ],
        "t",
    );
    assert!(
        f.evaluate(&user(&[("department", "Sales"), ("userType", "Member")]))
            .in_scope
    );
    let d = f.decide(&user(&[("department", "Sales"), ("userType", "Guest")]));
    assert_eq!(d.outcome, Outcome::OutOfScope);
    assert_eq!(d.misses.len(), 1);
    assert_eq!(d.misses[0].group_name, "input");
}

#[test]
fn attribute_names_in_clauses_ignore_case() {
    let f = one("Department", "EQUALS", &["Sales"]);
    assert!(f.evaluate(&user(&[("department", "Sales")])).in_scope);
}

#[test]
fn multiple_operand_values_match_any_of_them() {
    assert_eq!(
        verdict("EQUALS", &["Sales", "Support"], Some("Support")),
        Verdict::Pass
    );
    assert_eq!(
        verdict("NOT EQUALS", &["Sales", "Support"], Some("Support")),
        Verdict::Fail
    );
}

#[test]
fn operator_needing_a_value_without_one_is_an_issue() {
    assert_eq!(one("department", "EQUALS", &[]).issues().len(), 1);
    assert!(one("department", "IS NULL", &[]).issues().is_empty());
}
