//! The RFC 7644 forms neither Entra ID nor Okta sends (`replay --idp rfc`, opt-in): replace
//! of a complex attribute with an object value (§3.5.2.3), add to a multi-valued attribute
//! (§3.5.2.1), and a group created with its initial members (§3.3). Other SCIM clients
//! (SDKs, other IdPs, later IdP versions) send them; a 5xx to any of them is a failure.

use super::{filter_query, patch, Canary, Expect, Slot, Step, Verify};
use crate::model::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::replay::ids::*;
use crate::replay::Mode;
use serde_json::{json, Value};

/// A full RFC 7643 §4.1 user: core attributes, a work email marked primary, and the
/// enterprise extension (§4.3). No phone number: servers may canonicalise its format
/// (RFC 3966), which a read-back would misreport as a loss.
fn rfc_user(c: &Canary, n: char, given: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "userName": c.user_name(n),
        "externalId": c.external_id(n),
        "name": {"givenName": given, "familyName": "Canary", "formatted": format!("{given} Canary")},
        "displayName": format!("{given} Canary"),
        "title": "Canary Analyst",
        "active": true,
        "emails": [{"value": c.user_name(n), "type": "work", "primary": true}],
        ENTERPRISE_SCHEMA: {"employeeNumber": "7", "department": "Canary Testing"}
    })
}

pub fn rfc(c: &Canary) -> Vec<Step> {
    let mode = Mode::Rfc;
    let (ua, group) = (c.user_name('a'), c.group());
    let home = c.email("a-home");
    vec![
        Step::new(
            USER_LOOKUP,
            mode,
            "match the user by userName",
            "GET",
            format!(
                "/Users?filter={}",
                filter_query(&format!("userName eq \"{ua}\""))
            ),
        )
        .expect(Expect::EmptyList),
        Step::new(
            USER_CREATE,
            mode,
            "create a user with core and enterprise attributes",
            "POST",
            "/Users".into(),
        )
        .body(rfc_user(c, 'a', "Alpha"))
        .expect(Expect::Created)
        .creates(Slot::User),
        Step::new(
            USER_CREATE,
            mode,
            "read the user back by id",
            "GET",
            "/Users/{user}".into(),
        ),
        Step::new(
            USER_UPDATE,
            mode,
            "replace a complex attribute with an object value (path name)",
            "PATCH",
            "/Users/{user}".into(),
        )
        .body(patch(json!([{"op": "replace", "path": "name",
            "value": {"givenName": "AlphaRfc", "familyName": "CanaryRfc"}}])))
        .expect(Expect::Patched),
        Step::new(
            EMAIL_UPDATE,
            mode,
            "add an email to the multi-valued emails (path emails, value array)",
            "PATCH",
            "/Users/{user}".into(),
        )
        .body(patch(json!([{"op": "add", "path": "emails",
            "value": [{"value": home, "type": "home"}]}])))
        .expect(Expect::Patched)
        // An add appends (RFC 7644 §3.5.2.1): the work email must still be there.
        .verify(Verify::WorkEmail(Slot::User, Some(ua.clone()))),
        Step::new(
            USER_CREATE,
            mode,
            "create the second user (for membership)",
            "POST",
            "/Users".into(),
        )
        .body(rfc_user(c, 'b', "Bravo"))
        .expect(Expect::Created)
        .creates(Slot::User2),
        Step::new(
            GROUP_LOOKUP,
            mode,
            "match the group by displayName",
            "GET",
            format!(
                "/Groups?filter={}",
                filter_query(&format!("displayName eq \"{group}\""))
            ),
        )
        .expect(Expect::EmptyList),
        Step::new(
            GROUP_CREATE,
            mode,
            "create a group with its initial members",
            "POST",
            "/Groups".into(),
        )
        .body(json!({
            "schemas": [GROUP_SCHEMA],
            "displayName": group,
            "externalId": c.external_id('g'),
            "members": [{"value": "{user}"}, {"value": "{user2}"}]
        }))
        .expect(Expect::Created)
        .creates(Slot::Group)
        .verify(Verify::Members(Slot::Group, vec![Slot::User, Slot::User2])),
        Step::new(
            USER_DELETE,
            mode,
            "delete the user",
            "DELETE",
            "/Users/{user}".into(),
        )
        .expect(Expect::Deleted)
        .verify(Verify::Gone(Slot::User)),
        Step::new(
            USER_DELETE,
            mode,
            "delete the second user",
            "DELETE",
            "/Users/{user2}".into(),
        )
        .expect(Expect::Deleted)
        .verify(Verify::Gone(Slot::User2)),
        Step::new(
            USER_DELETE,
            mode,
            "delete the group",
            "DELETE",
            "/Groups/{group}".into(),
        )
        .expect(Expect::Deleted)
        .verify(Verify::Gone(Slot::Group)),
    ]
}
