//! The attributes of a user that the model does not own (enterprise extension, title, meta,
//! `schemas`...), kept as compact JSON text and parsed on demand. As a tree of JSON maps they
//! cost about 1.9 KiB per user, which put a million-user tenant at 2 GB; as text they cost a
//! few hundred bytes. The checks that run on every user never read them.

use serde_json::{Map, Value};
use std::fmt;

#[derive(Clone, Default)]
pub struct Extra(Box<str>);

/// Equal when the attributes are, whatever their order (as JSON objects compare).
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.map() == other.map()
    }
}

impl Extra {
    /// `None` for an empty map: most tenants' users have nothing extra to keep.
    pub fn from_map(map: &Map<String, Value>) -> Option<Extra> {
        if map.is_empty() {
            return None;
        }
        serde_json::to_string(map)
            .ok()
            .map(|s| Extra(s.into_boxed_str()))
    }

    /// Keeps JSON text of an object as it is (the streaming reader builds it compact).
    pub fn from_text(text: String) -> Extra {
        Extra(text.into_boxed_str())
    }

    /// The attributes as a JSON object (empty if the text were ever unreadable).
    pub fn map(&self) -> Map<String, Value> {
        if self.0.is_empty() {
            return Map::new();
        }
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.map().remove(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.map().contains_key(key)
    }

    /// Sets one attribute (keeps the others and their order).
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let mut map = self.map();
        map.insert(key.into(), value);
        if let Some(e) = Extra::from_map(&map) {
            *self = e;
        }
    }

    pub fn as_json_text(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extra({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_in_order_and_inserts_keep_the_rest() {
        let Value::Object(m) = json!({"z": 1, "a": {"b": [1, 2]}}) else {
            unreachable!()
        };
        let mut e = Extra::from_map(&m).unwrap();
        assert_eq!(e.map(), m);
        assert_eq!(e.get("a"), Some(json!({"b": [1, 2]})));
        e.insert("emails", json!([]));
        let keys: Vec<String> = e.map().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "emails"]);
        assert!(Extra::from_map(&Map::new()).is_none());
    }
}
