//! The resources the bundle's free-text files can name, with `--redact-pii`: the rewriter of
//! those files (`redact::Redactor`) is built from their values, not from every value of the
//! tenant (a million users' values made an automaton of tens of gigabytes). A free-text
//! file names a resource when a finding has it as subject, when the transcript shows it (an
//! id in a body excerpt or a URL path), and every group (a tenant has few, and findings
//! about nesting name the groups they point to). Values a request sent in a filter
//! (`userName eq "..."`) are recorded as they stand. And a value of the tenant that an input
//! file also holds (an Okta user id that is a target user's externalId, a UPN in a log) is
//! recorded, so that the input's copy gets the pseudonym the snapshot gives it.

use super::given::{text, InputFile};
use super::inputs::RunInputs;
use super::redact::PiiMap;
use super::structural::{percent_decode, walk, walk_recorded};
use crate::model::Tenant;
use crate::report::Report;
use crate::source::http::TranscriptEntry;
use std::collections::HashSet;

/// Every `"id":"<value>"` of a (possibly cut) JSON text.
fn ids_in_json(text: &str, out: &mut HashSet<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("\"id\"") {
        rest = &rest[i + 4..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let Some(value) = after.trim_start().strip_prefix('"') else {
            continue;
        };
        if let Some(end) = value.find('"') {
            out.insert(value[..end].to_string());
        }
    }
}

/// The quoted literals of a request's `filter=` parameter, and the last segment of a
/// `/Users/<id>` or `/Groups/<id>` path.
fn request_values(url: &str, ids: &mut HashSet<String>, literals: &mut Vec<String>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_end_matches('/');
    if let Some((head, last)) = path.rsplit_once('/') {
        let parent = head.rsplit('/').next().unwrap_or("");
        if parent.eq_ignore_ascii_case("Users") || parent.eq_ignore_ascii_case("Groups") {
            ids.insert(percent_decode(last));
        }
    }
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if !k.eq_ignore_ascii_case("filter") {
            continue;
        }
        let mut parts = v.split('"');
        parts.next();
        // Every other piece between quotes is a literal (escaped quotes are rare enough to
        // cost only a shorter literal, itself a part of the value).
        for (i, lit) in parts.enumerate() {
            if i % 2 == 0 && !lit.trim().is_empty() {
                literals.push(lit.to_string());
            }
        }
    }
}

/// Records in `map` the values of every resource the report and the transcript name.
pub fn record(map: &mut PiiMap, t: &Tenant, report: &Report, transcript: &[TranscriptEntry]) {
    let mut ids: HashSet<String> = HashSet::new();
    for c in &report.checks {
        for s in &c.subjects {
            ids.insert(s.id.clone());
        }
    }
    let mut literals = Vec::new();
    for e in transcript {
        ids_in_json(&e.body_excerpt, &mut ids);
        request_values(&e.url, &mut ids, &mut literals);
    }
    // The users are looked through on every core (a million of them take a tenth of a
    // second on one).
    let (threads, chunk) = (crate::archive::threads(), super::structural::MIN_CHUNK);
    let named = crate::util::in_chunks(&t.users, threads, chunk, |us| {
        us.iter()
            .filter(|u| !ids.is_empty() && ids.contains(&u.id))
            .collect::<Vec<_>>()
    });
    for u in named.into_iter().flatten() {
        let mut v = u.to_scim();
        walk_recorded(map, &mut v);
        shield(map, &u.id);
    }
    // A group's members are users the findings name already, except the ones a group
    // finding reads: a member that is no user of the tenant (an orphan, a nested group)
    // and a named one. A group of a million members costs no million values here.
    let hasher = foldhash::fast::FixedState::with_seed(26);
    let hash = |s: &str| std::hash::BuildHasher::hash_one(&hasher, s);
    let members: HashSet<u64> = t
        .groups
        .iter()
        .flat_map(|g| &g.members)
        .map(|m| hash(&m.value))
        .collect();
    // The members that are users of the tenant.
    let user_ids: HashSet<u64> = crate::util::in_chunks(&t.users, threads, chunk, |us| {
        us.iter()
            .map(|u| hash(&u.id))
            .filter(|h| members.contains(h))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    for g in &t.groups {
        let mut v = g.to_scim();
        if let Some(o) = v.as_object_mut() {
            o.remove("members");
        }
        walk_recorded(map, &mut v);
        if ids.contains(&g.id) {
            shield(map, &g.id);
        }
        for m in &g.members {
            if user_ids.contains(&hash(&m.value)) && !ids.contains(&m.value) {
                continue;
            }
            let mut mv = serde_json::json!({ "members": [m] });
            walk_recorded(map, &mut mv);
        }
    }
    for l in literals {
        map.add("request", &l);
    }
}

/// Every string an input file holds, lower-cased and trimmed: JSON strings and the cells of
/// a CSV (split at `,` `;` tabs and line ends), so that a value in any input format is found.
fn input_strings(inputs: &RunInputs) -> HashSet<String> {
    let files: Vec<&InputFile> = inputs
        .idp_users
        .iter()
        .chain(&inputs.scope_filter)
        .chain(&inputs.provisioning_logs)
        .chain(&inputs.ldap_groups)
        .chain(&inputs.idp_config)
        .collect();
    let mut out = HashSet::new();
    let mut add = |s: &str| {
        let s = s.trim();
        if s.chars().any(char::is_alphanumeric) {
            out.insert(s.to_lowercase());
        }
    };
    for f in files {
        let t = text(&f.bytes);
        // JSON strings (escapes undone when the literal parses).
        let mut parts = t.split('"');
        parts.next();
        for (i, lit) in parts.enumerate() {
            if i % 2 == 0 {
                match serde_json::from_str::<String>(&format!("\"{lit}\"")) {
                    Ok(v) => add(&v),
                    Err(_) => add(lit),
                }
            }
        }
        for cell in t.split([',', ';', '\t', '\n', '\r', '"']) {
            add(cell);
        }
    }
    out
}

/// Records every personal value of the tenant that an input file holds too.
pub fn record_shared(map: &mut PiiMap, t: &Tenant, inputs: &RunInputs) {
    let strings = input_strings(inputs);
    if strings.is_empty() {
        return;
    }
    let mut found: Vec<(String, String, String)> = Vec::new();
    let mut rec = |f: &str, o: &str, ps: &str| {
        if strings.contains(&o.trim().to_lowercase()) {
            found.push((f.to_string(), o.to_string(), ps.to_string()));
        }
    };
    for u in &t.users {
        walk(&map.policy, &mut rec, &mut u.to_scim(), "");
    }
    for g in &t.groups {
        walk(&map.policy, &mut rec, &mut g.to_scim(), "");
    }
    for (f, o, ps) in found {
        map.record(&f, &o, &ps);
    }
}

/// A kept id a free-text file shows stands for itself in the rewriter, so that no shorter
/// personal value inside it is replaced.
fn shield(map: &mut PiiMap, id: &str) {
    if map.is_kept(id) {
        map.keep(id, "");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_filter_literals_are_found() {
        let mut ids = HashSet::new();
        ids_in_json(
            r#"{"Resources":[{"id": "a1","userName":"x"},{"id":"b2"#,
            &mut ids,
        );
        assert!(ids.contains("a1"));
        assert!(!ids.contains("b2"), "a cut id is not an id");
        let mut lits = Vec::new();
        request_values(
            "https://h/scim/v2/Users?filter=userName%20eq%20%22ann%40x.example%22",
            &mut ids,
            &mut lits,
        );
        request_values("https://h/scim/v2/Users/c%203", &mut ids, &mut lits);
        assert_eq!(lits, vec!["ann@x.example".to_string()]);
        assert!(ids.contains("c 3"));
    }

    /// A group's members are recorded when a finding or the transcript names them, or
    /// when they are no user of the tenant (an orphan); a member that is a user nobody
    /// names is not (the user's own values are recorded when it is named).
    #[test]
    fn members_named_or_unknown_are_recorded() {
        use serde_json::json;
        let mut t = Tenant::new("t");
        for (id, name) in [("u1", "named@x.example"), ("u2", "quiet@x.example")] {
            let u = json!({"id": id, "userName": name});
            t.users.push(crate::model::parse_user(u, "t").unwrap());
        }
        let g = json!({"id": "g1", "displayName": "Team", "members": [
            {"value": "u1", "display": "Named Person"},
            {"value": "u2", "display": "Quiet Person"},
            {"value": "x9", "display": "Orphan Person"}]});
        t.groups.push(crate::model::parse_group(g, "t").unwrap());
        let source = crate::report::SourceInfo {
            kind: crate::report::SourceKind::Snapshot,
            label: "t".into(),
            base_url: None,
            insecure: false,
        };
        let report = Report::new(source, Vec::new(), Vec::new());
        let seen = TranscriptEntry {
            at: String::new(),
            method: "GET".into(),
            url: "https://h/scim/v2/Users".into(),
            status: Some(200),
            elapsed_ms: 0,
            request_headers: Vec::new(),
            response_headers: Vec::new(),
            body_bytes: 0,
            body_excerpt: r#"{"Resources":[{"id":"u1","userName":"named@x.example"}]}"#.into(),
            error: None,
        };
        let mut map = PiiMap::new(false);
        record(&mut map, &t, &report, &[seen]);
        assert!(map.pseudonym("named@x.example").is_some());
        assert!(map.pseudonym("Named Person").is_some());
        assert!(map.pseudonym("Orphan Person").is_some());
        assert!(map.pseudonym("Team").is_some());
        assert!(map.pseudonym("quiet@x.example").is_none());
        assert!(map.pseudonym("Quiet Person").is_none());
    }
}
