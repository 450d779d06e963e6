//! `IdpUser`: one user as the identity provider sees it (an export row, a Graph object, or a
//! SCIM user mapped back to Entra source attribute names), keyed by normalised attribute name
//! so that a clause on `Department`, `department` or `DEPARTMENT` finds the same value.

use crate::model::{User, ENTERPRISE_SCHEMA};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Attribute names compare without case and punctuation (`employee_id` = `employeeId`).
use crate::util::fold_name as norm_attr;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AttrValue {
    Text(String),
    /// A multi-valued attribute (Graph arrays such as `proxyAddresses`): scoping filters
    /// cannot evaluate these.
    Many(Vec<String>),
}

impl AttrValue {
    /// Null, empty or blank: what Entra treats as "no value".
    pub fn is_empty(&self) -> bool {
        match self {
            AttrValue::Text(s) => s.trim().is_empty(),
            AttrValue::Many(v) => v.iter().all(|s| s.trim().is_empty()),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            AttrValue::Text(s) => Some(s),
            AttrValue::Many(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IdpUser {
    /// Where the user came from: `entra-users.csv line 4`, `users.json item 2`, a SCIM id.
    pub origin: String,
    /// Normalised attribute name -> value. Empty values are not stored.
    pub attributes: HashMap<String, AttrValue>,
    /// Attribute names as they should be shown (normalised -> Entra spelling).
    #[serde(skip)]
    pub names: HashMap<String, String>,
}

impl IdpUser {
    pub fn new(origin: impl Into<String>) -> Self {
        IdpUser {
            origin: origin.into(),
            ..Default::default()
        }
    }

    /// Sets an attribute (blank values are treated as absent).
    pub fn set(&mut self, name: &str, value: AttrValue) {
        let key = norm_attr(name);
        if value.is_empty() {
            self.attributes.remove(&key);
            return;
        }
        self.names
            .entry(key.clone())
            .or_insert_with(|| name.to_string());
        self.attributes.insert(key, value);
    }

    pub fn set_text(&mut self, name: &str, value: impl Into<String>) {
        self.set(name, AttrValue::Text(value.into()));
    }

    /// Looks up by any spelling of the attribute name.
    pub fn get(&self, name: &str) -> Option<&AttrValue> {
        self.attributes.get(&norm_attr(name))
    }

    /// Looks up by an already normalised name (the fast path for bulk evaluation).
    pub fn get_norm(&self, key: &str) -> Option<&AttrValue> {
        self.attributes.get(key)
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(AttrValue::as_text)
    }

    pub fn user_principal_name(&self) -> Option<&str> {
        self.text("userPrincipalName")
    }
    pub fn object_id(&self) -> Option<&str> {
        self.text("objectId")
    }
    pub fn mail(&self) -> Option<&str> {
        self.text("mail")
    }
    pub fn mail_nickname(&self) -> Option<&str> {
        self.text("mailNickname")
    }
    pub fn display_name(&self) -> Option<&str> {
        self.text("displayName")
    }

    /// `accountEnabled` read as a boolean (true/false, yes/no, 1/0); `None` when absent or
    /// unreadable.
    pub fn account_enabled(&self) -> Option<bool> {
        self.text("accountEnabled").and_then(parse_bool)
    }

    /// Every attribute as (name as first written, value), sorted by name: what an Import
    /// stage shows. Multi-valued attributes are joined with "; ".
    pub fn attribute_list(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .attributes
            .iter()
            .map(|(k, v)| {
                let name = self.names.get(k).cloned().unwrap_or_else(|| k.clone());
                let value = match v {
                    AttrValue::Text(s) => s.clone(),
                    AttrValue::Many(v) => v.join("; "),
                };
                (name, value)
            })
            .collect();
        out.sort_by_key(|a| a.0.to_lowercase());
        out
    }

    /// Whether `query` names this user: userPrincipalName or mail (without case), objectId or
    /// mailNickname (exactly).
    pub fn is_named_by(&self, query: &str) -> bool {
        let q = query.trim();
        let ci = |v: Option<&str>| v.is_some_and(|v| v.eq_ignore_ascii_case(q));
        ci(self.user_principal_name())
            || ci(self.mail())
            || self.object_id() == Some(q)
            || self.mail_nickname() == Some(q)
    }

    /// The best single label: UPN, else mail, else display name, else where it came from.
    pub fn label(&self) -> &str {
        self.user_principal_name()
            .or(self.mail())
            .or(self.display_name())
            .unwrap_or(&self.origin)
    }

    /// The Entra source view of a SCIM user, inverting Entra's default attribute mapping
    /// (reference section 2): userName <- userPrincipalName, emails <- mail,
    /// externalId <- mailNickname, active <- accountEnabled, enterprise extension fields.
    pub fn from_scim(u: &User) -> IdpUser {
        let mut i = IdpUser::new(format!("SCIM user {}", u.id));
        i.set_text("objectId", u.id.clone());
        if let Some(v) = &u.user_name {
            i.set_text("userPrincipalName", v.clone());
        }
        if let Some(v) = u.primary_email() {
            i.set_text("mail", v);
        }
        if let Some(v) = &u.external_id {
            i.set_text("mailNickname", v.clone());
        }
        if let Some(v) = &u.display_name {
            i.set_text("displayName", v.clone());
        }
        if let Some(v) = &u.given_name {
            i.set_text("givenName", v.clone());
        }
        if let Some(v) = &u.family_name {
            i.set_text("surname", v.clone());
        }
        i.set_text("accountEnabled", u.is_active().to_string());
        if let Some(extra) = &u.extra {
            map_scim_extra(&mut i, &extra.map());
        }
        i
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn get_ci<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn map_scim_extra(i: &mut IdpUser, extra: &Map<String, Value>) {
    for (scim, entra) in [
        ("title", "jobTitle"),
        ("userType", "userType"),
        ("preferredLanguage", "preferredLanguage"),
    ] {
        if let Some(v) = get_ci(extra, scim).and_then(scalar) {
            i.set_text(entra, v);
        }
    }
    if let Some(Value::Object(ent)) = get_ci(extra, ENTERPRISE_SCHEMA) {
        for (scim, entra) in [
            ("department", "department"),
            ("employeeNumber", "employeeId"),
            ("organization", "companyName"),
            ("costCenter", "costCenter"),
            ("division", "division"),
        ] {
            if let Some(v) = get_ci(ent, scim).and_then(scalar) {
                i.set_text(entra, v);
            }
        }
    }
    if let Some(Value::Array(addrs)) = get_ci(extra, "addresses") {
        let addr = addrs
            .iter()
            .find(|a| a.get("primary").and_then(Value::as_bool).unwrap_or(false))
            .or_else(|| addrs.first());
        if let Some(Value::Object(a)) = addr {
            for (scim, entra) in [
                ("streetAddress", "streetAddress"),
                ("locality", "city"),
                ("region", "state"),
                ("postalCode", "postalCode"),
                ("country", "country"),
            ] {
                if let Some(v) = get_ci(a, scim).and_then(scalar) {
                    i.set_text(entra, v);
                }
            }
        }
    }
}

/// Boolean-like text: true/false, yes/no, 1/0, any case.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_user;
    use serde_json::json;

    #[test]
    fn attribute_lookup_ignores_case_and_punctuation() {
        let mut u = IdpUser::new("t");
        u.set_text("Job Title", "Engineer");
        assert_eq!(u.text("jobtitle"), Some("Engineer"));
        assert_eq!(u.text("JOB_TITLE"), Some("Engineer"));
    }

    #[test]
    fn a_user_is_named_by_upn_or_mail_without_case_and_by_ids_exactly() {
        let mut u = IdpUser::new("t");
        u.set_text("userPrincipalName", "Ann.Lee@example.com");
        u.set_text("mail", "ann@example.com");
        u.set_text("objectId", "3f9a");
        u.set_text("mailNickname", "ann.lee");
        for q in ["ann.lee@EXAMPLE.com", "ANN@example.com", "3f9a", "ann.lee"] {
            assert!(u.is_named_by(q), "{q}");
        }
        assert!(!u.is_named_by("3F9A"));
        assert!(!u.is_named_by("bob@example.com"));
    }

    #[test]
    fn attribute_list_uses_the_first_spelling_and_sorts_by_name() {
        let mut u = IdpUser::new("t");
        u.set_text("userPrincipalName", "a@b.c");
        u.set_text("Department", "Sales");
        u.set(
            "proxyAddresses",
            AttrValue::Many(vec!["x".into(), "y".into()]),
        );
        let names: Vec<(String, String)> = u.attribute_list();
        assert_eq!(
            names,
            [
                ("Department".to_string(), "Sales".to_string()),
                ("proxyAddresses".to_string(), "x; y".to_string()),
                ("userPrincipalName".to_string(), "a@b.c".to_string()),
            ]
        );
    }

    #[test]
    fn blank_values_are_not_stored() {
        let mut u = IdpUser::new("t");
        u.set_text("department", "  ");
        assert!(u.get("department").is_none());
    }

    #[test]
    fn scim_user_maps_back_to_entra_source_names() {
        let scim = json!({
            "id": "u1", "userName": "ann@example.com", "externalId": "ann", "active": false,
            "emails": [{"value": "ann@example.com", "type": "work", "primary": true}],
            "title": "Buyer",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "employeeNumber": "42"}
        });
        let user = parse_user(scim, "t").expect("valid user");
        let i = IdpUser::from_scim(&user);
        assert_eq!(i.user_principal_name(), Some("ann@example.com"));
        assert_eq!(i.mail_nickname(), Some("ann"));
        assert_eq!(i.account_enabled(), Some(false));
        assert_eq!(i.text("department"), Some("Sales"));
        assert_eq!(i.text("employeeId"), Some("42"));
        assert_eq!(i.text("jobTitle"), Some("Buyer"));
    }
}
