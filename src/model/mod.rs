//! The tenant model: what the checks see, whatever the source (live endpoint, snapshot
//! directory, raw `curl` output or a bundle). Parsing is lenient: a resource the model
//! cannot use is counted in `Tenant::parse_issues`, never a reason to stop.

mod attrs;
mod extra;
mod intake;
mod json_text;
mod kind;
mod parse;
mod scalar;
mod seed;

pub use extra::Extra;
pub use intake::{DuplicateId, Intake, Prepared, MAX_LISTED_PARSE_ISSUES};
pub use kind::{
    declared_kind, declared_kind_of, kind_by_shape, member_kind, Directory, Kind, MemberTarget,
};

pub use parse::{
    group_from_fields, parse_group, parse_list_or_array, parse_user, user_from_fields, ParseIssue,
};
pub use scalar::{read_active, ActiveForm};
pub use seed::{Fields, ResourceSeed};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Email {
    pub value: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct User {
    pub id: String,
    pub user_name: Option<String>,
    pub external_id: Option<String>,
    /// `None` when the server did not send `active` (SCIM leaves the default to the server;
    /// the checks treat a missing value as active, as the IdPs do).
    pub active: Option<bool>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub emails: Vec<Email>,
    pub phone_numbers: Vec<String>,
    /// Every other attribute the server sent (enterprise extension, title, meta...), kept so
    /// that profile checks can look up any path and snapshots round-trip.
    pub extra: Option<Extra>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub value: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The member's URI as the server sent it (`.../Groups/<id>`): says the kind when `type`
    /// is absent (RFC 7643 §4.2).
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub id: String,
    pub display_name: Option<String>,
    pub external_id: Option<String>,
    pub members: Vec<Member>,
    pub extra: Option<Box<Map<String, Value>>>,
}

/// The discovery documents as the server returned them (absent when not fetched).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_provider_config: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schemas: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_types: Option<Value>,
}

/// Whether the tenant holds everything the server has. An incomplete tenant is still
/// analysed, and every report says so.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    pub users_complete: bool,
    pub groups_complete: bool,
    /// One line per reason the data may be partial ("stopped after 12 pages: --max-pages").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The input held no users at all (only `Groups.json`, a groups-only search result):
    /// checks that need users are skipped rather than run on nothing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub users_absent: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub groups_absent: bool,
    /// How many users / groups the source says exist (`totalResults`, the snapshot
    /// manifest), when it says so: "20 of 5,000 users".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_expected: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_expected: Option<usize>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default)]
pub struct Tenant {
    /// Endpoint host or snapshot name: what the reports call this tenant.
    pub label: String,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub discovery: Discovery,
    pub completeness: Completeness,
    /// Resources that could not be used (no id, not an object...): the first
    /// `MAX_LISTED_PARSE_ISSUES` of each input file, with their positions.
    pub parse_issues: Vec<ParseIssue>,
    /// Resources that could not be used past the first `MAX_LISTED_PARSE_ISSUES` of their
    /// file: counted, not listed, so a file of a million broken items costs no memory per
    /// item.
    pub parse_issues_unlisted: usize,
    /// Resources whose id had already been read (overlapping pages): kept once.
    pub duplicates: Vec<DuplicateId>,
    /// Resources the source held, whatever became of them: always
    /// `users + groups + dropped() + duplicates` (see `accounted`).
    pub read: usize,
}

impl User {
    /// A missing `active` counts as active.
    pub fn is_active(&self) -> bool {
        self.active.unwrap_or(true)
    }

    /// The `active` value exactly as the server sent it, when that was not a JSON boolean
    /// ("True", 1, "0", "yes"): kept in `extra` by the parser.
    pub fn active_as_sent(&self) -> Option<Value> {
        let extra = self.extra.as_ref()?;
        // Cheap test first: the checks ask this of every user.
        if !extra.may_hold_active() {
            return None;
        }
        extra.get("active")
    }

    /// The primary email, else the first email with a non-blank value.
    pub fn primary_email(&self) -> Option<&str> {
        self.emails
            .iter()
            .find(|e| e.primary && !e.value.trim().is_empty())
            .or_else(|| self.emails.iter().find(|e| !e.value.trim().is_empty()))
            .map(|e| e.value.as_str())
    }

    /// All non-blank email values, in the order the server sent them.
    pub fn email_values(&self) -> Vec<&str> {
        self.emails
            .iter()
            .map(|e| e.value.as_str())
            .filter(|v| !v.trim().is_empty())
            .collect()
    }

    /// Looks up an attribute by SCIM path (`userName`, `name.givenName`, `emails`,
    /// `urn:...:enterprise:2.0:User:department`) and says whether it holds a non-empty value.
    pub fn has_attribute(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let filled = |o: &Option<String>| o.as_deref().is_some_and(|s| !s.trim().is_empty());
        match lower.as_str() {
            "id" => !self.id.is_empty(),
            "username" => filled(&self.user_name),
            "externalid" => filled(&self.external_id),
            "active" => self.active.is_some(),
            "displayname" => filled(&self.display_name),
            "name.givenname" => filled(&self.given_name),
            "name.familyname" => filled(&self.family_name),
            "emails" | "emails.value" => !self.email_values().is_empty(),
            "phonenumbers" | "phonenumbers.value" => !self.phone_numbers.is_empty(),
            _ => self
                .extra
                .as_ref()
                .is_some_and(|m| lookup_path(&m.map(), path)),
        }
    }
}

/// Case-insensitive lookup of a dotted path, with schema-URN prefixes
/// (`urn:...:User:department`) resolved into the extension object.
fn lookup_path(map: &Map<String, Value>, path: &str) -> bool {
    fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
    fn filled(v: &Value) -> bool {
        match v {
            Value::Null => false,
            Value::String(s) => !s.trim().is_empty(),
            Value::Array(a) => a.iter().any(filled),
            Value::Object(o) => o.values().any(filled),
            _ => true,
        }
    }
    if path.to_ascii_lowercase().starts_with("urn:") {
        if let Some(idx) = path.rfind(':') {
            let (urn, attr) = (&path[..idx], &path[idx + 1..]);
            if let Some(Value::Object(ext)) = get(map, urn) {
                return lookup_path(ext, attr);
            }
        }
        return false;
    }
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let mut cur = match get(map, first) {
        Some(v) => v,
        None => return false,
    };
    for p in parts {
        cur = match cur {
            Value::Object(o) => match get(o, p) {
                Some(v) => v,
                None => return false,
            },
            Value::Array(items) => {
                return items
                    .iter()
                    .any(|i| matches!(i, Value::Object(o) if get(o, p).is_some_and(filled)))
            }
            _ => return false,
        };
    }
    filled(cur)
}

impl Group {
    pub fn name(&self) -> &str {
        self.display_name.as_deref().unwrap_or("")
    }
}

impl Tenant {
    pub fn new(label: impl Into<String>) -> Self {
        Tenant {
            label: label.into(),
            completeness: Completeness {
                users_complete: true,
                groups_complete: true,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    pub fn is_complete(&self) -> bool {
        self.completeness.users_complete && self.completeness.groups_complete
    }

    /// Resources analysed: the users and groups the checks see.
    pub fn analysed(&self) -> usize {
        self.users.len() + self.groups.len()
    }

    /// Resources read that could not be used: the listed parse issues and the unlisted.
    pub fn dropped(&self) -> usize {
        self.parse_issues.len() + self.parse_issues_unlisted
    }

    /// Every resource read is analysed or reported (dropped or merged): the loader's promise.
    pub fn accounted(&self) -> bool {
        self.read == self.analysed() + self.dropped() + self.duplicates.len()
    }

    /// For sources that build the tenant directly (live fetch, demo): everything held counts
    /// as read.
    pub fn count_read(&mut self) {
        self.read = self.analysed() + self.dropped() + self.duplicates.len();
    }
}

impl User {
    /// The SCIM JSON form of the user (used by snapshots, bundles and the embedded server).
    pub fn to_scim(&self) -> Value {
        let extra = self.extra.as_ref().map(Extra::map).unwrap_or_default();
        let mut m = Map::new();
        m.insert("schemas".into(), Value::from(implied_user_schemas(&extra)));
        m.insert("id".into(), Value::from(self.id.clone()));
        if let Some(v) = &self.external_id {
            m.insert("externalId".into(), Value::from(v.clone()));
        }
        if let Some(v) = &self.user_name {
            m.insert("userName".into(), Value::from(v.clone()));
        }
        // A non-boolean form the server sent ("True", 1) stays in `extra` and is written
        // back as sent (below), so that an offline run reports it as the live run did.
        if let Some(v) = self.active {
            m.insert("active".into(), Value::from(v));
        }
        if let Some(v) = &self.display_name {
            m.insert("displayName".into(), Value::from(v.clone()));
        }
        if self.given_name.is_some() || self.family_name.is_some() {
            let mut name = Map::new();
            if let Some(v) = &self.given_name {
                name.insert("givenName".into(), Value::from(v.clone()));
            }
            if let Some(v) = &self.family_name {
                name.insert("familyName".into(), Value::from(v.clone()));
            }
            // The rest of `name` (formatted, middleName...) stays in `extra`: merge it back
            // so that snapshots round-trip.
            if let Some(Value::Object(rest)) = extra.get("name") {
                for (k, v) in rest {
                    name.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            m.insert("name".into(), Value::Object(name));
        }
        if !self.emails.is_empty() {
            m.insert(
                "emails".into(),
                serde_json::to_value(&self.emails).unwrap_or(Value::Null),
            );
        }
        if !self.phone_numbers.is_empty() {
            let phones: Vec<Value> = self
                .phone_numbers
                .iter()
                .map(|p| serde_json::json!({ "value": p }))
                .collect();
            m.insert("phoneNumbers".into(), Value::from(phones));
        }
        for (k, v) in extra {
            if k == "schemas" || k == "active" {
                m.insert(k, v);
            } else {
                m.entry(k).or_insert(v);
            }
        }
        Value::Object(m)
    }
}

/// The `schemas` a User resource implies: the core schema, then every extension URN it
/// carries, in order.
pub fn implied_user_schemas(attrs: &Map<String, Value>) -> Vec<String> {
    let mut list = vec![USER_SCHEMA.to_string()];
    list.extend(
        attrs
            .keys()
            // Bytes, not `k[..4]`: a key such as "ac\u{94}x" has no character boundary at 4.
            .filter(|k| k.len() > 4 && k.as_bytes()[..4].eq_ignore_ascii_case(b"urn:"))
            .cloned(),
    );
    list
}

impl Group {
    pub fn to_scim(&self) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), Value::from(vec![GROUP_SCHEMA]));
        m.insert("id".into(), Value::from(self.id.clone()));
        if let Some(v) = &self.external_id {
            m.insert("externalId".into(), Value::from(v.clone()));
        }
        if let Some(v) = &self.display_name {
            m.insert("displayName".into(), Value::from(v.clone()));
        }
        m.insert(
            "members".into(),
            serde_json::to_value(&self.members).unwrap_or(Value::Null),
        );
        if let Some(extra) = &self.extra {
            for (k, v) in extra.iter() {
                m.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        Value::Object(m)
    }
}
