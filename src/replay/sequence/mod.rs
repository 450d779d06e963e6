//! The request sequences, as data: what Entra ID (legacy shapes, or with `aadOptscim062020`)
//! and Okta send, in their order, with their bodies (reference: idp-and-scim-behaviour.md
//! sections 2-3, scim-failure-modes.md #1-#3, #9, #10). Ids the server assigns are
//! placeholders (`{user}`, `{user2}`, `{group}`) that the executor fills in; `--dry-run`
//! prints them as they are.

mod entra;
mod okta;
mod rfc;

pub use entra::entra;
pub use okta::okta;
pub use rfc::rfc;

use super::Mode;
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

/// What a GET of the resource must show after the step, besides every attribute the step
/// sent (read back after every write by `exec`, compared by `readback`).
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
    pub(super) fn body(mut self, b: Value) -> Self {
        self.body = Some(b);
        self
    }
    pub(super) fn expect(mut self, e: Expect) -> Self {
        self.expect = e;
        self
    }
    pub(super) fn creates(mut self, s: Slot) -> Self {
        self.creates = Some(s);
        self
    }
    pub(super) fn verify(mut self, v: Verify) -> Self {
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

/// Characters in a run's tag: lowercase hex, from a random UUID.
pub const TAG_LEN: usize = 10;

/// What a canary name stands for in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A user's userName (and primary email), `a` or `b`.
    UserName(char),
    /// A user's (or, `g`, the group's) externalId.
    ExternalId(char),
    /// An extra email address given to user `a` (`a-new`, `a-again`).
    Email(&'static str),
    Group,
    RenamedGroup,
}

/// The roles whose names `replay --cleanup` looks for: the userNames of the users and the
/// displayNames of the group, as created and as renamed.
pub const USER_ROLES: [Role; 2] = [Role::UserName('a'), Role::UserName('b')];
pub const GROUP_ROLES: [Role; 2] = [Role::Group, Role::RenamedGroup];

/// The one canary naming rule: prefix, the run's tag, the role. Both the sequences (which
/// create the names) and `replay --cleanup` (which recognises them) go through here.
pub fn canary_name(tag: &str, role: Role) -> String {
    match role {
        Role::UserName(n) => format!("{CANARY_PREFIX}{tag}-{n}@example.com"),
        Role::ExternalId(n) => format!("{CANARY_PREFIX}{tag}-{n}"),
        Role::Email(n) => format!("{CANARY_PREFIX}{tag}-{n}@example.com"),
        Role::Group => format!("{CANARY_PREFIX}{tag}-group"),
        Role::RenamedGroup => format!("{CANARY_PREFIX}{tag}-group-renamed"),
    }
}

/// The role of `name` among `roles` when it is exactly a name this tool generates (the
/// prefix, a tag of `TAG_LEN` lowercase hex digits, a role's suffix), else `None`: a
/// userName that merely starts with the prefix is someone else's.
pub fn canary_role(name: &str, roles: &[Role]) -> Option<Role> {
    let rest = name.get(CANARY_PREFIX.len()..)?;
    if !name[..CANARY_PREFIX.len()].eq_ignore_ascii_case(CANARY_PREFIX) {
        return None;
    }
    let tag = rest.get(..TAG_LEN)?.to_ascii_lowercase();
    if !tag.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    // Servers may fold a userName's case (RFC 7643 makes it case-insensitive).
    roles
        .iter()
        .copied()
        .find(|&r| canary_name(&tag, r).eq_ignore_ascii_case(name))
}

impl Canary {
    pub fn random() -> Self {
        Canary {
            tag: uuid::Uuid::new_v4().simple().to_string()[..TAG_LEN].to_string(),
        }
    }
    pub fn user_name(&self, n: char) -> String {
        canary_name(&self.tag, Role::UserName(n))
    }
    pub fn external_id(&self, n: char) -> String {
        canary_name(&self.tag, Role::ExternalId(n))
    }
    pub fn group(&self) -> String {
        canary_name(&self.tag, Role::Group)
    }
    pub fn renamed_group(&self) -> String {
        canary_name(&self.tag, Role::RenamedGroup)
    }
    pub fn email(&self, n: &'static str) -> String {
        canary_name(&self.tag, Role::Email(n))
    }
}

/// The first user's create, its read-back by id, and the same create again (a missed match
/// must come back 409): the same three requests in every IdP's sequence. `what` gives the
/// step labels the IdP's form; `user` is the IdP's own user body.
fn create_user_steps(mode: Mode, what: impl Fn(&str) -> String, user: Value) -> [Step; 3] {
    use crate::replay::ids::{DUPLICATE_USER, USER_CREATE};
    [
        Step::new(
            USER_CREATE,
            mode,
            &what("create the user"),
            "POST",
            "/Users".into(),
        )
        .body(user.clone())
        .expect(Expect::Created)
        .creates(Slot::User),
        Step::new(
            USER_CREATE,
            mode,
            &what("read the user back by id"),
            "GET",
            "/Users/{user}".into(),
        ),
        Step::new(
            DUPLICATE_USER,
            mode,
            &what("create the same userName again (a missed match)"),
            "POST",
            "/Users".into(),
        )
        .body(user)
        .expect(Expect::Conflict),
    ]
}

/// The second user, created for the membership steps: the same request in every IdP's
/// sequence, labelled and shaped as `create_user_steps` does for the first.
fn create_second_user_step(mode: Mode, what: impl Fn(&str) -> String, user: Value) -> Step {
    Step::new(
        crate::replay::ids::USER_CREATE,
        mode,
        &what("create the second user (for membership)"),
        "POST",
        "/Users".into(),
    )
    .body(user)
    .expect(Expect::Created)
    .creates(Slot::User2)
}

/// `filter=...` value, percent-encoded (spaces as %20, quotes as %22).
pub fn filter_query(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(super) fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

#[cfg(test)]
mod canary_tests {
    use super::*;

    #[test]
    fn every_generated_name_is_recognised_and_nothing_else() {
        let c = Canary::random();
        for n in ['a', 'b'] {
            assert_eq!(
                canary_role(&c.user_name(n), &USER_ROLES),
                Some(Role::UserName(n))
            );
        }
        assert_eq!(canary_role(&c.group(), &GROUP_ROLES), Some(Role::Group));
        assert_eq!(
            canary_role(&c.renamed_group(), &GROUP_ROLES),
            Some(Role::RenamedGroup)
        );
        assert_eq!(
            canary_role(&c.user_name('a').to_uppercase(), &USER_ROLES),
            Some(Role::UserName('a'))
        );
        for other in [
            "scim-doctor-canary-".to_string(),
            "scim-doctor-canary-alice@example.com".to_string(),
            "scim-doctor-canary-0123456789-a@example.com.evil".to_string(),
            "scim-doctor-canary-012345678-a@example.com".to_string(),
            "scim-doctor-canary-01234567zz-a@example.com".to_string(),
            "scim-doctor-canary-0123456789-c@example.com".to_string(),
            "scim-doctor-canary-0123456789-group-x".to_string(),
            format!("x{}", c.user_name('a')),
            c.group(),
        ] {
            assert_eq!(canary_role(&other, &USER_ROLES), None, "{other}");
        }
        assert_eq!(canary_role(&c.user_name('a'), &GROUP_ROLES), None);
        assert_eq!(
            canary_role("scim-doctor-canary-0123456789-b@example.com", &USER_ROLES),
            Some(Role::UserName('b'))
        );
    }
}
