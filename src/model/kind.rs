//! Which kind of resource a JSON object is, and what a group member points at.
//!
//! A resource says what it is: its `schemas` (RFC 7643 §3, the core User or Group schema
//! URN) or its `meta.resourceType` (§3.1). The file it came from is only a hint, used when
//! the resource says nothing: a `/.search` result (RFC 7644 §3.4.3) holds users and groups
//! together, and files get renamed. A member says what it points at with `type` ("User",
//! "Group") or its `$ref` (`.../Groups/<id>`, RFC 7643 §4.2); only when both are absent is
//! its id looked up, and an id held by a user and a group at once is ambiguous.

use super::{
    Group, Member, Tenant, User, ERROR_SCHEMA, GROUP_SCHEMA, LIST_RESPONSE_SCHEMA, USER_SCHEMA,
};
use serde_json::{Map, Value};
// Seeded (foldhash's RandomState): ids are tenant data, so no input can choose collisions.
type FastMap<K, V> = foldhash::HashMap<K, V>;
use foldhash::HashMapExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    User,
    Group,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
        }
    }

    fn from_word(s: &str) -> Option<Kind> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("user") {
            Some(Kind::User)
        } else if s.eq_ignore_ascii_case("group") {
            Some(Kind::Group)
        } else {
            None
        }
    }
}

fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The kind the resource declares (`Ok(None)`: it declares nothing), or why it is neither a
/// user nor a group (an error body, another resource type).
pub fn declared_kind(map: &Map<String, Value>) -> Result<Option<Kind>, String> {
    let resource_type = get(map, "meta")
        .and_then(Value::as_object)
        .and_then(|m| get(m, "resourceType"))
        .and_then(Value::as_str);
    declared_kind_of(get(map, "schemas"), resource_type)
}

/// `declared_kind` from the two attributes that declare a kind: `schemas` and
/// `meta.resourceType`.
pub fn declared_kind_of(
    schemas: Option<&Value>,
    resource_type: Option<&str>,
) -> Result<Option<Kind>, String> {
    let mut from_schemas = None;
    if let Some(Value::Array(list)) = schemas {
        for s in list.iter().filter_map(Value::as_str) {
            let s = s.trim();
            if s.eq_ignore_ascii_case(USER_SCHEMA) {
                from_schemas = Some(Kind::User);
            } else if s.eq_ignore_ascii_case(GROUP_SCHEMA) {
                from_schemas = from_schemas.or(Some(Kind::Group));
            } else if s.eq_ignore_ascii_case(ERROR_SCHEMA) {
                return Err("a SCIM error response, not a resource".into());
            } else if s.eq_ignore_ascii_case(LIST_RESPONSE_SCHEMA) {
                return Err("a ListResponse nested inside the list, not a resource".into());
            } else if s
                .to_ascii_lowercase()
                .contains(":extension:enterprise:2.0:user")
            {
                from_schemas = from_schemas.or(Some(Kind::User));
            }
        }
    }
    if let Some(k) = from_schemas {
        return Ok(Some(k));
    }
    match resource_type {
        Some(t) => match Kind::from_word(t) {
            Some(k) => Ok(Some(k)),
            None => Err(format!(
                "a `{t}` resource (meta.resourceType), neither a User nor a Group"
            )),
        },
        None => Ok(None),
    }
}

/// The kind by shape, for a resource that declares none and came with no hint: `userName`
/// is required on users (RFC 7643 §4.1), `members` exists only on groups.
pub fn kind_by_shape(map: &Map<String, Value>) -> Option<Kind> {
    if get(map, "userName").is_some() {
        Some(Kind::User)
    } else if get(map, "members").is_some() {
        Some(Kind::Group)
    } else {
        None
    }
}

/// What one group member points at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MemberTarget<'a> {
    User(&'a User),
    Group(&'a Group),
    /// The member says it is a user (`type`, `$ref`), and no user has this id.
    MissingUser,
    /// The member says it is a group, and no group has this id.
    MissingGroup,
    /// No `type` or `$ref`, and a user and a group both have this id.
    Ambiguous(&'a User, &'a Group),
    /// No `type` or `$ref`, and nothing has this id.
    Unknown,
}

/// The kind a member states: `type`, else the resource type in its `$ref`.
pub fn member_kind(m: &Member) -> Option<Kind> {
    if let Some(k) = m.kind.as_deref().and_then(Kind::from_word) {
        return Some(k);
    }
    let r = m.reference.as_deref()?;
    let path = r
        .split(['?', '#'])
        .next()
        .unwrap_or(r)
        .trim_end_matches('/');
    let mut parts = path.rsplit('/');
    let _id = parts.next()?;
    match parts.next()? {
        s if s.eq_ignore_ascii_case("Users") => Some(Kind::User),
        s if s.eq_ignore_ascii_case("Groups") => Some(Kind::Group),
        _ => None,
    }
}

/// Id indexes over a tenant, to resolve members in one pass. Every group is indexed, but
/// only the users some member refers to: on a large tenant most users are in no group, and
/// a map of every user id would cost more than all the lookups it serves. The same single
/// scan of the users finds the ids a user shares with a group.
#[derive(Default)]
pub struct Directory<'a> {
    users: FastMap<&'a str, &'a User>,
    groups: FastMap<&'a str, &'a Group>,
    /// Every member value of every group: the ids `users` was built for.
    wanted: FastMap<&'a str, ()>,
    all_users: &'a [User],
    collisions: Vec<(&'a User, &'a Group)>,
}

impl<'a> Directory<'a> {
    pub fn of(t: &'a Tenant) -> Self {
        const MEMBER: u8 = 1;
        const GROUP: u8 = 2;
        let mut groups = FastMap::with_capacity(t.groups.len());
        let mut wanted: FastMap<&'a str, ()> = FastMap::default();
        // One probe per user answers both questions: is this id a member, a group's id?
        let mut ids: FastMap<&'a str, u8> = FastMap::default();
        for g in &t.groups {
            groups.insert(g.id.as_str(), g);
            *ids.entry(g.id.as_str()).or_default() |= GROUP;
            for m in &g.members {
                wanted.insert(m.value.as_str(), ());
                *ids.entry(m.value.as_str()).or_default() |= MEMBER;
            }
        }
        // The last user with an id wins, as when every user was indexed.
        let mut users = FastMap::with_capacity(wanted.len().min(t.users.len()));
        let mut shared: FastMap<&'a str, &'a User> = FastMap::default();
        if !ids.is_empty() {
            for u in &t.users {
                let Some(&flags) = ids.get(u.id.as_str()) else {
                    continue;
                };
                if flags & MEMBER != 0 {
                    users.insert(u.id.as_str(), u);
                }
                if flags & GROUP != 0 {
                    shared.insert(u.id.as_str(), u);
                }
            }
        }
        let mut collisions: Vec<(&User, &Group)> = shared
            .into_iter()
            .filter_map(|(id, u)| groups.get(id).map(|g| (u, *g)))
            .collect();
        collisions.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        Directory {
            users,
            groups,
            wanted,
            all_users: &t.users,
            collisions,
        }
    }

    pub fn resolve(&self, m: &Member) -> MemberTarget<'a> {
        let value = m.value.as_str();
        let user = self.users.get(value).copied().or_else(|| {
            // A member from elsewhere than this tenant's groups: look it up the slow way.
            if self.wanted.contains_key(value) {
                None
            } else {
                self.all_users.iter().rev().find(|u| u.id == value)
            }
        });
        let group = self.groups.get(m.value.as_str()).copied();
        match (member_kind(m), user, group) {
            (Some(Kind::User), Some(u), _) => MemberTarget::User(u),
            (Some(Kind::User), None, _) => MemberTarget::MissingUser,
            (Some(Kind::Group), _, Some(g)) => MemberTarget::Group(g),
            (Some(Kind::Group), _, None) => MemberTarget::MissingGroup,
            (None, Some(u), Some(g)) => MemberTarget::Ambiguous(u, g),
            (None, Some(u), None) => MemberTarget::User(u),
            (None, None, Some(g)) => MemberTarget::Group(g),
            (None, None, None) => MemberTarget::Unknown,
        }
    }

    /// Ids held by a user and a group at once (RFC 7643 §3.1 wants ids unique), sorted by
    /// id; a user id held twice counts once, for the last user holding it.
    pub fn collisions(&self) -> Vec<(&'a User, &'a Group)> {
        self.collisions.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn schemas_then_resource_type_decide_the_kind() {
        let user = obj(json!({"schemas": [USER_SCHEMA], "id": "1"}));
        assert_eq!(declared_kind(&user), Ok(Some(Kind::User)));
        let group = obj(json!({"id": "1", "meta": {"resourceType": "Group"}}));
        assert_eq!(declared_kind(&group), Ok(Some(Kind::Group)));
        assert_eq!(declared_kind(&obj(json!({"id": "1"}))), Ok(None));
        let role = obj(json!({"id": "1", "meta": {"resourceType": "Role"}}));
        assert!(declared_kind(&role).unwrap_err().contains("`Role`"));
        let err = obj(json!({"schemas": [ERROR_SCHEMA], "status": "401"}));
        assert!(declared_kind(&err).unwrap_err().contains("error"));
    }

    #[test]
    fn a_members_type_then_its_ref_say_what_it_points_at() {
        let m = |kind: Option<&str>, r: Option<&str>| Member {
            value: "1".into(),
            kind: kind.map(str::to_string),
            display: None,
            reference: r.map(str::to_string),
        };
        assert_eq!(member_kind(&m(Some("Group"), None)), Some(Kind::Group));
        assert_eq!(
            member_kind(&m(None, Some("https://x/scim/v2/Groups/1"))),
            Some(Kind::Group)
        );
        assert_eq!(
            member_kind(&m(Some("User"), Some("https://x/v2/Groups/1"))),
            Some(Kind::User)
        );
        assert_eq!(
            member_kind(&m(None, Some("https://x/v2/Users/1/"))),
            Some(Kind::User)
        );
        assert_eq!(member_kind(&m(None, None)), None);
    }

    /// Proves members resolve by kind and id with only member-referenced users indexed,
    /// that a member from elsewhere is still found, and that id collisions are listed.
    #[test]
    fn the_directory_resolves_members_and_lists_id_collisions() {
        let user = |id: &str| User {
            id: id.into(),
            user_name: Some(format!("{id}@x.test")),
            ..Default::default()
        };
        let member = |v: &str, kind: Option<&str>| Member {
            value: v.into(),
            kind: kind.map(str::to_string),
            display: None,
            reference: None,
        };
        let mut t = Tenant::new("t");
        t.users = vec![user("u1"), user("u2"), user("g2"), user("u9")];
        t.groups = vec![
            Group {
                id: "g1".into(),
                members: vec![member("u1", None), member("gone", Some("User"))],
                ..Default::default()
            },
            Group {
                id: "g2".into(),
                members: vec![member("g1", None), member("g2", None)],
                ..Default::default()
            },
        ];
        let dir = Directory::of(&t);
        let g = &t.groups;
        assert_eq!(
            dir.resolve(&g[0].members[0]),
            MemberTarget::User(&t.users[0])
        );
        assert_eq!(dir.resolve(&g[0].members[1]), MemberTarget::MissingUser);
        assert_eq!(dir.resolve(&g[1].members[0]), MemberTarget::Group(&g[0]));
        assert_eq!(
            dir.resolve(&g[1].members[1]),
            MemberTarget::Ambiguous(&t.users[2], &g[1])
        );
        // u9 is in no group: still found for a member that is not the tenant's.
        assert_eq!(
            dir.resolve(&member("u9", None)),
            MemberTarget::User(&t.users[3])
        );
        assert_eq!(dir.resolve(&member("nobody", None)), MemberTarget::Unknown);
        let collisions = dir.collisions();
        assert_eq!(collisions.len(), 1);
        assert_eq!(
            (collisions[0].0.id.as_str(), collisions[0].1.id.as_str()),
            ("g2", "g2")
        );
        assert!(Directory::default().collisions().is_empty());
    }
}
