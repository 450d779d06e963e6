//! One resource read straight from JSON into the fields the model owns, by a serde
//! `DeserializeSeed`: no `serde_json::Value` tree per resource. The attributes the model does
//! not own (enterprise extension, title, meta...) are kept as compact JSON text, copied from
//! the input as it is read (`RawValue`), never as a tree of maps. Every source goes through
//! here: a streamed document, an NDJSON line, or a `Value` the live fetch already holds
//! (`Value` is a serde `Deserializer` too), so all of them read a resource the same way.

use super::attrs::{EmailsSeed, NameSeed, Words};
use super::json_text::push_pair;
use super::Email;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

/// What one resource held, as read: the owned fields in their lenient raw forms (the model
/// decides what they mean), the rest as JSON text.
#[derive(Debug, Default)]
pub struct Fields {
    /// Set when the resource is not a JSON object: "a number", "null"...
    pub not_object: Option<&'static str>,
    pub id: Option<Value>,
    pub user_name: Option<Value>,
    pub external_id: Option<Value>,
    pub display_name: Option<Value>,
    pub active: Option<Value>,
    /// `name` when it is an object: givenName, familyName and the rest as JSON text.
    pub name: Option<(Option<Value>, Option<Value>, String)>,
    pub emails: Vec<Email>,
    pub phone_numbers: Option<Value>,
    pub members: Option<Value>,
    /// `schemas` exactly so spelled (the snapshot may drop it when implied).
    pub schemas: Option<Value>,
    /// `schemas` in another spelling, or an earlier `schemas`, when that is what the kind
    /// rules read (see `kind_schemas`).
    schemas_for_kind: Option<Value>,
    /// The kind rules read `schemas` itself (the usual case: no copy is made).
    kind_from_schemas: bool,
    /// `meta.resourceType` when `meta` is an object and it is a string.
    pub resource_type: Option<String>,
    /// The attributes the model does not own: `{` then `"key":value` pairs, comma-separated,
    /// without the closing brace (see `extra_text`).
    extra: String,
    /// Where the keys naming a schema extension (`urn:...`) sit in `extra`, in order.
    urn_keys: Vec<(usize, usize)>,
}

impl Fields {
    /// Reads a resource the caller already holds as a `Value` (the live fetch).
    pub fn from_value(v: Value) -> Fields {
        // A `Value` deserializer cannot fail on any shape the seed accepts.
        ResourceSeed.deserialize(v).unwrap_or_default()
    }

    /// Appends one attribute to the unowned ones.
    pub fn push_extra(&mut self, key: &str, json: &str) {
        if key.len() > 4 && key.as_bytes()[..4].eq_ignore_ascii_case(b"urn:") {
            let start = self.extra.len() + 2;
            push_pair(&mut self.extra, key, json);
            self.urn_keys.push((start, start + key.len()));
        } else {
            push_pair(&mut self.extra, key, json);
        }
    }

    /// Whether `schemas` lists exactly what the resource implies: the core User schema, then
    /// each extension attribute present, in order (see `super::implied_user_schemas`).
    pub fn schemas_implied(&self, schemas: &Value) -> bool {
        let Value::Array(list) = schemas else {
            return false;
        };
        list.len() == self.urn_keys.len() + 1
            && list[0].as_str() == Some(super::USER_SCHEMA)
            && list[1..]
                .iter()
                .zip(&self.urn_keys)
                .all(|(a, &(s, e))| a.as_str() == self.extra.get(s..e))
    }

    /// The unowned attributes as one JSON object (`None` when there are none).
    pub fn extra_text(&mut self) -> Option<String> {
        if self.extra.is_empty() {
            return None;
        }
        // Exactly sized: the text is kept for the tenant's lifetime (`Extra` boxes it
        // without reallocating), while `extra` itself grew in steps and is dropped.
        let mut s = String::with_capacity(self.extra.len() + 1);
        s.push_str(&self.extra);
        s.push('}');
        self.extra.clear();
        Some(s)
    }

    /// `schemas` in any spelling as the kind rules read it: the first such attribute.
    pub fn kind_schemas(&self) -> Option<&Value> {
        if self.kind_from_schemas {
            self.schemas.as_ref()
        } else {
            self.schemas_for_kind.as_ref()
        }
    }
}

/// Which owned attribute a key names (case-insensitive, as SCIM attribute names are).
#[derive(Clone, Copy)]
enum Key {
    Id,
    UserName,
    ExternalId,
    DisplayName,
    Active,
    Name,
    Emails,
    PhoneNumbers,
    Members,
    Schemas { exact: bool },
    Meta,
    Other,
}

fn classify(k: &str) -> Key {
    let is = |w: &str| k.eq_ignore_ascii_case(w);
    match k.len() {
        2 if is("id") => Key::Id,
        4 if is("name") => Key::Name,
        4 if is("meta") => Key::Meta,
        6 if is("active") => Key::Active,
        6 if is("emails") => Key::Emails,
        7 if is("members") => Key::Members,
        7 if is("schemas") => Key::Schemas {
            exact: k == "schemas",
        },
        8 if is("userName") => Key::UserName,
        10 if is("externalId") => Key::ExternalId,
        11 if is("displayName") => Key::DisplayName,
        12 if is("phoneNumbers") => Key::PhoneNumbers,
        _ => Key::Other,
    }
}

/// Reads one resource into `Fields`.
#[derive(Clone, Copy)]
pub struct ResourceSeed;

impl<'de> DeserializeSeed<'de> for ResourceSeed {
    type Value = Fields;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Fields, D::Error> {
        d.deserialize_any(self)
    }
}

fn not_object(what: &'static str) -> Fields {
    Fields {
        not_object: Some(what),
        ..Default::default()
    }
}

impl<'de> Visitor<'de> for ResourceSeed {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a SCIM resource")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut f = Fields::default();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let (key, text) = key;
            match key {
                Key::Id => f.id = Some(map.next_value()?),
                Key::UserName => f.user_name = Some(map.next_value()?),
                Key::ExternalId => f.external_id = Some(map.next_value()?),
                Key::DisplayName => f.display_name = Some(map.next_value()?),
                Key::Active => f.active = Some(map.next_value()?),
                Key::Name => f.name = map.next_value_seed(NameSeed)?,
                Key::Emails => f.emails = map.next_value_seed(EmailsSeed)?,
                Key::PhoneNumbers => f.phone_numbers = Some(map.next_value()?),
                Key::Members => f.members = Some(map.next_value()?),
                Key::Schemas { exact } => {
                    let v: Value = map.next_value()?;
                    let first = f.schemas_for_kind.is_none() && !f.kind_from_schemas;
                    if exact {
                        if f.kind_from_schemas {
                            // A second `schemas`: the kind still comes from the first.
                            f.schemas_for_kind = f.schemas.take();
                            f.kind_from_schemas = false;
                        }
                        f.kind_from_schemas = first;
                        f.schemas = Some(v);
                    } else {
                        f.push_extra(&text, &v.to_string());
                        if first {
                            f.schemas_for_kind = Some(v);
                        }
                    }
                }
                Key::Meta => {
                    let raw: Box<RawValue> = map.next_value()?;
                    if f.resource_type.is_none() {
                        f.resource_type = resource_type_of(raw.get());
                    }
                    f.push_extra(&text, raw.get());
                }
                Key::Other => {
                    let raw: Box<RawValue> = map.next_value()?;
                    f.push_extra(&text, raw.get());
                }
            }
        }
        Ok(f)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Fields, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_object("an array"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Fields, E> {
        Ok(not_object("a string"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Fields, E> {
        Ok(not_object("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Fields, E> {
        Ok(not_object("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Fields, E> {
        Ok(not_object("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Fields, E> {
        Ok(not_object("a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Fields, E> {
        Ok(not_object("null"))
    }
}

/// A key, classified without allocating; its text is kept only for attributes that go to
/// the unowned ones.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = (Key, String);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(Key, String), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = (Key, String);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<(Key, String), E> {
        let key = classify(k);
        let keep = matches!(key, Key::Other | Key::Meta | Key::Schemas { exact: false });
        Ok((key, if keep { k.to_string() } else { String::new() }))
    }
}

/// `meta.resourceType` out of the text of `meta` (a few hundred bytes, read once).
fn resource_type_of(meta: &str) -> Option<String> {
    struct Probe;
    impl<'de> Visitor<'de> for Probe {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("meta")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut found = None;
            let words = || Words {
                names: &["resourceType"],
                keep: false,
            };
            while let Some((k, _)) = map.next_key_seed(words())? {
                if found.is_none() && k.is_some() {
                    if let Value::String(s) = map.next_value()? {
                        found = Some(s);
                    }
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(meta);
    de::Deserializer::deserialize_map(&mut de, Probe)
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::super::json_text::minify_into;
    use super::*;
    use serde_json::json;

    /// Pretty-printed attributes are kept without their indentation; strings keep spaces.
    #[test]
    fn minify_drops_whitespace_between_tokens_only() {
        let mut out = String::new();
        minify_into("{ \"a b\" : [ 1,\n 2 ],\t\"c\": \" x \\\" y \" }", &mut out);
        assert_eq!(out, r#"{"a b":[1,2],"c":" x \" y "}"#);
    }

    /// A document read and the same resource as a `Value` give the same fields.
    #[test]
    fn streamed_text_and_value_read_the_same_fields() {
        let doc = json!({"id": "1", "UserName": "a", "title": "t",
            "meta": {"ResourceType": "User", "created": "x"},
            "emails": [{"value": "a@x", "primary": "true", "display": "d"}, "b@x", 3]});
        let mut from_text = ResourceSeed
            .deserialize(&mut serde_json::Deserializer::from_str(&doc.to_string()))
            .unwrap();
        let mut from_value = Fields::from_value(doc);
        assert_eq!(from_text.resource_type.as_deref(), Some("User"));
        assert_eq!(from_text.emails.len(), 2);
        assert!(from_text.emails[0].primary);
        assert_eq!(from_text.emails, from_value.emails);
        assert_eq!(from_text.user_name, Some(json!("a")));
        assert_eq!(from_text.extra_text(), from_value.extra_text());
    }

    /// The kind rules read the first `schemas` attribute, whatever its spelling, even when
    /// `schemas` itself comes later or twice.
    #[test]
    fn the_kind_comes_from_the_first_schemas_attribute() {
        let read = |text: &str| {
            ResourceSeed
                .deserialize(&mut serde_json::Deserializer::from_str(text))
                .unwrap()
        };
        let first = |f: &Fields| f.kind_schemas().map(|v| v[0].as_str().unwrap().to_string());
        let f = read(r#"{"schemas":["G"],"Schemas":["U"]}"#);
        assert_eq!(first(&f).as_deref(), Some("G"));
        let f = read(r#"{"Schemas":["G"],"schemas":["U"]}"#);
        assert_eq!(first(&f).as_deref(), Some("G"));
        assert_eq!(f.schemas, Some(json!(["U"])));
        let f = read(r#"{"schemas":["G"],"schemas":["U"]}"#);
        assert_eq!(first(&f).as_deref(), Some("G"));
        assert_eq!(f.schemas, Some(json!(["U"])));
        assert!(read(r#"{"id":"1"}"#).kind_schemas().is_none());
    }
}
