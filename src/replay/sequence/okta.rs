//! Okta's provisioning and group-push requests, in order (sources: fixtures/replay/README.md).

use super::{
    create_second_user_step, create_user_steps, filter_query, patch, Canary, Expect, Slot, Step,
    Verify,
};
use crate::model::{GROUP_SCHEMA, USER_SCHEMA};
use crate::replay::ids::*;
use crate::replay::Mode;
use serde_json::{json, Value};

/// Okta's user body (developer.okta.com SCIM 2.0 reference, "Create the user"); no password.
fn okta_user(c: &Canary, n: char, given: &str, active: bool) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": c.user_name(n),
        "name": {"givenName": given, "familyName": "Canary"},
        "emails": [{"primary": true, "value": c.user_name(n), "type": "work"}],
        "displayName": format!("{given} Canary"),
        "title": "Canary Analyst",
        "locale": "en-US",
        "externalId": c.external_id(n),
        "groups": [],
        "active": active
    })
}

/// Okta's sequence: lookup with paging parameters, POST, PUT updates, PUT active:false,
/// group push (POST, PATCH add, remove, rename, replace members []). Okta never deletes users:
/// the canaries are removed by the cleanup afterwards.
pub fn okta(c: &Canary) -> Vec<Step> {
    let mode = Mode::Okta;
    let (ua, ub, group) = (c.user_name('a'), c.user_name('b'), c.group());
    let renamed = c.renamed_group();
    let mut updated = okta_user(c, 'a', "AlphaUpdated", true);
    updated["displayName"] = json!("Alpha Updated");
    updated["title"] = json!("Canary Engineer");
    let mut steps = vec![Step::new(
        USER_LOOKUP,
        mode,
        "match the user by userName (with startIndex and count)",
        "GET",
        format!(
            "/Users?filter={}&startIndex=1&count=100",
            filter_query(&format!("userName eq \"{ua}\""))
        ),
    )
    .expect(Expect::EmptyList)];
    steps.extend(create_user_steps(
        mode,
        str::to_string,
        okta_user(c, 'a', "Alpha", true),
    ));
    steps.extend([
        Step::new(
            USER_UPDATE,
            mode,
            "update the profile with a full-body PUT",
            "PUT",
            "/Users/{user}".into(),
        )
        .body(with_id(updated, "{user}"))
        .expect(Expect::Replaced),
        create_second_user_step(mode, str::to_string, okta_user(c, 'b', "Bravo", true)),
        Step::new(
            GROUP_LOOKUP,
            mode,
            "look the pushed group up by displayName",
            "GET",
            format!(
                "/Groups?filter={}&startIndex=1&count=100",
                filter_query(&format!("displayName eq \"{group}\""))
            ),
        )
        .expect(Expect::EmptyList),
        Step::new(
            GROUP_CREATE,
            mode,
            "push the group (POST with members [])",
            "POST",
            "/Groups".into(),
        )
        .body(json!({"schemas": [GROUP_SCHEMA], "displayName": group, "members": []}))
        .expect(Expect::Created)
        .creates(Slot::Group),
        Step::new(
            MEMBER_ADD,
            mode,
            "add both users",
            "PATCH",
            "/Groups/{group}".into(),
        )
        .body(patch(json!([{"op": "add", "path": "members", "value": [
                {"value": "{user}", "display": ua}, {"value": "{user2}", "display": ub}]}])))
        .expect(Expect::Patched)
        .verify(Verify::Members(Slot::Group, vec![Slot::User, Slot::User2])),
        Step::new(
            MEMBER_REMOVE,
            mode,
            "remove one member: filtered-path shape",
            "PATCH",
            "/Groups/{group}".into(),
        )
        .body(patch(
            json!([{"op": "remove", "path": "members[value eq \"{user2}\"]"}]),
        ))
        .expect(Expect::Patched)
        .verify(Verify::Members(Slot::Group, vec![Slot::User])),
        Step::new(
            GROUP_RENAME,
            mode,
            "rename the group (pathless replace with id and displayName)",
            "PATCH",
            "/Groups/{group}".into(),
        )
        .body(patch(
            json!([{"op": "replace", "value": {"id": "{group}", "displayName": renamed}}]),
        ))
        .expect(Expect::Patched)
        .verify(Verify::MembersKept(Slot::Group)),
        Step::new(
            MEMBERS_REPLACE,
            mode,
            "push an empty membership (replace members [])",
            "PATCH",
            "/Groups/{group}".into(),
        )
        .body(patch(
            json!([{"op": "replace", "path": "members", "value": []}]),
        ))
        .expect(Expect::Patched)
        .verify(Verify::Members(Slot::Group, vec![])),
        Step::new(
            USER_DISABLE,
            mode,
            "deactivate with a full-body PUT active:false",
            "PUT",
            "/Users/{user}".into(),
        )
        .body(with_id(okta_user(c, 'a', "AlphaUpdated", false), "{user}"))
        .expect(Expect::Replaced)
        .verify(Verify::Active(Slot::User, false)),
    ]);
    steps
}

fn with_id(mut v: Value, id: &str) -> Value {
    v["id"] = json!(id);
    v
}
