//! Entra ID's provisioning requests, in order, in both compatibility modes (sources:
//! fixtures/replay/README.md).

use super::{
    create_second_user_step, create_user_steps, filter_query, patch, Canary, Expect, Slot, Step,
    Verify, ADSCIM_GROUP,
};
use crate::model::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::replay::ids::*;
use crate::replay::Mode;
use serde_json::{json, Value};

/// Entra's user create body (use-scim-to-provision-users-and-groups, "Create User").
fn entra_user(c: &Canary, n: char, given: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": c.external_id(n),
        "userName": c.user_name(n),
        "active": true,
        "displayName": format!("Canary {given}"),
        "emails": [{"primary": true, "type": "work", "value": c.user_name(n)}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": format!("{given} Canary"), "familyName": "Canary", "givenName": given},
        "title": "Canary Analyst",
        "roles": [],
        ENTERPRISE_SCHEMA: {"employeeNumber": "7", "department": "Canary Testing"}
    })
}

fn employee_number_path() -> String {
    format!("{ENTERPRISE_SCHEMA}:employeeNumber")
}

/// Entra's sequence in one compatibility mode (`legacy`: capitalised ops, string booleans,
/// value-array member removal; flag: the RFC shapes `aadOptscim062020` switches on).
pub fn entra(c: &Canary, mode: Mode) -> Vec<Step> {
    let legacy = mode == Mode::EntraLegacy;
    let op = |o: &str| {
        if legacy {
            o.to_string()
        } else {
            o.to_ascii_lowercase()
        }
    };
    let (ua, xa) = (c.user_name('a'), c.external_id('a'));
    let group = c.group();
    let w = |s: &str| format!("{s} ({})", mode.label());
    let mut steps = vec![
        Step::new(
            USER_LOOKUP,
            mode,
            &w("match the user by userName"),
            "GET",
            format!(
                "/Users?filter={}",
                filter_query(&format!("userName eq \"{ua}\""))
            ),
        )
        .expect(Expect::EmptyList),
        Step::new(
            USER_LOOKUP,
            mode,
            &w("match the user by externalId"),
            "GET",
            format!(
                "/Users?filter={}",
                filter_query(&format!("externalId eq \"{xa}\""))
            ),
        )
        .expect(Expect::EmptyList),
    ];
    steps.extend(create_user_steps(mode, w, entra_user(c, 'a', "Alpha")));
    let new_title = "Canary Engineer";
    let update = if legacy {
        patch(json!([
            {"op": op("Replace"), "path": "displayName", "value": "Alpha Updated"},
            {"op": op("Replace"), "path": "name.givenName", "value": "AlphaUpdated"},
            {"op": op("Replace"), "path": "title", "value": new_title},
            {"op": op("Replace"), "path": employee_number_path(), "value": "42"}
        ]))
    } else {
        patch(json!([{"op": "replace", "value": {
            "displayName": "Alpha Updated",
            "name.givenName": "AlphaUpdated",
            "title": new_title,
            employee_number_path(): "42"
        }}]))
    };
    steps.push(
        Step::new(
            USER_UPDATE,
            mode,
            &w(if legacy {
                "replace attributes, one op per path"
            } else {
                "replace attributes in one pathless op"
            }),
            "PATCH",
            "/Users/{user}".into(),
        )
        .body(update)
        .expect(Expect::Patched),
    );
    // When the source attribute mapped to externalId changes (mailNickname by default),
    // Entra replaces externalId like any single-valued attribute.
    steps.push(
        Step::new(
            USER_UPDATE,
            mode,
            &w("replace externalId (its source attribute changed)"),
            "PATCH",
            "/Users/{user}".into(),
        )
        .body(patch(json!([
            {"op": op("Replace"), "path": "externalId", "value": format!("{xa}-moved")}
        ])))
        .expect(Expect::Patched),
    );
    let email_path = "emails[type eq \"work\"].value";
    let (e1, e2) = (c.email("a-new"), c.email("a-again"));
    steps.extend([
        Step::new(EMAIL_UPDATE, mode, &w("replace the work email"), "PATCH", "/Users/{user}".into())
            .body(patch(json!([{"op": op("Replace"), "path": email_path, "value": e1}])))
            .expect(Expect::Patched).verify(Verify::WorkEmail(Slot::User, Some(e1.clone()))),
        Step::new(EMAIL_UPDATE, mode, &w("remove the work email"), "PATCH", "/Users/{user}".into())
            .body(patch(json!([{"op": op("Remove"), "path": email_path}])))
            .expect(Expect::Patched).verify(Verify::WorkEmail(Slot::User, None)),
        Step::new(EMAIL_UPDATE, mode, &w("add a work email where none exists"), "PATCH", "/Users/{user}".into())
            .body(patch(json!([{"op": op("Add"), "path": email_path, "value": e2}])))
            .expect(Expect::Patched).verify(Verify::WorkEmail(Slot::User, Some(e2.clone()))),
        create_second_user_step(mode, w, entra_user(c, 'b', "Bravo")),
        Step::new(GROUP_LOOKUP, mode, &w("match the group by displayName"), "GET",
            format!("/Groups?excludedAttributes=members&filter={}", filter_query(&format!("displayName eq \"{group}\""))))
            .expect(Expect::EmptyList),
        Step::new(GROUP_CREATE, mode, &w("create the group"), "POST", "/Groups".into())
            .body(json!({
                "schemas": [GROUP_SCHEMA, ADSCIM_GROUP],
                "externalId": c.external_id('g'),
                "displayName": group,
                "meta": {"resourceType": "Group"}
            }))
            .expect(Expect::Created).creates(Slot::Group),
        Step::new(MEMBER_ADD, mode, &w("add both users"), "PATCH", "/Groups/{group}".into())
            .body(patch(json!([{"op": op("Add"), "path": "members",
                "value": [{"$ref": null, "value": "{user}"}, {"$ref": null, "value": "{user2}"}]}])))
            .expect(Expect::Patched).verify(Verify::Members(Slot::Group, vec![Slot::User, Slot::User2])),
    ]);
    let remove = if legacy {
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "{user2}"}]}])
    } else {
        json!([{"op": "remove", "path": "members[value eq \"{user2}\"]"}])
    };
    steps.extend([
        Step::new(MEMBER_REMOVE, mode, &w(if legacy { "remove one member: value-array shape" } else { "remove one member: filtered-path shape" }),
            "PATCH", "/Groups/{group}".into())
            .body(patch(remove)).expect(Expect::Patched)
            .verify(Verify::Members(Slot::Group, vec![Slot::User])),
        Step::new(USER_DISABLE, mode, &w(if legacy { "disable: active as the string \"False\"" } else { "disable: active as boolean false" }),
            "PATCH", "/Users/{user}".into())
            .body(patch(json!([{"op": op("Replace"), "path": "active", "value": if legacy { json!("False") } else { json!(false) }}])))
            .expect(Expect::Patched).verify(Verify::Active(Slot::User, false)),
        Step::new(USER_DELETE, mode, &w("hard-delete the user"), "DELETE", "/Users/{user}".into())
            .expect(Expect::Deleted).verify(Verify::Gone(Slot::User)),
        Step::new(USER_DELETE, mode, &w("hard-delete the second user"), "DELETE", "/Users/{user2}".into())
            .expect(Expect::Deleted).verify(Verify::Gone(Slot::User2)),
        Step::new(USER_DELETE, mode, &w("delete the group"), "DELETE", "/Groups/{group}".into())
            .expect(Expect::Deleted).verify(Verify::Gone(Slot::Group)),
    ]);
    steps
}
