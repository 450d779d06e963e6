//! The request sequences, as data: what Entra ID (legacy shapes, or with `aadOptscim062020`)
//! and Okta send, in their order, with their bodies (reference: idp-and-scim-behaviour.md
//! sections 2-3, scim-failure-modes.md #1-#3, #9, #10). Ids the server assigns are
//! placeholders (`{user}`, `{user2}`, `{group}`) that the executor fills in; `--dry-run`
//! prints them as they are.

use super::ids::*;
use super::Mode;
use crate::model::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::{json, Value};

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The schema URN Entra adds to every group it creates (non-RFC, a known stumbling block).
pub const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// Every canary's name starts with this; `replay --cleanup` finds them by it.
pub const CANARY_PREFIX: &str = "scim-doctor-canary-";

/// A resource the run creates, referenced by placeholder until the server names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    User,
    User2,
    Group,
}

impl Slot {
    pub fn placeholder(self) -> &'static str {
        match self {
            Slot::User => "{user}",
            Slot::User2 => "{user2}",
            Slot::Group => "{group}",
        }
    }

    pub fn is_group(self) -> bool {
        self == Slot::Group
    }
}

/// What status (and body) a step must get back (RFC 7644 and what the IdPs need).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// 200 with an empty ListResponse (Okta also accepts 404).
    EmptyList,
    /// 201 with the resource and its `id`.
    Created,
    /// 200 with the resource.
    Found,
    /// 200 with the resource, or 204 (PATCH).
    Patched,
    /// 200 with the resource (PUT).
    Replaced,
    /// 409 (a duplicate userName).
    Conflict,
    /// 204 (DELETE).
    Deleted,
}

/// What a GET of the resource must show after the step.
#[derive(Debug, Clone, PartialEq)]
pub enum Verify {
    /// Attribute paths (`name.givenName`, `urn:...:User:employeeNumber`) and their values.
    Attrs(Slot, Vec<(String, Value)>),
    Active(Slot, bool),
    WorkEmail(Slot, Option<String>),
    /// Exactly these members.
    Members(Slot, Vec<Slot>),
    /// The same members as just before the step (a rename must not touch them).
    MembersKept(Slot),
    /// GET answers 404 with a SCIM error body.
    Gone(Slot),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub check: &'static str,
    pub mode: Mode,
    pub what: String,
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub expect: Expect,
    pub creates: Option<Slot>,
    pub verify: Vec<Verify>,
}

impl Step {
    fn new(
        check: &'static str,
        mode: Mode,
        what: &str,
        method: &'static str,
        path: String,
    ) -> Self {
        Step {
            check,
            mode,
            what: what.to_string(),
            method,
            path,
            body: None,
            expect: Expect::Found,
            creates: None,
            verify: Vec::new(),
        }
    }
    fn body(mut self, b: Value) -> Self {
        self.body = Some(b);
        self
    }
    fn expect(mut self, e: Expect) -> Self {
        self.expect = e;
        self
    }
    fn creates(mut self, s: Slot) -> Self {
        self.creates = Some(s);
        self
    }
    fn verify(mut self, v: Verify) -> Self {
        self.verify.push(v);
        self
    }

    /// The placeholders this step needs filled.
    pub fn needs(&self) -> Vec<Slot> {
        let text = format!(
            "{} {}",
            self.path,
            self.body.as_ref().map(Value::to_string).unwrap_or_default()
        );
        [Slot::User, Slot::User2, Slot::Group]
            .into_iter()
            .filter(|s| text.contains(s.placeholder()))
            .collect()
    }
}

/// The names of one run's canaries (`scim-doctor-canary-<tag>-...`).
#[derive(Debug, Clone)]
pub struct Canary {
    pub tag: String,
}

impl Canary {
    pub fn random() -> Self {
        Canary {
            tag: uuid::Uuid::new_v4().simple().to_string()[..10].to_string(),
        }
    }
    pub fn user_name(&self, n: char) -> String {
        format!("{CANARY_PREFIX}{}-{n}@example.com", self.tag)
    }
    pub fn external_id(&self, n: char) -> String {
        format!("{CANARY_PREFIX}{}-{n}", self.tag)
    }
    pub fn group(&self) -> String {
        format!("{CANARY_PREFIX}{}-group", self.tag)
    }
    pub fn renamed_group(&self) -> String {
        format!("{}-renamed", self.group())
    }
    pub fn email(&self, n: &str) -> String {
        format!("{CANARY_PREFIX}{}-{n}@example.com", self.tag)
    }
}

/// `filter=...` value, percent-encoded (spaces as %20, quotes as %22).
pub fn filter_query(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

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
        "roles": []
    })
}

/// Okta's user body (developer.okta.com SCIM 2.0 reference, "Create the user"); no password.
fn okta_user(c: &Canary, n: char, given: &str, active: bool) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": c.user_name(n),
        "name": {"givenName": given, "familyName": "Canary"},
        "emails": [{"primary": true, "value": c.user_name(n), "type": "work"}],
        "displayName": format!("{given} Canary"),
        "locale": "en-US",
        "externalId": c.external_id(n),
        "groups": [],
        "active": active
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
    let (ua, xa, ub) = (c.user_name('a'), c.external_id('a'), c.user_name('b'));
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
        Step::new(
            USER_CREATE,
            mode,
            &w("create the user"),
            "POST",
            "/Users".into(),
        )
        .body(entra_user(c, 'a', "Alpha"))
        .expect(Expect::Created)
        .creates(Slot::User)
        .verify(Verify::Attrs(
            Slot::User,
            vec![("userName".into(), json!(ua))],
        )),
        Step::new(
            USER_CREATE,
            mode,
            &w("read the user back by id"),
            "GET",
            "/Users/{user}".into(),
        ),
        Step::new(
            DUPLICATE_USER,
            mode,
            &w("create the same userName again (a missed match)"),
            "POST",
            "/Users".into(),
        )
        .body(entra_user(c, 'a', "Alpha"))
        .expect(Expect::Conflict),
    ];
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
        .expect(Expect::Patched)
        .verify(Verify::Attrs(
            Slot::User,
            vec![
                ("displayName".into(), json!("Alpha Updated")),
                ("name.givenName".into(), json!("AlphaUpdated")),
                ("title".into(), json!(new_title)),
                (employee_number_path(), json!("42")),
            ],
        )),
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
        Step::new(USER_CREATE, mode, &w("create the second user (for membership)"), "POST", "/Users".into())
            .body(entra_user(c, 'b', "Bravo")).expect(Expect::Created).creates(Slot::User2)
            .verify(Verify::Attrs(Slot::User2, vec![("userName".into(), json!(ub))])),
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
            .expect(Expect::Created).creates(Slot::Group)
            .verify(Verify::Attrs(Slot::Group, vec![("displayName".into(), json!(group))])),
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
    vec![
        Step::new(
            USER_LOOKUP,
            mode,
            "match the user by userName (with startIndex and count)",
            "GET",
            format!(
                "/Users?filter={}&startIndex=1&count=100",
                filter_query(&format!("userName eq \"{ua}\""))
            ),
        )
        .expect(Expect::EmptyList),
        Step::new(
            USER_CREATE,
            mode,
            "create the user",
            "POST",
            "/Users".into(),
        )
        .body(okta_user(c, 'a', "Alpha", true))
        .expect(Expect::Created)
        .creates(Slot::User)
        .verify(Verify::Attrs(
            Slot::User,
            vec![("userName".into(), json!(ua))],
        )),
        Step::new(
            USER_CREATE,
            mode,
            "read the user back by id",
            "GET",
            "/Users/{user}".into(),
        ),
        Step::new(
            DUPLICATE_USER,
            mode,
            "create the same userName again (a missed match)",
            "POST",
            "/Users".into(),
        )
        .body(okta_user(c, 'a', "Alpha", true))
        .expect(Expect::Conflict),
        Step::new(
            USER_UPDATE,
            mode,
            "update the profile with a full-body PUT",
            "PUT",
            "/Users/{user}".into(),
        )
        .body(with_id(updated, "{user}"))
        .expect(Expect::Replaced)
        .verify(Verify::Attrs(
            Slot::User,
            vec![
                ("displayName".into(), json!("Alpha Updated")),
                ("name.givenName".into(), json!("AlphaUpdated")),
                ("title".into(), json!("Canary Engineer")),
            ],
        )),
        Step::new(
            USER_CREATE,
            mode,
            "create the second user (for membership)",
            "POST",
            "/Users".into(),
        )
        .body(okta_user(c, 'b', "Bravo", true))
        .expect(Expect::Created)
        .creates(Slot::User2)
        .verify(Verify::Attrs(
            Slot::User2,
            vec![("userName".into(), json!(ub))],
        )),
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
        .creates(Slot::Group)
        .verify(Verify::Attrs(
            Slot::Group,
            vec![("displayName".into(), json!(group))],
        )),
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
        .verify(Verify::Attrs(
            Slot::Group,
            vec![("displayName".into(), json!(renamed))],
        ))
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
    ]
}

fn with_id(mut v: Value, id: &str) -> Value {
    v["id"] = json!(id);
    v
}
