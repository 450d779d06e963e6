//! JSON provisioning logs: Microsoft Graph `provisioningObjectSummary` (`{"value": [...]}` or
//! a bare array; v1.0 keys `provisioningAction` / `provisioningStatusInfo`, beta keys `action` /
//! `statusInfo`) and the portal's JSON download.
//!
//! Each record is flattened into key paths (`provisioningStatusInfo.errorInformation.errorCode`)
//! and the paths go through the same loose column table as CSV headers, so key case, shape
//! version and flat-versus-nested layouts all land on the same fields. Arrays of step objects
//! and modified-property objects become the entry's steps and modified properties.

use super::columns::{self, Field, RecordKind};
use super::{Column, LogFile, LogInputs, Record};
use serde_json::Value;
use std::collections::HashSet;

pub(super) fn read(name: &str, text: &str, inputs: &mut LogInputs) -> anyhow::Result<()> {
    let records = records(name, text, &mut inputs.notes)?;
    let mut seen_cols: HashSet<String> = HashSet::new();
    let mut shape = Shape::Flat;
    let mut count = 0usize;
    let first_new = inputs.entries.len();
    for rec in &records {
        let Value::Object(obj) = rec else {
            continue;
        };
        shape = shape.max(Shape::of(obj));
        let mut r = Record::default();
        let mut cols = Vec::new();
        flatten("", rec, &mut cols);
        for (path, v) in cols {
            match v {
                Flat::Scalar(s) => {
                    let f = columns::match_column(RecordKind::Entry, &path);
                    note(inputs, &mut seen_cols, name, &path, f);
                    if let Some(f) = f {
                        r.set(f, &s);
                    }
                }
                Flat::Objects(items) => {
                    let key = crate::util::fold_name(&path);
                    let kind = if key.ends_with("steps") {
                        Some(RecordKind::Step)
                    } else if key.ends_with("modifiedproperties") {
                        Some(RecordKind::Modified)
                    } else {
                        None
                    };
                    let Some(kind) = kind else {
                        note(inputs, &mut seen_cols, name, &path, None);
                        continue;
                    };
                    for item in items {
                        let mut sub = Record::default();
                        let mut sub_cols = Vec::new();
                        flatten("", item, &mut sub_cols);
                        for (p, v) in sub_cols {
                            let full = format!("{path}[].{p}");
                            let f =
                                columns::match_column(kind, &p).filter(|f| *f != Field::ChangeId);
                            note(inputs, &mut seen_cols, name, &full, f);
                            if let (Some(f), Flat::Scalar(s)) = (f, v) {
                                sub.set(f, &s);
                            }
                        }
                        match kind {
                            RecordKind::Step => r.steps.push(sub.step()),
                            _ => r.modified.push(sub.modified_property()),
                        }
                    }
                }
            }
        }
        inputs.entries.push(r.into_entry(name));
        count += 1;
    }
    let recognised = inputs.entries[first_new..].iter().any(|e| {
        e.status != super::LogStatus::Unknown || e.error_code.is_some() || e.action.is_some()
    });
    let okta = records.iter().any(|r| {
        r.as_object().is_some_and(|o| {
            o.keys().any(|k| k.eq_ignore_ascii_case("eventType"))
                && o.keys()
                    .any(|k| k.eq_ignore_ascii_case("published") || k.eq_ignore_ascii_case("uuid"))
        })
    });
    if count > 0 && !recognised && okta {
        // An Okta System Log: the command line hands it to --idp-config; here (a bundle read
        // back, a library caller) it is set aside with a note rather than refused.
        inputs.entries.truncate(first_new);
        inputs.notes.push(format!(
            "{name} is an Okta System Log, not an Entra provisioning log: give it with --idp-config (the command line does this by itself)"
        ));
        inputs.files.push(LogFile {
            path: name.to_string(),
            format: "okta-system-log (not read as provisioning logs)".to_string(),
            records: 0,
        });
        return Ok(());
    }
    if count > 0 && !recognised {
        anyhow::bail!(
            "{name}: no record has a status, action or error code, so this does not look like provisioning logs \
             (expected the Entra portal JSON download, Graph provisioningObjectSummary JSON or a provision-on-demand result; \
             an Okta System Log is read with --idp-config)"
        );
    }
    inputs.files.push(LogFile {
        path: name.to_string(),
        format: shape.format().to_string(),
        records: count,
    });
    Ok(())
}

/// Which Graph shape a record has; a file takes the most specific one seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Flat,
    Beta,
    V1,
}

impl Shape {
    fn of(obj: &serde_json::Map<String, Value>) -> Shape {
        let nested = |k: &str| {
            obj.iter()
                .any(|(key, v)| key.eq_ignore_ascii_case(k) && v.is_object())
        };
        let has = |k: &str| obj.keys().any(|key| key.eq_ignore_ascii_case(k));
        if nested("provisioningStatusInfo") || has("provisioningAction") {
            Shape::V1
        } else if nested("statusInfo") {
            Shape::Beta
        } else {
            Shape::Flat
        }
    }

    fn format(self) -> &'static str {
        match self {
            Shape::V1 => "json-graph-v1",
            Shape::Beta => "json-graph-beta",
            Shape::Flat => "json-flat",
        }
    }
}

fn note(
    inputs: &mut LogInputs,
    seen: &mut HashSet<String>,
    file: &str,
    path: &str,
    f: Option<Field>,
) {
    if !seen.insert(path.to_string()) {
        return;
    }
    let col = Column {
        file: file.to_string(),
        column: path.to_string(),
        field: f.map(Field::name),
    };
    if f.is_some() {
        inputs.understood.push(col);
    } else {
        inputs.ignored.push(col);
    }
}

/// A provision-on-demand result (Graph `provisionOnDemand`: a `stringKeyStringValuePair`
/// whose `value` is the provisioning-log record as a JSON string and whose `key` holds the
/// result and its error code) turned into the record, with the key's error code and message
/// where the record has none.
fn on_demand(obj: &serde_json::Map<String, Value>) -> Option<Value> {
    let field = |k: &str| {
        obj.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .and_then(|(_, v)| v.as_str())
    };
    let mut record = match serde_json::from_str::<Value>(field("value")?).ok()? {
        Value::Object(o) => o,
        _ => return None,
    };
    if let Some(Value::Object(key)) = field("key").and_then(|k| serde_json::from_str(k).ok()) {
        let details = key.get("details").cloned().unwrap_or(Value::Null);
        for (from, to) in [("errorCode", "errorCode"), ("errorMessage", "reason")] {
            if let Some(v) = details.get(from).filter(|v| v.is_string()) {
                record.entry(to.to_string()).or_insert_with(|| v.clone());
            }
        }
        if let Some(r) = key.get("result").filter(|v| v.is_string()) {
            record
                .entry("onDemandResult".to_string())
                .or_insert_with(|| r.clone());
        }
    }
    Some(Value::Object(record))
}

/// True when `text` is an Entra provisioning log in one of the JSON shapes this module reads
/// (so `--idp-config` can hand it over instead of refusing it).
pub fn looks_like_entra_log(text: &str) -> bool {
    let Ok(parsed) = crate::input::lenient::parse(text.trim_start_matches('\u{feff}')) else {
        return false;
    };
    let v = parsed.value;
    let first = match &v {
        Value::Array(a) => a.first().cloned(),
        Value::Object(o) => match o.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")) {
            Some((_, Value::Array(a))) => a.first().cloned(),
            Some((_, Value::String(_))) => on_demand(o),
            _ => Some(v.clone()),
        },
        _ => None,
    };
    let Some(Value::Object(r)) = first else {
        return false;
    };
    [
        "provisioningStatusInfo",
        "provisioningSteps",
        "provisioningAction",
        "statusInfo",
    ]
    .iter()
    .any(|k| r.keys().any(|key| key.eq_ignore_ascii_case(k)))
}

/// The records of a JSON document: `{"value": [...]}`, an array, one record object, a
/// provision-on-demand result, or newline-delimited objects. Trailing commas (Graph's own
/// samples have them) are tolerated and noted.
fn records(name: &str, text: &str, notes: &mut Vec<String>) -> anyhow::Result<Vec<Value>> {
    let text = text.trim_start_matches('\u{feff}');
    let parsed = match crate::input::lenient::parse(text) {
        Ok(l) => {
            if !l.trailing_commas.is_empty() {
                notes.push(format!(
                    "{name} is not strict JSON: trailing comma at {}; read anyway",
                    l.trailing_commas.join("; ")
                ));
            }
            Ok(l.value)
        }
        Err(e) => Err(e),
    };
    match parsed {
        Ok(Value::Object(obj)) if on_demand(&obj).is_some() => {
            notes.push(format!("{name}: a provision-on-demand result; its `value` read as one provisioning-log record"));
            Ok(on_demand(&obj).into_iter().collect())
        }
        Ok(Value::Array(items)) => Ok(items),
        Ok(Value::Object(mut obj)) => {
            let key = obj
                .keys()
                .find(|k| k.eq_ignore_ascii_case("value"))
                .cloned();
            match key.and_then(|k| obj.remove(&k)) {
                Some(Value::Array(items)) => Ok(items),
                Some(other) => {
                    anyhow::bail!(
                        "{name}: wrong shape: `value` should be an array of provisioning-log records, found {}",
                        crate::input_file::describe_json(&other)
                    )
                }
                None => Ok(vec![Value::Object(obj)]),
            }
        }
        Ok(other) => {
            anyhow::bail!(
                "{name}: wrong shape: expected a JSON array or object of provisioning-log records, found {}",
                crate::input_file::describe_json(&other)
            )
        }
        Err(whole_msg) => {
            let mut out = Vec::new();
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                match serde_json::from_str::<Value>(line) {
                    Ok(v) => out.push(v),
                    // Not newline-delimited records either: the whole-document error is the
                    // one that says where the file went wrong (or that it was cut short).
                    Err(_) if i == 0 || out.is_empty() => {
                        anyhow::bail!("{name}: {whole_msg}")
                    }
                    Err(e) => anyhow::bail!(
                        "{name}: line {}, column {}: not a JSON record ({e})",
                        i + 1,
                        e.column()
                    ),
                }
            }
            Ok(out)
        }
    }
}

enum Flat<'a> {
    Scalar(String),
    Objects(Vec<&'a Value>),
}

fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, Flat<'a>)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(o) => {
            for (k, child) in o {
                // Graph's open `details` bags and `additionalDetails` arrays carry
                // key/value pairs; keep walking, the table decides what is useful.
                flatten(&join(k), child, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            if let Some(kv) = key_value_bag(items) {
                for (k, val) in kv {
                    out.push((join(&k), Flat::Scalar(val)));
                }
            } else {
                out.push((prefix.to_string(), Flat::Objects(items.iter().collect())));
            }
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(scalar).collect();
            out.push((prefix.to_string(), Flat::Scalar(parts.join(", "))));
        }
        other => {
            if let Some(s) = scalar(other) {
                out.push((prefix.to_string(), Flat::Scalar(s)));
            }
        }
    }
}

/// Graph writes some bags as `[{"key": "UserPrincipalName", "value": "a@b"}]`.
fn key_value_bag(items: &[Value]) -> Option<Vec<(String, String)>> {
    items
        .iter()
        .map(|i| {
            let o = i.as_object()?;
            if o.len() != 2 {
                return None;
            }
            let k = o
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("key"))?
                .1
                .as_str()?;
            let v = o.iter().find(|(k, _)| k.eq_ignore_ascii_case("value"))?.1;
            Some((k.to_string(), scalar(v)?))
        })
        .collect()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// Proves an Okta System Log reaching the log reader is set aside with a note, while a
    /// JSON file that is neither is still refused.
    #[test]
    fn okta_logs_are_set_aside_and_other_json_refused() {
        let okta = br#"[{"eventType":"application.provision.user.push","published":"2026-01-01T00:00:00Z","outcome":{"result":"FAILURE"}}]"#;
        let r = crate::logs::parse_files(&[("okta.json".into(), okta.to_vec())]).unwrap();
        assert!(r.entries.is_empty());
        assert!(
            r.notes.iter().any(|n| n.contains("is an Okta System Log")),
            "{:?}",
            r.notes
        );
        let other = br#"[{"name":"x"}]"#;
        let e = crate::logs::parse_files(&[("x.json".into(), other.to_vec())]).unwrap_err();
        assert!(format!("{e:#}").contains("does not look like provisioning logs"));
    }

    /// Proves Graph's trailing-comma sample and a provision-on-demand result are read.
    #[test]
    fn trailing_commas_and_on_demand_results_are_read() {
        let text = b"{\"value\": [{\"provisioningAction\": \"create\", \"provisioningStatusInfo\": {\"status\": \"success\"}, \"modifiedProperties\": [{\"displayName\": \"a\", \"newValue\": \"b\"},],}]}";
        let r = crate::logs::parse_files(&[("t.json".into(), text.to_vec())]).unwrap();
        assert_eq!(r.entries.len(), 1);
        assert!(
            r.notes.iter().any(|n| n.contains("not strict JSON")),
            "{:?}",
            r.notes
        );
        let od = br#"{"key":"{\"result\":\"Skipped\",\"details\":{\"errorCode\":\"RedundantExport\"}}","value":"{\"action\":\"Other\",\"statusInfo\":{\"status\":\"Skipped\"},\"sourceIdentity\":{\"type\":\"User\"}}"}"#;
        let r = crate::logs::parse_files(&[("od.json".into(), od.to_vec())]).unwrap();
        assert_eq!(r.entries[0].status, crate::logs::LogStatus::Skipped);
        assert_eq!(r.entries[0].error_code.as_deref(), Some("RedundantExport"));
        assert!(super::looks_like_entra_log(
            std::str::from_utf8(od).unwrap()
        ));
    }
}
