//! Reading a scoping filter from a file: a whole Microsoft Graph synchronization schema
//! (`synchronizationRules[].objectMappings[].scope`, User mapping), one rule or object
//! mapping, the bare scope object (`{groups, inputFilterGroups, categoryFilterGroups}`), or the
//! TOML form admins write by hand (documented in docs/scope.md). Every error names the file
//! and what is wrong with it.

use super::filter::{Clause, FilterGroup, FilterSet, ScopeFilter};
use super::operator::Operator;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

/// Reads `path`, choosing JSON or TOML by extension, else by content.
pub fn load_filter(path: &Path) -> Result<ScopeFilter, String> {
    let name = path.display().to_string();
    let text = crate::input_file::read_text(path, "scope filter")?;
    let text = text.as_str();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let json = match ext.as_str() {
        "json" => true,
        "toml" => false,
        _ => text.trim_start().starts_with(['{', '[']) || text.trim() == "null",
    };
    let parsed = if json {
        serde_json::from_str::<Value>(text)
            .map_err(|e| format!("{name}: {}", crate::input::json_error(&e)))
            .and_then(|value| from_json(&name, &value))
    } else {
        from_toml(&name, text)
    };
    parsed.map_err(|e| crate::input_file::explain_failure(&name, "scope filter", text, e))
}

fn get<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn get_str<'a>(m: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    get(m, key).and_then(Value::as_str)
}

/// Any of the accepted JSON shapes.
pub fn from_json(name: &str, value: &Value) -> Result<ScopeFilter, String> {
    let obj = match value {
        Value::Null => {
            return Ok(ScopeFilter::new(
                Vec::new(),
                format!("{name}: scope is null (no filter)"),
            ))
        }
        Value::Object(o) => o,
        other => {
            return Err(format!(
                "{name}: wrong shape: expected a JSON object (a synchronization schema or its scope object), found {}",
                crate::input_file::describe_json(other)
            ))
        }
    };
    if let Some(Value::Object(schema)) = get(obj, "schema") {
        return from_json(name, &Value::Object(schema.clone()));
    }
    if let Some(rules) = get(obj, "synchronizationRules") {
        return from_schema(name, rules);
    }
    if let Some(maps) = get(obj, "objectMappings") {
        let rule = Value::Array(vec![Value::Object(
            [("objectMappings".to_string(), maps.clone())]
                .into_iter()
                .collect(),
        )]);
        return from_schema(name, &rule);
    }
    if get(obj, "sourceObjectName").is_some()
        || (get(obj, "scope").is_some() && get(obj, "groups").is_none())
    {
        let scope = get(obj, "scope").unwrap_or(&Value::Null);
        return scope_object(name, scope, format!("{name}: object mapping"));
    }
    if ["groups", "inputFilterGroups", "categoryFilterGroups"]
        .iter()
        .any(|k| get(obj, k).is_some())
    {
        return scope_object(name, value, format!("{name}: scope object"));
    }
    Err(format!(
        "{name}: not a scoping filter: expected a Graph synchronization schema (`synchronizationRules`) or a scope object (`groups`), found {}",
        crate::input_file::describe_json(value)
    ))
}

fn from_schema(name: &str, rules: &Value) -> Result<ScopeFilter, String> {
    let Value::Array(rules) = rules else {
        return Err(format!("{name}: `synchronizationRules` is not an array"));
    };
    // (description, enabled, scope)
    let mut candidates: Vec<(String, bool, &Value)> = Vec::new();
    for (ri, rule) in rules.iter().enumerate() {
        let Some(rule) = rule.as_object() else {
            continue;
        };
        let rule_label = get_str(rule, "name")
            .or(get_str(rule, "id"))
            .map(|s| format!("rule {s:?}"))
            .unwrap_or_else(|| format!("rule {}", ri + 1));
        let Some(Value::Array(maps)) = get(rule, "objectMappings") else {
            continue;
        };
        for m in maps {
            let Some(m) = m.as_object() else { continue };
            let source = get_str(m, "sourceObjectName").unwrap_or("");
            if !source.eq_ignore_ascii_case("user") {
                continue;
            }
            let target = get_str(m, "targetObjectName").unwrap_or("?");
            let enabled = get(m, "enabled").and_then(Value::as_bool).unwrap_or(true);
            let label = format!(
                "{rule_label}, mapping {:?} ({source} -> {target})",
                get_str(m, "name").unwrap_or("unnamed")
            );
            candidates.push((label, enabled, get(m, "scope").unwrap_or(&Value::Null)));
        }
    }
    if candidates.is_empty() {
        return Err(format!(
            "{name}: the synchronization schema has no object mapping with sourceObjectName \"User\""
        ));
    }
    let pick = candidates.iter().position(|c| c.1).unwrap_or(0);
    let (label, enabled, scope) = &candidates[pick];
    let mut f = scope_object(name, scope, format!("{name}: {label}"))?;
    if !enabled {
        f.notes.push(format!(
            "the User mapping used ({label}) is disabled in the schema"
        ));
    }
    for (i, (other, _, _)) in candidates.iter().enumerate() {
        if i != pick {
            f.notes
                .push(format!("another User mapping was ignored: {other}"));
        }
    }
    Ok(f)
}

fn scope_object(name: &str, scope: &Value, source: String) -> Result<ScopeFilter, String> {
    let mut groups = Vec::new();
    match scope {
        Value::Null => {
            return Ok(ScopeFilter::new(
                groups,
                format!("{source} (scope is null: no filter)"),
            ))
        }
        Value::Object(o) => {
            for (key, set) in [
                ("groups", FilterSet::Groups),
                ("inputFilterGroups", FilterSet::InputFilterGroups),
                ("categoryFilterGroups", FilterSet::CategoryFilterGroups),
            ] {
                match get(o, key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => {
                        for (gi, g) in items.iter().enumerate() {
                            groups.push(json_group(name, key, gi, g, set)?);
                        }
                    }
                    Some(_) => return Err(format!("{name}: scope `{key}` is not an array")),
                }
            }
        }
        _ => return Err(format!("{name}: `scope` is neither null nor an object")),
    }
    Ok(ScopeFilter::new(groups, source))
}

fn json_group(
    name: &str,
    key: &str,
    gi: usize,
    g: &Value,
    set: FilterSet,
) -> Result<FilterGroup, String> {
    let at = format!("{name}: {key}[{gi}]");
    let g = g
        .as_object()
        .ok_or_else(|| format!("{at} is not an object"))?;
    let group_name = get_str(g, "name")
        .map(str::to_string)
        .unwrap_or_else(|| format!("{key} {}", gi + 1));
    let clauses = match get(g, "clauses") {
        Some(Value::Array(c)) => c,
        None | Some(Value::Null) => return Err(format!("{at} ({group_name:?}) has no `clauses`")),
        Some(_) => return Err(format!("{at} ({group_name:?}): `clauses` is not an array")),
    };
    let mut out = Vec::new();
    for (ci, c) in clauses.iter().enumerate() {
        let cat = format!("{at}.clauses[{ci}]");
        let c = c
            .as_object()
            .ok_or_else(|| format!("{cat} is not an object"))?;
        let op =
            get_str(c, "operatorName").ok_or_else(|| format!("{cat} has no `operatorName`"))?;
        let attr = get_str(c, "sourceOperandName")
            .ok_or_else(|| format!("{cat} has no `sourceOperandName`"))?;
        let values = match get(c, "targetOperand") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(t)) => match get(t, "values") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(v)) => v
                    .iter()
                    .map(json_text)
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("{cat}: {e}"))?,
                Some(v) => vec![json_text(v).map_err(|e| format!("{cat}: {e}"))?],
            },
            Some(_) => {
                return Err(format!(
                    "{cat}: `targetOperand` is not an object with `values`"
                ))
            }
        };
        out.push(Clause::new(attr, Operator::parse(op), values));
    }
    Ok(FilterGroup {
        name: group_name,
        clauses: out,
        set,
    })
}

fn json_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "operand value {other} is not a string, number or boolean"
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "group", alias = "groups")]
    groups: Vec<TomlGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlGroup {
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "clause", alias = "clauses")]
    clauses: Vec<TomlClause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlClause {
    attribute: String,
    operator: String,
    #[serde(default)]
    value: Option<toml::Value>,
    #[serde(default)]
    values: Vec<toml::Value>,
}

fn toml_text(name: &str, v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!(
            "{name}: clause value {other} is not a string, integer or boolean"
        )),
    }
}

/// The hand-written form: `[[group]]` tables with `name` and `[[group.clause]]` entries
/// (`attribute`, `operator`, `value` or `values`).
pub fn from_toml(name: &str, text: &str) -> Result<ScopeFilter, String> {
    let file: TomlFile = toml::from_str(text).map_err(|e| {
        let msg = e.message().to_string();
        match e.span() {
            Some(span) => {
                let line = text.get(..span.start).unwrap_or(text).matches('\n').count() + 1;
                format!("{name}: line {line}: {msg}")
            }
            None => format!("{name}: {msg}"),
        }
    })?;
    let mut groups = Vec::new();
    for (gi, g) in file.groups.into_iter().enumerate() {
        let group_name = g.name.unwrap_or_else(|| format!("group {}", gi + 1));
        if g.clauses.is_empty() {
            return Err(format!("{name}: group {group_name:?} has no clauses"));
        }
        let mut clauses = Vec::new();
        for c in g.clauses {
            let mut values = Vec::new();
            if let Some(v) = &c.value {
                values.push(toml_text(name, v)?);
            }
            for v in &c.values {
                values.push(toml_text(name, v)?);
            }
            clauses.push(Clause::new(
                c.attribute,
                Operator::parse(&c.operator),
                values,
            ));
        }
        groups.push(FilterGroup {
            name: group_name,
            clauses,
            set: FilterSet::Groups,
        });
    }
    let source = match file.description {
        Some(d) => format!("{name}: {d}"),
        None => name.to_string(),
    };
    Ok(ScopeFilter::new(groups, source))
}
