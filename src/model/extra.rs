//! The attributes of a user that the model does not own (enterprise extension, title, meta,
//! `schemas`...), kept as compact JSON text and parsed on demand. As a tree of JSON maps they
//! cost about 1.9 KiB per user, which put a million-user tenant at 2 GB; as text they cost a
//! few hundred bytes. The checks that run on every user never read them.

use serde_json::{Map, Value};
use std::fmt;

#[derive(Clone, Default)]
pub struct Extra {
    text: Box<str>,
    /// Whether the text may hold an `active` key (a non-boolean `active` is kept here):
    /// noted when the text is made, while it is in the cache, so that the checks that ask
    /// every user need not read the text of users that have none.
    may_hold_active: bool,
}

/// Equal when the attributes are, whatever their order (as JSON objects compare).
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text || self.map() == other.map()
    }
}

impl Extra {
    /// `None` for an empty map: most tenants' users have nothing extra to keep.
    pub fn from_map(map: &Map<String, Value>) -> Option<Extra> {
        if map.is_empty() {
            return None;
        }
        serde_json::to_string(map).ok().map(Extra::from_text)
    }

    /// Keeps JSON text of an object as it is (the streaming reader builds it compact).
    pub fn from_text(text: String) -> Extra {
        // One searcher for every user: building it is most of the cost of a short search.
        static ACTIVE_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"active\""));
        Extra {
            may_hold_active: ACTIVE_KEY.find(text.as_bytes()).is_some(),
            text: text.into_boxed_str(),
        }
    }

    /// The attributes as a JSON object (empty if the text were ever unreadable).
    pub fn map(&self) -> Map<String, Value> {
        if self.text.is_empty() {
            return Map::new();
        }
        serde_json::from_str(&self.text).unwrap_or_default()
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
        &self.text
    }

    /// False when the attributes certainly hold no `active` key (at any depth); true when
    /// they may (`get("active")` tells).
    pub fn may_hold_active(&self) -> bool {
        self.may_hold_active
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extra({})", self.text)
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
        assert!(!e.may_hold_active());
        e.insert("active", json!("True"));
        assert!(e.may_hold_active());
        assert!(Extra::from_text(r#"{"x":{"active":1}}"#.into()).may_hold_active());
    }
}
