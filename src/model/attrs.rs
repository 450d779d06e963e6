//! The owned attributes with inner structure, read straight from JSON like the rest of a
//! resource (`seed`): `name` (given, family, the rest as text), `emails` (a list, or one
//! value where a list belongs), a group's `members`; and `Words`, the allocation-free match
//! of a key against a few attribute names.

use super::json_text::push_pair;
use super::scalar::{as_bool, scalar_text};
use super::{Email, Member};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;

/// A key matched against a few attribute names (case-insensitive) without allocating: the
/// index of the name it matches, else its text when `keep` asks for it.
pub(super) struct Words {
    pub(super) names: &'static [&'static str],
    pub(super) keep: bool,
}

impl<'de> DeserializeSeed<'de> for Words {
    type Value = (Option<usize>, String);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Words {
    type Value = (Option<usize>, String);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute name")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<Self::Value, E> {
        let i = self.names.iter().position(|n| k.eq_ignore_ascii_case(n));
        let text = if i.is_none() && self.keep {
            k.to_string()
        } else {
            String::new()
        };
        Ok((i, text))
    }
}

/// `name`: an object yields given and family name and the rest as text; anything else is
/// not a name and is dropped (as a `Value` map would drop it).
pub(super) struct NameSeed;

pub(super) type NameParts = Option<(Option<Value>, Option<Value>, String)>;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = NameParts;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<NameParts, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NameSeed {
    type Value = NameParts;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a name")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NameParts, A::Error> {
        let (mut given, mut family, mut rest) = (None, None, String::new());
        let words = || Words {
            names: &["givenName", "familyName"],
            keep: true,
        };
        while let Some((i, k)) = map.next_key_seed(words())? {
            if i == Some(0) {
                given = Some(map.next_value()?);
            } else if i == Some(1) {
                family = Some(map.next_value()?);
            } else {
                let raw: Box<RawValue> = map.next_value()?;
                push_pair(&mut rest, &k, raw.get());
            }
        }
        Ok(Some((given, family, rest)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NameParts, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<NameParts, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<NameParts, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<NameParts, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<NameParts, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<NameParts, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<NameParts, E> {
        Ok(None)
    }
}

/// `emails`: a list of objects or bare strings, or one object or string where a list
/// belongs (it is still an email). Other items carry no address and are skipped.
pub(super) struct EmailsSeed;

impl<'de> DeserializeSeed<'de> for EmailsSeed {
    type Value = Vec<Email>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Email>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EmailsSeed {
    type Value = Vec<Email>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("emails")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Email>, A::Error> {
        let mut out = Vec::with_capacity(1);
        while let Some(e) = seq.next_element_seed(EmailSeed)? {
            out.extend(e);
        }
        out.shrink_to_fit();
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Email>, A::Error> {
        Ok(EmailSeed.visit_map(map)?.into_iter().collect())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Vec<Email>, E> {
        Ok(EmailSeed.visit_str(s)?.into_iter().collect())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<Email>, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<Email>, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<Email>, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<Email>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<Email>, E> {
        Ok(Vec::new())
    }
}

struct EmailSeed;

impl<'de> DeserializeSeed<'de> for EmailSeed {
    type Value = Option<Email>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Email>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EmailSeed {
    type Value = Option<Email>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an email")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Email>, A::Error> {
        let (mut value, mut kind, mut primary) = (None, None, None);
        let words = || Words {
            names: &["value", "type", "primary"],
            keep: false,
        };
        while let Some((i, _)) = map.next_key_seed(words())? {
            if value.is_none() && i == Some(0) {
                value = Some(map.next_value::<Value>()?);
            } else if kind.is_none() && i == Some(1) {
                kind = Some(map.next_value::<Value>()?);
            } else if primary.is_none() && i == Some(2) {
                primary = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Some(Email {
            value: value.and_then(scalar_text).unwrap_or_default(),
            kind: kind.and_then(scalar_text),
            primary: primary.as_ref().and_then(as_bool).unwrap_or(false),
        }))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Option<Email>, E> {
        Ok(Some(Email {
            value: s.to_string(),
            kind: None,
            primary: false,
        }))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Option<Email>, E> {
        Ok(Some(Email {
            value: s,
            kind: None,
            primary: false,
        }))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Email>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Email>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Email>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Email>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Email>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Email>, E> {
        Ok(None)
    }
}

/// The members a group lists: objects with a non-empty `value` (other items point at nothing).
pub fn members_of(v: Option<Value>) -> Vec<Member> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    let mut out: Vec<Member> = items
        .into_iter()
        .filter_map(|item| {
            let Value::Object(mut m) = item else {
                return None;
            };
            let mut take = |k: &str| {
                let found = m.keys().find(|key| key.eq_ignore_ascii_case(k)).cloned()?;
                m.shift_remove(&found).and_then(scalar_text)
            };
            let value = take("value").filter(|v| !v.is_empty())?;
            Some(Member {
                value,
                kind: take("type"),
                display: take("display"),
                reference: take("$ref"),
            })
        })
        .collect();
    out.shrink_to_fit();
    out
}
