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
        || (get(v, "directories").is_some() && get(v, "version").is_some())
        || get(v, "schema").is_some_and(looks_like)
}

/// Reads the User mapping from a schema document.
pub fn read(file: &str, v: &Value) -> Result<Schema, String> {
    if let Some(inner) = get(v, "schema").filter(|s| looks_like(s)) {
        return read(file, inner);
    }
    let mut notes = Vec::new();
    // (rule name, target directory, object mapping)
    let mut candidates: Vec<(String, String, &Value)> = Vec::new();
    for (ri, rule) in arr(v, "synchronizationRules").iter().enumerate() {
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
    Ok(Schema {
        file: file.to_string(),
        mapping_label: format!("rule {rule_name:?}: User -> {target_object}"),
        enabled: enabled(m),
        mappings,
        target_attributes: target_attributes(v, target_dir, &target_object),
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

fn target_attributes(v: &Value, dir: &str, object: &str) -> Vec<TargetAttribute> {
    let dirs = arr(v, "directories");
    let chosen = dirs
        .iter()
        .find(|d| text(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(dir)))
        // Without directory names, the target is the directory that is not Entra's own.
        .or_else(|| {
            dirs.iter().find(|d| {
                !text(d, "name").is_some_and(|n| {
                    n.eq_ignore_ascii_case("Azure Active Directory")
                        || n.eq_ignore_ascii_case("Microsoft Entra ID")
                })
            })
        });
    let Some(d) = chosen else {
        return Vec::new();
    };
    let Some(o) = arr(d, "objects")
        .iter()
        .find(|o| text(o, "name").is_some_and(|n| n.eq_ignore_ascii_case(object)))
    else {
        return Vec::new();
    };
    arr(o, "attributes")
        .iter()
        .filter_map(|a| {
            Some(TargetAttribute {
                name: text(a, "name")?,
                required: boolean(a, "required").unwrap_or(false),
                case_exact: boolean(a, "caseExact").unwrap_or(false),
                multivalued: boolean(a, "multivalued").unwrap_or(false),
            })
        })
        .collect()
}
