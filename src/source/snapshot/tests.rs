use super::*;
use crate::model::{parse_user, Email, Group, Member, User};
use serde_json::json;
use std::collections::HashMap;

fn sample() -> Tenant {
    let mut t = Tenant::new("scim.example.test");
    let mut u = parse_user(
        json!({"id": "u1", "userName": "alice@example.test", "active": true,
            "name": {"givenName": "Alice", "familyName": "A", "formatted": "Alice A"},
            "emails": [{"value": "alice@example.test", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
            "meta": {"resourceType": "User", "created": "2026-01-01T00:00:00Z"}}),
        "t",
    )
    .unwrap();
    u.external_id = Some("ext-1".into());
    t.users.push(u);
    t.users.push(User {
        id: "u2".into(),
        user_name: Some("bob@example.test".into()),
        emails: vec![Email {
            value: "bob@example.test".into(),
            kind: None,
            primary: false,
        }],
        active: Some(false),
        ..Default::default()
    });
    t.groups.push(Group {
        id: "g1".into(),
        display_name: Some("Sales".into()),
        members: vec![Member {
            value: "u1".into(),
            kind: Some("User".into()),
            display: None,
            reference: None,
        }],
        ..Default::default()
    });
    t.discovery.service_provider_config =
        Some(json!({"filter": {"supported": true, "maxResults": 200}}));
    t.completeness.users_complete = false;
    t.completeness
        .notes
        .push("stopped after 3 pages: raise --max-pages".into());
    t.parse_issues.push(ParseIssue::new(
        "user",
        "Users startIndex 1 item 4",
        "resource has no id",
    ));
    t
}

fn assert_same(a: &Tenant, b: &Tenant) {
    assert_eq!(a.label, b.label);
    assert_eq!(a.users, b.users);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.discovery, b.discovery);
    assert_eq!(a.completeness, b.completeness);
    assert_eq!(a.parse_issues, b.parse_issues);
}

#[test]
fn to_files_then_from_files_gives_the_same_tenant() {
    let t = sample();
    let files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
    let back = from_files("bundle.zip", &|n| files.get(n).cloned()).unwrap();
    assert_same(&t, &back);
}

#[test]
fn directory_written_and_loaded_gives_the_same_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap");
    let t = sample();
    write_dir(
        &out,
        &t,
        &[],
        &SnapshotMeta::of(&t, 0, Some("https://x/scim/v2")),
    )
    .unwrap();
    assert!(out.join("discovery/ServiceProviderConfig.json").is_file());
    assert!(!out.join("discovery/Schemas.json").exists());
    let back = load(&out).unwrap();
    assert_same(&t, &back);
}

#[test]
fn a_non_empty_output_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("keep.txt"), "x").unwrap();
    let t = sample();
    let err = write_dir(dir.path(), &t, &[], &SnapshotMeta::of(&t, 0, None)).unwrap_err();
    assert!(err.to_string().contains("is not empty"), "{err}");
    assert!(dir.path().join("keep.txt").is_file());
}

#[test]
fn a_truncated_users_file_marks_the_tenant_incomplete() {
    let t = sample();
    let mut files: HashMap<String, Vec<u8>> = to_files(&t, &[]).into_iter().collect();
    let users = String::from_utf8(files[USERS_FILE].clone()).unwrap();
    let first = users.lines().next().unwrap().to_string();
    files.insert(
        USERS_FILE.into(),
        format!("{first}\n{{\"id\": \"broken").into_bytes(),
    );
    let back = from_files("x", &|n| files.get(n).cloned()).unwrap();
    assert_eq!(back.users.len(), 1);
    assert!(!back.completeness.users_complete);
    assert!(back
        .completeness
        .notes
        .iter()
        .any(|n| n.contains("truncated")));
    assert!(back
        .parse_issues
        .iter()
        .any(|p| p.position == "users.ndjson line 2"));
}

#[test]
fn curl_list_response_files_load_through_from_files() {
    let users =
        json!({"totalResults": 1, "Resources": [{"id": "1", "userName": "a@x"}]}).to_string();
    let groups = json!([{"id": "g", "displayName": "G"}]).to_string();
    let back = from_files("dir", &|n| match n {
        "Users.json" => Some(users.clone().into_bytes()),
        "Groups.json" => Some(groups.clone().into_bytes()),
        _ => None,
    })
    .unwrap();
    assert_eq!((back.users.len(), back.groups.len()), (1, 1));
}

#[test]
fn a_newer_snapshot_version_is_refused_with_the_fix() {
    let t = sample();
    let mut meta = SnapshotMeta::of(&t, 0, None);
    meta.version = VERSION + 1;
    let files: HashMap<String, Vec<u8>> = to_files_with(&t, &[], &meta).into_iter().collect();
    let err = from_files("x", &|n| files.get(n).cloned()).unwrap_err();
    assert!(err.to_string().contains("upgrade scim-doctor"), "{err}");
}

/// Two `Resources` keys in one object (pages pasted together): both lists are read, none
/// is ignored.
#[test]
fn a_second_resources_key_is_read_not_ignored() {
    let doc =
        r#"{"Resources":[{"id":"1","userName":"a"}],"resources":[{"id":"2","userName":"b"}]}"#;
    let back = from_files("x", &|n| {
        (n == "Users.json").then(|| doc.as_bytes().to_vec())
    })
    .unwrap();
    assert_eq!(back.users.len(), 2);
    assert_eq!(back.read, 2);
}
