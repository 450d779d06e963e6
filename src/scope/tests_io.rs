//! Unit tests of the readers: Graph schema / scope object / TOML filters and the three IdP
//! export formats, on the fixtures in fixtures/scope and fixtures/idp.

use super::*;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

#[test]
fn whole_graph_schema_yields_the_user_mapping_scope_not_the_group_one() {
    let f = parse::load_filter(&fixture("scope/graph-schema.json")).expect("schema parses");
    let names: Vec<&str> = f.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Sales employees", "Partner contractors"]);
    assert!(
        f.source.contains("Provision Microsoft Entra ID Users"),
        "{}",
        f.source
    );
    assert_eq!(f.groups[0].clauses[2].operator, Operator::IsTrue);
    assert!(f.groups[0].clauses[2].values.is_empty());
    assert!(f.issues().is_empty());
}

#[test]
fn toml_form_parses_to_the_same_filter_as_the_schema() {
    let t = parse::load_filter(&fixture("scope/scope.toml")).expect("toml parses");
    let j = parse::load_filter(&fixture("scope/graph-schema.json")).expect("schema parses");
    assert_eq!(t.groups, j.groups);
}

#[test]
fn bare_scope_object_parses() {
    let f = parse::load_filter(&fixture("scope/scope-object.json")).expect("scope object parses");
    assert_eq!(f.groups.len(), 2);
    assert_eq!(f.groups[0].clauses[1].operator, Operator::NotRegexMatch);
    assert_eq!(f.clause_count(), 5);
}

#[test]
fn null_scope_means_no_filter() {
    let f = parse::from_json(
        "x.json",
        &serde_json::json!({"sourceObjectName": "User", "scope": null}),
    )
    .expect("parses");
    assert!(f.is_empty());
    let f = parse::from_json("x.json", &serde_json::Value::Null).expect("parses");
    assert!(f.is_empty());
}

#[test]
fn schema_without_user_mapping_is_an_error_naming_the_file() {
    let v = serde_json::json!({"synchronizationRules": [{"objectMappings": [{"sourceObjectName": "Group", "scope": null}]}]});
    let e = parse::from_json("schema.json", &v).unwrap_err();
    assert!(e.starts_with("schema.json:") && e.contains("User"), "{e}");
}

#[test]
fn json_clause_without_operator_is_an_error_with_its_position() {
    let v = serde_json::json!({"groups": [{"name": "g", "clauses": [{"sourceOperandName": "department"}]}]});
    let e = parse::from_json("f.json", &v).unwrap_err();
    assert!(
        e.contains("groups[0].clauses[0]") && e.contains("operatorName"),
        "{e}"
    );
}

#[test]
fn toml_typo_is_an_error_with_file_and_line() {
    let e = parse::from_toml(
        "scope.toml",
        "[[group]]\nname = \"g\"\n[[group.clause]]\nattribut = \"x\"\noperator = \"EQUALS\"\n",
    )
    .unwrap_err();
    assert!(e.starts_with("scope.toml: line"), "{e}");
}

#[test]
fn toml_integer_and_list_values_become_operands() {
    let f = parse::from_toml(
        "s.toml",
        "[[group]]\n[[group.clause]]\nattribute = \"level\"\noperator = \"greater than\"\nvalue = 3\n[[group.clause]]\nattribute = \"d\"\noperator = \"equals\"\nvalues = [\"A\", \"B\"]\n",
    )
    .expect("parses");
    assert_eq!(f.groups[0].clauses[0].values, ["3"]);
    assert_eq!(f.groups[0].clauses[0].operator, Operator::GreaterThan);
    assert_eq!(f.groups[0].clauses[1].values, ["A", "B"]);
}

#[test]
fn entra_csv_maps_portal_headers_and_reports_unmapped_ones() {
    let x = export::load_users(&fixture("idp/entra-users.csv")).expect("csv parses");
    assert_eq!(x.format, ExportFormat::EntraCsv);
    assert_eq!(x.users.len(), 8);
    let ann = &x.users[0];
    assert_eq!(ann.user_principal_name(), Some("ann.lee@example.com"));
    assert_eq!(
        ann.object_id(),
        Some("3f9a6d2e-1b4c-4e8a-9f01-6a7b8c9d0e11")
    );
    assert_eq!(ann.account_enabled(), Some(true));
    assert_eq!(ann.text("physicalDeliveryOfficeName"), Some("BER-2"));
    assert_eq!(ann.text("mobile"), Some("+49 30 5550101"));
    assert_eq!(x.unmapped, ["Licenses", "agreementAcceptanceRequired"]);
    // Unmapped columns stay usable under their own name.
    assert_eq!(ann.text("licenses"), Some("Microsoft 365 E3"));
}

#[test]
fn okta_csv_maps_username_and_derives_account_enabled_from_status() {
    let x = export::load_users(&fixture("idp/okta-users.csv")).expect("csv parses");
    assert_eq!(x.format, ExportFormat::OktaCsv);
    assert_eq!(x.users.len(), 5);
    assert_eq!(
        x.users[0].user_principal_name(),
        Some("ann.lee@example.com")
    );
    assert_eq!(x.users[0].mail(), Some("ann.lee@example.com"));
    assert_eq!(x.users[0].text("givenName"), Some("Ann"));
    assert_eq!(x.users[0].text("employeeId"), Some("E10021"));
    assert_eq!(x.users[2].account_enabled(), Some(false));
    assert_eq!(x.users[3].account_enabled(), Some(true));
    assert!(x.unmapped.contains(&"Secondary email".to_string()));
    assert!(x.unmapped.contains(&"Last login".to_string()));
}

#[test]
fn graph_json_keeps_arrays_multi_valued_and_flattens_extension_attributes() {
    let x = export::load_users(&fixture("idp/graph-users.json")).expect("json parses");
    assert_eq!(x.format, ExportFormat::GraphJson);
    assert_eq!(x.users.len(), 4);
    let ann = &x.users[0];
    assert_eq!(
        ann.object_id(),
        Some("3f9a6d2e-1b4c-4e8a-9f01-6a7b8c9d0e11")
    );
    assert_eq!(ann.mail_nickname(), Some("ann.lee"));
    assert_eq!(ann.account_enabled(), Some(true));
    assert_eq!(ann.text("extensionAttribute2"), Some("5"));
    assert!(matches!(ann.get("proxyAddresses"), Some(AttrValue::Many(v)) if v.len() == 2));
    assert!(x.unmapped.contains(&"businessPhones".to_string()));
}

#[test]
fn graph_json_array_without_value_wrapper_is_accepted() {
    let x = export::parse_users("u.json", r#"[{"id":"1","userPrincipalName":"a@b.c"}]"#)
        .expect("parses");
    assert_eq!(x.users[0].user_principal_name(), Some("a@b.c"));
}

#[test]
fn csv_without_an_identifying_column_is_an_error() {
    let e = export::parse_users("u.csv", "Colour,Size\nred,10\n").unwrap_err();
    assert!(e.starts_with("u.csv:") && e.contains("Colour"), "{e}");
}

#[test]
fn entra_block_sign_in_column_is_inverted() {
    let x = export::parse_users(
        "u.csv",
        "User principal name,Block sign in\na@b.c,Yes\nd@e.f,No\n",
    )
    .expect("parses");
    assert_eq!(x.users[0].account_enabled(), Some(false));
    assert_eq!(x.users[1].account_enabled(), Some(true));
}

#[test]
fn schema_filter_on_entra_export_gives_the_expected_verdicts() {
    let f = parse::load_filter(&fixture("scope/graph-schema.json")).expect("schema parses");
    let x = export::load_users(&fixture("idp/entra-users.csv")).expect("csv parses");
    let in_scope: Vec<&str> = x
        .users
        .iter()
        .filter(|u| f.decide(u).outcome == Outcome::InScope)
        .map(|u| u.label())
        .collect();
    assert_eq!(
        in_scope,
        [
            "ann.lee@example.com",
            "dan.ocho@partner.example.com",
            "hal.stone@example.com"
        ]
    );
}

#[test]
fn trace_bulk_and_count_paths_agree_on_every_fixture_user() {
    let filters = [
        "scope/graph-schema.json",
        "scope/scope-object.json",
        "scope/scope.toml",
    ];
    let exports = [
        "idp/entra-users.csv",
        "idp/okta-users.csv",
        "idp/graph-users.json",
    ];
    let mut seen = std::collections::HashSet::new();
    for f in filters {
        let filter = parse::load_filter(&fixture(f)).expect("filter parses");
        for x in exports {
            for u in export::load_users(&fixture(x))
                .expect("export parses")
                .users
            {
                let full = filter.evaluate(&u).outcome;
                assert_eq!(filter.decide(&u).outcome, full, "{f} {x} {}", u.label());
                assert_eq!(filter.outcome(&u), full, "{f} {x} {}", u.label());
                seen.insert(full);
            }
        }
    }
    // The fixtures exercise all three outcomes, so the comparison above means something.
    assert_eq!(seen.len(), 3);
}

/// Proves a SCIM ListResponse given as the IdP export is named as the target's users.
#[test]
fn a_scim_list_response_as_idp_users_is_named() {
    let e = export::parse_users(
        "Users.json",
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
    )
    .unwrap_err();
    assert!(
        e.contains("wrong shape") && e.contains("SCIM ListResponse"),
        "{e}"
    );
}
