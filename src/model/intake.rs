//! Taking resources into a tenant, one at a time, whatever the source: every resource read
//! ends up analysed (a user or a group) or reported (a `ParseIssue` naming it, or a
//! `DuplicateId` when its id was already read). Nothing is dropped without a record, and
//! `Tenant::read` counts everything, so `Tenant::accounted` always holds.

use super::kind::{declared_kind_of, Kind};
use super::seed::Fields;
use super::{group_from_fields, user_from_fields, Group, ParseIssue, Tenant, User};
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
    fn get<'a>(&self, h: u64, id: &str, id_at: impl Fn(usize) -> &'a str) -> Option<usize> {
        let &i = self.by_hash.get(&h)?;
        if id_at(i) == id {
            Some(i)
        } else {
            self.spill.get(id).copied()
        }
    }

    fn insert(&mut self, h: u64, id: &str, i: usize) {
        match self.by_hash.entry(h) {
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

/// The most parse issues listed (with their positions) per input file; the rest are
/// counted (`Tenant::parse_issues_unlisted`). A small file can hold millions of tiny broken
/// items (a compressed file of `{}` lines): one record each would make memory grow with
/// the item count.
pub const MAX_LISTED_PARSE_ISSUES: usize = 1000;

/// Feeds resources into a tenant, deciding each one's kind and catching repeated ids.
pub struct Intake<'t> {
    tenant: &'t mut Tenant,
    /// Parse issues listed since the current file began (`next_file`).
    listed_here: usize,
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
            users.insert(hash(&u.id), &u.id, i);
        }
        let mut groups = Seen::default();
        for (i, g) in tenant.groups.iter().enumerate() {
            groups.insert(hash(&g.id), &g.id, i);
        }
        Intake {
            tenant,
            listed_here: 0,
            users,
            groups,
            moved: 0,
            users_seen: false,
            groups_seen: false,
        }
    }

    /// Makes room for `n` resources of `kind` in all (what the source says it holds): a
    /// million users would otherwise be copied some twenty times as the list doubles.
    /// A lying count costs address space, not memory, and is capped.
    pub fn reserve(&mut self, kind: Kind, n: usize) {
        let n = n.min(20_000_000);
        match kind {
            Kind::User => self
                .tenant
                .users
                .reserve(n.saturating_sub(self.tenant.users.len())),
            Kind::Group => self
                .tenant
                .groups
                .reserve(n.saturating_sub(self.tenant.groups.len())),
        }
    }

    /// Repeated ids recorded so far.
    pub fn repeated(&self) -> usize {
        self.tenant.duplicates.len()
    }

    /// The resources that follow come from another input file: the cap on listed parse
    /// issues starts again.
    pub fn next_file(&mut self) {
        self.listed_here = 0;
    }

    /// Records a parse issue, or only counts it past the cap for this file. `make` is
    /// called only for an issue that is listed.
    fn report(&mut self, make: impl FnOnce() -> ParseIssue) {
        if self.listed_here < MAX_LISTED_PARSE_ISSUES {
            self.listed_here += 1;
            self.tenant.parse_issues.push(make());
        } else {
            self.tenant.parse_issues_unlisted += 1;
        }
    }

    /// A resource that could not even be read (a line that is not JSON): reported.
    pub fn unreadable(&mut self, hint: Option<Kind>, position: &str, problem: String) {
        self.tenant.read += 1;
        let kind = hint.map_or("resource", Kind::as_str);
        self.report(|| ParseIssue::new(kind, position, problem));
    }

    /// Takes one resource held as a `Value` (the live fetch). `hint` is the kind its file
    /// implies (`Users.json`), if any.
    pub fn add(&mut self, value: Value, hint: Option<Kind>, position: &str) {
        self.add_fields(Fields::from_value(value), hint, || position.to_string());
    }

    /// Takes one resource as `ResourceSeed` read it. `position` is only called when the
    /// resource is reported (a million positions are not worth writing out).
    pub fn add_fields(&mut self, f: Fields, hint: Option<Kind>, position: impl Fn() -> String) {
        self.commit(Prepared::of(f, hint), position);
    }

    /// Takes one resource `Prepared::of` made, in the order the source holds them (the
    /// first copy of a repeated id is the one kept).
    pub fn commit(&mut self, p: Prepared, position: impl Fn() -> String) {
        self.tenant.read += 1;
        if p.moved {
            self.moved += 1;
        }
        match p.made {
            Made::Issue(mut issue, seen) => {
                // A resource of a known kind the model could not use (no id...): the
                // kind was still seen in the source.
                match seen {
                    Some(Kind::User) => self.users_seen = true,
                    Some(Kind::Group) => self.groups_seen = true,
                    None => {}
                }
                self.report(|| {
                    issue.position = position();
                    issue
                });
            }
            Made::User(u) => {
                self.users_seen = true;
                match self
                    .users
                    .get(p.id_hash, &u.id, |i| &self.tenant.users[i].id)
                {
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
                        self.users.insert(p.id_hash, &u.id, self.tenant.users.len());
                        self.tenant.users.push(u);
                    }
                }
            }
            Made::Group(g) => {
                self.groups_seen = true;
                match self
                    .groups
                    .get(p.id_hash, &g.id, |i| &self.tenant.groups[i].id)
                {
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
                        self.groups
                            .insert(p.id_hash, &g.id, self.tenant.groups.len());
                        self.tenant.groups.push(g);
                    }
                }
            }
        }
    }
}

/// What one resource became, decided from the resource alone: the part of taking it in
/// that needs no tenant, so a reader can prepare resources on several threads and commit
/// them in order (see `source::snapshot::pipeline`).
pub struct Prepared {
    made: Made,
    /// The kind came from the content and contradicts the file the resource was in.
    moved: bool,
    /// `Seen`'s hash of the id (0 for an issue).
    id_hash: u64,
}

// Users travel by value from the reader's threads to the intake: a box each would be
// allocated on one thread and freed on another, which keeps the allocator taking fresh
// pages for them.
#[allow(clippy::large_enum_variant)]
enum Made {
    User(User),
    Group(Group),
    /// Reported (the position is filled in when committed), with its kind when known.
    Issue(ParseIssue, Option<Kind>),
}

impl Prepared {
    /// Decides the resource's kind (its `schemas` or `meta.resourceType`, else `hint`, the
    /// kind its file implies, else its shape) and builds the user or group, or the issue
    /// that reports it.
    pub fn of(f: Fields, hint: Option<Kind>) -> Prepared {
        let issue = |made| Prepared {
            made,
            moved: false,
            id_hash: 0,
        };
        let declared = if f.not_object.is_some() {
            Ok(hint)
        } else {
            declared_kind_of(f.kind_schemas(), f.resource_type.as_deref()).map(|k| {
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
                let mut issue_ = ParseIssue::new(
                    "resource",
                    "",
                    "cannot tell whether this is a user or a group: no `schemas`, no `meta.resourceType`, no `userName` or `members`, and the file name does not say",
                );
                issue_.name = f.id.as_ref().map(|id| format!("id {id}"));
                return issue(Made::Issue(issue_, None));
            }
            Err(why) => {
                let kind = hint.map_or("resource", Kind::as_str);
                return issue(Made::Issue(ParseIssue::new(kind, "", why), None));
            }
        };
        let moved = hint.is_some_and(|h| h != kind);
        // The position names a resource only when it is reported: `commit` fills it in.
        let made = match kind {
            Kind::User => user_from_fields(f, "").map(Made::User),
            Kind::Group => group_from_fields(f, "").map(Made::Group),
        };
        match made {
            Ok(made) => {
                let id_hash = match &made {
                    Made::User(u) => hash(&u.id),
                    Made::Group(g) => hash(&g.id),
                    _ => 0,
                };
                Prepared {
                    made,
                    moved,
                    id_hash,
                }
            }
            Err(e) => Prepared {
                made: Made::Issue(e, Some(kind)),
                moved,
                id_hash: 0,
            },
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
        seen.insert(hash("a"), "a", 0);
        // "b" lands in the slot "a" owns, as a hash collision would put it.
        seen.by_hash.insert(hash("b"), 0);
        seen.spill.insert("b".into(), 1);
        assert_eq!(seen.get(hash("a"), "a", |i| ids[i]), Some(0));
        assert_eq!(seen.get(hash("b"), "b", |i| ids[i]), Some(1));
        assert_eq!(seen.get(hash("z"), "z", |i| ids[i]), None);
    }
}
