//! Taking resources into a tenant, one at a time, whatever the source: every resource read
//! ends up analysed (a user or a group) or reported (a `ParseIssue` naming it, or a
//! `DuplicateId` when its id was already read). Nothing is dropped without a record, and
//! `Tenant::read` counts everything, so `Tenant::accounted` always holds.

use super::kind::{declared_kind_of, Kind};
use super::seed::Fields;
use super::{group_from_fields, user_from_fields, ParseIssue, Tenant};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Ids already taken, by the hash of the id: 16 bytes a resource instead of a copy of every
/// id (a million-user load would otherwise hold ~80 MB of copies). The id itself is compared
/// in the tenant; ids whose hash is already taken by another id go to `spill`.
#[derive(Default)]
struct Seen {
    by_hash: foldhash::HashMap<u64, usize>,
    spill: HashMap<String, usize>,
}

fn hash(id: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5c1d).hash_one(id)
}

impl Seen {
    fn get<'a>(&self, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<usize> {
        let &i = self.by_hash.get(&hash(id))?;
        if id_at(i) == id {
            Some(i)
        } else {
            self.spill.get(id).copied()
        }
    }

    fn insert(&mut self, id: &str, i: usize) {
        match self.by_hash.entry(hash(id)) {
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.spill.insert(id.to_string(), i);
            }
        }
    }
}

/// A resource whose id had already been read (same kind): the first copy is kept, as the
/// live fetch keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateId {
    /// "user" or "group".
    pub kind: String,
    pub id: String,
    /// Where the repeat was read ("Users.json item 7", "startIndex=101").
    pub position: String,
    /// True when the repeat differs from the copy kept (a server bug, not only an overlap).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub differs: bool,
}

/// Feeds resources into a tenant, deciding each one's kind and catching repeated ids.
pub struct Intake<'t> {
    tenant: &'t mut Tenant,
    users: Seen,
    groups: Seen,
    /// Resources read whose kind came from content and contradicted the file they were in.
    pub moved: usize,
    pub users_seen: bool,
    pub groups_seen: bool,
}

impl<'t> Intake<'t> {
    /// Starts on a tenant that may already hold resources (they count as seen ids).
    pub fn new(tenant: &'t mut Tenant) -> Self {
        let mut users = Seen::default();
        for (i, u) in tenant.users.iter().enumerate() {
            users.insert(&u.id, i);
        }
        let mut groups = Seen::default();
        for (i, g) in tenant.groups.iter().enumerate() {
            groups.insert(&g.id, i);
        }
        Intake {
            tenant,
            users,
            groups,
            moved: 0,
            users_seen: false,
            groups_seen: false,
        }
    }

    /// Repeated ids recorded so far.
    pub fn repeated(&self) -> usize {
        self.tenant.duplicates.len()
    }

    /// A resource that could not even be read (a line that is not JSON): reported.
    pub fn unreadable(&mut self, hint: Option<Kind>, position: &str, problem: String) {
        self.tenant.read += 1;
        let kind = hint.map_or("resource", Kind::as_str);
        self.tenant
            .parse_issues
            .push(ParseIssue::new(kind, position, problem));
    }

    /// Takes one resource held as a `Value` (the live fetch). `hint` is the kind its file
    /// implies (`Users.json`), if any.
    pub fn add(&mut self, value: Value, hint: Option<Kind>, position: &str) {
        self.add_fields(Fields::from_value(value), hint, || position.to_string());
    }

    /// Takes one resource as `ResourceSeed` read it. `position` is only called when the
    /// resource is reported (a million positions are not worth writing out).
    pub fn add_fields(&mut self, f: Fields, hint: Option<Kind>, position: impl Fn() -> String) {
        self.tenant.read += 1;
        let declared = if f.not_object.is_some() {
            Ok(hint)
        } else {
            declared_kind_of(f.schemas_for_kind.as_ref(), f.resource_type.as_deref()).map(|k| {
                k.or(hint).or(if f.user_name.is_some() {
                    Some(Kind::User)
                } else if f.members.is_some() {
                    Some(Kind::Group)
                } else {
                    None
                })
            })
        };
        let kind = match declared {
            Ok(Some(k)) => k,
            Ok(None) => {
                let mut issue = ParseIssue::new(
                    "resource",
                    &position(),
                    "cannot tell whether this is a user or a group: no `schemas`, no `meta.resourceType`, no `userName` or `members`, and the file name does not say",
                );
                issue.name = f.id.as_ref().map(|id| format!("id {id}"));
                self.tenant.parse_issues.push(issue);
                return;
            }
            Err(why) => {
                let kind = hint.map_or("resource", Kind::as_str);
                self.tenant
                    .parse_issues
                    .push(ParseIssue::new(kind, &position(), why));
                return;
            }
        };
        if hint.is_some_and(|h| h != kind) {
            self.moved += 1;
        }
        // The position names a resource only when it is reported; the parse functions take
        // it as text, so pass a placeholder and fill it in on error.
        match kind {
            Kind::User => {
                self.users_seen = true;
                match user_from_fields(f, "") {
                    Ok(u) => match self.users.get(&u.id, |i| &self.tenant.users[i].id) {
                        Some(i) => {
                            let differs = self.tenant.users[i] != u;
                            self.tenant.duplicates.push(DuplicateId {
                                kind: "user".into(),
                                id: u.id,
                                position: position(),
                                differs,
                            });
                        }
                        None => {
                            self.users.insert(&u.id, self.tenant.users.len());
                            self.tenant.users.push(u);
                        }
                    },
                    Err(mut e) => {
                        e.position = position();
                        self.tenant.parse_issues.push(e)
                    }
                }
            }
            Kind::Group => {
                self.groups_seen = true;
                match group_from_fields(f, "") {
                    Ok(g) => match self.groups.get(&g.id, |i| &self.tenant.groups[i].id) {
                        Some(i) => {
                            let differs = self.tenant.groups[i] != g;
                            self.tenant.duplicates.push(DuplicateId {
                                kind: "group".into(),
                                id: g.id,
                                position: position(),
                                differs,
                            });
                        }
                        None => {
                            self.groups.insert(&g.id, self.tenant.groups.len());
                            self.tenant.groups.push(g);
                        }
                    },
                    Err(mut e) => {
                        e.position = position();
                        self.tenant.parse_issues.push(e)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    /// A /.search result holds both kinds: each lands where its schemas say, whatever the file.
    #[test]
    fn kind_comes_from_the_resource_before_the_file_name() {
        let mut t = Tenant::new("t");
        let mut i = Intake::new(&mut t);
        i.add(
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a"}),
            None,
            "a",
        );
        i.add(
            json!({"schemas": [GROUP_SCHEMA], "id": "1", "displayName": "G"}),
            Some(Kind::User),
            "b",
        );
        i.add(
            json!({"id": "2", "meta": {"resourceType": "Group"}}),
            Some(Kind::User),
            "c",
        );
        assert_eq!(i.moved, 2);
        assert_eq!((t.users.len(), t.groups.len()), (1, 2));
        assert!(t.accounted());
    }

    /// The same id twice is kept once and recorded where it repeated; nothing vanishes.
    #[test]
    fn a_repeated_id_is_kept_once_and_recorded() {
        let mut t = Tenant::new("t");
        let mut i = Intake::new(&mut t);
        i.add(json!({"id": "1", "userName": "a"}), Some(Kind::User), "p1");
        i.add(json!({"id": "1", "userName": "a"}), Some(Kind::User), "p2");
        i.add(json!({"id": "1", "userName": "b"}), Some(Kind::User), "p3");
        i.add(json!({"userName": "no-id"}), Some(Kind::User), "p4");
        i.add(json!(7), Some(Kind::User), "p5");
        assert_eq!(t.users.len(), 1);
        assert_eq!(t.duplicates.len(), 2);
        assert!(!t.duplicates[0].differs && t.duplicates[1].differs);
        assert_eq!(t.parse_issues.len(), 2);
        assert_eq!(t.read, 5);
        assert!(t.accounted());
    }

    /// Without schemas, meta or a file name, a resource with neither userName nor members is
    /// reported, not guessed.
    #[test]
    fn an_unclassifiable_resource_is_reported() {
        let mut t = Tenant::new("t");
        let mut i = Intake::new(&mut t);
        i.add(json!({"id": "9"}), None, "search.json item 0");
        i.add(
            json!({"id": "8", "members": []}),
            None,
            "search.json item 1",
        );
        assert_eq!(t.groups.len(), 1);
        assert!(t.parse_issues[0].problem.contains("user or a group"));
    }

    /// Two ids in one hash slot are still told apart: the slot's owner is compared by id,
    /// the other is found in the spill.
    #[test]
    fn ids_sharing_a_hash_slot_stay_distinct() {
        let ids = ["a", "b"];
        let mut seen = Seen::default();
        seen.insert("a", 0);
        // "b" lands in the slot "a" owns, as a hash collision would put it.
        seen.by_hash.insert(hash("b"), 0);
        seen.spill.insert("b".into(), 1);
        assert_eq!(seen.get("a", |i| ids[i]), Some(0));
        assert_eq!(seen.get("b", |i| ids[i]), Some(1));
        assert_eq!(seen.get("z", |i| ids[i]), None);
    }
}
