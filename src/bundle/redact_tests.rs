//! Tests of the pseudonym map and the text rewriter (`redact.rs`).

use super::*;

/// Every spelling of a value in free text gets its pseudonym in the same letter case.
#[test]
fn text_spellings_follow_the_pseudonym_in_their_own_case() {
    let mut m = PiiMap::new(false);
    let p = m.add("emails.value", "Ann@Example.com");
    let r = m.redactor().unwrap();
    let out = r.apply("to Ann@Example.com and ann@example.com and ANN@EXAMPLE.COM");
    assert!(!out.to_lowercase().contains("ann@example.com"), "{out}");
    assert!(out.contains(&p), "{out}");
    assert!(out.contains(&p.to_lowercase()), "{out}");
    assert!(out.contains(&p.to_uppercase()), "{out}");
}

/// Two requests that differ only in the letter case of a value stay two different
/// requests in the transcript.
#[test]
fn requests_differing_only_in_case_stay_apart() {
    let mut m = PiiMap::new(false);
    m.add("userName", "Ann.Lee@Example.com");
    m.add("emails.value", "ann.lee@example.com");
    let r = m.redactor().unwrap();
    let a = r.apply("GET /Users?filter=userName%20eq%20%22Ann.Lee%40Example.com%22");
    let b = r.apply("GET /Users?filter=userName%20eq%20%22ann.lee%40example.com%22");
    assert_ne!(a, b);
    assert_eq!(a.to_lowercase(), b.to_lowercase());
    assert!(!a.to_lowercase().contains("ann.lee"), "{a}");
}

/// Short values do not rewrite other words; URNs and JSON keys are left alone.
#[test]
fn words_urns_and_keys_are_not_rewritten() {
    let mut m = PiiMap::new(false);
    let p = m.add("name.givenName", "Ann");
    m.add("department", "Core");
    m.add("title", "active");
    let r = m.redactor().unwrap();
    assert_eq!(
        r.apply("Annual report by Ann, planned."),
        format!("Annual report by {p}, planned.")
    );
    let json = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"active":true}"#;
    assert_eq!(r.apply(json), json);
}

/// The tool's own words stay: a department called "Operations" or a title "Manager" is
/// replaced where a finding quotes it, not in "attempted operations failed" nor in
/// "the manager attribute"; a number only where it is quoted; an email anywhere.
#[test]
fn tool_text_keeps_its_words_and_counts() {
    let mut m = PiiMap::new(false);
    let ops = m.add("department", "Operations");
    let mgr = m.add("title", "manager");
    let n = m.add("badge", "2026");
    let mail = m.add("emails.value", "kim@x.example");
    let r = m.redactor().unwrap();
    let text = "9 of 49 attempted operations failed; Operations teams; the manager attribute; 2026 users; department \"Operations\", title `manager`, badge \"2026\", KIM@X.EXAMPLE | Operations |";
    let out = r.apply_to_tool_text(text);
    assert!(out.starts_with("9 of 49 attempted operations failed; Operations teams; the manager attribute; 2026 users;"), "{out}");
    assert!(
        out.contains(&format!(
            "department \"{ops}\", title `{mgr}`, badge \"{n}\""
        )),
        "{out}"
    );
    assert!(out.contains(&mail.to_uppercase()), "{out}");
    assert!(out.ends_with(&format!("| {ops} |")), "{out}");
    // A table's column titles are the tool's words.
    let table = "| Check | Operations |\n|---|---|\n| x | Operations |\n";
    assert_eq!(
        r.apply_to_tool_text(table),
        format!("| Check | Operations |\n|---|---|\n| x | {ops} |\n")
    );
    // Data (and what the user typed) is rewritten wherever the value stands.
    let data = r.apply("Operations teams");
    assert_eq!(data, format!("{ops} teams"));
}

/// In report.json a value equal to one of the report's own words (a group called
/// "Users", a department "warn") never changes a check id, a status or a kind; the
/// same word as a subject's value does change.
#[test]
fn report_json_keeps_its_structure() {
    let mut m = PiiMap::new(false);
    let w = m.add("department", "warn");
    let d = m.add("displayName", "Users");
    let r = m.redactor().unwrap();
    let report = r#"{"checks":[{"id":"Users","status":"warn","message":"department \"warn\"","subjects":[{"id":"x1","kind":"user","displayName":"Users","detail":"saw \"warn\""}]}]}"#;
    let out: Value = serde_json::from_str(&r.report_json(report)).unwrap();
    let c = &out["checks"][0];
    assert_eq!(c["id"], "Users");
    assert_eq!(c["status"], "warn");
    assert_eq!(c["subjects"][0]["kind"], "user");
    assert_eq!(c["message"], format!("department \"{w}\""));
    assert_eq!(c["subjects"][0]["displayName"], d.as_str());
    assert_eq!(c["subjects"][0]["detail"], format!("saw \"{w}\""));
}

/// Escaped and encoded forms are found and replaced by the same form of the pseudonym.
#[test]
fn encoded_forms_are_replaced_too() {
    let mut m = PiiMap::new(false);
    m.add("emails.value", "o\"neil@x.example");
    m.add("userName", "carla@x.example");
    let r = m.redactor().unwrap();
    let out = r.apply(
        r#"{"v":"o\"neil@x.example"} /Users?filter=userName%20eq%20%22carla%40x.example%22"#,
    );
    assert!(!out.contains("neil") && !out.contains("carla"), "{out}");
    assert!(out.contains("%20eq%20%22") && out.contains("\\\""), "{out}");
}

/// A kept value with extra whitespace is the same value for the checks (and so kept);
/// a soft-delete leftover of a kept UPN keeps the UPN.
#[test]
fn kept_values_match_as_the_checks_compare() {
    let mut m = PiiMap::new(false);
    m.keep("bob@x.example", "scoping filter");
    assert_eq!(m.add("emails.value", " BOB@x.example "), " BOB@x.example ");
    let old = m.add("userName", "0f3c9a7be21d4c55a8e6b1d2c3e4f5a6bob@x.example");
    assert!(
        old.ends_with("bob@x.example") && !old.starts_with("0f3c9a7b"),
        "{old}"
    );
    assert!(old[..32].bytes().all(|b| b.is_ascii_hexdigit()), "{old}");
}

/// Kept values (ids, values a filter depends on) are never replaced, not even the part
/// of them that is another, personal, value.
#[test]
fn kept_values_stay_in_the_clear() {
    let mut m = PiiMap::new(false);
    m.keep("Sales", "scoping filter");
    assert_eq!(m.add("department", "sales"), "sales");
    assert_ne!(m.add("department", "Sales Ops"), "Sales Ops");
    assert_eq!(m.kept.len(), 1);
    m.keep("ann.lee@example.com", "scoping filter");
    let p = m.add("externalId", "ann.lee");
    let r = m.redactor().unwrap();
    assert_eq!(
        r.apply("Ann.Lee@example.com and ann.lee"),
        format!("Ann.Lee@example.com and {p}")
    );
}

#[test]
fn a_value_cut_by_the_excerpt_limit_is_dropped() {
    assert_eq!(
        trim_cut_value(r#"[{"userName":"bjens…"#),
        r#"[{"userName":"…"#
    );
    assert_eq!(trim_cut_value("complete body"), "complete body");
    // A separator wider than one byte (ideographic space) is cut after, not inside.
    assert_eq!(trim_cut_value("名前\u{3000}山田…"), "名前\u{3000}…");
}

/// A reloaded map keeps old pseudonyms, and new values reuse its runs.
#[test]
fn a_reloaded_map_keeps_old_pseudonyms_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.json");
    let mut m = PiiMap::new(false);
    let a = m.add("emails.value", "ann@x.example");
    m.save(&path).unwrap();
    let mut again = PiiMap::load(&path, false).unwrap();
    assert_eq!(again.pseudonym("ann@x.example"), Some(a.as_str()));
    let b = again.add("emails.value", "bob@x.example");
    assert_eq!(a.split('@').nth(1), b.split('@').nth(1));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

/// The map file holds the pseudonymiser's key (not a table of runs): a value first seen
/// after the reload gets the pseudonym the first map would have given it, and a map whose
/// key is missing or damaged is refused with a clear error.
#[test]
fn a_reloaded_map_extends_with_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.json");
    let mut m = PiiMap::new(false);
    m.add("userName", "ann.lee@x.example");
    m.save(&path).unwrap();
    let saved: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["format"], "scim-doctor-pii-map/4");
    let key = saved["key"].as_str().unwrap();
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(saved.get("runs").is_none());
    let mut again = PiiMap::load(&path, false).unwrap();
    assert!(!format!("{again:?}").contains(key), "Debug shows no key");
    assert_eq!(
        again.add("userName", "carol.diaz@y.example"),
        m.add("userName", "carol.diaz@y.example")
    );
    for bad in [serde_json::json!("zz"), serde_json::json!(&key[..62])] {
        let mut broken = saved.clone();
        broken["key"] = bad;
        std::fs::write(&path, broken.to_string()).unwrap();
        let err = PiiMap::load(&path, false).unwrap_err();
        assert!(err.contains("`key`"), "{err}");
    }
}

/// Ids are kept as fingerprints behind a length filter: a value equal to a kept id, in any
/// letter case, with spaces around it or non-ASCII, stays as it is; another does not.
#[test]
fn a_value_equal_to_a_kept_id_stays_whatever_its_case() {
    let mut m = PiiMap::new(false);
    m.keep_id("2819C223-7F76-453A-919D-413861904646");
    assert!(m.is_kept("2819c223-7f76-453a-919d-413861904646"));
    assert!(m.is_kept(" 2819c223-7f76-453a-919d-413861904646 "));
    assert!(!m.is_kept("2819c223-7f76-453a-919d-41386190464"));
    assert_eq!(
        m.add("externalId", "2819c223-7f76-453a-919d-413861904646"),
        "2819c223-7f76-453a-919d-413861904646"
    );
    assert_ne!(m.add("externalId", "ann.lee"), "ann.lee");
    m.keep_id("Straße-7");
    assert!(m.is_kept("STRAßE-7"));
    assert!(!m.is_kept("strasse-8"));
}
