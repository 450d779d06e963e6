//! Reading the IdP's users (`--idp-users FILE`): the Entra users CSV downloaded from the
//! portal, the Okta users CSV, or Microsoft Graph `/users` JSON (`{"value": [...]}` or an
//! array). Column names are not documented by the vendors, so headers are matched loosely
//! (case, spaces, punctuation) onto Entra source attribute names; columns that map to nothing
//! are kept under their own name and reported as unmapped.

use super::idp::{parse_bool, AttrValue, IdpUser};
use crate::util::fold_name as norm_attr;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    EntraCsv,
    OktaCsv,
    GraphJson,
}

impl ExportFormat {
    pub fn describe(self) -> &'static str {
        match self {
            ExportFormat::EntraCsv => "Entra users CSV",
            ExportFormat::OktaCsv => "Okta users CSV",
            ExportFormat::GraphJson => "Microsoft Graph /users JSON",
        }
    }
}

/// The users of an export plus what was understood of it.
#[derive(Debug, Clone, Serialize)]
pub struct IdpExport {
    pub path: String,
    pub format: ExportFormat,
    pub users: Vec<IdpUser>,
    /// Columns (or JSON properties) that match no Entra source attribute, as written.
    pub unmapped: Vec<String>,
    /// Remarks: rows skipped, one page of a paged Graph result...
    pub notes: Vec<String>,
}

/// How a column becomes an Entra attribute.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mapping {
    To(&'static str),
    /// `Block sign in` = not accountEnabled.
    Inverted(&'static str),
    /// Okta `Status`: kept as `status`, and accountEnabled derived from it.
    OktaStatus,
}

/// Entra source attribute names (define-conditional-rules / attribute-mapping source list).
const ENTRA_ATTRIBUTES: &[&str] = &[
    "accountEnabled",
    "ageGroup",
    "city",
    "companyName",
    "consentProvidedForMinor",
    "country",
    "createdDateTime",
    "creationType",
    "department",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeType",
    "employeeOrgData",
    "facsimileTelephoneNumber",
    "givenName",
    "jobTitle",
    "mail",
    "mailNickname",
    "manager",
    "mobile",
    "objectId",
    "onPremisesDistinguishedName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesUserPrincipalName",
    "otherMails",
    "passwordPolicies",
    "physicalDeliveryOfficeName",
    "postalCode",
    "preferredLanguage",
    "proxyAddresses",
    "state",
    "streetAddress",
    "surname",
    "telephoneNumber",
    "usageLocation",
    "userPrincipalName",
    "userType",
    "directorySynced",
    "identityIssuer",
    "invitationState",
    "legalAgeGroupClassification",
    "costCenter",
    "division",
    "status",
];

/// Loose header aliases (normalised) -> Entra attribute. Headers equal to an Entra attribute
/// name (normalised) map to it without an entry here.
const ALIASES: &[(&str, &str)] = &[
    ("upn", "userPrincipalName"),
    ("userprincipal", "userPrincipalName"),
    ("signinname", "userPrincipalName"),
    ("id", "objectId"),
    ("objectid", "objectId"),
    ("userid", "objectId"),
    ("oktaid", "objectId"),
    ("name", "displayName"),
    ("firstname", "givenName"),
    ("lastname", "surname"),
    ("familyname", "surname"),
    ("email", "mail"),
    ("emailaddress", "mail"),
    ("primaryemail", "mail"),
    ("alias", "mailNickname"),
    ("nickname", "mailNickname"),
    ("enabled", "accountEnabled"),
    ("title", "jobTitle"),
    ("company", "companyName"),
    ("organization", "companyName"),
    ("employeenumber", "employeeId"),
    ("officelocation", "physicalDeliveryOfficeName"),
    ("office", "physicalDeliveryOfficeName"),
    ("mobilephone", "mobile"),
    ("phone", "telephoneNumber"),
    ("primaryphone", "telephoneNumber"),
    ("officephone", "telephoneNumber"),
    ("businessphone", "telephoneNumber"),
    ("fax", "facsimileTelephoneNumber"),
    ("faxnumber", "facsimileTelephoneNumber"),
    ("zipcode", "postalCode"),
    ("zip", "postalCode"),
    ("countryorregion", "country"),
    ("countrycode", "country"),
    ("stateorprovince", "state"),
    ("street", "streetAddress"),
    ("hiredate", "employeeHireDate"),
    ("alternateemailaddress", "otherMails"),
    ("usersource", "creationType"),
];

/// The Entra attribute a normalised header names. The table is normalised once: doing it per
/// header made a wide export spend most of its time lower-casing the same 60 names.
fn entra_attribute(key: &str) -> Option<&'static str> {
    static BY_KEY: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    BY_KEY
        .get_or_init(|| {
            ENTRA_ATTRIBUTES
                .iter()
                .map(|a| (norm_attr(a), *a))
                .collect()
        })
        .get(key)
        .copied()
}

fn map_header(header: &str, okta: bool) -> Option<Mapping> {
    let key = norm_attr(header);
    if okta {
        match key.as_str() {
            "username" | "login" => return Some(Mapping::To("userPrincipalName")),
            "status" => return Some(Mapping::OktaStatus),
            _ => {}
        }
    } else if key == "username" {
        return Some(Mapping::To("userPrincipalName"));
    }
    if key == "blocksignin" || key == "blockcredential" || key == "signinblocked" {
        return Some(Mapping::Inverted("accountEnabled"));
    }
    if let Some(a) = entra_attribute(&key) {
        return Some(Mapping::To(a));
    }
    if let Some(n) = key.strip_prefix("extensionattribute") {
        if let Ok(n @ 1..=15) = n.parse::<u8>() {
            let name: &'static str = EXT_ATTRS[(n - 1) as usize];
            return Some(Mapping::To(name));
        }
    }
    ALIASES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| Mapping::To(a))
}

const EXT_ATTRS: [&str; 15] = [
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

/// Okta lifecycle states in which the user cannot sign in.
fn okta_status_enabled(status: &str) -> Option<bool> {
    match status
        .trim()
        .to_ascii_uppercase()
        .replace(' ', "_")
        .as_str()
    {
        "ACTIVE" | "PASSWORD_EXPIRED" | "LOCKED_OUT" | "RECOVERY" | "PROVISIONED" | "STAGED" => {
            Some(true)
        }
        "SUSPENDED" | "DEPROVISIONED" => Some(false),
        _ => None,
    }
}

/// Reads an export, choosing the format from the extension and the content.
pub fn load_users(path: &Path) -> Result<IdpExport, String> {
    let name = path.display().to_string();
    let text = crate::input_file::read_text(path, "IdP users")?;
    parse_users(&name, &text)
}

/// What decides the format of a file named neither `.csv` nor `.json`.
pub fn looks_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

/// Parses an export already decoded to text. A refused file is named with what it really is
/// when recognisable (empty, an HTML page, a SCIM error body).
pub fn parse_users(name: &str, text: &str) -> Result<IdpExport, String> {
    let text = text.trim_start_matches('\u{feff}');
    let lower = name.to_ascii_lowercase();
    let parsed = if lower.ends_with(".json") || (!lower.ends_with(".csv") && looks_json(text)) {
        parse_graph_json(name, text)
    } else {
        parse_csv(name, text)
    };
    parsed.map_err(|e| crate::input_file::explain_failure(name, "IdP users", text, e))
}

/// An IdP user the target can be matched against: Entra matches on a UPN, mail or object id.
fn identifiable(u: &IdpUser) -> bool {
    [u.user_principal_name(), u.mail(), u.object_id()]
        .into_iter()
        .flatten()
        .any(|v| !v.trim().is_empty())
}

fn parse_csv(name: &str, text: &str) -> Result<IdpExport, String> {
    // The Entra bulk templates start with a `version:v1.0` line before the headers.
    let mut body = text;
    if body
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("version:")
    {
        body = body.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(crate::input_file::csv_delimiter(body))
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{name}: cannot read the CSV header line ({e})"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(|h| h.is_empty()) {
        return Err(format!("{name}: the CSV has no header line"));
    }
    if let Some(kind) = crate::input_file::provisioning_log_csv(&headers) {
        return Err(wrong_kind(name, kind, &headers.join(", ")));
    }
    let keys: Vec<String> = headers.iter().map(|h| norm_attr(h)).collect();
    let okta = keys.iter().any(|k| k == "primaryemail" || k == "login")
        || (keys.iter().any(|k| k == "username") && keys.iter().any(|k| k == "status"));
    let format = if okta {
        ExportFormat::OktaCsv
    } else {
        ExportFormat::EntraCsv
    };
    let maps: Vec<Option<Mapping>> = headers.iter().map(|h| map_header(h, okta)).collect();
    if !maps.iter().any(|m| {
        matches!(
            m,
            Some(Mapping::To("userPrincipalName" | "mail" | "objectId"))
        )
    }) {
        return Err(format!(
            "{name}: no column identifies users (expected one like userPrincipalName, Username, mail or id); headers were: {}",
            headers.join(", ")
        ));
    }
    let unmapped: Vec<String> = headers
        .iter()
        .zip(&maps)
        .filter(|(h, m)| m.is_none() && !h.is_empty())
        .map(|(h, _)| h.clone())
        .collect();
    let mut users = Vec::new();
    let mut notes = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                notes.push(format!("line {line} skipped: {e}"));
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let mut u = IdpUser::new(format!("{name} line {line}"));
        for ((field, header), map) in rec.iter().zip(&headers).zip(&maps) {
            let field = field.trim();
            if field.is_empty() {
                continue;
            }
            match map {
                Some(Mapping::To(attr)) => u.set_text(attr, field),
                Some(Mapping::Inverted(attr)) => {
                    if let Some(b) = parse_bool(field) {
                        u.set_text(attr, (!b).to_string());
                    }
                }
                Some(Mapping::OktaStatus) => {
                    u.set_text("status", field);
                    if let Some(b) = okta_status_enabled(field) {
                        u.set_text("accountEnabled", b.to_string());
                    }
                }
                None => u.set_text(header, field),
            }
        }
        users.push(u);
    }
    Ok(IdpExport {
        path: name.to_string(),
        format,
        users,
        unmapped,
        notes,
    })
}

fn parse_graph_json(name: &str, text: &str) -> Result<IdpExport, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("{name}: {}", crate::input::json_error(&e)))?;
    let wrong_shape = |found: &Value| {
        let hint = if found.get("Resources").is_some() {
            " (a SCIM ListResponse: the target's users, not the IdP's; give it to --snapshot)"
        } else {
            ""
        };
        format!(
            "{name}: wrong shape: expected Graph /users JSON (an object with a `value` array, or an array), found {}{hint}",
            crate::input_file::describe_json(found)
        )
    };
    let mut notes = Vec::new();
    let items = match &value {
        Value::Array(a) => a.as_slice(),
        Value::Object(o) => {
            if o.contains_key("@odata.nextLink") {
                notes.push(
                    "the Graph response has @odata.nextLink: it is one page only, users on later pages are missing"
                        .to_string(),
                );
            }
            match o.get("value") {
                Some(Value::Array(a)) => a.as_slice(),
                Some(other) => {
                    return Err(format!(
                        "{} (`value` is {})",
                        wrong_shape(&value),
                        crate::input_file::describe_json(other)
                    ))
                }
                None => return Err(wrong_shape(&value)),
            }
        }
        other => return Err(wrong_shape(other)),
    };
    if crate::input_file::provisioning_log_records(items) {
        let keys: Vec<&str> = items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|o| o.keys().map(String::as_str))
            .take(8)
            .collect();
        return Err(wrong_kind(
            name,
            "Entra provisioning-log records (Graph provisioningObjectSummary JSON)",
            &keys.join(", "),
        ));
    }
    let mut unmapped: Vec<String> = Vec::new();
    let mut users = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            notes.push(format!("item {i} skipped: not an object"));
            continue;
        };
        let mut u = IdpUser::new(format!("{name} item {i}"));
        for (k, v) in obj {
            if k.starts_with('@') {
                continue;
            }
            if norm_attr(k) == "onpremisesextensionattributes" {
                if let Value::Object(ext) = v {
                    for (ek, ev) in ext {
                        if let Some(t) = scalar(ev) {
                            u.set_text(ek, t);
                        }
                    }
                }
                continue;
            }
            let map = map_header(k, false);
            let target = match map {
                Some(Mapping::To(a)) => a.to_string(),
                Some(Mapping::Inverted(a)) => {
                    if let Some(b) = scalar(v).as_deref().and_then(parse_bool) {
                        u.set_text(a, (!b).to_string());
                    }
                    continue;
                }
                _ => {
                    if !k.starts_with("extension_") && !unmapped.contains(k) {
                        unmapped.push(k.clone());
                    }
                    k.clone()
                }
            };
            match v {
                Value::Array(a) => {
                    let vals: Vec<String> = a.iter().filter_map(scalar).collect();
                    u.set(&target, AttrValue::Many(vals));
                }
                other => {
                    if let Some(t) = scalar(other) {
                        u.set_text(&target, t);
                    }
                }
            }
        }
        users.push(u);
    }
    // The CSV path refuses a file without an identifying column; a JSON file has no header,
    // so the same rule is applied to its records: with no identifier in any of them, every
    // user would be reported "not provisioned" when the file is simply not a users export.
    let unnamed = users.iter().filter(|u| !identifiable(u)).count();
    if !users.is_empty() && unnamed == users.len() {
        let mut keys: Vec<&str> = Vec::new();
        for k in items
            .iter()
            .filter_map(Value::as_object)
            .flat_map(|o| o.keys())
        {
            if keys.len() < 8 && !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        return Err(format!(
            "{name}: no record has a usable identifier (expected userPrincipalName, mail or id in each of the {} records); keys found: {}",
            users.len(),
            if keys.is_empty() { "none".to_string() } else { keys.join(", ") }
        ));
    }
    if users.is_empty() && !items.is_empty() {
        return Err(format!(
            "{name}: none of the {} items is a user object",
            items.len()
        ));
    }
    if unnamed > 0 {
        notes.push(format!(
            "{unnamed} of {} records have no userPrincipalName, mail or id and cannot be matched to the target",
            users.len()
        ));
    }
    Ok(IdpExport {
        path: name.to_string(),
        format: ExportFormat::GraphJson,
        users,
        unmapped,
        notes,
    })
}

/// A file of another kind given to `--idp-users`: refused, saying what it is and where it goes.
fn wrong_kind(name: &str, kind: &str, seen: &str) -> String {
    format!(
        "{name}: this is {kind}, not a users export (columns or keys: {}); give it to --provisioning-logs. --idp-users takes the Entra users CSV, the Okta users CSV or Microsoft Graph /users JSON",
        crate::util::quote(seen, 200)
    )
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
