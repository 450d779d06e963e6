//! Which user properties the Entra collector reads: the standard ones, and the Graph
//! property of every source attribute the synchronization schema's User mappings and scope read.

use serde_json::Value;

fn text<'v>(v: &'v Value, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str)
}

/// The standard user properties always read.
pub const STANDARD_SELECT: [&str; 16] = [
    "id",
    "userPrincipalName",
    "mail",
    "mailNickname",
    "displayName",
    "givenName",
    "surname",
    "accountEnabled",
    "userType",
    "employeeId",
    "otherMails",
    "proxyAddresses",
    "department",
    "jobTitle",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
];

/// The Graph property for a source attribute name of the synchronization schema (Azure AD
/// directory names), or `None` when it is not a property `$select` can read (computed
/// attributes such as `IsSoftDeleted`, relationships such as `manager`).
pub fn graph_property(attr: &str) -> Option<String> {
    if attr.starts_with("extension_") {
        return Some(attr.to_string());
    }
    let known = [
        ("objectId", "id"),
        ("userPrincipalName", "userPrincipalName"),
        ("mail", "mail"),
        ("mailNickname", "mailNickname"),
        ("displayName", "displayName"),
        ("givenName", "givenName"),
        ("surname", "surname"),
        ("accountEnabled", "accountEnabled"),
        ("userType", "userType"),
        ("employeeId", "employeeId"),
        ("employeeType", "employeeType"),
        ("employeeHireDate", "employeeHireDate"),
        ("otherMails", "otherMails"),
        ("proxyAddresses", "proxyAddresses"),
        ("department", "department"),
        ("jobTitle", "jobTitle"),
        ("companyName", "companyName"),
        ("city", "city"),
        ("country", "country"),
        ("state", "state"),
        ("streetAddress", "streetAddress"),
        ("postalCode", "postalCode"),
        ("usageLocation", "usageLocation"),
        ("preferredLanguage", "preferredLanguage"),
        ("mobile", "mobilePhone"),
        ("telephoneNumber", "businessPhones"),
        ("facsimileTelephoneNumber", "faxNumber"),
        ("physicalDeliveryOfficeName", "officeLocation"),
        ("immutableId", "onPremisesImmutableId"),
        ("onPremisesSamAccountName", "onPremisesSamAccountName"),
        ("onPremisesDistinguishedName", "onPremisesDistinguishedName"),
        ("onPremisesUserPrincipalName", "onPremisesUserPrincipalName"),
        (
            "onPremisesSecurityIdentifier",
            "onPremisesSecurityIdentifier",
        ),
        ("createdDateTime", "createdDateTime"),
    ];
    known
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(attr))
        .map(|(_, g)| g.to_string())
}

/// Every source attribute the schema's User mappings and scoping clauses read.
pub fn schema_attributes(schema: &Value) -> Vec<String> {
    fn walk_source(v: &Value, out: &mut Vec<String>) {
        if text(v, "type").is_some_and(|t| t.eq_ignore_ascii_case("Attribute")) {
            if let Some(n) = text(v, "name") {
                out.push(n.to_string());
            }
        }
        for p in v
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(src) = p.get("value") {
                walk_source(src, out);
            }
        }
    }
    let mut out = Vec::new();
    let rules = schema
        .get("synchronizationRules")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for r in &rules {
        for m in r
            .get("objectMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !text(m, "sourceObjectName").is_some_and(|n| n.eq_ignore_ascii_case("User")) {
                continue;
            }
            for a in m
                .get("attributeMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(src) = a.get("source") {
                    walk_source(src, &mut out);
                }
            }
            // A filter's groups are under `categoryFilterGroups`, `groups` or
            // `inputFilterGroups` (Graph `filter` resource).
            let scope = m.get("scope");
            let groups: Vec<Value> = ["categoryFilterGroups", "groups", "inputFilterGroups"]
                .iter()
                .filter_map(|k| scope.and_then(|s| s.get(*k)).and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect();
            for g in &groups {
                for c in g
                    .get("clauses")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = text(c, "sourceOperandName") {
                        out.push(n.to_string());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
