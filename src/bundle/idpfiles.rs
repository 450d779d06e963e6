//! `--idp-config` files in the bundle (issue 12 x issue 14): which of their values are
//! personal, and how each file is rewritten with `--redact-pii`.
//!
//! - Okta System Log (JSON or console CSV), app users, app groups, group push mappings and
//!   Entra jobs are free text for the pseudonymiser: the people they name (actors, targets,
//!   app users' credentials and profiles, group names, emails inside messages and error
//!   texts) are recorded in the map, then the whole file goes through the same rewriter as
//!   the other inputs, so a name is replaced with the pseudonym the tenant got.
//! - An Entra synchronization schema is structure (attribute names, expressions, the
//!   scope): only the constants and default values of its mappings are pseudonymised, by
//!   exact JSON-string replacement, so the file keeps its bytes (and its trailing commas).
//!   The values its scope reads are pseudonymised like any other; the scope's verdicts
//!   travel in the bundle (`scope_verdicts`).

use super::given::InputFile;
use super::redact::PiiMap;
use crate::idpconfig::Kind;
use serde_json::Value;

/// The kind of one file, as `idpconfig` recognises it (`None`: unreadable or empty list).
pub fn kind_of(f: &InputFile) -> Option<Kind> {
    crate::idpconfig::parse_files(&[(f.given_as.clone(), f.bytes.clone())])
        .ok()
        .and_then(|c| c.files.first().map(|x| x.kind))
}

/// Every file read together, as the run reads them.
pub fn parse_all(files: &[InputFile]) -> Option<crate::idpconfig::IdpConfig> {
    let v: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.given_as.clone(), f.bytes.clone()))
        .collect();
    crate::idpconfig::parse_files(&v).ok()
}

/// Email-like tokens of a free text (messages and error texts name users by UPN).
fn emails_in(text: &str) -> Vec<String> {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | '<' | '>' | '(' | ')' | ',' | ';' | '[' | ']'
            )
    })
    .map(|t| t.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?')))
    .filter(|t| {
        t.find('@')
            .is_some_and(|i| i > 0 && t[i + 1..].contains('.') && !t.starts_with("urn:"))
    })
    .map(str::to_string)
    .collect()
}

/// The person Okta's provisioning messages name ("Automatic provisioning of user Dan Wu to
/// app X failed", "... for user Dan Wu: ..."): the console CSV has no target display name
/// column, so a name in a reason would otherwise stay in the clear.
fn okta_message_users(text: &str) -> Vec<String> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let Some(re) = RE
        .get_or_init(|| {
            regex::Regex::new(
                r#"(?i)\b(?:of|for) user ([^"\r\n,:]+?)(?: to app\b| in app\b|:| failed\b|"|,|\r?$)"#,
            )
            .ok()
        })
        .as_ref()
    else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str().trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn add_text(map: &mut PiiMap, field: &str, v: Option<&Value>) {
    if let Some(s) = v.and_then(Value::as_str) {
        if !matches!(s.to_ascii_lowercase().as_str(), "true" | "false") {
            map.add(field, s);
        }
    }
}

/// Records the personal values of every idp-config file in `map`.
pub fn collect(map: &mut PiiMap, files: &[InputFile]) {
    for f in files {
        let text = super::given::text(&f.bytes);
        let kind = kind_of(f);
        let value = crate::idpconfig::lenient::parse(&text)
            .ok()
            .map(|p| p.value);
        match (kind, &value) {
            (Some(Kind::EntraSchema), Some(v)) => {
                for c in constants(v) {
                    map.add("idp-config:constant", &c);
                }
                continue;
            }
            (Some(Kind::OktaSystemLog), Some(v)) => {
                for e in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    // The actor of a provisioning event is usually the app or Okta
                    // itself (PublicClientApp, SystemPrincipal): configuration. An admin
                    // acting by hand is a person.
                    if e.pointer("/actor/type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t.eq_ignore_ascii_case("User"))
                    {
                        add_text(map, "okta:actor", e.pointer("/actor/alternateId"));
                        add_text(map, "okta:actor", e.pointer("/actor/displayName"));
                    }
                    add_text(map, "okta:ip", e.pointer("/client/ipAddress"));
                    for k in ["city", "state", "postalCode"] {
                        add_text(
                            map,
                            "okta:geo",
                            e.pointer(&format!("/client/geographicalContext/{k}")),
                        );
                    }
                    for t in e["target"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                        // The app itself is configuration, not a person.
                        if t["type"].as_str() == Some("AppInstance") {
                            continue;
                        }
                        add_text(map, "okta:target", t.get("alternateId"));
                        add_text(map, "okta:target", t.get("displayName"));
                    }
                }
            }
            (Some(Kind::OktaSystemLog), None) => {
                // The console CSV: the user each event names.
                if let Ok((events, _)) = crate::idpconfig::okta::read_log_csv(&f.given_as, &text) {
                    for u in events.iter().filter_map(|e| e.user.as_deref()) {
                        map.add("okta:target", u);
                    }
                }
            }
            (Some(Kind::OktaAppUsers | Kind::OktaAppGroups), Some(v)) => {
                for u in v.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    add_text(map, "okta:externalId", u.get("externalId"));
                    let mut vals = Vec::new();
                    for key in ["credentials", "profile", "_embedded"] {
                        if let Some(x) = u.get(key) {
                            strings(x, &mut vals);
                        }
                    }
                    for s in vals {
                        if !matches!(s.to_ascii_lowercase().as_str(), "true" | "false")
                            && !s.starts_with("http")
                        {
                            map.add("okta:profile", s);
                        }
                    }
                }
            }
            _ => {}
        }
        // Every kind but the schema: people named inside messages and error texts.
        for e in emails_in(&text) {
            map.add("idp-config:email", &e);
        }
        if matches!(
            kind,
            Some(Kind::OktaSystemLog | Kind::OktaAppUsers | Kind::OktaGroupPush)
        ) {
            for n in okta_message_users(&text) {
                map.add("okta:message", &n);
            }
        }
    }
}

/// The constants and default values of a schema's attribute mappings (any depth: a
/// Constant may be a function's parameter).
pub fn constants(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                let is_const = o
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("Constant"));
                if is_const {
                    if let Some(n) = o.get("name").and_then(Value::as_str) {
                        out.push(n.to_string());
                    }
                    if let Some(e) = o.get("expression").and_then(Value::as_str) {
                        let e = e.trim();
                        let inner = e
                            .strip_prefix('"')
                            .and_then(|x| x.strip_suffix('"'))
                            .unwrap_or(e);
                        out.push(inner.to_string());
                    }
                }
                if let Some(d) = o.get("defaultValue").and_then(Value::as_str) {
                    out.push(d.to_string());
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out.retain(|s| {
        s.trim().chars().count() >= 3
            && s.chars().any(char::is_alphanumeric)
            && !matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "false")
    });
    out.sort();
    out.dedup();
    out
}

/// The file as it goes into the bundle: rewritten when `redact` is given.
pub fn rewrite(f: &InputFile, map: Option<&PiiMap>, redact: &super::redact::Redactor) -> Vec<u8> {
    let text = super::given::text(&f.bytes);
    if kind_of(f) != Some(Kind::EntraSchema) {
        return redact.apply(&text).into_bytes();
    }
    let Some(map) = map else {
        return f.bytes.clone();
    };
    let Ok(v) = crate::idpconfig::lenient::parse(&text) else {
        return f.bytes.clone();
    };
    let mut out = text.clone();
    for c in constants(&v.value) {
        let Some(p) = map.pseudonym(&c).filter(|p| *p != c) else {
            continue;
        };
        for (o, n) in [
            (c.clone(), p.to_string()),
            (format!("\"{c}\""), format!("\"{p}\"")),
        ] {
            let (Ok(o), Ok(n)) = (serde_json::to_string(&o), serde_json::to_string(&n)) else {
                continue;
            };
            out = out.replace(&o, &n);
        }
    }
    out.into_bytes()
}

/// report.json with `--redact-pii`: a check's `data` may key an object by user (the
/// provisioning-failures groups count events per user), and the text rewriter leaves JSON
/// keys alone (they are structure everywhere else). Keys under `checks[].data` that the
/// map holds are renamed to their pseudonyms before the text pass.
pub fn report_json(text: &str, map: &PiiMap) -> String {
    fn rename(v: &mut Value, map: &PiiMap) {
        match v {
            Value::Object(o) => {
                let old = std::mem::take(o);
                for (k, mut child) in old {
                    rename(&mut child, map);
                    let k = map.pseudonym(&k).map(str::to_string).unwrap_or(k);
                    o.insert(k, child);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| rename(x, map)),
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::from_str::<Value>(text) else {
        return text.to_string();
    };
    for c in v["checks"].as_array_mut().into_iter().flatten() {
        if let Some(d) = c.get_mut("data") {
            rename(d, map);
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emails_inside_messages_are_found() {
        let t = "Update of user ann.lee@example.com failed (x@y.example); urn:ietf@x";
        assert_eq!(emails_in(t), ["ann.lee@example.com", "x@y.example"]);
        assert!(emails_in("no address here, @handle only").is_empty());
    }

    fn schema_file() -> InputFile {
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/bundle/pii-full/entra-schema.json"),
        )
        .unwrap();
        // Microsoft's samples carry trailing commas: the rewrite must keep them.
        let text = String::from_utf8(bytes).unwrap().replacen(
            "\"type\": \"Constant\"\n",
            "\"type\": \"Constant\",\n",
            1,
        );
        InputFile {
            given_as: "schema.json".into(),
            bytes: text.into_bytes(),
        }
    }

    #[test]
    fn a_schema_loses_its_constants_and_keeps_everything_else() {
        let f = schema_file();
        let mut map = PiiMap::new(false);
        map.add("title", "Chief Cartographer");
        collect(&mut map, std::slice::from_ref(&f));
        let out = String::from_utf8(rewrite(&f, Some(&map), &map.redactor().unwrap())).unwrap();
        let before = String::from_utf8(f.bytes.clone()).unwrap();
        assert!(before.contains("Lantern Quay Office") && before.contains("Harbourmaster"));
        assert!(!out.contains("Lantern Quay Office"), "the constant stayed");
        assert!(
            !out.contains("Harbourmaster Annex Seven"),
            "the default stayed"
        );
        // Same layout, same attribute names and expressions, trailing comma kept.
        assert_eq!(out.lines().count(), before.lines().count());
        assert!(out.contains("\"targetAttributeName\": \"userName\""));
        assert!(before.contains("\"type\": \"Constant\",\n"));
        assert!(out.contains("\"type\": \"Constant\",\n"));
        assert_eq!(
            kind_of(&InputFile {
                given_as: "s.json".into(),
                bytes: out.into_bytes()
            }),
            Some(Kind::EntraSchema)
        );
    }

    #[test]
    fn an_okta_log_names_people_but_not_the_app() {
        let log = json!([{"eventType": "application.provision.user.push",
            "actor": {"type": "PublicClientApp", "alternateId": "Acme SCIM", "displayName": "Acme SCIM"},
            "client": {"ipAddress": "203.0.113.9"},
            "outcome": {"result": "FAILURE", "reason": "Automatic provisioning of user Kim Ode to app Acme SCIM failed"},
            "target": [{"type": "AppUser", "alternateId": "kim.ode@x.example", "displayName": "Kim Ode"},
                       {"type": "AppInstance", "alternateId": "Acme SCIM", "displayName": "Acme SCIM"}]}]);
        let f = InputFile {
            given_as: "log.json".into(),
            bytes: log.to_string().into_bytes(),
        };
        let mut map = PiiMap::new(false);
        collect(&mut map, std::slice::from_ref(&f));
        for v in ["kim.ode@x.example", "Kim Ode", "203.0.113.9"] {
            assert!(map.pseudonym(v).is_some(), "{v} not recorded");
        }
        assert!(
            map.pseudonym("Acme SCIM").is_none(),
            "the app is configuration"
        );
        let out = String::from_utf8(rewrite(&f, Some(&map), &map.redactor().unwrap())).unwrap();
        assert!(
            !out.contains("Kim Ode") && out.contains("Acme SCIM"),
            "{out}"
        );
    }

    #[test]
    fn an_inputs_manifest_without_idp_config_still_reads() {
        let m: super::super::inputs::Manifest = serde_json::from_str(
            r#"{"format":"scim-doctor-inputs/1","playbooks":[],"profile":"default","licenses":null,
                "license_mode":"all","license_groups":[],"idp_users":null,"scope_filter":null,
                "provisioning_logs":[],"ldap_groups":null,"other_snapshots":[],"overrides":[]}"#,
        )
        .unwrap();
        assert!(m.idp_config.is_empty());
    }

    #[test]
    fn okta_messages_name_their_user() {
        let t = "x,Automatic provisioning of user Dan Wu to app SASE failed: Matching user not found.\n\
                 y,Automatic provisioning of user Bea Lu failed: User already exists,z";
        assert_eq!(okta_message_users(t), ["Dan Wu", "Bea Lu"]);
        assert!(okta_message_users("Push new user to external application").is_empty());
    }

    #[test]
    fn schema_constants_and_defaults_are_found_but_not_attributes() {
        let v = json!({"attributeMappings": [
            {"source": {"type": "Constant", "name": "Harbour Office", "expression": "\"Harbour Office\""},
             "defaultValue": "Unknown Site", "targetAttributeName": "title"},
            {"source": {"type": "Attribute", "name": "mail", "expression": "[mail]"},
             "defaultValue": "", "targetAttributeName": "userName"},
            {"source": {"type": "Function", "name": "Switch", "parameters": [
                {"key": "source", "value": {"type": "Constant", "name": "True"}}]}}
        ]});
        assert_eq!(constants(&v), ["Harbour Office", "Unknown Site"]);
    }
}
