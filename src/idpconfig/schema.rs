//! The Entra synchronization schema (Graph `.../synchronization/jobs/{id}/schema`, v1.0 and
//! beta, or the portal's "Review your schema > Download"): the User object mapping's
//! attribute mappings, its matching precedence, and the target directory's attribute list.

use super::expr::{self, Expr};
use super::json::{arr, boolean, get, int, text};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct AttributeMapping {
    pub target: String,
    /// The source as Entra writes it (`[mail]`, `Switch([IsSoftDeleted], ...)`), or
    /// `constant "x"`; `None` when the mapping has no source and no default.
    pub source_text: Option<String>,
    #[serde(skip)]
    pub source: Option<Expr>,
    /// Why the source could not be parsed, when it could not.
    pub source_error: Option<String>,
    pub default_value: Option<String>,
    /// Always (default), ObjectAddOnly, ...
    pub flow_type: String,
    /// 0 = not used for matching; 1, 2, ... = precedence.
    pub matching_priority: i64,
}

impl AttributeMapping {
    pub fn create_only(&self) -> bool {
        self.flow_type.eq_ignore_ascii_case("ObjectAddOnly")
    }

    /// The mapping's value when no source is given: the default value as a constant.
    pub fn expr(&self) -> Option<Expr> {
        self.source
            .clone()
            .or_else(|| self.default_value.clone().map(Expr::Str))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetAttribute {
    pub name: String,
    pub required: bool,
    pub case_exact: bool,
    pub multivalued: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    pub file: String,
    /// "rule X: User -> User" of the mapping read.
    pub mapping_label: String,
    pub enabled: bool,
    pub mappings: Vec<AttributeMapping>,
    /// Attributes of the target directory's user object (empty when the file has none).
    pub target_attributes: Vec<TargetAttribute>,
    /// Which directory the mapping writes to, and whether it speaks SCIM.
    pub target: Target,
    /// The whole document, kept for the scoping filter (`scope::parse::from_json`).
    #[serde(skip)]
    pub document: Value,
    pub notes: Vec<String>,
}

impl Schema {
    /// Matching mappings in Entra's precedence order (lowest positive priority first).
    pub fn matching(&self) -> Vec<&AttributeMapping> {
        let mut m: Vec<&AttributeMapping> = self
            .mappings
            .iter()
            .filter(|m| m.matching_priority > 0)
            .collect();
        m.sort_by_key(|m| m.matching_priority);
        m
    }

    /// Mappings whose target is `name` or one of its sub-attributes / filtered forms
    /// (`emails` covers `emails[type eq "work"].value`), case-insensitively.
    pub fn targeting(&self, name: &str) -> Vec<&AttributeMapping> {
        self.mappings
            .iter()
            .filter(|m| target_root(&m.target).eq_ignore_ascii_case(name))
            .collect()
    }
}

/// The directory a User mapping writes to. Entra's synchronization engine also provisions to
/// directories that are not SCIM (Salesforce, ServiceNow, Workday...): their attributes are
/// named by the target (`Email`, `IsActive`, `Username`), so SCIM names must not be expected.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `targetDirectoryName` of the rule, else the one directory that is not Entra's own.
    pub name: Option<String>,
    pub scim: bool,
    /// Why the target was judged SCIM or not, in words for the report.
    pub evidence: String,
}

impl Target {
    /// "salesforce.com", or "the target directory" when the file does not name it.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| "the target directory".into())
    }
}

/// Attribute roots only a SCIM target uses, exactly as RFC 7643 spells them (Entra's SCIM
/// connector writes them this way; other connectors use their own spellings: `Username`,
/// `Email`, `IsActive`).
const SCIM_SIGNALS: &[&str] = &["userName", "externalId", "active", "emails"];

/// True when names use SCIM's own syntax (an extension URN or a `[type eq ...]` filter
/// path), or at least two of SCIM's core names: one `userName` alone is also what Microsoft's
/// placeholder samples for other connectors show.
fn scim_shaped<'a>(names: impl Iterator<Item = &'a str>) -> bool {
    let mut roots: Vec<&str> = Vec::new();
    for n in names {
        let t = n.trim();
        if t.to_ascii_lowercase().starts_with("urn:ietf:params:scim:") || t.contains("[type eq") {
            return true;
        }
        let r = target_root(t);
        if SCIM_SIGNALS.contains(&r) && !roots.contains(&r) {
            roots.push(r);
        }
    }
    roots.len() >= 2
}

fn is_entra_directory(name: &str) -> bool {
    [
        "Azure Active Directory",
        "Microsoft Entra ID",
        "AzureActiveDirectory",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

/// Decides whether the target is SCIM: Entra's SCIM connector is the directory
/// `customappsso`; otherwise the attribute names decide (the directory's attribute list,
/// else the mapping targets); with no attribute at all, the SCIM reading is kept.
fn judge_target(name: Option<String>, attrs: &[TargetAttribute], targets: &[&str]) -> Target {
    let named_scim = name.as_deref().is_some_and(|n| {
        n.eq_ignore_ascii_case("customappsso") || n.to_ascii_lowercase().contains("scim")
    });
    let (scim, evidence) = if named_scim {
        (
            true,
            format!(
                "the target directory is {:?}, Entra's SCIM connector",
                name.as_deref().unwrap_or_default()
            ),
        )
    } else if scim_shaped(attrs.iter().map(|a| a.name.as_str())) {
        (
            true,
            "the target's attribute list uses SCIM attribute names".to_string(),
        )
    } else if scim_shaped(targets.iter().copied()) {
        (true, "the mappings target SCIM attribute names".to_string())
    } else if attrs.is_empty() && targets.is_empty() {
        (
            true,
            "nothing in the file names the target's attributes; read as a SCIM target".to_string(),
        )
    } else {
        let which = if attrs.is_empty() {
            "its mapping targets"
        } else {
            "its attribute list"
        };
        (
            false,
            format!(
                "{} is not a SCIM target (in {which}: no SCIM URN, no emails[type eq ...] path, and not two of userName, externalId, active, emails)",
                name.clone().unwrap_or_else(|| "the target directory".into())
            ),
        )
    };
    Target {
        name,
        scim,
        evidence,
    }
}

/// `emails[type eq "work"].value` -> `emails`; `name.givenName` -> `name`; extension URNs
/// keep their full path up to the attribute.
pub fn target_root(target: &str) -> &str {
    let t = target.trim();
    let cut = t.find('[').unwrap_or(t.len());
    let head = &t[..cut];
    if head.starts_with("urn:") {
        return head;
    }
    head.split('.').next().unwrap_or(head)
}

/// True when `v` looks like a synchronization schema (or a wrapper around one).
pub fn looks_like(v: &Value) -> bool {
    get(v, "synchronizationRules").is_some()
        || is_object_mapping(v)
        || (get(v, "objectMappings").is_some() && get(v, "targetDirectoryName").is_some())
        || (get(v, "directories").is_some() && get(v, "version").is_some())
        || get(v, "schema").is_some_and(looks_like)
}

/// A bare objectMapping (Graph's `synchronization-objectmapping` resource).
fn is_object_mapping(v: &Value) -> bool {
    get(v, "attributeMappings").is_some() && get(v, "sourceObjectName").is_some()
}

/// Reads the User mapping from a schema document.
pub fn read(file: &str, v: &Value) -> Result<Schema, String> {
    if let Some(inner) = get(v, "schema").filter(|s| looks_like(s)) {
        return read(file, inner);
    }
    let mut notes = Vec::new();
    // (rule name, target directory, object mapping)
    let mut candidates: Vec<(String, String, &Value)> = Vec::new();
    let single = [v.clone()];
    let rules: &[Value] = if get(v, "synchronizationRules").is_some() {
        arr(v, "synchronizationRules")
    } else if is_object_mapping(v) {
        let name = text(v, "name").unwrap_or_else(|| "objectMapping".into());
        if text(v, "sourceObjectName").is_some_and(|s| s.eq_ignore_ascii_case("user")) {
            candidates.push((name, String::new(), v));
        }
        notes.push(format!(
            "{file}: a bare objectMapping (no synchronizationRules, no directory list): the target directory is not named"
        ));
        &[]
    } else {
        &single
    };
    for (ri, rule) in rules.iter().enumerate() {
        let rule_name = text(rule, "name")
            .or_else(|| text(rule, "id"))
            .unwrap_or_else(|| format!("rule {}", ri + 1));
        let target_dir = text(rule, "targetDirectoryName").unwrap_or_default();
        for m in arr(rule, "objectMappings") {
            let src = text(m, "sourceObjectName").unwrap_or_default();
            if src.eq_ignore_ascii_case("user") {
                candidates.push((rule_name.clone(), target_dir.clone(), m));
            }
        }
    }
    if candidates.is_empty() {
        return Err(format!(
            "{file}: a synchronization schema without a User object mapping (`synchronizationRules[].objectMappings[]` with sourceObjectName \"User\")"
        ));
    }
    let enabled = |m: &Value| boolean(m, "enabled").unwrap_or(true);
    let pick = candidates
        .iter()
        .position(|(_, _, m)| enabled(m))
        .unwrap_or(0);
    if candidates.len() > 1 {
        notes.push(format!(
            "{file}: {} User object mappings; read the first enabled one (rule {:?})",
            candidates.len(),
            candidates[pick].0
        ));
    }
    let (rule_name, target_dir, m) = &candidates[pick];
    let target_object = text(m, "targetObjectName").unwrap_or_else(|| "User".into());
    let target_dir = target_dir.clone();
    let mut mappings = Vec::new();
    for am in arr(m, "attributeMappings") {
        let Some(target) = text(am, "targetAttributeName") else {
            notes.push(format!(
                "{file}: an attribute mapping without targetAttributeName was ignored"
            ));
            continue;
        };
        let default_value = match get(am, "defaultValue") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let (source_text, source, source_error) = source(get(am, "source"));
        mappings.push(AttributeMapping {
            target,
            source_text,
            source,
            source_error,
            default_value,
            flow_type: text(am, "flowType").unwrap_or_else(|| "Always".into()),
            matching_priority: int(am, "matchingPriority").unwrap_or(0),
        });
    }
    let (dir_name, target_attributes) = target_attributes(v, &target_dir, &target_object);
    let name = Some(target_dir).filter(|d| !d.is_empty()).or(dir_name);
    let targets: Vec<&str> = mappings.iter().map(|m| m.target.as_str()).collect();
    let target = judge_target(name, &target_attributes, &targets);
    Ok(Schema {
        file: file.to_string(),
        mapping_label: format!("rule {rule_name:?}: User -> {target_object}"),
        enabled: enabled(m),
        mappings,
        target_attributes,
        target,
        document: v.clone(),
        notes,
    })
}

/// (display text, parsed expression, parse error) of an attributeMappingSource.
fn source(v: Option<&Value>) -> (Option<String>, Option<Expr>, Option<String>) {
    let Some(v) = v.filter(|v| v.is_object()) else {
        return (None, None, None);
    };
    let kind = text(v, "type").unwrap_or_else(|| "Attribute".into());
    if let Some(e) = text(v, "expression") {
        return match expr::parse(&e) {
            Ok(x) => (Some(e), Some(x), None),
            // A bare constant is written without quotes in `expression`.
            Err(_) if kind.eq_ignore_ascii_case("constant") => {
                (Some(format!("{e:?}")), Some(Expr::Str(e)), None)
            }
            Err(err) => (Some(e), None, Some(err)),
        };
    }
    match structural(v, 0) {
        Some(x) => (Some(x.to_string()), Some(x), None),
        None => (
            None,
            None,
            Some("a source without expression or name".into()),
        ),
    }
}

/// Builds the expression from `{type, name, parameters[{key, value}]}` when `expression`
/// is absent (older exports).
fn structural(v: &Value, depth: usize) -> Option<Expr> {
    if depth > 64 {
        return None;
    }
    let name = text(v, "name")?;
    let kind = text(v, "type").unwrap_or_else(|| "Attribute".into());
    match kind.to_ascii_lowercase().as_str() {
        "constant" => Some(Expr::Str(name)),
        "function" => {
            let args = arr(v, "parameters")
                .iter()
                .map(|p| {
                    get(p, "value")
                        .and_then(|x| structural(x, depth + 1))
                        .unwrap_or(Expr::Empty)
                })
                .collect();
            Some(Expr::Call(name, args))
        }
        _ => Some(Expr::Attr(name)),
    }
}

/// The target directory's name (when the rule does not give it) and its object's attributes.
fn target_attributes(v: &Value, dir: &str, object: &str) -> (Option<String>, Vec<TargetAttribute>) {
    let dirs = arr(v, "directories");
    let chosen = dirs
        .iter()
        .find(|d| !dir.is_empty() && text(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(dir)))
        // Without a targetDirectoryName, the target is the one directory that is not Entra's own.
        .or_else(|| {
            let others: Vec<&Value> = dirs
                .iter()
                .filter(|d| !text(d, "name").is_some_and(|n| is_entra_directory(&n)))
                .collect();
            (dir.is_empty() && others.len() == 1).then(|| others[0])
        });
    let Some(d) = chosen else {
        return (None, Vec::new());
    };
    let name = text(d, "name");
    let Some(o) = arr(d, "objects")
        .iter()
        .find(|o| text(o, "name").is_some_and(|n| n.eq_ignore_ascii_case(object)))
    else {
        return (name, Vec::new());
    };
    let attrs = arr(o, "attributes")
        .iter()
        .filter_map(|a| {
            Some(TargetAttribute {
                name: text(a, "name")?,
                required: boolean(a, "required").unwrap_or(false),
                case_exact: boolean(a, "caseExact").unwrap_or(false),
                multivalued: boolean(a, "multivalued").unwrap_or(false),
            })
        })
        .collect();
    (name, attrs)
}
