//! Reading one file named by a flag (`--idp-users`, `--scope-filter`, `--provisioning-logs`,
//! `--ldap-groups`) into text, and wording its load failures. Built on `input` (decoding
//! and diagnosis), so every flag names the file, the position and the cause the same way.

use std::path::Path;

/// The file's text: UTF-8 with or without a byte-order mark, or UTF-16 with one. Binary and
/// non-UTF-8 files are refused with the byte offset where they stop being text.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    let name = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {what} {name}: {e}"))?;
    decode_named(&name.to_string(), what, &bytes)
}

/// `read_text` on bytes already in memory.
pub fn decode_named(name: &str, what: &str, bytes: &[u8]) -> Result<String, String> {
    crate::input::decode(bytes)
        .map(|t| t.into_owned())
        .map_err(|e| format!("{what} {name}: {e}"))
}

/// The error to report when a reader refused `text`: what the file really is when that is
/// recognisable (empty, an HTML page, a SCIM error body), else the reader's own message.
pub fn explain_failure(name: &str, what: &str, text: &str, reader_error: String) -> String {
    match crate::input::diagnose(text).or_else(|| graph_error(text)) {
        Some(what_it_is) => format!("{what} {name}: {what_it_is}"),
        None => reader_error,
    }
}

/// A Microsoft Graph error body (`{"error": {"code", "message"}}`), what Graph Explorer or
/// `curl` saves when the token is missing or lacks a permission: the usual wrong
/// `--idp-users` / `--provisioning-logs` JSON.
fn graph_error(text: &str) -> Option<String> {
    if text.len() > 64 * 1024 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let err = v.get("error")?.as_object()?;
    let code = err.get("code").and_then(|c| c.as_str())?;
    let mut msg = format!(
        "a Microsoft Graph error response, not data: code {}",
        crate::util::quote(code, 100)
    );
    if let Some(m) = err.get("message").and_then(|m| m.as_str()) {
        msg.push_str(&format!(", message \"{}\"", crate::util::quote(m, 200)));
    }
    if code.contains("Authentication") || code.contains("Authorization") {
        msg.push_str(" (the request that saved this file was not authorised: export it again with a valid token and the needed permission)");
    }
    Some(msg)
}

/// The field separator of a CSV file: comma as most tools write it; semicolon or tab when a
/// spreadsheet saved the file in a locale that uses them (Excel in most European locales
/// writes `;`). Decided on the header line, outside quotes.
pub fn csv_delimiter(text: &str) -> u8 {
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let mut quoted = false;
    let (mut commas, mut semis, mut tabs) = (0, 0, 0);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas {
        b';'
    } else {
        b','
    }
}

/// Folded header names of an Entra provisioning-log export, recognised by shape whatever the
/// file is called: the log itself, its steps file or its modified-properties file.
pub fn provisioning_log_csv(headers: &[String]) -> Option<&'static str> {
    let keys: Vec<String> = headers.iter().map(|h| crate::util::fold_name(h)).collect();
    let has = |k: &str| keys.iter().any(|x| x == k);
    let any = |ks: &[&str]| ks.iter().any(|k| has(k));
    if any(&["provisioningsteptype", "steptype"]) && has("changeid") {
        return Some("the steps file of an Entra provisioning-log export (ProvisioningSteps CSV)");
    }
    if has("oldvalue") && has("newvalue") && has("changeid") {
        return Some("the modified-properties file of an Entra provisioning-log export (ModifiedProperties CSV)");
    }
    let ids = any(&["changeid", "cycleid", "jobid"]);
    let contains = |parts: &[&str]| keys.iter().any(|k| parts.iter().any(|p| k.contains(p)));
    // Column names vary between downloads ("Action", "Provisioning Action", "Status Info
    // Error Code"), so the outcome and subject columns are recognised by what they contain.
    let outcome = contains(&["status", "errorcode"]);
    let about = contains(&[
        "action",
        "sourceidentity",
        "targetidentity",
        "sourceobject",
        "targetobject",
        "sourcesystem",
        "targetsystem",
    ]);
    (ids && outcome && about).then_some("an Entra provisioning-log export (ProvisioningLogs CSV)")
}

/// True when a CSV header line is a users export (Entra or Okta): a user-identifying column
/// and no provisioning-log column.
pub fn user_export_csv(headers: &[String]) -> bool {
    let keys: Vec<String> = headers.iter().map(|h| crate::util::fold_name(h)).collect();
    let log_column = keys
        .iter()
        .any(|k| matches!(k.as_str(), "changeid" | "cycleid" | "jobid") || k.contains("errorcode"));
    provisioning_log_csv(headers).is_none()
        && !log_column
        && keys.iter().any(|k| {
            matches!(
                k.as_str(),
                "userprincipalname" | "primaryemail" | "login" | "mailnickname"
            )
        })
}

/// True when JSON records are provisioning-log entries (Graph `provisioningObjectSummary`,
/// v1.0 or beta): they carry keys no user object has.
pub fn provisioning_log_records(records: &[serde_json::Value]) -> bool {
    const KEYS: &[&str] = &[
        "provisioningstatusinfo",
        "provisioningaction",
        "provisioningsteps",
        "statusinfo",
        "changeid",
        "cycleid",
        "sourceidentity",
        "targetidentity",
    ];
    let looks = |v: &serde_json::Value| {
        v.as_object().is_some_and(|o| {
            o.keys()
                .filter(|k| KEYS.contains(&crate::util::fold_name(k).as_str()))
                .count()
                >= 2
        })
    };
    !records.is_empty()
        && records.iter().take(20).filter(|v| looks(v)).count() * 2 > records.len().min(20)
}

/// A JSON value's kind in words, for "expected X, found Y" messages.
pub fn describe_json(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(o) if o.is_empty() => "an empty object".into(),
        Value::Object(o) => {
            let keys: Vec<&str> = o.keys().take(6).map(String::as_str).collect();
            let more = if o.len() > keys.len() { ", ..." } else { "" };
            format!("an object with keys {}{more}", keys.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(line: &str, sep: char) -> Vec<String> {
        line.split(sep).map(str::to_string).collect()
    }

    // proves the provisioning-log downloads are recognised by their columns, whatever their
    // spelling, and a users export is not mistaken for one (nor the other way round)
    #[test]
    fn provisioning_logs_and_user_exports_are_told_apart_by_shape() {
        let portal = h("Date (UTC),Id,Job ID,Cycle ID,Change ID,Action,Source System,Source Identity ID,Source Identity Name,Status,Error Code,Reason", ',');
        let variant = h("Date,ChangeId,CycleId,JobId,Provisioning Action,Source Object ID,Source Display Name,User Principal Name,Target Object ID,Status,Status Info Error Code,Failure Reason", ',');
        let steps = h("ChangeId,Name,Step Type,Step Status,Step Description", ',');
        let props = h("Change ID,Display Name,Old Value,New Value", ',');
        let entra_users = h("id,userPrincipalName,displayName,surname,mail,givenName,userType,jobTitle,department,accountEnabled", ',');
        let okta_users = h("Username,First name,Last name,Primary email,Status", ',');
        for logs in [&portal, &variant, &steps, &props] {
            assert!(provisioning_log_csv(logs).is_some(), "{logs:?}");
            assert!(!user_export_csv(logs), "{logs:?}");
        }
        for users in [&entra_users, &okta_users] {
            assert!(provisioning_log_csv(users).is_none(), "{users:?}");
            assert!(user_export_csv(users), "{users:?}");
        }
        let graph_logs = vec![
            serde_json::json!({"id": "1", "changeId": "c", "cycleId": "y", "provisioningStatusInfo": {"status": "failure"}}),
        ];
        let graph_users =
            vec![serde_json::json!({"id": "1", "userPrincipalName": "a@x", "mail": "a@x"})];
        assert!(provisioning_log_records(&graph_logs));
        assert!(!provisioning_log_records(&graph_users));
    }

    // proves comma, semicolon (Excel in European locales) and tab are detected on the header
    #[test]
    fn csv_delimiters_are_detected_outside_quotes() {
        assert_eq!(
            csv_delimiter("\u{feff}userPrincipalName;displayName;mail\r\na;b;c"),
            b';'
        );
        assert_eq!(csv_delimiter("userPrincipalName\tdisplayName"), b'\t');
        assert_eq!(csv_delimiter("userPrincipalName,\"name; full\",mail"), b',');
        assert_eq!(csv_delimiter("userPrincipalName"), b',');
    }

    #[test]
    fn a_recognisable_file_is_named_instead_of_the_parser_message() {
        let msg = explain_failure(
            "f.csv",
            "IdP users",
            "<html><title>Sign in</title></html>",
            "parser".into(),
        );
        assert!(
            msg.contains("f.csv") && msg.contains("\"Sign in\""),
            "{msg}"
        );
        assert_eq!(
            explain_failure("f", "x", "a,b\n1,2", "parser".into()),
            "parser"
        );
    }

    #[test]
    fn json_kinds_are_described_with_their_keys() {
        let v: serde_json::Value = serde_json::json!({"a": 1, "b": 2});
        assert_eq!(describe_json(&v), "an object with keys a, b");
        assert_eq!(describe_json(&serde_json::json!("x")), "a string");
    }
}
