//! Which values `--redact-pii` replaces: every string of a resource outside a short
//! allow-list of structural fields (sos clean's model: pseudonymise by default, keep only
//! what is known not to identify anyone), plus the values of the run's inputs (IdP export,
//! provisioning logs, LDAP and licence group names). Values a scoping filter depends on
//! are kept in the clear, so the filter selects the same users in the bundle.

use super::redact::PiiMap;
use crate::model::{parse_group, parse_user, Tenant};
use crate::scope::{AttrValue, IdpUser, Operator, ScopeFilter};
use serde_json::Value;

/// SCIM attributes kept in the clear wherever they appear (compared ignoring case): the
/// resource's schemas and metadata, types, flags and enumerations. Ids the target
/// generated (`id`, and the `value` of members, groups and manager, which are ids) are kept
/// too, by `STRUCTURAL_PATHS`.
pub const STRUCTURAL_KEYS: &[&str] = &[
    "schemas",
    "meta",
    "type",
    "primary",
    "active",
    "$ref",
    "resourceType",
    "operation",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
];

/// Dotted paths (ignoring case, array levels left out) whose values are target-generated ids.
pub const STRUCTURAL_PATHS: &[&str] = &["id", "members.value", "groups.value", "manager.value"];

/// IdP export attributes kept in the clear (flags, enumerations and timestamps the
/// directory sets; folded: lower case, no punctuation).
pub const IDP_STRUCTURAL: &[&str] = &[
    "accountenabled",
    "usertype",
    "objecttype",
    "directorysynced",
    "onpremisessyncenabled",
    "creationtype",
    "agegroup",
    "consentprovidedforminor",
    "legalagegroupclassification",
    "usagelocation",
    "preferredlanguage",
    "externaluserstate",
    "invitationstate",
    "createddatetime",
    "status",
];

fn is_boolean_text(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no"
    )
}

/// The last path segment of an extension key (`urn:...:User:department` -> `department`).
fn attr_name(key: &str) -> &str {
    if key.to_ascii_lowercase().starts_with("urn:") {
        // The extension object itself: its name is not an attribute.
        return "";
    }
    key
}

fn walk(map: &mut PiiMap, v: &mut Value, path: &str) {
    match v {
        Value::Object(o) => {
            for (k, child) in o.iter_mut() {
                let name = attr_name(k);
                if STRUCTURAL_KEYS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    continue;
                }
                let p = match (path.is_empty(), name.is_empty()) {
                    (_, true) => path.to_string(),
                    (true, false) => name.to_string(),
                    (false, false) => format!("{path}.{name}"),
                };
                if STRUCTURAL_PATHS.iter().any(|s| s.eq_ignore_ascii_case(&p)) {
                    continue;
                }
                walk(map, child, &p);
            }
        }
        Value::Array(a) => {
            for child in a {
                walk(map, child, path);
            }
        }
        Value::String(s) if !is_boolean_text(s) => {
            *s = map.add(path, s);
        }
        _ => {}
    }
}

/// Marks every resource id of `t` as kept: ids are how findings name their subjects.
pub fn keep_ids(map: &mut PiiMap, t: &Tenant) {
    for u in &t.users {
        map.keep(&u.id, "");
    }
    for g in &t.groups {
        map.keep(&g.id, "");
        for m in &g.members {
            map.keep(&m.value, "");
        }
    }
}

/// A copy of `t` with every personal string replaced (through its SCIM JSON, so that every
/// attribute, known to the model or not, goes through the same walk).
pub fn redact_tenant(map: &mut PiiMap, t: &Tenant) -> Tenant {
    let mut out = t.clone();
    for (i, u) in t.users.iter().enumerate() {
        let mut v = u.to_scim();
        walk(map, &mut v, "");
        if let Ok(r) = parse_user(v, "redacted") {
            out.users[i] = r;
        }
    }
    for (i, g) in t.groups.iter().enumerate() {
        let mut v = g.to_scim();
        walk(map, &mut v, "");
        if let Ok(r) = parse_group(v, "redacted") {
            out.groups[i] = r;
        }
    }
    out
}

/// Keeps in the clear what `filter` depends on: for EQUALS / NOT EQUALS the literals (and
/// every value equal to one ignoring case); for every other operator that reads a value
/// (ENDS_WITH, Includes, regex, comparisons, bit tests) every value the attribute takes in
/// the population, since a pseudonym could change the outcome.
pub fn keep_scope_values(
    map: &mut PiiMap,
    filter: &ScopeFilter,
    idp_users: Option<&[IdpUser]>,
    tenant: Option<&Tenant>,
) {
    let from_scim: Vec<IdpUser> = tenant
        .map(|t| t.users.iter().map(IdpUser::from_scim).collect())
        .unwrap_or_default();
    let population = idp_users.unwrap_or_default().iter().chain(from_scim.iter());
    let population: Vec<&IdpUser> = population.collect();
    for g in &filter.groups {
        for c in &g.clauses {
            if c.operator.is_unary() {
                continue;
            }
            let reason = format!("the scoping filter reads `{}`", c.describe());
            match c.operator {
                Operator::Equals | Operator::NotEquals => {
                    for v in &c.values {
                        map.keep(v, &reason);
                    }
                }
                _ => {
                    for v in &c.values {
                        map.keep(v, &reason);
                    }
                    for u in &population {
                        match u.get(&c.attribute) {
                            Some(AttrValue::Text(s)) => map.keep(s, &reason),
                            Some(AttrValue::Many(v)) => {
                                for s in v {
                                    map.keep(s, &reason);
                                }
                            }
                            None => {}
                        }
                    }
                }
            }
        }
    }
}

/// Records the personal values of an IdP export (everything but `IDP_STRUCTURAL`).
pub fn collect_idp_users(map: &mut PiiMap, users: &[IdpUser]) {
    for u in users {
        let mut attrs: Vec<(&String, &AttrValue)> = u.attributes.iter().collect();
        attrs.sort_by(|a, b| a.0.cmp(b.0));
        for (k, v) in attrs {
            let folded = crate::util::fold_name(k);
            if IDP_STRUCTURAL.contains(&folded.as_str()) {
                continue;
            }
            let field = format!("idp:{k}");
            match v {
                AttrValue::Text(s) if !is_boolean_text(s) => {
                    map.add(&field, s);
                }
                AttrValue::Many(list) => {
                    for s in list {
                        map.add(&field, s);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Records the people named by provisioning-log entries (identities and changed values).
pub fn collect_logs(map: &mut PiiMap, logs: &crate::logs::LogInputs) {
    for e in &logs.entries {
        for (field, v) in [
            ("log:source", &e.source_id),
            ("log:source", &e.source_name),
            ("log:source", &e.source_display_name),
            ("log:target", &e.target_id),
            ("log:target", &e.target_name),
        ] {
            if let Some(v) = v {
                map.add(field, v);
            }
        }
        for m in &e.modified {
            for v in [&m.old, &m.new] {
                if !is_boolean_text(v) {
                    map.add(&format!("log:{}", m.name), v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant(users: Value) -> Tenant {
        let mut t = Tenant::new("t");
        for u in users.as_array().unwrap() {
            t.users.push(parse_user(u.clone(), "t").unwrap());
        }
        t
    }

    /// Every string outside the allow-list changes; ids, schemas, meta and types do not.
    #[test]
    fn everything_but_the_allow_list_is_replaced() {
        let t = tenant(json!([{
            "id": "2819c223", "userName": "bjensen@example.com", "active": true,
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen",
                     "givenName": "Barbara", "middleName": "Jane"},
            "nickName": "Babs", "title": "Tour Guide", "userType": "Employee",
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                           "locality": "Hollywood", "postalCode": "91608", "primary": true}],
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984", "department": "Tour Operations",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                            "displayName": "John Smith"}},
            "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"}
        }]));
        let mut map = PiiMap::new(false);
        keep_ids(&mut map, &t);
        let r = redact_tenant(&mut map, &t);
        let text = serde_json::to_string(&r.users[0].to_scim()).unwrap();
        for gone in [
            "bjensen",
            "Barbara",
            "Jensen",
            "Jane",
            "Babs",
            "Tour Guide",
            "Universal",
            "Hollywood",
            "91608",
            "701984",
            "Tour Operations",
            "John Smith",
        ] {
            assert!(!text.contains(gone), "{gone} left in {text}");
        }
        for kept in [
            "2819c223",
            "26118915-6090-4610-87e4-49d8ca9f808d",
            "Employee",
            "work",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "2010-01-23T04:56:22Z",
        ] {
            assert!(text.contains(kept), "{kept} missing from {text}");
        }
        assert_eq!(r.users[0].id, "2819c223");
    }

    /// EQUALS literals stay in the clear; a regex keeps every value of its attribute.
    #[test]
    fn values_a_filter_reads_are_kept() {
        let filter = crate::scope::parse::from_toml(
            "f.toml",
            "[[group]]\nname = \"g\"\n[[group.clause]]\nattribute = \"department\"\noperator = \"EQUALS\"\nvalue = \"Sales\"\n[[group.clause]]\nattribute = \"jobTitle\"\noperator = \"REGEX MATCH\"\nvalue = \"^Eng.*\"\n",
        )
        .unwrap();
        let mut u = IdpUser::new("x");
        u.set_text("jobTitle", "Engineer II");
        u.set_text("department", "sales");
        let mut map = PiiMap::new(false);
        keep_scope_values(&mut map, &filter, Some(&[u]), None);
        assert_eq!(map.add("department", "sales"), "sales");
        assert_eq!(map.add("title", "Engineer II"), "Engineer II");
        assert_ne!(map.add("department", "Marketing"), "Marketing");
    }
}
